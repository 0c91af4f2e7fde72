"""Issue 17 on the screen (Pilot, 80×24): an expired receipt refused and its override asked,
a short pick that asks what was found and is taken back by F9, picks that cannot be made."""
from __future__ import annotations

import datetime as dt

import pytest

from db.core.clock import fixed_today
from db.core.models import PickShortage, SalesOrderLine
from tests import factories as f
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, login, make_app, scan, type_
from tests.terminal.app.test_station import world  # noqa: F401  (the seeded store, as a fixture)

pytestmark = pytest.mark.slow
SIZE = (80, 24)


@async_test
async def test_receive_screen_refuses_an_expired_lot_and_asks_for_the_supervisor(world):
    app = make_app(world["url"], world["tmp"])
    with fixed_today(dt.date(2030, 1, 1)):
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot)
            await type_(pilot, "1", enter=False)
            await scan(pilot, "PO-1042")
            await scan(pilot, "]C10105901234123457" + "17291231" + "10L99")
            text = flat(app)
            assert "receipt refused: lot L99 of SKU-200 expired on 2029-12-31 (today is 2030-01-01)" in text
            assert "1 Supervisor override" in text and "2 Reject it to quarantine (EXPIRED)" in text
            await key(pilot, "enter")                    # acknowledge the error
            await type_(pilot, "1")
            text = flat(app)
            assert "Supervisor, scan your badge or type your code" in text and "Operator ›" in text
            await type_(pilot, "S1")                     # S1 has no PIN: the reason is next
            await type_(pilot, "canteen")
            assert "received 1 × SKU-200 lot L99 → DOCK-1" in flat(app)
            assert "(override by S1: canteen)" in flat(app)


@async_test
async def test_pick_screen_short_found_count_undo_and_a_line_that_cannot_be_picked(world):
    f.give_stock(world["bolt"], world["locs"]["C-01-01"], 8)      # bolts in WH2 too
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "3", enter=False)
        await key(pilot, "enter")
        text = flat(app)
        assert "3 picks; 1 line cannot be picked here" in text
        assert "(cannot) SKU-300 Bolt M8 2" in text
        assert "stock in another warehouse (8 in WH2): Transfer it to WH1 first" in text
        await scan(pilot, "A-01-02")
        await key(pilot, "f5")
        assert "Short at A-01-02: how many of the 10 × SKU-200 did you find?" in flat(app)
        await type_(pilot, "4")
        text = flat(app)
        assert "short at A-01-02: picked 4, 6 × SKU-200 recorded missing" in text
        await key(pilot, "f9")
        text = flat(app)
        assert "short taken back: pick 6 × SKU-200 at A-01-02 again" in text
        assert "Go to A-01-02 · pick 6 × SKU-200 Yoghurt" in text
    line = SalesOrderLine.get(SalesOrderLine.line_no == 1)
    assert (line.qty_picked, line.qty_short) == (4, 0) and PickShortage.get().undone_at is not None


@async_test
async def test_a_success_message_fades_from_the_menu_and_a_supervisor_sees_1_to_9(world, monkeypatch):
    import asyncio
    from terminal.screens import menu
    monkeypatch.setattr(menu, "MESSAGE_SECONDS", 0.3)
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "S1")
        text = flat(app)
        assert "Welcome" in text and "8 Supervisor" in text and "9 Offline exceptions" in text
        await asyncio.sleep(0.6)
        await pilot.pause()
        assert "Welcome" not in flat(app)
        await key(pilot, "f1")
        assert "1–9 open that job" in flat(app)


@async_test
async def test_transfer_screen_f8_moves_everything_and_one_f9_takes_it_back(world):
    from db.ledger.posting import on_hand, verify
    from db.masterdata.lookup import get_location
    f.give_stock(world["bolt"], world["locs"]["A-01-01"], 2)     # A-01-01: 50 widgets, 2 bolts
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "5", enter=False)
        await scan(pilot, "A-01-01")
        await key(pilot, "f8")
        await scan(pilot, "B-01-01")
        assert "moved 52 units A-01-01 → B-01-01" in flat(app)
        await key(pilot, "f9")
        assert "undone: the whole move, 52 units back (2 movements reversed)" in flat(app)
    assert on_hand(world["widget"], get_location("A-01-01")) == 50
    assert on_hand(world["bolt"], get_location("A-01-01")) == 2
    assert verify().consistent


@async_test
async def test_ship_screen_esc_goes_back_to_pick(world):
    td.sales_order("SO-88", lines=(("SKU-100", 1),), priority=0)
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "3", enter=False)
        await type_(pilot, "SO-88")
        await scan(pilot, "A-01-01")
        await scan(pilot, td.WIDGET_EAN)
        await key(pilot, "f10")
        assert "Ship 1 unit of SO-88? F10 (or CMD-DONE) ships; Esc goes back to Pick" in flat(app)
        await key(pilot, "escape")
        text = flat(app)
        assert "back to picking SO-88" in text and "Pick · SO-88" in text
