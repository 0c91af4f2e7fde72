"""Reading counts (no writes): a line as a dict with every count, a count's full detail, the
list of counts, and the supervisor's reconciliation list of open variances."""
from __future__ import annotations

import peewee as pw

from db.counts.models import Count, CountEntry, CountFound, CountLine, CountTask
from db.counts.lookup import get_count
from db.counts.variance import variance_value
from db.core.models import Item, Location, Lot, Warehouse


def _entry_dict(e: CountEntry) -> dict:
    return {"round": e.round, "qty": e.qty, "expected": e.expected, "variance": e.variance,
            "operator": e.operator, "station": e.station, "at": e.at, "source": e.source}


def line_dict(line: CountLine, entries: list[CountEntry] | None = None) -> dict:
    item = line.item
    entries = entries if entries is not None else list(line.entries.order_by(CountEntry.round))
    counts = [_entry_dict(e) for e in entries]
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
        "variance": variance, "value": variance_value(variance, item.unit_cost, item) if variance is not None else None,
        "status": line.status, "within_tolerance": line.within_tolerance, "note": line.note,
        "reason": line.reason, "decided_by": line.decided_by, "decided_at": line.decided_at,
        "adjusted": line.adjusted, "counts": counts, "decimals": item.decimals, "uom": item.uom,
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


def open_found_goods() -> list[dict]:
    """Unknown barcodes counters scanned (found goods) on open counts, not yet resolved."""
    query = (CountFound.select(CountFound, CountTask, Location).join(CountTask).join(Location)
             .switch(CountTask).join(Count)
             .where(CountFound.resolved == False, Count.status == "open"))  # noqa: E712
    return [{"location": f.task.location.code, "barcode": f.barcode, "scans": f.scans, "count": f.task.count_id}
            for f in query]
