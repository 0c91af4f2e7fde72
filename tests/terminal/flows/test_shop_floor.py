"""Issue 17 on the floor, through the real station queue: expiry at receipt and pick, put-away
kept in the warehouse, short picks that ask and block, and picks the station cannot make."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from db.core.clock import fixed_today
from db.core.models import AuditLog, Balance, Item, PickShortage, SalesOrder, SalesOrderLine
from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.masterdata.security import set_pin
from terminal.flows.lookup import LookupFlow
from terminal.flows.picking import PickingFlow
from terminal.flows.putaway import PutawayFlow
from terminal.flows.receiving import ReceivingFlow
from tests import factories as f
from tests import terminal_data as td


@pytest.fixture
def data(store, tmp_path):
    data = td.seed()
    data["printer"] = tmp_path / "printer.out"     # a packing list never lands in the worktree
    td.purchase_order("PO-1042", lines=(("SKU-100", 24), ("SKU-200", 12)))
    Item.update(min_shelf_life_days=30).where(Item.sku == "SKU-200").execute()
    data["url"] = store
    return data


def driver(data, cls, **kw):
    d = td.FlowDriver(data["url"], cls, **kw)
    d.session.cfg.values["station"]["printer"] = str(data["printer"])
    return d


def units(item, loc_code: str) -> int:
    """Units of ITEM at LOC_CODE, all lots together."""
    return sum(b.qty for b in Balance.select().where(Balance.item == item.id,
                                                     Balance.location == get_location(loc_code).id))


def gs1(lot: str, expiry: str, gtin: str = "05901234123457") -> str:
    return f"]C101{gtin}17{expiry}10{lot}"


def test_receipt_of_an_expired_lot_is_refused_then_overridden_by_a_supervisor(data):
    set_pin("S1", "4321")
    with fixed_today(dt.date(2030, 1, 1)):
        d = driver(data, ReceivingFlow, po="PO-1042")
        try:
            fb = d.scan(gs1("L99", "291231"))
            assert fb.level == "error"
            assert fb.message == ("receipt refused: lot L99 of SKU-200 expired on 2029-12-31 (today is 2030-01-01)")
            assert d.flow.state == "refused" and d.flow.choices[0].startswith("Supervisor override")
            assert d.type("1") is None and d.flow.entry == "operator"
            assert d.type("W2").message == "operator W2 is a worker; an override needs a supervisor"
            d.type("S1")
            assert d.flow.entry == "pin" and d.flow.prompt == "Supervisor S1: type your PIN and press Enter"
            assert d.type("1111").level == "error" and d.flow.entry == "pin"
            d.type("4321")
            assert d.flow.entry == "reason"
            fb = d.type("staff canteen today")
            assert fb.level == "ok" and "(override by S1: staff canteen today)" in fb.message
            assert units(data["yog"], "DOCK-1") == 1
            detail = json.loads(AuditLog.get(AuditLog.action == "expiry_override").detail)
            assert detail["received_by"] == "W1" and detail["reason"] == "staff canteen today"
        finally:
            d.close()


def test_a_short_dated_lot_is_refused_with_the_dates_and_can_be_rejected_to_quarantine(data):
    with fixed_today(dt.date(2030, 1, 1)):
        d = driver(data, ReceivingFlow, po="PO-1042")
        try:
            fb = d.scan(gs1("L98", "300115"))            # 14 days left, 30 needed
            assert fb.message == ("receipt refused: lot L98 of SKU-200 expires 2030-01-15, in 14 days; "
                                  "SKU-200 needs 30 days of shelf life (expiry 2030-01-31 or later)")
            fb = d.type("2")
            assert fb.level == "ok" and "rejected 1 × SKU-200 lot L98 → quarantine (EXPIRED)" in fb.message
            assert units(data["yog"], "QA-1") == 1
            assert units(data["yog"], "DOCK-1") == 0
            d.scan(gs1("L97", "300301"))                 # 59 days left: fine
            assert units(data["yog"], "DOCK-1") == 1
        finally:
            d.close()


def test_receive_checks_the_po_before_asking_lot_and_expiry(data):
    d = driver(data, ReceivingFlow, po="PO-1042")
    try:
        fb = d.scan(td.BOLT_EAN)
        assert fb.level == "error" and fb.message == "item SKU-300 is not on purchase order PO-1042"
        assert d.flow.state == "items"
        d.key("qty")
        d.type("20")
        fb = d.scan(td.YOG_EAN)                          # no lot on the scan: would ask for it
        assert fb.level == "error" and fb.message.startswith("over-receipt refused on PO-1042 line 2 (SKU-200)")
        assert d.flow.state == "items" and d.flow.pending is None
    finally:
        d.close()


def test_an_expired_lot_is_not_directed_and_its_scan_is_refused(data):
    td.sales_order("SO-90", lines=(("SKU-200", 12),))
    with fixed_today(dt.date(2030, 7, 1)):           # L17 expired on 2030-06-30
        d = driver(data, PickingFlow, so="SO-90")
        try:
            assert d.flow.prompt == "Go to A-02-01 · pick 12 × SKU-200 Yoghurt"
            d.scan("A-02-01")
            fb = d.scan(gs1("L17", "300630", gtin="05901234123457"))
            assert fb.level == "error" and fb.message.startswith("lot L17 expired on 2030-06-30")
            d.scan(td.YOG_EAN)                        # a plain EAN: the lot is asked
            fb = d.type("L17")
            assert fb.level == "error" and fb.message.startswith("lot L17 expired on 2030-06-30")
            assert Balance.get(Balance.lot == data["lot_early"].id).allocated == 0
        finally:
            d.close()


def test_short_asks_what_was_found_blocks_the_shelf_and_f9_takes_it_back(data):
    td.sales_order("SO-91", lines=(("SKU-100", 4),))
    d = driver(data, PickingFlow, so="SO-91")
    try:
        d.scan("A-01-01")
        assert d.key("short") is None and d.flow.state == "short"
        fb = d.type("1")                              # one found on the shelf
        assert fb.level == "warn"
        assert fb.message.startswith("short at A-01-01: picked 1, 3 × SKU-100 recorded missing, blocked there")
        line = SalesOrderLine.get(SalesOrderLine.so == SalesOrder.get(number="SO-91").id)
        assert (line.qty_picked, line.qty_short) == (1, 3)
        assert d.flow.state == "done" and "F10 ships" in d.flow.prompt
        # F9 right after the short takes the short back, not the pick before it.
        fb = d.key("undo")
        assert fb.level == "ok" and fb.message == "short taken back: pick 3 × SKU-100 at A-01-01 again"
        line = SalesOrderLine.get_by_id(line.id)
        assert (line.qty_picked, line.qty_short) == (1, 0)
        assert PickShortage.get().undone_at is not None
        assert d.flow.state == "location" and d.flow.task.qty == 3 and d.flow.task.location == "A-01-01"
        # The next F9 undoes the pick; the flow then has nothing picked, as the stock says.
        fb = d.key("undo")
        assert fb.level == "ok" and "undone: 1 × SKU-100 A-01-01 → SHIP-1" in fb.message
        assert d.flow.task.qty == 4 and not d.flow.picked_any
        assert on_hand(data["widget"], get_location("A-01-01")) == 50
        assert verify().consistent
    finally:
        d.close()


def test_a_short_blocks_the_shelf_for_the_backorder_until_counted(data):
    td.sales_order("SO-92", lines=(("SKU-100", 50),))
    d = driver(data, PickingFlow, so="SO-92")
    try:
        d.scan("A-01-01")
        d.key("short")
        d.type("40")                                  # 40 of 50 found: 10 missing
        d.key("done")
        fb = d.key("done")                           # ship: the rest on a backorder
        assert "backorder SO-92-BO1" in fb.message
    finally:
        d.close()
    # The books still say 10 at A-01-01, but they are blocked: nobody is sent there.
    assert on_hand(data["widget"], get_location("A-01-01")) == 10
    d = driver(data, PickingFlow, so="SO-92-BO1", operator="W2", station="ST-02")
    try:
        assert d.flow.tasks == [] and d.flow.state == "done"
        assert d.flow.info == ["Cannot pick here: line 1 SKU-100 × 10: 10 blocked after a short pick until counted"]
        assert "Nothing on SO-92-BO1 can be picked here" in d.flow.prompt
    finally:
        d.close()


def test_lines_the_station_cannot_pick_are_shown_with_why(data):
    f.give_stock(data["bolt"], data["locs"]["C-01-01"], 8)    # WH2
    td.sales_order("SO-93", lines=(("SKU-300", 5), ("SKU-100", 2)))
    d = driver(data, PickingFlow, so="SO-93")
    try:
        assert d.start_feedback.message == "SO-93 for Customer CUST1: 2 picks; 1 line cannot be picked here"
        rows = d.flow.table().rows
        assert rows[-1] == ["(cannot)", "SKU-300", "Bolt M8", "", 2]
        assert ("Cannot pick here: line 1 SKU-300 × 2: stock in another warehouse (8 in WH2): "
                "Transfer it to WH1 first") in d.flow.info
    finally:
        d.close()


def test_put_away_stays_in_the_station_warehouse(data):
    f.give_stock(data["widget"], data["locs"]["DOCK-1"], 6)
    f.give_stock(data["bolt"], data["locs"]["DOCK-2"], 2)
    d = driver(data, PutawayFlow)
    try:
        fb = d.scan("DOCK-2")
        assert fb.level == "error" and "DOCK-2 is in WH2" in fb.message and "Transfer job" in fb.message
        fb = d.scan("DOCK-1")
        assert fb.message == "DOCK-1: 6 units in 1 line to put away"
        d.scan(td.WIDGET_EAN)
        fb = d.scan("C-01-01")
        assert fb.level == "error"
        assert fb.message == ("put-away stays in warehouse WH1: C-01-01 is in WH2; moving stock between "
                              "warehouses is the Transfer job")
        assert on_hand(data["widget"], get_location("DOCK-1")) == 6
        assert on_hand(data["widget"], get_location("C-01-01")) == 0
        assert d.flow.state == "dest"
    finally:
        d.close()


def test_lookup_marks_expired_lots_and_finds_items_by_name(data):
    with fixed_today(dt.date(2030, 7, 1)):
        d = driver(data, LookupFlow)
        try:
            d.type("SKU-200")
            rows = d.flow.table().rows
            assert rows[0][:3] == ["A-01-02", "L17", "2030-06-30 EXPIRED"]
            assert rows[1][:3] == ["A-02-01", "L42", "2031-01-15"]
            assert any(line.startswith("10 units of expired lots outside quarantine") for line in d.flow.info)
            fb = d.type("L17")
            assert d.flow.info[0].startswith("lot L17 of SKU-200: EXPIRED on 2030-06-30")
            fb = d.type("yogh")                       # part of the name, another case
            assert fb.level == "ok" and fb.message.startswith("item SKU-200 Yoghurt")
            fb = d.type("O")                           # several: listed
            assert fb.message == "2 items named like 'O'"
            assert d.flow.table().rows == [["SKU-200", "Yoghurt"], ["SKU-300", "Bolt M8"]]
        finally:
            d.close()


def test_count_review_keeps_the_books_lists_reasons_and_says_not_scanned(data):
    from db import counts
    from db.counts.models import CountLine
    from db.core.models import Movement
    from terminal.flows.count_review import CountReviewFlow
    from terminal.flows.counting import CountingFlow
    count = counts.create_count(locations=["A-01-02"], operator="S1")
    w1 = driver(data, CountingFlow)
    try:
        w1.scan("A-01-02")
        w1.scan(td.WIDGET_EAN)          # not what the books hold there; the yoghurt is not scanned
        w1.key("done")
    finally:
        w1.close()
    s1 = driver(data, CountReviewFlow, operator="S1")
    try:
        flow = s1.flow
        row = next(i for i, r in enumerate(flow.rows) if r["sku"] == "SKU-200")
        s1.type(str(row + 1))
        assert any(line.startswith("  count 1: 0 (not scanned) by W1") for line in flow.info)
        assert s1.key("keep") is None and flow.state == "keepreason"
        assert any(c.startswith("MISCOUNT") for c in flow.choices) and any(c.startswith("COUNT") for c in flow.choices)
        assert s1.type("nonsense").level == "error"
        fb = s1.type("Miscount")        # reason codes in any case
        assert fb.level == "ok" and fb.message == "count rejected, books kept: A-01-02 SKU-200 stays at 10 (MISCOUNT)"
        ln = CountLine.get(CountLine.count == count.id, CountLine.item == data["yog"].id)
        assert (ln.status, ln.adjusted, ln.reason) == ("approved", 0, "MISCOUNT")
        assert Movement.select().where(Movement.kind == "count", Movement.item == data["yog"].id).count() == 0
        assert units(data["yog"], "A-01-02") == 10
    finally:
        s1.close()


def test_f3_in_count_is_the_quantity_for_the_next_scan(data):
    from db import counts
    from terminal.flows.counting import CountingFlow
    counts.create_count(locations=["A-01-01"], operator="S1")
    d = driver(data, CountingFlow)
    try:
        d.scan("A-01-01")
        assert d.key("qty") is None           # first, before any scan: no error now
        assert d.flow.prompt == "Type the quantity for the next item scan, then press Enter"
        d.type("48")
        fb = d.scan(td.WIDGET_CASE)
        assert fb.message == "SKU-100 +48 = 48"
        assert d.scan(td.WIDGET_EAN).message == "SKU-100 +1 = 49"
    finally:
        d.close()


def test_esc_from_ship_after_a_pick_goes_back_to_pick(data):
    from terminal.flows.shipping import ShippingFlow
    td.sales_order("SO-94", lines=(("SKU-100", 1),))
    d = driver(data, PickingFlow, so="SO-94")
    try:
        d.scan("A-01-01")
        d.scan(td.WIDGET_EAN)                 # 1 of 1: picked
        d.key("done")
        assert isinstance(d.current, ShippingFlow)
        assert d.current.prompt == "Ship 1 unit of SO-94? F10 (or CMD-DONE) ships; Esc goes back to Pick"
        fb = d.key("back")
        assert fb.message == "back to picking SO-94"
        assert isinstance(d.current, PickingFlow) and d.current.so.number == "SO-94"
        assert d.current.state == "done" and "F10 ships" in d.current.prompt
    finally:
        d.close()


def test_f8_move_everything_is_undone_by_one_f9(data):
    from terminal.flows.transfer import TransferFlow
    f.give_stock(data["bolt"], data["locs"]["A-01-01"], 2)      # A-01-01: 50 widgets and 2 bolts
    d = driver(data, TransferFlow)
    try:
        d.scan("A-01-01")
        d.key("all")
        fb = d.scan("B-01-01")
        assert fb.message == "moved 52 units A-01-01 → B-01-01"
        assert d.flow.state == "source"                # A-01-01 is empty now
        fb = d.key("undo")
        assert fb.level == "ok" and fb.message == "undone: the whole move, 52 units back (2 movements reversed)"
        assert d.flow.source == "A-01-01" and d.flow.state == "items"     # back on its source
        assert units(data["widget"], "A-01-01") == 50 and units(data["bolt"], "A-01-01") == 2
        assert units(data["bolt"], "B-01-01") == 3
        assert verify().consistent
    finally:
        d.close()


def test_wording_says_one_unit_and_one_place(data):
    from terminal.flows.lookup import LookupFlow
    f.give_stock(data["widget"], data["locs"]["DOCK-1"], 1)
    d = driver(data, PutawayFlow)
    try:
        assert d.scan("DOCK-1").message == "DOCK-1: 1 unit in 1 line to put away"
    finally:
        d.close()
    d = driver(data, LookupFlow)
    try:
        assert d.type("SKU-300").message == "item SKU-300 Bolt M8: 3 on hand in 1 place"
    finally:
        d.close()
    td.sales_order("SO-95", lines=(("SKU-300", 1),))
    d = driver(data, PickingFlow, so="SO-95")
    try:
        assert d.start_feedback.message == "SO-95 for Customer CUST1: 1 pick"
    finally:
        d.close()
