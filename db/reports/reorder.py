"""Reorder suggestions, and the draft purchase orders waiting to be released (read only: the
draft POs are made and released by db/purchasing/reorder.py).

For every active item below its reorder point (see alerts: projected < reorder_point):
- quantity: db.purchasing.reorder.order_quantity, in whole cases: the case is the largest
  pack_qty among the item's barcodes (1 when it has none).
- supplier: the item's preferred supplier when set and active; else the best-scoring active
  supplier (all-time scorecard) among those that have delivered the item; else none (the
  suggestion is shown but no PO can be made for it).
- price: that supplier's latest PO price for the item, else the item's moving-average cost.
- expected date: today + the supplier's lead time.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee as pw

from db.core.models import Barcode, Item, ItemUnit, PurchaseOrder, PurchaseOrderLine, Supplier
from db.core.quantities import price_per_base, scale, stock_value
from db.ledger.valuation import line_amount_sql
from db.purchasing.reorder import order_quantity
from db.reports.alerts import positions
from db.reports.common import N_, Report, as_date, money, today as _today
from db.reports.suppliers import delivered_items, scores

COLUMNS = [N_("supplier"), N_("sku"), N_("name"), N_("on_hand"), N_("on_order"), N_("allocated"),
           N_("projected"), N_("reorder_point"), N_("max_qty"), N_("rule"), N_("case_qty"), N_("qty"),
           N_("unit_cost"), N_("value"), N_("expected_date")]


def _case_sizes() -> dict[int, int]:
    query = Barcode.select(Barcode.item, pw.fn.MAX(Barcode.pack_qty)).group_by(Barcode.item).tuples()
    return {item: max(1, int(q or 1)) for item, q in query}


def _last_prices() -> dict[tuple[int, int], Decimal]:
    """(item, supplier) -> unit cost per BASE unit of the most recent PO line (highest line id
    wins) of a PO that was not cancelled: the line's price is per its unit (12.00 per 箱 is
    0.50 per 瓶), and a suggested line is in the base unit."""
    latest = (PurchaseOrderLine.select(pw.fn.MAX(PurchaseOrderLine.id))
              .join(PurchaseOrder)
              .where(PurchaseOrder.status != "cancelled")
              .group_by(PurchaseOrderLine.item, PurchaseOrder.supplier))
    query = (PurchaseOrderLine.select(PurchaseOrderLine.item, PurchaseOrder.supplier, PurchaseOrderLine.unit_cost,
                                      ItemUnit.factor, Item.decimals)
             .join(PurchaseOrder).switch(PurchaseOrderLine).join(Item)
             .switch(PurchaseOrderLine).join(ItemUnit, pw.JOIN.LEFT_OUTER, on=(PurchaseOrderLine.unit == ItemUnit.id))
             .where(PurchaseOrderLine.id.in_(latest)).tuples())
    return {(item, sup): Decimal(str(cost)) if factor is None and not places
            else price_per_base(Decimal(str(cost)), factor or scale(places), places)
            for item, sup, cost, factor, places in query}


def suggestions(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
                today: dt.date | None = None, weights: dict | None = None) -> Report:
    """What to order, grouped by supplier (rows sorted by supplier then SKU).

    WEIGHTS are the [suppliers] weight_* values used to pick a supplier when the item has no
    preferred one. The period does not apply: suggestions are about the stock position now.
    """
    today = today or _today()
    below = [p for p in positions() if p["projected"] < p["reorder_point"]]
    if not below:
        return [], list(COLUMNS)
    cases, prices = _case_sizes(), _last_prices()
    suppliers = {s.id: s for s in Supplier.select().where(Supplier.active == True)}  # noqa: E712
    delivered = delivered_items()
    ranking = None
    rows = []
    for p in below:
        item = p["item"]
        supplier = suppliers.get(item.preferred_supplier_id)
        if supplier is None:
            candidates = [s for s in delivered.get(item.id, ()) if s in suppliers]
            if candidates:
                ranking = ranking if ranking is not None else scores(**(weights or {}))
                best = sorted(candidates, key=lambda s: (ranking.get(s) is None, -(ranking.get(s) or 0),
                                                         suppliers[s].code))[0]
                supplier = suppliers[best]
        case = cases.get(item.id, 1)
        qty, rule = order_quantity(p["projected"], p["reorder_point"], p["reorder_qty"], p["max_qty"], case)
        cost = prices.get((item.id, supplier.id)) if supplier else None
        cost = money(cost if cost is not None else item.unit_cost)
        rows.append({
            "item_id": item.id, "supplier_id": supplier.id if supplier else None,
            "supplier": supplier.code if supplier else "", "sku": item.sku, "name": item.name,
            "on_hand": p["on_hand"], "on_order": p["on_order"], "allocated": p["allocated"],
            "projected": p["projected"], "reorder_point": p["reorder_point"],
            "max_qty": p["max_qty"], "rule": rule, "case_qty": case, "qty": qty,
            "unit_cost": cost, "value": money(stock_value(qty, item, cost)),
            "expected_date": today + dt.timedelta(days=supplier.lead_time_days) if supplier else None,
        })
    rows.sort(key=lambda r: (r["supplier"] == "", r["supplier"], r["sku"]))
    return rows, list(COLUMNS)


DRAFT_COLUMNS = [N_("po"), N_("supplier"), N_("created"), N_("created_by"), N_("expected_date"), N_("lines"),
                 N_("units"), N_("value")]


def draft_pos() -> Report:
    """Draft purchase orders waiting to be released, oldest first (one GROUP BY)."""
    query = (PurchaseOrder
             .select(PurchaseOrder.number, Supplier.code, PurchaseOrder.created_at, PurchaseOrder.created_by,
                     PurchaseOrder.expected_date, pw.fn.COUNT(PurchaseOrderLine.id),
                     pw.fn.COALESCE(pw.fn.SUM(PurchaseOrderLine.qty_ordered), 0),
                     pw.fn.SUM(line_amount_sql(PurchaseOrderLine.qty_ordered, PurchaseOrderLine.unit_cost,
                                               ItemUnit.factor, Item.decimals)))
             .join(Supplier).switch(PurchaseOrder)
             .join(PurchaseOrderLine, pw.JOIN.LEFT_OUTER)
             .join(Item, pw.JOIN.LEFT_OUTER, on=(PurchaseOrderLine.item == Item.id))
             .switch(PurchaseOrderLine)
             .join(ItemUnit, pw.JOIN.LEFT_OUTER, on=(PurchaseOrderLine.unit == ItemUnit.id))
             .where(PurchaseOrder.status == "draft")
             .group_by(PurchaseOrder.number, Supplier.code, PurchaseOrder.created_at,
                       PurchaseOrder.created_by, PurchaseOrder.expected_date)
             .order_by(PurchaseOrder.created_at, PurchaseOrder.number).tuples())
    rows = [{"po": number, "supplier": sup, "created": as_date(created), "created_by": by,
             "expected_date": as_date(expected), "lines": lines, "units": int(units), "value": money(value)}
            for number, sup, created, by, expected, lines, units, value in query]
    return rows, list(DRAFT_COLUMNS)
