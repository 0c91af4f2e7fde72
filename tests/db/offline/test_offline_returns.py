"""A customer return taken while the PostgreSQL server is away: journaled as one entry,
replayed once the server is back, refused on replay onto the exceptions list."""
from types import SimpleNamespace

import pytest

from db.core.connection import database, open_database
from db.core.models import Item, Location, Movement, SalesOrder, SalesOrderLine
from db.ledger.posting import on_hand, verify
from db.offline import Journal, OfflineRunner, SyncException
from db.returns import ReturnDocument
from db.sales import pick, ship
from tests import factories as f
from tests.tcp_proxy import TcpProxy


@pytest.fixture
def site(pg_store, tmp_path):
    f.warehouse()
    a = f.location("A-01")
    f.location("QA", kind="quarantine")
    f.location("SHIP", kind="shipping")
    soap = f.item("SOAP")
    f.operator("W1")
    f.give_stock(soap, a, 10)
    so = SalesOrder.create(number="SO-1", customer=f.customer("C1"))
    SalesOrderLine.create(so=so, line_no=1, item=soap, qty_ordered=4, unit_price=3)
    pick("SO-1", "SOAP", 4, "A-01", operator="W1", station="ST-OFF")
    ship("SO-1", operator="W1", station="ST-OFF")
    proxy = TcpProxy()
    database.close()
    open_database(proxy.url_for(pg_store))
    journal = Journal(tmp_path / "journal.db")
    yield dict(proxy=proxy, journal=journal)
    proxy.close()
    journal.close()
    database.close()
    open_database(pg_store)


def _return(runner, key, qty):
    return runner.run("return_from_customer", key=key, so="SO-1", lines=[{"sku": "SOAP", "qty": qty, "lot": None}],
                      reason="DAMAGED", operator="W1", station="ST-OFF", warehouse="WH1")


def test_customer_return_journaled_offline_and_replayed(site):
    proxy, journal = site["proxy"], site["journal"]
    proxy.cut()
    runner = OfflineRunner(journal, retries=0, retry_after_s=0)
    assert _return(runner, "ret-1", 3).status == "queued"
    assert _return(runner, "ret-2", 2).status == "queued"     # 3 + 2 > the 4 shipped: refused on replay
    assert journal.count() == 2
    proxy.restore()
    report = runner.replay()
    assert (report.posted, report.conflicts, report.left) == (1, 1, 0)
    assert on_hand(Item.get(Item.sku == "SOAP"), Location.get(Location.code == "QA")) == 3
    refused = SyncException.get(SyncException.key == "ret-2")
    assert "at most 1 can be returned, got 2" in refused.error
    # the same key again (a station that replays twice) posts nothing more
    assert _return(runner, "ret-1", 3).status == "done"
    assert Movement.select().where(Movement.kind == "rma").count() == 1
    assert ReturnDocument.select().count() == 1
    assert verify().consistent


def test_offline_flow_takes_a_customer_return(site):
    from terminal import config
    from terminal.flows.offline import OfflineFlow
    proxy, journal = site["proxy"], site["journal"]
    session = SimpleNamespace(offline=OfflineRunner(journal, retries=0, retry_after_s=0), operator="W1",
                              station="ST-OFF", cfg=config.Config(config.defaults()),
                              next_key=lambda prefix: f"{prefix}:1", on_retry=None)
    flow = OfflineFlow(session)
    proxy.cut()
    flow.on_action("return")
    assert flow.prompt == "OFFLINE: scan the sales order or packing list the goods come back from"
    flow.on_scan(SimpleNamespace(kind="unknown", raw="SO-1", order_number=None, error=None))
    flow.on_text("damaged")
    fb = flow.on_scan(SimpleNamespace(kind="item", sku="SOAP", qty=None, lot=None, error=None, raw="x"))
    assert fb.message == "+1 × SOAP (not posted yet: F10 journals the return)"
    flow.on_scan(SimpleNamespace(kind="item", sku="SOAP", qty=None, lot=None, error=None, raw="x"))
    fb = flow.on_action("done", key="off-ret-1")
    assert fb.level == "warn" and fb.message == "2 units back from SO-1 journaled (1 waiting)"
    assert flow.state == "source"
    proxy.restore()
    assert session.offline.replay().posted == 1
    rma = ReturnDocument.get()
    assert (rma.so.number, rma.reason, sum(l.qty for l in rma.lines)) == ("SO-1", "DAMAGED", 2)
