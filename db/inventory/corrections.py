"""Correcting stock: supervisor adjustments and undo of a movement (with its document counters)."""
from __future__ import annotations

from gettext import gettext as _

from db.core.connection import retry_conflicts, write_transaction
from db.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from db.ledger.posting import Posting, post, reverse
from db.masterdata.lookup import get_item, get_location, get_reason
from db.core.models import (VIRTUAL_CODES, Location, Movement, PurchaseOrder, PurchaseOrderLine, ReasonCode, SalesOrder,
                            SalesOrderLine)
from db.ledger.keys import check_replay, earlier_by_key, derived_key, refuse_reuse
from db.core.quantities import is_whole
from db.core.sql import locked
from db.ledger import locks
from db.masterdata.lots import lot_for
from db.masterdata.places import physical
from db.masterdata.security import N_, audit, get_operator, require_supervisor
from db.core.statuses import status_word


@retry_conflicts
def adjust(sku: str, qty: int, location: str, *, reason: str, operator: str,
           station: str = "", lot: str | None = None, key: str | None = None,
           expiry=None) -> Movement:
    """Found stock (qty > 0: @GAIN → LOCATION) or damage/loss (qty < 0: LOCATION → @LOSS).
    Supervisors only. A positive adjustment may bring a new lot (give EXPIRY for it)."""
    earlier = earlier_by_key(key)
    if earlier is not None:
        gain = isinstance(qty, int) and qty > 0
        check_replay(key, [earlier], _("an adjustment of {qty} × {sku} at {code}").format(qty=qty, sku=sku, code=location),
                     kinds={"adjust"},
                     sku=sku, qty=abs(qty) if isinstance(qty, int) else None,
                     **({"to_code": location} if gain else {"from_code": location}))
        return earlier
    require_supervisor(operator, N_("adjusting stock"))
    original = reason
    if not is_whole(qty) or qty == 0:
        raise InvalidInput(_("an adjustment needs a non-zero whole quantity (+ found, - lost), got {qty!r}").format(
            qty=qty))
    try:
        reason = get_reason(reason).code if reason else None    # any case: "loss" is LOSS
    except NotFound:
        reason = None
    if not reason:
        known = ", ".join(r.code for r in ReasonCode.select().where(ReasonCode.kind == "adjust").order_by(ReasonCode.code))
        raise NotFound(_("unknown reason code {code!r}; adjustment reasons are {known}").format(
            code=original, known=known))
    item = get_item(sku)
    loc = physical(get_location(location), _("an adjustment"))
    with write_transaction():
        the_lot = lot_for(item, lot, expiry=expiry, create=qty > 0)
        gain = Location.get(Location.code == VIRTUAL_CODES["inventory-gain"])
        loss = Location.get(Location.code == VIRTUAL_CODES["inventory-loss"])
        src, dst = (gain, loc) if qty > 0 else (loc, loss)
        movement = post(Posting(item=item, qty=abs(qty), from_location=src, to_location=dst, kind="adjust",
                                operator=operator, station=station, lot=the_lot, key=key,
                                document="ADJ", reason=reason, unit_cost=item.unit_cost))
        audit(operator, station, "adjust", movement=movement.id, sku=item.sku, qty=qty,
              location=loc.code, reason=reason)
        return movement


@retry_conflicts
def undo_movement(movement_id: int, *, operator: str, station: str = "",
                  key: str | None = None) -> Movement:
    """Reverse a movement and put its document counters back (PO line received/rejected and PO
    status, SO line picked and SO status). Workers undo only their own movements; shipments
    cannot be undone. A transfer between warehouses is undone as a whole (both legs)."""
    earlier = earlier_by_key(key)
    if earlier is not None:
        return _undo_replay(key, earlier, movement_id)
    op = get_operator(operator)
    original = Movement.get_or_none(Movement.id == movement_id)
    if original is None:
        raise NotFound(_("no movement {id}").format(id=movement_id))
    if not op.is_supervisor and original.operator != op.code:
        raise PermissionDenied(_("operator {code} is a worker and may undo only their own movements; "
                                 "movement {id} was posted by {operator}").format(
            code=op.code, id=movement_id, operator=original.operator))
    if original.kind == "ship":
        raise RuleViolation(_("movement {id} is a shipment: the goods have left, it cannot be undone").format(
            id=movement_id))
    if original.kind in ("rtv", "rma"):
        # The money side followed (a debit or credit note): a return is put right by another
        # return, never by taking the movement back.
        raise RuleViolation(_("movement {id} is a return ({document}): it cannot be undone; "
                              "post a return the other way instead").format(id=movement_id, document=original.document))
    with write_transaction():
        # Documents before their lines, both before the item (db/ledger/locks.py).
        if original.po_line_id:
            locks.document(PurchaseOrder, PurchaseOrderLine.get_by_id(original.po_line_id).po_id)
            line = locked(PurchaseOrderLine, original.po_line_id)
        if original.so_line_id:
            order = locks.document(SalesOrder, SalesOrderLine.get_by_id(original.so_line_id).so_id)
            sline = locked(SalesOrderLine, original.so_line_id)
            if order.status in ("shipped", "partial", "cancelled") and original.kind == "pick":
                raise RuleViolation(_("movement {id} picked for sales order {number}, "
                                      "which is {status}: it cannot be undone").format(
                    id=movement_id, number=order.number, status=status_word(order.status)))
        earlier = earlier_by_key(key)
        if earlier is not None:
            return _undo_replay(key, earlier, movement_id)
        undo = reverse(original.id, operator=operator, station=station, key=key)
        if original.kind == "transfer" and original.document:
            # The other leg of the same transfer goes back too, or goods stay in transit.
            for n, leg in enumerate(Movement.select().where(
                    Movement.document == original.document, Movement.kind == "transfer",
                    Movement.id != original.id, Movement.reverses.is_null()), start=1):
                if not Movement.select().where(Movement.reverses == leg.id).exists():
                    reverse(leg.id, operator=operator, station=station, key=derived_key(key, f"leg{n}"))
        if original.po_line_id and original.kind in ("receipt", "reject"):
            _undo_receipt(original, line)
        if original.so_line_id and original.kind == "pick":
            _undo_pick(original, sline, order)
        if original.kind in ("restock", "scrap"):
            from db.returns import undo_inspection
            undo_inspection(original)
        audit(operator, station, "undo", movement=original.id, undo=undo.id, kind=original.kind)
        return undo


def _undo_replay(key: str, earlier: Movement, movement_id: int) -> Movement:
    if earlier.kind != "undo" or earlier.reverses_id != movement_id:
        refuse_reuse(key, earlier, _("an undo of movement {id}").format(id=movement_id))
    return earlier


def undo_movements(ids: list[int], *, operator: str, station: str = "",
                   key: str | None = None) -> list[Movement]:
    """Reverse several movements as one, newest first, in one transaction: one move of a whole
    location's content (or a basket of lines) is taken back by ONE undo. A leg of a transfer
    already reversed with its partner is skipped."""
    if not ids:
        raise InvalidInput(_("nothing to undo: no movement given"))
    undone = []
    with write_transaction():
        moves = list(Movement.select().where(Movement.id.in_(ids)))
        if not any(m.po_line_id or m.so_line_id for m in moves):
            # A move of several items: all their locks at once, before any balance
            # (db/ledger/locks.py); one item after another would take them out of order.
            locks.lock_items(sorted({m.item_id for m in moves}))
        for n, movement_id in enumerate(sorted(ids, reverse=True), start=1):
            if Movement.select().where(Movement.reverses == movement_id).exists():
                continue
            undone.append(undo_movement(movement_id, operator=operator, station=station,
                                        key=derived_key(key, f"all{n}")))
    return undone


def _undo_receipt(original: Movement, line: PurchaseOrderLine) -> None:
    # The undo itself took the receipt's value back out of the average (db/ledger/costing.py).
    from db.purchasing.receiving import refresh_po_status
    if original.kind == "receipt":
        PurchaseOrderLine.update(qty_received=PurchaseOrderLine.qty_received - original.qty).where(
            PurchaseOrderLine.id == line.id).execute()
    else:
        PurchaseOrderLine.update(qty_rejected=PurchaseOrderLine.qty_rejected - original.qty).where(
            PurchaseOrderLine.id == line.id).execute()
    refresh_po_status(line.po_id)


def _undo_pick(original: Movement, line: SalesOrderLine, order: SalesOrder) -> None:
    from db.sales.picking import Allocation, refresh_so_status
    from db.core.models import Balance
    SalesOrderLine.update(qty_picked=SalesOrderLine.qty_picked - original.qty).where(
        SalesOrderLine.id == line.id).execute()
    if order.status in ("picking", "picked"):
        # The units went back to the shelf they came from: promise them to the line again.
        Balance.update(allocated=Balance.allocated + original.qty).where(
            Balance.key(original.item_id, original.from_location_id, original.lot_id)).execute()
        Allocation.create(so_line=line.id, location=original.from_location_id, lot=original.lot_id,
                          qty=original.qty)
    refresh_so_status(order.id)


def last_movement_of(operator: str) -> Movement | None:
    """The operator's latest movement that is not an undo and has not been undone."""
    undone = Movement.select(Movement.reverses).where(Movement.reverses.is_null(False))
    return (Movement.select().where(Movement.operator == operator, Movement.reverses.is_null(),
                                    Movement.id.not_in(undone))
            .order_by(Movement.created_at.desc(), Movement.id.desc()).first())
