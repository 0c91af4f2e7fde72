"""Put away through the real station queue, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from terminal.flows.putaway import PutawayFlow
from tests import factories as f
from tests import terminal_data as td


@pytest.fixture
def data(warehouse):
    """The shared warehouse with 30 widgets and 7 bolts on DOCK-1 to put away."""
    data = warehouse
    locs = data["locs"]
    f.give_stock(data["widget"], locs["DOCK-1"], 30)
    f.give_stock(data["bolt"], locs["DOCK-1"], 7)
    return data


def test_suggests_where_the_item_is_and_moves(data):
    d = td.FlowDriver(data["url"], PutawayFlow)
    try:
        assert d.flow.prompt == "Scan the dock location"
        fb = d.scan(td.WIDGET_EAN)
        assert fb.level == "error" and "expected the dock location" in fb.message
        assert d.scan("DOCK-1").level == "ok"
        assert [r[0] for r in d.flow.table().rows] == ["SKU-100", "SKU-300"]
        d.scan(td.WIDGET_EAN)
        assert "Put 30 × SKU-100 → A-01-01" in d.flow.prompt
        d.key("qty")
        assert d.type("31").level == "error"
        d.type("10")
        fb = d.scan("A-01-01")
        assert fb.level == "ok" and "put away 10 × SKU-100 DOCK-1 → A-01-01" in fb.message
        assert on_hand(data["widget"], get_location("A-01-01")) == 60
        assert on_hand(data["widget"], get_location("DOCK-1")) == 20
        # Elsewhere than suggested: allowed, and said.
        d.scan(td.WIDGET_EAN)
        fb = d.scan("A-02-01")
        assert fb.level == "ok" and "(suggested A-01-01)" in fb.message
        # Bolts: already on B-01-01.
        d.scan(td.BOLT_EAN)
        assert "→ B-01-01" in d.flow.prompt
        fb = d.scan(td.WIDGET_EAN)
        assert fb.level == "error" and "expected the location where SKU-300 went" in fb.message
        d.scan("B-01-01")
        assert "DOCK-1 is empty" in d.flow.prompt
        fb = d.key("undo")
        assert fb.level == "ok" and on_hand(data["bolt"], get_location("DOCK-1")) == 7
        assert d.flow.table().rows[0][0] == "SKU-300"
        d.key("done")
        assert d.ui.targets[-1] == ("leave", {})
        assert verify().consistent
    finally:
        d.close()


def test_started_at_a_dock_from_receiving(data):
    d = td.FlowDriver(data["url"], PutawayFlow, dock="DOCK-1")
    try:
        assert d.flow.prompt == "Scan an item on DOCK-1"
        fb = d.scan(td.YOG_EAN)
        assert fb.level == "error" and "no SKU-200 on DOCK-1" in fb.message
    finally:
        d.close()
