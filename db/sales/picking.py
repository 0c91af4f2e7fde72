"""Sales orders on the floor: claiming an order, its pick list, picking, short picks, shipping.

Allocation: when a station claims an order, stock is promised to each line (Balance.allocated,
with an Allocation row saying which line holds which units), so no unit is promised twice
and a pick from its allocation can never be taken by another order.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from db.core.connection import is_postgres, retry_conflicts, write_transaction
from db.core.errors import NotFound, RuleViolation
from db.ledger.posting import Posting, post
from db.masterdata.lookup import get_item, get_location, get_so, warehouse_location
from db.core.models import (VIRTUAL_CODES, Balance, BaseModel, Item, Location, Lot, Movement, Customer, PickShortage,
                            SalesOrder, SalesOrderLine, utcnow)
from db.core import defaults
from db.core.documents import backorder_number
from db.sales.fefo import check_fefo, fefo_key
from db.core.statuses import CLOSED_SO_STATUSES, OPEN_SO_STATUSES, TO_SHIP_SO_STATUSES, SOStatus, status_word
from db.ledger.keys import check_replay, derived_key, earlier_by_key, refuse_reuse
from db.core.sql import locked
from db.ledger import locks
from db.masterdata.lots import lot_at
from db.masterdata.places import physical, station_warehouse
from db.core.quantities import whole_quantity
from db.core.sql import Prepared
from db.core.sql import row_by
from db.masterdata.security import audit, get_operator
from db.inventory.expiry import check_not_expired, is_expired, today_text, usable_lot_condition
from db.money.credit import check_credit
from db.sales.shortages import blocked_places, hold_back, pick_gaps
from db.core.quantities import format_quantity as fq


class Allocation(BaseModel):
    """Units at one place (location × lot) promised to one sales order line."""
    so_line = pw.ForeignKeyField(SalesOrderLine, backref="allocations", on_delete="CASCADE")
    location = pw.ForeignKeyField(Location)
    lot = pw.ForeignKeyField(Lot, null=True)
    qty = pw.IntegerField()


MODELS = [Allocation]



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


@dataclass
class ShipResult:
    so: SalesOrder
    movements: list[Movement]
    backorder: SalesOrder | None


def remaining(line: SalesOrderLine) -> int:
    return line.qty_ordered - line.qty_picked - line.qty_short


# ---------------------------------------------------------------- claiming an order

@retry_conflicts
def next_sales_order(*, operator: str, station: str, so: str | None = None,
                     warehouse: str | None = None, credit_override: str | None = None) -> SalesOrder:
    """Claim SO (or the next open order by priority, due date, number) for STATION and
    allocate stock to it from WAREHOUSE (default: the station's). An order over its customer's
    credit limit is refused unless CREDIT_OVERRIDE, a supervisor, lets it through (db/money)."""
    get_operator(operator)
    wh = station_warehouse(station, warehouse)
    with write_transaction():
        if so is not None:
            order = locks.document(SalesOrder, get_so(so).id)
            if order.status in ("picking", "picked"):
                if order.assigned_station == station:
                    return order   # claiming one's own order again changes nothing
                raise RuleViolation(_("sales order {number} is being picked at station {station} by {operator}; "
                                      "expected an open order").format(
                    number=order.number, station=order.assigned_station, operator=order.assigned_operator))
            if order.status != "open":
                raise RuleViolation(_("sales order {number} is {status}: expected an open order").format(
                    number=order.number, status=status_word(order.status)))
        else:
            query = (SalesOrder.select().where(SalesOrder.status == "open")
                     .order_by(SalesOrder.priority, SalesOrder.due_date.asc(nulls="LAST"), SalesOrder.number)
                     .limit(1))
            if is_postgres():
                query = query.for_update(skip_locked=True)
            order = query.first()
            if order is None:
                raise NotFound(_("no open sales order is waiting to be picked"))
        _claim(order, operator, station, wh.id, credit_override)
        return row_by(SalesOrder, "id", order.id)


def _claim(order: SalesOrder, operator: str, station: str, warehouse_id: int,
           credit_override: str | None = None) -> None:
    check_credit(order, operator=operator, station=station, override_by=credit_override)
    _CLAIM.run(station, operator, utcnow(), order.id)
    # Item order, not line order: two stations claiming orders with the same items lock the
    # balance rows in the same order and so never deadlock.
    lines = _LINES_BY_ITEM(order.id)
    # Every item of the order, all at once and before their balances (db/ledger/locks.py): the
    # picks that follow in this transaction post them.
    locks.lock_items(line.item_id for line in lines)
    # What each line already holds (a claim after a release), in one query for the order.
    held = {line_id: qty for line_id, qty in _HELD(order.id)}
    needs = [(line, remaining(line) - int(held.get(line.id) or 0)) for line in lines]
    _allocate(order.id, [n for n in needs if n[1] > 0], warehouse_id)
    audit(operator, station, "claim_so", so=order.number)


def _allocate(order_id: int, needs: list[tuple[SalesOrderLine, int]], warehouse_id: int) -> None:
    """Promise free storage stock of WAREHOUSE_ID to each (line, units) of NEEDS, the lines of
    order ORDER_ID: earliest expiry first, then walking order.

    The free balances of all the order's items are read by one query (a claim ran one per line,
    and then a statement per promise: most of a claim scan's time, bench/RESULTS.md), in item
    then location order and locked in that order on PostgreSQL: two stations claiming orders
    with the same items lock the same rows in the same order, and so never deadlock; the
    ledger locks one item's rows in location order too."""
    if not needs:
        return
    places: dict[int, list[Balance]] = {}
    for b in _ORDER_FREE_STOCK(order_id, warehouse_id, today_text()):
        places.setdefault(b.item_id, []).append(b)
    # Units a short pick found missing are not promised until the shelf is counted.
    blocked = blocked_places([line.item_id for line, _unused in needs], warehouse_id)
    for rows in places.values():
        rows.sort(key=lambda b: fefo_key(b.lot if b.lot_id else None, b.location))
    promised: dict[int, int] = {}       # balance id -> units promised by this claim
    allocations = []
    for line, need in needs:
        for b in places.get(line.item_id, ()):
            if need <= 0:
                break
            free = hold_back(blocked, b.item_id, b.location_id, b.qty - b.allocated - promised.get(b.id, 0))
            if free <= 0:
                continue
            take = min(need, free)
            promised[b.id] = promised.get(b.id, 0) + take
            allocations.append({"so_line": line.id, "location": b.location_id, "lot": b.lot_id, "qty": take})
            need -= take
    for balance_id, qty in promised.items():
        _PROMISE.run(qty, balance_id)
    if allocations:
        Allocation.insert_many(allocations).execute()


def _allocated_to(line: SalesOrderLine) -> int:
    return int(_ALLOCATED_TO(line.id)[0][0] or 0)


def _release(alloc: Allocation, qty: int) -> None:
    """Give QTY units of an allocation back to free stock."""
    qty = min(qty, alloc.qty)
    if qty <= 0:
        return
    Balance.update(allocated=Balance.allocated - qty).where(
        Balance.key(alloc.so_line.item_id, alloc.location_id, alloc.lot_id)).execute()
    if qty == alloc.qty:
        _DROP_ALLOCATION.run(alloc.id)
    else:
        _TAKE_FROM_ALLOCATION.run(qty, alloc.id)
        alloc.qty -= qty


def _trim_allocations(line: SalesOrderLine) -> None:
    """No line keeps more units promised than it still needs (last in pick order go first)."""
    excess = _allocated_to(line) - max(0, remaining(line))
    if excess <= 0:
        return
    allocs = list(Allocation.select(Allocation, Location).join(Location).where(Allocation.so_line == line.id)
                  .order_by(Location.pick_sequence.desc(), Location.code.desc()))
    for alloc in allocs:
        if excess <= 0:
            break
        take = min(excess, alloc.qty)
        _release(alloc, take)
        excess -= take


def _release_all(order: SalesOrder) -> None:
    allocs = list(Allocation.select(Allocation, SalesOrderLine).join(SalesOrderLine)
                  .where(SalesOrderLine.so == order.id))
    locks.lock_items(alloc.so_line.item_id for alloc in allocs)
    for alloc in allocs:
        _release(alloc, alloc.qty)


@retry_conflicts
def release_sales_order(so: str, *, operator: str, station: str) -> SalesOrder:
    """Give a claimed order back: its allocation is freed and any station may claim it."""
    op = get_operator(operator)
    with write_transaction():
        order = locks.document(SalesOrder, get_so(so).id)
        if order.status != "picking":
            raise RuleViolation(_("sales order {number} is {status}: expected one being picked").format(
                number=order.number, status=status_word(order.status)))
        if order.assigned_station != station and not op.is_supervisor:
            raise RuleViolation(_("sales order {number} is claimed by station {claimed}, not {station}; "
                                  "only that station or a supervisor may release it").format(
                number=order.number, claimed=order.assigned_station, station=station))
        _release_all(order)
        SalesOrder.update(status="open", assigned_station=None, assigned_operator=None,
                          assigned_at=None).where(SalesOrder.id == order.id).execute()
        audit(operator, station, "release_so", so=order.number)
        return SalesOrder.get_by_id(order.id)


# The queries of a pick scan and a claim, their SQL built once (db/core/sql.py: building it
# was most of a claim's time).
_LINES = Prepared(lambda so_id: SalesOrderLine.select().where(SalesOrderLine.so == so_id)
                  .order_by(SalesOrderLine.line_no))
_LINES_AND_ITEMS = Prepared(lambda so_id: SalesOrderLine.select(SalesOrderLine, Item).join(Item)
                            .where(SalesOrderLine.so == so_id).order_by(SalesOrderLine.line_no))
_ALLOCATIONS = Prepared(lambda so_id: Allocation.select(Allocation, Location, Lot).join(Location)
                        .switch(Allocation).join(Lot, pw.JOIN.LEFT_OUTER)
                        .join_from(Allocation, SalesOrderLine)
                        .where(SalesOrderLine.so == so_id).order_by(Allocation.id))


def _free_balances(items, wh_id, today):
    """Balances matching ITEMS (a condition on Balance.item) with free units at the active
    storage places of warehouse WH_ID, each with its location and lot; never an expired lot
    (TODAY: the store's date as YYYY-MM-DD)."""
    return (Balance.select(Balance, Location, Lot).join(Location)
            .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
            .where(items, Location.kind == "storage", Location.active == True,  # noqa: E712
                   Location.warehouse == wh_id, Balance.qty > Balance.allocated,
                   usable_lot_condition(today)))


_FREE_STOCK = Prepared(lambda item_id, wh_id, today: _free_balances(Balance.item == item_id, wh_id, today))
_LINES_OF_ITEM = Prepared(lambda so_id, item_id: SalesOrderLine.select().where(
    SalesOrderLine.so == so_id, SalesOrderLine.item == item_id).order_by(SalesOrderLine.line_no))
_ALLOCATED_HERE = Prepared(lambda line_id, loc_id: Allocation.select().where(
    Allocation.so_line == line_id, Allocation.location == loc_id, Allocation.lot.is_null()))
_ALLOCATED_HERE_LOT = Prepared(lambda line_id, loc_id, lot_id: Allocation.select().where(
    Allocation.so_line == line_id, Allocation.location == loc_id, Allocation.lot == lot_id))
# A claim's statements.
_CLAIM = Prepared(lambda station, operator, at, so_id: SalesOrder.update(
    status="picking", assigned_station=station, assigned_operator=operator, assigned_at=at)
    .where(SalesOrder.id == so_id))
_LINES_BY_ITEM = Prepared(lambda so_id: SalesOrderLine.select().where(SalesOrderLine.so == so_id)
                          .order_by(SalesOrderLine.item, SalesOrderLine.line_no))
_HELD = Prepared(lambda so_id: Allocation.select(Allocation.so_line, pw.fn.SUM(Allocation.qty))
                 .join(SalesOrderLine).where(SalesOrderLine.so == so_id).group_by(Allocation.so_line)
                 .tuples())


def _order_free_stock(so_id, wh_id, today):
    order_items = SalesOrderLine.select(SalesOrderLine.item).where(SalesOrderLine.so == so_id)
    query = _free_balances(Balance.item.in_(order_items), wh_id, today).order_by(Balance.item, Balance.location, Balance.id)
    return query.for_update(of=Balance) if is_postgres() else query


_ORDER_FREE_STOCK = Prepared(_order_free_stock)
_PROMISE = Prepared(lambda qty, balance_id: Balance.update(allocated=Balance.allocated + qty)
                    .where(Balance.id == balance_id))
# A pick's statements.
_DROP_ALLOCATION = Prepared(lambda alloc_id: Allocation.delete().where(Allocation.id == alloc_id))
_TAKE_FROM_ALLOCATION = Prepared(lambda qty, alloc_id: Allocation.update(qty=Allocation.qty - qty)
                                 .where(Allocation.id == alloc_id))
_PICKED = Prepared(lambda qty, line_id: SalesOrderLine.update(qty_picked=SalesOrderLine.qty_picked + qty)
                   .where(SalesOrderLine.id == line_id))
_SO_STATUS = Prepared(lambda status, so_id: SalesOrder.update(status=status).where(SalesOrder.id == so_id))
_ALLOCATED_TO = Prepared(lambda line_id: Allocation.select(pw.fn.COALESCE(pw.fn.SUM(Allocation.qty), 0))
                         .where(Allocation.so_line == line_id).tuples())


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


def release_place(item_id: int, location_id: int, lot_id: int | None) -> int:
    """Give back every unit promised to orders at one place (item × location × lot): its stock
    is leaving for quarantine. Returns the units given back."""
    allocs = list(Allocation.select(Allocation, SalesOrderLine).join(SalesOrderLine).where(
        SalesOrderLine.item == item_id, Allocation.location == location_id,
        Allocation.lot.is_null() if lot_id is None else Allocation.lot == lot_id))
    for alloc in allocs:
        _release(alloc, alloc.qty)
    return sum(a.qty for a in allocs)


# ---------------------------------------------------------------- shipping

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


def _pick_replay(key, earlier, doing, so, sku, qty, from_code) -> Movement:
    check_replay(key, [earlier], doing, kinds={"pick"}, sku=sku, qty=qty, from_code=from_code, document=so)
    return earlier


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
