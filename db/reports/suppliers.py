"""Supplier scorecard, measured from real receipts (the ledger), never from promises.

Which PO lines are measured: lines of POs that were sent (status not draft, not cancelled)
whose due date lies in the period (whenever the PO was created: a backorder PO keeps its
original due date) and that either received something (accepted and not undone, or
rejected) or are already overdue (due before today). The due date is the line's expected
date, else the PO's, else the PO's creation date + the supplier's lead time.

Receipts are the ledger's "receipt" movements of the line that were never undone: an undone
receipt is a delivery that did not happen.

Per supplier, over its measured lines:
- on_time_pct: on time in full: share of lines (deliveries, not units) whose accepted units
  received by the end of the due date reached the ordered quantity. Rejected units do not
  fill a line; a line never received is late.
- fill_pct: accepted ÷ ordered, an over-receipt counting as 100% of its line.
- reject_pct: rejected ÷ (accepted + rejected).
- returned: accepted units of the measured lines sent back later (returns to supplier of
  usable stock, db/returns); they count against quality like rejects: quality = 1 − (rejected
  + returned) ÷ (accepted + rejected).
- price_vs_others_pct: the supplier's prices against the other suppliers of the same items,
  weighted by actual spend: the units received and accepted (not ordered) × the line price.
  +10 means 10% dearer. Items nobody else supplies are skipped.
- actual_lead_days: average days from PO creation to the line's first receipt (not undone);
  promised_lead_days is the supplier's lead time.
- score (0-100): the weighted mean of on-time, fill, 1 - reject and the price score
  (1 - the relative price excess, between 0 and 1; at or below the others' price is 1).
  Weights come from [suppliers] weight_* and are normalised; a part that cannot be measured
  (no receipt yet for quality, no other supplier for price) drops out with its weight.
Accepted and rejected units are the line's counters (qty_received, qty_rejected: receiving
raises them, an undo lowers them). The dates come from the line's first and last receipt
(first_received_at, last_received_at) when they settle it: no receipt undone, no reject, and
not received on both sides of its due date. The other lines (a few) read their receipt
movements. Reading all 2 million receipts of the bench's store took 5 s.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from db.core import defaults
from db.core.models import Item, ItemUnit, Movement, PurchaseOrder, PurchaseOrderLine, Supplier
from db.reports.common import N_, Report, as_datetime, fetch, today as _today

COLUMNS = [N_("supplier"), N_("name"), N_("lines"), N_("on_time_pct"), N_("ordered"), N_("received"),
           N_("rejected"), N_("returned"), N_("fill_pct"), N_("reject_pct"), N_("price_vs_others_pct"),
           N_("promised_lead_days"), N_("actual_lead_days"), N_("score")]


@dataclass
class MeasuredLine:
    line_id: int
    supplier_id: int
    item_id: int
    qty_ordered: int
    unit_cost: float        # per stored unit (the line's price ÷ its unit's factor)
    due: dt.date
    created: dt.date
    accepted: int = 0
    rejected: int = 0
    first_receipt: dt.date | None = None     # day of the first receipt not undone
    on_time: bool = False                    # accepted by the due date reached the ordered quantity


@dataclass
class _Tally:
    lines: int = 0
    on_time: int = 0
    ordered: int = 0
    filled: int = 0
    received: int = 0
    rejected: int = 0
    returned: int = 0
    lead_days: list[int] = field(default_factory=list)
    items: set[int] = field(default_factory=set)


def measured_lines(date_from: dt.date | None = None, date_to: dt.date | None = None,
                   today: dt.date | None = None) -> list[MeasuredLine]:
    """The PO lines the scorecard measures, with what they received (one query over the lines,
    and the receipt movements of the few lines their counters cannot settle)."""
    today = today or _today()
    query = (PurchaseOrderLine
             .select(PurchaseOrderLine.id, PurchaseOrder.supplier, PurchaseOrderLine.item,
                     PurchaseOrderLine.qty_ordered, PurchaseOrderLine.unit_cost, PurchaseOrderLine.unit,
                     PurchaseOrderLine.expected_date, PurchaseOrder.expected_date.alias("po_expected"),
                     PurchaseOrder.created_at, Supplier.lead_time_days,
                     PurchaseOrderLine.qty_received, PurchaseOrderLine.qty_rejected,
                     PurchaseOrderLine.first_received_at, PurchaseOrderLine.last_received_at)
             .join(PurchaseOrder).join(Supplier)
             .where(PurchaseOrder.status.not_in(("draft", "cancelled"))))
    undone = _lines_with_undos()
    # The factors of the few units and the items with decimals, once: cheaper than joining both
    # tables to every line (a store of whole units has neither).
    unit_factors = dict(ItemUnit.select(ItemUnit.id, ItemUnit.factor).tuples())
    item_scales = {i: 10 ** d for i, d in Item.select(Item.id, Item.decimals).where(Item.decimals > 0).tuples()}
    plain = not unit_factors and not item_scales
    lines, unsettled = [], []
    # Rows as the driver returns them (dates as text on SQLite), converted here: peewee's
    # per-row conversion of 50,000 lines cost more than the rest of the scorecard.
    for (line_id, sup, item, qty, cost, unit_id, line_exp, po_exp, created, lead, accepted, rejected,
         first, last) in fetch(query):
        factor = 1 if plain else unit_factors[unit_id] if unit_id is not None else item_scales.get(item, 1)
        created = as_datetime(created)
        due = line_exp or po_exp or (created.date() + dt.timedelta(days=lead or 0))
        if isinstance(due, str):
            due = dt.date.fromisoformat(due)
        if (date_from and due < date_from) or (date_to and due > date_to):
            continue
        accepted, rejected = int(accepted or 0), int(rejected or 0)
        first = as_datetime(first).date() if first else None
        last = as_datetime(last).date() if last else None
        # The price per STORED unit: spend = accepted stored units × it, whatever the line's unit
        # (12.00 per 箱 of 24 is 0.50 per 瓶), so suppliers quoting in different units compare.
        price = float(cost or 0)
        ln = MeasuredLine(line_id, sup, item, qty, price if factor == 1 else price / factor, due, created.date(),
                          accepted, rejected)
        if rejected or line_id in undone or (first and first <= due < (last or first)):
            # The counters cannot say which receipts stand or what had come by the due date.
            unsettled.append(ln)
            continue
        # Every receipt of the line stands, and none came on both sides of the due date.
        ln.first_receipt = first if accepted else None
        ln.on_time = accepted >= qty and last is not None and last <= due
        lines.append(ln)
    receipts = _receipts_of(ln.line_id for ln in unsettled)
    for ln in unsettled:
        days = receipts.get(ln.line_id, ())
        ln.first_receipt = days[0][0] if days else None
        ln.on_time = sum(q for day, q in days if day <= ln.due) >= ln.qty_ordered
        lines.append(ln)
    return [ln for ln in lines if ln.first_receipt is not None or ln.rejected or ln.due < today]


def _lines_with_undos() -> set[int]:
    """PO lines with an undone receipt or reject (the undos, few, by the kind index)."""
    return {line for (line,) in fetch(Movement.select(Movement.po_line).distinct()
                                      .where(Movement.kind == "undo", Movement.po_line.is_null(False)))}


def _receipts_of(line_ids) -> dict[int, list[tuple[dt.date, int]]]:
    """PO line id -> [(day, accepted units)] of its receipts never undone, earliest first."""
    ids = sorted(set(line_ids))
    rows = []
    for start in range(0, len(ids), 500):
        # By the line alone (the kind filter made SQLite walk every receipt by kind instead).
        rows += fetch(Movement.select(Movement.id, Movement.kind, Movement.reverses, Movement.po_line,
                                      Movement.created_at, Movement.qty)
                      .where(Movement.po_line.in_(ids[start:start + 500])))
    reversed_ids = {rev for _, kind, rev, _, _, _ in rows if kind == "undo"}
    per_day: dict[tuple[int, dt.date], int] = {}
    for mid, kind, _, line, at, qty in rows:
        if kind == "receipt" and mid not in reversed_ids:
            key = (line, as_datetime(at).date())
            per_day[key] = per_day.get(key, 0) + qty
    out: dict[int, list[tuple[dt.date, int]]] = {}
    for (line, day), qty in sorted(per_day.items()):
        out.setdefault(line, []).append((day, qty))
    return out


def _price_index(lines: list[MeasuredLine]) -> dict[int, float]:
    """Supplier id -> its prices ÷ the other suppliers' average prices of the same items."""
    # item -> supplier -> (units, spend)
    book: dict[int, dict[int, list[float]]] = {}
    for ln in lines:
        if ln.accepted <= 0:
            continue    # nothing bought on this line: no spend to compare
        cell = book.setdefault(ln.item_id, {}).setdefault(ln.supplier_id, [0.0, 0.0])
        cell[0] += ln.accepted
        cell[1] += ln.accepted * ln.unit_cost
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
    returned = _returned_units([ln.line_id for ln in lines])
    tallies: dict[int, _Tally] = {}
    for ln in lines:
        t = tallies.setdefault(ln.supplier_id, _Tally())
        t.lines += 1
        t.ordered += ln.qty_ordered
        t.filled += min(ln.accepted, ln.qty_ordered)
        t.received += ln.accepted
        t.rejected += ln.rejected
        t.returned += returned.get(ln.line_id, 0)
        t.items.add(ln.item_id)
        if ln.first_receipt is not None:
            t.lead_days.append((ln.first_receipt - ln.created).days)
        if ln.on_time:
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
            "quality": max(0.0, 1 - (t.rejected + t.returned) / seen) if seen else None,
            "price": None if index is None else min(1.0, max(0.0, 2.0 - index)),
        }
        rows.append({
            "supplier_id": sup_id, "supplier": sup.code, "name": sup.name, "lines": t.lines,
            "on_time_pct": round(100.0 * t.on_time / t.lines, 1),
            "ordered": t.ordered, "received": t.received, "rejected": t.rejected, "returned": t.returned,
            "fill_pct": round(100.0 * t.filled / t.ordered, 1) if t.ordered else None,
            "reject_pct": round(100.0 * t.rejected / seen, 1) if seen else None,
            "price_vs_others_pct": None if index is None else round(100.0 * (index - 1.0), 1),
            "promised_lead_days": sup.lead_time_days,
            "actual_lead_days": round(sum(t.lead_days) / len(t.lead_days), 1) if t.lead_days else None,
            "score": weighted_score(parts, weights),
        })
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["supplier"]))
    return rows, list(COLUMNS)


def _returned_units(line_ids: list[int]) -> dict[int, int]:
    """PO line id -> accepted units sent back to the supplier (one grouped query)."""
    from db.returns.models import ReturnLine
    if not line_ids:
        return {}
    query = (ReturnLine.select(ReturnLine.po_line, pw.fn.SUM(ReturnLine.qty_sent))
             .where(ReturnLine.po_line.is_null(False), ReturnLine.from_usable == True)   # noqa: E712
             .group_by(ReturnLine.po_line).tuples())
    wanted = set(line_ids)
    return {line: int(units or 0) for line, units in query if line in wanted}


def scores(**weights) -> dict[int, float | None]:
    """Supplier id -> all-time score, for choosing who gets a reorder."""
    rows, _unused = scorecard(**weights)
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
