"""Customer returns (RMA) against a shipped sales order, and their inspection.

A return may take back only what was shipped on that order and not yet returned, lot by lot:
a second return of the same units is refused with the numbers. The goods arrive at a returns
location (the warehouse's quarantine unless told) at the cost they left with, and the customer
is credited at the order line's price (a credit note, db/money). Inspection then restocks them
(to storage, at that cost) or scraps them (to inventory loss, valued); both are movements, so
both can be undone (db/inventory/corrections.py puts the counters back through `undo_inspection`).
"""
from __future__ import annotations

from decimal import Decimal
from gettext import gettext as _

from db.core.connection import retry_conflicts, write_transaction
from db.core.errors import InvalidInput, RuleViolation
from db.core.models import Item, Lot, Movement, SalesOrder, SalesOrderLine
from db.core.quantities import whole_quantity
from db.core.sql import locked
from db.ledger import locks
from db.ledger.posting import Posting, post
from db.masterdata.lookup import get_item, get_location, get_so, warehouse_location
from db.masterdata.places import physical, station_warehouse
from db.masterdata.security import audit, get_operator
from db.returns.documents import (ReturnResult, add_line, check_reason, earlier_result, get_return,
                                  line_document, line_of_movement, new_document, virtual_location)
from db.returns.models import ReturnDocument, ReturnLine
from db.core.quantities import format_quantity as fq

KIND = "rma"
INSPECTION_KINDS = ("restock", "scrap")


def shipped_lots(order: SalesOrder, item: Item) -> dict:
    """(so line, lot) → [units shipped, Σ stored units × the cost per base unit each carried]
    for ITEM on ORDER: the second ÷ the first is their average cost per base unit."""
    lines = {l.id: l for l in SalesOrderLine.select().where(SalesOrderLine.so == order.id,
                                                           SalesOrderLine.item == item.id)}
    out: dict = {}
    if not lines:
        return out
    for m in Movement.select().where(Movement.so_line.in_(list(lines)), Movement.kind == "ship"):
        key = (m.so_line_id, m.lot_id)
        units, cost = out.get(key, (0, Decimal(0)))
        out[key] = (units + m.qty, cost + Decimal(m.qty) * Decimal(m.unit_cost or 0))
    return out


def _returned(so_line_id: int, lot_id: int | None) -> int:
    query = ReturnLine.select(ReturnLine.qty).where(ReturnLine.so_line == so_line_id)
    query = query.where(ReturnLine.lot.is_null() if lot_id is None else ReturnLine.lot == lot_id)
    return sum(r.qty for r in query)


@retry_conflicts
def return_from_customer(so: str, sku: str, qty: int, *, reason: str, operator: str,
                         station: str = "", lot: str | None = None, to: str | None = None,
                         warehouse: str | None = None, condition: str = "",
                         document: str | None = None, key: str | None = None) -> ReturnResult:
    """Receive QTY of SKU back from the customer of sales order SO (a new RMA, or a line added
    to the open RMA DOCUMENT of that order, as the station does scan after scan)."""
    earlier = earlier_result(key, (KIND,))
    if earlier is not None:
        return earlier
    get_operator(operator)
    whole_quantity(qty, _("the returned quantity"))
    check_reason(reason)
    order = get_so(so)
    item = get_item(sku)
    if to:
        dest = physical(get_location(to), _("a customer return"))
    else:
        dest = warehouse_location(station_warehouse(station, warehouse).code, "quarantine")
    with write_transaction():
        # One return at a time per order: the "not returned yet" check below stays true. The
        # order is the document: its lock comes before the item's (db/ledger/locks.py); a
        # return of several lines took it, and all the items, already.
        order = locked(SalesOrder, order.id)
        shipped = shipped_lots(order, item)
        if not shipped:
            raise RuleViolation(_("sales order {order} shipped no {sku} to customer {customer}: "
                                  "nothing to return; nothing posted").format(
                order=order.number, sku=item.sku, customer=order.customer.code))
        lots = {lot_id for _line, lot_id in shipped}
        if lot:
            chosen = Lot.get_or_none(Lot.item == item.id, Lot.code == lot)
            if chosen is None or chosen.id not in lots:
                raise RuleViolation(_("lot {lot} of {sku} never went to customer {customer} "
                                      "on {order}: nothing posted").format(
                    lot=lot, sku=item.sku, customer=order.customer.code, order=order.number))
            lot_id = chosen.id
        else:
            open_lots = {l for (line_id, l), (units, _cost) in shipped.items() if units > _returned(line_id, l)}
            if item.lot_tracked and len(open_lots) != 1:
                names = ", ".join(sorted(Lot.get_by_id(l).code for l in open_lots if l)) or _("none")
                raise InvalidInput(_("{sku} is lot-tracked: which lot comes back? {order} shipped lots {names}").format(
                    sku=item.sku, order=order.number, names=names))
            lot_id = next(iter(open_lots)) if open_lots else next(iter(lots))
        candidates = [(line_id, units, cost) for (line_id, l), (units, cost) in sorted(shipped.items(), key=lambda kv: kv[0][0])
                      if l == lot_id]
        total = sum(units for _line, units, _cost in candidates)
        back = sum(_returned(line_id, lot_id) for line_id, _units, _cost in candidates)
        if qty > total - back:
            lot_text = _(" lot {lot}").format(lot=Lot.get_by_id(lot_id).code) if lot_id else ""
            raise RuleViolation(_("{order} shipped {total} × {sku}{lot_text} to customer {customer} and {back} "
                                  "already came back: at most {left} can be returned, got {qty}; nothing posted").format(
                order=order.number, total=fq(total, item), sku=item.sku, lot_text=lot_text,
                customer=order.customer.code, back=fq(back, item), left=fq(total - back, item), qty=fq(qty, item)))
        line_id, units, cost = next((c for c in candidates if c[1] > _returned(c[0], lot_id)), candidates[-1])
        so_line = SalesOrderLine.get_by_id(line_id)
        # The cost they left with, per base unit (the movement keeps its 10 decimals).
        unit_cost = (cost / units) if units else Decimal(item.unit_cost)
        if document:
            doc = locked(ReturnDocument, get_return(document, "customer").id)
            if doc.status != "open" or doc.so_id != order.id:
                raise RuleViolation(_("return {number} is {status} for order {so}: expected an open return of {order}").format(
                    number=doc.number, status=_(doc.status), so=doc.so.number if doc.so_id else "-", order=order.number))
        else:
            doc = new_document("customer", operator, customer=order.customer_id, so=order, reason=reason,
                               condition=condition)
        line = add_line(doc, item=item, lot=lot_id, qty=qty, location=dest, so_line=so_line,
                        unit_cost=unit_cost, unit_price=Decimal(so_line.unit_price), from_usable=False)
        movement = post(Posting(
            item=item, qty=qty, from_location=virtual_location("customer"), to_location=dest, kind=KIND,
            operator=operator, station=station, lot=line.lot, key=key, so_line=so_line,
            document=line_document(doc, line), reason=reason, unit_cost=unit_cost))
        from db.money.notes import note_for_return
        note_for_return(line, qty, movement, operator=operator, station=station)
        audit(operator, station, "receive_rma", rma=doc.number, so=order.number, sku=item.sku, qty=qty,
              movement=movement.id)
        return ReturnResult(document=ReturnDocument.get_by_id(doc.id), line=line, movement=movement)


@retry_conflicts
def inspect_return(number: str, sku: str, qty: int, *, decision: str, operator: str,
                   station: str = "", to: str | None = None, key: str | None = None) -> ReturnResult:
    """Restock (to TO, a storage location; default where the goods were picked from) or scrap
    (to inventory loss) QTY of SKU of customer return NUMBER, at the cost they left with."""
    earlier = earlier_result(key, INSPECTION_KINDS)
    if earlier is not None:
        return earlier
    if decision not in INSPECTION_KINDS:
        raise InvalidInput(_("an inspection decides restock or scrap, got {decision!r}").format(decision=decision))
    get_operator(operator)
    whole_quantity(qty, _("the inspected quantity"))
    doc = get_return(number, "customer")
    item = get_item(sku)
    with write_transaction():
        doc = locks.document(ReturnDocument, doc.id)
        if doc.status != "open":
            raise RuleViolation(_("return {number} is {status}: expected an open one; nothing posted").format(
                number=doc.number, status=_(doc.status)))
        lines = [l for l in doc.lines.order_by(ReturnLine.line_no) if l.item_id == item.id]
        if not lines:
            raise RuleViolation(_("{sku} is not on return {number}").format(sku=item.sku, number=doc.number))
        left = sum(l.qty - l.qty_restocked - l.qty_scrapped for l in lines)
        if qty > left:
            raise RuleViolation(_("return {number} has {left} × {sku} left to inspect, got {qty}; nothing posted").format(
                number=doc.number, left=fq(left, item), sku=item.sku, qty=fq(qty, item)))
        line = next(l for l in lines if l.qty - l.qty_restocked - l.qty_scrapped >= qty) \
            if any(l.qty - l.qty_restocked - l.qty_scrapped >= qty for l in lines) else None
        if line is None:
            raise RuleViolation(_("return {number}: inspect {sku} line by line, at most {most} at once").format(
                number=doc.number, sku=item.sku, most=max(l.qty - l.qty_restocked - l.qty_scrapped for l in lines)))
        if decision == "restock":
            dest = physical(get_location(to), _("a restock")) if to else _picked_from(line)
            if dest.kind != "storage":
                raise RuleViolation(_("a restock goes to a storage location: {code} is {kind}").format(
                    code=dest.code, kind=_(dest.kind)))
        else:
            dest = virtual_location("inventory-loss")
        # Both carry the cost the goods left with: a restock brings it into usable stock (an
        # own-cost kind, db/ledger/costing.py), a scrap from quarantine is valued at it (from a
        # usable returns location the ledger takes the average, as for any scrap).
        movement = post(Posting(
            item=item, qty=qty, from_location=line.location, to_location=dest, kind=decision,
            operator=operator, station=station, lot=line.lot, key=key, so_line=line.so_line_id,
            document=line_document(doc, line), reason=doc.reason, unit_cost=_arrival_cost(doc, line)))
        column = ReturnLine.qty_restocked if decision == "restock" else ReturnLine.qty_scrapped
        ReturnLine.update({column: column + qty}).where(ReturnLine.id == line.id).execute()
        _refresh_status(doc)
        audit(operator, station, f"{decision}_rma", rma=doc.number, line=line.line_no, sku=item.sku,
              qty=qty, movement=movement.id)
        return ReturnResult(document=ReturnDocument.get_by_id(doc.id), line=ReturnLine.get_by_id(line.id),
                            movement=movement)


def _arrival_cost(doc: ReturnDocument, line: ReturnLine) -> Decimal:
    """The cost per base unit LINE's goods came back at: their RMA movement's, at its 10
    decimals (the line's own column keeps 4)."""
    cost = (Movement.select(Movement.unit_cost)
            .where(Movement.document == line_document(doc, line), Movement.kind == KIND,
                   Movement.item == line.item_id).order_by(Movement.id).scalar())
    return Decimal(cost) if cost is not None else Decimal(line.unit_cost)


def _picked_from(line: ReturnLine):
    """Where the line's goods were picked from: a restock puts them back there."""
    pick = (Movement.select().where(Movement.so_line == line.so_line_id, Movement.kind == "pick")
            .order_by(Movement.id.desc()).first())
    if pick is None or pick.from_location.kind != "storage":
        raise InvalidInput(_("a restock needs --to LOC (a storage location): {sku} has no pick location to go back "
                             "to").format(sku=line.item.sku))
    return pick.from_location


def _refresh_status(doc: ReturnDocument) -> None:
    left = sum(l.qty - l.qty_restocked - l.qty_scrapped for l in doc.lines)
    status = "open" if left else "closed"
    ReturnDocument.update(status=status).where(ReturnDocument.id == doc.id).execute()


def undo_inspection(original: Movement) -> None:
    """An undone restock or scrap: the units are back at the returns location, to inspect again."""
    line = line_of_movement(original)
    column = ReturnLine.qty_restocked if original.kind == "restock" else ReturnLine.qty_scrapped
    ReturnLine.update({column: column - original.qty}).where(ReturnLine.id == line.id).execute()
    _refresh_status(line.document)


@retry_conflicts
def receive_customer_return(so: str, lines: list[dict], *, reason: str, operator: str, station: str = "",
                            to: str | None = None, warehouse: str | None = None,
                            key: str | None = None) -> list[ReturnResult]:
    """Several lines ({sku, qty, lot}) coming back from SO as ONE return, all or nothing: what
    an offline station journals as one entry (db/offline), replayed with the same KEY."""
    if not lines:
        raise InvalidInput(_("a customer return of {so} needs at least one line, got none").format(so=so))
    results: list[ReturnResult] = []
    order = get_so(so)
    items = [get_item(spec["sku"]).id for spec in lines]
    with write_transaction():
        # The lock order (db/ledger/locks.py): the order, then every item of the return at once.
        locks.document(SalesOrder, order.id)
        locks.lock_items(items)
        for n, spec in enumerate(lines, start=1):
            result = return_from_customer(
                so, spec["sku"], spec["qty"], reason=reason, operator=operator, station=station,
                lot=spec.get("lot"), to=to, warehouse=warehouse,
                document=results[0].document.number if results else None,
                key=f"{key}:{n}" if key else None)
            results.append(result)
    return results
