"""What the supervisor dashboard shows: its reports by key, their titles, and the calls that
fetch a report or a chart's series (the same db.reports functions `wh report` runs)."""
from __future__ import annotations


# key -> (view, title). The views are the reports of db.reports.catalog plus two of our own.
VIEW_KEYS = {
    "1": ("alerts", "Stock alerts"),
    "2": ("reorder", "Reorder suggestions"),
    "3": ("suppliers", "Supplier scorecard"),
    "4": ("settlement", "Supplier settlement"),
    "5": ("customers", "Customers"),
    "6": ("sales", "Sales"),
    "7": ("value", "Stock value"),
    "8": ("turnover", "Turnover and days of supply"),
    "9": ("dead-stock", "Dead stock"),
    "0": ("ageing", "Stock ageing"),
    "a": ("abc", "ABC classification"),
    "c": ("counts", "Count variances"),
    "d": ("drafts", "Draft purchase orders"),
}
TITLES = {view: title for view, title in VIEW_KEYS.values()}
TITLES["history"] = "Order history"

# Reports about the state of things now: the period does not apply to them.
SNAPSHOTS = {"alerts", "reorder", "value", "dead-stock", "ageing", "drafts"}

# Columns a view shows first (the rest follow in the report's order, ←/→ away at 80 columns):
# what an alert or a suggestion is about must be on screen without scrolling.
LEADING = {
    "alerts": ["sku", "name", "alert", "projected", "reorder_point", "max_qty", "gap"],
    "reorder": ["supplier", "sku", "name", "qty", "rule", "projected", "max_qty", "case_qty"],
}

PERIODS = [(7, "last 7 days"), (30, "last 30 days"), (90, "last 90 days"), (365, "last 365 days"),
           (None, "all time")]
SALES_BY = ["day", "week", "month", "item", "customer", "operator"]

# The menu under the table: key, label (two lines of at most 80 cells).
MENU = [[("1", "Alerts"), ("2", "Reorder"), ("3", "Suppliers"), ("4", "Settle"), ("5", "Customers"),
         ("6", "Sales"), ("7", "Value"), ("8", "Turnover")],
        [("9", "Dead"), ("0", "Ageing"), ("a", "ABC"), ("c", "Counts"), ("d", "Drafts"),
         ("r", "Count review"), ("t", "Trend"), ("h", "Stock chart"), ("p", "Period")]]

HELP = [
    ("1–9, 0, a, c, d", "open a report: alerts, reorder, suppliers, settlement, customers, sales, "
                        "value, turnover, dead stock, ageing, ABC, counts, draft POs"),
    ("↑ ↓ PgUp PgDn", "move in the table"),
    ("← →", "scroll to the columns that do not fit (» and « mark them)"),
    ("p", "next period: 7, 30, 90, 365 days, all time (a chart is redrawn for it)"),
    ("b", "sales: next grouping (day, week, month, item, customer, operator)"),
    ("Enter", "customers: the order history of the selected customer; acknowledge an error; "
              "confirm an action"),
    ("n / o", "reorder: create draft POs / create them open (receivable at once); asks first"),
    ("l", "draft POs: release the selected one (it becomes open, receivable at a station); asks first"),
    ("k", "show costs and margins (your PIN, once per login)"),
    ("s", "ABC: save the classes on the items"),
    ("t", "chart of the sales trend over the period"),
    ("h", "chart of the stock of an item (the selected row's, or type a SKU)"),
    ("r", "count reconciliation (approve or reject count variances)"),
    ("Esc", "back to the alerts; from the alerts, back to the menu; cancel a question"),
    ("F1", "this help"),
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
        return "no alerts: every item is between its reorder point and its maximum"
    count = {kind: sum(1 for r in rows if r["alert"] == kind) for kind in (BELOW, ABOVE, ON_ORDER_OVER)}
    parts = [f"{count[BELOW]} {BELOW}", f"{count[ABOVE]} {ABOVE}"]
    if count[ON_ORDER_OVER]:
        parts.append(f"{count[ON_ORDER_OVER]} {ON_ORDER_OVER}")
    return " · ".join(parts)


def sales_series(settings: dict, period, label: str, by: str) -> tuple:
    """(title, labels, values, "bar"): revenue per day, week or month of PERIOD. A grouping that
    is not a time (item, customer) gives days for a month or less, else weeks."""
    from db.reports.catalog import run_report
    date_from, date_to = period
    if by not in ("day", "week", "month"):
        by = "day" if date_from and (date_to - date_from).days <= 31 else "week"
    rows, _ = run_report("sales", settings, date_from, date_to, by=by)
    labels = [r["period"][5:] if by == "day" else r["period"] for r in rows]
    return f"Sales revenue by {by} · {label}", labels, [float(r["revenue"]) for r in rows], "bar"


def stock_series(sku: str, period, settings: dict) -> tuple:
    """(title, labels, values, "line"): the stock of SKU at the end of each day of PERIOD."""
    from db.reports.inventory import stock_history
    date_from, date_to = period
    days = settings.get("reports", {}).get("window_days")
    rows, _ = stock_history(sku, date_from, date_to, days=days)
    title = f"Stock of {sku} · {rows[0]['day']} to {rows[-1]['day']}" if rows else f"Stock of {sku}"
    return title, [r["day"].strftime("%m-%d") for r in rows], [r["on_hand"] for r in rows], "line"
