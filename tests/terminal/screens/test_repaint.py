"""The screen draws a scan's result in the next frame: no layout of the whole screen for text
of the same height, and no extra frame after a late one (bench/RESULTS.md, fix 14)."""
from __future__ import annotations

import asyncio
import time

import pytest
from rich.text import Text
from textual.app import App
from textual.widgets import Static

from terminal.frame_timer import FrameTimer
from terminal.widgets.banner import Banner
from terminal.widgets.repaint import rows_needed, update_static
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, login, make_app, scan, screen_text, settle, type_


def test_rows_needed_counts_lines_that_fit_and_gives_up_on_wrapping():
    assert rows_needed("one line", 20) == 1
    assert rows_needed("two\nlines", 20) == 2
    assert rows_needed(Text("a styled line", style="bold"), 20) == 1
    assert rows_needed("x" * 21, 20) is None                  # would wrap: only a layout knows
    assert rows_needed(Text("x" * 50, no_wrap=True), 20) is None   # Textual wraps it all the same
    assert rows_needed("📦" * 10, 20) == 1                     # wide characters take two cells
    assert rows_needed("📦" * 11, 20) is None
    assert rows_needed("anything", 0) is None                  # not laid out yet
    assert rows_needed(object(), 20) is None                   # not text


class OneStatic(App):
    CSS = "#s { height: auto; }"

    def compose(self):
        yield Static("first", id="s")
        yield Static("below", id="below")


def _count_layouts(screen) -> list:
    calls = []
    real = screen._refresh_layout

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    screen._refresh_layout = counting
    return calls


@async_test
async def test_same_height_text_repaints_without_a_layout_and_a_taller_one_gets_one():
    app = OneStatic()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        s = app.query_one("#s", Static)
        update_static(s, "first")          # learns the rows it takes
        await pilot.pause()
        layouts = _count_layouts(app.screen)
        update_static(s, "second")
        await pilot.pause()
        assert layouts == []
        assert "second" in screen_text(app) and s.size.height == 1
        update_static(s, "a\nb\nc")
        await pilot.pause()
        assert layouts and s.size.height == 3
        seen = len(layouts)
        rows = screen_text(app).splitlines()
        assert rows[:4] == ["a", "b", "c", "below"]
        update_static(s, "y" * 60)         # wraps at 40 columns: laid out again, two rows
        await pilot.pause()
        assert len(layouts) > seen and s.size.height == 2
        assert screen_text(app).splitlines()[2] == "below"


@async_test
async def test_a_frame_after_a_late_one_waits_for_the_next_slot_only():
    """Textual's own timer, after a late frame, skips to the slot after the next one: the next
    frame then waits up to two intervals. FrameTimer waits for the next slot, and still never
    draws more often than once per interval."""
    app = App()
    async with app.run_test():
        interval = 0.2
        ticks: list[float] = []
        timer = FrameTimer(app, interval, callback=lambda: (ticks.append(time.monotonic()), timer.pause()),
                           pause=True)
        timer._start()
        try:
            async def drawn(n: int) -> None:
                deadline = time.monotonic() + 5
                while len(ticks) < n:
                    assert time.monotonic() < deadline, "the timer never fired"
                    await asyncio.sleep(0.005)

            begin = time.monotonic()
            timer.resume()                             # the first slot is one interval away
            await drawn(1)
            assert ticks[0] - begin >= interval * 0.9
            await asyncio.sleep(begin + 3.25 * interval - time.monotonic())
            timer.resume()                             # a quarter interval after slot 3: late
            await drawn(2)
            timer.resume()                             # more to draw at once
            await drawn(3)
            gap = ticks[2] - ticks[1]
            assert 0.5 * interval <= gap <= 0.95 * interval, gap   # Textual's Timer: 1.75 intervals
        finally:
            timer.stop()


@async_test
async def test_station_screens_draw_with_the_frame_timer_and_show_every_scan(world):  # noqa: F811
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        assert isinstance(app.screen._update_timer, FrameTimer)
        await type_(pilot, "1", enter=False)
        await scan(pilot, "PO-1042")
        layouts = _count_layouts(app.screen)
        banner = app.screen.query_one(Banner)
        await scan(pilot, td.WIDGET_EAN)            # one widget: the same rows as before
        assert "received 1 × SKU-100" in flat(app) and banner.level == "ok"
        await scan(pilot, "NO-SUCH-CODE")
        assert banner.level == "error" and banner.has_class("-error") and not banner.has_class("-ok")
        assert "NO-SUCH-CODE" in flat(app)
        assert layouts == [], "a scan of the same height laid the screen out again"


@pytest.mark.parametrize("levels", [("ok", "ok", "error", None, "warn")])
@async_test
async def test_the_banner_keeps_one_level_class(levels):
    class One(App):
        def compose(self):
            yield Banner(id="banner")

    app = One()
    async with app.run_test(size=(40, 5)) as pilot:
        banner = app.query_one(Banner)
        for level in levels:
            banner.show(level, "message")
            await pilot.pause()
            shown = [c for c in banner.classes if c.startswith("-")]
            assert banner.level == level
            assert shown == ([f"-{level}"] if level else [])
        assert "! message" in screen_text(app)


@async_test
async def test_a_closed_job_screen_is_freed_with_everything_it_drew(world):  # noqa: F811
    """A station runs all day: a job screen, once left, must not stay in memory (its header
    was kept by a watcher on the app; the lines its widgets drew by Textual's style cache)."""
    import gc
    import weakref

    from terminal.widgets.header import StationHeader
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        gone = []
        for job in ("1", "3", "1"):
            await type_(pilot, job, enter=False)
            screen = app.screen
            assert screen.flow is not None and type(screen.flow).__name__ in ("ReceivingFlow", "PickingFlow")
            gone += [weakref.ref(screen), weakref.ref(screen.query_one(StationHeader))]
            gone += [weakref.ref(w._styles_cache) for w in screen.query("*")]
            del screen
            await key(pilot, "escape")
            await settle(pilot)
            assert type(app.current_flow()).__name__ == "MenuFlow"
        gc.collect()
        alive = [type(r()).__name__ for r in gone if r() is not None]
        assert alive == [], f"still in memory after leaving: {alive}"
        # The header of the screen that remains still follows the app's states.
        app.waiting = 3
        await pilot.pause()
        assert "waiting: 3" in flat(app)


@async_test
async def test_a_table_wider_than_its_widget_still_shows_its_rows_after_a_change():
    """Textual wraps the long lines of a table that does not fit: its height is then more
    than its lines, so a change of the same number of lines still needs a layout."""
    from terminal.flows.base import Table
    from terminal.widgets.table import FlowTable

    class One(App):
        CSS = "FlowTable { height: auto; }"

        def compose(self):
            yield FlowTable(id="table")
            yield Static("below", id="below")

    app = One()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(FlowTable)
        for n in range(2):          # a table that fits, laid out
            table.show(Table(["Location", "SKU"], [[f"A-01-0{n}", "SKU-100"]], 0))
            await pilot.pause()
        wide = ["Location", "SKU", "Lot", "Books", "Counted", "Variance", "Status"]
        table.show(Table(wide, [["D-01-01", "SKU-300", "", 5, 5, 0, "agreed"]], 0))    # as many lines
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        # One line a row: the columns beyond the edge are left out, and › says so.
        row = next(line for line in text.splitlines() if "D-01-01" in line)
        assert row.rstrip().endswith("›") and "agreed" not in text
        assert text.rstrip().endswith("below")


def test_a_table_of_many_columns_fits_its_width_by_shortening_text_columns():
    from terminal.flows.base import Table
    from terminal.widgets.table import render_table
    columns = ["#", "Location", "SKU", "Lot", "Books", "1st", "2nd", "Var", "Value", "Status"]
    rows = [[1, "B-01-01", "SKU-300", "", 3, 1, 1, "-2", "-2.00", "approve?"],
            [2, "A-01-01", "SKU-100", "LOT-2024-A", 12, 10, 10, "-2", "-5.00", "recount"]]
    for width in (78, 70):
        lines = render_table(Table(columns, rows, 0), width).plain.split("\n")
        assert all(len(line) <= width for line in lines), width
        assert "B-01-01" in lines[2] and "SKU-300" in lines[2] and "-2.00" in lines[2]
    wide = render_table(Table(columns, rows, 0), 120).plain.split("\n")
    assert "approve?" in wide[2] and "LOT-2024-A" in wide[3]            # room: nothing shortened


def test_a_table_fills_its_width_and_says_when_it_is_empty():
    from terminal.flows.base import Table
    from terminal.widgets.table import render_table
    columns = ["#", "Location", "SKU", "Status"]
    full = render_table(Table(columns, [[1, "A-01-01", "SKU-1", "ok"]], 0), 60).plain.split("\n")
    assert [len(line) for line in full] == [60, 60, 60]
    empty = render_table(Table(columns, [], None), 60).plain.split("\n")
    assert empty[2].strip() == "(none)" and len(empty[2]) == 60


@async_test
async def test_the_pick_list_fits_an_80_by_24_screen_with_the_count_of_the_rest(world):  # noqa: F811
    """Orders listed below the screen could not be seen: no key scrolls the job's content. The
    list stops where the screen does and says how many more wait."""
    from textual.containers import VerticalScroll

    from terminal.flows.base import LISTED as LISTED_ORDERS
    for n in range(LISTED_ORDERS + 6):
        td.sales_order(f"SO-9{n:02d}", lines=(("SKU-300", 1),), priority=3)
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_(pilot, "3", enter=False)
        await settle(pilot)
        text = screen_text(app)
        last = app.screen.flow.choices[-1]
        assert f"{LISTED_ORDERS:>2}  {last}" in text
        waiting = LISTED_ORDERS + 6 + 1                   # and SO-77 of the seeded store
        assert f"… and {waiting - LISTED_ORDERS} more waiting: scan or type an SO number" in text
        assert app.screen.query_one("#content", VerticalScroll).max_scroll_y == 0
        # The key bar offers what acts on a list: no Short, Skip or Ship before an order.
        keys = text.splitlines()[-1]
        assert "F9  Undo" in keys and "Short" not in keys and "Skip" not in keys and "Ship" not in keys
        await key(pilot, "enter")                         # claim the next order
        await settle(pilot)
        keys = screen_text(app).splitlines()[-1]
        assert "F5  Short" in keys and "F6  Skip" in keys and "F10  Ship" in keys


@async_test
async def test_the_current_row_of_a_long_po_is_scrolled_into_view(world):  # noqa: F811
    """A PO longer than the screen: the line a scan just counted is shown, not left below the
    screen where no key reaches it."""
    from textual.containers import VerticalScroll

    from tests import factories as f
    fillers = [(f.item(f"SKU-F{n:02d}", f"Filler {n}").sku, 5) for n in range(1, 20)]
    td.purchase_order("PO-2000", lines=fillers + [("SKU-100", 24)])
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_(pilot, "1", enter=False)
        await settle(pilot)
        assert "F3" not in screen_text(app).splitlines()[-1]      # no PO yet: nothing to count
        await scan(pilot, "PO-2000")
        assert "F3  Qty" in screen_text(app).splitlines()[-1]
        content = app.screen.query_one("#content", VerticalScroll)
        assert content.max_scroll_y > 0 and content.scroll_y == 0      # longer than the screen
        assert "SKU-100" not in screen_text(app)
        await scan(pilot, td.WIDGET_EAN)
        await settle(pilot)
        marked = [line for line in screen_text(app).splitlines() if "▸" in line]
        assert len(marked) == 1 and "SKU-100" in marked[0] and "Widget" in marked[0]
        assert content.scroll_y > 0
        await scan(pilot, "NO-SUCH-CODE")
        await settle(pilot)
        assert any("▸" in line for line in screen_text(app).splitlines())    # an error keeps the row
