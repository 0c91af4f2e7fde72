"""Every operation that changes stock, at once, from many processes, on a few hot items and
shelves of a PostgreSQL store: what deadlocked before the one lock order (issue 15,
db/ledger/locks.py). Used by tests/db/ledger/test_lock_order.py and the bench's stations
figure (bench/figures/stations.py).

Each worker process loops for its seconds over a random operation: a receipt with and without
a purchase order, claiming an order and picking it (sometimes short) and shipping it, a move,
a transfer to the other warehouse and back, an adjustment, a count of a shelf approved by a
supervisor, an undo of its own last movement, and moves journaled offline then replayed.
A refusal (no stock left, an order taken by another station) is counted, not an error. A
deadlock or serialization failure that reaches the worker is counted; so are those the
operations retried themselves (`db.core.connection.conflicts_retried`).

    python -m bench.mixed_load worker --url URL --index N --seconds S --start-at T --out FILE
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

HOT_ITEMS = 4
SHELVES = 4              # storage places in WH1, each holding every hot item
OPENING = 400
ORDERS = 400             # sales orders of two hot items each
PURCHASE_ORDERS = 40


def seed(url: str) -> None:
    from db.core.connection import database, open_database
    from db.core.models import (Customer, Item, Location, Operator, PurchaseOrder, PurchaseOrderLine,
                                SalesOrder, SalesOrderLine, Supplier, Warehouse)
    from db.core.schema import init_schema
    from db.ledger.posting import Posting, post
    open_database(url).connect(reuse_if_open=True)
    init_schema()
    gain = Location.get(Location.code == "@GAIN")
    for code in ("WH1", "WH2"):
        wh = Warehouse.create(code=code, name=code)
        Location.create(code=f"DOCK-{code}", warehouse=wh, zone="DOCK", kind="receiving", pick_sequence=1)
        Location.create(code=f"SHIP-{code}", warehouse=wh, zone="SHIP", kind="shipping", pick_sequence=2)
        Location.create(code=f"QC-{code}", warehouse=wh, zone="QC", kind="quarantine", pick_sequence=3)
    wh1, wh2 = Warehouse.get(Warehouse.code == "WH1"), Warehouse.get(Warehouse.code == "WH2")
    shelves = [Location.create(code=f"A-{n:02d}", warehouse=wh1, zone="A", pick_sequence=10 + n)
               for n in range(1, SHELVES + 1)]
    Location.create(code="B-01", warehouse=wh2, zone="B", pick_sequence=10)
    sup = Supplier.create(code="SUP1", name="Supplier 1")
    cust = Customer.create(code="CUST1", name="Customer 1")
    for n in range(1, 17):
        Operator.create(code=f"W{n:02d}", name=f"Worker {n}")
        Operator.create(code=f"S{n:02d}", name=f"Supervisor {n}", role="supervisor")
    items = [Item.create(sku=f"HOT-{n}", name=f"Hot item {n}", unit_cost=2, unit_price=3)
             for n in range(1, HOT_ITEMS + 1)]
    for item in items:
        for shelf in shelves:
            post(Posting(item=item, qty=OPENING, from_location=gain, to_location=shelf, kind="opening",
                         operator="S01"))
    rng = random.Random(15)
    for n in range(1, ORDERS + 1):
        so = SalesOrder.create(number=f"SO-{n:04d}", customer=cust, status="open", priority=rng.randint(1, 5))
        for line_no, item in enumerate(rng.sample(items, 2), start=1):
            SalesOrderLine.create(so=so, line_no=line_no, item=item, qty_ordered=rng.randint(1, 4), unit_price=3)
    for n in range(1, PURCHASE_ORDERS + 1):
        po = PurchaseOrder.create(number=f"PO-{n:04d}", supplier=sup, status="open", created_by="S01")
        for line_no, item in enumerate(items, start=1):
            PurchaseOrderLine.create(po=po, line_no=line_no, item=item, qty_ordered=1000, unit_cost=2)
    database.close()


def check(url: str) -> dict:
    """What must hold afterwards: the ledger equals the balances, nothing negative or promised
    beyond what is there, no order line picked, shorted or shipped beyond what was ordered."""
    from db.core.connection import database, open_database
    from db.core.models import PHYSICAL_KINDS, Balance, Location, Movement, SalesOrderLine
    from db.ledger.posting import verify
    open_database(url).connect(reuse_if_open=True)
    v = verify()
    negative = (Balance.select().join(Location, on=(Balance.location == Location.id))
                .where(Location.kind.in_(PHYSICAL_KINDS), (Balance.qty < 0) | (Balance.allocated > Balance.qty)
                       | (Balance.allocated < 0)).count())
    oversold = SalesOrderLine.select().where(
        (SalesOrderLine.qty_picked + SalesOrderLine.qty_short > SalesOrderLine.qty_ordered)
        | (SalesOrderLine.qty_shipped > SalesOrderLine.qty_picked)).count()
    movements = Movement.select().count()
    database.close()
    return {"verify": v.summary(), "consistent": v.consistent, "mismatches": v.mismatches[:5],
            "negative": negative, "oversold": oversold, "movements": movements}


# ---------------------------------------------------------------------------- a worker

def worker(url: str, index: int, seconds: float, start_at: float, out: Path) -> None:
    import db.core.connection as connection
    from db import counts, inventory, purchasing, sales
    from db.core.errors import WarehouseError
    from db.core.models import Movement
    from db.offline import Journal, OfflineRunner
    connection.open_database(url).connect(reuse_if_open=True)
    rng = random.Random(1000 + index)
    station, worker_op, supervisor = f"ST-{index:02d}", f"W{index + 1:02d}", f"S{index + 1:02d}"
    runner = OfflineRunner(Journal(out.with_suffix(".journal")), retries=0)
    counts_ = {"operations": 0, "refused": 0, "deadlocks": 0, "errors": 0}
    done: dict[str, int] = {}
    errors: list[str] = []
    n = 0

    def key(what: str) -> str:
        return f"mix:{index}:{n}:{what}"

    def hot() -> tuple[str, str]:
        return f"HOT-{rng.randint(1, HOT_ITEMS)}", f"A-{rng.randint(1, SHELVES):02d}"

    def receive():
        sku, shelf = hot()
        if rng.random() < 0.5:
            purchasing.receive(None, sku, rng.randint(1, 5), operator=worker_op, station=station,
                               supplier="SUP1", location=shelf, key=key("rcv"))
        else:
            po = f"PO-{rng.randint(1, PURCHASE_ORDERS):04d}"
            purchasing.receive(po, sku, rng.randint(1, 5), operator=worker_op, station=station,
                               location=shelf, key=key("rcvpo"))

    def pick_ship():
        order = sales.next_sales_order(operator=worker_op, station=station, warehouse="WH1")
        tasks = sales.pick_list(order.number, warehouse="WH1")
        for t, task in enumerate(tasks):
            if rng.random() < 0.15:
                sales.short_pick(order.number, task.sku, task.location, 1, operator=worker_op, station=station)
                if task.qty > 1:
                    sales.pick(order.number, task.sku, task.qty - 1, task.location, operator=worker_op,
                               station=station, key=key(f"pick{t}"))
            else:
                sales.pick(order.number, task.sku, task.qty, task.location, operator=worker_op,
                           station=station, key=key(f"pick{t}"))
        if rng.random() < 0.2:
            sales.release_sales_order(order.number, operator=worker_op, station=station)
        else:
            sales.ship(order.number, operator=worker_op, station=station, key=key("ship"))

    def move():
        sku, shelf = hot()
        other = f"A-{rng.randint(1, SHELVES):02d}"
        if other != shelf:
            inventory.move(sku, rng.randint(1, 5), shelf, other, operator=worker_op, station=station, key=key("mv"))

    def transfer():
        sku, shelf = hot()
        qty = rng.randint(1, 3)
        inventory.move(sku, qty, shelf, "B-01", operator=worker_op, station=station, key=key("out"))
        inventory.move(sku, qty, "B-01", shelf, operator=worker_op, station=station, key=key("back"))

    def adjust():
        sku, shelf = hot()
        qty = rng.choice([-2, -1, 1, 2, 3])
        inventory.adjust(sku, qty, shelf, reason="FOUND" if qty > 0 else "DAMAGED", operator=supervisor,
                         station=station, key=key("adj"))

    def count():
        _, shelf = hot()
        task = counts.request_count(shelf, operator=worker_op, station=station)
        found = [counts.Counted(item=line["item"], qty=max(0, line["expected"] + rng.randint(-1, 1)))
                 for line in _expected(counts, task)]
        counts.submit_count(task.id, found, operator=worker_op, station=station)
        for decision in counts.approve(task.count_id, operator=supervisor, station=station):
            if decision.error:
                counts_["refused"] += 1

    def undo():
        last = inventory.last_movement_of(worker_op)
        if last is not None and last.kind in ("move", "receipt", "pick", "transfer"):
            inventory.undo_movement(last.id, operator=worker_op, station=station, key=key("undo"))

    def offline():
        for m in range(2):
            sku, shelf = hot()
            other = f"A-{rng.randint(1, SHELVES):02d}"
            if other != shelf:
                runner.journal.append("move", key(f"off{m}"), dict(sku=sku, qty=1, from_code=shelf,
                                                                  to_code=other, operator=worker_op,
                                                                  station=station))
        report = runner.replay()
        counts_["refused"] += report.conflicts

    ops = [(receive, 3), (pick_ship, 3), (move, 3), (transfer, 1), (adjust, 1), (count, 1), (undo, 1),
           (offline, 1)]
    choices = [fn for fn, weight in ops for _ in range(weight)]
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        n += 1
        fn = rng.choice(choices)
        try:
            fn()
            counts_["operations"] += 1
            done[fn.__name__] = done.get(fn.__name__, 0) + 1
        except WarehouseError as exc:
            if "deadlock" in str(exc).lower() or "serializ" in str(exc).lower():
                counts_["deadlocks"] += 1
            else:
                counts_["refused"] += 1
        except Exception as exc:     # a deadlock the operation did not handle, or a bug
            text = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            if "deadlock" in text.lower() or "could not serialize" in text.lower():
                counts_["deadlocks"] += 1
            else:
                counts_["errors"] += 1
                errors.append(f"{fn.__name__}: {text}")
            connection.database.rollback() if connection.database.in_transaction() else None
            try:
                connection.database.close()
            except Exception:
                pass
    retried = getattr(connection, "conflicts_retried", None)
    out.write_text(json.dumps({**counts_, "retried": retried() if callable(retried) else 0,
                               "by_operation": done, "error_samples": errors[:5],
                               "movements": Movement.select().where(Movement.station == station).count()}))


def _expected(counts, task) -> list[dict]:
    from db.core.models import Item
    lines = counts.expected_lines(task)
    return [{"item": Item.get(Item.sku == line["sku"]), "expected": int(line["expected"] or 0)} for line in lines]


def launch(url: str, stations: int, seconds: float, tmp: Path, python: str, cwd: Path) -> list[dict]:
    """Run STATIONS worker processes for SECONDS; their results."""
    import subprocess
    tmp.mkdir(parents=True, exist_ok=True)
    start_at = time.time() + 2.0 + stations * 0.2
    procs, outs = [], []
    for i in range(stations):
        out = tmp / f"mix-{i}.json"
        outs.append(out)
        procs.append(subprocess.Popen([python, "-m", "bench.mixed_load", "worker", "--url", url, "--index", str(i),
                                       "--seconds", str(seconds), "--start-at", str(start_at), "--out", str(out)],
                                      cwd=cwd, stderr=subprocess.PIPE, text=True))
    failed = []
    for p in procs:
        _, err = p.communicate(timeout=seconds + 180)
        if p.returncode != 0:
            failed.append(err[-3000:])
    if failed:
        raise RuntimeError(f"{len(failed)} worker processes failed:\n{failed[0]}")
    return [json.loads(o.read_text()) for o in outs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed_load")
    sub = parser.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("worker")
    w.add_argument("--url", required=True)
    w.add_argument("--index", type=int, required=True)
    w.add_argument("--seconds", type=float, required=True)
    w.add_argument("--start-at", type=float, required=True)
    w.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    worker(args.url, args.index, args.seconds, args.start_at, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
