"""Planning counts: which locations a plan covers, creating a plan with one task per location,
a worker's request to count one location, and cancelling a plan.

A location is never in two unfinished tasks of open counts at once."""
from __future__ import annotations

import datetime as dt
import random as random_mod
from gettext import gettext as _
from typing import Iterable

import peewee as pw

from db.core.connection import write_transaction
from db.counts.models import Count, CountEntry, CountLine, CountTask
from db.counts.policy import CountSettings
from db.counts.lookup import balances_at, get_count
from db.core.errors import InvalidInput, NotFound, RuleViolation
from db.masterdata.lookup import get_item, get_location, get_warehouse
from db.masterdata.security import N_, audit, get_operator, require_supervisor
from db.core.quantities import is_whole
from db.core.sql import locked as _locked
from db.core.models import PHYSICAL_KINDS, Balance, Item, Location, PickShortage, Warehouse, utcnow


def _open_task_of(location: Location, exclude_count: int | None = None) -> CountTask | None:
    query = (CountTask.select().join(Count)
             .where(CountTask.location == location.id, CountTask.status != "done",
                    Count.status == "open"))
    if exclude_count:
        query = query.where(Count.id != exclude_count)
    return query.first()


def _physical_locations(warehouse: Warehouse | None):
    query = Location.select().where(Location.kind.in_(PHYSICAL_KINDS), Location.active == True)  # noqa: E712
    if warehouse is not None:
        query = query.where(Location.warehouse == warehouse.id)
    return query


def _stock_locations(item_ids: Iterable[int], warehouse: Warehouse | None) -> list[Location]:
    ids = list(item_ids)
    if not ids:
        return []
    query = (Location.select().distinct().join(Balance, on=(Balance.location == Location.id))
             .where(Balance.item.in_(ids), Balance.qty > 0, Location.kind.in_(PHYSICAL_KINDS),
                    Location.active == True))  # noqa: E712
    if warehouse is not None:
        query = query.where(Location.warehouse == warehouse.id)
    return list(query)


def last_counted(item_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each item was last counted anywhere (its latest count entry)."""
    ids = list(item_ids)
    if not ids:
        return {}
    rows = (CountLine.select(CountLine.item, pw.fn.MAX(CountEntry.at))
            .join(CountEntry, on=(CountEntry.line == CountLine.id))
            .where(CountLine.item.in_(ids)).group_by(CountLine.item).tuples())
    return {item: at for item, at in rows}


def plan_locations(*, zones=None, locations=None, items=None, abc=None, recent_shorts=False,
                   random_n=None, days: int = 30, warehouse: str | None = None, seed=None,
                   settings: CountSettings | None = None
                   ) -> tuple[str, str, list[Location], set[int]]:
    """Which locations a plan covers: (scope, scope detail, locations, item filter).

    Exactly one of the scope arguments is given. Raises InvalidInput / NotFound with a sentence
    when the scope names something unknown or finds nothing to count.
    """
    settings = settings or CountSettings()
    given = [name for name, value in (("zones", zones), ("locations", locations), ("items", items),
                                      ("abc", abc), ("recent-shorts", recent_shorts),
                                      ("random", random_n)) if value]
    if len(given) != 1:
        which = ", ".join(given) if given else _("none")
        raise InvalidInput(_("a count plan needs exactly one scope: zones, locations, items, abc, "
                             "recent-shorts or random; got {which}").format(which=which))
    wh = None
    if warehouse:
        wh = get_warehouse(warehouse)
    item_filter: set[int] = set()
    if zones:
        zones = [z.strip() for z in zones if z.strip()]
        locs = list(_physical_locations(wh).where(Location.zone.in_(zones)))
        empty = [z for z in zones if not any(loc.zone == z for loc in locs)]
        if empty:
            raise NotFound(_("zone {zones} has no active physical location to count").format(zones=", ".join(empty)))
        scope, detail = "zones", ",".join(zones)
    elif locations:
        locs = []
        for code in [c.strip() for c in locations if c.strip()]:
            loc = get_location(code)
            if not loc.is_physical:
                raise InvalidInput(_("{code} is a virtual {kind} location: only physical locations are counted").format(
                code=code, kind=loc.kind))
            if not loc.active:
                raise RuleViolation(_("location {code} is inactive").format(code=code))
            if loc not in locs:
                locs.append(loc)
        scope, detail = "locations", ",".join(loc.code for loc in locs)
    elif items:
        found = []
        for sku in [s.strip() for s in items if s.strip()]:
            found.append(get_item(sku))
        item_filter = {i.id for i in found}
        locs = _stock_locations(item_filter, wh)
        if not locs:
            raise RuleViolation(_("nothing to count: {skus} has no stock at any physical location").format(
                skus=", ".join(i.sku for i in found)))
        scope, detail = "items", ",".join(i.sku for i in found)
    elif abc:
        cls = str(abc).strip().upper()
        if cls not in settings.frequency_days:
            raise InvalidInput(_("ABC class must be A, B or C, got {abc!r}").format(abc=abc))
        days_due = settings.frequency_days[cls]
        cutoff = utcnow() - dt.timedelta(days=days_due)
        class_items = [i.id for i in Item.select(Item.id).where(Item.abc_class == cls, Item.active == True)]  # noqa: E712
        if not class_items:
            raise RuleViolation(_("nothing to count: no active item is in ABC class {cls} "
                                  "(run `wh report abc` to classify items)").format(cls=cls))
        seen = last_counted(class_items)
        item_filter = {i for i in class_items if i not in seen or seen[i] < cutoff}
        locs = _stock_locations(item_filter, wh)
        if not locs:
            raise RuleViolation(_("nothing to count: every class {cls} item with stock was counted "
                                  "within the last {days} days").format(cls=cls, days=days_due))
        scope, detail = "abc", f"{cls} (not counted for {days_due} days)"
    elif recent_shorts:
        since = utcnow() - dt.timedelta(days=days)
        short_locs = {s.location_id for s in PickShortage.select(PickShortage.location)
                      .where(PickShortage.at >= since)}
        variance_locs = {t.location_id for t in CountTask.select(CountTask.location)
                         .join(CountLine, on=(CountLine.task == CountTask.id))
                         .where(CountLine.decided_at >= since, CountLine.adjusted != 0)}
        ids = short_locs | variance_locs
        locs = list(_physical_locations(wh).where(Location.id.in_(list(ids)))) if ids else []
        if not locs:
            raise RuleViolation(_("nothing to count: no short pick and no count variance in the last {days} days").format(
                days=days))
        scope, detail = "shorts", f"short picks and variances of the last {days} days"
    else:
        n = random_n
        if not is_whole(n) or n <= 0:
            raise InvalidInput(_("--random needs a positive number of locations, got {n!r}").format(n=n))
        pool = list(_physical_locations(wh).where(Location.kind == "storage").order_by(Location.code))
        if not pool:
            raise RuleViolation(_("nothing to count: there is no active storage location"))
        locs = random_mod.Random(seed).sample(pool, min(n, len(pool)))
        scope, detail = "random", f"{len(locs)} random locations"
    locs.sort(key=lambda loc: (loc.pick_sequence, loc.code))
    return scope, detail, locs, item_filter


def create_count(*, operator: str, station: str = "", zones=None, locations=None, items=None,
                 abc=None, recent_shorts: bool = False, random_n: int | None = None,
                 days: int = 30, warehouse: str | None = None, seed=None,
                 blind: bool | None = None, note: str = "",
                 settings: CountSettings | None = None) -> Count:
    """Create a count plan with one task per location (supervisor only).

    Locations that already have an unfinished task in another open count are skipped (a
    location is never counted twice at once); `count.skipped` lists them. Nothing is created
    when no location is left.
    """
    settings = settings or CountSettings()
    require_supervisor(operator, N_("creating a count"))
    scope, detail, locs, item_filter = plan_locations(
        zones=zones, locations=locations, items=items, abc=abc, recent_shorts=recent_shorts,
        random_n=random_n, days=days, warehouse=warehouse, seed=seed, settings=settings)
    wh = Warehouse.get_or_none(Warehouse.code == warehouse) if warehouse else None
    with write_transaction():
        skipped, todo = [], []
        for loc in locs:
            busy = _open_task_of(loc)
            if busy is not None:
                skipped.append(_("{location} is already in count {count}").format(location=loc.code, count=busy.count_id))
            else:
                todo.append(loc)
        if not todo:
            raise RuleViolation(_("nothing to count: {reasons}").format(reasons="; ".join(skipped)))
        warehouses = {loc.warehouse_id for loc in todo}
        count = Count.create(warehouse=wh or (warehouses.pop() if len(warehouses) == 1 else None),
                             scope=scope, scope_detail=detail[:250],
                             blind=settings.blind if blind is None else blind,
                             created_by=operator, note=note)
        _add_tasks(count, todo, item_filter)
        audit(operator, station, "count.create", count=count.id, scope=scope, detail=detail,
               locations=len(todo), skipped=len(skipped))
    count.skipped = skipped
    return count


def _add_tasks(count: Count, locs: list[Location], item_filter: set[int]) -> None:
    """One task per location, and a pending line for each (item, lot) the books hold there, so
    the supervisor sees what is to be counted before anyone counts it."""
    filt = ",".join(str(i) for i in sorted(item_filter))
    line_no = CountLine.select(pw.fn.MAX(CountLine.line_no)).where(CountLine.count == count.id).scalar() or 0
    for loc in locs:
        task = CountTask.create(count=count, location=loc, item_filter=filt)
        for bal in balances_at(loc, item_filter or None):
            line_no += 1
            CountLine.create(count=count, task=task, line_no=line_no, item=bal.item_id, lot=bal.lot_id)


def request_count(location: str, *, operator: str, station: str = "", reason: str = "short",
                  item: str | None = None) -> CountTask:
    """Ask for a count of one location (a short pick, a worker's doubt). Any operator may ask.

    Returns the location's unfinished task if it already has one, else a new one-task count.
    """
    get_operator(operator)
    loc = get_location(location)
    if not loc.is_physical:
        raise InvalidInput(_("{code} is a virtual {kind} location: only physical locations are counted").format(
                code=location, kind=loc.kind))
    with write_transaction():
        busy = _open_task_of(loc)
        if busy is not None:
            return busy
        detail = f"{reason} at {loc.code}" + (f" ({item})" if item else "")
        count = Count.create(warehouse=loc.warehouse_id, scope="request", scope_detail=detail,
                             blind=True, created_by=operator)
        _add_tasks(count, [loc], set())
        audit(operator, station, "count.request", count=count.id, location=loc.code,
               reason=reason, item=item or "")
    return CountTask.get(CountTask.count == count.id)


def cancel_count(count_id: int, *, operator: str, station: str = "") -> Count:
    """Cancel what is left of a count (supervisor only). Adjustments already posted stay."""
    require_supervisor(operator, N_("cancelling a count"))
    with write_transaction():
        count = _locked(Count, get_count(count_id).id)
        if count.status != "open":
            raise RuleViolation(_("count {count} is {status}: only an open count can be cancelled").format(
                count=count_id, status=count.status))
        count.status, count.closed_at = "cancelled", utcnow()
        count.save()
        audit(operator, station, "count.cancel", count=count.id)
    return count
