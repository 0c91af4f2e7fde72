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


def test_upgrade_to_version_5_values_the_stock_the_books_held(store):
    """Schema 5 (costing): each item's stock value starts as usable units × its cost then,
    quarantine left out; unit costs take 10 decimals on PostgreSQL; the flow summary gets its
    value column and is rebuilt."""
    from decimal import Decimal
    from db.core.models import Item
    from db.ledger import flow_summary
    it = f.item("A1", cost="2.50")
    f.give_stock(it, f.location("A-01"), 4)
    f.give_stock(it, f.location("QA", kind="quarantine"), 3)
    # The columns of schema 5 and 7 gone, as in a store of version 3 whose items movements
    # refer to (SQLite: adding a NOT NULL column must not rebuild the item table).
    gone = [("item", "stock_value"), ("usable_flow_day", "value"), ("item", "decimals")]
    if is_postgres():     # SQLite cannot drop a column with a foreign key
        gone += [("purchase_order_line", "unit_id"), ("sales_order_line", "unit_id")]
    for table, column in gone:
        database.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    SchemaVersion.delete().where(SchemaVersion.version > 3).execute()
    if not SchemaVersion.select().where(SchemaVersion.version == 3).exists():
        SchemaVersion.create(version=3)
    assert init_schema() == CURRENT_VERSION
    # 4 usable units × 2.50 = 10.00; the 3 in quarantine are not valued.
    assert Item.get_by_id(it.id).stock_value == Decimal("10.00")
    Item.update(unit_cost=Decimal("1.1234567891")).where(Item.id == it.id).execute()
    assert Item.get_by_id(it.id).unit_cost == Decimal("1.1234567891")
    assert flow_summary.refresh() is (not is_postgres())


def test_upgrade_from_the_version_before_units_keeps_every_movement_and_balance(store):
    """A store of schema 6 (before units): no item precision, no units table, order lines with
    no unit. `wh init` brings it to the current schema and every quantity keeps its meaning."""
    from db.core.models import Balance, Item, ItemUnit
    from db.masterdata import set_unit
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 7)
    post(Posting(item=it, qty=3, from_location=a, to_location=b, kind="move", operator="W1"))
    before = sorted(Movement.select(Movement.id, Movement.qty, Movement.kind).tuples())
    balances = sorted(Balance.select(Balance.location, Balance.qty).tuples())
    gone = [("item", "decimals")]
    if is_postgres():     # SQLite cannot drop a column with a foreign key
        gone += [("purchase_order_line", "unit_id"), ("sales_order_line", "unit_id")]
    for table, column in gone:
        database.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    if is_postgres():
        database.execute_sql('DROP TABLE "item_unit"')
    SchemaVersion.delete().where(SchemaVersion.version > 6).execute()
    if not SchemaVersion.select().where(SchemaVersion.version == 6).exists():
        SchemaVersion.create(version=6)
    assert init_schema() == CURRENT_VERSION
    assert sorted(Movement.select(Movement.id, Movement.qty, Movement.kind).tuples()) == before
    assert sorted(Balance.select(Balance.location, Balance.qty).tuples()) == balances
    assert (a.id, 4) in balances and (b.id, 3) in balances
    assert Item.get_by_id(it.id).decimals == 0 and verify().consistent
    set_unit("A1", "case", "6")                      # the new table works on the upgraded store
    assert ItemUnit.get().factor == 6
