"""Small helpers the count modules share: operators and reason codes, the audit trail, looking
up a count or a line, the books at a location, and a task's status after its lines change."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from db.counts.models import Count, CountLine, CountTask
from db.core.errors import NotFound
from db.core.models import Balance, Item, Location, Lot, Operator, ReasonCode, utcnow


def _operator(code: str) -> Operator:
    try:
        from db.masterdata.security import get_operator
    except ImportError:  # pragma: no cover - security.py is part of the store
        get_operator = None
    if get_operator is not None:
        return get_operator(code)
    op = Operator.get_or_none(Operator.code == code)
    if op is None:
        raise NotFound(f"unknown operator {code!r}")
    return op


def _supervisor(code: str, action: str) -> Operator:
    from db.masterdata.security import require_supervisor
    return require_supervisor(code, action)


def _audit(operator: str, station: str, action: str, **detail) -> None:
    from db.masterdata.security import audit
    audit(operator, station, action, **detail)


def _reason(code: str) -> ReasonCode:
    row = ReasonCode.get_or_none(ReasonCode.code == code)
    if row is None:
        known = ", ".join(r.code for r in ReasonCode.select().order_by(ReasonCode.code))
        raise NotFound(f"unknown reason code {code!r}; known reason codes: {known}")
    return row


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


def _balances(loc: Location, item_ids: set[int] | None):
    query = (Balance.select(Balance, Item, Lot).join(Item)
             .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
             .where(Balance.location == loc.id, Balance.qty != 0))
    if item_ids is not None:
        query = query.where(Balance.item.in_(list(item_ids)))
    return sorted(query, key=lambda b: (b.item.sku, b.lot.code if b.lot_id else ""))


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
