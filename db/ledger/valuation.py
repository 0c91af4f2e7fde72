"""Values and quantities summed in SQL, brought to the base unit: the one home of that scaling
for reports and summaries.

Stored quantities are integers of each item's smallest unit and costs are per BASE unit
(db/core/quantities.py), so a value is stored qty ÷ 10^decimals × cost. Summing that division
row by row in SQL would turn SQLite's exact integer sums into floats for every item; instead
SQL sums the raw stored qty × cost per item (or per group of one precision) and Python divides
once, exactly, for the few items that have decimals. An item with 0 decimals reads as before.
"""
from __future__ import annotations

from decimal import Decimal

from db.core.models import Item
from db.core.quantities import quantity_decimal


def as_decimal(value) -> Decimal:
    """A sum from either driver (SQLite gives floats) as a Decimal, not rounded."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def decimals_by_item() -> dict[int, int]:
    """Item id -> decimals, for the items that have any (one query; most stores: none)."""
    from db.core.connection import database
    query = Item.select(Item.id, Item.decimals).where(Item.decimals != 0)
    return dict(database.execute(query).fetchall())


def whole_units_only() -> bool:
    """No item has decimals and none has named units: every sum reads as it always did, and a
    report may skip the joins that scale them (two look-ups of a row each)."""
    from db.core.models import ItemUnit
    return not Item.select().where(Item.decimals != 0).exists() and not ItemUnit.select().exists()


def per_base(raw, decimals: int) -> Decimal:
    """RAW = Σ stored qty × cost per base unit, as the value: RAW ÷ 10^decimals, exact."""
    value = as_decimal(raw)
    return value.scaleb(-decimals) if decimals else value


def base_quantity(stored, decimals: int):
    """A stored quantity as a report shows it in the base unit: an int for a whole-unit item
    (as before), the exact Decimal with the item's decimals otherwise (`Decimal('1.250')`, so a
    CSV shows 1.250 and a column lines up). Sums of these stay exact."""
    if not decimals:
        return int(stored or 0)
    return quantity_decimal(int(stored or 0), decimals)


def scale_values(rows: dict[int, tuple], positions: tuple[int, ...]) -> dict[int, tuple]:
    """ROWS (item id -> tuple) with the raw values at POSITIONS brought to the base unit."""
    scaled = decimals_by_item()
    if not scaled:
        return rows
    out = dict(rows)
    for item, d in scaled.items():
        row = out.get(item)
        if row is not None:
            out[item] = tuple(per_base(v, d) if n in positions else v for n, v in enumerate(row))
    return out


# --- the same in SQL, for sums grouped by something other than the item --------------------
# A row of an item with 0 decimals (and a line in its base unit) is summed as before, qty ×
# price; only the others are divided, in SQL, by their 10^decimals or their unit's factor.

def scale_sql(decimals):
    """SQL: 10^DECIMALS (an Item.decimals column) as a number."""
    import peewee as pw
    return pw.Case(decimals, [(1, 10), (2, 100), (3, 1000)], 1)


def value_sql(qty, cost, decimals):
    """SQL: the value of stored QTY at COST per base unit of an item of DECIMALS (columns)."""
    import peewee as pw
    return pw.Case(None, [(decimals == 0, qty * cost)], qty * cost / (scale_sql(decimals) * 1.0))


def line_amount_sql(qty, price, unit_factor, decimals):
    """SQL: db.core.quantities.line_amount of an order line: stored QTY at PRICE per the line's
    unit, UNIT_FACTOR being its ItemUnit.factor (NULL: the base unit, 10^DECIMALS)."""
    import peewee as pw
    divisor = pw.fn.COALESCE(unit_factor, scale_sql(decimals))
    return pw.Case(None, [(divisor == 1, qty * price)], qty * price / (divisor * 1.0))
