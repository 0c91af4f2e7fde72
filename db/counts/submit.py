"""Counting at a location: the task waiting there, what its next count covers, and submitting
the count (snapshot of the books, one entry per line, and the line's verdict).

A variance within tolerance waits for the supervisor (or, with auto_approve, is posted at once
through db.counts.approval); beyond tolerance the line needs a recount by another operator."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from gettext import gettext as _
from typing import Iterable

import peewee as pw

from db.core.connection import database, retry_conflicts, write_transaction
from db.ledger import locks
from db.counts.approval import settle
from db.counts import notes
from db.counts.models import Count, CountEntry, CountFound, CountLine, CountTask, LineStatus
from db.counts.policy import DEFAULT_REASON, CountSettings, Tolerance
from db.core.quantities import is_whole
from db.core.text import minute, plural
from db.counts.lookup import balances_at
from db.counts.progress import refresh_task
from db.masterdata.security import audit, get_operator
from db.core.errors import (InsufficientStock, InvalidInput, NotFound, PermissionDenied, RuleViolation)
from db.masterdata.lookup import get_location
from db.core.sql import locked as _locked
from db.masterdata.lots import lot_for
from db.core.models import Balance, Item, Location, Lot, Warehouse, utcnow


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
        what = (_("{location} recount submitted: {units} in {lines}") if self.round > 1
                else _("{location} count submitted: {units} in {lines}"))
        text = what.format(location=loc, units=plural(self.units, 'unit'), lines=plural(len(self.lines), 'line'))
        if not blind:
            off = [line for line in self.lines if line.variance]
            if off:
                text += _("; variances {items}").format(items=", ".join(
                    f"{line.item.sku}{' ' + line.lot.code if line.lot_id else ''} {line.variance:+d}"
                    for line in off))
            else:
                text += _("; no variance")
        if self.found:
            text += _("; {found} recorded as found goods").format(found=plural(self.found, 'unknown barcode'))
        return text


def task_for_location(code: str, count_id: int | None = None, *,
                      warehouse: str | None = None) -> CountTask:
    """The unfinished task of location CODE (in count COUNT_ID if given), with a sentence when
    there is none."""
    loc = get_location(code)
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
        when = (_(" by {operator} at {at}").format(operator=t.last_counted_by, at=minute(t.last_counted_at))
                if t.last_counted_by else "")
        state = (_("it is waiting for the supervisor, not for a count") if t.status == "review"
                 else _("it is settled"))
        raise RuleViolation(_("{code} in count {count} was already counted{when}; {state}").format(
            code=code, count=t.count_id, when=when, state=state))
    where = _("count {count}").format(count=count_id) if count_id else _("any open count")
    left = [t.location.code for t in open_tasks(count_id, warehouse=warehouse)[:5]]
    hint = (_("; locations waiting: {locations}").format(locations=", ".join(left)) if left
            else _("; no location is waiting for a count"))
    raise NotFound(_("{code} is not to be counted in {where}{hint}").format(code=code, where=where, hint=hint))


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
             "expected": b.qty} for b in balances_at(task.location, scope)]


def lot_needs_expiry(item: Item, code: str) -> bool:
    """True when the counter must be asked for the expiry of lot CODE (a new lot of an
    expiry-tracked item)."""
    if not item.expiry_tracked:
        return False
    lot = Lot.get_or_none(Lot.item == item.id, Lot.code == code)
    return lot is None or lot.expiry is None


@retry_conflicts
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
    get_operator(operator)
    counted = list(counted)
    found = dict(found or {})
    for c in counted:
        if not is_whole(c.qty) or c.qty < 0:
            raise InvalidInput(_("a counted quantity must be a whole number of zero or more; "
                                 "got {qty!r} for {sku}").format(qty=c.qty, sku=c.item.sku))
    with write_transaction():
        task = CountTask.get_or_none(CountTask.id == task_id)
        if task is None:
            raise NotFound(_("unknown count task {task}").format(task=task_id))
        task = _locked(CountTask, task_id)
        count, loc = task.count, task.location
        if round_seen is not None and task.rounds != round_seen:
            raise RuleViolation(_("{location} was submitted meanwhile by {operator} at {at}; scan the location "
                                  "again to see what is left").format(location=loc.code, operator=task.last_counted_by,
                                                                       at=minute(task.last_counted_at)))
        if count.status != "open":
            raise RuleViolation(_("count {count} is {status}: nothing more can be counted in it").format(
                count=count.id, status=count.status))
        if task.status not in ("open", "recount"):
            raise RuleViolation(_("{location} in count {count} was already counted by {operator} at {at}; "
                                  "nothing is waiting for a recount there").format(
                                      location=loc.code, count=count.id, operator=task.last_counted_by,
                                      at=minute(task.last_counted_at)))
        recount = task.status == "recount"
        if recount:
            blockers = recount_blockers(task)
            if operator in blockers:
                raise PermissionDenied(_("{location} needs a recount by another operator: {operator} "
                                         "made the latest count there").format(location=loc.code, operator=operator))
        scope = count_scope(task)
        # Aggregate what was counted per (item, lot); resolve lots.
        tally: dict[tuple[int, int | None], int] = {}
        items: dict[int, Item] = {}
        ignored: list[str] = []
        for c in counted:
            if scope is not None and c.item.id not in scope:
                why = (_("{sku} is not being recounted at {location}; {qty} counted units ignored") if recount
                       else _("{sku} is not in this count at {location}; {qty} counted units ignored"))
                note = why.format(sku=c.item.sku, location=loc.code, qty=c.qty)
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
        snapshot = {(b.item_id, b.lot_id): b.qty for b in balances_at(loc, scope)}
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
                        ignored.append(_("line {line} ({sku}) is already settled; {qty} counted units "
                                         "ignored").format(line=existing.line_no, sku=existing.item.sku, qty=tally[k]))
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
        audit(operator, station, "count.submit", count=count.id, location=loc.code, round=rnd,
               lines=len(result_lines), units=sum(tally.values()), found=len(found), source=source)
        auto = 0
        if settings.auto_approve:
            # Each line's item, all at once, before any is posted (db/ledger/locks.py).
            locks.lock_items(line.item_id for line in result_lines
                             if line.status == "review" and line.within_tolerance)
            for line in result_lines:
                if line.status == "review" and line.within_tolerance:
                    try:
                        with database.atomic():
                            settle(line, line.variance, operator=operator, station=station,
                                    reason=DEFAULT_REASON, action="count.auto_approve",
                                    decided_by=f"{operator} (auto)")
                        auto += 1
                    except InsufficientStock:
                        line.note = notes.ALLOCATED
                        line.save()
        refresh_task(task)
    for line in result_lines:
        line.item = items.get(line.item_id) or Item.get_by_id(line.item_id)
    return SubmitResult(task=task, round=rnd, lines=result_lines, ignored=ignored,
                        found=len(found), auto_approved=auto)


def _snapshot_qty(k, snapshot, loc) -> int:
    if k in snapshot:
        return snapshot[k]
    # Not in the scoped snapshot (a zero balance is left out): read it directly.
    bal = Balance.get_or_none(Balance.key(k[0], loc.id, k[1]))
    return bal.qty if bal else 0


def _judge(line: CountLine, entry: CountEntry, tolerance: Tolerance) -> None:
    """Set the line's status after a new count."""
    v = entry.qty - entry.expected
    earlier = list(line.entries.where(CountEntry.round < entry.round).order_by(CountEntry.round))
    item = Item.get_by_id(line.item_id)
    line.expected, line.counted, line.variance = entry.expected, entry.qty, v
    line.within_tolerance = tolerance.allows(v, entry.expected, item.unit_cost, item)
    agreeing = [e for e in earlier if e.variance == v and e.operator != entry.operator]
    if v == 0:
        line.status = LineStatus.OK
        line.note = notes.RECOUNT_MATCHES if earlier else ""
    elif agreeing:
        line.status = LineStatus.REVIEW
        line.note = notes.TWO_AGREE.format(first=agreeing[-1].operator, second=entry.operator,
                                           variance=notes.signed(v, item))
    elif line.within_tolerance:
        line.status = LineStatus.REVIEW
        line.note = notes.WITHIN
    else:
        line.status = LineStatus.RECOUNT
        if earlier:
            line.note = notes.DISAGREE.format(first=earlier[-1].operator, earlier=notes.signed(earlier[-1].variance, item),
                                              second=entry.operator, variance=notes.signed(v, item))
        else:
            line.note = notes.BEYOND
    line.save()
