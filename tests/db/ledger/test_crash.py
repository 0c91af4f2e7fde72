"""Crash safety: a station process is SIGKILLed at random moments during a burst of postings,
on SQLite and on PostgreSQL, and started again. Every posting it acknowledged is in the ledger
exactly once, no posting is half-written, and the ledger verifies."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from db.ledger.posting import verify
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine
from tests import factories as f
from tests.reliability_crash_worker import operations

from tests import ROOT
BURST = 45
KILLS = 4


@pytest.fixture
def site(store):
    f.warehouse("WH1")
    f.warehouse("WH2")
    f.location("DOCK", kind="receiving", zone="R")
    f.location("QUAR", kind="quarantine", zone="Q")
    a = f.location("A-01")
    f.location("C-01", wh="WH2")
    sup = f.supplier()
    it = f.item("A1")
    f.operator("W1")
    f.give_stock(it, a, 5)
    po = PurchaseOrder.create(number="PO-1", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=1000, unit_cost=2)
    from db.core.models import ReasonCode
    ReasonCode.get_or_create(code="DAMAGED", defaults={"kind": "reject"})
    from db.core.connection import database
    database.close()
    return store


def _run_worker(url, kill_after_acks=None, rng=None):
    """Start the worker; with KILL_AFTER_ACKS, SIGKILL it a random moment after that many
    acknowledgements. Returns the keys it acknowledged."""
    env = {k: v for k, v in os.environ.items() if k != "WH_CONFIG"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.reliability_crash_worker", url, str(BURST)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    acked = []
    try:
        for line in proc.stdout:
            line = line.strip()
            if line == "DONE":
                break
            acked.append(line)
            if kill_after_acks is not None and len(acked) >= kill_after_acks:
                # somewhere inside the next posting(s): before, during or after a commit
                time.sleep(rng.uniform(0, 0.02))
                proc.send_signal(signal.SIGKILL)
                break
        rest = proc.stdout.read() if kill_after_acks is not None else ""
        acked += [l for l in rest.split() if l.startswith("burst-")]   # acks that raced the kill
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if kill_after_acks is None:
        assert proc.returncode == 0, proc.stderr.read()
    else:
        assert proc.returncode in (-signal.SIGKILL, 0), proc.stderr.read()
    return acked


def _check_whole(expected_keys):
    """No posting is partial: each receipt has its accepted and rejected movement and the PO
    line counts both; each move between warehouses has both legs."""
    by_key = {m.idempotency_key: m for m in Movement.select().where(Movement.idempotency_key.startswith("burst-"))}
    receipts = moves = 0
    for key, name, _ in operations(BURST):
        parts = [key, f"{key}:reject"] if name == "receive" else [f"{key}:out", f"{key}:in"]
        present = [p in by_key for p in parts]
        assert all(present) or not any(present), f"{key} is half-posted: {dict(zip(parts, present))}"
        if all(present):
            if name == "receive":
                receipts += 1
            else:
                moves += 1
    line = PurchaseOrderLine.get(PurchaseOrderLine.line_no == 1)
    assert line.qty_received == 2 * receipts and line.qty_rejected == receipts, \
        f"PO line says {line.qty_received}/{line.qty_rejected}, the ledger {receipts} receipts"
    return receipts, moves


@pytest.mark.slow
def test_sigkill_during_a_burst_loses_no_acknowledged_posting(site):
    rng = random.Random(8)
    acknowledged = set()
    for _ in range(KILLS):
        acked = _run_worker(site, kill_after_acks=rng.randint(1, BURST // 2), rng=rng)
        acknowledged.update(acked)
        # after each crash: every acknowledged key is there, nothing is half-written
        from db.core.connection import database
        for key in acknowledged:
            n = Movement.select().where(Movement.idempotency_key.in_([key, f"{key}:out"])).count()
            assert n == 1, f"acknowledged {key} is in the ledger {n} times"
        _check_whole(acknowledged)
        assert verify().consistent, verify().mismatches
        database.close()
    # the station starts again and re-sends the whole burst: each posting lands exactly once
    acked = _run_worker(site)
    assert len(acked) == BURST
    receipts, moves = _check_whole(acked)
    assert receipts == len([1 for _, n, _ in operations(BURST) if n == "receive"])
    assert moves == BURST - receipts
    assert Movement.select().where(Movement.idempotency_key.startswith("burst-")).count() == 2 * BURST
    result = verify()
    assert result.consistent, result.mismatches


def test_store_opened_by_cli_and_station_uses_the_configured_synchronous(tmp_path):
    """[database] sqlite_synchronous reaches the connection (FULL by default: power cuts)."""
    from terminal import config
    from terminal.cli.common import open_store
    from db.core.connection import database
    url = f"sqlite:///{tmp_path}/s.db"
    db = open_store(config.load(None, url))
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2      # FULL
    db.close()
    cfg = tmp_path / "c.toml"
    cfg.write_text('[database]\nsqlite_synchronous = "EXTRA"\n')
    db = open_store(config.load(str(cfg), url))
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 3      # EXTRA
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    database.close()
