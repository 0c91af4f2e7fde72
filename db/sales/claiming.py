"""Claiming a sales order and the stock it promises (allocation); giving it back.

When a station claims an order, stock is promised to each line (Balance.allocated, with an
Allocation row saying which line holds which units), so no unit is promised twice and a pick
from its allocation can never be taken by another order. Releasing an order, a short pick,
shipping and quarantine give promised units back through `_release`.

Split out of db/sales/picking.py (which keeps the pick list, picking and short picks) so each
module holds one subject; picking imports from here, and re-exports what other code imports
from it (Allocation, release_place).
"""
from __future__ import annotations

from gettext import gettext as _

import peewee as pw

from db.core.connection import is_postgres, retry_conflicts, write_transaction
from db.core.errors import NotFound, RuleViolation
from db.core.models import Balance, BaseModel, Location, Lot, SalesOrder, SalesOrderLine, utcnow
from db.core.sql import Prepared, row_by
from db.core.statuses import status_word
from db.inventory.expiry import today_text, usable_lot_condition
from db.ledger import locks
from db.masterdata.lookup import get_so
from db.masterdata.places import station_warehouse
from db.masterdata.security import audit, get_operator
from db.money.credit import check_credit
from db.sales.fefo import fefo_key
from db.sales.shortages import blocked_places, hold_back


class Allocation(BaseModel):
    """Units at one place (location × lot) promised to one sales order line."""
    so_line = pw.ForeignKeyField(SalesOrderLine, backref="allocations", on_delete="CASCADE")
    location = pw.ForeignKeyField(Location)
    lot = pw.ForeignKeyField(Lot, null=True)
    qty = pw.IntegerField()


MODELS = [Allocation]


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


# The statements of a claim and of giving units back, their SQL built once (db/core/sql.py:
# building it was most of a claim's time).
def _free_balances(items, wh_id, today):
    """Balances matching ITEMS (a condition on Balance.item) with free units at the active
    storage places of warehouse WH_ID, each with its location and lot; never an expired lot
    (TODAY: the store's date as YYYY-MM-DD)."""
    return (Balance.select(Balance, Location, Lot).join(Location)
            .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
            .where(items, Location.kind == "storage", Location.active == True,  # noqa: E712
                   Location.warehouse == wh_id, Balance.qty > Balance.allocated,
                   usable_lot_condition(today)))


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
_DROP_ALLOCATION = Prepared(lambda alloc_id: Allocation.delete().where(Allocation.id == alloc_id))
_TAKE_FROM_ALLOCATION = Prepared(lambda qty, alloc_id: Allocation.update(qty=Allocation.qty - qty)
                                 .where(Allocation.id == alloc_id))
_ALLOCATED_TO = Prepared(lambda line_id: Allocation.select(pw.fn.COALESCE(pw.fn.SUM(Allocation.qty), 0))
                         .where(Allocation.so_line == line_id).tuples())


def release_place(item_id: int, location_id: int, lot_id: int | None) -> int:
    """Give back every unit promised to orders at one place (item × location × lot): its stock
    is leaving for quarantine. Returns the units given back."""
    allocs = list(Allocation.select(Allocation, SalesOrderLine).join(SalesOrderLine).where(
        SalesOrderLine.item == item_id, Allocation.location == location_id,
        Allocation.lot.is_null() if lot_id is None else Allocation.lot == lot_id))
    for alloc in allocs:
        _release(alloc, alloc.qty)
    return sum(a.qty for a in allocs)
