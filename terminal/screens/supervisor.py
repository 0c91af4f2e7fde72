"""The supervisor's dashboard (menu key 8): the stock alerts first, every report one key away,
reorder to purchase orders, and the charts. Keyboard only; fits 80×24.

The numbers come from db.reports.catalog.run_report, the same function `wh report` calls.
Every store call runs in a worker thread; results come back through call_from_thread.
Workers get a refusal: the screen shows nothing of the books to them.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt
from decimal import Decimal

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from ..widgets.banner import Banner
from ..widgets.chart import Chart
from ..widgets.entry import EntryLine
from ..widgets.keybar import KeyBar
from ..i18n import N_, shown
from .base import StationScreen

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

PERIODS = [(7, N_("last 7 days")), (30, N_("last 30 days")), (90, N_("last 90 days")),
           (365, N_("last 365 days")), (None, N_("all time"))]
SALES_BY = ["day", "week", "month", "item", "customer", "operator"]
# The groupings as the screen says them (the report takes the English keys above).
SALES_BY_WORDS = {"day": N_("day"), "week": N_("week"), "month": N_("month"), "item": N_("item"),
                  "customer": N_("customer"), "operator": N_("operator")}

def _menu(entries: str) -> str:
    """ "1 Alerts|2 Reorder" -> the key in reverse video right before its label (fits 80 columns)."""
    out = []
    for entry in entries.split("|"):
        k, label = entry.split(" ", 1)
        out.append(f"[reverse b]{k}[/]{label}")
    return " ".join(out)


# The two menu rows, translated when the screen is built (the language is chosen after import).
MENU_ROWS = (N_("1 Alerts|2 Reorder|3 Suppliers|4 Settle|5 Customers|6 Sales|7 Value|8 Turnover"),
             N_("9 Dead|0 Ageing|a ABC|c Counts|d Drafts|r Count review|t Trend|h Stock chart|p Period"))


def menu_text() -> str:
    return "\n".join(_menu(_(row)) for row in MENU_ROWS)


# The alert words of db/reports/alerts, for the catalogue (the report marks them too).
ALERT_WORDS = (N_("below reorder point"), N_("above max"))

# Operators' roles as the screen says them (the store keeps the English keys).
ROLE_WORDS = {"worker": N_("worker"), "supervisor": N_("supervisor")}

HELP = [
    ("1–9, 0, a, c, d", N_("open a report: alerts, reorder, suppliers, settlement, customers, sales, "
                        "value, turnover, dead stock, ageing, ABC, counts, draft POs")),
    ("↑ ↓ ← → PgUp PgDn", N_("move in the table")),
    ("p", N_("next period: 7, 30, 90, 365 days, all time")),
    ("b", N_("sales: next grouping (day, week, month, item, customer, operator)")),
    ("Enter", N_("customers: the order history of the selected customer; acknowledge an error")),
    ("n / o", N_("reorder: create draft POs / create them open (receivable at once)")),
    ("l", N_("draft POs: release the selected one (it becomes open, receivable at a station)")),
    ("s", N_("ABC: save the classes on the items")),
    ("t", N_("chart of the sales trend over the period")),
    ("h", N_("chart of the stock of an item (the selected row's, or type a SKU)")),
    ("r", N_("count reconciliation (approve or reject count variances)")),
    ("Esc", N_("back to the alerts; from the alerts, back to the menu")),
    ("F1", N_("this help")),
]


# Columns whose values are English words of db/reports (marked N_ there), not names or codes.
WORD_COLUMNS = {"alert", "status", "class"}


def cell(value, translate: bool = False) -> str | Text:
    if value is None:
        return ""
    if translate and isinstance(value, str):
        return shown(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return Text(f"{value:,.2f}", justify="right")
    if isinstance(value, float):
        return Text(f"{value:,.1f}" if value != int(value) else f"{value:,.0f}", justify="right")
    if isinstance(value, int):
        return Text(str(value), justify="right")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class SupervisorScreen(StationScreen):
    CSS_PATH = "supervisor.tcss"
    screen_title = N_("Supervisor")

    def __init__(self):
        super().__init__()
        self.view = "alerts"
        self.previous = "alerts"     # where Esc goes back to from a chart or an order history
        self.period_index = 1
        self.sales_by = "day"
        self.customer = None
        self.rows: list[dict] = []
        self.columns: list[str] = []
        self.refused = False
        self.prompting = False
        self.alert_summary = ""

    # --- layout ----------------------------------------------------------------------------------

    def body(self) -> ComposeResult:
        yield Static(_("Supervisor"), id="sv-title")
        yield DataTable(id="sv-table", zebra_stripes=True, cursor_type="row")
        yield Chart(id="sv-chart")
        yield Static(menu_text(), id="sv-menu")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Chart).display = False
        self.query_one(EntryLine).display = False
        session = self.app.session
        if not session.is_supervisor:
            self.refused = True
            who = session.operator or _("nobody")
            role = _(ROLE_WORDS.get(session.role, session.role))
            self.query_one("#sv-title", Static).update(Text(_("Supervisor: refused"), style="bold"))
            self.query_one(DataTable).display = False
            self.query_one("#sv-menu", Static).update(
                _("The supervisor screens need a supervisor. Operator {who} is a {role}.\n"
                  "Press Esc to go back to the menu.").format(who=who, role=role))
            self.query_one(Banner).show("error", _("operator {who} is a {role}; the supervisor screens "
                                                   "need a supervisor").format(who=who, role=role))
            self.app.bell()
            self.audit_refusal(who)
            return
        self.query_one(DataTable).focus()
        self.open_view("alerts")

    def key_list(self):
        if self.refused:
            return [("escape", N_("Back"))]
        keys = [("f1", N_("Help")), ("escape", N_("Back"))]
        by = _("By {by}").format(by=_(SALES_BY_WORDS[self.sales_by]))
        extra = {"reorder": [("n", N_("Create drafts")), ("o", N_("Create open"))],
                 "drafts": [("l", N_("Release"))], "abc": [("s", N_("Save classes"))],
                 "sales": [("b", by)], "customers": [("enter", N_("History"))]}
        return keys + extra.get(self.view, [])

    def help_lines(self):
        return HELP

    # --- the period ------------------------------------------------------------------------------

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        days, _label = PERIODS[self.period_index]
        if days is None:
            return None, None
        from db.reports.common import today
        end = today()
        return end - dt.timedelta(days=days - 1), end

    def period_label(self) -> str:
        return _(PERIODS[self.period_index][1])

    # --- keys ------------------------------------------------------------------------------------

    def station_key(self, key: str, character: str | None) -> bool:
        station = self.app.station
        if key == "enter" and station.blocked is not None:
            station.acknowledge()
            self.query_one(Banner).show(None)
            return True
        if self.refused:
            if key == "escape":
                self.app.pop_screen()
            return True
        if self.prompting:
            return self.prompt_key(key, character)
        if key == "f1":
            from .help import HelpScreen
            self.app.push_screen(HelpScreen(N_("Supervisor"), self.help_lines()))
            return True
        if key == "escape":
            if self.view in ("chart", "history"):
                self.open_view(self.previous)
            elif self.view != "alerts":
                self.open_view("alerts")
            else:
                self.app.pop_screen()
            return True
        if key == "enter":
            if self.view == "customers" and self.selected("customer"):
                self.customer = self.selected("customer")
                self.previous = "customers"
                self.open_view("history")
            return True
        if character is None:
            return False
        if character in VIEW_KEYS:
            self.open_view(VIEW_KEYS[character][0])
            return True
        action = {"p": self.next_period, "b": self.next_grouping, "t": self.sales_chart,
                  "h": self.ask_stock_chart, "r": self.open_count_review, "n": self.create_drafts,
                  "o": self.create_open, "l": self.release_selected, "s": self.save_abc}.get(character)
        if action is not None:
            action()
            return True
        return False

    def selected(self, column: str):
        table = self.query_one(DataTable)
        if not self.rows or column not in self.columns or not table.display:
            return None
        row = table.cursor_row
        return self.rows[row].get(column) if 0 <= row < len(self.rows) else None

    def say(self, level: str | None, message: str = "") -> None:
        self.query_one(Banner).show(level, message)
        if level == "error":
            self.app.bell()

    # --- views -----------------------------------------------------------------------------------

    def open_view(self, view: str) -> None:
        if view not in ("chart", "history") and view != self.view:
            self.previous = view
        self.view = view
        self.query_one(KeyBar).show(self.key_list())
        self.set_title(_("loading…"))
        self.load(view, self.period(), self.sales_by, self.customer)

    def set_title(self, note: str = "") -> None:
        title = _(TITLES.get(self.view, self.view))
        if self.view == "history" and self.customer:
            title = _('Order history of {customer}').format(customer=self.customer)
        if self.view == "sales":
            title = _("{title} by {by}").format(title=title, by=_(SALES_BY_WORDS[self.sales_by]))
        parts = [_("Supervisor") + " · " + title]
        if self.view not in SNAPSHOTS:
            parts.append(self.period_label())
        if note:
            parts.append(note)
        self.query_one("#sv-title", Static).update(Text(" · ".join(parts), style="bold"))

    def next_period(self) -> None:
        self.period_index = (self.period_index + 1) % len(PERIODS)
        if self.view in SNAPSHOTS:
            self.say("info", _('period: {period_label} (this report is about now)').format(
                                 period_label=self.period_label()))
            self.set_title(_('{n_rows} rows').format(n_rows=len(self.rows)))
            return
        self.open_view(self.view)

    def next_grouping(self) -> None:
        if self.view != "sales":
            return
        self.sales_by = SALES_BY[(SALES_BY.index(self.sales_by) + 1) % len(SALES_BY)]
        self.open_view("sales")

    @work(thread=True, exclusive=True, group="supervisor-load", exit_on_error=False)
    def load(self, view: str, period, sales_by: str, customer: str | None) -> None:
        worker = get_current_worker()
        try:
            rows, columns = fetch(self.app.cfg.values, view, period, sales_by, customer)
            summary = alert_summary(rows) if view == "alerts" else None
        except Exception as exc:   # a report that fails must say so, not kill the screen
            if not worker.is_cancelled:
                self.app.call_from_thread(self.say, "error", f"{_(TITLES.get(view, view))}: {exc}")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_rows, view, rows, columns, summary)

    def show_rows(self, view: str, rows: list[dict], columns: list[str], summary: str | None) -> None:
        if view != self.view:
            return
        self.rows, self.columns = rows, columns
        table = self.query_one(DataTable)
        self.query_one(Chart).display = False
        table.display = True
        table.clear(columns=True)
        # The headers come from db/reports in English (marked N_ there): translated as shown.
        table.add_columns(*[shown(c) for c in columns])
        for row in rows:
            table.add_row(*[cell(row.get(c), translate=c in WORD_COLUMNS) for c in columns])
        table.focus()
        if summary is not None:
            self.alert_summary = summary
        note = _("{n_rows} rows").format(n_rows=len(rows)) if rows else _("nothing to show")
        self.set_title(summary if view == "alerts" and summary else note)

    # --- charts ----------------------------------------------------------------------------------

    def sales_chart(self) -> None:
        date_from, date_to = self.period()
        by = self.sales_by if self.sales_by in ("day", "week", "month") else (
            "day" if date_from and (date_to - date_from).days <= 31 else "week")
        self.previous = self.view if self.view not in ("chart",) else self.previous
        self.view = "chart"
        self.query_one(KeyBar).show([("escape", N_("Back")), ("f1", N_("Help"))])
        self.chart_sales(by, (date_from, date_to))

    @work(thread=True, exclusive=True, group="supervisor-load", exit_on_error=False)
    def chart_sales(self, by: str, period) -> None:
        from db.reports.catalog import run_report
        try:
            rows, _unused = run_report("sales", self.app.cfg.values, *period, by=by)
        except Exception as exc:
            self.app.call_from_thread(self.say, "error", _("sales trend: {exc}").format(exc=exc))
            return
        labels = [r["period"][5:] if by == "day" else r["period"] for r in rows]
        values = [float(r["revenue"]) for r in rows]
        title = _('Sales revenue by {by} · {period_label}').format(by=by, period_label=self.period_label())
        self.app.call_from_thread(self.show_chart, title, labels, values, "bar")

    def ask_stock_chart(self) -> None:
        sku = self.selected("sku")
        self.prompting = True
        entry = self.query_one(EntryLine)
        entry.display = True
        entry.set_label(_('SKU for the stock chart (Enter draws, Esc cancels)'))
        entry.clear()
        if sku:
            entry.insert(str(sku))

    def prompt_key(self, key: str, character: str | None) -> bool:
        entry = self.query_one(EntryLine)
        if key == "escape":
            self.end_prompt()
        elif key == "enter":
            sku = entry.take().strip()
            self.end_prompt()
            if sku:
                self.previous = self.view if self.view != "chart" else self.previous
                self.view = "chart"
                self.query_one(KeyBar).show([("escape", N_("Back")), ("f1", N_("Help"))])
                self.chart_stock(sku, self.period())
        elif key == "backspace":
            entry.backspace()
        elif character and len(character) == 1 and character.isprintable():
            entry.insert(character)
        return True

    def end_prompt(self) -> None:
        self.prompting = False
        self.query_one(EntryLine).display = False

    @work(thread=True, exclusive=True, group="supervisor-load", exit_on_error=False)
    def chart_stock(self, sku: str, period) -> None:
        from db.reports.inventory import stock_history
        date_from, date_to = period
        days = self.app.cfg.get("reports.window_days")
        try:
            rows, _unused = stock_history(sku, date_from, date_to, days=days)
        except Exception as exc:
            self.app.call_from_thread(self.say, "error", _("stock chart: {exc}").format(exc=exc))
            return
        labels = [r["day"].strftime("%m-%d") for r in rows]
        values = [r["on_hand"] for r in rows]
        title = _('Stock of {sku} · {day} to {day2}').format(
                    sku=sku, day=rows[0]['day'], day2=rows[-1]['day']) if rows else _('Stock of {sku}').format(
                                                                                           sku=sku)
        self.app.call_from_thread(self.show_chart, title, labels, values, "line")

    def show_chart(self, title: str, labels: list[str], values: list[float], kind: str) -> None:
        if self.view != "chart":
            return
        self.query_one(DataTable).display = False
        chart = self.query_one(Chart)
        chart.display = True
        chart.show(title, labels, values, kind=kind)
        self.query_one("#sv-title", Static).update(Text(_("Supervisor") + " · " + title, style="bold"))

    # --- actions that write ----------------------------------------------------------------------

    def create_drafts(self) -> None:
        if self.view == "reorder":
            self.with_pin(lambda: self.make_pos(release=False))

    def create_open(self) -> None:
        if self.view == "reorder":
            self.with_pin(lambda: self.make_pos(release=True))

    @work(thread=True, group="supervisor-write", exit_on_error=False)
    def with_pin(self, then) -> None:
        """Run THEN once the supervisor's PIN is known: asked once per login, and only from a
        supervisor who has one ([security] require_pin)."""
        from db.masterdata import security
        session = self.app.session
        try:
            needed = session.pin is None and security.pin_required(session.operator)
        except Exception as exc:
            self.app.call_from_thread(self.say, "error", str(exc))
            return
        if not needed:
            self.app.call_from_thread(then)
            return
        from .pin import PinDialog
        self.app.call_from_thread(self.app.push_screen, PinDialog(session.operator),
                                  lambda pin: self.pin_entered(pin, then))

    def pin_entered(self, pin: str | None, then) -> None:
        if not pin:
            self.say("error", _('cancelled: this action needs your supervisor PIN'))
            return
        self.check_pin(pin, then)

    @work(thread=True, group="supervisor-write", exit_on_error=False)
    def check_pin(self, pin: str, then) -> None:
        from db.masterdata import security
        session = self.app.session
        try:
            ok = security.check_pin(session.operator, pin, station=session.station)
        except Exception as exc:      # locked out: the message says until when
            self.app.call_from_thread(self.say, "error", str(exc))
            return
        if not ok:
            self.app.call_from_thread(self.say, "error", _("wrong PIN for {operator}").format(operator=session.operator))
            return
        session.pin = pin
        self.app.call_from_thread(then)

    @work(thread=True, exclusive=True, group="supervisor-write", exit_on_error=False)
    def make_pos(self, release: bool) -> None:
        from db.reports.catalog import run_report
        from db.purchasing.reorder import create_draft_pos
        session = self.app.session
        try:
            rows, _columns = run_report("reorder", self.app.cfg.values)
            if not rows:
                self.app.call_from_thread(self.say, "info",
                                          _("nothing to reorder: no item is below its reorder point"))
                return
            with session.pin_scope():
                pos = create_draft_pos(rows, operator=session.operator, station=session.station, release=release)
        except Exception as exc:
            self.app.call_from_thread(self.say, "error", str(exc))
            return
        numbers = ", ".join(p.number for p in pos)
        if release:
            done = _("created {numbers} (open: ready to receive)").format(numbers=numbers)
        else:
            done = _("created {numbers} (drafts: press l on one to release it)").format(numbers=numbers)
        self.app.call_from_thread(self.after_write, done,
                                  "reorder" if release else "drafts")

    def release_selected(self) -> None:
        if self.view != "drafts":
            return
        number = self.selected("po")
        if not number:
            self.say("error", _('no draft purchase order selected'))
            return
        self.with_pin(lambda: self.release(number))

    @work(thread=True, exclusive=True, group="supervisor-write", exit_on_error=False)
    def release(self, number: str) -> None:
        from db.purchasing.reorder import release_po
        session = self.app.session
        try:
            with session.pin_scope():
                release_po(number, operator=session.operator, station=session.station)
        except Exception as exc:
            self.app.call_from_thread(self.say, "error", str(exc))
            return
        self.app.call_from_thread(self.after_write, _("{number} released: open, ready to receive").format(number=number),
                                  "drafts")

    def save_abc(self) -> None:
        if self.view == "abc":
            self.write_abc(self.period())

    @work(thread=True, exclusive=True, group="supervisor-write", exit_on_error=False)
    def write_abc(self, period) -> None:
        from db.masterdata.abc_classes import save_abc_classes
        from db.reports.catalog import run_report
        try:
            rows, _columns = run_report("abc", self.app.cfg.values, *period)
            save_abc_classes(rows)
        except Exception as exc:
            self.app.call_from_thread(self.say, "error", str(exc))
            return
        counts = {c: sum(1 for r in rows if r["class"] == c) for c in "ABC"}
        self.app.call_from_thread(self.after_write, _("ABC classes saved: ") + ", ".join(
            f"{n} {c}" for c, n in counts.items()), "abc")

    def after_write(self, message: str, view: str) -> None:
        self.say("ok", message)
        self.open_view(view)

    @work(thread=True, group="supervisor-write", exit_on_error=False)
    def audit_refusal(self, who: str) -> None:
        try:
            from db.masterdata.security import audit
            audit(who, self.app.session.station, "refused", what="supervisor screen")
        except Exception:
            pass     # the refusal itself is what matters; a missing audit row must not crash

    # --- count reconciliation ---------------------------------------------------------------------

    def open_count_review(self) -> None:
        from .count_review import CountReviewScreen
        self.app.push_screen(CountReviewScreen())


def fetch(settings: dict, view: str, period, sales_by: str, customer: str | None):
    """(rows, columns) of VIEW: the report function the CLI calls too."""
    from db.reports.catalog import run_report
    date_from, date_to = period
    if view == "drafts":
        from db.reports.reorder import draft_pos
        return draft_pos()
    if view in ("alerts", "reorder", "value", "dead-stock", "ageing"):
        return run_report(view, settings)
    if view == "sales":
        return run_report("sales", settings, date_from, date_to, by=sales_by)
    if view == "history":
        return run_report("customers", settings, date_from, date_to, customer=customer)
    if view == "abc":
        return run_report("abc", settings, date_from, date_to)
    return run_report(view, settings, date_from, date_to)


def alert_summary(rows: list[dict]) -> str:
    below = sum(1 for r in rows if r["alert"] == "below reorder point")
    above = len(rows) - below
    if not rows:
        return _("no alerts: every item is between its reorder point and its maximum")
    return _("{below} below reorder point · {above} above max").format(below=below, above=above)
