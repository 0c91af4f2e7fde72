"""The real station app under Pilot, against a real store: screen text AND ledger."""
from __future__ import annotations

import pytest

from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, login, make_app, scan, screen_text, settle, type_

pytestmark = pytest.mark.slow
SIZE = (80, 24)


@async_test
async def test_login_header_menu_and_job_screens(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = flat(app)
        assert "Scan your operator badge, or type your operator code" in text
        assert "Station ST-01" in text and "Warehouse WH1" in text and "Scanner none" in text
        assert "store.db" in text
        await type_(pilot, "NOBODY")
        text = flat(app)
        assert "unknown operator 'NOBODY'" in text and "Press Enter" in text
        await key(pilot, "enter")
        await scan(pilot, "OP-W1")       # a badge through the keyboard wedge
        text = flat(app)
        assert "Operator W1 Anna" in text and "Welcome, Anna" in text
        for line in ("1  Receive", "2  Put away", "3  Pick", "4  Ship", "5  Transfer", "6  Count",
                     "7  Lookup", "0  Log out"):
            assert line in screen_text(app)
        assert "8  Supervisor" not in screen_text(app)          # W1 is a worker
        await key(pilot, "f1")
        assert "open that job" in flat(app)
        await key(pilot, "escape")
        await type_(pilot, "7", enter=False)
        assert "Scan or type anything" in flat(app)
        await scan(pilot, "A-01-01")
        assert "location A-01-01: 50 units" in flat(app)
        await key(pilot, "escape")
        assert "Press the number of a job" in flat(app)
        # Count and Supervisor open their own screens; Esc comes back.
        await type_(pilot, "6", enter=False)
        assert "Scan a location to count" in flat(app)
        await key(pilot, "escape")
        # W1 is a worker: the menu and F1 offer jobs 1–7, and 8 is no entry of theirs.
        text = flat(app)
        assert "Supervisor" not in text and "Offline exceptions" not in text
        await key(pilot, "f1")
        assert "1–7 open that job" in flat(app)
        await key(pilot, "escape")
        await type_(pilot, "8", enter=False)
        assert "no menu entry '8': expected 1, 2, 3, 4, 5, 6, 7, R, 0" in flat(app)
        await key(pilot, "enter")
        assert "Press the number of a job" in flat(app)
        await type_(pilot, "0", enter=False)
        assert "Scan your operator badge" in flat(app)
        assert "nobody logged in" in flat(app)


@async_test
async def test_receive_a_po_fully_with_lot_and_case(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "1", enter=False)
        text = flat(app)
        assert "PO-1042" in text and "Scan a PO number" in text
        await scan(pilot, "PO-1042")
        assert "Scan an item for PO-1042" in flat(app)
        await scan(pilot, td.WIDGET_CASE)
        await scan(pilot, td.WIDGET_CASE)
        text = flat(app)
        assert "received 12 × SKU-100 → DOCK-1; line 1: 24 of 24" in text
        # GS1-128 with a variable-length lot ended by GS, then the expiry: 2 cases of 6.
        await scan(pilot, "]C10115901234123454" + "10LOT-A\x1d" + "17301231")
        assert "received 6 × SKU-200 lot LOT-A" in flat(app)
        await scan(pilot, "]C10115901234123454" + "10LOT-A\x1d" + "17301231")
        line2 = PurchaseOrderLine.get(PurchaseOrderLine.line_no == 2)
        assert line2.qty_received == 12 and line2.item.sku == "SKU-200"
        await key(pilot, "f10")
        text = flat(app)
        assert "PO-1042 fully received and closed" in text and "Put away now" in text
        await type_(pilot, "2")
        text = flat(app)
        assert "goods left on DOCK-1" in text and "Press the number of a job" in text
    assert PurchaseOrder.get(number="PO-1042").status == "closed"
    assert on_hand(world["widget"], get_location("DOCK-1")) == 24
    lot = Movement.select().where(Movement.kind == "receipt", Movement.lot.is_null(False)).first().lot
    assert lot.code == "LOT-A" and str(lot.expiry) == "2030-12-31"
    assert verify().consistent


@async_test
async def test_pick_and_ship_with_fefo_and_a_short(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "3", enter=False)
        assert "Press Enter for the next order" in flat(app)
        await key(pilot, "enter")
        text = flat(app)
        assert "Go to A-01-02 · pick 10 × SKU-200 Yoghurt" in text and "lot L17" in text
        await scan(pilot, "A-01-02")
        # FEFO: the later lot is refused, naming both.
        await scan(pilot, "]C10105901234123457" + "10L42")
        text = flat(app)
        assert "wrong lot: expected L17, scanned L42" in text
        # The next scan waits until the error is acknowledged.
        await scan(pilot, "]C10105901234123457" + "10L17")
        assert "waiting: 1" in flat(app)
        assert Movement.select().where(Movement.kind == "pick").count() == 0
        await key(pilot, "enter")
        text = flat(app)
        assert "1 of 10" in text
        await type_(pilot, "10")
        assert "picked 10 × SKU-200 lot L17 from A-01-02" in flat(app)
        assert "Go to A-02-01 · pick 2 × SKU-200" in flat(app)
        await scan(pilot, "A-02-01")
        await scan(pilot, "]C10105901234123457" + "10L42")
        await type_(pilot, "2")
        assert "Go to B-01-01 · pick 3 × SKU-300" in flat(app)
        await scan(pilot, "B-01-01")
        await scan(pilot, "CMD-SHORT")
        assert "how many of the 3 × SKU-300 did you find? Type the number, Enter = none" in flat(app)
        await key(pilot, "enter")
        text = flat(app)
        assert "short at B-01-01: 3 × SKU-300 recorded missing" in text
        assert "is picked" in text
        await scan(pilot, "CMD-DONE")
        assert "Ship 12 units of SO-77?" in flat(app)
        await key(pilot, "f10")
        text = flat(app)
        assert "shipped 12 units of SO-77; backorder SO-77-BO1" in text
        assert "packing list sent to" in text
    assert SalesOrder.get(number="SO-77").status == "partial"
    assert "PACKING LIST  SO-77" in (world["tmp"] / "printer.out").read_text()
    assert verify().consistent


@async_test
async def test_transfer_then_undo(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "5", enter=False)
        assert "Scan the source location" in flat(app)
        await scan(pilot, "A-01-01")
        await key(pilot, "f3")
        await type_(pilot, "7")
        await scan(pilot, td.WIDGET_EAN)
        await scan(pilot, "B-01-01")
        assert "moved 7 units A-01-01 → B-01-01" in flat(app)
        assert on_hand(world["widget"], get_location("B-01-01")) == 7
        await scan(pilot, "CMD-UNDO")
        text = flat(app)
        assert "undone: 7 × SKU-100 A-01-01 → B-01-01" in text
        assert on_hand(world["widget"], get_location("B-01-01")) == 0
        await key(pilot, "f9")        # nothing left to undo for W1
        assert "nothing to undo" in flat(app)
    assert verify().consistent


@async_test
async def test_a_burst_of_scans_is_never_lost_or_merged(world):
    """Ten quick scans add ten, in order, even while the store is busy and an error waits."""
    from devices.scan import make_scan
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "1", enter=False)
        await scan(pilot, "PO-1042")
        codes = [td.WIDGET_EAN] * 4 + ["BAD-CODE"] + [td.WIDGET_EAN] * 6
        for c in codes:
            app.source.submit(make_scan(c, "burst"))
        await settle(pilot)
        assert PurchaseOrderLine.get(PurchaseOrderLine.line_no == 1).qty_received == 4
        assert "unknown barcode 'BAD-CODE'" in flat(app)
        assert "waiting: 6" in flat(app)
        await key(pilot, "enter")
        assert PurchaseOrderLine.get(PurchaseOrderLine.line_no == 1).qty_received == 10
        keys = [m.idempotency_key for m in Movement.select().where(Movement.kind == "receipt").order_by(Movement.id)]
        assert len(keys) == 10 and len(set(keys)) == 10
    assert verify().consistent
