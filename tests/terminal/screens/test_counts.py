"""The count screen (menu 6) and the supervisor's reconciliation screen, driven through the real
app with Pilot at 80×24, on SQLite and PostgreSQL. Each test checks the screen and the ledger."""
from __future__ import annotations

import asyncio


from db import counts
from db.counts.models import CountLine
from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.core.models import AuditLog, Movement
from tests import terminal_data as td
from tests.app_support import login, make_app as pilot_app, screen_text, settle, type_
from tests.app_support import scan as wedge_scan


def make_app(url, station="ST-01"):
    return pilot_app(url, station__id=station, database__retry_delay_ms=10)


async def open_count_screen(pilot, app, operator):
    from terminal.screens.count import CountScreen
    await login(pilot, operator)
    await pilot.press("6")
    await settle(pilot)
    assert isinstance(app.screen, CountScreen)


def test_count_screen_blind_count_with_no_variance(warehouse):
    count = counts.create_count(locations=["A-01-01", "B-01-01"], operator="S1")

    async def run():
        app = make_app(warehouse["url"])
        async with app.run_test(size=(80, 24)) as pilot:
            await open_count_screen(pilot, app, "W1")
            text = screen_text(app)
            assert "Scan a location to count (next: A-01-01)" in text
            assert "B-01-01" in text and "Submit" in text
            await wedge_scan(pilot, "A-01-01")
            await wedge_scan(pilot, td.WIDGET_CASE)
            await pilot.press("f3")
            await settle(pilot)
            assert "Type the quantity for the next item scan" in screen_text(app)
            await type_(pilot, "38")
            await wedge_scan(pilot, td.WIDGET_EAN)
            text = screen_text(app)
            assert "SKU-100 +38 = 50" in text and "Counted" in text
            assert "Books" not in text      # blind
            await pilot.press("f10")
            await settle(pilot)
            text = screen_text(app)
            assert "A-01-01 count submitted: 50 units in 1 line" in text
            assert "Scan a location to count (next: B-01-01)" in text
            await pilot.press("escape")
            await settle(pilot)
            assert "Main menu" in screen_text(app)
        assert CountLine.get(CountLine.count == count.id, CountLine.status == "ok").counted == 50
        assert Movement.select().where(Movement.kind == "count").count() == 0

    asyncio.run(run())


def test_variance_recount_and_supervisor_approval_on_screen(warehouse):
    count = counts.create_count(locations=["B-01-01"], operator="S1")
    # The first count (3 on the books, 1 on the shelf) by W1 through the Python API.
    task = counts.open_tasks(count.id)[0]
    counts.submit_count(task.id, [counts.Counted(warehouse["bolt"], 1)], operator="W1")

    async def recount():
        app = make_app(warehouse["url"], station="ST-02")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_count_screen(pilot, app, "W2")
            assert "recount" in screen_text(app)
            await wedge_scan(pilot, "B-01-01")
            assert "Recount B-01-01 (SKU-300 only)" in screen_text(app)
            await wedge_scan(pilot, td.BOLT_EAN)
            await wedge_scan(pilot, "CMD-DONE")
            assert "B-01-01 recount submitted" in screen_text(app)

    asyncio.run(recount())
    line = CountLine.get(CountLine.count == count.id)
    assert (line.status, line.variance) == ("review", -2)

    async def worker_cannot_decide():
        from terminal.screens.count_review import CountReviewScreen
        app = make_app(warehouse["url"])
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, "W1")
            await app.push_screen(CountReviewScreen())
            await settle(pilot)
            assert "reconciling counts needs a supervisor" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("f3")
            await settle(pilot)
            assert "deciding a count needs a supervisor" in screen_text(app)

    asyncio.run(worker_cannot_decide())
    assert on_hand(warehouse["bolt"], get_location("B-01-01")) == 3

    async def approve():
        from terminal.screens.count_review import CountReviewScreen
        app = make_app(warehouse["url"], station="ST-09")
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, "S1")
            await app.push_screen(CountReviewScreen())
            await settle(pilot)
            text = screen_text(app)
            assert "1 discrepancy," in text
            assert "B-01-01" in text and "SKU-300" in text and "approve?" in text
            assert "count 1: 1 by W1" in text and "count 2: 1 by W2 ST-02" in text
            await pilot.press("f3")
            await settle(pilot)
            assert "Reason code, Enter = COUNT" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            text = screen_text(app)
            assert "approved B-01-01 SKU-300: -2 posted" in text
            assert "No count discrepancy is waiting" in text

    asyncio.run(approve())
    assert on_hand(warehouse["bolt"], get_location("B-01-01")) == 1
    m = Movement.get(Movement.kind == "count")
    assert (m.qty, m.to_location.code, m.operator, m.station) == (2, "@LOSS", "S1", "ST-09")
    assert AuditLog.select().where(AuditLog.action == "count.approve", AuditLog.operator == "S1").count() == 1
    assert verify().consistent


def test_review_screen_sorts_by_value_rejects_and_sets(warehouse):
    count = counts.create_count(locations=["A-01-01", "B-01-01"], operator="S1")
    a, b = counts.open_tasks(count.id)
    # Widgets cost 1 (factories default): -10 = -10.00; bolts -1 = -1.00.
    counts.submit_count(a.id, [counts.Counted(warehouse["widget"], 40)], operator="W1")
    counts.submit_count(b.id, [counts.Counted(warehouse["bolt"], 2)], operator="W1")
    counts.submit_count(b.id, [counts.Counted(warehouse["bolt"], 2)], operator="W2")

    async def run():
        from terminal.screens.count_review import CountReviewScreen
        app = make_app(warehouse["url"])
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, "S1")
            await app.push_screen(CountReviewScreen())
            await settle(pilot)
            text = screen_text(app)
            assert text.index("A-01-01") < text.index("B-01-01")      # largest value first
            # A-01-01 waits for a recount: approving is refused, setting is allowed.
            await pilot.press("f3")
            await settle(pilot)
            assert "waits for a recount: F5 sets the quantity instead" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("f5")
            await settle(pilot)
            await type_(pilot, "45")
            text = screen_text(app)
            assert "reason?" in text and "MISCOUNT" in text and "Earlier miscount corrected" in text
            await type_(pilot, "miscount")     # any case
            assert "set A-01-01 SKU-100 to 45: -5 posted" in screen_text(app)
            # B-01-01: order a recount instead.
            await pilot.press("f4")
            await settle(pilot)
            assert "recount ordered: B-01-01 SKU-300" in screen_text(app)

    asyncio.run(run())
    assert on_hand(warehouse["widget"], get_location("A-01-01")) == 45
    assert CountLine.get(CountLine.count == count.id, CountLine.status == "recount").item.sku == "SKU-300"
    assert verify().consistent


def test_supervisor_dashboard_opens_the_reconciliation(warehouse):
    count = counts.create_count(locations=["B-01-01"], operator="S1")
    counts.submit_count(counts.open_tasks(count.id)[0].id, [counts.Counted(warehouse["bolt"], 5)], operator="W1")

    async def run():
        from terminal.screens.count_review import CountReviewScreen
        app = make_app(warehouse["url"])
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, "S1")
            await pilot.press("8")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, CountReviewScreen)
            text = screen_text(app)
            assert "1 discrepancy" in text and "B-01-01" in text and "recount" in text
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, CountReviewScreen)

    asyncio.run(run())


def test_review_asks_the_supervisors_pin_once(warehouse):
    from db.masterdata.security import set_pin
    set_pin("S1", "4711")
    from db.masterdata.security import supervisor_pin
    with supervisor_pin("S1", "4711"):
        count = counts.create_count(locations=["A-01-01", "B-01-01"], operator="S1")
    for t in counts.open_tasks(count.id):
        item = warehouse["widget"] if t.location.code == "A-01-01" else warehouse["bolt"]
        qty = 48 if item is warehouse["widget"] else 2
        counts.submit_count(t.id, [counts.Counted(item, qty)], operator="W1")
        counts.submit_count(t.id, [counts.Counted(item, qty)], operator="W2")

    async def run():
        from terminal.screens.count_review import CountReviewScreen
        app = make_app(warehouse["url"])
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, "S1")
            await app.push_screen(CountReviewScreen())
            await settle(pilot)
            await pilot.press("f3")
            await settle(pilot)
            assert "Supervisor S1: type your PIN" in screen_text(app)
            for ch in "1234":            # typed by hand: slower than a keyboard-wedge scanner
                await pilot.press(ch)
                await pilot.pause(0.06)
            await settle(pilot)
            text = screen_text(app)
            assert "••••" in text and "1234" not in text
            await pilot.press("enter")
            await settle(pilot)
            assert "wrong PIN for supervisor S1; nothing was decided" in screen_text(app)
            await pilot.press("enter")          # acknowledge
            await settle(pilot)
            await pilot.press("f3")
            await settle(pilot)
            app.station.submit_text("4711")
            await settle(pilot)
            assert "Reason code, Enter = COUNT" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            assert "approved A-01-01 SKU-100: -2 posted" in screen_text(app)
            # The PIN is asked once per screen: the next decision goes straight to the reason.
            await pilot.press("f3")
            await settle(pilot)
            assert "Reason code, Enter = COUNT" in screen_text(app)
            await type_(pilot, "loss")
            assert "approved B-01-01 SKU-300: -1 posted" in screen_text(app)

    asyncio.run(run())
    assert on_hand(warehouse["widget"], get_location("A-01-01")) == 48
    assert Movement.get(Movement.kind == "count", Movement.reason == "LOSS").qty == 1
    assert AuditLog.select().where(AuditLog.action == "pin_failed", AuditLog.operator == "S1").count() == 1
