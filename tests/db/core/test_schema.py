"""`wh init`: a fresh store and an upgraded one end with the same schema, on both backends."""
import pytest

from db.core.connection import database, is_postgres
from db.core.errors import RuleViolation
from db.ledger.posting import Posting, post, reverse, verify
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine, SchemaVersion
from db.core.schema import CURRENT_VERSION, MIGRATIONS, current_version, init_schema
from tests import factories as f


def movement_indexes() -> dict[str, str]:
    if is_postgres():
        rows = database.execute_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'movement' "
            "AND schemaname = current_schema()").fetchall()
    else:
        rows = database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'movement' "
            "AND sql IS NOT NULL").fetchall()
    return {name: " ".join(sql.replace("IF NOT EXISTS ", "").split()) for name, sql in rows}


def make_it_a_version_2_store() -> None:
    """The movement indexes as schema version 2 had them, and its version stamp."""
    for column, unique in (("lot_id", ""), ("po_line_id", ""), ("so_line_id", ""), ("reverses_id", "UNIQUE ")):
        database.execute_sql(f'DROP INDEX "movement_{column}"')
        database.execute_sql(f'CREATE {unique}INDEX "movement_{column}" ON "movement" ("{column}")')
    database.execute_sql('CREATE INDEX "movement_item_id" ON "movement" ("item_id")')
    SchemaVersion.delete().where(SchemaVersion.version > 2).execute()
    if not SchemaVersion.select().where(SchemaVersion.version == 2).exists():
        SchemaVersion.create(version=2)


def test_fresh_store_has_the_current_version_and_partial_indexes(store):
    assert current_version() == CURRENT_VERSION == max(MIGRATIONS)
    indexes = movement_indexes()
    assert "movement_item_id" not in indexes
    for column in ("lot_id", "po_line_id", "so_line_id", "reverses_id"):
        assert "IS NOT NULL" in indexes[f"movement_{column}"], indexes[f"movement_{column}"]
    assert "UNIQUE" in indexes["movement_reverses_id"]
    assert "item_id" in indexes["movement_item_id_created_at"]


def test_upgrade_from_version_2_gives_the_fresh_schema_and_keeps_the_rules(store):
    fresh = movement_indexes()
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 5)
    moved = post(Posting(item=it, qty=2, from_location=a, to_location=b, kind="move", operator="W1"))
    make_it_a_version_2_store()
    assert current_version() == 2 and movement_indexes() != fresh
    assert init_schema() == CURRENT_VERSION
    assert current_version() == CURRENT_VERSION
    assert movement_indexes() == fresh
    assert init_schema() == CURRENT_VERSION          # idempotent
    # The data is all there, and the unique partial index still refuses a second undo.
    reverse(moved.id, operator="W1")
    with pytest.raises(RuleViolation, match="already undone"):
        reverse(moved.id, operator="W1")
    assert verify().consistent and Movement.select().count() == 3


def test_upgrade_to_version_6_adds_the_shelf_life_and_undone_short_columns(store):
    from db.core.models import Item, PickShortage
    it = f.item("A1")
    for table, column in (("item", "min_shelf_life_days"), ("pick_shortage", "undone_at")):
        database.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=3)
    assert "min_shelf_life_days" not in {c.name for c in database.get_columns("item")}
    assert init_schema() == CURRENT_VERSION
    assert "undone_at" in {c.name for c in database.get_columns("pick_shortage")}
    assert Item.get_by_id(it.id).min_shelf_life_days == 0      # old items: no minimum
    assert PickShortage.select().count() == 0


def test_look_ups_by_order_line_and_lot_use_the_partial_indexes(store):
    it = f.item("A1")
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier())
    line = PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=5)
    post(Posting(item=it, qty=5, from_location=f.virtual("supplier"), to_location=f.location("A-01"),
                 kind="receipt", operator="W1", po_line=line))
    for column, value in (("po_line_id", line.id), ("lot_id", 1), ("reverses_id", 1)):
        if is_postgres():
            with database.atomic():
                database.execute_sql("SET LOCAL enable_seqscan = off")
                plan = " ".join(r[0] for r in database.execute_sql(
                    f'EXPLAIN SELECT id FROM movement WHERE "{column}" = %s', [value]).fetchall())
        else:
            plan = " ".join(str(r[-1]) for r in database.execute_sql(
                f'EXPLAIN QUERY PLAN SELECT id FROM movement WHERE "{column}" = ?', [value]).fetchall())
        assert f"movement_{column}" in plan, plan
    assert Movement.select().where(Movement.po_line == line.id).count() == 1
