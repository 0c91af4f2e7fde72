"""What both kinds of return share: numbering, finding a return, its result, reason codes, the list."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from gettext import gettext as _

from db.ledger.valuation import base_quantity

import peewee as pw

from db.core.connection import database
from db.core.errors import NotFound, RuleViolation
from db.core.models import Location, Movement, VIRTUAL_CODES
from db.core.quantities import Qty, line_amount, line_factor, scale
from db.masterdata.lookup import get_reason
from db.returns.models import N_, PREFIX, ReturnDocument, ReturnLine


@dataclass
class ReturnResult:
    document: ReturnDocument
    line: ReturnLine
    movement: Movement
    # True when the key had posted this before: nothing was posted now.
    replayed: bool = False


def new_document(direction: str, created_by: str, number: str | None = None, **fields) -> ReturnDocument:
    """A new return numbered RTV-000001 / RMA-000001, the next free number of its kind (or
    NUMBER, an imported one)."""
    prefix = PREFIX[direction]
    if number:
        if ReturnDocument.select().where(ReturnDocument.number == number).exists():
            raise RuleViolation(_("a return numbered {number} exists already").format(number=number))
        return ReturnDocument.create(number=number, direction=direction, created_by=created_by, **fields)
    for _attempt in range(5):
        last = (ReturnDocument.select(pw.fn.MAX(ReturnDocument.number))
                .where(ReturnDocument.number.startswith(f"{prefix}-")).scalar())
        tail = last.rsplit("-", 1)[1] if last else "0"
        n = int(tail) + 1 if tail.isdigit() else ReturnDocument.select().count() + 1
        try:
            with database.atomic():     # a savepoint: another station may take the number now
                return ReturnDocument.create(number=f"{prefix}-{n:06d}", direction=direction,
                                             created_by=created_by, **fields)
        except pw.IntegrityError:
            continue
    raise RuleViolation(_("could not number a new {prefix} return: try again").format(prefix=prefix))


def add_line(doc: ReturnDocument, **fields) -> ReturnLine:
    last = ReturnLine.select(pw.fn.MAX(ReturnLine.line_no)).where(ReturnLine.document == doc.id).scalar()
    return ReturnLine.create(document=doc, line_no=(last or 0) + 1, **fields)


def price_factor(line: ReturnLine) -> int:
    """Stored units per unit of the return line's PRICE: the price is the order line's (the PO's
    or the SO's, per that line's unit: 12.00 per 箱), else the item's cost per base unit."""
    order_line = line.po_line if line.po_line_id else (line.so_line if line.so_line_id else None)
    return line_factor(order_line) if order_line is not None else scale(line.item)


def line_value(line: ReturnLine, qty: int) -> Decimal:
    """What QTY stored units of LINE are worth at its price (unrounded): the debit or credit
    note's amount, and the returns reports' value."""
    return line_amount(qty, line.unit_price, price_factor(line))


def line_document(doc: ReturnDocument, line: ReturnLine) -> str:
    """The movement's human reference: RTV-000001/1."""
    return f"{doc.number}/{line.line_no}"


def line_of_movement(movement: Movement) -> ReturnLine:
    number, _slash, line_no = (movement.document or "").rpartition("/")
    line = (ReturnLine.select().join(ReturnDocument)
            .where(ReturnDocument.number == number, ReturnLine.line_no == int(line_no or 0)).first())
    if line is None:
        raise NotFound(_("movement {id} names return line {document!r}, which does not exist").format(
            id=movement.id, document=movement.document))
    return line


def get_return(number: str, direction: str | None = None) -> ReturnDocument:
    doc = ReturnDocument.get_or_none(ReturnDocument.number == str(number))
    if doc is None:
        raise NotFound(_("unknown return {number!r}").format(number=str(number)))
    if direction and doc.direction != direction:
        if direction == "supplier":
            raise RuleViolation(_("{number} is not a return to supplier (RTV)").format(number=doc.number))
        raise RuleViolation(_("{number} is not a customer return (RMA)").format(number=doc.number))
    return doc


def check_reason(reason: str | None) -> str:
    """A known reason code (db.masterdata.lookup.get_reason refuses an unknown one, listing them)."""
    return get_reason(reason or "").code


def virtual_location(kind: str) -> Location:
    return Location.get(Location.code == VIRTUAL_CODES[kind])


def earlier_result(key: str | None, kinds: tuple[str, ...]) -> ReturnResult | None:
    """The result a KEY already posted (a replay), or None. A key posted by another kind of
    operation is refused: a key is bound to its operation."""
    if not key:
        return None
    movement = Movement.get_or_none(Movement.idempotency_key == key)
    if movement is None:
        return None
    if movement.kind not in kinds:
        raise RuleViolation(_("key {key!r} was used for a {kind} posting (movement {id}), "
                              "not for this return: nothing posted").format(key=key, kind=_(movement.kind), id=movement.id))
    line = line_of_movement(movement)
    return ReturnResult(document=line.document, line=line, movement=movement, replayed=True)


# Column names (and CSV/JSON keys, a contract: English); marked, translated where a table shows them.
LIST_COLUMNS = [N_("return"), N_("direction"), N_("party"), N_("order"), N_("status"), N_("reason"), N_("lines"),
                N_("qty"), N_("qty_done"), N_("created_at"), N_("created_by")]


def list_returns(open_only: bool = False, direction: str | None = None) -> list[dict]:
    """Returns newest first; OPEN_ONLY: those with work left (RTV lines to send, RMA lines to inspect)."""
    query = ReturnDocument.select().order_by(ReturnDocument.created_at.desc(), ReturnDocument.id.desc())
    if open_only:
        query = query.where(ReturnDocument.status == "open")
    if direction:
        query = query.where(ReturnDocument.direction == direction)
    rows = []
    for doc in query:
        lines = list(doc.lines)
        # In base units (1.250 kg, not the stored 1250): ints when every item counts whole units.
        done = sum(base_quantity(l.qty_sent if doc.direction == "supplier" else l.qty_restocked + l.qty_scrapped,
                                 l.item.decimals) for l in lines)
        party = doc.supplier.code if doc.direction == "supplier" else doc.customer.code
        order = doc.po.number if doc.po_id else (doc.so.number if doc.so_id else "")
        rows.append({"return": doc.number, "direction": doc.direction, "party": party, "order": order,
                     "status": doc.status, "reason": doc.reason, "lines": len(lines),
                     "qty": _qty(sum(base_quantity(l.qty, l.item.decimals) for l in lines)), "qty_done": _qty(done),
                     "created_at": doc.created_at, "created_by": doc.created_by})
    return rows


def _qty(total):
    """A sum of base quantities as output shows it: a Qty (its decimals kept) unless whole units."""
    return Qty(total) if isinstance(total, Decimal) else total
