"""The offline mode and the exceptions list in the real app under Pilot."""
from __future__ import annotations

import datetime as dt

import pytest

from db.core.connection import database, open_database
from db.ledger.posting import on_hand, verify
from db.core.models import Item, Location
from db.offline import SyncException, list_exceptions
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, login, make_app, scan, settle, type_
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow
SIZE = (80, 24)


@pytest.fixture
def behind_proxy(pg_store, tmp_path):
    td.seed()
    proxy = TcpProxy()
    database.close()
    url = proxy.url_for(pg_store)
    open_database(url)
    yield dict(url=url, proxy=proxy, tmp=tmp_path)
    proxy.close()
    database.close()
    open_database(pg_store)


@async_test
async def test_header_says_offline_and_the_queue_then_back_online(behind_proxy):
    proxy = behind_proxy["proxy"]
    app = make_app(behind_proxy["url"], behind_proxy["tmp"], offline__journal=str(behind_proxy["tmp"] / "j.db"),
                   database__retries=1, database__retry_delay_ms=20)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "W1")
        await type_(pilot, "5", enter=False)            # Transfer
        await scan(pilot, "A-01-01")
        await scan(pilot, td.WIDGET_EAN)
        proxy.cut()
        await scan(pilot, "B-01-01")
        text = flat(app)
        assert "NOT posted" in text and "OFFLINE" in text
        await key(pilot, "enter")                        # acknowledge
        assert "OFFLINE: scan the location to move goods from" in flat(app)
        await scan(pilot, "A-01-01")
        await scan(pilot, td.WIDGET_CASE)
        await scan(pilot, "B-01-01")
        await settle(pilot)
        text = flat(app)
        assert "OFFLINE · 1 queued" in text and "12 units A-01-01 → B-01-01 journaled" in text
        proxy.restore()
        await key(pilot, "f10")
        text = flat(app)
        assert "back ONLINE: 1 journaled postings posted" in text
        assert "OFFLINE ·" not in text and "Transfer" in text
    database.close()
    widget = Item.get(Item.sku == "SKU-100")
    assert on_hand(widget, Location.get(Location.code == "B-01-01")) == 12
    assert verify().consistent


@async_test
async def test_supervisor_resolves_exceptions_from_the_menu(sqlite_store, tmp_path):
    td.seed()
    SyncException.create(key="k1", op="move", args='{"sku": "SKU-300", "qty": 5}', operator="W1",
                         station="ST-02", queued_at=dt.datetime(2030, 1, 1, 8), error="only 3 × SKU-300 at B-01-01")
    app = make_app(sqlite_store, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "S1")
        await type_(pilot, "9", enter=False)
        text = flat(app)
        assert "Offline exceptions" in text and "only 3 x SKU-300" in text   # × in ASCII in a table
        await type_(pilot, "1")
        await type_(pilot, "counted: 3 there")
        assert "offline exception 1 resolved" in flat(app)
    assert list_exceptions() == []
