"""Issue 15 §5: a PostgreSQL server whose network goes silent (packets dropped, nothing reset)
is detected within a few seconds and the station journals offline, as when the connection is
refused. Before, a posting waited on the silent socket for as long as TCP would (46 s seen,
never offline). The proxy stops forwarding without closing anything."""
import threading
import time

import pytest

from db.core.connection import answer_within, database, open_database
from db.core.models import Movement
from db.ledger.posting import on_hand, verify
from db.offline import Journal, OfflineRunner
from tests import factories as f
from tests.tcp_proxy import TcpProxy

KEEPALIVE_S = 2
STATEMENT_TIMEOUT_MS = 1000


@pytest.fixture
def silent_site(pg_store, tmp_path):
    f.warehouse()
    a = f.location("A-01")
    f.location("B-01")
    f.give_stock(f.item("SOAP"), a, 10)
    f.operator("W1")
    proxy = TcpProxy()
    database.close()
    # As a station opens it with [database] pg_keepalive_s and pg_statement_timeout_ms.
    open_database(proxy.url_for(pg_store), keepalive_s=KEEPALIVE_S, statement_timeout_ms=STATEMENT_TIMEOUT_MS)
    journal = Journal(tmp_path / "journal.db")
    yield dict(proxy=proxy, journal=journal, direct=pg_store)
    proxy.close()
    journal.close()
    answer_within(0)
    database.close()
    open_database(pg_store)


def test_a_silent_server_sends_the_station_offline_within_seconds(silent_site):
    proxy, journal = silent_site["proxy"], silent_site["journal"]
    # The station's own policy: 5 retries half a second apart when the store went away.
    runner = OfflineRunner(journal, retries=5, retry_delay_s=0.5, retry_after_s=0)
    move = dict(sku="SOAP", qty=1, from_code="A-01", to_code="B-01", operator="W1", station="ST-SILENT")
    assert runner.run("move", key="k1", **move).status == "done"
    proxy.stall()
    outcome, took = [], []

    def scan():
        t0 = time.monotonic()
        outcome.append(runner.run("move", key="k2", **move))
        took.append(time.monotonic() - t0)

    worker = threading.Thread(target=scan, daemon=True)
    worker.start()
    worker.join(30)
    assert took, "the posting still waits on the silent server after 30 s"
    # The answer's deadline (statement timeout + 1 s), no retry on a silent server: queued.
    assert outcome[0].status == "queued" and took[0] < 6, (outcome, took)
    proxy.restore()
    report = runner.replay()
    assert (report.posted, report.left) == (1, 0)
    database.close()
    open_database(silent_site["direct"])
    assert Movement.select().where(Movement.idempotency_key.in_(["k1", "k2"])).count() == 2
    from db.core.models import Item, Location
    assert on_hand(Item.get(Item.sku == "SOAP"), Location.get(Location.code == "B-01")) == 2
    assert verify().consistent


def test_the_server_ends_a_statement_that_runs_past_the_timeout(silent_site):
    """The statement timeout is the server's: a statement waiting longer (here a sleep) is
    ended there, and the caller sees the store unreachable, not a hang."""
    import peewee
    started = time.monotonic()
    with pytest.raises(peewee.OperationalError, match="statement timeout"):
        database.execute_sql("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 3
    database.close()
