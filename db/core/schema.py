"""Create or upgrade the schema. `wh init` calls `init_schema`; it is idempotent.

Versioning: SchemaVersion holds the highest migration applied. A fresh store gets every
table at the current shape and is stamped with CURRENT_VERSION. An older store is brought up
step by step with playhouse.migrate, one function per version in MIGRATIONS.
"""
from __future__ import annotations

import importlib
from typing import Callable

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from db.core.connection import database, write_transaction
from db.core.models import VIRTUAL_CODES, ItemUnit, Location, Money, ReasonCode, SchemaVersion

# Modules that define models; each has a MODELS list. Add a module here to add its tables.
MODEL_MODULES = ["db.core.models", "db.counts.models", "db.sales.claiming", "db.offline.exceptions", "db.ledger.flow_summary",
                 "db.returns.models", "db.money.models"]

# version -> function(migrator) applying that step with playhouse.migrate.
MIGRATIONS: dict[int, Callable] = {
    # 2: movements by kind and date, for the reports (create_tables may have made it already).
    2: lambda m: [m.sql('CREATE INDEX IF NOT EXISTS "movement_kind_created_at" '
                        'ON "movement" ("kind", "created_at")')],
    # 3: fewer index pages written per posting: none on item alone ((item, created_at) serves),
    # and the lot, order line and undo indexes leave out the movements without one.
    3: lambda m: [m.sql('DROP INDEX IF EXISTS "movement_item_id"')] + [
        statement for column, unique in (("lot_id", ""), ("po_line_id", ""), ("so_line_id", ""),
                                         ("reverses_id", "UNIQUE "))
        for statement in (m.sql(f'DROP INDEX IF EXISTS "movement_{column}"'),
                          m.sql(f'CREATE {unique}INDEX "movement_{column}" ON "movement" ("{column}") '
                                f'WHERE ("{column}" IS NOT NULL)'))],
    # 5: costing (db/ledger/costing.py): unit costs at 10 decimals, each item's stock value
    # (what the books said so far: usable units × cost), and the flow summary's value column
    # (rebuilt from the ledger on its next use).
    5: lambda m: _costing_step(m),
    # 6: an item's minimum remaining shelf life at receipt, and a short pick the picker undid.
    6: lambda m: _add_missing_columns(m, [("item", "min_shelf_life_days",
                                           pw.IntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")])),
                                          ("pick_shortage", "undone_at", pw.DateTimeField(null=True))]),
    # 7: units of measure (issue 18): an item's precision, and the unit of an order line. The
    # item_unit table itself is made by create_tables. Existing quantities are whole units of
    # items with 0 decimals, so every movement and balance keeps its meaning unchanged.
    7: lambda m: _add_missing_columns(m, [
        ("item", "decimals", pw.IntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")])),
        ("purchase_order_line", "unit_id", pw.ForeignKeyField(ItemUnit, field=ItemUnit.id, null=True, index=False,
                                                  on_delete="SET NULL")),
        ("sales_order_line", "unit_id", pw.ForeignKeyField(ItemUnit, field=ItemUnit.id, null=True, index=False,
                                                  on_delete="SET NULL")),
    ]),
    # 8: returns both ways (return_document, return_line): new tables, made by create_tables
    # before any step runs; nothing of an older table changes.
    8: lambda m: [],
    # 9: money: payment terms per supplier and customer, a customer's credit limit (the money
    # tables themselves are new, made by create_tables).
    9: lambda m: _add_missing_columns(m, [
        ("supplier", "terms_days", pw.IntegerField(null=True)),
        ("customer", "terms_days", pw.IntegerField(null=True)),
        ("customer", "credit_limit", Money(default=0, constraints=[pw.SQL("DEFAULT 0")])),
    ]),
}

def _add_missing_columns(m, columns) -> list:
    """Only the columns a store lacks: a store whose older version stamp understates its shape
    (a test's, or one whose upgrade was interrupted) still upgrades."""
    operations = []
    for table, column, field in columns:
        if column in {c.name for c in database.get_columns(table)}:
            continue
        if isinstance(m, SqliteMigrator) and not field.null and field.default is not None:
            # One ALTER with its default: peewee adds a NOT NULL column to SQLite by rebuilding
            # the table, which the other tables' foreign keys refuse once rows refer to it.
            kind = database.get_context_options()["field_types"].get(field.field_type, field.field_type)
            operations.append(m.sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind} NOT NULL '
                                    f'DEFAULT {field.default!r}'))
        else:
            operations.append(m.add_column(table, column, field))
    return operations


# Issues add migrations under numbers of their own; the store's version is the highest.
CURRENT_VERSION = max(MIGRATIONS)

DEFAULT_REASONS = [
    ("DAMAGED", "Damaged goods", "reject"),
    ("WRONG-ITEM", "Wrong item delivered", "reject"),
    ("EXPIRED", "Expired or short-dated", "reject"),
    ("QUALITY", "Failed quality check", "reject"),
    ("LOSS", "Lost or stolen", "adjust"),
    ("FOUND", "Found stock", "adjust"),
    ("BREAKAGE", "Broken in the warehouse", "adjust"),
    ("COUNT", "Cycle count variance", "count"),
    ("MISCOUNT", "Earlier miscount corrected", "count"),
    ("SHORT", "Short pick: not on the shelf", "short"),
]


def _costing_step(m) -> list:
    from db.core.models import Item, Movement
    from db.ledger import costing
    steps = []
    if isinstance(m, PostgresqlMigrator):
        steps += [m.alter_column_type("item", "unit_cost", Item.unit_cost),
                  m.alter_column_type("movement", "unit_cost", Movement.unit_cost)]
    numeric = "NUMERIC(24, 10)" if isinstance(m, PostgresqlMigrator) else "DECIMAL(24, 10)"
    # create_tables may just have made a table at its new shape: add only what is missing.
    have = {t: {c.name for c in database.get_columns(t)} for t in ("item", "usable_flow_day")}
    if "stock_value" not in have["item"]:
        # One ALTER, not peewee's add-then-set-NOT-NULL: on SQLite that rebuilds the table,
        # which every other table's foreign keys refuse.
        steps.append(m.sql(f'ALTER TABLE "item" ADD COLUMN "stock_value" {numeric} NOT NULL DEFAULT 0'))
    steps.append(m.sql(costing.BACKFILL_SQL))
    if "value" not in have["usable_flow_day"]:
        steps.append(m.sql(f'ALTER TABLE "usable_flow_day" ADD COLUMN "value" {numeric} NOT NULL DEFAULT 0'))
    return steps + [m.sql('DELETE FROM "usable_flow_day"'), m.sql('DELETE FROM "usable_flow_state"')]


def all_models() -> list[type[pw.Model]]:
    models: list[type[pw.Model]] = []
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        models.extend(getattr(module, "MODELS", getattr(module, "CORE_MODELS", [])))
    return models


def migrator():
    if isinstance(database.obj, pw.PostgresqlDatabase):
        return PostgresqlMigrator(database.obj)
    return SqliteMigrator(database.obj)


def current_version() -> int:
    if not SchemaVersion.table_exists():
        return 0
    row = SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar()
    return row or 0


def init_schema() -> int:
    """Create missing tables, apply pending migrations and seed the fixed rows. Returns the version."""
    fresh = current_version() == 0
    with database.atomic():
        database.create_tables(all_models(), safe=True)
        version = current_version()
        if fresh:
            SchemaVersion.create(version=CURRENT_VERSION)
            version = CURRENT_VERSION
        for step in sorted(v for v in MIGRATIONS if v > version):
            with database.atomic():
                migrate(*MIGRATIONS[step](migrator()))
                SchemaVersion.create(version=step)
            version = step
        _seed_fixed_rows()
    return version


def _seed_fixed_rows() -> None:
    with write_transaction():
        for kind, code in VIRTUAL_CODES.items():
            if not Location.select().where(Location.code == code).exists():
                Location.create(code=code, kind=kind, zone="", warehouse=None, pick_sequence=0)
        for code, description, kind in DEFAULT_REASONS:
            if not ReasonCode.select().where(ReasonCode.code == code).exists():
                ReasonCode.create(code=code, description=description, kind=kind)
