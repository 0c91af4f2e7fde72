"""Sales orders on the floor: the pick list, picking, short picks, and the order lists.

Claiming an order and its allocation live in db/sales/claiming.py, shipping in
db/sales/shipping.py (split out to keep each module to one subject); the names other code
imports from here are re-exported below.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from db.core.connection import retry_conflicts, write_transaction
from db.core.errors import NotFound, RuleViolation
from db.ledger.posting import Posting, post
from db.masterdata.lookup import get_item, get_location, get_so, warehouse_location
from db.core.models import Balance, Item, Location, Lot, Movement, Customer, PickShortage, SalesOrder, SalesOrderLine, utcnow
from db.core import defaults
from db.sales.fefo import check_fefo, fefo_key
from db.core.statuses import CLOSED_SO_STATUSES, OPEN_SO_STATUSES, TO_SHIP_SO_STATUSES, SOStatus, status_word
from db.ledger.keys import check_replay, earlier_by_key
from db.core.sql import locked
from db.ledger import locks
from db.masterdata.lots import lot_at
from db.masterdata.places import physical, station_warehouse
from db.core.quantities import whole_quantity
from db.core.sql import Prepared
from db.core.sql import row_by
from db.masterdata.security import audit, get_operator
from db.inventory.expiry import check_not_expired, is_expired, today_text
from db.sales.shortages import blocked_places, hold_back, pick_gaps
from db.core.quantities import format_quantity as fq
from db.sales.claiming import (_DROP_ALLOCATION, _TAKE_FROM_ALLOCATION, Allocation, _allocate, _allocated_to, _claim,
                               _free_balances, _release, _trim_allocations, remaining)
# Re-exported: db/inventory/expiry.py imports release_place, db/inventory/corrections.py
# Allocation, from this module.
from db.sales.claiming import release_place  # noqa: F401
from db.sales.shipping import ShipResult, ship  # noqa: F401


@dataclass
class PickTask:
    so_line: SalesOrderLine
    line_no: int
    sku: str
    name: str
    location: str          # where to pick
    lot: str | None
    expiry: dt.date | None
    qty: int               # still to pick here
    pick_sequence: int


# The queries of a pick scan, their SQL built once (db/core/sql.py: building it was most of
# a pick's time).
_LINES = Prepared(lambda so_id: SalesOrderLine.select().where(SalesOrderLine.so == so_id)
                  .order_by(SalesOrderLine.line_no))
_LINES_AND_ITEMS = Prepared(lambda so_id: SalesOrderLine.select(SalesOrderLine, Item).join(Item)
                            .where(SalesOrderLine.so == so_id).order_by(SalesOrderLine.line_no))
_ALLOCATIONS = Prepared(lambda so_id: Allocation.select(Allocation, Location, Lot).join(Location)
                        .switch(Allocation).join(Lot, pw.JOIN.LEFT_OUTER)
                        .join_from(Allocation, SalesOrderLine)
                        .where(SalesOrderLine.so == so_id).order_by(Allocation.id))
_FREE_STOCK = Prepared(lambda item_id, wh_id, today: _free_balances(Balance.item == item_id, wh_id, today))
_LINES_OF_ITEM = Prepared(lambda so_id, item_id: SalesOrderLine.select().where(
    SalesOrderLine.so == so_id, SalesOrderLine.item == item_id).order_by(SalesOrderLine.line_no))
_ALLOCATED_HERE = Prepared(lambda line_id, loc_id: Allocation.select().where(
    Allocation.so_line == line_id, Allocation.location == loc_id, Allocation.lot.is_null()))
_ALLOCATED_HERE_LOT = Prepared(lambda line_id, loc_id, lot_id: Allocation.select().where(
    Allocation.so_line == line_id, Allocation.location == loc_id, Allocation.lot == lot_id))
_PICKED = Prepared(lambda qty, line_id: SalesOrderLine.update(qty_picked=SalesOrderLine.qty_picked + qty)
                   .where(SalesOrderLine.id == line_id))
_SO_STATUS = Prepared(lambda status, so_id: SalesOrder.update(status=status).where(SalesOrder.id == so_id))


def refresh_so_status(order_id: int) -> None:
    """picking ⇄ picked as the lines fill up (or an undo empties them again)."""
    order = row_by(SalesOrder, "id", order_id)
    if order is None:
        raise SalesOrder.DoesNotExist(f"SalesOrder {order_id} does not exist")
    if order.status in CLOSED_SO_STATUSES:
        return
    done = all(remaining(l) <= 0 for l in _LINES(order.id))
    if done and order.status in (SOStatus.OPEN, SOStatus.PICKING):
        status = SOStatus.PICKED
    elif not done and order.status == SOStatus.PICKED:
        status = SOStatus.PICKING if order.assigned_station else SOStatus.OPEN
    else:
        return
    _SO_STATUS.run(status, order.id)


# ---------------------------------------------------------------- the pick list

def pick_list(so: str, *, warehouse: str | None = None) -> list[PickTask]:
    """What is still to pick, in pick-sequence order: the allocated places first, then (for
    what no allocation covers) free stock, earliest expiry first."""
    order = get_so(so)
    if order.status in CLOSED_SO_STATUSES:
        return []
    wh = station_warehouse(order.assigned_station or "", warehouse)
    tasks: list[PickTask] = []
    # The open lines with their items, and all their allocations, in two queries: the pick
    # screen asks for this list after every pick, and a query per line (and a lazy item read)
    # was most of a pick scan's time (bench/RESULTS.md).
    lines = [line for line in _LINES_AND_ITEMS(order.id) if remaining(line) > 0]
    allocated: dict[int, list] = {line.id: [] for line in lines}
    if lines:
        for a in _ALLOCATIONS(order.id):
            # A lot that expired since the claim is never directed (it cannot be picked).
            if a.so_line_id in allocated and not (a.lot_id and is_expired(a.lot.expiry)):
                allocated[a.so_line_id].append((a.location, a.lot if a.lot_id else None, a.qty))
    blocked = blocked_places([line.item_id for line in lines], wh.id) if lines else {}
    for line in lines:
        need = remaining(line)
        item = line.item
        places = allocated[line.id]
        covered = sum(q for _code, _lot, q in places)
        if covered < need:
            for loc, lot, q in _free_stock(item, wh.id):
                q = hold_back(blocked, item.id, loc.id, q)
                if q > 0:
                    places.append((loc, lot, q))
        # One task per place: allocated and free units of the same shelf and lot add up.
        merged: dict[tuple, list] = {}
        for loc, lot, qty in places:
            merged.setdefault((loc.id, lot.id if lot else None), [loc, lot, 0])[2] += qty
        for loc, lot, qty in sorted(merged.values(), key=lambda p: fefo_key(p[1], p[0])):
            if need <= 0:
                break
            take = min(need, qty)
            tasks.append(PickTask(so_line=line, line_no=line.line_no, sku=item.sku, name=item.name,
                                  location=loc.code, lot=lot.code if lot else None,
                                  expiry=lot.expiry if lot else None, qty=take,
                                  pick_sequence=loc.pick_sequence))
            need -= take
    tasks.sort(key=lambda t: (t.pick_sequence, t.location, t.line_no))
    return tasks


def _free_stock(item: Item, warehouse_id: int):
    return [(b.location, b.lot if b.lot_id else None, b.qty - b.allocated)
            for b in _FREE_STOCK(item.id, warehouse_id, today_text())]


def unpickable(so: str, *, warehouse: str | None = None, tasks: list[PickTask] | None = None) -> list:
    """The units of SO's open lines no task of `pick_list` covers at this warehouse, each
    with why (db/sales/shortages.py): the pick screen shows them instead of leaving them out.
    TASKS: the pick list just read (the screen has it: it is not read twice a scan). When
    every line is covered, nothing more is read."""
    if tasks is None:
        tasks = pick_list(so, warehouse=warehouse)
    order = get_so(so)
    if order.status in CLOSED_SO_STATUSES:
        return []
    covered: dict[int, int] = {}
    for t in tasks:
        covered[t.so_line.id] = covered.get(t.so_line.id, 0) + t.qty
    lines = {t.so_line.id: t.so_line for t in tasks}
    if tasks and all(remaining(line) <= covered[line.id] for line in lines.values()) and \
            len(lines) == sum(1 for _unused in _OPEN_LINE_IDS(order.id)):
        return []
    wh = station_warehouse(order.assigned_station or "", warehouse)
    missing = [(line, remaining(line) - covered.get(line.id, 0)) for line in _LINES_AND_ITEMS(order.id)]
    return pick_gaps([(line, n) for line, n in missing if n > 0], wh)


_OPEN_LINE_IDS = Prepared(lambda so_id: SalesOrderLine.select(SalesOrderLine.id).where(
    SalesOrderLine.so == so_id,
    SalesOrderLine.qty_ordered > SalesOrderLine.qty_picked + SalesOrderLine.qty_short).tuples())


# ---------------------------------------------------------------- picking

@retry_conflicts
def pick(so: str, sku: str, qty: int, from_code: str, *, lot: str | None = None,
         operator: str, station: str = "", key: str | None = None,
         fefo: bool = defaults.PICKING["fefo"]) -> Movement:
    """Pick QTY of SKU for SO from a storage location to the warehouse's shipping location.

    An open order is claimed for STATION first; an order claimed by another station is refused.
    """
    doing = _("a pick of {qty} × {sku} from {code} for {so}").format(qty=qty, sku=sku, code=from_code, so=so)
    earlier = earlier_by_key(key)
    if earlier is not None:
        return _pick_replay(key, earlier, doing, so, sku, qty, from_code)
    get_operator(operator)
    whole_quantity(qty)
    item = get_item(sku)
    src = physical(get_location(from_code), _("a pick"))
    if src.kind != "storage":
        from db.masterdata.places import location_kind
        raise RuleViolation(_("picks come from a storage location: {code} is a {kind} location").format(
            code=src.code, kind=location_kind(src.kind)))
    the_lot = lot_at(item, src, lot)
    check_not_expired(the_lot, _("a pick"))
    shipping = warehouse_location(src.warehouse.code, "shipping")
    order = get_so(so)
    with write_transaction():
        order = _order_for_work(order, operator, station, src.warehouse_id)
        earlier = earlier_by_key(key)
        if earlier is not None:
            return _pick_replay(key, earlier, doing, so, sku, qty, from_code)
        line = _line_for(order, item)
        line = locked(SalesOrderLine, line.id)
        left = remaining(line)
        if qty > left:
            raise RuleViolation(_(
                "picking {qty} × {sku} refused: {number} line {line} has {ordered} ordered, {picked} picked, "
                "{short} short, so {left} to pick").format(
                    qty=fq(qty, item), sku=item.sku, number=order.number, line=line.line_no,
                    ordered=fq(line.qty_ordered, item), picked=fq(line.qty_picked, item),
                    short=fq(line.qty_short, item), left=fq(left, item)))
        if fefo and item.expiry_tracked and the_lot is not None and the_lot.expiry is not None:
            promised = {(a.location_id, a.lot_id): a.qty for a in Allocation.select().where(Allocation.so_line == line.id)}
            check_fefo(item, the_lot, src, promised)
        here = (_ALLOCATED_HERE(line.id, src.id) if the_lot is None
                else _ALLOCATED_HERE_LOT(line.id, src.id, the_lot.id))
        release = min(qty, sum(a.qty for a in here))
        movement = post(Posting(item=item, qty=qty, from_location=src, to_location=shipping,
                                kind="pick", operator=operator, station=station, lot=the_lot, key=key,
                                so_line=line, document=f"{order.number}/{line.line_no}",
                                release_allocation=release))
        # The ledger already freed RELEASE units of the balance; drop them from our rows.
        left_to_drop = release
        for alloc in here:
            take = min(left_to_drop, alloc.qty)
            if take == alloc.qty:
                _DROP_ALLOCATION.run(alloc.id)
            elif take:
                _TAKE_FROM_ALLOCATION.run(take, alloc.id)
            left_to_drop -= take
        _PICKED.run(qty, line.id)
        fresh = row_by(SalesOrderLine, "id", line.id)
        _trim_allocations(fresh)
        refresh_so_status(order.id)
        movement.so_line = fresh   # callers read the line's new counters from the movement
        return movement


def _order_for_work(order: SalesOrder, operator: str, station: str, warehouse_id: int) -> SalesOrder:
    order = locks.document(SalesOrder, order.id)
    if order.status in CLOSED_SO_STATUSES:
        raise RuleViolation(_("sales order {number} is {status}: expected one to pick").format(
            number=order.number, status=status_word(order.status)))
    if order.status == "open":
        _claim(order, operator, station, warehouse_id)
        order = SalesOrder.get_by_id(order.id)
    elif order.assigned_station and order.assigned_station != station:
        raise RuleViolation(_("sales order {number} is being picked at station {claimed}, not {station}").format(
            number=order.number, claimed=order.assigned_station, station=station or _("this station")))
    return order


def _line_for(order: SalesOrder, item: Item) -> SalesOrderLine:
    lines = _LINES_OF_ITEM(order.id, item.id)
    if not lines:
        raise NotFound(_("item {sku} is not on sales order {number}").format(sku=item.sku, number=order.number))
    return next((l for l in lines if remaining(l) > 0), lines[-1])


@retry_conflicts
def short_pick(so: str, sku: str, from_code: str, qty_short: int, *, operator: str,
               station: str = "") -> PickShortage:
    """Record that FROM held QTY_SHORT fewer units than the line needed: the line needs that
    much less picking (the rest goes to the backorder at shipping), and the shortage feeds
    the count plans."""
    get_operator(operator)
    whole_quantity(qty_short, _("the short quantity"))
    item = get_item(sku)
    src = get_location(from_code)
    order = get_so(so)
    with write_transaction():
        order = _order_for_work(order, operator, station, src.warehouse_id)
        line = locked(SalesOrderLine, _line_for(order, item).id)
        left = remaining(line)
        if qty_short > left:
            raise RuleViolation(_("a short pick of {qty} × {sku} is more than the {left} "
                                  "still to pick on {number} line {line}").format(
                qty=fq(qty_short, item), sku=item.sku, left=fq(left, item), number=order.number, line=line.line_no))
        locks.lock_items([item.id])      # before the balances its allocations free
        shortage = PickShortage.create(so_line=line, location=src, item=item, qty_short=qty_short,
                                       operator=operator, station=station)
        SalesOrderLine.update(qty_short=SalesOrderLine.qty_short + qty_short).where(
            SalesOrderLine.id == line.id).execute()
        # The units promised at that shelf are not there: free them first.
        to_free = qty_short
        for alloc in Allocation.select().where(Allocation.so_line == line.id, Allocation.location == src.id):
            take = min(to_free, alloc.qty)
            _release(alloc, take)
            to_free -= take
        _trim_allocations(SalesOrderLine.get_by_id(line.id))
        refresh_so_status(order.id)
        audit(operator, station, "short_pick", so=order.number, line=line.line_no, sku=item.sku,
              location=src.code, qty_short=qty_short)
        return shortage


def undo_short(shortage_id: int, *, operator: str, station: str = "") -> PickShortage:
    """Take back a short pick (the picker's F9 right after it): the line needs those units
    picked again, stock is promised to it again, and the shelf is no longer blocked. Only the
    operator who recorded it, or a supervisor; a short is taken back once."""
    op = get_operator(operator)
    with write_transaction():
        shortage = PickShortage.get_or_none(PickShortage.id == shortage_id)
        if shortage is None:
            raise NotFound(_("no short pick {id}").format(id=shortage_id))
        if shortage.operator != op.code and not op.is_supervisor:
            raise RuleViolation(_("short pick {id} was recorded by {operator}; "
                                  "only they or a supervisor may take it back").format(
                id=shortage_id, operator=shortage.operator))
        if PickShortage.update(undone_at=utcnow()).where(
                PickShortage.id == shortage.id, PickShortage.undone_at.is_null()).execute() != 1:
            raise RuleViolation(_("short pick {id} was already taken back").format(id=shortage_id))
        # The lock order (db/ledger/locks.py): the order, its line, then the item.
        order = locks.document(SalesOrder, shortage.so_line.so_id)
        line = locked(SalesOrderLine, shortage.so_line_id)
        if order.status in CLOSED_SO_STATUSES:
            raise RuleViolation(_("sales order {number} is {status}: its short pick stays").format(
                number=order.number, status=status_word(order.status)))
        locks.lock_items([shortage.item_id])
        SalesOrderLine.update(qty_short=SalesOrderLine.qty_short - shortage.qty_short).where(
            SalesOrderLine.id == line.id).execute()
        line = SalesOrderLine.get_by_id(line.id)
        need = remaining(line) - _allocated_to(line)
        if order.assigned_station and need > 0:
            wh = station_warehouse(order.assigned_station)
            _allocate(order.id, [(line, need)], shortage.location.warehouse_id or wh.id)
        refresh_so_status(order.id)
        audit(operator, station, "undo_short_pick", so=order.number, line=line.line_no,
              sku=shortage.item.sku, location=shortage.location.code, qty_short=shortage.qty_short)
        return PickShortage.get_by_id(shortage.id)


def _pick_replay(key, earlier, doing, so, sku, qty, from_code) -> Movement:
    check_replay(key, [earlier], doing, kinds={"pick"}, sku=sku, qty=qty, from_code=from_code, document=so)
    return earlier


def open_sales_orders() -> list[SalesOrder]:
    """Orders waiting to be picked: most urgent first, then earliest due, then by number."""
    return list(SalesOrder.select(SalesOrder, Customer).join(Customer).where(SalesOrder.status == SOStatus.OPEN)
                .order_by(SalesOrder.priority, SalesOrder.due_date.asc(nulls="LAST"), SalesOrder.number))


def orders_in_progress(station: str) -> list[SalesOrder]:
    """Orders this STATION claimed and is picking, by number (with their customers)."""
    return list(SalesOrder.select(SalesOrder, Customer).join(Customer).where(
        SalesOrder.status == SOStatus.PICKING, SalesOrder.assigned_station == station).order_by(SalesOrder.number))


def orders_to_ship() -> list[SalesOrder]:
    """Orders being picked or picked: most urgent first, then earliest due, then by number."""
    return list(SalesOrder.select(SalesOrder, Customer).join(Customer).where(
        SalesOrder.status.in_(TO_SHIP_SO_STATUSES)).order_by(
        SalesOrder.priority, SalesOrder.due_date.asc(nulls="LAST"), SalesOrder.number))


def so_lines(so_id: int) -> list[SalesOrderLine]:
    """The order's lines in line order, each with its item."""
    return list(SalesOrderLine.select(SalesOrderLine, Item).join(Item)
                .where(SalesOrderLine.so == so_id).order_by(SalesOrderLine.line_no))


def open_so_lines_of_item(item_id: int) -> list[SalesOrderLine]:
    """The item's lines on orders not yet shipped (each with its order), earliest due first."""
    return list(SalesOrderLine.select(SalesOrderLine, SalesOrder).join(SalesOrder)
                .where(SalesOrderLine.item == item_id, SalesOrder.status.in_(OPEN_SO_STATUSES))
                .order_by(SalesOrder.due_date, SalesOrder.number))
