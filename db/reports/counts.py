"""What the counts say about the books: accuracy, variance value by reason, zone and item, and
shrinkage over a period.

`counts_report(date_from, date_to)` returns ONE table (rows, columns) so that
`wh report counts --format table|csv|json` prints it as it is. Each row has a `group` and a
`key`; the other columns are filled where they mean something for that group:

  group       key                    meaning
  accuracy    settled / first count  locations counted in the period, how many had no variance
                                     (settled: after recounts and decisions; first count: the
                                     counter's first count against the books), pct
  pending     undecided              variances counted but not yet approved or recounted
  reason      reason code            count adjustments posted in the period
  zone        zone                   count adjustments posted in the period
  item        sku                    count adjustments posted in the period, largest value first
  shrinkage   count / adjust / ...   every movement into inventory-loss or out of
              total                  inventory-gain in the period (opening stock excluded),
                                     by movement kind; net < 0 is shrinkage

units is the net quantity (found - lost); gain, loss and net are values, at the unit cost recorded
on each movement (the moving-average cost when it was posted; pending variances at today's
average), summed exact and rounded to cents once. Shrinkage is the net of losses and gains:
undos count too (an undone loss is a gain that cancels it). `counts_tables` returns the same
data as separate tables for the supervisor's screen.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee as pw

from db.counts.models import Count, CountEntry, CountLine, CountTask
from db.counts.variance import posted_value, variance_value
from db.core.models import VIRTUAL_CODES, Item, Location, Movement
from db.core.period import bounds, contains, in_bounds
from db.ledger.valuation import base_quantity
from db.reports.common import N_, money

# pct: accuracy in percent; units: net units (found - lost); gain, loss, net: values.
COLUMNS = [N_("group"), N_("key"), N_("locations"), N_("accurate"), N_("pct"), N_("lines"), N_("units"),
           N_("gain"), N_("loss"), N_("net")]


def _virtual_ids() -> tuple[int | None, int | None]:
    ids = dict(Location.select(Location.code, Location.id)
               .where(Location.code.in_([VIRTUAL_CODES["inventory-loss"], VIRTUAL_CODES["inventory-gain"]])).tuples())
    return ids.get(VIRTUAL_CODES["inventory-loss"]), ids.get(VIRTUAL_CODES["inventory-gain"])


def _signed(m, loss_id, gain_id) -> int:
    """+qty for goods found (from @GAIN, or back out of @LOSS by an undo), -qty for goods lost."""
    if m.from_location_id == gain_id or m.from_location_id == loss_id:
        return m.qty
    if m.to_location_id == loss_id or m.to_location_id == gain_id:
        return -m.qty
    return 0


def _blank(group: str, key: str) -> dict:
    row = {c: None for c in COLUMNS}
    row.update(group=group, key=key, units=0, gain=Decimal(0), loss=Decimal(0), net=Decimal(0))
    return row


def _add(row: dict, units: int, value: Decimal) -> None:
    if units > 0:
        row["gain"] += value
    else:
        row["loss"] += -value
    row["units"] += units
    row["net"] += value


def _accuracy(start, end) -> list[dict]:
    """Locations whose first count falls in the period."""
    firsts = (CountEntry.select(CountLine.task, pw.fn.MIN(CountEntry.at).alias("first_at"))
              .join(CountLine, on=(CountEntry.line == CountLine.id))
              .group_by(CountLine.task))
    task_ids = [t for t, at in firsts.tuples() if contains(at, start, end)]
    settled_total = settled_ok = first_total = first_ok = lines = 0
    if task_ids:
        tasks = {t.id: t for t in CountTask.select().where(CountTask.id.in_(task_ids))}
        by_task: dict[int, list[CountLine]] = {t: [] for t in task_ids}
        for line in CountLine.select().where(CountLine.task.in_(task_ids)):
            by_task[line.task_id].append(line)
        first_var: dict[int, bool] = {t: False for t in task_ids}
        first_round = {}
        for task_id, line_id, rnd, qty, expected in (
                CountEntry.select(CountLine.task, CountEntry.line, CountEntry.round, CountEntry.qty, CountEntry.expected)
                .join(CountLine, on=(CountEntry.line == CountLine.id))
                .where(CountLine.task.in_(task_ids)).order_by(CountEntry.round).tuples()):
            if line_id not in first_round:
                first_round[line_id] = rnd
                if qty != expected:
                    first_var[task_id] = True
        for task_id in task_ids:
            task_lines = by_task[task_id]
            lines += len(task_lines)
            first_total += 1
            first_ok += 0 if first_var[task_id] else 1
            if tasks[task_id].status == "done":
                settled_total += 1
                if all(line.status == "ok" or (line.status == "approved" and not line.adjusted)
                       for line in task_lines):
                    settled_ok += 1
    rows = []
    for key, total, ok in (("settled", settled_total, settled_ok), ("first count", first_total, first_ok)):
        row = {c: None for c in COLUMNS}
        row.update(group="accuracy", key=key, locations=total, accurate=ok,
                   pct=round(100.0 * ok / total, 1) if total else None,
                   lines=lines if key == "first count" else None)
        rows.append(row)
    return rows


def _pending() -> dict:
    row = _blank("pending", "undecided")
    lines = list(CountLine.select(CountLine, Item).join(Item).switch(CountLine).join(Count)
                 .where(CountLine.status.in_(("review", "recount")), Count.status == "open"))
    row["lines"] = len(lines)
    row["locations"] = len({line.task_id for line in lines})
    for line in lines:
        v = line.variance or 0
        _add(row, base_quantity(v, line.item.decimals), variance_value(v, line.item.unit_cost, line.item))
    return row


def _adjustments(start, end, loss_id, gain_id) -> tuple[list[dict], list[dict], list[dict]]:
    query = (Movement.select(Movement, Item, Location).join(Item).switch(Movement)
             .join(Location, on=(Movement.to_location == Location.id))
             .where(Movement.count_line.is_null(False), *in_bounds(Movement.created_at, start, end)))
    by_reason: dict[str, dict] = {}
    by_zone: dict[str, dict] = {}
    by_item: dict[str, dict] = {}
    zones = dict(Location.select(Location.id, Location.zone).tuples())
    rows = list(query)
    # An undo carries reason "undo"; report it under the reason of what it undid.
    undone = [m.reverses_id for m in rows if m.reverses_id]
    undone_reason = dict(Movement.select(Movement.id, Movement.reason)
                         .where(Movement.id.in_(undone)).tuples()) if undone else {}
    for m in rows:
        units = _signed(m, loss_id, gain_id)
        if not units:
            continue
        value = posted_value(m, units)
        units = base_quantity(units, m.item.decimals)     # shown in the base unit
        shelf = m.from_location_id if m.from_location_id not in (loss_id, gain_id) else m.to_location_id
        reason = m.reason or "(none)"
        if m.reverses_id:
            reason = f"{undone_reason.get(m.reverses_id) or reason} (undone)"
        for table, key, group in ((by_reason, reason, "reason"), (by_zone, zones.get(shelf) or "(none)", "zone"),
                                  (by_item, m.item.sku, "item")):
            if key not in table:
                table[key] = _blank(group, key)
                table[key]["lines"] = set()
            _add(table[key], units, value)
            table[key]["lines"].add(m.count_line)
    out = []
    for table in (by_reason, by_zone, by_item):
        rows = sorted(table.values(), key=lambda r: (-abs(r["net"]), r["key"]))
        for r in rows:
            r["lines"] = len(r["lines"])
        out.append(rows)
    return out[0], out[1], out[2]


def _shrinkage(start, end, loss_id, gain_id) -> list[dict]:
    by_kind: dict[str, dict] = {}
    total = _blank("shrinkage", "total")
    query = (Movement.select(Movement, Item).join(Item)
             .where(((Movement.to_location == loss_id) | (Movement.from_location == loss_id)
                     | (Movement.to_location == gain_id) | (Movement.from_location == gain_id)),
                    Movement.kind != "opening", *in_bounds(Movement.created_at, start, end)))
    for m in query:
        units = _signed(m, loss_id, gain_id)
        value = posted_value(m, units)
        units = base_quantity(units, m.item.decimals)
        kind = m.kind
        if kind not in by_kind:
            by_kind[kind] = _blank("shrinkage", kind)
        _add(by_kind[kind], units, value)
        _add(total, units, value)
    return [by_kind[k] for k in sorted(by_kind)] + [total]


# The words of the group and key columns: data (CSV, JSON), translated where a table shows
# them (terminal.i18n.cell_word). Movement kinds come from db/ledger/keys.py's words.
GROUP_WORDS = (N_("accuracy"), N_("settled"), N_("first count"), N_("pending"), N_("undecided"),
               N_("reason"), N_("zone"), N_("item"), N_("shrinkage"), N_("total"), N_("(none)"))


def counts_tables(date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict[str, list[dict]]:
    """The report's groups as separate lists of rows (same columns as COLUMNS)."""
    start, end = bounds(date_from, date_to)
    loss_id, gain_id = _virtual_ids()
    by_reason, by_zone, by_item = _adjustments(start, end, loss_id, gain_id)
    tables = {"accuracy": _accuracy(start, end), "pending": [_pending()], "reason": by_reason,
              "zone": by_zone, "item": by_item, "shrinkage": _shrinkage(start, end, loss_id, gain_id)}
    for rows in tables.values():
        for row in rows:
            for column in ("gain", "loss", "net"):
                if row[column] is not None:
                    row[column] = money(row[column])     # summed exact, rounded once
    return tables


def counts_report(date_from: dt.date | None = None, date_to: dt.date | None = None
                  ) -> tuple[list[dict], list[str]]:
    """Accuracy, pending variances, count adjustments by reason, zone and item, and shrinkage."""
    rows: list[dict] = []
    for group_rows in counts_tables(date_from, date_to).values():
        rows.extend(group_rows)
    return rows, list(COLUMNS)
