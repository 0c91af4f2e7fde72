"""Stock alerts: items whose stock position is below the reorder point or above the maximum.

Stock position ("projected") = on hand + on order - allocated, where
- on hand   = usable units (storage, receiving and shipping locations; not quarantine);
- on order  = for PO lines of draft, open or partial POs (line not cancelled):
              qty_ordered - qty_received - qty_rejected, never below 0;
- allocated = units promised to customers and not yet shipped: for SO lines of open,
              picking or picked SOs, qty_ordered - qty_shipped, never below 0. Picked units
              still sit at the shipping location (in on hand) and stay allocated until they
              ship, so they count on both sides and cancel out.
An item is "below reorder point" when projected < reorder_point; "above max" when max_qty > 0
and the stock it holds (on hand - allocated) is over max_qty; "on order over max" when that
stock is within the max but what is on order will take it over (a warning about an order,
not an overstock of stock that is not there yet). Only active items are checked.
"""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from operator import itemgetter

import peewee as pw

from db.core.models import Item, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from db.core.statuses import ON_ORDER_PO_STATUSES, OPEN_SO_STATUSES
from db.reports.common import N_, Report, fetch, usable_on_hand


BELOW = N_("below reorder point")      # data (CSV, JSON); translated where shown
ABOVE = N_("above max")
ON_ORDER_OVER = N_("on order over max")

COLUMNS = [N_("sku"), N_("name"), N_("alert"), N_("on_hand"), N_("on_order"), N_("allocated"),
           N_("projected"), N_("reorder_point"), N_("max_qty"), N_("gap"), N_("abc_class")]


def on_order() -> dict[int, int]:
    """Item id -> units still expected from open purchase orders."""
    remaining = PurchaseOrderLine.qty_ordered - PurchaseOrderLine.qty_received - PurchaseOrderLine.qty_rejected
    query = (PurchaseOrderLine
             .select(PurchaseOrderLine.item,
                     pw.fn.SUM(pw.Case(None, [(remaining > 0, remaining)], 0)))
             .join(PurchaseOrder)
             .where(PurchaseOrder.status.in_(ON_ORDER_PO_STATUSES),
                    PurchaseOrderLine.status != "cancelled")
             .group_by(PurchaseOrderLine.item).tuples())
    return {item: int(q or 0) for item, q in query}


def allocated() -> dict[int, int]:
    """Item id -> units ordered by customers on open sales orders and not yet shipped."""
    remaining = SalesOrderLine.qty_ordered - SalesOrderLine.qty_shipped
    query = (SalesOrderLine
             .select(SalesOrderLine.item,
                     pw.fn.SUM(pw.Case(None, [(remaining > 0, remaining)], 0)))
             .join(SalesOrder)
             .where(SalesOrder.status.in_(OPEN_SO_STATUSES))
             .group_by(SalesOrderLine.item).tuples())
    return {item: int(q or 0) for item, q in query}


# What positions() keeps of each item (unit_cost is a float on SQLite: pass it through money()).
ItemRow = namedtuple("ItemRow", "id sku name unit_cost reorder_point reorder_qty max_qty abc_class "
                                "preferred_supplier_id")


def positions() -> list[dict]:
    """The stock position of every active item, in SKU order (four set-based queries)."""
    hand, ordered, promised = usable_on_hand(), on_order(), allocated()
    rows = []
    # Named tuples with the columns used here and by reorder, not Item models: 100,000 items
    # as models cost over a second (bench/RESULTS.md).
    items = fetch(Item.select(Item.id, Item.sku, Item.name, Item.unit_cost, Item.reorder_point, Item.reorder_qty,
                              Item.max_qty, Item.abc_class, Item.preferred_supplier)
                  .where(Item.active == True).order_by(Item.sku))  # noqa: E712
    for item in map(ItemRow._make, items):
        h, o, a = hand.get(item.id, 0), ordered.get(item.id, 0), promised.get(item.id, 0)
        rows.append({"item": item, "item_id": item.id, "sku": item.sku, "name": item.name,
                     "on_hand": h, "on_order": o, "allocated": a, "projected": h + o - a,
                     "reorder_point": item.reorder_point, "max_qty": item.max_qty,
                     "reorder_qty": item.reorder_qty, "abc_class": item.abc_class or ""})
    return rows


def classify(projected: int, reorder_point: int, max_qty: int, on_order: int = 0) -> tuple[str, int] | None:
    """(alert, gap) for an item's stock position, or None. GAP is how far the line is crossed."""
    if projected < reorder_point:
        return BELOW, reorder_point - projected
    if max_qty > 0 and projected > max_qty:
        held = projected - on_order
        return (ABOVE, held - max_qty) if held > max_qty else (ON_ORDER_OVER, projected - max_qty)
    return None


def alerts(date_from: dt.date | None = None, date_to: dt.date | None = None) -> Report:
    """Current alerts, shortages first (then the overstocks and orders over the max, by SKU).
    The period does not apply: an alert is about now."""
    hand, ordered, promised = usable_on_hand(), on_order(), allocated()
    # Not positions(): about half the items raise an alert, and a row per item of 100,000
    # (plus the columns reorder needs) cost most of the report's time. Plain tuples, only
    # the columns shown, in table order (sorted below, cheaper than ORDER BY sku in SQL).
    items = fetch(Item.select(Item.id, Item.sku, Item.name, Item.reorder_point, Item.max_qty, Item.abc_class)
                  .where(Item.active == True))  # noqa: E712
    below, above = [], []
    for item_id, sku, name, reorder_point, max_qty, abc_class in items:
        h, o, a = hand.get(item_id, 0), ordered.get(item_id, 0), promised.get(item_id, 0)
        projected = h + o - a
        flag = classify(projected, reorder_point, max_qty, o)
        if flag:
            (below if flag[0] == BELOW else above).append(
                {"sku": sku, "name": name, "on_hand": h, "on_order": o, "allocated": a,
                 "projected": projected, "reorder_point": reorder_point, "max_qty": max_qty,
                 "abc_class": abc_class or "", "alert": flag[0], "gap": flag[1]})
    below.sort(key=itemgetter("sku"))
    above.sort(key=itemgetter("sku"))
    return below + above, list(COLUMNS)
