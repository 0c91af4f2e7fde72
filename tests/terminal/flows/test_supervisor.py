"""The supervisor dashboard's flow without a screen: its store calls run in line, against a real
store. Keys, views, the period, charts, confirmation, the PIN and the table fitted to 80 cells."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rich.cells import cell_len

from db.core.models import AuditLog, Item, PurchaseOrder
from db.reports.catalog import run_report
from db.reports.common import today
from terminal.flows.report_table import MORE_LEFT, MORE_RIGHT, PAD, fit
from terminal.flows.supervisor import SupervisorFlow
from tests import terminal_data as td


def run(flow, steps):
    """Run the flow's store calls in line, as the screen's worker would, and what they ask next."""
    steps = list(steps or [])
    while steps:
        task = steps.pop(0)
        try:
            result = task.call()
        except Exception as exc:
            steps += flow.failed(task, exc)
            continue
        steps += task.done(result)
    return flow


def press(flow, *keys):
    for k in keys:
        run(flow, flow.key(k, k if len(k) == 1 else None))
    return flow


@pytest.fixture
def dash(warehouse, session_for):
    """The dashboard on the shared warehouse with alerts and sales, opened by CODE."""
    td.with_alerts_and_sales(warehouse)
    return lambda code="S1": run(flow := SupervisorFlow(session_for(code)), flow.begin())


def test_a_worker_is_refused_and_the_refusal_audited(dash):
    flow = dash("W1")
    fb = flow.take_feedback()
    assert fb.level == "error" and fb.message == \
        "operator W1 is a worker; the supervisor screens need a supervisor"
    assert AuditLog.get(AuditLog.action == "refused").operator == "W1"
    assert flow.table(78) is None and flow.rows == []
    press(flow, "2")                          # no report opens
    assert flow.rows == [] and flow.next is None
    press(flow, "escape")
    assert flow.next == "leave"


def test_alerts_every_report_and_the_period(dash, warehouse):
    flow = dash()
    assert flow.heading() == "Supervisor · Stock alerts · 1 below reorder point · 1 above max"
    assert [r["sku"] for r in flow.rows] == ["SKU-300", "SKU-100"]
    start, end = today() - dt.timedelta(days=29), today()
    press(flow, "3")
    assert (flow.rows, flow.columns) == run_report("suppliers", flow.settings, start, end)
    press(flow, "6")
    assert flow.heading().startswith("Supervisor · Sales by day · last 30 days")
    assert sum(r["qty"] for r in flow.rows) == 10
    press(flow, "p")                          # 90 days: sales opened again for it
    assert "last 90 days" in flow.heading() and sum(r["qty"] for r in flow.rows) == 10
    press(flow, "7", "p")                     # a snapshot: the period does not apply
    assert flow.take_feedback().message == "period: last 365 days (this report is about now)"
    press(flow, "escape")
    assert flow.view_name == "alerts"
    press(flow, "escape")
    assert flow.next == "leave"


def test_a_scan_is_refused_at_once(dash):
    from devices.scan import make_scan
    from terminal.resolver import make_decoder
    flow = dash()
    fb = flow.on_scan(make_decoder(flow.session.cfg)(make_scan("4006381333931", "test")))
    assert fb.level == "error" and fb.message == "the dashboard takes no scans (scanned item SKU-100)"


def test_chart_and_period_redraws_the_chart(dash):
    flow = dash()
    press(flow, "t")
    title, labels, values, kind = flow.chart
    assert flow.view_name == "chart" and kind == "bar" and sum(values) == 50.0
    assert title == "Sales revenue by day · last 30 days"
    press(flow, "p")                          # not "unknown report 'chart'"
    assert flow.take_feedback() is None
    assert flow.chart[0] == "Sales revenue by day · last 90 days" and sum(flow.chart[2]) == 50.0
    press(flow, "escape", "7", "h")           # the stock chart of the selected row's item
    assert flow.typing == "SKU-100"
    press(flow, "enter")
    assert flow.chart[3] == "line" and flow.chart[2][-1] == 50
    press(flow, "p")
    assert flow.chart[0].startswith("Stock of SKU-100") and flow.take_feedback() is None
    press(flow, "escape")
    assert flow.view_name == "value"


def test_documents_are_created_and_released_only_after_a_yes(dash):
    flow = dash()
    press(flow, "2", "n")
    assert flow.confirm[0] == "Create 1 draft purchase order with 1 line from these suggestions?"
    assert flow.key_list() == [("enter", "Yes"), ("escape", "No")]
    press(flow, "escape")
    assert flow.take_feedback().message == "cancelled: nothing was created or released"
    assert not PurchaseOrder.select().exists()
    press(flow, "n", "enter")
    po = PurchaseOrder.get()
    assert (po.status, po.created_by) == ("draft", "S1") and flow.view_name == "drafts"
    assert flow.take_feedback().message == f"created {po.number} (drafts: press l on one to release it)"
    press(flow, "l")
    assert flow.confirm[0].startswith(f"Release {po.number} to SUP1 (1 line, 37 units)?")
    assert PurchaseOrder.get_by_id(po.id).status == "draft"
    press(flow, "enter")
    assert PurchaseOrder.get_by_id(po.id).status == "open"


def test_costs_and_writes_need_the_pin_once_per_login(dash):
    from db.masterdata.security import set_pin
    set_pin("S1", "4321")
    flow = dash()
    press(flow, "7")                          # stock value: costs hidden, said so
    assert "unit_cost" in flow.columns and "unit_cost" not in flow.table(78).shown
    assert "costs hidden: k" in flow.heading() and ("k", "Costs") in flow.key_list()
    press(flow, "k")
    assert flow.asking_pin == "Costs and margins need your PIN, once per login."
    run(flow, flow.pin_entered("9999"))
    assert flow.take_feedback().message == "wrong PIN for S1" and flow.session.pin is None
    press(flow, "k")
    run(flow, flow.pin_entered("4321"))
    assert flow.table(78).shown == ["sku", "name", "on_hand", "unit_cost", "value", "share_pct"]
    press(flow, "2", "n", "enter")            # asked once: the write goes straight through
    assert flow.asking_pin is None and PurchaseOrder.select().count() == 1


def test_a_report_that_fails_says_so(dash):
    flow = dash()
    press(flow, "h")
    flow.typing = "NO-SUCH-SKU"
    press(flow, "enter")
    fb = flow.take_feedback()
    assert fb.level == "error" and fb.message.startswith("stock chart:") and "NO-SUCH-SKU" in fb.message


# --- the table at 80 cells -----------------------------------------------------------------

ROWS = [{"rank": 1, "sku": "SKU-1", "name": "康师傅红烧牛肉面 五连包 Family pack", "orders": 3, "qty": 1200,
         "revenue": Decimal("2599.00"), "cost": Decimal("1299.49"), "margin": Decimal("1299.51"),
         "share_pct": 100.0}]
COLUMNS = list(ROWS[0])


def test_numbers_are_never_cut_text_is_narrowed_first():
    fitted = fit(COLUMNS, ROWS, 78)
    assert fitted.total <= 78
    assert fitted.shown == COLUMNS            # everything fits once the name is narrowed
    name = fitted.rows[0][2]
    assert name.endswith("…") and cell_len(name) <= fitted.widths[2]
    assert [fitted.rows[0][c] for c in (6, 7)] == ["1,299.49", "1,299.51"]


def test_columns_that_do_not_fit_are_marked_and_scroll():
    fitted = fit(COLUMNS, ROWS, 50)
    assert fitted.total <= 50 and fitted.headers[-1] == MORE_RIGHT and fitted.hidden_right > 0
    for header, value in zip(fitted.shown, fitted.rows[0]):
        assert value in ("SKU-1", "1", "3", "1200", "2,599.00", "1,299.49", "1,299.51", "100.0") \
            or header == "name"
    scrolled = fit(COLUMNS, ROWS, 50, offset=4)
    assert scrolled.headers[:2] == ["rank", MORE_LEFT] and scrolled.shown[1] == "revenue"
    assert "1,299.49" in scrolled.rows[0] and scrolled.total <= 50
    assert sum(w + PAD for w in scrolled.widths) == scrolled.total


def test_left_and_right_scroll_the_dashboard(dash):
    flow = dash()
    wide = flow.table(40)
    assert wide.headers[-1] == MORE_RIGHT
    press(flow, "right", "right")
    assert flow.offset == 2 and flow.table(40).headers[1] == MORE_LEFT
    press(flow, "left", "left", "left")
    assert flow.offset == 0


def test_codes_and_the_first_column_are_never_cut():
    rows = [{"po": "PO-R20261205-001", "supplier": "EASTTRADE", "note": "x" * 40, "lines": 4}]
    fitted = fit(list(rows[0]), rows, 50)
    assert fitted.rows[0][:2] == ["PO-R20261205-001", "EASTTRADE"] and fitted.total <= 50
    assert fitted.rows[0][2].endswith("…") and fitted.rows[0][3] == "4"


def test_what_a_suggestion_is_about_comes_first(dash):
    flow = dash()
    press(flow, "2")
    assert flow.table(78).shown[:5] == ["supplier", "sku", "name", "qty", "rule"]
    assert flow.columns == run_report("reorder", flow.settings)[1]      # the report's own order


def test_an_answer_for_a_view_left_meanwhile_is_dropped(dash):
    flow = dash()
    daily = flow.key("6", "6")                # sales by day, still loading...
    weekly = flow.key("b", "b")               # ...when b asks for weeks
    run(flow, weekly)
    run(flow, daily)                          # the late answer for days changes nothing
    assert flow.heading().startswith("Supervisor · Sales by week")
    assert all("-W" in r["period"] for r in flow.rows) and sum(r["qty"] for r in flow.rows) == 10


def test_a_case_that_cannot_fit_under_the_max_says_so_and_its_order_is_its_own_alert(dash):
    from db.core.models import Barcode
    flow = dash()
    Barcode.create(code="SKU300-CASE50", item=Item.get(Item.sku == "SKU-300"), pack_qty=50)
    press(flow, "2")
    # SKU-300: 40 - 3 = 37 to the max; no case of 50 fits, so one case, 3 + 50 - 40 = 13 over.
    (row,) = flow.rows
    assert (row["qty"], row["rule"]) == (50, "up to max, 13 over: whole cases")
    press(flow, "o", "enter")
    assert PurchaseOrder.get().status == "open"
    press(flow, "1")
    # 3 held, 50 on order: over the max because of the order, not an overstock.
    assert flow.heading().endswith("0 below reorder point · 1 above max · 1 on order over max")
    assert {r["sku"]: r["alert"] for r in flow.rows} == {"SKU-100": "above max", "SKU-300": "on order over max"}


def test_the_alerts_carry_the_expiry_and_overdue_lines(dash, warehouse):
    from db.core.clock import fixed_today
    from tests import factories as f
    flow = dash()
    # No expired stock and no money documents: nothing is overdue either way.
    assert flow.dashboard == ["payables overdue 0.00 (0 suppliers) · receivables overdue 0.00 (0 customers)"]
    milk = f.item("MILK", "Milk", lot=True, expiry=True, cost=2)
    f.give_stock(milk, f.location("A-09"), 5, f.lot(milk, "OLD", "2026-03-01"))
    with fixed_today(dt.date(2026, 3, 10)):
        press(flow, "3", "1")                 # back to the alerts: read again
    assert flow.dashboard[0] == "Expiry: 1 lot expired (5 units, value 10.00)"
    assert flow.dashboard[1].startswith("payables overdue 0.00")
    press(flow, "3")
    assert flow.view_name == "suppliers" and flow.heading().count("Expiry") == 0
