"""Picking and shipping through the real station queue, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.core.models import PickShortage, SalesOrder, SalesOrderLine
from terminal.flows.picking import PickingFlow
from terminal.flows.shipping import ShippingFlow
from tests import terminal_data as td


@pytest.fixture
def data(warehouse):
    """The shared warehouse with SO-77 and the more urgent SO-78 to pick."""
    data = warehouse
    td.sales_order("SO-77", lines=(("SKU-200", 12), ("SKU-300", 5)), priority=5)
    td.sales_order("SO-78", lines=(("SKU-100", 4),), priority=1)
    data["printer"] = data["tmp"] / "printer.out"
    return data


def driver(data, cls, **kw):
    d = td.FlowDriver(data["url"], cls, **kw)
    d.session.cfg.values["station"]["printer"] = str(data["printer"])
    return d


def test_next_order_by_priority_and_directed_picks(data):
    d = driver(data, PickingFlow)
    try:
        assert d.flow.choices[0].startswith("SO-78")
        fb = d.key("enter")
        assert fb.level == "ok" and "SO-78" in fb.message
        assert d.flow.prompt == "Go to A-01-01 · pick 4 × SKU-100 Widget"
        fb = d.scan("B-01-01")
        assert fb.level == "error" and fb.message == "wrong location: expected A-01-01, scanned B-01-01"
        d.scan("A-01-01")
        fb = d.scan(td.BOLT_EAN)
        assert fb.level == "error" and "wrong item: expected SKU-100 Widget, scanned SKU-300" == fb.message
        fb = d.scan(td.WIDGET_EAN)
        assert fb.level == "info" and "1 of 4" in fb.message
        fb = d.key("enter")     # confirms the task quantity
        assert fb.level == "ok" and "picked 4 × SKU-100 from A-01-01" in fb.message
        assert d.flow.state == "done"
        assert on_hand(data["widget"], get_location("SHIP-1")) == 4
        # Another station cannot take the same order.
        other = driver(data, PickingFlow, operator="W2", station="ST-02")
        try:
            fb = other.type("SO-78")
            assert fb.level == "error" and "SO-78" in fb.message
        finally:
            other.close()
        d.key("done")
        assert d.ui.targets[-1] == ("ship", {"so": "SO-78", "from_pick": True})
        ship = d.current
        assert isinstance(ship, ShippingFlow) and ship.state == "confirm"
        fb = d.key("done")
        assert fb.level == "ok" and "shipped 4 units of SO-78" in fb.message
        assert SalesOrder.get(number="SO-78").status == "shipped"
        text = data["printer"].read_text()
        assert "PACKING LIST  SO-78" in text and "SKU-100" in text
        assert verify().consistent
    finally:
        d.close()


def test_fefo_wrong_lot_short_pick_and_backorder(data):
    d = driver(data, PickingFlow, so="SO-77")
    try:
        flow = d.flow
        # FEFO: L17 (expires 2030-06-30) at A-01-02 comes before L42 at A-02-01.
        assert flow.prompt == "Go to A-01-02 · pick 10 × SKU-200 Yoghurt"
        assert "lot L17" in flow.info[0]
        d.scan("A-01-02")
        fb = d.scan("]C10105901234123457" + "17310115" + "10L42")
        assert fb.level == "error" and fb.message == "wrong lot: expected L17, scanned L42"
        # A case of 6 with its lot in GS1, then typing the rest.
        fb = d.scan("]C10115901234123454" + "17300630" + "10L17")
        assert fb.level == "info" and "6 of 10" in fb.message
        fb = d.type("10")
        assert fb.level == "ok" and "picked 10 × SKU-200 lot L17" in fb.message
        # Next: 2 of L42 at A-02-01; skip it, bolts come first.
        assert flow.task.location == "A-02-01" and flow.task.qty == 2
        d.key("skip")
        assert flow.task.sku == "SKU-300" and flow.task.qty == 3
        # Only 3 bolts exist for 5 ordered; the shelf really has 1: pick 1, short the rest.
        d.scan("B-01-01")
        d.scan(td.BOLT_EAN)
        fb = d.type("1")
        assert fb.level == "ok"
        assert flow.task.sku == "SKU-300" and flow.task.qty == 2
        assert d.key("short") is None and flow.state == "short"
        assert flow.prompt == ("Short at B-01-01: how many of the 2 × SKU-300 did you find? "
                               "Type the number, Enter = none")
        fb = d.key("enter")                     # none found
        assert fb.level == "warn" and "short at B-01-01: 2 × SKU-300 recorded missing" in fb.message
        assert PickShortage.select().where(PickShortage.qty_short == 2).count() == 1
        assert flow.task.location == "A-02-01"
        d.scan("A-02-01")
        d.scan(td.YOG_EAN)                      # no lot on a plain EAN: asked
        assert flow.state == "lot"
        assert d.type("L17").message == "wrong lot: expected L42, scanned L17"
        d.type("L42")
        d.key("enter")
        assert flow.state == "done"
        d.key("done")
        fb = d.key("done")
        assert fb.level == "ok" and "backorder SO-77-BO1" in fb.message
        bo = SalesOrder.get(number="SO-77-BO1")
        assert [(l.item.sku, l.qty_ordered) for l in bo.lines.order_by(SalesOrderLine.line_no)] == [("SKU-300", 4)]
        assert verify().consistent
    finally:
        d.close()


def test_undo_a_pick(data):
    d = driver(data, PickingFlow, so="SO-78")
    try:
        d.scan("A-01-01")
        d.scan(td.WIDGET_EAN)
        d.type("3")
        line = SalesOrderLine.get(SalesOrderLine.so == SalesOrder.get(number="SO-78").id)
        assert line.qty_picked == 3
        fb = d.key("undo")
        assert fb.level == "ok" and "undone" in fb.message
        assert SalesOrderLine.get_by_id(line.id).qty_picked == 0
        assert d.flow.task.qty == 4
        assert verify().consistent
    finally:
        d.close()


def test_a_long_order_list_shows_the_first_orders_and_any_can_be_scanned(data):
    from terminal.flows.base import LISTED as LISTED_ORDERS
    for n in range(LISTED_ORDERS + 5):
        td.sales_order(f"SO-9{n:02d}", lines=(("SKU-300", 1),), priority=9)
    d = driver(data, PickingFlow)
    try:
        waiting = LISTED_ORDERS + 5 + 2
        assert len(d.flow.choices) == LISTED_ORDERS
        assert d.flow.choices[0].startswith("SO-78") and d.flow.choices[1].startswith("SO-77")
        assert d.flow.info == [f"… and {waiting - LISTED_ORDERS} more waiting: scan or type an SO number"]
        fb = d.type(str(LISTED_ORDERS + 1))          # not listed: no such list number
        assert fb.level == "error" and SalesOrder.get(number="SO-78").status == "open"
        fb = d.scan(f"SO-9{LISTED_ORDERS + 4:02d}")  # the last one, beyond the list
        assert fb.level == "ok" and f"SO-9{LISTED_ORDERS + 4:02d}" in fb.message
        assert SalesOrder.get(number=f"SO-9{LISTED_ORDERS + 4:02d}").status == "picking"
    finally:
        d.close()


def test_a_long_list_of_orders_to_ship_shows_the_first_and_how_many_more(data):
    from terminal.flows.base import LISTED
    for n in range(LISTED + 2):
        so = td.sales_order(f"SO-8{n:02d}", lines=(("SKU-300", 1),), priority=3)
        SalesOrder.update(status="picked").where(SalesOrder.id == so.id).execute()
    d = driver(data, ShippingFlow)
    try:
        assert len(d.flow.choices) == LISTED and d.flow.choices[0].startswith("SO-800")
        assert d.flow.info == ["… and 2 more to ship: scan or type an SO number"]
        assert d.type(str(LISTED + 1)).level == "error" and d.flow.state == "choose"
        fb = d.scan(f"SO-8{LISTED + 1:02d}")         # beyond the list, still chosen by its number
        assert fb.level != "error" and d.flow.so.number == f"SO-8{LISTED + 1:02d}"
    finally:
        d.close()
