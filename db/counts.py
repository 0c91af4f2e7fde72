"""Cycle counts: plans, blind counting with snapshots, recounts, and the supervisor's decisions.

The rules, in one place (docs/counts.md explains them to users):

- A plan (`create_count`) makes one task per location. Item-scoped plans (items, ABC class)
  count only those items at each location; the others count everything there.
- A location's books are snapshotted per (item, lot) at the moment its count is submitted.
  The variance is counted - snapshot, so picks and receipts posted between the count and the
  approval never show up as variances. Each count (CountEntry) keeps its own snapshot.
- A variance within tolerance waits for a supervisor's approval (or, with
  `[count] auto_approve = true`, is posted at once). Beyond tolerance the line needs a recount
  by an operator other than the one who made the latest count.
- Two counts settle a line when they are by different operators and find the same variance
  (against their own snapshots: with no movement in between, that is the same quantity). A
  recount that finds exactly the books settles the line with no variance. Counts that disagree
  ask for one more recount; the supervisor may set the quantity instead at any time.
- Only supervisors approve, order recounts (reject) or set quantities; every decision and
  every submission is written to the audit trail. Adjustments go through db.ledger.post to
  @GAIN / from @LOSS with kind "count", the count line's id and a reason code.
"""
from __future__ import annotations

import datetime as dt
import random as random_mod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable

import peewee as pw

from .connection import database, write_transaction
from .count_models import Count, CountEntry, CountFound, CountLine, CountTask
from .errors import InsufficientStock, InvalidInput, NotFound, PermissionDenied, RuleViolation
from .ledger import Posting, post
from .operation_support import locked as _locked, lot_for
from .models import (PHYSICAL_KINDS, VIRTUAL_CODES, Balance, Item, Location, Lot,
                     Movement, Operator, PickShortage, ReasonCode, Warehouse, utcnow)

DEFAULT_REASON = "COUNT"
SCOPES = ("zones", "locations", "items", "abc", "shorts", "random", "request")


# --- policy -------------------------------------------------------------------------------------

@dataclass
class Tolerance:
    """How far a count may be from the books and still be accepted without a recount.

    A limit of 0 is off. A variance is within tolerance when at least one limit is on and the
    variance is within every limit that is on. With all three off, every variance is recounted.
    """
    units: float = 0
    pct: float = 0.0
    value: float = 0.0

    def allows(self, variance: int, expected: int, unit_cost) -> bool:
        if variance == 0:
            return True
        if not (self.units or self.pct or self.value):
            return False
        size = abs(variance)
        if self.units and size > self.units:
            return False
        if self.pct and (expected <= 0 or size * 100.0 / expected > self.pct):
            return False
        if self.value and float(size * Decimal(unit_cost or 0)) > self.value:
            return False
        return True


@dataclass
class CountSettings:
    """The [count] section of config.toml, as the count rules use it."""
    blind: bool = True
    tolerance: Tolerance = field(default_factory=Tolerance)
    auto_approve: bool = False
    frequency_days: dict[str, int] = field(default_factory=lambda: {"A": 30, "B": 90, "C": 365})

    @classmethod
    def from_config(cls, cfg) -> "CountSettings":
        if cfg is None:
            return cls()
        sec = cfg.section("count")
        return cls(blind=sec.get("blind", True),
                   tolerance=Tolerance(sec.get("tolerance_units", 0), sec.get("tolerance_pct", 0.0),
                                       sec.get("tolerance_value", 0.0)),
                   auto_approve=sec.get("auto_approve", False),
                   frequency_days={"A": sec.get("frequency_a_days", 30),
                                   "B": sec.get("frequency_b_days", 90),
                                   "C": sec.get("frequency_c_days", 365)})


# --- small helpers ------------------------------------------------------------------------------

def _operator(code: str) -> Operator:
    try:
        from .security import get_operator
    except ImportError:  # pragma: no cover - security.py is part of the store
        get_operator = None
    if get_operator is not None:
        return get_operator(code)
    op = Operator.get_or_none(Operator.code == code)
    if op is None:
        raise NotFound(f"unknown operator {code!r}")
    return op


def _supervisor(code: str, action: str) -> Operator:
    from .security import require_supervisor
    return require_supervisor(code, action)


def _audit(operator: str, station: str, action: str, **detail) -> None:
    from .security import audit
    audit(operator, station, action, **detail)


def _reason(code: str) -> ReasonCode:
    row = ReasonCode.get_or_none(ReasonCode.code == code)
    if row is None:
        known = ", ".join(r.code for r in ReasonCode.select().order_by(ReasonCode.code))
        raise NotFound(f"unknown reason code {code!r}; known reason codes: {known}")
    return row


def _virtual(kind: str) -> Location:
    return Location.get(Location.code == VIRTUAL_CODES[kind])


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _fmt_time(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


def get_count(count_id: int) -> Count:
    count = Count.get_or_none(Count.id == count_id)
    if count is None:
        raise NotFound(f"unknown count {count_id}")
    return count


def get_line(count_id: int, line_no: int) -> CountLine:
    line = CountLine.get_or_none(CountLine.count == count_id, CountLine.line_no == line_no)
    if line is None:
        get_count(count_id)
        top = CountLine.select(pw.fn.MAX(CountLine.line_no)).where(CountLine.count == count_id).scalar()
        have = f"its lines are 1 to {top}" if top else "it has no lines yet"
        raise NotFound(f"count {count_id} has no line {line_no}; {have}")
    return line


def _open_task_of(location: Location, exclude_count: int | None = None) -> CountTask | None:
    query = (CountTask.select().join(Count)
             .where(CountTask.location == location.id, CountTask.status != "done",
                    Count.status == "open"))
    if exclude_count:
        query = query.where(Count.id != exclude_count)
    return query.first()


# --- plans --------------------------------------------------------------------------------------

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
        which = ", ".join(given) if given else "none"
        raise InvalidInput("a count plan needs exactly one scope: zones, locations, items, abc, "
                           f"recent-shorts or random; got {which}")
    wh = None
    if warehouse:
        wh = Warehouse.get_or_none(Warehouse.code == warehouse)
        if wh is None:
            raise NotFound(f"unknown warehouse {warehouse!r}")
    item_filter: set[int] = set()
    if zones:
        zones = [z.strip() for z in zones if z.strip()]
        locs = list(_physical_locations(wh).where(Location.zone.in_(zones)))
        empty = [z for z in zones if not any(loc.zone == z for loc in locs)]
        if empty:
            raise NotFound(f"zone {', '.join(empty)} has no active physical location to count")
        scope, detail = "zones", ",".join(zones)
    elif locations:
        locs = []
        for code in [c.strip() for c in locations if c.strip()]:
            loc = Location.get_or_none(Location.code == code)
            if loc is None:
                raise NotFound(f"unknown location {code!r}")
            if not loc.is_physical:
                raise InvalidInput(f"{code} is a virtual {loc.kind} location: only physical locations are counted")
            if not loc.active:
                raise RuleViolation(f"location {code} is inactive")
            if loc not in locs:
                locs.append(loc)
        scope, detail = "locations", ",".join(loc.code for loc in locs)
    elif items:
        found = []
        for sku in [s.strip() for s in items if s.strip()]:
            item = Item.get_or_none(Item.sku == sku)
            if item is None:
                raise NotFound(f"unknown item SKU {sku!r}")
            found.append(item)
        item_filter = {i.id for i in found}
        locs = _stock_locations(item_filter, wh)
        if not locs:
            raise RuleViolation(f"nothing to count: {', '.join(i.sku for i in found)} has no stock "
                                "at any physical location")
        scope, detail = "items", ",".join(i.sku for i in found)
    elif abc:
        cls = str(abc).strip().upper()
        if cls not in settings.frequency_days:
            raise InvalidInput(f"ABC class must be A, B or C, got {abc!r}")
        days_due = settings.frequency_days[cls]
        cutoff = utcnow() - dt.timedelta(days=days_due)
        class_items = [i.id for i in Item.select(Item.id).where(Item.abc_class == cls, Item.active == True)]  # noqa: E712
        if not class_items:
            raise RuleViolation(f"nothing to count: no active item is in ABC class {cls} "
                                "(run `wh report abc` to classify items)")
        seen = last_counted(class_items)
        item_filter = {i for i in class_items if i not in seen or seen[i] < cutoff}
        locs = _stock_locations(item_filter, wh)
        if not locs:
            raise RuleViolation(f"nothing to count: every class {cls} item with stock was counted "
                                f"within the last {days_due} days")
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
            raise RuleViolation(f"nothing to count: no short pick and no count variance in the last {days} days")
        scope, detail = "shorts", f"short picks and variances of the last {days} days"
    else:
        n = random_n
        if not isinstance(n, int) or n <= 0:
            raise InvalidInput(f"--random needs a positive number of locations, got {n!r}")
        pool = list(_physical_locations(wh).where(Location.kind == "storage").order_by(Location.code))
        if not pool:
            raise RuleViolation("nothing to count: there is no active storage location")
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
    _supervisor(operator, "creating a count")
    scope, detail, locs, item_filter = plan_locations(
        zones=zones, locations=locations, items=items, abc=abc, recent_shorts=recent_shorts,
        random_n=random_n, days=days, warehouse=warehouse, seed=seed, settings=settings)
    wh = Warehouse.get_or_none(Warehouse.code == warehouse) if warehouse else None
    with write_transaction():
        skipped, todo = [], []
        for loc in locs:
            busy = _open_task_of(loc)
            if busy is not None:
                skipped.append(f"{loc.code} is already in count {busy.count_id}")
            else:
                todo.append(loc)
        if not todo:
            raise RuleViolation("nothing to count: " + "; ".join(skipped))
        warehouses = {loc.warehouse_id for loc in todo}
        count = Count.create(warehouse=wh or (warehouses.pop() if len(warehouses) == 1 else None),
                             scope=scope, scope_detail=detail[:250],
                             blind=settings.blind if blind is None else blind,
                             created_by=operator, note=note)
        _add_tasks(count, todo, item_filter)
        _audit(operator, station, "count.create", count=count.id, scope=scope, detail=detail,
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
        for bal in _balances(loc, item_filter or None):
            line_no += 1
            CountLine.create(count=count, task=task, line_no=line_no, item=bal.item_id, lot=bal.lot_id)


def _balances(loc: Location, item_ids: set[int] | None):
    query = (Balance.select(Balance, Item, Lot).join(Item)
             .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
             .where(Balance.location == loc.id, Balance.qty != 0))
    if item_ids is not None:
        query = query.where(Balance.item.in_(list(item_ids)))
    return sorted(query, key=lambda b: (b.item.sku, b.lot.code if b.lot_id else ""))


def request_count(location: str, *, operator: str, station: str = "", reason: str = "short",
                  item: str | None = None) -> CountTask:
    """Ask for a count of one location (a short pick, a worker's doubt). Any operator may ask.

    Returns the location's unfinished task if it already has one, else a new one-task count.
    """
    _operator(operator)
    loc = Location.get_or_none(Location.code == location)
    if loc is None:
        raise NotFound(f"unknown location {location!r}")
    if not loc.is_physical:
        raise InvalidInput(f"{location} is a virtual {loc.kind} location: only physical locations are counted")
    with write_transaction():
        busy = _open_task_of(loc)
        if busy is not None:
            return busy
        detail = f"{reason} at {loc.code}" + (f" ({item})" if item else "")
        count = Count.create(warehouse=loc.warehouse_id, scope="request", scope_detail=detail,
                             blind=True, created_by=operator)
        _add_tasks(count, [loc], set())
        _audit(operator, station, "count.request", count=count.id, location=loc.code,
               reason=reason, item=item or "")
    return CountTask.get(CountTask.count == count.id)


def cancel_count(count_id: int, *, operator: str, station: str = "") -> Count:
    """Cancel what is left of a count (supervisor only). Adjustments already posted stay."""
    _supervisor(operator, "cancelling a count")
    with write_transaction():
        count = _locked(Count, get_count(count_id).id)
        if count.status != "open":
            raise RuleViolation(f"count {count_id} is {count.status}: only an open count can be cancelled")
        count.status, count.closed_at = "cancelled", utcnow()
        count.save()
        _audit(operator, station, "count.cancel", count=count.id)
    return count


# --- counting -----------------------------------------------------------------------------------

@dataclass
class Counted:
    """What a counter found of one item (and lot) at the location."""
    item: Item
    qty: int
    lot: str | None = None
    expiry: dt.date | None = None


@dataclass
class SubmitResult:
    task: CountTask
    round: int
    lines: list[CountLine]
    ignored: list[str] = field(default_factory=list)
    found: int = 0
    auto_approved: int = 0

    def _n(self, status):
        return sum(1 for line in self.lines if line.status == status)

    @property
    def to_recount(self) -> int:
        return self._n("recount")

    @property
    def to_review(self) -> int:
        return self._n("review")

    @property
    def units(self) -> int:
        return sum(line.counted or 0 for line in self.lines)

    def summary(self, blind: bool = True) -> str:
        loc = self.task.location.code
        what = "recount" if self.round > 1 else "count"
        text = f"{loc} {what} submitted: {plural(self.units, 'unit')} in {plural(len(self.lines), 'line')}"
        if not blind:
            off = [line for line in self.lines if line.variance]
            if off:
                text += "; variances " + ", ".join(
                    f"{line.item.sku}{' ' + line.lot.code if line.lot_id else ''} {line.variance:+d}"
                    for line in off)
            else:
                text += "; no variance"
        if self.found:
            text += f"; {plural(self.found, 'unknown barcode')} recorded as found goods"
        return text


def task_for_location(code: str, count_id: int | None = None, *,
                      warehouse: str | None = None) -> CountTask:
    """The unfinished task of location CODE (in count COUNT_ID if given), with a sentence when
    there is none."""
    loc = Location.get_or_none(Location.code == code)
    if loc is None:
        raise NotFound(f"unknown location {code!r}")
    query = (CountTask.select(CountTask, Count).join(Count)
             .where(CountTask.location == loc.id, Count.status == "open"))
    if count_id:
        query = query.where(Count.id == count_id)
    tasks = list(query.order_by(CountTask.id))
    todo = [t for t in tasks if t.status in ("open", "recount")]
    if todo:
        return todo[0]
    if tasks:
        t = tasks[0]
        when = f" by {t.last_counted_by} at {_fmt_time(t.last_counted_at)}" if t.last_counted_by else ""
        state = ("it is waiting for the supervisor, not for a count" if t.status == "review"
                 else "it is settled")
        raise RuleViolation(f"{code} in count {t.count_id} was already counted{when}; {state}")
    where = f"count {count_id}" if count_id else "any open count"
    left = [t.location.code for t in open_tasks(count_id, warehouse=warehouse)[:5]]
    hint = f"; locations waiting: {', '.join(left)}" if left else "; no location is waiting for a count"
    raise NotFound(f"{code} is not to be counted in {where}{hint}")


def open_tasks(count_id: int | None = None, *, warehouse: str | None = None,
               operator: str | None = None) -> list[CountTask]:
    """Tasks waiting for a count or recount, in walking order (pick sequence).

    With OPERATOR, recounts that this operator may not make (they made the latest count) are
    left out."""
    query = (CountTask.select(CountTask, Count, Location).join(Count)
             .switch(CountTask).join(Location)
             .where(Count.status == "open", CountTask.status.in_(("open", "recount"))))
    if count_id:
        query = query.where(Count.id == count_id)
    if warehouse:
        query = query.join(Warehouse, on=(Location.warehouse == Warehouse.id)).where(Warehouse.code == warehouse)
    tasks = list(query.order_by(Location.pick_sequence, Location.code, CountTask.id))
    if operator:
        tasks = [t for t in tasks if t.status == "open" or operator not in recount_blockers(t)]
    return tasks


def recount_lines(task: CountTask) -> list[CountLine]:
    return list(CountLine.select().where(CountLine.task == task.id, CountLine.status == "recount")
                .order_by(CountLine.line_no))


def recount_blockers(task: CountTask) -> set[str]:
    """Operators who may not make this recount: whoever made the latest count of a line."""
    blockers = set()
    for line in recount_lines(task):
        latest = line.entries.order_by(CountEntry.round.desc()).first()
        if latest is not None:
            blockers.add(latest.operator)
    return blockers


def count_scope(task: CountTask) -> set[int] | None:
    """Item ids this task's next count takes: the recount's items, or the plan's item filter,
    or None for everything at the location."""
    if task.status == "recount":
        return {line.item_id for line in recount_lines(task)}
    return task.item_ids() or None


def expected_lines(task: CountTask) -> list[dict]:
    """The books at the task's location now, for counts that are not blind."""
    scope = count_scope(task)
    return [{"sku": b.item.sku, "name": b.item.name, "lot": b.lot.code if b.lot_id else None,
             "expected": b.qty} for b in _balances(task.location, scope)]


def lot_needs_expiry(item: Item, code: str) -> bool:
    """True when the counter must be asked for the expiry of lot CODE (a new lot of an
    expiry-tracked item)."""
    if not item.expiry_tracked:
        return False
    lot = Lot.get_or_none(Lot.item == item.id, Lot.code == code)
    return lot is None or lot.expiry is None


def submit_count(task_id: int, counted: Iterable[Counted], *, operator: str, station: str = "",
                 round_seen: int | None = None, found: dict[str, int] | None = None,
                 source: str = "scan", settings: CountSettings | None = None,
                 key: str | None = None) -> SubmitResult:
    """Record the count of one location: snapshot the books, store each line's count and judge it.

    ROUND_SEEN is the task's `rounds` when the counter started; if another station submitted
    meanwhile, the count is refused rather than silently counted twice. FOUND maps unknown
    barcodes to how many times they were scanned. An empty COUNTED with no FOUND records an
    empty location.
    """
    settings = settings or CountSettings()
    _operator(operator)
    counted = list(counted)
    found = dict(found or {})
    for c in counted:
        if not isinstance(c.qty, int) or isinstance(c.qty, bool) or c.qty < 0:
            raise InvalidInput(f"a counted quantity must be a whole number of zero or more; "
                               f"got {c.qty!r} for {c.item.sku}")
    with write_transaction():
        task = CountTask.get_or_none(CountTask.id == task_id)
        if task is None:
            raise NotFound(f"unknown count task {task_id}")
        task = _locked(CountTask, task_id)
        count, loc = task.count, task.location
        if round_seen is not None and task.rounds != round_seen:
            raise RuleViolation(f"{loc.code} was submitted meanwhile by {task.last_counted_by} at "
                                f"{_fmt_time(task.last_counted_at)}; scan the location again to see what is left")
        if count.status != "open":
            raise RuleViolation(f"count {count.id} is {count.status}: nothing more can be counted in it")
        if task.status not in ("open", "recount"):
            raise RuleViolation(f"{loc.code} in count {count.id} was already counted by "
                                f"{task.last_counted_by} at {_fmt_time(task.last_counted_at)}; "
                                "nothing is waiting for a recount there")
        recount = task.status == "recount"
        if recount:
            blockers = recount_blockers(task)
            if operator in blockers:
                raise PermissionDenied(f"{loc.code} needs a recount by another operator: {operator} "
                                       "made the latest count there")
        scope = count_scope(task)
        # Aggregate what was counted per (item, lot); resolve lots.
        tally: dict[tuple[int, int | None], int] = {}
        items: dict[int, Item] = {}
        ignored: list[str] = []
        for c in counted:
            if scope is not None and c.item.id not in scope:
                why = "is not being recounted" if recount else "is not in this count"
                note = f"{c.item.sku} {why} at {loc.code}; {c.qty} counted units ignored"
                if note not in ignored:
                    ignored.append(note)
                continue
            lot = lot_for(c.item, c.lot, expiry=c.expiry, create=True)   # found goods may be a new lot
            k = (c.item.id, lot.id if lot else None)
            tally[k] = tally.get(k, 0) + c.qty
            items[c.item.id] = c.item
        # The lines this round covers: recount lines, or every line of the task; plus whatever
        # the books hold now and whatever was counted, within scope.
        if recount:
            lines = recount_lines(task)
        else:
            lines = list(CountLine.select().where(CountLine.task == task.id))
        by_key = {(line.item_id, line.lot_id): line for line in lines}
        snapshot = {(b.item_id, b.lot_id): b.qty for b in _balances(loc, scope)}
        keys = list(dict.fromkeys(list(by_key) + list(snapshot) + list(tally)))
        next_no = CountLine.select(pw.fn.MAX(CountLine.line_no)).where(CountLine.count == count.id).scalar() or 0
        now = utcnow()
        rnd = task.rounds + 1
        result_lines = []
        for k in keys:
            line = by_key.get(k)
            if line is None:
                existing = CountLine.get_or_none(CountLine.task == task.id, CountLine.item == k[0],
                                                 (CountLine.lot.is_null() if k[1] is None else CountLine.lot == k[1]))
                if existing is not None:
                    # Settled earlier in this task and counted again now: the recount does
                    # not reopen it.
                    if tally.get(k):
                        ignored.append(f"line {existing.line_no} ({existing.item.sku}) is already "
                                       f"settled; {tally[k]} counted units ignored")
                    continue
                next_no += 1
                line = CountLine.create(count=count, task=task, line_no=next_no, item=k[0], lot=k[1])
            entry = CountEntry.create(line=line, round=rnd, qty=tally.get(k, 0),
                                      expected=_snapshot_qty(k, snapshot, loc), operator=operator,
                                      station=station, at=now, source=source)
            _judge(line, entry, settings.tolerance)
            result_lines.append(line)
        for barcode, scans in found.items():
            CountFound.create(task=task, barcode=barcode[:250], scans=scans, operator=operator,
                              station=station, at=now)
        task.rounds, task.last_counted_by, task.last_counted_at = rnd, operator, now
        task.save()
        _audit(operator, station, "count.submit", count=count.id, location=loc.code, round=rnd,
               lines=len(result_lines), units=sum(tally.values()), found=len(found), source=source)
        auto = 0
        if settings.auto_approve:
            for line in result_lines:
                if line.status == "review" and line.within_tolerance:
                    try:
                        with database.atomic():
                            _settle(line, line.variance, operator=operator, station=station,
                                    reason=DEFAULT_REASON, action="count.auto_approve",
                                    decided_by=f"{operator} (auto)")
                        auto += 1
                    except InsufficientStock:
                        line.note = "within tolerance, but the stock to adjust is allocated: approve by hand"
                        line.save()
        _refresh_task(task)
    for line in result_lines:
        line.item = items.get(line.item_id) or Item.get_by_id(line.item_id)
    return SubmitResult(task=task, round=rnd, lines=result_lines, ignored=ignored,
                        found=len(found), auto_approved=auto)


def _snapshot_qty(k, snapshot, loc) -> int:
    if k in snapshot:
        return snapshot[k]
    # Not in the scoped snapshot (a zero balance is left out): read it directly.
    bal = Balance.get_or_none(Balance.item == k[0], Balance.location == loc.id,
                              Balance.lot.is_null() if k[1] is None else Balance.lot == k[1])
    return bal.qty if bal else 0


def _judge(line: CountLine, entry: CountEntry, tolerance: Tolerance) -> None:
    """Set the line's status after a new count."""
    v = entry.qty - entry.expected
    earlier = list(line.entries.where(CountEntry.round < entry.round).order_by(CountEntry.round))
    item = Item.get_by_id(line.item_id)
    line.expected, line.counted, line.variance = entry.expected, entry.qty, v
    line.within_tolerance = tolerance.allows(v, entry.expected, item.unit_cost)
    agreeing = [e for e in earlier if e.variance == v and e.operator != entry.operator]
    if v == 0:
        line.status = "ok"
        line.note = "recount matches the books" if earlier else ""
    elif agreeing:
        line.status = "review"
        line.note = f"two counts agree: {agreeing[-1].operator} and {entry.operator} found {v:+d}"
    elif line.within_tolerance:
        line.status = "review"
        line.note = "within tolerance"
    else:
        line.status = "recount"
        if earlier:
            line.note = (f"counts disagree: {earlier[-1].operator} found {earlier[-1].variance:+d}, "
                         f"{entry.operator} found {v:+d}; one more recount")
        else:
            line.note = "beyond tolerance: recount by another operator"
    line.save()


def _refresh_task(task: CountTask) -> None:
    statuses = {s for (s,) in CountLine.select(CountLine.status).where(CountLine.task == task.id).tuples()}
    if task.rounds == 0 or "pending" in statuses:
        status = "open"
    elif "recount" in statuses:
        status = "recount"
    elif "review" in statuses:
        status = "review"
    else:
        status = "done"
    if status != task.status:
        CountTask.update(status=status).where(CountTask.id == task.id).execute()
        task.status = status
    count = Count.get_by_id(task.count_id)
    if count.status == "open" and not CountTask.select().where(
            CountTask.count == count.id, CountTask.status != "done").exists():
        Count.update(status="closed", closed_at=utcnow()).where(Count.id == count.id).execute()


# --- the supervisor's decisions -----------------------------------------------------------------

def _settle(line: CountLine, variance: int, *, operator: str, station: str, reason: str,
            action: str, decided_by: str | None = None, key: str | None = None) -> Movement | None:
    """Post the adjustment of LINE through the ledger and close the line. Inside a transaction."""
    task = line.task
    loc, item = task.location, Item.get_by_id(line.item_id)
    lot = Lot.get_by_id(line.lot_id) if line.lot_id else None
    movement = None
    if variance:
        gain = variance > 0
        document = f"CNT-{line.count_id}/{line.line_no}"
        try:
            movement = post(Posting(
                item=item, qty=abs(variance), lot=lot,
                from_location=_virtual("inventory-gain") if gain else loc,
                to_location=loc if gain else _virtual("inventory-loss"),
                kind="count", operator=operator, station=station,
                key=key or f"count-line:{line.id}", count_line=line.id, document=document,
                reason=reason, unit_cost=item.unit_cost))
        except InsufficientStock:
            bal = Balance.get_or_none(Balance.item == item.id, Balance.location == loc.id,
                                      Balance.lot.is_null() if lot is None else Balance.lot == lot.id)
            now, held = (bal.qty, bal.allocated) if bal else (0, 0)
            lot_txt = f" lot {lot.code}" if lot else ""
            moved = (line.expected or 0) - now
            since = (f"; {moved} moved out since the count" if moved > 0 else "")
            alloc = (f"; {held} of them are allocated to orders being picked, release or pick those first"
                     if held else "")
            raise InsufficientStock(
                f"cannot post the count loss of {-variance} × {item.sku}{lot_txt} at {loc.code}: "
                f"only {now} on hand now ({line.expected} at the count){since}{alloc}; "
                "order a recount or set the quantity") from None
    line.status = "approved"
    line.adjusted = variance
    line.reason = reason
    line.decided_by = decided_by or operator
    line.decided_at = utcnow()
    line.save()
    _audit(operator, station, action, count=line.count_id, line=line.line_no, location=loc.code,
           sku=item.sku, lot=lot.code if lot else "", expected=line.expected, counted=line.counted,
           variance=variance, reason=reason, movement=movement.id if movement else None)
    return movement


@dataclass
class Decision:
    line: CountLine
    movement: Movement | None = None
    error: str = ""


def approve(count_id: int, line_no: int | None = None, *, operator: str, station: str = "",
            reason: str = DEFAULT_REASON) -> list[Decision]:
    """Approve one line (LINE_NO) or every line waiting for approval: post counted - snapshot.

    With one line, a refusal raises. With all lines, each line is its own transaction: lines
    that cannot be posted are returned with their error and the others are posted.
    """
    _supervisor(operator, "approving a count")
    _reason(reason)
    count = get_count(count_id)
    if line_no is not None:
        line = get_line(count_id, line_no)
        return [Decision(line, _decide_approve(line.id, operator, station, reason))]
    lines = list(CountLine.select().where(CountLine.count == count.id, CountLine.status == "review")
                 .order_by(CountLine.line_no))
    if not lines:
        raise RuleViolation(f"count {count_id} has no line waiting for approval ({_status_summary(count)})")
    out = []
    for line in lines:
        try:
            out.append(Decision(line, _decide_approve(line.id, operator, station, reason)))
        except (InsufficientStock, RuleViolation) as exc:
            out.append(Decision(line, None, str(exc)))
    return out


def _status_summary(count: Count) -> str:
    rows = (CountLine.select(CountLine.status, pw.fn.COUNT(CountLine.id))
            .where(CountLine.count == count.id).group_by(CountLine.status).tuples())
    parts = [f"{n} {s}" for s, n in sorted(rows)]
    return "lines: " + ", ".join(parts) if parts else "no lines yet"


def _why_not(line: CountLine, doing: str) -> str:
    where = f"line {line.line_no} ({line.task.location.code} {Item.get_by_id(line.item_id).sku})"
    if line.status == "pending":
        return f"{where} is not counted yet; {doing} needs a count"
    if line.status == "recount":
        return f"{where} is waiting for a recount ({line.note}); {doing} needs two agreeing counts or a set quantity"
    if line.status == "ok":
        return f"{where} matched the books; there is nothing to {doing.split()[0]}"
    return f"{where} was already decided by {line.decided_by} at {_fmt_time(line.decided_at)}"


def _decide_approve(line_id: int, operator: str, station: str, reason: str) -> Movement | None:
    with write_transaction():
        line = _locked(CountLine, line_id)
        if line.status != "approved" and line.count.status != "open":
            raise RuleViolation(f"count {line.count_id} is {line.count.status}: its lines can no longer be decided")
        if line.status != "review":
            raise RuleViolation(_why_not(line, "approving"))
        movement = _settle(line, line.variance, operator=operator, station=station, reason=reason,
                           action="count.approve")
        _refresh_task(line.task)
    return movement


def reject(count_id: int, line_no: int, *, operator: str, station: str = "", note: str = "") -> CountLine:
    """Order a recount of a line waiting for approval (supervisor only)."""
    _supervisor(operator, "ordering a recount")
    line = get_line(count_id, line_no)
    with write_transaction():
        line = _locked(CountLine, line.id)
        if line.status != "approved" and line.count.status != "open":
            raise RuleViolation(f"count {count_id} is {line.count.status}: its lines can no longer be decided")
        if line.status != "review":
            raise RuleViolation(_why_not(line, "ordering a recount"))
        line.status = "recount"
        line.note = f"recount ordered by {operator}" + (f": {note}" if note else "")
        line.save()
        _refresh_task(line.task)
        _audit(operator, station, "count.reject", count=count_id, line=line_no,
               location=line.task.location.code, sku=line.item.sku, variance=line.variance, note=note)
    return line


def set_quantity(count_id: int, line_no: int, qty: int, *, reason: str, operator: str,
                 station: str = "") -> Decision:
    """The supervisor states the true quantity at the count; counted - snapshot is posted."""
    _supervisor(operator, "setting a counted quantity")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
        raise InvalidInput(f"the quantity must be a whole number of zero or more, got {qty!r}")
    if not reason:
        raise InvalidInput("setting a quantity needs a reason code")
    _reason(reason)
    line = get_line(count_id, line_no)
    with write_transaction():
        line = _locked(CountLine, line.id)
        if line.status != "approved" and line.count.status != "open":
            raise RuleViolation(f"count {count_id} is {line.count.status}: its lines can no longer be decided")
        if line.status not in ("recount", "review", "ok"):
            raise RuleViolation(_why_not(line, "setting a quantity"))
        if line.status == "ok" and line.counted == qty:
            raise RuleViolation(f"line {line_no} already stands at {qty}, matching the books")
        last = line.entries.order_by(CountEntry.round.desc()).first()
        CountEntry.create(line=line, round=(last.round if last else 0) + 1, qty=qty,
                          expected=line.expected, operator=operator, station=station, source="set")
        line.counted, line.variance = qty, qty - line.expected
        line.note = f"quantity set by {operator}"
        movement = _settle(line, qty - line.expected, operator=operator, station=station,
                           reason=reason, action="count.set")
        _refresh_task(line.task)
    return Decision(line, movement)


# --- reading counts -----------------------------------------------------------------------------

def _entry_dict(e: CountEntry) -> dict:
    return {"round": e.round, "qty": e.qty, "expected": e.expected, "variance": e.variance,
            "operator": e.operator, "station": e.station, "at": e.at, "source": e.source}


def line_dict(line: CountLine, entries: list[CountEntry] | None = None) -> dict:
    item = line.item
    entries = entries if entries is not None else list(line.entries.order_by(CountEntry.round))
    counts = [_entry_dict(e) for e in entries]
    cost = Decimal(item.unit_cost or 0)
    variance = line.adjusted if line.status == "approved" else line.variance
    first, second = (counts[0] if counts else None), (counts[-1] if len(counts) > 1 else None)
    return {
        "line": line.line_no, "count": line.count_id, "location": line.task.location.code,
        "zone": line.task.location.zone, "sku": item.sku, "name": item.name,
        "lot": line.lot.code if line.lot_id else None, "expected": line.expected,
        "counted": line.counted, "first": first["qty"] if first else None,
        "first_by": first["operator"] if first else "", "first_at": first["at"] if first else None,
        "second": second["qty"] if second else None,
        "second_by": second["operator"] if second else "",
        "second_at": second["at"] if second else None,
        "variance": variance, "value": (cost * variance) if variance is not None else None,
        "status": line.status, "within_tolerance": line.within_tolerance, "note": line.note,
        "reason": line.reason, "decided_by": line.decided_by, "decided_at": line.decided_at,
        "adjusted": line.adjusted, "counts": counts,
    }


def _lines_query():
    return (CountLine.select(CountLine, Item, CountTask, Location)
            .join(Item).switch(CountLine).join(CountTask).join(Location))


def _with_entries(lines: list[CountLine]) -> list[dict]:
    ids = [line.id for line in lines]
    entries: dict[int, list[CountEntry]] = {i: [] for i in ids}
    if ids:
        for e in CountEntry.select().where(CountEntry.line.in_(ids)).order_by(CountEntry.round):
            entries[e.line_id].append(e)
    lots = {lot.id: lot for lot in Lot.select().where(Lot.id.in_([l.lot_id for l in lines if l.lot_id]))} if lines else {}
    out = []
    for line in lines:
        if line.lot_id:
            line.lot = lots[line.lot_id]
        out.append(line_dict(line, entries[line.id]))
    return out


def count_detail(count_id: int) -> dict:
    """Everything about a count: header, tasks, lines (with every count) and found goods."""
    count = get_count(count_id)
    tasks = list(CountTask.select(CountTask, Location).join(Location)
                 .where(CountTask.count == count.id).order_by(Location.pick_sequence, Location.code))
    lines = list(_lines_query().where(CountLine.count == count.id).order_by(CountLine.line_no))
    found = list(CountFound.select(CountFound, CountTask, Location).join(CountTask).join(Location)
                 .where(CountTask.count == count.id).order_by(CountFound.id))
    return {
        "id": count.id, "document": count.document, "status": count.status, "scope": count.scope,
        "scope_detail": count.scope_detail, "blind": count.blind, "created_by": count.created_by,
        "created_at": count.created_at, "closed_at": count.closed_at, "note": count.note,
        "tasks": [{"location": t.location.code, "zone": t.location.zone, "status": t.status,
                   "rounds": t.rounds, "last_counted_by": t.last_counted_by,
                   "last_counted_at": t.last_counted_at} for t in tasks],
        "lines": _with_entries(lines),
        "found": [{"id": f.id, "location": f.task.location.code, "barcode": f.barcode,
                   "scans": f.scans, "operator": f.operator, "at": f.at, "resolved": f.resolved}
                  for f in found],
    }


def list_counts(status: str | None = "open") -> list[dict]:
    query = Count.select().order_by(Count.id.desc())
    if status and status != "all":
        query = query.where(Count.status == status)
    counts = list(query)
    ids = [c.id for c in counts]
    task_stats: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        for cid, st, n in (CountTask.select(CountTask.count, CountTask.status, pw.fn.COUNT(CountTask.id))
                           .where(CountTask.count.in_(ids)).group_by(CountTask.count, CountTask.status).tuples()):
            task_stats[cid][st] = n
    rows = []
    for c in counts:
        st = task_stats[c.id]
        rows.append({"id": c.id, "status": c.status, "scope": c.scope, "detail": c.scope_detail,
                     "locations": sum(st.values()), "to_count": st.get("open", 0),
                     "to_recount": st.get("recount", 0), "to_review": st.get("review", 0),
                     "done": st.get("done", 0), "created_by": c.created_by, "created_at": c.created_at})
    return rows


def discrepancies(*, count_id: int | None = None, warehouse: str | None = None,
                  include_recount: bool = True) -> list[dict]:
    """Lines with a variance still open (waiting for approval or a recount), largest value first.
    This is the supervisor's reconciliation list."""
    statuses = ("review", "recount") if include_recount else ("review",)
    query = (_lines_query().switch(CountLine).join(Count)
             .where(CountLine.status.in_(statuses), Count.status == "open"))
    if count_id:
        query = query.where(CountLine.count == count_id)
    if warehouse:
        query = query.join(Warehouse, on=(Location.warehouse == Warehouse.id)).where(Warehouse.code == warehouse)
    rows = _with_entries(list(query))
    rows.sort(key=lambda r: (-abs(r["value"] or 0), -abs(r["variance"] or 0), r["count"], r["line"]))
    return rows


# --- batch (memory) scanners ---------------------------------------------------------------------

@dataclass
class Meaning:
    """What one code in an upload means."""
    kind: str                     # item, location, unknown
    item: Item | None = None
    pack_qty: int = 1
    lot: str | None = None
    expiry: dt.date | None = None
    qty: int | None = None        # units the code itself carries (GS1 count), else None
    location: str | None = None


def resolve_code(code: str) -> Meaning:
    """The store's own reading of a code: an item barcode (or SKU), a location, or unknown."""
    from .lookup import find_barcode
    hit = find_barcode(code)
    if hit is not None:
        return Meaning("item", item=hit[0], pack_qty=hit[1])
    loc = Location.get_or_none(Location.code == code)
    if loc is not None:
        return Meaning("location", location=loc.code)
    item = Item.get_or_none(Item.sku == code)
    if item is not None:
        return Meaning("item", item=item, pack_qty=1)
    return Meaning("unknown")


def parse_upload(text: str) -> list[tuple[int, str, int]]:
    """Lines of `barcode[,qty]` (or one barcode per line, repeated) -> (line number, barcode,
    scans). Every bad line is reported at once, with its number; nothing is returned then."""
    rows, errors = [], []
    # Split on newlines only and strip only blanks: str.splitlines() and str.strip() treat the
    # GS1 group separator (0x1D) as whitespace and would cut a GS1 scan apart.
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(" \t\r\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = [p.strip(" \t") for p in line.split(",")]
        if len(parts) > 2 or not parts[0]:
            errors.append(f"line {n}: expected barcode or barcode,qty, got {raw.strip()!r}")
            continue
        qty = 1
        if len(parts) == 2:
            if not parts[1].isdecimal() or int(parts[1]) <= 0:
                errors.append(f"line {n}: the quantity must be a positive whole number, got {parts[1]!r}")
                continue
            qty = int(parts[1])
        rows.append((n, parts[0], qty))
    if errors:
        shown = errors[:10] + ([f"... and {len(errors) - 10} more"] if len(errors) > 10 else [])
        raise InvalidInput("the scanner file has bad lines, nothing was uploaded: " + "; ".join(shown))
    return rows


@dataclass
class UploadResult:
    submit: SubmitResult
    unknown: dict[str, int]
    lines_read: int


def upload_count(count_id: int, text: str, *, location: str, operator: str, station: str = "",
                 resolve: Callable[[str], Meaning] | None = None,
                 settings: CountSettings | None = None) -> UploadResult:
    """Count LOCATION from a batch scanner's dump. Each line stands for QTY scans (default 1)
    of its barcode; each scan adds the barcode's pack quantity (or the GS1 count it carries).
    Unknown barcodes become found goods. The upload is the recount when the location waits for
    one, and then must come from another operator. Bad lines refuse the whole file."""
    resolve = resolve or resolve_code
    rows = parse_upload(text)
    get_count(count_id)
    task = task_for_location(location, count_id)
    if task.status == "recount" and operator in recount_blockers(task):
        raise PermissionDenied(f"{location} needs a recount by another operator: {operator} made the "
                               "latest count there; upload refused")
    counted: dict[tuple[int, str | None], Counted] = {}
    unknown: dict[str, int] = {}
    errors = []
    for n, code, scans in rows:
        m = resolve(code)
        if m.kind == "location":
            if m.location != location:
                errors.append(f"line {n}: {code} is location {m.location}, but this file is for {location}")
            continue
        if m.kind != "item" or m.item is None:
            unknown[code] = unknown.get(code, 0) + scans
            continue
        if m.item.lot_tracked and not m.lot:
            errors.append(f"line {n}: {m.item.sku} is lot-tracked but {code} carries no lot; "
                          "scan the GS1 label with the lot")
            continue
        units = scans * (m.qty if m.qty is not None else m.pack_qty)
        k = (m.item.id, m.lot)
        if k in counted:
            counted[k].qty += units
        else:
            counted[k] = Counted(item=m.item, qty=units, lot=m.lot, expiry=m.expiry)
    if errors:
        shown = errors[:10] + ([f"... and {len(errors) - 10} more"] if len(errors) > 10 else [])
        raise InvalidInput("the scanner file has bad lines, nothing was uploaded: " + "; ".join(shown))
    result = submit_count(task.id, list(counted.values()), operator=operator, station=station,
                          round_seen=task.rounds, found=unknown, source="upload", settings=settings)
    return UploadResult(submit=result, unknown=unknown, lines_read=len(rows))
