"""What is where: on hand, allocated and available by location and lot."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from db.core.connection import database
from db.masterdata.lookup import get_item, get_location, get_warehouse
from db.core.models import PHYSICAL_KINDS, Balance, Item, Location, Lot, Warehouse
from db.core.quantities import quantity_decimal


def stock(sku: str | None = None, location: str | None = None,
          warehouse: str | None = None) -> list[dict]:
    """One row per item × physical location × lot holding stock, sorted by sku, location, lot."""
    # Plain tuples, not model instances: a whole warehouse is 100,000+ rows, and building five
    # models per row cost seconds (bench/RESULTS.md).
    query = (Balance.select(Item.sku, Item.name, Location.code, Warehouse.code, Location.zone, Lot.code,
                            Lot.expiry, Balance.qty, Balance.allocated, Item.decimals, Item.uom)
             .join(Item).switch(Balance).join(Location).join(Warehouse, pw.JOIN.LEFT_OUTER)
             .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
             .where(Location.kind.in_(PHYSICAL_KINDS), Balance.qty != 0))
    if sku:
        query = query.where(Balance.item == get_item(sku).id)
    if location:
        query = query.where(Balance.location == get_location(location).id)
    if warehouse:
        query = query.where(Location.warehouse == get_warehouse(warehouse).id)
    # The driver's rows as they come (peewee's conversion per value cost more than the query),
    # and each distinct expiry turned into a date once: SQLite returns it as text.
    dates: dict = {None: None}

    def as_date(value):
        day = dates.get(value, _UNSEEN)
        if day is _UNSEEN:
            day = dates[value] = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        return day

    # Quantities in the item's base unit: whole-unit items as ints (as always), items with
    # decimals as exact Decimals (1.250 kg), converted once here at the edge.
    rows = [{"sku": sku_, "name": name, "location": loc, "warehouse": wh or "", "zone": zone, "lot": lot,
             "expiry": as_date(expiry), "on_hand": qty if not dec else shown(qty, dec),
             "allocated": allocated if not dec else shown(allocated, dec),
             "available": qty - allocated if not dec else shown(qty - allocated, dec), "uom": uom}
            for sku_, name, loc, wh, zone, lot, expiry, qty, allocated, dec, uom
            in database.execute(query).fetchall()]
    rows.sort(key=lambda r: (r["sku"], r["location"], r["lot"] or ""))
    return rows


_UNSEEN = object()

STOCK_COLUMNS = ["sku", "name", "location", "warehouse", "zone", "lot", "expiry",
                 "on_hand", "allocated", "available", "uom"]


def shown(stored: int, decimals: int):
    """A stored quantity in base units: an int for whole-unit items, else the exact Qty."""
    return stored if not decimals else quantity_decimal(stored, decimals)
