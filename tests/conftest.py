"""Shared fixtures: a real SQLite file per test, and a private schema on the real PostgreSQL.

Each PostgreSQL test gets its own schema (`?schema=` in the URL), so tests and subprocesses
never see each other's rows, and the schema is dropped afterwards.
"""
from __future__ import annotations

import os
import uuid

import pytest

PG_BASE = os.environ.get("WH_TEST_PG", "postgresql://127.0.0.1:5432/test")
_pg_state: dict[str, object] = {}


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    if "reason" not in _pg_state:
        try:
            import psycopg2
            conn = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test", connect_timeout=3)
            conn.close()
            _pg_state["reason"] = None
        except Exception as exc:  # any failure means: no server to test against
            _pg_state["reason"] = f"PostgreSQL at 127.0.0.1:5432/test is not reachable: {str(exc).strip().splitlines()[0]}"
    return _pg_state["reason"]


def _pg_exec(sql: str) -> None:
    import psycopg2
    conn = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def pytest_sessionfinish(session, exitstatus):
    """Each PostgreSQL test creates and drops a schema of some 25 tables. On a server without
    autovacuum (the test machines run with it off) the catalogs' dead rows pile up run after
    run (a million in pg_attribute, seen), slowing every later run's DDL and new connections:
    vacuum the catalogs the tests churn. Without the right to, PostgreSQL only warns."""
    if "reason" in _pg_state and _pg_state["reason"] is None:
        try:
            _pg_exec("VACUUM pg_catalog.pg_attribute, pg_catalog.pg_depend, pg_catalog.pg_class, "
                     "pg_catalog.pg_type, pg_catalog.pg_index, pg_catalog.pg_constraint")
        except Exception:   # a server gone by now: nothing to clean
            pass


def make_sqlite_store(tmp_path) -> str:
    from db.core.connection import open_database
    from db.core.schema import init_schema
    url = f"sqlite:///{tmp_path}/store.db"
    db = open_database(url, synchronous="NORMAL")
    db.connect(reuse_if_open=True)
    init_schema()
    return url


def make_pg_store() -> tuple[str, str]:
    from db.core.connection import open_database
    from db.core.schema import init_schema
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _pg_exec(f"CREATE SCHEMA {schema}")
    url = f"{PG_BASE}?schema={schema}"
    db = open_database(url)
    db.connect(reuse_if_open=True)
    init_schema()
    return url, schema


def drop_pg_schema(schema: str) -> None:
    from db.core.connection import database
    try:
        database.close()
    except Exception:
        pass
    _pg_exec(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def sqlite_store(tmp_path):
    """URL of a fresh SQLite store (a real file), bound to the models."""
    from db.core.connection import database
    url = make_sqlite_store(tmp_path)
    yield url
    database.close()


@pytest.fixture
def pg_store():
    """URL of a fresh PostgreSQL store in a private schema, bound to the models."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    url, schema = make_pg_store()
    yield url
    drop_pg_schema(schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The same test on a SQLite file and on PostgreSQL."""
    from db.core.connection import database
    if request.param == "sqlite":
        url = make_sqlite_store(tmp_path)
        yield url
        database.close()
    else:
        reason = pg_available()
        if reason:
            pytest.skip(reason)
        url, schema = make_pg_store()
        yield url
        drop_pg_schema(schema)


# --- the shared warehouse --------------------------------------------------------------------
# One builder (tests/terminal_data.seed: WH1 with dock, bay, quarantine and shelves, WH2, three
# items with stock, workers W1/W2 and supervisor S1) behind a small family of fixtures.

def _seeded(url: str, tmp_path) -> dict:
    from tests import terminal_data as td
    data = td.seed()
    data.update(url=url, tmp=tmp_path)
    return data


@pytest.fixture
def warehouse(store, tmp_path):
    """The shared warehouse on a SQLite file and on PostgreSQL (dict: locs, items, lots, url, tmp)."""
    return _seeded(store, tmp_path)


@pytest.fixture
def sqlite_warehouse(sqlite_store, tmp_path):
    """The shared warehouse on SQLite only (the Pilot tests of the whole app)."""
    return _seeded(sqlite_store, tmp_path)


@pytest.fixture
def world(sqlite_warehouse):
    """The shared warehouse with PO-1042 to receive and SO-77 to pick."""
    from tests import terminal_data as td
    td.purchase_order("PO-1042", lines=(("SKU-100", 24), ("SKU-200", 12)))
    td.sales_order("SO-77", lines=(("SKU-200", 12), ("SKU-300", 5)), priority=1)
    return sqlite_warehouse


@pytest.fixture
def session_for(warehouse):
    """A station session on the warehouse's store, logged in as the operator given."""
    from tests import terminal_data as td
    return lambda code="W1", station="ST-01": td.session(warehouse["url"], code, station)


@pytest.fixture
def zh():
    """The test in Simplified Chinese (terminal.i18n), English again after it."""
    from terminal import i18n
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")
