"""What is where: on hand, allocated and available by location and lot."""
from __future__ import annotations

import peewee as pw

from .lookup import get_item, get_location, get_warehouse
from .models import PHYSICAL_KINDS, Balance, Item, Location, Lot, Warehouse


def stock(sku: str | None = None, location: str | None = None,
          warehouse: str | None = None) -> list[dict]:
    """One row per item × physical location × lot holding stock, sorted by sku, location, lot."""
    query = (Balance.select(Balance, Item, Location, Lot, Warehouse)
             .join(Item).switch(Balance).join(Location).join(Warehouse, pw.JOIN.LEFT_OUTER)
             .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
             .where(Location.kind.in_(PHYSICAL_KINDS), Balance.qty != 0))
    if sku:
        query = query.where(Balance.item == get_item(sku).id)
    if location:
        query = query.where(Balance.location == get_location(location).id)
    if warehouse:
        query = query.where(Location.warehouse == get_warehouse(warehouse).id)
    rows = []
    for b in query:
        lot = b.lot if b.lot_id else None
        rows.append({
            "sku": b.item.sku, "name": b.item.name, "location": b.location.code,
            "warehouse": b.location.warehouse.code if b.location.warehouse_id else "",
            "zone": b.location.zone, "lot": lot.code if lot else None,
            "expiry": lot.expiry if lot else None, "on_hand": b.qty, "allocated": b.allocated,
            "available": b.qty - b.allocated,
        })
    rows.sort(key=lambda r: (r["sku"], r["location"], r["lot"] or ""))
    return rows


STOCK_COLUMNS = ["sku", "name", "location", "warehouse", "zone", "lot", "expiry",
                 "on_hand", "allocated", "available"]
