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
from tests import reports_data as r
from tests import terminal_data as td
from tests.app_support import async_test, flat, key, login, make_app, scan, screen_text, settle, type_

pytestmark = pytest.mark.slow
SIZE = (80, 24)


@pytest.fixture
def world(sqlite_store, tmp_path):
    data = td.seed()
    # SKU-300 (3 on hand) is below its reorder point 10; SKU-100 (50) is above its max 30.
    Item.update(reorder_point=10, max_qty=40, preferred_supplier=td.f.supplier("SUP1")).where(
        Item.sku == "SKU-300").execute()
    Item.update(reorder_point=10, max_qty=30, unit_cost=2).where(Item.sku == "SKU-100").execute()
    # Two sales of widgets: 4 at 5.00 five days ago, 6 at 5.00 two days ago.
    ship = td.f.location("SHIP-9", kind="shipping", zone="SHIP")
    _, (line,) = r.so("SO-9", td.f.customer("CUST1"), [(data["widget"], 10, "5.00")],
                      created=r.at(today() - dt.timedelta(days=6)), status="shipped")
    r.ship(line, 4, r.at(today() - dt.timedelta(days=5)), ship)
    r.ship(line, 6, r.at(today() - dt.timedelta(days=2)), ship)
    data["url"] = sqlite_store
    data["tmp"] = tmp_path
    return data


async def done(pilot) -> None:
    """The station queue and the screen's report workers have finished."""
    await settle(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def press(pilot, *keys) -> None:
    for k in keys:
        await pilot.press(k)
        await done(pilot)


@async_test
async def test_workers_are_refused(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "W1")
        await type_(pilot, "8", enter=False)    # not on a worker's menu
        await done(pilot)
        text = flat(app)
        assert "no menu entry '8': expected 1, 2, 3, 4, 5, 6, 7, 0" in text
        assert "SKU-300" not in text
        await press(pilot, "enter")
        assert "Press the number of a job" in flat(app)


@async_test
async def test_dashboard_alerts_every_report_and_charts(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "S1")
        await type_(pilot, "8", enter=False)
        await done(pilot)
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
async def test_reorder_creates_pos_that_the_station_receives(world):
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "S1")
        await type_(pilot, "8", enter=False)
        await done(pilot)
        screen = app.screen
        await press(pilot, "2")
        # SKU-300: up to max 40 - 3 = 37 from the preferred SUP1.
        assert [(x["supplier"], x["sku"], x["qty"]) for x in screen.rows] == [("SUP1", "SKU-300", 37)]
        await press(pilot, "n")
        po = PurchaseOrder.get(PurchaseOrder.number.startswith("PO-R"))
        assert po.status == "draft" and po.created_by == "S1"
        assert "Draft purchase orders" in flat(app) and po.number in flat(app)
        await press(pilot, "l")
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
async def test_a_supervisor_with_a_pin_is_asked_once(world):
    from db.masterdata.security import set_pin
    set_pin("S1", "4321")
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "S1")
        await type_(pilot, "8", enter=False)
        await done(pilot)
        await press(pilot, "2", "n")
        assert "PIN of supervisor S1" in flat(app)
        await press(pilot, "9", "9", "9", "9")
        assert "••••" in flat(app) and "9999" not in flat(app)
        await press(pilot, "enter")
        assert "wrong PIN for S1" in flat(app)
        assert not PurchaseOrder.select().where(PurchaseOrder.number.startswith("PO-R")).exists()
        await press(pilot, "n", "4", "3", "2", "1", "enter")
        po = PurchaseOrder.get(PurchaseOrder.number.startswith("PO-R"))
        assert po.status == "draft"
        await press(pilot, "l")                      # the PIN was checked once this login
        assert "PIN of supervisor" not in flat(app)
        assert PurchaseOrder.get_by_id(po.id).status == "open"
