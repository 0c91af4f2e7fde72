"""Receiving goods against purchase orders (or without one), and closing purchase orders."""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from db.core.connection import database, retry_conflicts, write_transaction
from db.core.errors import InvalidInput, NotFound, RuleViolation
from db.ledger import costing
from db.ledger.posting import Posting, post
from db.masterdata.lookup import (get_item, get_location, get_po, get_reason, get_supplier, reason_codes,
                                  warehouse_location)
from db.core.models import (VIRTUAL_CODES, Item, Location, Movement, Operator, PurchaseOrder,
                            PurchaseOrderLine, Supplier, utcnow)
from db.core.documents import backorder_number
from db.purchasing.over_receipt import DEFAULT_TOLERANCE_PCT, check_over_receipt
from db.core.statuses import OPEN_PO_STATUSES, RECEIVABLE_PO_STATUSES, POLineStatus, POStatus, status_word
from db.ledger.keys import derived_key, refuse_reuse
from db.core.sql import locked
from db.ledger import locks
from db.masterdata.lots import lot_for
from db.masterdata.places import physical, station_warehouse
from db.core.quantities import line_factor, price_per_base, whole_quantity
from db.core.sql import Prepared
from db.core.sql import LOOK_UP, dialect, row_by, rows_by, table
from db.masterdata.security import N_, Phrase, audit, english, get_operator, require_supervisor
from db.inventory.expiry import lot_expiry, receipt_check

# A receipt's own statements, written once (bench/RESULTS.md). "?" becomes the
# driver's placeholder.
_KEYS_TAKEN_SQL = f'SELECT "id" FROM {table(Movement)} WHERE "idempotency_key" IN (?, ?) LIMIT 1'
# Read once the item is locked: whether the key was posted meanwhile, and the item's costing
# (average, value, usable units) for the ledger (db/ledger/costing.py).
_TAKEN_AND_COSTING_SQL = f'SELECT ({_KEYS_TAKEN_SQL}), {costing.STATE_COLUMNS} FROM {table(Item)} WHERE "id" = ?'



@dataclass
class ReceiptResult:
    accepted: Movement | None      # supplier -> dock location
    rejected: Movement | None      # supplier -> quarantine
    po_line: PurchaseOrderLine | None
    warnings: list[str] = field(default_factory=list)
    # Movements of the same key that are not this receipt's (a key reused): refused on replay.
    others: list[Movement] = field(default_factory=list)


@retry_conflicts
def receive(po: str | None, sku: str, qty: int, *, operator: str, station: str = "",
            reject: int = 0, reason: str | None = None, lot: str | None = None,
            expiry: dt.date | None = None, location: str | None = None,
            supplier: str | None = None, warehouse: str | None = None,
            tolerance_pct: float = DEFAULT_TOLERANCE_PCT, key: str | None = None,
            unit_cost: Decimal | None = None, override_by: str | None = None,
            override_reason: str | None = None) -> ReceiptResult:
    """Receive QTY accepted units (and REJECT rejected ones on top) of SKU.

    Accepted units go to the dock (LOCATION or the warehouse's receiving location), rejected
    ones to the warehouse's quarantine location with their reason. Against a PO the line's
    counters and the PO status follow. UNIT_COST (optional) is the cost of a receipt with no
    PO; it defaults to the item's cost.
    """
    # Whether the key was posted, the operator, item, supplier and locations: one statement.
    wanted = [(Operator, "code", operator), (Item, "sku", sku),
              (Location, "code", VIRTUAL_CODES["supplier"])]
    if not po and supplier:
        wanted.append((Supplier, "code", supplier))
    if location:
        wanted.append((Location, "code", location))
    taken, op_row, item_row, source, *rest = rows_by(
        wanted, _KEYS_TAKEN_SQL, [key, f"{key}:reject"] if key else [None, None])
    sup_row = rest.pop(0) if not po and supplier else LOOK_UP
    dock_row = rest.pop(0) if location else LOOK_UP
    earlier = _earlier_receipt(key) if taken is not None else None
    if earlier is not None:
        return _receipt_replay(key, earlier, po, sku, qty, reject)
    get_operator(operator, op_row)
    whole_quantity(qty, _("the accepted quantity"), allow_zero=True)
    whole_quantity(reject, _("the rejected quantity"), allow_zero=True)
    if qty + reject == 0:
        raise InvalidInput(_("a receipt needs some units: got 0 accepted and 0 rejected"))
    if reject and not reason:
        raise InvalidInput(_("{n} rejected units need a reason code, got none").format(n=reject))
    if reject:
        reason = _reason_code(reason, "reject")
    item = get_item(sku, item_row)
    if item.lot_tracked and not lot:
        raise InvalidInput(_("{sku} is lot-tracked: a lot is required").format(sku=item.sku))
    if item.expiry_tracked and lot and expiry is None:
        from db.core.models import Lot
        known = Lot.get_or_none(Lot.item == item.id, Lot.code == lot)
        if known is None or known.expiry is None:
            raise InvalidInput(_("{sku} is expiry-tracked: an expiry date is required for lot {lot}").format(
                sku=item.sku, lot=lot))

    # An expired or short-dated lot is refused unless supervisor OVERRIDE_BY overrides it
    # with a reason (db/inventory/expiry.py); rejecting it to quarantine is always allowed.
    overridden = None
    if qty:
        overridden = receipt_check(item, lot, lot_expiry(item, lot, expiry),
                                   override_by=override_by, override_reason=override_reason)

    order = get_po(po) if po else None
    if order is not None:
        if order.status not in RECEIVABLE_PO_STATUSES:
            raise _not_open(order)
        sup = order.supplier
        if supplier and supplier != sup.code:
            raise InvalidInput(_("purchase order {number} is from supplier {code}, not {supplier}").format(
                number=order.number, code=sup.code, supplier=supplier))
    else:
        if not supplier:
            raise InvalidInput(_("a receipt without a purchase order needs a supplier, got none"))
        sup = get_supplier(supplier, sup_row)

    if location:
        dock = physical(get_location(location, dock_row), _("receiving"))
        wh_code = None      # only a reject needs the warehouse (its quarantine)
    else:
        wh_code = station_warehouse(station, warehouse).code
        dock = warehouse_location(wh_code, "receiving")
    if reject and wh_code is None:
        wh_code = dock.warehouse.code
    quarantine = warehouse_location(wh_code, "quarantine") if reject else None
    if source is None:
        raise Location.DoesNotExist(f"no location {VIRTUAL_CODES['supplier']}")

    with write_transaction():
        line = None
        if order is not None:
            # The order's status under the lock closing it takes: no receipt lands on a PO
            # closed meanwhile (issue 15: 6 receivers racing a close made 106-114 of 100).
            order = locks.document(PurchaseOrder, order.id)
            if order.status not in RECEIVABLE_PO_STATUSES:
                raise _not_open(order)
            line = _line_for(order, item)
            line = locked(PurchaseOrderLine, line.id)
        # Receipts of one item take its lock in turn (PostgreSQL; SQLite's write transaction
        # already serialises them), so each moving average starts from the one before. Under
        # the lock: the same key again (the first receipt's result, nothing posted twice) and
        # the item's costing, handed to the ledger (which would otherwise read it again).
        row = locks.after_item_lock(item.id, dialect(_TAKEN_AND_COSTING_SQL), [
            key, f"{key}:reject" if key else None, *costing.state_params(item.id)]).fetchone()
        if row is None:         # the item's row is gone
            raise Item.DoesNotExist(f"Item {item.id} does not exist")
        taken, state = row[0], costing.state_from_row(row[1:])
        earlier = _earlier_receipt(key) if taken is not None else None
        if earlier is not None:
            return _receipt_replay(key, earlier, po, sku, qty, reject)
        warnings: list[str] = []
        if line is not None:
            warnings = check_over_receipt(order, line, qty + reject, tolerance_pct)
        the_lot = lot_for(item, lot, expiry=expiry, create=True)
        # No PO and no cost given: the receipt enters at the average (the ledger's rule). The
        # PO line's price is per its unit (12.00 per 箱); the ledger's cost is per base unit.
        cost = price_per_base(line.unit_cost, line_factor(line), item) if line is not None else unit_cost
        document = f"{order.number}/{line.line_no}" if line is not None else f"RCV-{sup.code}"
        accepted = rejected = None
        if qty:
            accepted = post(Posting(item=item, qty=qty, from_location=source, to_location=dock,
                                    kind="receipt", operator=operator, station=station, lot=the_lot,
                                    key=key, po_line=line, document=document, unit_cost=cost,
                                    key_checked=True, item_state=state))
        if reject:
            rejected = post(Posting(item=item, qty=reject, from_location=source, to_location=quarantine,
                                    kind="reject", operator=operator, station=station, lot=the_lot,
                                    key=derived_key(key, "reject") if qty else key, po_line=line,
                                    document=document, reason=reason, unit_cost=cost))
        if overridden:
            audit(override_by, station, "expiry_override", po=order.number if order else "", sku=item.sku,
                  lot=lot or "", qty=qty, received_by=operator, problem=english(overridden),
                  reason=override_reason.strip())
        if line is not None:
            now = utcnow()
            line.qty_received += qty
            line.qty_rejected += reject
            line.first_received_at = line.first_received_at or now
            line.last_received_at = now
            line.save()
            refresh_po_status(order.id)
            line = row_by(PurchaseOrderLine, "id", line.id)
            for movement in (accepted, rejected):
                if movement is not None:
                    movement.po_line = line   # the line's new counters, not the ones before
        return ReceiptResult(accepted=accepted, rejected=rejected, po_line=line, warnings=warnings)


# A receipt's queries, their SQL built once (db/core/sql.py).
_PO_LINES = Prepared(lambda po_id: PurchaseOrderLine.select().where(PurchaseOrderLine.po == po_id)
                     .order_by(PurchaseOrderLine.id))
_PO_LINES_OF_ITEM = Prepared(lambda po_id, item_id: PurchaseOrderLine.select().where(
    PurchaseOrderLine.po == po_id, PurchaseOrderLine.item == item_id).order_by(PurchaseOrderLine.line_no))
_PO_AND_SUPPLIER = Prepared(lambda po_id: PurchaseOrder.select(PurchaseOrder, Supplier).join(Supplier)
                            .where(PurchaseOrder.id == po_id))
_PO_LINES_AND_ITEMS = Prepared(lambda po_id: PurchaseOrderLine.select(PurchaseOrderLine, Item).join(Item)
                               .where(PurchaseOrderLine.po == po_id).order_by(PurchaseOrderLine.line_no))


def po_with_supplier(po_id: int) -> PurchaseOrder:
    """The purchase order with its supplier read along (the receive screen shows both after
    every scan)."""
    order = _PO_AND_SUPPLIER.first(po_id)
    if order is None:
        raise NotFound(_("purchase order {id} does not exist").format(id=po_id))
    return order


def po_lines_with_items(po_id: int) -> list[PurchaseOrderLine]:
    """The order's lines in line order, each with its item read along: the screen's table
    reads every line's item, which was a query per line and per scan (bench/RESULTS.md)."""
    return _PO_LINES_AND_ITEMS(po_id)


def _not_open(order: PurchaseOrder) -> RuleViolation:
    return RuleViolation(_("purchase order {number} is {status}: expected an open one").format(
        number=order.number, status=status_word(order.status)))


def _reason_code(reason: str, kind: str) -> str:
    """REASON as stored (matched in any case: "damaged" is DAMAGED); unknown, the error lists
    the reasons of KIND."""
    try:
        return get_reason(reason).code
    except NotFound:
        from db.ledger.keys import kind_word
        known = ", ".join(r.code for r in reason_codes(kind))
        raise NotFound(_("unknown reason code {code!r}; {kind} reasons are {known}").format(
            code=reason, kind=kind_word(kind), known=known)) from None


def check_receivable(po: str, sku: str, qty: int, *, tolerance_pct: float = DEFAULT_TOLERANCE_PCT) -> PurchaseOrderLine:
    """Refuse, before anything is asked or posted, a receipt of QTY × SKU that PO would refuse:
    an item not on the order, or more than its line takes with the tolerance. The station asks
    for the lot and expiry only after this (check first, ask second). Returns the line."""
    order = get_po(po)
    item = get_item(sku)
    line = _line_for(order, item)
    check_over_receipt(order, line, qty, tolerance_pct)
    return line


def _line_for(order: PurchaseOrder, item: Item) -> PurchaseOrderLine:
    lines = _PO_LINES_OF_ITEM(order.id, item.id)
    if not lines:
        raise NotFound(_("item {sku} is not on purchase order {number}").format(sku=item.sku, number=order.number))
    for line in lines:
        if line.qty_received + line.qty_rejected < line.qty_ordered:
            return line
    return lines[-1]


def _receipt_replay(key: str, earlier: "ReceiptResult", po, sku, qty, reject) -> "ReceiptResult":
    """EARLIER, when it is the receipt of the same data; RuleViolation when KEY posted
    anything else."""
    doing = (_("a receipt of {qty} × {sku} on {po}") if po else _("a receipt of {qty} × {sku}")).format(
        qty=qty, sku=sku, po=po)
    moved = [m for m in (earlier.accepted, earlier.rejected) if m is not None]
    if earlier.others:
        refuse_reuse(key, earlier.others[0], doing)
    accepted, rejected = earlier.accepted, earlier.rejected
    same = ((accepted.qty if accepted else 0) == qty and (rejected.qty if rejected else 0) == (reject or 0)
            and all(m.item.sku == sku for m in moved)
            and (not po or all(m.document.split("/")[0] == po for m in moved)))
    if not same:
        refuse_reuse(key, moved[0], doing)
    return earlier


def _earlier_receipt(key: str | None) -> ReceiptResult | None:
    if not key:
        return None
    # Almost always there is none: ask for ids only before building movements.
    keys = [key, f"{key}:reject"]
    if database.execute_sql(dialect(_KEYS_TAKEN_SQL), keys).fetchone() is None:
        return None
    rows = list(Movement.select().where(Movement.idempotency_key.in_([key, f"{key}:reject"])))
    if not rows:
        return None
    accepted = next((m for m in rows if m.kind == "receipt"), None)
    rejected = next((m for m in rows if m.kind == "reject"), None)
    line_id = rows[0].po_line_id
    return ReceiptResult(accepted=accepted, rejected=rejected,
                         po_line=PurchaseOrderLine.get_by_id(line_id) if line_id else None,
                         warnings=[], others=[m for m in rows if m.kind not in ("receipt", "reject")])




def refresh_po_status(po_id: int) -> PurchaseOrder:
    """open → partial → received, from the lines. A line is done when everything ordered has
    arrived (accepted plus rejected). Closed and cancelled orders keep their status."""
    order = row_by(PurchaseOrder, "id", po_id)
    if order is None:
        raise PurchaseOrder.DoesNotExist(f"PurchaseOrder {po_id} does not exist")
    lines = _PO_LINES(order.id)
    for line in lines:
        arrived = line.qty_received + line.qty_rejected
        status = (POLineStatus.RECEIVED if arrived >= line.qty_ordered
                  else POLineStatus.PARTIAL if arrived else POLineStatus.OPEN)
        if line.status in (POLineStatus.OPEN, POLineStatus.PARTIAL, POLineStatus.RECEIVED) and line.status != status:
            PurchaseOrderLine.update(status=status).where(PurchaseOrderLine.id == line.id).execute()
    if order.status in RECEIVABLE_PO_STATUSES:
        arrived_any = any(l.qty_received + l.qty_rejected for l in lines)
        all_done = lines and all(l.qty_received + l.qty_rejected >= l.qty_ordered for l in lines)
        status = POStatus.RECEIVED if all_done else (POStatus.PARTIAL if arrived_any else POStatus.OPEN)
        if status != order.status:
            PurchaseOrder.update(status=status).where(PurchaseOrder.id == order.id).execute()
            order.status = status
    return order


@retry_conflicts
def close_po(po: str, *, backorder: bool, operator: str, station: str = "") -> PurchaseOrder | None:
    """Close PO. With BACKORDER a new PO `<po>-BO<n>` holds what has not arrived and is
    returned; otherwise the rest is cancelled and None is returned."""
    order = get_po(po)
    if not backorder and any(l.qty_ordered > l.qty_received + l.qty_rejected for l in order.lines):
        # Cancelling what has not arrived cancels part of a document: supervisors only.
        require_supervisor(operator, Phrase(N_("cancelling the rest of purchase order {number}"), number=order.number))
    with write_transaction():
        order = locks.document(PurchaseOrder, order.id)
        if order.status not in (POStatus.DRAFT, *RECEIVABLE_PO_STATUSES):
            raise RuleViolation(_("purchase order {number} is {status}: expected an open one to close").format(
                number=order.number, status=status_word(order.status)))
        rest = [(l, l.qty_ordered - l.qty_received - l.qty_rejected)
                for l in order.lines.order_by(PurchaseOrderLine.line_no)]
        rest = [(l, q) for l, q in rest if q > 0]
        new = None
        if backorder and rest:
            new = PurchaseOrder.create(number=backorder_number(PurchaseOrder, order), supplier=order.supplier,
                                       status=POStatus.OPEN, expected_date=order.expected_date,
                                       created_by=operator, backorder_of=order)
            for n, (line, qty) in enumerate(rest, start=1):
                PurchaseOrderLine.create(po=new, line_no=n, item=line.item, qty_ordered=qty,
                                         unit_cost=line.unit_cost, expected_date=line.expected_date)
        for line, _unused in rest:
            PurchaseOrderLine.update(status=POLineStatus.BACKORDERED if new else POLineStatus.CANCELLED).where(
                PurchaseOrderLine.id == line.id).execute()
        PurchaseOrder.update(status=POStatus.CLOSED, closed_at=utcnow()).where(PurchaseOrder.id == order.id).execute()
        audit(operator, station, "close_po", po=order.number, backorder=new.number if new else None,
              cancelled=0 if new else sum(q for _unused, q in rest))
    return new


def open_purchase_orders(warehouse: str | None = None) -> list[PurchaseOrder]:
    """Open and partially received POs, earliest expected first. Purchase orders carry no
    warehouse, so WAREHOUSE does not narrow the list (kept for the contract)."""
    return list(PurchaseOrder.select().where(PurchaseOrder.status.in_(OPEN_PO_STATUSES))
                .order_by(PurchaseOrder.expected_date.asc(nulls="LAST"), PurchaseOrder.number))


def open_po_lines_of_item(item_id: int) -> list[PurchaseOrderLine]:
    """The item's lines on open and partly received POs (each with its PO), earliest expected first."""
    return list(PurchaseOrderLine.select(PurchaseOrderLine, PurchaseOrder).join(PurchaseOrder)
                .where(PurchaseOrderLine.item == item_id, PurchaseOrder.status.in_(OPEN_PO_STATUSES))
                .order_by(PurchaseOrder.expected_date, PurchaseOrder.number))
