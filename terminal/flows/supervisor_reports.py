"""What the supervisor dashboard shows: its reports by key, their titles, and the calls that
fetch a report or a chart's series (the same db.reports functions `wh report` runs)."""
from __future__ import annotations

from gettext import gettext as _

from terminal.i18n import N_, shown

# key -> (view, title). The views are the reports of db.reports.catalog plus two of our own.
VIEW_KEYS = {
    "1": ("alerts", N_("Stock alerts")),
    "2": ("reorder", N_("Reorder suggestions")),
    "3": ("suppliers", N_("Supplier scorecard")),
    "4": ("settlement", N_("Supplier settlement")),
    "5": ("customers", N_("Customers")),
    "6": ("sales", N_("Sales")),
    "7": ("value", N_("Stock value")),
    "8": ("turnover", N_("Turnover and days of supply")),
    "9": ("dead-stock", N_("Dead stock")),
    "0": ("ageing", N_("Stock ageing")),
    "a": ("abc", N_("ABC classification")),
    "c": ("counts", N_("Count variances")),
    "d": ("drafts", N_("Draft purchase orders")),
}
TITLES = {view: title for view, title in VIEW_KEYS.values()}
TITLES["history"] = N_("Order history")

# Reports about the state of things now: the period does not apply to them.
SNAPSHOTS = {"alerts", "reorder", "value", "dead-stock", "ageing", "drafts"}

# Columns a view shows first (the rest follow in the report's order, ←/→ away at 80 columns):
# what an alert or a suggestion is about must be on screen without scrolling.
LEADING = {
    "alerts": ["sku", "name", "alert", "projected", "reorder_point", "max_qty", "gap"],
    "reorder": ["supplier", "sku", "name", "qty", "rule", "projected", "max_qty", "case_qty"],
}

PERIODS = [(7, N_("last 7 days")), (30, N_("last 30 days")), (90, N_("last 90 days")), (365, N_("last 365 days")),
           (None, N_("all time"))]
SALES_BY = ["day", "week", "month", "item", "customer", "operator"]
# A grouping as the sales heading, its key and the trend chart say it: whole phrases, because
# Chinese puts the grouping first (按日销售), not after the word as English does.
SALES_TITLES = {"day": N_("Sales by day"), "week": N_("Sales by week"), "month": N_("Sales by month"),
                "item": N_("Sales by item"), "customer": N_("Sales by customer"),
                "operator": N_("Sales by operator")}
SALES_KEYS = {"day": N_("By day"), "week": N_("By week"), "month": N_("By month"), "item": N_("By item"),
              "customer": N_("By customer"), "operator": N_("By operator")}
TREND_TITLES = {"day": N_("Sales revenue by day · {period}"), "week": N_("Sales revenue by week · {period}"),
                "month": N_("Sales revenue by month · {period}")}

# The menu under the table: key, label (two lines of at most 80 cells).
MENU = [[("1", N_("Alerts")), ("2", N_("Reorder")), ("3", N_("Suppliers")), ("4", N_("Settle")), ("5", N_("Customers")),
         ("6", N_("Sales")), ("7", N_("Value")), ("8", N_("Turnover"))],
        [("9", N_("Dead")), ("0", N_("Ageing")), ("a", N_("ABC")), ("c", N_("Counts")), ("d", N_("Drafts")),
         ("r", N_("Count review")), ("t", N_("Trend")), ("h", N_("Stock chart")), ("p", N_("Period"))]]

HELP = [
    ("1–9, 0, a, c, d", N_("open a report: alerts, reorder, suppliers, settlement, customers, sales, "
                        "value, turnover, dead stock, ageing, ABC, counts, draft POs")),
    ("↑ ↓ PgUp PgDn", N_("move in the table")),
    ("← →", N_("scroll to the columns that do not fit (» and « mark them)")),
    ("p", N_("next period: 7, 30, 90, 365 days, all time (a chart is redrawn for it)")),
    ("b", N_("sales: next grouping (day, week, month, item, customer, operator)")),
    ("Enter", N_("customers: the order history of the selected customer; acknowledge an error; "
              "confirm an action")),
    ("n / o", N_("reorder: create draft POs / create them open (receivable at once); asks first")),
    ("l", N_("draft POs: release the selected one (it becomes open, receivable at a station); asks first")),
    ("k", N_("show costs and margins (your PIN, once per login)")),
    ("s", N_("ABC: save the classes on the items")),
    ("t", N_("chart of the sales trend over the period")),
    ("h", N_("chart of the stock of an item (the selected row's, or type a SKU)")),
    ("r", N_("count reconciliation (approve or reject count variances)")),
    ("Esc", N_("back to the alerts; from the alerts, back to the menu; cancel a question")),
    ("F1", N_("this help")),
]


def dashboard_lines() -> list[str]:
    """The lines the dashboard shows under the alerts: expired and expiring stock (issue 17), and
    what is overdue to suppliers and from customers (db/money)."""
    from db.reports.expiry import expiry_alert
    from db.reports.ledgers import overdue_summary
    return [line for line in (expiry_alert(), overdue_summary()) if line]


def fetch(settings: dict, view: str, period, sales_by: str, customer: str | None):
    """(rows, columns) of VIEW: the report function the CLI calls too."""
    from db.reports.catalog import run_report
    date_from, date_to = period
    if view == "drafts":
        from db.reports.reorder import draft_pos
        return draft_pos()
    if view in SNAPSHOTS:
        return run_report(view, settings)
    if view == "sales":
        return run_report("sales", settings, date_from, date_to, by=sales_by)
    if view == "history":
        return run_report("customers", settings, date_from, date_to, customer=customer)
    return run_report(view, settings, date_from, date_to)


def alert_summary(rows: list[dict]) -> str:
    from db.reports.alerts import ABOVE, BELOW, ON_ORDER_OVER
    if not rows:
        return _("no alerts: every item is between its reorder point and its maximum")
    # The alert kinds are the report's cell values (data, English); counted here as a sentence.
    said = {BELOW: N_("{n} below reorder point"), ABOVE: N_("{n} above max"),
            ON_ORDER_OVER: N_("{n} on order over max")}
    count = {kind: sum(1 for r in rows if r["alert"] == kind) for kind in said}
    parts = [shown(said[kind]).format(n=count[kind]) for kind in (BELOW, ABOVE, ON_ORDER_OVER)
             if count[kind] or kind != ON_ORDER_OVER]
    return " · ".join(parts)


def sales_series(settings: dict, period, label: str, by: str) -> tuple:
    """(title, labels, values, "bar"): revenue per day, week or month of PERIOD. A grouping that
    is not a time (item, customer) gives days for a month or less, else weeks."""
    from db.reports.catalog import run_report
    date_from, date_to = period
    if by not in ("day", "week", "month"):
        by = "day" if date_from and (date_to - date_from).days <= 31 else "week"
    rows, _columns = run_report("sales", settings, date_from, date_to, by=by)
    labels = [r["period"][5:] if by == "day" else r["period"] for r in rows]
    return shown(TREND_TITLES[by]).format(period=label), labels, [float(r["revenue"]) for r in rows], "bar"


def stock_series(sku: str, period, settings: dict) -> tuple:
    """(title, labels, values, "line"): the stock of SKU at the end of each day of PERIOD."""
    from db.reports.inventory import stock_history
    date_from, date_to = period
    days = settings.get("reports", {}).get("window_days")
    rows, _columns = stock_history(sku, date_from, date_to, days=days)
    title = (_("Stock of {sku} · {first} to {last}").format(sku=sku, first=rows[0]["day"], last=rows[-1]["day"])
             if rows else _("Stock of {sku}").format(sku=sku))
    return title, [r["day"].strftime("%m-%d") for r in rows], [r["on_hand"] for r in rows], "line"
