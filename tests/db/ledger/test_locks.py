"""The one lock order (db/ledger/locks.py) and the retry under it (db/core/connection.py),
on the real PostgreSQL: item locks in id order, documents before items, the ledger holding its
item, and a deadlock PostgreSQL breaks run again with the same arguments."""
import threading
import time
from urllib.parse import parse_qs, urlsplit

import psycopg2
import pytest

from db.core.connection import conflicts_retried, database, retry_conflicts, write_transaction
from db.core.models import SalesOrder
from db.ledger import locks
from db.ledger.posting import Posting, post
from tests import factories as f


def other_connection(url):
    u = urlsplit(url)
    schema = parse_qs(u.query)["schema"][0]
    con = psycopg2.connect(host=u.hostname, port=u.port or 5432, dbname=u.path.lstrip("/"),
                           options=f"-c search_path={schema}")
    return con


def test_items_are_locked_in_id_order_and_after_documents(pg_store):
    a, b, c = f.item("A1"), f.item("B1"), f.item("C1")
    cust = f.customer()
    order = SalesOrder.create(number="SO-1", customer=cust)
    with write_transaction():
        locks.document(SalesOrder, order.id)
        locks.lock_items([b.id, a.id])               # any order given: taken in id order
        locks.lock_items([a.id, c.id])               # a held already, c after b: fine
        with pytest.raises(locks.LockOrderError, match="documents come before items"):
            locks.document(SalesOrder, order.id)
    with write_transaction():
        locks.lock_items([c.id])
        with pytest.raises(locks.LockOrderError, match=f"item {a.id} locked after item {c.id}"):
            locks.lock_items([a.id])
    with write_transaction():                        # a new transaction holds nothing
        locks.lock_items([a.id])


def test_a_posting_holds_its_items_lock_until_it_commits(pg_store):
    it = f.item("A1")
    src, dst = f.location("A-01"), f.location("B-01")
    f.give_stock(it, src, 5)
    other = other_connection(pg_store)
    try:
        with write_transaction():
            post(Posting(item=it, qty=1, from_location=src, to_location=dst, kind="move", operator="W1"))
            with other.cursor() as cur, pytest.raises(psycopg2.errors.LockNotAvailable):
                cur.execute('SELECT 1 FROM item WHERE id = %s FOR NO KEY UPDATE NOWAIT', (it.id,))
            other.rollback()
        with other.cursor() as cur:                  # committed: free again
            cur.execute('SELECT 1 FROM item WHERE id = %s FOR NO KEY UPDATE NOWAIT', (it.id,))
        other.rollback()
    finally:
        other.close()


def test_a_deadlock_is_run_again_with_the_same_arguments(pg_store):
    """Two transactions locking two items in opposite orders (what the lock order forbids, done
    by hand): PostgreSQL aborts the one that waited first, which `retry_conflicts` runs again."""
    one, two = f.item("A1"), f.item("B1")
    database.close()
    other = other_connection(pg_store)
    other_holds = threading.Event()
    tries = []

    def rival():
        with other.cursor() as cur:
            cur.execute('SELECT 1 FROM item WHERE id = %s FOR UPDATE', (one.id,))
            other_holds.set()
            time.sleep(0.3)                          # the operation waits for ONE first
            cur.execute('SELECT 1 FROM item WHERE id = %s FOR UPDATE', (two.id,))
        other.commit()

    @retry_conflicts
    def operation(tag):
        tries.append(tag)
        with write_transaction():
            database.execute_sql('SELECT 1 FROM item WHERE id = %s FOR UPDATE', (two.id,))
            if len(tries) == 1:
                thread.start()
                other_holds.wait(5)
            database.execute_sql('SELECT 1 FROM item WHERE id = %s FOR UPDATE', (one.id,))
        return tag

    before = conflicts_retried()
    thread = threading.Thread(target=rival)
    assert operation("K1") == "K1"
    thread.join(10)
    other.close()
    assert tries == ["K1", "K1"] and conflicts_retried() == before + 1
