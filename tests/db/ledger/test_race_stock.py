"""Several OS processes racing for the same last units, and for the same sales orders, on
SQLite and on PostgreSQL: no unit is taken twice, no order is claimed twice."""
import multiprocessing as mp

import pytest

from db.ledger.posting import on_hand, verify
from db.core.models import Movement, SalesOrder, SalesOrderLine
from tests import factories as f

WORKERS = 6


def _take_one(url, n, barrier, results):
    """One station: wait for the others, then try to move 1 unit out of A-01."""
    from db.core.connection import open_database
    from db.core.errors import InsufficientStock
    from db.inventory import move
    db = open_database(url)
    db.connect()
    barrier.wait(timeout=60)
    outcome = []
    for attempt in range(2):
        try:
            move("A1", 1, "A-01", "B-01", operator="W1", station=f"ST-{n}", key=f"race-{n}-{attempt}")
            outcome.append("ok")
        except InsufficientStock as exc:
            outcome.append(f"insufficient: {exc}")
        except Exception as exc:  # reported to the test, which fails on it
            outcome.append(f"error: {type(exc).__name__}: {exc}")
    db.close()
    results.put((n, outcome))


def _claim(url, n, barrier, results):
    from db.core.connection import open_database
    from db.core.errors import NotFound
    from db.sales import next_sales_order
    db = open_database(url)
    db.connect()
    barrier.wait(timeout=60)
    try:
        so = next_sales_order(operator="W1", station=f"ST-{n}")
        results.put((n, so.number))
    except NotFound:
        results.put((n, None))
    except Exception as exc:
        results.put((n, f"error: {type(exc).__name__}: {exc}"))
    db.close()


def _race(target, url):
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, n, barrier, results)) for n in range(WORKERS)]
    for p in procs:
        p.start()
    out = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


@pytest.mark.slow
def test_processes_race_for_the_last_units(store):
    f.operator("W1")
    it = f.item("A1")
    a1, b1 = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a1, 5)
    from db.core.connection import database
    database.close()   # the children must not wait on our connection
    out = _race(_take_one, store)
    outcomes = [o for lst in out.values() for o in lst]
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    # 12 attempts at 1 unit each, 5 units there: exactly 5 win, 7 are told why not
    assert outcomes.count("ok") == 5
    refused = [o for o in outcomes if o.startswith("insufficient")]
    assert len(refused) == 7 and all("cannot take 1" in o for o in refused)
    database.connect(reuse_if_open=True)
    assert (on_hand(it, a1), on_hand(it, b1)) == (0, 5)
    assert Movement.select().where(Movement.kind == "move").count() == 5
    assert verify().consistent


@pytest.mark.slow
def test_processes_never_claim_the_same_sales_order(store):
    f.operator("W1")
    it = f.item("A1")
    f.give_stock(it, f.location("A-01"), 100)
    for n in range(WORKERS - 2):
        so = SalesOrder.create(number=f"SO-{n}", customer=f.customer(), priority=1)
        SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=10)
    from db.core.connection import database
    database.close()
    out = _race(_claim, store)
    claimed = [v for v in out.values() if v is not None]
    assert not [v for v in claimed if v.startswith("error")], out
    assert sorted(claimed) == [f"SO-{n}" for n in range(WORKERS - 2)]    # each order once
    assert list(out.values()).count(None) == 2                            # two found none left
    database.connect(reuse_if_open=True)
    for so in SalesOrder.select():
        assert so.status == "picking" and out[int(so.assigned_station[3:])] == so.number
    assert verify().consistent


def _receive_same_key(url, n, barrier, results):
    from db.core.connection import open_database
    from db.purchasing import receive
    db = open_database(url)
    db.connect()
    barrier.wait(timeout=60)
    try:
        r = receive("PO-1", "A1", 4, operator="W1", station=f"ST-{n}", key="replayed-scan")
        results.put((n, r.accepted.id))
    except Exception as exc:
        results.put((n, f"error: {type(exc).__name__}: {exc}"))
    db.close()


@pytest.mark.slow
def test_processes_replaying_one_receipt_post_it_once(store):
    from db.core.models import PurchaseOrder, PurchaseOrderLine
    f.operator("W1")
    f.location("DOCK", kind="receiving")
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier())
    PurchaseOrderLine.create(po=po, line_no=1, item=f.item("A1"), qty_ordered=10, unit_cost=1)
    from db.core.connection import database
    database.close()
    out = _race(_receive_same_key, store)
    assert len(set(out.values())) == 1 and isinstance(next(iter(out.values())), int), out
    database.connect(reuse_if_open=True)
    assert PurchaseOrderLine.get().qty_received == 4
    assert Movement.select().where(Movement.kind == "receipt").count() == 1
    assert verify().consistent


def _receive_at_cost(url, n, barrier, results):
    from decimal import Decimal
    from db.core.connection import open_database
    from db.purchasing import receive
    db = open_database(url)
    db.connect()
    barrier.wait(timeout=60)
    try:
        for k in range(3):
            receive(None, "A1", 10, operator="W1", station=f"ST-{n}", supplier="SUP1", location="DOCK",
                    key=f"cost-{n}-{k}", unit_cost=Decimal("3.00"))
        results.put((n, "ok"))
    except Exception as exc:
        results.put((n, f"error: {type(exc).__name__}: {exc}"))
    db.close()


@pytest.mark.slow
def test_processes_receiving_one_item_keep_its_moving_average(store):
    """Each receipt's moving average starts from the one before (the item's row lock): the
    result is the same as receiving one after another, whatever the order (all alike)."""
    from decimal import Decimal
    from db.core.models import Item
    f.operator("W1")
    f.supplier("SUP1")
    it = f.item("A1", cost=Decimal("1.00"))
    dock = f.location("DOCK", kind="receiving")
    f.give_stock(it, f.location("A-01"), 100)
    # The value is kept exactly (db/ledger/costing.py): 100 × 1.00 plus 10 × 3.00 per receipt,
    # over 100 + 10 per receipt units, rounded once to the average's 10 decimals.
    receipts = WORKERS * 3
    expected = Item.unit_cost.python_value(Item.unit_cost.db_value(
        (Decimal(100) + Decimal(30) * receipts) / Decimal(100 + 10 * receipts)))
    from db.core.connection import database
    database.close()
    out = _race(_receive_at_cost, store)
    assert set(out.values()) == {"ok"}, out
    database.connect(reuse_if_open=True)
    assert on_hand(it, dock) == WORKERS * 30
    assert Item.get_by_id(it.id).unit_cost == expected != Decimal("1.00")
    assert Item.get_by_id(it.id).stock_value == Decimal(100) + Decimal(30) * receipts
    assert verify().consistent
