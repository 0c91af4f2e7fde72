"""db/core/sql.py: the look-ups and prepared statements a posting's hot path uses give what
peewee's own queries give, on both stores, and survive a reconnect."""
from decimal import Decimal

import pytest

from db.core.connection import database
from db.core.models import Item, Location, Operator, Supplier
from db.core.sql import execute, row_by, rows_by
from tests import factories as f


def _same(a, b):
    assert type(a) is type(b)
    assert a.__data__ == b.__data__


def test_row_by_equals_get_or_none(store):
    f.warehouse()
    f.location("A-01")
    f.item("SKU-1", cost=Decimal("2.5"))
    f.operator("W1")
    _same(row_by(Item, "sku", "SKU-1"), Item.get(Item.sku == "SKU-1"))
    _same(row_by(Location, "code", "A-01"), Location.get(Location.code == "A-01"))
    assert row_by(Item, "sku", "NOPE") is None
    assert row_by(Item, "sku", "SKU-1")._dirty == set()


def test_rows_by_reads_several_in_one_statement(store):
    f.warehouse()
    f.supplier("SUP1")
    f.item("SKU-1")
    f.operator("W1")
    taken, op, item, sup, missing = rows_by(
        [(Operator, "code", "W1"), (Item, "sku", "SKU-1"), (Supplier, "code", "SUP1"), (Item, "sku", "NOPE")],
        "SELECT 7 WHERE 1 = ?", [1])
    assert taken == 7
    _same(op, Operator.get(Operator.code == "W1"))
    _same(item, Item.get(Item.sku == "SKU-1"))
    _same(sup, Supplier.get(Supplier.code == "SUP1"))
    assert missing is None


def test_prepared_statement_survives_a_new_connection(store):
    f.warehouse()
    f.item("SKU-1")
    sql = 'SELECT "sku" FROM "item" WHERE "sku" = ' + database.param
    assert execute(sql, ["SKU-1"]).fetchone() == ("SKU-1",)
    database.close()
    database.connect()
    assert execute(sql, ["SKU-1"]).fetchone() == ("SKU-1",)
    assert execute(sql, ["NOPE"]).fetchone() is None


def test_rows_read_directly_behave_like_peewee_instances(store):
    f.warehouse()
    f.location("A-01")
    f.item("SKU-1")
    loc = row_by(Location, "code", "A-01")
    assert loc.warehouse.code == Location.get(Location.code == "A-01").warehouse.code   # lazy FK
    item = row_by(Item, "sku", "SKU-1")
    item.name = "Renamed"
    assert item._dirty == {"name"}
    assert item.save() == 1
    assert Item.get(Item.sku == "SKU-1").name == "Renamed"
    assert row_by(Item, "sku", "SKU-1") == item            # same model, same primary key


def test_execute_after_runs_both_and_holds_the_first_statements_lock(store):
    """`execute_after` sends two statements at once on PostgreSQL: the second's rows come back
    and the first's lock is held for the transaction (another connection cannot take it)."""
    from db.core.connection import is_postgres, write_transaction
    from db.core.sql import execute_after
    item = f.item("SKU-1", cost="2.50")
    p = "%s" if is_postgres() else "?"
    lock = f'SELECT 1 FROM "item" WHERE "id" = {p}' + (" FOR NO KEY UPDATE" if is_postgres() else "")
    with write_transaction():
        row = execute_after(lock, [item.id], f'SELECT "sku", "unit_cost" FROM "item" WHERE "id" = {p}',
                            [item.id]).fetchone()
        assert row[0] == "SKU-1" and Decimal(str(row[1])) == Decimal("2.50")
        if is_postgres():
            import psycopg2
            from urllib.parse import parse_qs, urlsplit
            schema = parse_qs(urlsplit(store).query)["schema"][0]
            other = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test",
                                     options=f"-c search_path={schema}")
            try:
                with other.cursor() as cur, pytest.raises(psycopg2.errors.LockNotAvailable):
                    cur.execute('SELECT 1 FROM "item" WHERE "id" = %s FOR NO KEY UPDATE NOWAIT', [item.id])
            finally:
                other.close()
