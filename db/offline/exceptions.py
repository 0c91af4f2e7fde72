"""The offline exceptions list: journaled postings the server refused on replay (stock no longer
there, an order cancelled meanwhile), kept in the MAIN store where `wh exceptions` and every
supervisor's screen see them, until a supervisor resolves them. Nothing is dropped silently."""
from __future__ import annotations

from gettext import gettext as _

import peewee as pw

from db.core.connection import write_transaction
from db.core.errors import NotFound, RuleViolation, WarehouseError
from db.core.models import BaseModel, utcnow
from db.masterdata.security import N_, audit, require_supervisor
from db.offline.journal import Queued, dumps, loads


class SyncException(BaseModel):
    """A journaled posting the server refused on replay: a supervisor decides what happens."""
    key = pw.CharField(unique=True)
    op = pw.CharField()
    args = pw.TextField()                 # the operation's arguments, JSON
    operator = pw.CharField(default="", index=True)
    station = pw.CharField(default="")
    queued_at = pw.DateTimeField()        # when the scan was made (offline)
    replayed_at = pw.DateTimeField(default=utcnow)
    error = pw.TextField()
    resolved_at = pw.DateTimeField(null=True)
    resolved_by = pw.CharField(null=True)
    note = pw.TextField(default="")


MODELS = [SyncException]


def record_conflict(entry: Queued, exc: BaseException) -> SyncException:
    """Put a refused replay on the exceptions list (once per key, however often replayed)."""
    kwargs = entry.kwargs
    message = str(exc) if isinstance(exc, WarehouseError) else f"internal error ({type(exc).__name__}): {exc}"
    existing = SyncException.get_or_none(SyncException.key == entry.key)
    if existing is not None:
        return existing
    try:
        with SyncException._meta.database.atomic():
            return SyncException.create(key=entry.key, op=entry.op, args=dumps(kwargs),
                                        operator=kwargs.get("operator", ""), station=kwargs.get("station", ""),
                                        queued_at=entry.queued_at, error=message)
    except pw.IntegrityError:
        return SyncException.get(SyncException.key == entry.key)


def list_exceptions(include_resolved: bool = False) -> list[dict]:
    query = SyncException.select().order_by(SyncException.queued_at, SyncException.id)
    if not include_resolved:
        query = query.where(SyncException.resolved_at.is_null())
    return [exception_row(e) for e in query]


def exception_row(e: SyncException) -> dict:
    args = loads(e.args)
    what = ", ".join(f"{k}={v}" for k, v in sorted(args.items()) if k not in ("operator", "station"))
    return {"id": e.id, "queued_at": e.queued_at, "replayed_at": e.replayed_at, "station": e.station,
            "operator": e.operator, "op": e.op, "what": what, "error": e.error, "key": e.key,
            "resolved_at": e.resolved_at, "resolved_by": e.resolved_by or "", "note": e.note}


def resolve_exception(exception_id: int, *, operator: str, note: str = "", station: str = "") -> SyncException:
    """Mark an exception dealt with (supervisor only): the supervisor has posted what was right
    (an adjustment, a new pick...) or decided nothing is needed. Audited."""
    require_supervisor(operator, N_("resolving an offline exception"))
    with write_transaction():
        e = SyncException.get_or_none(SyncException.id == exception_id)
        if e is None:
            raise NotFound(_("no offline exception {id}").format(id=exception_id))
        if e.resolved_at is not None:
            raise RuleViolation(_("offline exception {id} was already resolved by {by} at {at}").format(
                id=exception_id, by=e.resolved_by, at=f"{e.resolved_at:%Y-%m-%d %H:%M}"))
        SyncException.update(resolved_at=utcnow(), resolved_by=operator, note=note).where(
            SyncException.id == e.id).execute()
        audit(operator, station, "resolve_exception", exception=e.id, key=e.key, op=e.op, note=note)
    return SyncException.get_by_id(exception_id)
