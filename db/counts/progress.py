"""A task's status after its lines change, and its count's: a count closes with its last task."""
from __future__ import annotations

from db.core.models import utcnow
from db.counts.models import Count, CountLine, CountTask


def refresh_task(task: CountTask) -> None:
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
