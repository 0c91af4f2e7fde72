"""Receiving through the real station queue and decoder, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from db.ledger.posting import verify
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine
from terminal.flows.receiving import ReceivingFlow
from tests import terminal_data as td


@pytest.fixture
def recv(store):
    td.seed()
    td.purchase_order("PO-1042", lines=(("SKU-100", 24), ("SKU-200", 12)), expected=dt.date(2030, 1, 10))
    td.purchase_order("PO-1041", lines=(("SKU-300", 5),), expected=dt.date(2030, 1, 3))
    d = td.FlowDriver(store, ReceivingFlow)
    yield d
    d.close()


def line(po, n):
    return PurchaseOrderLine.get(PurchaseOrderLine.po == PurchaseOrder.get(number=po), PurchaseOrderLine.line_no == n)


def test_po_list_earliest_first_and_full_receipt(recv):
    flow = recv.flow
    assert flow.choices[0].startswith("PO-1041") and flow.choices[1].startswith("PO-1042")
    fb = recv.type("2")
    assert fb.level == "ok" and "Scan an item for PO-1042" in flow.prompt
    assert fb.message.endswith(": 2 lines")
    # A case barcode adds its pack quantity: 2 cases = 24.
    assert recv.scan(td.WIDGET_CASE).level == "ok"
    fb = recv.scan(td.WIDGET_CASE)
    assert "24 of 24" in fb.message
    # GS1 with lot and expiry: (01) case GTIN of 6, (17) expiry, (10) lot.
    fb = recv.scan("]C10115901234123454" + "17301231" + "10LOT9")
    assert fb.level == "ok", fb
    assert "6 × SKU-200 lot LOT9" in fb.message
    fb = recv.scan("]C10115901234123454" + "17301231" + "10LOT9")
    assert line("PO-1042", 2).qty_received == 12
    assert flow.table().rows[1][4] == 12
    assert recv.key("done").level == "ok"
    assert PurchaseOrder.get(number="PO-1042").status == "closed"
    assert flow.prompt.startswith("Goods are on DOCK-1")
    fb = recv.type("1")   # put away now
    assert recv.ui.targets[-1] == ("putaway", {"dock": "DOCK-1"})
    assert verify().consistent


def test_lot_and_expiry_asked_when_missing(recv):
    recv.scan("PO-1042")
    fb = recv.scan(td.YOG_EAN)
    assert fb.level == "info" and recv.flow.state == "lot"
    assert "lot of SKU-200" in recv.flow.prompt
    recv.type("NEWLOT")
    assert recv.flow.state == "expiry"
    fb = recv.type("31/12/2030")
    assert fb.level == "error" and "YYYY-MM-DD" in fb.message
    fb = recv.type("2030-12-31")
    assert fb.level == "ok"
    m = Movement.select().order_by(Movement.id.desc()).first()
    assert m.lot.code == "NEWLOT" and m.lot.expiry == dt.date(2030, 12, 31) and m.qty == 1
    # A lot already known with its expiry needs no date.
    recv.scan(td.YOG_EAN)
    fb = recv.type("L17")
    assert fb.level == "ok" and "lot L17" in fb.message


def test_quantity_key_reject_and_over_receipt(recv):
    recv.scan("PO-1042")
    recv.key("qty")
    assert recv.flow.entry == "qty"
    recv.type("20")
    fb = recv.scan(td.WIDGET_EAN)
    assert "received 20 × SKU-100" in fb.message
    recv.key("reject")
    assert recv.flow.state == "reason"
    fb = recv.type("NOPE")
    assert fb.level == "error" and "DAMAGED" in fb.message
    recv.type("DAMAGED")
    fb = recv.scan(td.WIDGET_EAN)
    assert "rejected 1 × SKU-100" in fb.message and "QA-1" not in fb.message
    assert line("PO-1042", 1).qty_rejected == 1
    qa = Movement.select().where(Movement.kind == "reject").get()
    assert qa.to_location.code == "QA-1" and qa.reason == "DAMAGED"
    # 21 of 24 arrived; 5 more = 26 is over but within 10% (26.4): a warning.
    recv.key("qty")
    recv.type("5")
    fb = recv.scan(td.WIDGET_EAN)
    assert fb.level == "warn" and "over" in fb.message.lower()
    # One more is beyond the tolerance: refused, nothing posted.
    n = Movement.select().count()
    fb = recv.scan(td.WIDGET_EAN)
    assert fb.level == "error" and line("PO-1042", 1).qty_received == 25
    assert Movement.select().count() == n
    assert verify().consistent


def test_a_purchase_order_of_one_line_says_so(recv):
    fb = recv.type("1")
    assert fb.level == "ok" and fb.message.startswith("PO-1041 from ") and fb.message.endswith(": 1 line"), fb.message


def test_wrong_item_and_bad_barcode_errors(recv):
    recv.scan("PO-1042")
    fb = recv.scan(td.BOLT_EAN)
    assert fb.level == "error" and "SKU-300" in fb.message and "PO-1042" in fb.message
    fb = recv.scan("4006381333932")   # wrong check digit
    assert fb.level == "error" and "4006381333932" in fb.message
    fb = recv.scan("A-01-01")
    assert fb.level == "error" and "location A-01-01" in fb.message


def test_close_with_backorder_and_undo(recv):
    recv.scan("PO-1042")
    recv.scan(td.WIDGET_CASE)
    fb = recv.key("undo")
    assert fb.level == "ok" and "undone" in fb.message
    assert line("PO-1042", 1).qty_received == 0
    recv.scan(td.WIDGET_CASE)
    recv.key("done")
    assert recv.flow.state == "close" and "24 units open" in recv.flow.prompt
    recv.type("1")
    bo = PurchaseOrder.get(number="PO-1042-BO1")
    assert [(l.item.sku, l.qty_ordered) for l in bo.lines.order_by(PurchaseOrderLine.line_no)] == \
        [("SKU-100", 12), ("SKU-200", 12)]
    recv.type("2")
    assert recv.ui.targets[-1] == ("leave", {})
    assert verify().consistent


def test_a_retried_key_posts_once(recv):
    """The same idempotency key twice (a retry after a lost reply) receives once."""
    from devices.scan import make_scan
    from terminal.resolver import make_decoder
    recv.scan("PO-1042")
    flow = recv.flow
    decoded = make_decoder(recv.session.cfg)(make_scan(td.WIDGET_CASE, "test"))
    flow.on_scan(decoded, key="retry-1")
    flow.on_scan(decoded, key="retry-1")
    assert line("PO-1042", 1).qty_received == 12


def test_a_locked_store_is_retried_and_the_scan_kept(sqlite_store):
    """Another writer holds the store: the station says so, keeps the scan, and posts it
    exactly once when the store answers again."""
    import sqlite3
    import threading
    from db.core.connection import database, open_database
    td.seed()
    td.purchase_order("PO-1042")
    database.close()
    open_database(sqlite_store, busy_timeout_ms=50)
    d = td.FlowDriver(sqlite_store, ReceivingFlow)
    try:
        d.scan("PO-1042")
        path = sqlite_store[len("sqlite:///"):]
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.6, other.rollback).start()
        fb = d.scan(td.WIDGET_CASE)
        other.close()
        assert any("store unreachable, retrying" in s for s in d.ui.store)
        assert fb.level == "ok" and "12 of 24" in fb.message
        assert line("PO-1042", 1).qty_received == 12
        assert Movement.select().where(Movement.kind == "receipt").count() == 1
    finally:
        d.close()


def test_a_typed_sku_receives_one_unit(recv):
    recv.type("2")                              # PO-1042
    fb = recv.type("SKU-100")                   # F2-typed, as from a torn label
    assert fb.level == "ok" and "1 of 24" in fb.message, fb.message
    assert line("PO-1042", 1).qty_received == 1
    assert verify().consistent


def test_a_long_po_list_shows_the_first_orders_and_how_many_more(store):
    from terminal.flows.base import LISTED
    td.seed()
    for n in range(LISTED + 3):
        td.purchase_order(f"PO-3{n:03d}", lines=(("SKU-300", 5),), expected=dt.date(2030, 2, 1) + dt.timedelta(days=n))
    d = td.FlowDriver(store, ReceivingFlow)
    try:
        assert len(d.flow.choices) == LISTED and d.flow.choices[-1].startswith(f"PO-3{LISTED - 1:03d}")
        assert d.flow.info == ["… and 3 more open: scan or type a PO number"]
        fb = d.type(str(LISTED + 1))              # not a number in the list shown
        assert fb.level == "error" and d.flow.state == "choose"
        fb = d.scan(f"PO-3{LISTED + 2:03d}")      # the last one, beyond the list
        assert fb.level == "ok" and f"Scan an item for PO-3{LISTED + 2:03d}" in d.flow.prompt
    finally:
        d.close()
