"""Supplier scorecard, measured from real receipts (the ledger), never from promises.

Which PO lines are measured: lines of POs that were sent (status not draft, not cancelled)
whose due date lies in the period and that either received something
or are already overdue (due before today). The due date is the line's expected date, else
the PO's, else the PO's creation date + the supplier's lead time.

Per supplier, over its measured lines:
- on_time_pct: share of lines (deliveries, not units) whose first receipt came on or before
  the due date. A line never received counts as late.
- fill_pct: accepted ÷ ordered, an over-receipt counting as 100% of its line.
- reject_pct: rejected ÷ (accepted + rejected).
- price_vs_others_pct: the supplier's prices against the other suppliers of the same items,
  ordered-quantity weighted: +10 means 10% dearer. Items nobody else supplies are skipped.
- actual_lead_days: average days from PO creation to first receipt; promised_lead_days is
  the supplier's lead time.
- score (0-100): the weighted mean of on-time, fill, 1 - reject and the price score
  (1 - the relative price excess, between 0 and 1; at or below the others' price is 1).
  Weights come from [suppliers] weight_* and are normalised; a part that cannot be measured
  (no receipt yet for quality, no other supplier for price) drops out with its weight.
What a line received is what the receipts wrote on it: qty_received (accepted) and
qty_rejected, which receiving raises and an undo lowers, and first_received_at, the time of its
first receipt (kept even if that receipt is undone later). Reading the lines, not the
movements, keeps the scorecard fast on millions of movements.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from db.core import defaults
from db.core.models import PurchaseOrder, PurchaseOrderLine, Supplier
from db.reports.common import Report, as_datetime, day_end, fetch, today as _today

COLUMNS = ["supplier", "name", "lines", "on_time_pct", "ordered", "received", "rejected",
           "fill_pct", "reject_pct", "price_vs_others_pct", "promised_lead_days",
           "actual_lead_days", "score"]


@dataclass
class MeasuredLine:
    line_id: int
    supplier_id: int
    item_id: int
    qty_ordered: int
    unit_cost: float
    due: dt.date
    created: dt.date
    accepted: int = 0
    rejected: int = 0
    first_receipt: dt.datetime | None = None


@dataclass
class _Tally:
    lines: int = 0
    on_time: int = 0
    ordered: int = 0
    filled: int = 0
    received: int = 0
    rejected: int = 0
    lead_days: list[int] = field(default_factory=list)
    items: set[int] = field(default_factory=set)


def measured_lines(date_from: dt.date | None = None, date_to: dt.date | None = None,
                   today: dt.date | None = None) -> list[MeasuredLine]:
    """The PO lines the scorecard measures, with what they received (one query over the lines)."""
    today = today or _today()
    query = (PurchaseOrderLine
             .select(PurchaseOrderLine.id, PurchaseOrder.supplier, PurchaseOrderLine.item,
                     PurchaseOrderLine.qty_ordered, PurchaseOrderLine.unit_cost,
                     PurchaseOrderLine.expected_date, PurchaseOrder.expected_date.alias("po_expected"),
                     PurchaseOrder.created_at, Supplier.lead_time_days,
                     PurchaseOrderLine.qty_received, PurchaseOrderLine.qty_rejected,
                     PurchaseOrderLine.first_received_at)
             .join(PurchaseOrder).join(Supplier)
             .where(PurchaseOrder.status.not_in(("draft", "cancelled"))))
    if date_to is not None:   # due >= created, so a line due by date_to was created by then
        query = query.where(PurchaseOrder.created_at < day_end(date_to))
    lines = []
    # Rows as the driver returns them (dates as text on SQLite), converted here: peewee's
    # per-row conversion of 50,000 lines cost more than the rest of the scorecard.
    for (line_id, sup, item, qty, cost, line_exp, po_exp, created, lead, accepted, rejected,
         first) in fetch(query):
        created = as_datetime(created)
        due = line_exp or po_exp or (created.date() + dt.timedelta(days=lead or 0))
        if isinstance(due, str):
            due = dt.date.fromisoformat(due)
        if (date_from and due < date_from) or (date_to and due > date_to):
            continue
        first = as_datetime(first) if (accepted or rejected) else None
        if first is None and due >= today:
            continue    # nothing came yet and it is not late yet: not measured
        lines.append(MeasuredLine(line_id, sup, item, qty, float(cost or 0), due, created.date(),
                                  int(accepted or 0), int(rejected or 0), first))
    return lines


def _price_index(lines: list[MeasuredLine]) -> dict[int, float]:
    """Supplier id -> its prices ÷ the other suppliers' average prices of the same items."""
    # item -> supplier -> (units, spend)
    book: dict[int, dict[int, list[float]]] = {}
    for ln in lines:
        cell = book.setdefault(ln.item_id, {}).setdefault(ln.supplier_id, [0.0, 0.0])
        cell[0] += ln.qty_ordered
        cell[1] += ln.qty_ordered * ln.unit_cost
    own: dict[int, float] = {}
    others: dict[int, float] = {}
    for per_supplier in book.values():
        units = sum(c[0] for c in per_supplier.values())
        spend = sum(c[1] for c in per_supplier.values())
        for sup, (u, s) in per_supplier.items():
            other_units, other_spend = units - u, spend - s
            if other_units <= 0 or other_spend <= 0:
                continue    # nobody else supplies this item: no comparison
            own[sup] = own.get(sup, 0.0) + s
            others[sup] = others.get(sup, 0.0) + u * other_spend / other_units
    return {sup: own[sup] / others[sup] for sup in own if others[sup] > 0}


def weighted_score(parts: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """0-100: the weighted mean of the measurable PARTS (each 0..1)."""
    total = sum(weights[k] for k, v in parts.items() if v is not None)
    if total <= 0:
        return None
    return round(100.0 * sum(weights[k] * v for k, v in parts.items() if v is not None) / total, 1)


def scorecard(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
              weight_on_time: float = defaults.SUPPLIERS["weight_on_time"],
              weight_fill_rate: float = defaults.SUPPLIERS["weight_fill_rate"],
              weight_quality: float = defaults.SUPPLIERS["weight_quality"],
              weight_price: float = defaults.SUPPLIERS["weight_price"],
              today: dt.date | None = None) -> Report:
    """One row per supplier with measured lines, best score first."""
    lines = measured_lines(date_from, date_to, today)
    tallies: dict[int, _Tally] = {}
    for ln in lines:
        t = tallies.setdefault(ln.supplier_id, _Tally())
        t.lines += 1
        t.ordered += ln.qty_ordered
        t.filled += min(ln.accepted, ln.qty_ordered)
        t.received += ln.accepted
        t.rejected += ln.rejected
        t.items.add(ln.item_id)
        if ln.first_receipt is not None:
            t.lead_days.append((ln.first_receipt.date() - ln.created).days)
            if ln.first_receipt.date() <= ln.due:
                t.on_time += 1
    prices = _price_index(lines)
    weights = {"on_time": weight_on_time, "fill": weight_fill_rate,
               "quality": weight_quality, "price": weight_price}
    suppliers = {s.id: s for s in Supplier.select().where(Supplier.id.in_(list(tallies)))} if tallies else {}
    rows = []
    for sup_id, t in tallies.items():
        sup = suppliers[sup_id]
        seen = t.received + t.rejected
        index = prices.get(sup_id)
        parts = {
            "on_time": t.on_time / t.lines,
            "fill": t.filled / t.ordered if t.ordered else None,
            "quality": 1 - t.rejected / seen if seen else None,
            "price": None if index is None else min(1.0, max(0.0, 2.0 - index)),
        }
        rows.append({
            "supplier_id": sup_id, "supplier": sup.code, "name": sup.name, "lines": t.lines,
            "on_time_pct": round(100.0 * t.on_time / t.lines, 1),
            "ordered": t.ordered, "received": t.received, "rejected": t.rejected,
            "fill_pct": round(100.0 * t.filled / t.ordered, 1) if t.ordered else None,
            "reject_pct": round(100.0 * t.rejected / seen, 1) if seen else None,
            "price_vs_others_pct": None if index is None else round(100.0 * (index - 1.0), 1),
            "promised_lead_days": sup.lead_time_days,
            "actual_lead_days": round(sum(t.lead_days) / len(t.lead_days), 1) if t.lead_days else None,
            "score": weighted_score(parts, weights),
        })
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["supplier"]))
    return rows, list(COLUMNS)


def scores(**weights) -> dict[int, float | None]:
    """Supplier id -> all-time score, for choosing who gets a reorder."""
    rows, _ = scorecard(**weights)
    return {r["supplier_id"]: r["score"] for r in rows}


def delivered_items() -> dict[int, set[int]]:
    """Item id -> ids of suppliers that have delivered it (accepted units on a PO line)."""
    query = (PurchaseOrderLine.select(PurchaseOrderLine.item, PurchaseOrder.supplier).distinct()
             .join(PurchaseOrder)
             .where(PurchaseOrderLine.qty_received > 0).tuples())
    out: dict[int, set[int]] = {}
    for item, sup in query:
        out.setdefault(item, set()).add(sup)
    return out
