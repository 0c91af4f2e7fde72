"""The supervisor dashboard in the real app under Pilot, against a real store: it shows the
alerts, opens every report with one key, draws the charts, refuses workers, and a reorder makes
POs that are then received at the station's receive screen."""
from __future__ import annotations

import datetime as dt

import pytest

from db.core.models import Item, PurchaseOrder, PurchaseOrderLine
from db.reports.catalog import run_report
from db.reports.common import today
from db.reports.reorder import draft_pos
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, login, make_app, scan, screen_text, settle, type_

pytestmark = pytest.mark.slow
SIZE = (80, 24)


@pytest.fixture
def dashboard(sqlite_warehouse):
    return td.with_alerts_and_sales(sqlite_warehouse)


async def done(pilot) -> None:
    """The station queue and the screen's report workers have finished."""
    await settle(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def open_dashboard(pilot, operator: str) -> None:
    """Log OPERATOR in and press 8 on the menu."""
    await login(pilot, operator)
    await type_(pilot, "8", enter=False)
    await done(pilot)


async def press(pilot, *keys) -> None:
    for k in keys:
        await pilot.press(k)
        await done(pilot)


@async_test
async def test_workers_are_refused(dashboard):
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "W1")
        await type_(pilot, "8", enter=False)    # not on a worker's menu
        await done(pilot)
        text = flat(app)
        assert "no menu entry '8': expected 1, 2, 3, 4, 5, 6, 7, R, 0" in text
        assert "SKU-300" not in text
        await press(pilot, "enter")
        assert "Press the number of a job" in flat(app)
        # The supervisor screen itself refuses a worker; its error is acknowledged like any
        # other (Esc waits for it, Enter clears it), then Esc goes back.
        from terminal.screens.supervisor import SupervisorScreen
        await app.push_screen(SupervisorScreen())
        await done(pilot)
        assert "operator W1 is a worker; the supervisor screens need a supervisor" in flat(app)
        await press(pilot, "2")                 # no report opens
        assert "Reorder" not in flat(app).split("Supervisor: refused")[-1].split("Press Esc")[0]
        await press(pilot, "escape")
        assert "Press Enter (or scan CMD-OK) to acknowledge" in flat(app)
        await press(pilot, "enter")
        assert "Press Enter (or scan CMD-OK)" not in flat(app) and "Supervisor: refused" in flat(app)
        await press(pilot, "escape")
        assert "Press the number of a job" in flat(app)


@async_test
async def test_dashboard_alerts_every_report_and_charts(dashboard):
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        screen = app.screen
        assert type(screen).__name__ == "SupervisorScreen"
        text = screen_text(app)
        assert "1 below reorder point · 1 above max" in text
        assert "SKU-300" in text and "SKU-100" in text and "below reorder point" in text
        assert "1Alerts" in text and "Count review" in text     # the menu fits 80 columns
        # Every report, one key each; the screen holds what the CLI's function returns.
        settings = app.cfg.values
        start, end = today() - dt.timedelta(days=29), today()
        expected = {
            "2": ("Reorder suggestions", run_report("reorder", settings)),
            "3": ("Supplier scorecard", run_report("suppliers", settings, start, end)),
            "4": ("Supplier settlement", run_report("settlement", settings, start, end)),
            "5": ("Customers", run_report("customers", settings, start, end)),
            "6": ("Sales by day", run_report("sales", settings, start, end, by="day")),
            "7": ("Stock value", run_report("value", settings)),
            "8": ("Turnover and days of supply", run_report("turnover", settings, start, end)),
            "9": ("Dead stock", run_report("dead-stock", settings)),
            "0": ("Stock ageing", run_report("ageing", settings)),
            "a": ("ABC classification", run_report("abc", settings, start, end)),
            "c": ("Count variances", run_report("counts", settings, start, end)),
            "d": ("Draft purchase orders", draft_pos()),
        }
        for k, (title, (rows, columns)) in expected.items():
            await press(pilot, k)
            assert f"Supervisor · {title}" in flat(app), k
            assert screen.columns == columns, k
            assert [{c: x.get(c) for c in columns} for x in screen.rows] == \
                   [{c: x.get(c) for c in columns} for x in rows], k
        # Sales: 10 widgets for 50.00 over the 30 days; b groups by week, then month.
        await press(pilot, "6")
        assert sum(x["qty"] for x in screen.rows) == 10
        await press(pilot, "b", "b")
        assert "Sales by month" in flat(app)
        # Enter on a customer opens their order history; Esc goes back.
        await press(pilot, "5", "enter")
        assert "Order history of CUST1" in flat(app) and [x["so"] for x in screen.rows] == ["SO-9"]
        await press(pilot, "escape")
        assert "Supervisor · Customers" in flat(app)
        # The sales trend: revenue per month of the period (the grouping chosen above).
        await press(pilot, "t")
        chart = screen.query_one("#sv-chart")
        assert chart.display and sum(chart.values) == 50.0
        assert "Sales revenue by month" in flat(app)
        await press(pilot, "escape")
        # The stock chart of the selected row's item: value report, first row is SKU-100.
        await press(pilot, "7", "h")
        assert "SKU for the stock chart" in flat(app)
        await press(pilot, "enter")
        assert chart.display and chart.kind == "line"
        assert len(chart.values) == 30 and chart.values[-1] == 50
        assert "Stock of SKU-100" in flat(app)
        await press(pilot, "escape")
        # ABC: shown without saving; s saves.
        await press(pilot, "a")
        assert Item.get(Item.sku == "SKU-100").abc_class is None
        await press(pilot, "s")
        assert "ABC classes saved" in flat(app)
        assert Item.get(Item.sku == "SKU-100").abc_class == "A"
        # The count reconciliation entry.
        await press(pilot, "escape", "r")
        assert type(app.screen).__name__ == "CountReviewScreen"


@async_test
async def test_reorder_creates_pos_that_the_station_receives(dashboard):
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        screen = app.screen
        await press(pilot, "2")
        # SKU-300: up to max 40 - 3 = 37 from the preferred SUP1.
        assert [(x["supplier"], x["sku"], x["qty"]) for x in screen.rows] == [("SUP1", "SKU-300", 37)]
        # Creating documents asks first: Esc creates nothing, Enter creates.
        await press(pilot, "n")
        assert "Create 1 draft purchase order with 1 line from these suggestions?" in flat(app)
        await press(pilot, "escape")
        assert "cancelled: nothing was created" in flat(app)
        assert not PurchaseOrder.select().where(PurchaseOrder.number.startswith("PO-R")).exists()
        await press(pilot, "n", "enter")
        po = PurchaseOrder.get(PurchaseOrder.number.startswith("PO-R"))
        assert po.status == "draft" and po.created_by == "S1"
        assert "Draft purchase orders" in flat(app) and po.number in flat(app)
        await press(pilot, "l")
        assert f"Release {po.number} to SUP1 (1 line, 37 units)?" in flat(app)
        assert PurchaseOrder.get_by_id(po.id).status == "draft"
        await press(pilot, "enter")
        assert f"{po.number} released" in flat(app)
        assert PurchaseOrder.get_by_id(po.id).status == "open"
        await press(pilot, "2")
        assert screen.rows == []                    # on order now: nothing more to suggest
        await press(pilot, "escape", "escape")
        assert "Press the number of a job" in flat(app)
        # Receive it at this station: 1, the PO, F3 quantity 37, scan the bolt.
        await type_(pilot, "1", enter=False)
        assert po.number in flat(app)
        await scan(pilot, po.number)
        assert f"Scan an item for {po.number}" in flat(app)
        await key(pilot, "f3")
        await type_(pilot, "37")
        await scan(pilot, td.BOLT_EAN)
        line = PurchaseOrderLine.get(PurchaseOrderLine.po == po.id)
        assert (line.item.sku, line.qty_received) == ("SKU-300", 37)
        assert PurchaseOrder.get_by_id(po.id).status == "received"
        assert "SKU-300" in flat(app)


@async_test
async def test_a_supervisor_with_a_pin_is_asked_once(dashboard):
    from db.masterdata.security import set_pin
    set_pin("S1", "4321")
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        await press(pilot, "2")
        # Costs need the PIN: hidden until it is given.
        assert app.screen.columns[-3:-1] == ["unit_cost", "value"]
        assert "unit_cost" not in flat(app) and "costs hidden" in flat(app)
        await press(pilot, "n", "enter")
        assert "PIN of supervisor S1" in flat(app)
        await press(pilot, "9", "9", "9", "9")
        assert "••••" in flat(app) and "9999" not in flat(app)
        await press(pilot, "enter")
        assert "wrong PIN for S1" in flat(app)
        await press(pilot, "enter")                  # acknowledged
        assert not PurchaseOrder.select().where(PurchaseOrder.number.startswith("PO-R")).exists()
        await press(pilot, "n", "enter", "4", "3", "2", "1", "enter")
        po = PurchaseOrder.get(PurchaseOrder.number.startswith("PO-R"))
        assert po.status == "draft"
        await press(pilot, "l", "enter")             # the PIN was checked once this login
        assert "PIN of supervisor" not in flat(app)
        assert PurchaseOrder.get_by_id(po.id).status == "open"


@async_test
async def test_errors_are_acknowledged_and_scans_refused_at_once(dashboard):
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        # A scan here is refused at once, on this screen, with what was scanned.
        await scan(pilot, td.WIDGET_EAN)
        await done(pilot)
        text = flat(app)
        assert "the dashboard takes no scans (scanned item SKU-100)" in text
        assert "Press Enter (or scan CMD-OK) to acknowledge" in text
        # Nothing acts until it is acknowledged; the keys are not kept for later.
        await press(pilot, "2", "escape")
        assert "Supervisor · Stock alerts" in flat(app) and app.station.blocked is not None
        await press(pilot, "enter")
        assert app.station.blocked is None and "Press Enter (or scan CMD-OK)" not in flat(app)
        # A failing report's error: CMD-OK acknowledges it too, and it does not follow to the
        # next report.
        await press(pilot, "h")
        await type_(pilot, "NO-SUCH")
        await done(pilot)
        assert "stock chart:" in flat(app) and "Press Enter (or scan CMD-OK)" in flat(app)
        await scan(pilot, "CMD-OK")
        await done(pilot)
        assert "stock chart:" not in flat(app) and app.station.blocked is None
        await press(pilot, "escape", "3")
        assert "Supervisor · Supplier scorecard" in flat(app) and "Press Enter (or scan" not in flat(app)
        # Back on the menu: an error there holds the digits too; after Enter the menu is still
        # the menu (a digit pressed meanwhile opened nothing).
        await press(pilot, "escape", "escape")
        assert "Press the number of a job" in flat(app)
        await scan(pilot, td.WIDGET_EAN)
        await press(pilot, "1")
        await press(pilot, "enter")
        assert "Press the number of a job" in flat(app) and "Receive" not in flat(app).split("Main menu")[0]


@async_test
async def test_wide_reports_mark_what_is_left_out_and_scroll(dashboard):
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        await press(pilot, "2")
        lines = screen_text(app).splitlines()
        row = next(line for line in lines if "SKU-300" in line)
        # What is ordered comes first, whole; the columns that do not fit are marked.
        assert row.split()[:3] == ["SUP1", "SKU-300", "Bolt"] and " 37 " in row and row.rstrip().endswith("»")
        assert "expected" not in screen_text(app)
        await press(pilot, "right", "right", "right", "right", "right", "right", "right", "right")
        text = screen_text(app)
        assert "«" in text and "expected" in text and "SUP1" in text      # the key column stays
        await press(pilot, "left", "left", "left", "left", "left", "left", "left", "left")
        assert "«" not in screen_text(app)


@async_test
async def test_reorder_says_which_rule_and_an_order_over_max_is_its_own_alert(dashboard):
    from db.core.models import Barcode
    Barcode.create(code="SKU300-CASE50", item=Item.get(Item.sku == "SKU-300"), pack_qty=50)
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        await press(pilot, "2")
        row = next(line for line in screen_text(app).splitlines() if "SKU-300" in line)
        assert " 50 " in row and "up to max, 13 over: whole cases" in row
        await press(pilot, "o", "enter")
        await press(pilot, "1")
        # The title fits 80 columns: "Supervisor · " gives way to the whole summary.
        assert " Stock alerts · 0 below reorder point · 1 above max · 1 on order over max" in flat(app)


@async_test
async def test_a_chart_takes_the_next_period(dashboard):
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        await press(pilot, "t")
        assert "Sales revenue by day · last 30 days" in flat(app)
        await press(pilot, "p")                   # not "unknown report 'chart'"
        chart = app.screen.query_one("#sv-chart")
        assert "Sales revenue by day · last 90 days" in flat(app) and sum(chart.values) == 50.0
        assert "unknown report" not in flat(app) and app.station.blocked is None
