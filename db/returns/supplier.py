"""Returns to supplier (RTV): goods leave quarantine (rejects) or any physical location for the
supplier's virtual location, through the ledger, at the cost they carry.

Costs: rejects go back at their PO price (what the reject was booked at); usable stock at the
moving average. Only usable stock was accepted, so owed: its return lowers what we owe (the
settlement report and a debit note, db/money). Returns count against the supplier's quality
score (db/reports/suppliers.py).
"""
from __future__ import annotations

from decimal import Decimal
from gettext import gettext as _
from db.core.text import Phrase, ngettext

import peewee as pw

from db.core.connection import retry_conflicts, write_transaction
from db.core.errors import InvalidInput, RuleViolation
from db.core.models import (Item, Location, Lot, Movement, PurchaseOrder, PurchaseOrderLine,
                            Supplier)
from db.core.quantities import line_factor, price_per_base, whole_quantity
from db.core.sql import locked
from db.ledger import locks
from db.ledger.posting import Posting, post
from db.masterdata.lookup import get_item, get_location, get_po, get_supplier
from db.masterdata.lots import lot_at
from db.masterdata.places import physical
from db.masterdata.security import audit, get_operator
from db.returns.documents import (ReturnResult, add_line, check_reason, earlier_result, get_return,
                                  line_document, new_document, virtual_location)
from db.returns.models import ReturnDocument, ReturnLine
from db.core.quantities import format_quantity as fq

KIND = "rtv"


def _supplier_receipts(sup: Supplier, item: Item, lot: Lot | None, po: PurchaseOrder | None) -> list[Movement]:
    """Receipt and reject movements of ITEM (LOT, PO) that came from SUP, newest first."""
    query = (Movement.select(Movement).join(PurchaseOrderLine, on=(Movement.po_line == PurchaseOrderLine.id),
                                            join_type=pw.JOIN.LEFT_OUTER)
             .join(PurchaseOrder, join_type=pw.JOIN.LEFT_OUTER)
             .where(Movement.item == item.id, Movement.kind.in_(("receipt", "reject")),
                    (PurchaseOrder.supplier == sup.id) | (Movement.document == f"RCV-{sup.code}")))
    if lot is not None:
        query = query.where(Movement.lot == lot.id)
    if po is not None:
        query = query.where(PurchaseOrder.id == po.id)
    return list(query.order_by(Movement.id.desc()))


def _net_received(receipts: list[Movement]) -> int:
    """Units received, less the receipts undone."""
    if not receipts:
        return 0
    undone = {m.reverses_id for m in Movement.select(Movement.reverses).where(
        Movement.reverses.in_([m.id for m in receipts]))}
    return sum(m.qty for m in receipts if m.id not in undone)


def _returned(sup: Supplier, item: Item, lot: Lot | None, po: PurchaseOrder | None) -> int:
    query = (ReturnLine.select(ReturnLine.qty_sent).join(ReturnDocument)
             .where(ReturnDocument.supplier == sup.id, ReturnLine.item == item.id))
    if lot is not None:
        query = query.where(ReturnLine.lot == lot.id)
    if po is not None:
        query = query.where(ReturnDocument.po == po.id)
    return sum(r.qty_sent for r in query)


def _check(sup: Supplier, item: Item, lot: Lot | None, loc: Location, qty: int,
           po: PurchaseOrder | None, already: int = 0) -> dict:
    """The line's cost, price and PO line, after refusing what this supplier never delivered."""
    receipts = _supplier_receipts(sup, item, lot, po)
    where = _(" lot {lot}").format(lot=lot.code) if lot else ""
    on_po = _(" on {po}").format(po=po.number) if po else ""
    if lot is not None and not receipts:
        raise RuleViolation(_("lot {lot} of {sku} never came from supplier {supplier}{on_po}: nothing posted").format(
            lot=lot.code, sku=item.sku, supplier=sup.code, on_po=on_po))
    received = _net_received(receipts)
    returned = _returned(sup, item, lot, po) + already
    if qty > received - returned:
        raise RuleViolation(_(
            "supplier {supplier} delivered {received} × {sku}{where}{on_po} and {returned} already went back: "
            "at most {left} can be returned, got {qty}; nothing posted").format(
                supplier=sup.code, received=fq(received, item), sku=item.sku, where=where, on_po=on_po,
                returned=fq(returned, item), left=fq(max(0, received - returned), item), qty=fq(qty, item)))
    rejects = [m for m in receipts if m.kind == "reject"]
    usable = loc.kind != "quarantine"
    source = receipts[0] if usable or not rejects else rejects[0]
    po_line = source.po_line if source.po_line_id else None
    # Costs are per base unit (the ledger's); the price is the PO line's, per its unit
    # (db/returns/documents.py: price_factor).
    if usable:
        cost = Decimal(item.unit_cost)       # usable stock carries the moving average
    elif source.unit_cost is not None:
        cost = Decimal(source.unit_cost)     # what the reject was booked at
    elif po_line is not None:
        cost = price_per_base(po_line.unit_cost, line_factor(po_line), item)
    else:
        cost = Decimal(item.unit_cost)
    price = Decimal(po_line.unit_cost) if po_line is not None else cost
    return {"po_line": po_line, "unit_cost": cost, "unit_price": price, "from_usable": usable}


def _lookups(supplier: str, sku: str, from_code: str, lot: str | None, po: str | None):
    sup = get_supplier(supplier)
    item = get_item(sku)
    loc = physical(get_location(from_code), _("a return to supplier"))
    the_lot = lot_at(item, loc, lot)
    order = get_po(po) if po else None
    if order is not None and order.supplier_id != sup.id:
        raise InvalidInput(_("purchase order {order} is from supplier {supplier}, not {wanted}").format(
            order=order.number, supplier=order.supplier.code, wanted=sup.code))
    return sup, item, loc, the_lot, order


def create_supplier_return(supplier: str, lines: list[dict], *, reason: str, operator: str,
                           po: str | None = None, station: str = "", number: str | None = None) -> ReturnDocument:
    """An open RTV whose LINES ({sku, qty, from, lot}) a picker sends later (station Return job)."""
    get_operator(operator)
    check_reason(reason)
    if not lines:
        raise InvalidInput(_("a return to supplier needs at least one line, got none"))
    with write_transaction():
        sup = locked(Supplier, get_supplier(supplier).id)
        doc = new_document("supplier", operator, supplier=sup, po=get_po(po) if po else None, reason=reason,
                           number=number)
        pending: dict = {}
        for spec in lines:
            qty = whole_quantity(spec.get("qty"), _("the returned quantity"))
            _sup, item, loc, the_lot, order = _lookups(supplier, spec["sku"], spec["from"], spec.get("lot"), po)
            scope = (item.id, the_lot.id if the_lot else None)
            fields = _check(sup, item, the_lot, loc, qty, order, already=pending.get(scope, 0))
            pending[scope] = pending.get(scope, 0) + qty
            add_line(doc, item=item, lot=the_lot, qty=qty, location=loc, **fields)
        audit(operator, station, "create_rtv", rtv=doc.number, lines=len(lines))
        return doc


@retry_conflicts
def send_return_line(number: str, sku: str, qty: int, from_code: str, *, operator: str,
                     station: str = "", lot: str | None = None, key: str | None = None) -> ReturnResult:
    """Send QTY of SKU of open return NUMBER from FROM_CODE: like a pick, the place and lot
    must be the line's."""
    earlier = earlier_result(key, (KIND,))
    if earlier is not None:
        return earlier
    get_operator(operator)
    whole_quantity(qty, _("the returned quantity"))
    doc = get_return(number, "supplier")
    item = get_item(sku)
    loc = get_location(from_code)
    with write_transaction():
        doc = locks.document(ReturnDocument, doc.id)
        if doc.status != "open":
            raise RuleViolation(_("return {number} is {status}: expected an open one; nothing posted").format(
                number=doc.number, status=_(doc.status)))
        lines = [l for l in doc.lines.order_by(ReturnLine.line_no)
                 if l.item_id == item.id and l.qty_sent < l.qty]
        if not lines:
            raise RuleViolation(_("{sku} is not on return {number}, or all of it was sent").format(
                sku=item.sku, number=doc.number))
        line = next((l for l in lines if l.location_id == loc.id), None)
        if line is None:
            want = ", ".join(l.location.code for l in lines)
            raise RuleViolation(_("return {number} takes {sku} from {want}, not {location}").format(
                number=doc.number, sku=item.sku, want=want, location=loc.code))
        if lot and (line.lot is None or line.lot.code != lot):
            raise RuleViolation(_("return {number} sends lot {lot} of {sku}, not lot {wanted}").format(
                number=doc.number, lot=line.lot.code if line.lot else _("none"), sku=item.sku, wanted=lot))
        left = line.qty - line.qty_sent
        if qty > left:
            raise RuleViolation(_("return {number} line {line_no} has {left} × {sku} left to send, got {qty}").format(
                number=doc.number, line_no=line.line_no, left=fq(left, item), sku=item.sku, qty=fq(qty, item)))
        return _send(doc, line, qty, operator=operator, station=station, key=key)


def _send(doc: ReturnDocument, line: ReturnLine, qty: int, *, operator: str, station: str,
          key: str | None) -> ReturnResult:
    movement = post(Posting(
        item=line.item, qty=qty, from_location=line.location, to_location=virtual_location("supplier"),
        kind=KIND, operator=operator, station=station, lot=line.lot, key=key, po_line=line.po_line_id,
        document=line_document(doc, line), reason=doc.reason, unit_cost=Decimal(line.unit_cost)))
    ReturnLine.update(qty_sent=ReturnLine.qty_sent + qty).where(ReturnLine.id == line.id).execute()
    line = ReturnLine.get_by_id(line.id)
    if all(l.qty_sent >= l.qty for l in doc.lines):
        ReturnDocument.update(status="shipped").where(ReturnDocument.id == doc.id).execute()
    if line.from_usable:
        from db.money.notes import note_for_return
        note_for_return(line, qty, movement, operator=operator, station=station)
    audit(operator, station, "send_rtv", rtv=doc.number, line=line.line_no, sku=line.item.sku,
          qty=qty, movement=movement.id)
    return ReturnResult(document=ReturnDocument.get_by_id(doc.id), line=line, movement=movement)


@retry_conflicts
def return_to_supplier(supplier: str, sku: str, qty: int, from_code: str, *, reason: str,
                       operator: str, station: str = "", lot: str | None = None, po: str | None = None,
                       key: str | None = None) -> ReturnResult:
    """One line sent at once (`wh return supplier`): a new RTV, posted and shipped."""
    earlier = earlier_result(key, (KIND,))
    if earlier is not None:
        return earlier
    get_operator(operator)
    whole_quantity(qty, _("the returned quantity"))
    check_reason(reason)
    sup, item, loc, the_lot, order = _lookups(supplier, sku, from_code, lot, po)
    with write_transaction():
        # The supplier's row stands for the return's document (before the item's lock): two
        # returns to one supplier check what it delivered and got back one after the other.
        sup = locks.document(Supplier, sup.id)
        fields = _check(sup, item, the_lot, loc, qty, order)
        doc = new_document("supplier", operator, supplier=sup, po=order, reason=reason)
        line = add_line(doc, item=item, lot=the_lot, qty=qty, location=loc, **fields)
        return _send(doc, line, qty, operator=operator, station=station, key=key)


def close_return(number: str, *, operator: str, station: str = "") -> ReturnDocument:
    """Close a return: an RTV's unsent rest is dropped (supervisor), an RMA needs every unit inspected."""
    from db.masterdata.security import N_, require_supervisor
    doc = get_return(number)
    with write_transaction():
        doc = locked(ReturnDocument, doc.id)
        if doc.status == "closed":
            raise RuleViolation(_("return {number} is closed already").format(number=doc.number))
        lines = list(doc.lines)
        if doc.direction == "customer":
            get_operator(operator)
            left = sum(l.qty - l.qty_restocked - l.qty_scrapped for l in lines)
            if left:
                raise RuleViolation(ngettext(
                    "return {number} has {n} unit still to inspect: restock or scrap them first",
                    "return {number} has {n} units still to inspect: restock or scrap them first", left).format(
                        number=doc.number, n=left))
        elif any(l.qty_sent < l.qty for l in lines):
            require_supervisor(operator, Phrase(N_("closing return {number} with units not sent"), number=doc.number))
        ReturnDocument.update(status="closed").where(ReturnDocument.id == doc.id).execute()
        audit(operator, station, "close_return", ret=doc.number)
        return ReturnDocument.get_by_id(doc.id)
