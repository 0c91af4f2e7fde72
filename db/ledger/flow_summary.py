"""A summary of the ledger for reports: net units into usable locations per item and day.

Why: turnover needs the usable stock of every item at both ends of a period, i.e. the net
flow since the period started. On 5 million movements that meant reading ~650,000 movements
of the last 90 days per run (about a second on its own); the summary holds one row per item
and day that saw goods enter or leave usable stock (~140,000 rows for those 90 days), and no
join (bench/RESULTS.md).

How it stays right: movements are never updated or deleted, so the summary is brought up to
date incrementally, from the last movement id it has seen, each time a report asks for it
(`refresh`). On SQLite that is exact: writers are serialised, so every movement id below the
newest one is committed. On PostgreSQL ids can commit out of order, so there the summary is
not used and reports read the movements (`refresh` returns False). "Usable" follows the
location kinds (db.core.models.USABLE_KINDS); when the set of non-usable locations
changes (a new quarantine, a kind changed by an import), the summary is rebuilt from scratch.

`recompute_usable_flow()` is the full recomputation the tests compare it with.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from db.core.connection import database, is_postgres, write_transaction
from db.core.models import USABLE_KINDS, BaseModel, Item, Location, Movement, UnitCost



class UsableFlowDay(BaseModel):
    """Net units of ITEM that entered usable locations on DAY (negative: left them), and the
    net value they carried (stored qty × each movement's unit cost per base unit, db/ledger/
    costing.py: RAW, not divided by 10^decimals; `usable_changes_since` divides per item, so
    the summary needs no join and whole-unit items stay exact integers × costs)."""
    day = pw.DateField()
    item = pw.ForeignKeyField(Item, backref="+", on_delete="CASCADE", index=False)
    qty = pw.IntegerField(default=0)
    value = UnitCost(default=0, constraints=[pw.SQL("DEFAULT 0")])     # schema version 5

    class Meta:
        table_name = "usable_flow_day"
        # Stored in (day, item) order: a period is one sequential range.
        primary_key = pw.CompositeKey("day", "item")

    @classmethod
    def create_table(cls, safe=True, **options):
        # Clustered by its key on SQLite; PostgreSQL has no WITHOUT ROWID (and does not use
        # the summary).
        cls._meta.without_rowid = not is_postgres()
        super().create_table(safe=safe, **options)


class UsableFlowState(BaseModel):
    """How far the summary got: the last movement id summed, and which locations were not
    usable then (ids, comma-separated)."""
    last_movement = pw.IntegerField(default=0)
    not_usable = pw.TextField(default="")

    class Meta:
        table_name = "usable_flow_state"


MODELS = [UsableFlowDay, UsableFlowState]


def _not_usable_ids() -> list[int]:
    return [i for (i,) in Location.select(Location.id).where(Location.kind.not_in(USABLE_KINDS))
            .order_by(Location.id).tuples()]


def _crossing_delta(ids: list[int]) -> tuple[str, str]:
    """SQL: the signed quantity of a movement into usable stock, and the condition that it
    crosses between usable and not usable (a move between two shelves changes nothing)."""
    inside = ", ".join(str(i) for i in ids) or "NULL"
    delta = f'CASE WHEN "to_location_id" IN ({inside}) THEN -"qty" ELSE "qty" END'
    crossing = f'(("to_location_id" IN ({inside})) <> ("from_location_id" IN ({inside})))'
    return delta, crossing


def value_delta(delta: str) -> str:
    """SQL: the value a crossing movement of signed quantity DELTA brought into usable stock,
    in stored units × cost per base unit (scaled per item when read, db/ledger/valuation.py)."""
    return f'({delta}) * COALESCE("unit_cost", 0)'


def refresh() -> bool:
    """Add the movements posted since the last refresh. False where the summary is not used
    (PostgreSQL), True when it is up to date."""
    if is_postgres():
        return False
    ids = _not_usable_ids()
    fingerprint = ",".join(str(i) for i in ids)
    newest = Movement.select(pw.fn.MAX(Movement.id)).scalar() or 0
    state = UsableFlowState.select().order_by(UsableFlowState.id).first()
    if state is not None and state.not_usable == fingerprint and state.last_movement == newest:
        return True     # nothing new: no write transaction
    with write_transaction():
        state = UsableFlowState.select().order_by(UsableFlowState.id).first()
        if state is None:
            state = UsableFlowState.create(last_movement=0, not_usable=fingerprint)
        if state.not_usable != fingerprint:
            UsableFlowDay.delete().execute()
            state.last_movement, state.not_usable = 0, fingerprint
        newest = Movement.select(pw.fn.MAX(Movement.id)).scalar() or 0
        if newest > state.last_movement:
            delta, crossing = _crossing_delta(ids)
            database.execute_sql(
                f'INSERT INTO "usable_flow_day" ("item_id", "day", "qty", "value") '
                f'SELECT "item_id", DATE("created_at"), SUM({delta}), SUM({value_delta(delta)}) FROM "movement" '
                f'WHERE "id" > ? AND "id" <= ? AND {crossing} GROUP BY "item_id", DATE("created_at") '
                f'ON CONFLICT ("day", "item_id") DO UPDATE SET "qty" = "qty" + excluded."qty", '
                f'"value" = "value" + excluded."value"',
                [state.last_movement, newest])
            state.last_movement = newest
        state.save()
    return True


def usable_changes_since(first: dt.date, second: dt.date | None, *, values: bool = False) -> dict[int, tuple]:
    """Item id -> (net units into usable stock from the start of day FIRST on, and from the
    start of day SECOND on), from the summary; with VALUES, then the net value that came in
    over each (floats on SQLite). Call `refresh()` first."""
    later = "SUM(CASE WHEN \"day\" >= ? THEN \"qty\" ELSE 0 END)" if second else "0"
    later_value = "SUM(CASE WHEN \"day\" >= ? THEN \"value\" ELSE 0 END)" if second else "0"
    params = ([second.isoformat()] if second else [])
    columns = f'SUM("qty"), {later}'
    if values:
        columns += f', SUM("value"), {later_value}'
        params = params * 2
    rows = database.execute_sql(
        f'SELECT "item_id", {columns} FROM "usable_flow_day" WHERE "day" >= ? '
        f'GROUP BY "item_id"', params + [first.isoformat()]).fetchall()
    if values:
        from db.ledger.valuation import scale_values
        return scale_values({item: (int(a or 0), int(b or 0), v or 0, w or 0) for item, a, b, v, w in rows},
                            (2, 3))
    return {item: (int(a or 0), int(b or 0)) for item, a, b in rows}


def recompute_usable_flow() -> dict[tuple[int, str], int]:
    """(item id, day) -> net units into usable stock, straight from the movements (zero days
    left out): what the summary must hold."""
    delta, crossing = _crossing_delta(_not_usable_ids())
    rows = database.execute_sql(
        f'SELECT "item_id", DATE("created_at"), SUM({delta}) FROM "movement" WHERE {crossing} '
        f'GROUP BY "item_id", DATE("created_at")').fetchall()
    return {(item, str(day)): int(q) for item, day, q in rows if q}


def summary_rows() -> dict[tuple[int, str], int]:
    """What the summary holds, in the shape of `recompute_usable_flow` (zero days left out)."""
    return {(item, str(day)): q for item, day, q in
            database.execute_sql('SELECT "item_id", "day", "qty" FROM "usable_flow_day"').fetchall() if q}
