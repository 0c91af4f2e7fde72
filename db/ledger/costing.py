"""Moving-average costing: what a unit of stock costs, and what every movement carries.

The one home of the rule; `db.ledger.post` applies it to every posting, so receiving,
picking and shipping, adjustments, counts, moves, transfers, imports and undo all follow it.

- **Valued stock is usable stock**: units at locations of kind storage, receiving or shipping
  (`USABLE_KINDS`). Quarantine (rejected or held-back goods) and the virtual locations are
  outside: rejected units are not stock we own at their price (ERPNext and SAP do not value
  rejects either), so they never enter the average.
- A movement **enters** usable stock when it goes from outside into a usable location, and
  **leaves** it the other way. A move between two usable places (put-away, pick, relocation)
  or between two places outside (a reject, supplier → quarantine) changes no value.
- **One average per item** (`Item.unit_cost`) across all warehouses, with the value of the
  item's usable stock (`Item.stock_value`). Goods of one item are interchangeable wherever
  they lie, a transfer between warehouses moves units and not value, and one average keeps a
  transfer from changing what the same unit costs.
- What a crossing movement carries (`Movement.unit_cost`), and what it does to the average:
  - a **receipt** or **opening** stock with its own cost (the PO line's price, the import's
    cost) enters at that cost: value += qty × cost, and the average becomes value ÷ units;
  - an **undo** enters or leaves at the cost of the movement it reverses: an undone receipt
    takes out exactly the value it brought in (value −= qty × its cost, average = value ÷ the
    units left). If units issued since carried part of that receipt's cost away, the average
    of what is left moves accordingly (it may even fall below zero); if no unit is left, the
    difference stays as the item's value with no units and the next units to enter take it
    into their average;
  - **everything else** (ship, adjustment, count, scrap, a move into or out of quarantine, a
    transfer leg, a receipt or opening without a cost) moves at the average at that moment,
    value ÷ units (the last average when there are no units), and leaves the average as it is.
- **Per base unit.** Units are the ledger's stored integers (db/core/quantities.py: 1.250 kg
  of an item with 3 decimals is 1250), but a cost is per BASE unit (per kg, per 瓶): a
  movement's value is `quantities.stock_value(qty, decimals, cost)` = qty ÷ 10^decimals ×
  cost, and the average is value ÷ (units ÷ 10^decimals). For an item with 0 decimals that is
  qty × cost and value ÷ units, as it always was. The item's decimals come with the item the
  posting already holds: no extra statement.
- Unit costs and values are kept at 10 decimals, so rounding an average never moves a value
  by a cent: the item's value is the ledger's sum of qty × cost of what entered minus what
  left (exactly for whole units; with decimals each value is rounded at its 10th decimal, a
  drift far below a cent). Amounts are rounded to cents only for display.

Hence, for every item and at every moment: value of purchases kept (receipts minus undone
receipts, at their cost) + value of other entries = value of stock + cost of what left.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from db.core.models import USABLE_KINDS, Item
from db.core.quantities import quantity_decimal, stock_value
from db.core.sql import dialect, execute
from db.ledger import locks

PLACES = Decimal("1E-10")
# Kinds that bring their own cost into stock when the caller gives one: a receipt (the PO
# line's price per base unit), opening stock (the import's cost), and a customer's goods
# coming back (db/returns/customer.py), received straight onto a usable location ("rma") or
# restocked from quarantine after inspection ("restock"): at the cost they left with, so
# shipping and taking back the same units leaves the books as they were.
OWN_COST_KINDS = ("receipt", "opening", "rma", "restock")

# The item's average, value and usable units (its row's columns), read under its lock (see
# `read_state`); the parameters are `state_params()`.
STATE_COLUMNS = ('"unit_cost", "stock_value", (SELECT COALESCE(SUM(b."qty"), 0) FROM "balance" AS b '
                 'JOIN "location" AS l ON b."location_id" = l."id" WHERE b."item_id" = "item"."id" '
                 'AND l."kind" IN (' + ", ".join("?" for _unused in USABLE_KINDS) + '))')
STATE_SQL = f'SELECT {STATE_COLUMNS} FROM "item" WHERE "id" = ?'
# A store from before costing (schema 5) had no stock value: the books said usable units ×
# the item's cost. The upgrade, and the bench's generated store, start from that.
BACKFILL_SQL = ('UPDATE "item" SET "stock_value" = "unit_cost" * (SELECT COALESCE(SUM(b."qty"), 0) '
                'FROM "balance" AS b JOIN "location" AS l ON b."location_id" = l."id" '
                'WHERE b."item_id" = "item"."id" AND l."kind" IN ('
                + ", ".join(f"'{k}'" for k in USABLE_KINDS) + '))')
_SET_SQL = 'UPDATE "item" SET "unit_cost" = ?, "stock_value" = ? WHERE "id" = ?'


@dataclass
class ItemState:
    """An item's costing before a posting: its usable units, their value and the average."""
    units: int
    value: Decimal
    average: Decimal


def exact(value) -> Decimal:
    """A cost or value from either driver (SQLite gives floats) as a 10-decimal Decimal."""
    if value is None:
        return Decimal(0)
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def is_usable(location) -> bool:
    return location.kind in USABLE_KINDS


def direction(from_location, to_location) -> int:
    """+1 when a movement enters usable stock, -1 when it leaves it, 0 when it does neither."""
    src, dst = is_usable(from_location), is_usable(to_location)
    return 0 if src == dst else (1 if dst else -1)


def state_params(item_id: int) -> list:
    return [*USABLE_KINDS, item_id]


def state_from_row(row) -> ItemState:
    average, value, units = row
    return ItemState(int(units or 0), exact(value), exact(average))


def read_state(item_id: int) -> ItemState:
    """The item's costing, read under the item's lock (db/ledger/locks.py; on PostgreSQL the
    lock, if not held yet, and the read go in one round trip): two postings of one item cost
    in turn, each from the one before. SQLite's write transaction already serialises them."""
    row = locks.after_item_lock(item_id, dialect(STATE_SQL), state_params(item_id)).fetchone()
    if row is None:
        raise Item.DoesNotExist(f"Item {item_id} does not exist")
    return state_from_row(row)


def _per_base(value: Decimal, units: int, decimals: int) -> Decimal:
    """VALUE ÷ UNITS stored units, per base unit, to 10 decimals."""
    return (value / quantity_decimal(units, decimals)).quantize(PLACES, rounding=ROUND_HALF_UP)


def average_now(state: ItemState, decimals: int = 0) -> Decimal:
    """What one BASE unit issued now costs: value ÷ units in base units (DECIMALS: the item's
    precision), or the last average with no units."""
    if state.units > 0:
        return _per_base(state.value, state.units, decimals)
    return state.average


def unit_cost_for(kind: str, sign: int, given, state: ItemState, decimals: int = 0) -> Decimal:
    """The cost per base unit a crossing movement of KIND carries (SIGN: +1 enters, -1 leaves
    usable stock), GIVEN being the cost its caller gave (the PO price per base unit; for an
    undo, the original's cost; for a restock, the cost the goods were shipped at)."""
    if given is not None and (kind == "undo" or (sign > 0 and kind in OWN_COST_KINDS)):
        return exact(given)
    return average_now(state, decimals)


def after(state: ItemState, sign: int, qty: int, cost: Decimal, decimals: int = 0) -> ItemState:
    """The item's costing once QTY stored units at COST per base unit entered (SIGN +1) or
    left (-1); DECIMALS is the item's precision."""
    units = state.units + sign * qty
    moved = stock_value(qty, decimals, cost)
    if decimals:
        moved = moved.quantize(PLACES, rounding=ROUND_HALF_UP)   # the value column's 10 decimals
    value = state.value + moved if sign > 0 else state.value - moved
    average = _per_base(value, units, decimals) if units > 0 else state.average
    return ItemState(units, value, average)


def record(item_id: int, new: ItemState) -> None:
    """Write the item's new average and value (in the posting's transaction)."""
    execute(dialect(_SET_SQL), [new.average, new.value, item_id])
