"""A task's status after its lines change, and its count's: a count closes with its last task."""
from __future__ import annotations

from db.core.models import utcnow
from db.counts.models import Count, CountLine, CountStatus, CountTask, LineStatus, TaskStatus


def refresh_task(task: CountTask) -> None:
    statuses = {s for (s,) in CountLine.select(CountLine.status).where(CountLine.task == task.id).tuples()}
    if task.rounds == 0 or LineStatus.PENDING in statuses:
        status = TaskStatus.OPEN
    elif LineStatus.RECOUNT in statuses:
        status = TaskStatus.RECOUNT
    elif LineStatus.REVIEW in statuses:
        status = TaskStatus.REVIEW
    else:
        status = TaskStatus.DONE
    if status != task.status:
        CountTask.update(status=status).where(CountTask.id == task.id).execute()
        task.status = status
    count = Count.get_by_id(task.count_id)
    if count.status == CountStatus.OPEN and not CountTask.select().where(
            CountTask.count == count.id, CountTask.status != TaskStatus.DONE).exists():
        Count.update(status=CountStatus.CLOSED, closed_at=utcnow()).where(Count.id == count.id).execute()
