"""Offline stations on PostgreSQL: a TCP proxy the test controls stands between the station and
the server. The connection is cut while scans flow and restored; the journal replays in order,
nothing is lost, nothing is posted twice, and a conflict lands on the exceptions list."""
import os
import random
import subprocess
import sys
import threading
import time

import pytest

from db.core.connection import database, open_database
from db.ledger.posting import on_hand, verify
from db.core.models import Item, Location, Movement
from db.offline import (CachedResolver, Journal, OfflineRunner, SyncException, list_exceptions, refresh_cache)
from tests import factories as f
from tests.tcp_proxy import TcpProxy

from tests import ROOT
SCANS = 40


@pytest.fixture
def site(pg_store, tmp_path):
    f.warehouse()
    a, b = f.location("A-01"), f.location("B-01")
    soap = f.item("SOAP", barcodes=[("4006381333931", 1)])
    bolt = f.item("BOLT")
    f.operator("W1")
    f.operator("W2")
    f.operator("S1", role="supervisor")
    f.give_stock(soap, a, 100)
    f.give_stock(bolt, b, 3)
    proxy = TcpProxy()
    database.close()
    open_database(proxy.url_for(pg_store))          # the station reaches the server through the proxy
    journal = Journal(tmp_path / "journal.db")
    yield dict(direct=pg_store, proxy=proxy, journal=journal, tmp=tmp_path)
    proxy.close()
    journal.close()
    database.close()
    open_database(pg_store)                          # the fixture drops the schema directly


def _scan(i):
    if i == 25:   # stock another station is about to take while this one is offline
        return "bolt", "move", dict(sku="BOLT", qty=3, from_code="B-01", to_code="A-01",
                                    operator="W1", station="ST-OFF")
    return f"scan-{i}", "move", dict(sku="SOAP", qty=1, from_code="A-01", to_code="B-01",
                                     operator="W1", station="ST-OFF")


def _wh(url, *argv):
    env = {k: v for k, v in os.environ.items() if k not in ("WH_CONFIG", "WH_PIN")}
    p = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", url, *argv], capture_output=True,
                       text=True, cwd=site_root(), env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def site_root():
    return ROOT


def _wait(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


@pytest.mark.slow
def test_cut_while_scans_flow_then_restore(site):
    proxy, journal = site["proxy"], site["journal"]
    changes = []
    runner = OfflineRunner(journal, retries=1, retry_delay_s=0.02, retry_after_s=0, on_change=changes.append)
    refresh_cache(journal)
    outcomes: list[tuple[str, str]] = []
    errors = []
    restored = threading.Event()

    def station():
        try:
            for i in range(SCANS):
                if i == 30:       # the last scans come after the network is back
                    restored.wait(60)
                key, op, kwargs = _scan(i)
                outcomes.append((key, runner.run(op, key=key, **kwargs).status))
            database.close()
        except Exception as exc:  # reported by the test below
            errors.append(exc)

    t = threading.Thread(target=station)
    t.start()
    _wait(lambda: len(outcomes) >= 8 or errors)
    proxy.cut()                                       # the network goes away mid-flow
    at_cut = len(outcomes)     # a loaded machine may have let a few more through before the cut
    # decoding goes on from the cache while the server is away
    from terminal.resolver import StoreResolver
    resolver = CachedResolver(StoreResolver(), journal, retry_after_s=0)
    assert resolver.find_barcode("04006381333931") == ("SOAP", 1)      # another GTIN form
    assert resolver.is_location("B-01") and not resolver.is_location("Z-99")
    assert resolver.is_operator("W1")
    assert database.is_closed()     # the broken connection was dropped: the next query reconnects
    _wait(lambda: len(outcomes) >= 30 or errors)
    # Every scan from the cut to the 30th is journaled (one may have been on the wire at the cut).
    assert journal.count() >= 30 - at_cut - 1 >= 15
    # meanwhile another station, still connected, takes the bolts
    code, out, err = _wh(site["direct"], "move", "--sku", "BOLT", "--qty", "3", "--from", "B-01", "--to", "A-01",
                         "--operator", "W2")
    assert code == 0, err
    proxy.restore()
    restored.set()
    t.join(60)
    assert not errors, errors
    for _ in range(50):
        report = runner.replay()
        if report.left == 0:
            break
        time.sleep(0.05)
    assert journal.count() == 0
    statuses = [s for _, s in outcomes]
    assert "queued" in statuses and statuses[0] == "done" and statuses[-1] == "done"
    assert changes and changes[-1] == 0        # the header's queue count went back to 0

    keys = [_scan(i)[0] for i in range(SCANS) if i != 25]
    rows = {m.idempotency_key: m for m in Movement.select().where(Movement.idempotency_key.in_(keys))}
    assert sorted(rows) == sorted(keys), "a scan was lost"
    for key in keys:      # exactly once (the key is unique, and the units agree below)
        assert Movement.select().where(Movement.idempotency_key == key).count() == 1
    ids = [rows[k].id for k in keys]
    assert ids == sorted(ids), "the queue was not replayed in order"
    soap = Item.get(Item.sku == "SOAP")
    assert on_hand(soap, Location.get(Location.code == "B-01")) == SCANS - 1
    assert on_hand(soap, Location.get(Location.code == "A-01")) == 100 - (SCANS - 1)
    # the bolts were gone: the offline move is an exception, not a silent loss
    assert not Movement.select().where(Movement.idempotency_key == "bolt").exists()
    [exc] = list_exceptions()
    assert exc["key"] == "bolt" and exc["station"] == "ST-OFF" and exc["operator"] == "W1"
    assert "BOLT" in exc["error"] and "B-01" in exc["error"]
    assert verify().consistent

    # `wh exceptions` lists it; a supervisor resolves it
    code, out, err = _wh(site["direct"], "exceptions", "--format", "csv")
    assert code == 0 and "bolt" not in out.splitlines()[0] and ",move," in out and "BOLT" in out, out + err
    code, out, err = _wh(site["direct"], "exceptions", "--resolve", str(exc["id"]), "--operator", "W2")
    assert code == 1 and "needs a supervisor" in err
    code, out, err = _wh(site["direct"], "exceptions", "--resolve", str(exc["id"]), "--operator", "S1",
                         "--note", "bolts went to A-01")
    assert code == 0, err
    assert list_exceptions() == []


@pytest.mark.slow
def test_random_cuts_never_post_twice(site):
    """Cuts at random moments, several times: some land between a COMMIT and its reply, when
    the posting is on the server but the station does not know. The key makes the replay a
    no-op then."""
    proxy, journal = site["proxy"], site["journal"]
    runner = OfflineRunner(journal, retries=0, retry_delay_s=0.01, retry_after_s=0)
    rng = random.Random(3)
    n = 60
    done = threading.Event()
    errors = []

    def station():
        try:
            for i in range(n):
                runner.run("move", key=f"r-{i}", sku="SOAP", qty=1, from_code="A-01", to_code="B-01",
                           operator="W1", station="ST-OFF")
            database.close()
        except Exception as exc:
            errors.append(exc)
        finally:
            done.set()

    t = threading.Thread(target=station)
    t.start()
    while not done.is_set():
        time.sleep(rng.uniform(0.005, 0.05))
        proxy.cut()
        time.sleep(rng.uniform(0.005, 0.05))
        proxy.restore()
    t.join(60)
    assert not errors, errors
    _wait(lambda: runner.replay().left == 0)
    assert proxy.cuts >= 2
    keys = [f"r-{i}" for i in range(n)]
    assert Movement.select().where(Movement.idempotency_key.in_(keys)).count() == n
    soap = Item.get(Item.sku == "SOAP")
    assert on_hand(soap, Location.get(Location.code == "B-01")) == n
    assert list_exceptions() == []
    assert verify().consistent


def test_the_journal_survives_a_restart(site):
    proxy, journal = site["proxy"], site["journal"]
    proxy.cut()
    runner = OfflineRunner(journal, retries=0, retry_after_s=0)
    for i in range(3):
        out = runner.run("move", key=f"p-{i}", sku="SOAP", qty=2, from_code="A-01", to_code="B-01",
                         operator="W1", station="ST-OFF")
        assert out.status == "queued" and out.queued == i + 1
    # a retried scan (same key) is journaled once
    runner.run("move", key="p-2", sku="SOAP", qty=2, from_code="A-01", to_code="B-01", operator="W1")
    assert journal.count() == 3
    journal.close()                                   # the station is switched off
    again = Journal(site["tmp"] / "journal.db")
    try:
        assert [q.key for q in again.pending()] == ["p-0", "p-1", "p-2"]
        proxy.restore()
        report = OfflineRunner(again).replay()
        assert (report.posted, report.conflicts, report.left, report.reached) == (3, 0, 0, True)
    finally:
        again.close()
    site["journal"] = Journal(site["tmp"] / "journal.db")
    assert on_hand(Item.get(Item.sku == "SOAP"), Location.get(Location.code == "B-01")) == 6


def test_only_keyed_operations_are_journaled(site):
    journal = site["journal"]
    runner = OfflineRunner(journal)
    with pytest.raises(ValueError, match="cannot be journaled"):
        runner.run("adjust", key="x", sku="SOAP", qty=1, location="A-01", reason="FOUND", operator="S1")
    with pytest.raises(ValueError, match="needs an idempotency key"):
        journal.append("move", "", {})
    # a business refusal while online is the operator's to see, not the journal's
    from db.core.errors import InsufficientStock
    with pytest.raises(InsufficientStock):
        runner.run("move", key="big", sku="SOAP", qty=1000, from_code="A-01", to_code="B-01", operator="W1")
    assert journal.count() == 0 and SyncException.select().count() == 0


def test_while_away_the_server_is_not_asked_again_at_once(site):
    """On a dead network each try may hang for the connect timeout: after one failure, scans
    queue and decode from the cache at once, until `retry_after_s` has passed."""
    from terminal.resolver import StoreResolver
    proxy, journal = site["proxy"], site["journal"]
    refresh_cache(journal)
    database.close()
    proxy.cut()
    runner = OfflineRunner(journal, retries=0, retry_after_s=60)
    resolver = CachedResolver(StoreResolver(), journal, retry_after_s=60)
    assert runner.run("move", key="q-0", sku="SOAP", qty=1, from_code="A-01", to_code="B-01",
                      operator="W1").status == "queued"
    assert resolver.is_location("A-01")
    tried = proxy.attempts
    for i in range(1, 6):
        assert runner.run("move", key=f"q-{i}", sku="SOAP", qty=1, from_code="A-01", to_code="B-01",
                          operator="W1").status == "queued"
        assert resolver.find_barcode("4006381333931") == ("SOAP", 1)
    assert proxy.attempts == tried, "the server was asked again while known to be away"
    proxy.restore()
    report = runner.replay()          # an explicit replay always tries
    assert (report.posted, report.left) == (6, 0)
    assert runner.run("move", key="q-6", sku="SOAP", qty=1, from_code="A-01", to_code="B-01",
                      operator="W1").status == "done"
    assert on_hand(Item.get(Item.sku == "SOAP"), Location.get(Location.code == "B-01")) == 7
