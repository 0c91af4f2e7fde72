"""Transfers and lookups through the real station queue, on SQLite and PostgreSQL."""
from __future__ import annotations


from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.core.models import Movement
from terminal.flows.lookup import LookupFlow
from terminal.flows.transfer import TransferFlow
from tests import terminal_data as td


def test_items_then_destination_and_whole_location(warehouse):
    d = td.FlowDriver(warehouse["url"], TransferFlow)
    try:
        assert d.scan(td.WIDGET_EAN).message.startswith("expected the source location")
        d.scan("A-01-01")
        fb = d.scan("A-02-01")
        assert fb.level == "error" and "scan the items first" in fb.message
        d.scan(td.WIDGET_CASE)
        d.key("qty")
        d.type("5")
        fb = d.scan(td.WIDGET_EAN)
        assert "17 in the basket" in fb.message
        fb = d.scan(td.YOG_EAN)
        assert fb.level == "error" and "no free SKU-200 on A-01-01" in fb.message
        fb = d.scan("A-02-01")
        assert fb.level == "ok" and fb.message == "moved 17 units A-01-01 → A-02-01"
        assert on_hand(warehouse["widget"], get_location("A-02-01")) == 17
        # Everything left on A-01-01, to another warehouse: through transit.
        d.key("all")
        fb = d.scan("C-01-01")
        assert "moved 33 units A-01-01 → C-01-01 (via transit" in fb.message
        assert on_hand(warehouse["widget"], get_location("C-01-01")) == 33
        assert on_hand(warehouse["widget"], get_location("A-01-01")) == 0
        legs = list(Movement.select().where(Movement.kind == "transfer"))
        assert len(legs) == 2 and legs[0].document == legs[1].document != ""
        assert d.flow.state == "source"
        assert verify().consistent
    finally:
        d.close()


def test_lot_choice_and_undo(warehouse):
    from tests import factories as f
    f.give_stock(warehouse["yog"], warehouse["locs"]["A-01-02"], 4, warehouse["lot_late"])
    d = td.FlowDriver(warehouse["url"], TransferFlow, source="A-01-02")
    try:
        d.scan(td.YOG_EAN)
        assert d.flow.state == "lot" and "L17, L42" in d.flow.prompt
        assert d.type("L99").message.startswith("wrong lot: expected one of L17, L42")
        d.type("L42")
        d.scan("B-01-01")
        assert on_hand(warehouse["yog"], get_location("B-01-01"), warehouse["lot_late"]) == 1
        fb = d.key("undo")
        assert fb.level == "ok"
        assert on_hand(warehouse["yog"], get_location("B-01-01"), warehouse["lot_late"]) == 0
        assert verify().consistent
    finally:
        d.close()


def test_lookup_anything(warehouse):
    td.purchase_order("PO-1042")
    td.sales_order("SO-77")
    d = td.FlowDriver(warehouse["url"], LookupFlow)
    try:
        fb = d.scan(td.YOG_EAN)
        assert fb.level == "ok" and "SKU-200 Yoghurt: 30 on hand in 2 places" in fb.message
        rows = d.flow.table().rows
        assert [(r[0], r[1], r[3]) for r in rows] == [("A-01-02", "L17", 10), ("A-02-01", "L42", 20)]
        assert "PO-1042 12" in d.flow.info[1] and "SO-77 12" in d.flow.info[2]
        fb = d.scan("A-01-01")
        assert "location A-01-01: 50 units" in fb.message
        fb = d.type("L42")
        assert "lot L42: 20 units in 1 place" in fb.message and "2031-01-15" in d.flow.info[0]
        fb = d.type("SO-77")
        assert "sales order SO-77 (open): 2 lines" in fb.message
        fb = d.type("PO-1042")
        assert d.flow.table().rows[0][1] == "SKU-100"
        fb = d.type("NOTHING")
        assert fb.level == "error" and "'NOTHING'" in fb.message
    finally:
        d.close()
