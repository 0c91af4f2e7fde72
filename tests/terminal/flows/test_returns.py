"""The Return job as a plain flow through the real station queue, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from db.core.models import Movement
from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.purchasing import receive
from db.returns import ReturnDocument, create_supplier_return
from db.sales import pick, ship
from terminal.flows.menu import MenuFlow
from terminal.flows.returns import ReturnsFlow
from tests import terminal_data as td


@pytest.fixture
def data(store):
    data = td.seed()
    data["url"] = store
    return data


def test_send_an_open_return_to_the_supplier_like_a_pick(data):
    td.purchase_order("PO-7", lines=(("SKU-100", 24),))
    receive("PO-7", "SKU-100", 24, operator="W1", location="DOCK-1")
    doc = create_supplier_return("SUP1", [{"sku": "SKU-100", "qty": 3, "from": "DOCK-1"}], reason="DAMAGED",
                                 operator="W1", po="PO-7")
    d = td.FlowDriver(data["url"], ReturnsFlow)
    try:
        assert d.flow.choices[0].startswith(doc.number) and "3 to send" in d.flow.choices[0]
        fb = d.type("1")
        assert fb.level == "ok" and d.flow.prompt == "Go to DOCK-1 · send 3 × SKU-100 Widget"
        fb = d.scan("A-01-01")
        assert fb.level == "error" and fb.message == "wrong location: expected DOCK-1, scanned A-01-01"
        assert d.scan("DOCK-1").level == "ok"
        fb = d.scan(td.BOLT_EAN)
        assert fb.level == "error" and fb.message == "wrong item: expected SKU-100 Widget, scanned SKU-300"
        fb = d.scan(td.WIDGET_CASE)
        assert fb.level == "error" and "too many: 12 × SKU-100 scanned, 3 left to send from DOCK-1" in fb.message
        fb = d.scan(td.WIDGET_EAN)
        assert fb.level == "ok" and fb.message == "sent 1 × SKU-100 from DOCK-1 to the supplier"
        assert d.flow.prompt == "At DOCK-1: scan SKU-100 (2 to send)"
        d.scan(td.WIDGET_EAN)
        fb = d.scan(td.WIDGET_EAN)
        assert fb.message.endswith(f"; {doc.number} is shipped") and d.flow.state == "done"
        assert ReturnDocument.get_by_id(doc.id).status == "shipped"
        assert on_hand(data["widget"], get_location("DOCK-1")) == 21
        assert Movement.select().where(Movement.kind == "rtv").count() == 3
        assert verify().consistent
    finally:
        d.close()


def test_take_goods_back_from_a_customer_by_scanning_the_order(data):
    td.sales_order("SO-9", lines=(("SKU-100", 2), ("SKU-200", 3)))
    pick("SO-9", "SKU-100", 2, "A-01-01", operator="W1", station="ST-01")
    pick("SO-9", "SKU-200", 3, "A-01-02", lot="L17", operator="W1", station="ST-01")
    ship("SO-9", operator="W1", station="ST-01")
    d = td.FlowDriver(data["url"], ReturnsFlow)
    try:
        fb = d.scan("SO-9")
        assert fb.level == "ok" and fb.message == "SO-9: 5 units may come back" and d.flow.entry == "reason"
        fb = d.type("nonsense")
        assert fb.level == "error" and "unknown reason code 'NONSENSE'" in fb.message
        assert d.type("damaged").message == "reason DAMAGED"
        fb = d.scan(td.WIDGET_EAN)
        assert fb.level == "ok" and fb.message == "took back 1 × SKU-100 to QA-1 (RMA-000001)"
        fb = d.scan(td.YOG_EAN)      # no lot on the barcode: the lot shipped comes back
        assert fb.message == "took back 1 × SKU-200 lot L17 to QA-1 (RMA-000001)"
        fb = d.scan(td.WIDGET_CASE)
        assert fb.level == "error" and "shipped 2 × SKU-100 to customer CUST1 and 1 already came back: at most 1" in fb.message
        rows = d.flow.view().table.rows
        assert rows == [[1, "SKU-100", "Widget", "", 2, 1], [2, "SKU-200", "Yoghurt", "L17", 3, 1]]
        fb = d.key("done")
        assert fb.message == "RMA-000001: 2 units taken back from SO-9, to inspect" and d.flow.state == "choose"
        rma = ReturnDocument.get(ReturnDocument.number == "RMA-000001")
        assert (rma.status, rma.lines.count(), rma.reason) == ("open", 2, "DAMAGED")
        assert on_hand(data["widget"], get_location("QA-1")) == 1
        assert verify().consistent
    finally:
        d.close()


def test_the_menu_opens_returns_by_letter(data):
    d = td.FlowDriver(data["url"], MenuFlow)
    try:
        d.type("r")
        assert d.ui.targets[-1] == ("returns", {})
    finally:
        d.close()
