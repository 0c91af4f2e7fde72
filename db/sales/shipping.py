"""Shipping a picked sales order: the shipping location to @CUSTOMER, the rest to a backorder.

Split out of db/sales/picking.py so each module holds one subject (the package __init__ and
db/offline/journal.py name `ship` here; db.sales.picking still re-exports it).
"""
from __future__ import annotations

from gettext import gettext as _

from dataclasses import dataclass

from db.core.connection import retry_conflicts, write_transaction
from db.core.documents import backorder_number
from db.core.errors import RuleViolation
from db.core.models import VIRTUAL_CODES, Location, Lot, Movement, SalesOrder, SalesOrderLine, utcnow
from db.core.statuses import CLOSED_SO_STATUSES, status_word
from db.ledger import locks
from db.ledger.keys import check_replay, derived_key, earlier_by_key, refuse_reuse
from db.ledger.posting import Posting, post
from db.masterdata.lookup import get_so
from db.masterdata.security import audit, get_operator
from db.sales.claiming import _release_all


@dataclass
class ShipResult:
    so: SalesOrder
    movements: list[Movement]
    backorder: SalesOrder | None


@retry_conflicts
def ship(so: str, *, operator: str, station: str = "", key: str | None = None) -> ShipResult:
    """Ship what was picked (shipping location → @CUSTOMER). What was not shipped goes to a
    backorder `<so>-BO<n>` and the order becomes "partial"; else "shipped"."""
    if key:
        earlier = _earlier_shipment(key, so)
        if earlier is not None:
            return earlier
    get_operator(operator)
    order = get_so(so)
    customer = Location.get(Location.code == VIRTUAL_CODES["customer"])
    with write_transaction():
        order = locks.document(SalesOrder, order.id)
        if key:
            earlier = _earlier_shipment(key, so)
            if earlier is not None:
                return earlier
        if order.status in CLOSED_SO_STATUSES:
            raise RuleViolation(_("sales order {number} is {status}: expected one with picked goods").format(
                number=order.number, status=status_word(order.status)))
        movements: list[Movement] = []
        lines = list(order.lines.order_by(SalesOrderLine.line_no))
        # Every item the shipment and the freed allocations touch, at once (db/ledger/locks.py).
        locks.lock_items(line.item_id for line in lines)
        for line in lines:
            n = 0
            for (loc, lot), qty in _picked_not_shipped(line).items():
                n += 1
                movements.append(post(Posting(
                    item=line.item, qty=qty, from_location=loc, to_location=customer, kind="ship",
                    operator=operator, station=station, lot=lot, key=derived_key(key, f"{line.line_no}:{n}"),
                    so_line=line, document=f"{order.number}/{line.line_no}", unit_cost=line.item.unit_cost)))
                SalesOrderLine.update(qty_shipped=SalesOrderLine.qty_shipped + qty).where(
                    SalesOrderLine.id == line.id).execute()
        if not movements:
            raise RuleViolation(_("nothing picked to ship on sales order {number}: pick before shipping").format(
                number=order.number))
        _release_all(order)
        lines = list(order.lines.order_by(SalesOrderLine.line_no))
        rest = [(l, l.qty_ordered - l.qty_shipped) for l in lines if l.qty_ordered > l.qty_shipped]
        backorder = None
        if rest:
            backorder = SalesOrder.create(number=backorder_number(SalesOrder, order), customer=order.customer,
                                          status="open", priority=order.priority, due_date=order.due_date,
                                          backorder_of=order)
            for n, (line, qty) in enumerate(rest, start=1):
                SalesOrderLine.create(so=backorder, line_no=n, item=line.item, qty_ordered=qty,
                                      unit_price=line.unit_price)
        SalesOrder.update(status="partial" if rest else "shipped", shipped_at=utcnow()).where(
            SalesOrder.id == order.id).execute()
        audit(operator, station, "ship", so=order.number, movements=len(movements),
              backorder=backorder.number if backorder else None)
        return ShipResult(so=SalesOrder.get_by_id(order.id), movements=movements, backorder=backorder)


def _picked_not_shipped(line: SalesOrderLine) -> dict:
    """(shipping location, lot) → units picked for LINE and still there."""
    net: dict = {}
    rows = (Movement.select(Movement, Location).join(Location, on=(Movement.to_location == Location.id))
            .where(Movement.so_line == line.id))
    for m in rows:
        for loc, sign in ((m.to_location, 1), (m.from_location, -1)):
            if loc.kind == "shipping":
                k = (loc.id, m.lot_id)
                net[k] = net.get(k, 0) + sign * m.qty
    out = {}
    for (loc_id, lot_id), qty in sorted(net.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if qty > 0:
            out[(Location.get_by_id(loc_id), Lot.get_by_id(lot_id) if lot_id else None)] = qty
    return out


def _earlier_shipment(key: str, so: str) -> ShipResult | None:
    """What shipping with KEY did before (its movements carry KEY:line:n); RuleViolation when
    KEY posted anything else, or shipped another order."""
    used = earlier_by_key(key)
    if used is not None:
        refuse_reuse(key, used, _("shipping {so}").format(so=so))
    rows = list(Movement.select().where(Movement.idempotency_key.startswith(f"{key}:"),
                                        Movement.kind == "ship").order_by(Movement.id))
    if not rows:
        return None
    check_replay(key, rows, _("shipping {so}").format(so=so), kinds={"ship"}, document=so)
    order = rows[0].so_line.so
    backorder = SalesOrder.select().where(SalesOrder.backorder_of == order.id).order_by(SalesOrder.id).first()
    return ShipResult(so=order, movements=rows, backorder=backorder)
