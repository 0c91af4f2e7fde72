"""The Return job in the real station app under Pilot at 80×24, on SQLite and PostgreSQL."""
from __future__ import annotations

import os

import pytest

from db.core.models import Movement
from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.purchasing import receive
from db.returns import create_supplier_return
from db.sales import pick, ship
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, login, make_app, scan, screen_text, type_

pytestmark = pytest.mark.slow
SIZE = (80, 24)


@pytest.fixture
def world(store, tmp_path):
    data = td.seed()
    td.purchase_order("PO-7", lines=(("SKU-100", 24),))
    receive("PO-7", "SKU-100", 24, operator="W1", location="DOCK-1")
    create_supplier_return("SUP1", [{"sku": "SKU-100", "qty": 2, "from": "DOCK-1"}], reason="DAMAGED",
                           operator="W1", po="PO-7")
    td.sales_order("SO-9", lines=(("SKU-100", 2),))
    pick("SO-9", "SKU-100", 2, "A-01-01", operator="W1", station="ST-01")
    ship("SO-9", operator="W1", station="ST-01")
    data["url"] = store
    data["tmp"] = tmp_path
    return data


def _keep(name: str, app) -> None:
    """WH_SCREENS=DIR keeps the screen text (the docs show it)."""
    folder = os.environ.get("WH_SCREENS")
    if folder:
        with open(os.path.join(folder, name), "w", encoding="utf-8") as out:
            out.write(screen_text(app) + "\n")


@async_test
async def test_return_job_both_ways(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        assert "R  Returns (to suppliers, from customers)" in screen_text(app)
        await type_(pilot, "r", enter=False)
        text = flat(app)
        assert "Scan an SO or packing list to take goods back, or choose an RTV to send" in text
        assert "RTV-000001 SUP1 2 to send" in text
        _keep("returns-list.txt", app)
        await type_(pilot, "1")
        assert "Go to DOCK-1 · send 2 × SKU-100 Widget" in flat(app)
        await scan(pilot, "DOCK-1")
        await scan(pilot, td.WIDGET_EAN)
        assert "sent 1 × SKU-100 from DOCK-1 to the supplier" in flat(app)
        _keep("returns-send.txt", app)
        await scan(pilot, td.WIDGET_EAN)
        assert "RTV-000001 is shipped" in flat(app)
        await key(pilot, "f10")
        await scan(pilot, "SO-9")
        assert "SO-9: 2 units may come back" in flat(app)
        await type_(pilot, "DAMAGED")
        await scan(pilot, td.WIDGET_EAN)
        text = flat(app)
        assert "took back 1 × SKU-100 to QA-1 (RMA-000001)" in text and "Returns · from SO-9 · RMA-000001" in text
        _keep("returns-receive.txt", app)
        await scan(pilot, td.WIDGET_CASE)
        assert "at most 1 can be returned, got 12" in flat(app)
        await key(pilot, "enter")
        await key(pilot, "f10")
        assert "RMA-000001: 1 unit taken back from SO-9, to inspect" in flat(app)
    assert on_hand(world["widget"], get_location("QA-1")) == 1
    assert on_hand(world["widget"], get_location("DOCK-1")) == 22
    assert Movement.select().where(Movement.kind.in_(("rtv", "rma"))).count() == 3
    assert verify().consistent
