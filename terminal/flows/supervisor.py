"""The supervisor's dashboard (menu key 8) as a plain state machine: which report or chart is
shown, the period, what each key does, when the PIN is asked and what must be confirmed.

No Textual and no threads here. A key returns the store calls it needs as `Task`s; the screen
(terminal/screens/supervisor.py) runs each off the UI thread and hands the result to
`task.done`, which may ask for more. Tests run them in line (tests/terminal/flows/).

The numbers come from db.reports.catalog.run_report, the function `wh report` calls. Writing
actions (draft POs, release) ask for a confirmation first, then the supervisor's PIN once per
login; costs and margins are shown once that PIN was given (when the supervisor has one).
Errors are held until acknowledged (Enter or CMD-OK), as on every station screen: the screen
hands `feedback` of level error to the station, which holds it.
"""
from __future__ import annotations

import datetime as dt
from gettext import gettext as _
from typing import Callable

from rich.cells import cell_len

from db.core.text import plural
from terminal.i18n import N_, shown

from .base import Feedback, Flow
from .report_table import COST_COLUMNS, Fitted, fit
from .supervisor_reports import (HELP, LEADING, PERIODS, SALES_BY, SALES_KEYS, SALES_TITLES, SNAPSHOTS, TITLES,
                                 VIEW_KEYS, alert_summary, dashboard_lines, fetch)

# The PIN and the writing actions (and the Task they return): terminal/flows/supervisor_actions.py.
from .supervisor_actions import Steps, SupervisorActions, Task


class SupervisorFlow(SupervisorActions, Flow):
    title = N_("Supervisor")
    keys = ()

    def __init__(self, session, settings: dict | None = None):
        super().__init__(session)
        self.settings = settings if settings is not None else session.cfg.values
        self.refused = not session.is_supervisor
        self.view_name, self.previous = "alerts", "alerts"
        self.period_index, self.sales_by, self.customer = 1, "day", None
        self.rows: list[dict] = []
        self.columns: list[str] = []
        self.cursor = 0
        self.offset = 0                  # columns scrolled away (←/→)
        self.note = ""
        self.loads = 0                   # views and charts asked for: only the last one is shown
        self.alert_summary = ""
        self.dashboard: list[str] = []     # expiry and overdue lines, shown with the alerts
        self.chart: tuple | None = None  # (title, labels, values, kind)
        self.chart_of: tuple | None = None   # ("sales",) or ("stock", sku): redrawn for a new period
        self.typing: str | None = None   # the stock chart's SKU, while it is typed
        self.confirm: tuple[str, Callable[[], Steps]] | None = None
        self.asking_pin: str | None = None    # why: the screen opens the PIN dialog
        self.after_pin: Callable[[], Steps] | None = None
        self.pin_needed: bool | None = None   # None until the store said
        self.feedback: Feedback | None = None
        self.next = None                 # "leave", "help" or "count-review", for the screen

    # --- what the station asks ------------------------------------------------------------

    def on_scan(self, scan, key=None) -> Feedback:
        from .base import describe_scan
        return Feedback.error(_("the dashboard takes no scans (scanned {scan})").format(scan=describe_scan(scan)))

    def view(self):
        return None      # the dashboard draws from its own state on the UI thread

    # --- start -----------------------------------------------------------------------------

    def begin(self) -> Steps:
        if self.refused:
            from db.masterdata.security import audit
            who, role = self.session.operator or "nobody", self.session.role
            self.say(Feedback.error(_("operator {who} is a {role}; the supervisor screens need a supervisor").format(
                who=who if self.session.operator else _("nobody"), role=shown(role))))
            return [Task(N_("audit"), lambda: audit(who, self.session.station, "refused",
                                                    what="supervisor screen"), lambda _result: [])]
        return [Task(N_("PIN"), self._pin_needed, self._pin_known)] + self.open("alerts")

    # --- feedback --------------------------------------------------------------------------

    def say(self, feedback: Feedback | None) -> None:
        self.feedback = feedback

    def take_feedback(self) -> Feedback | None:
        fb, self.feedback = self.feedback, None
        return fb

    def failed(self, task: Task, exc: Exception) -> Steps:
        # What failed is a marked title ("Stock alerts", "PIN"): said in the user's language.
        self.say(Feedback.error(_("{what}: {error}").format(what=shown(task.what), error=exc) if task.what
                                else str(exc)))
        if not task.writes:
            self.note = _("failed")
        return []

    # --- keys ------------------------------------------------------------------------------

    def key(self, key: str, character: str | None) -> Steps | None:
        """A key on the dashboard: the store calls it needs, or None when it is not ours (the
        table's ↑/↓/PgUp/PgDn)."""
        self.next = None
        if self.refused:
            if key == "escape":
                self.next = "leave"
            return []
        if self.confirm is not None:
            question, then = self.confirm
            if key in ("escape", "enter"):
                self.confirm = None
                if key == "enter":
                    return self.with_pin(then, _("Creating or releasing a purchase order needs your PIN."))
                self.say(Feedback.info(_("cancelled: nothing was created or released")))
            return []
        if self.typing is not None:
            return self.type_key(key, character)
        if key in ("left", "right"):
            return self.scroll(-1 if key == "left" else 1)
        if key == "f1":
            self.next = "help"
            return []
        if key == "escape":
            if self.view_name in ("chart", "history"):
                return self.open(self.previous)
            if self.view_name != "alerts":
                return self.open("alerts")
            self.next = "leave"
            return []
        if key == "enter":
            if self.view_name == "customers" and self.selected("customer"):
                self.customer, self.previous = self.selected("customer"), "customers"
                return self.open("history")
            return []
        if not character:
            return None
        if character in VIEW_KEYS:
            return self.open(VIEW_KEYS[character][0])
        action = {"p": self.next_period, "b": self.next_grouping, "t": self.sales_chart,
                  "h": self.ask_stock_chart, "r": self.count_review, "n": lambda: self.reorder(False),
                  "o": lambda: self.reorder(True), "l": self.release_selected, "s": self.save_abc,
                  "k": self.show_costs}.get(character)
        return action() if action is not None else None

    def key_list(self) -> list[tuple[str, str]]:
        if self.refused:
            return [("enter", N_("OK")), ("escape", N_("Back"))]
        if self.confirm is not None:
            return [("enter", N_("Yes")), ("escape", N_("No"))]
        # Labels marked N_: the key bar translates them where it shows them.
        keys = [("f1", N_("Help")), ("escape", N_("Back"))]
        extra = {"reorder": [("n", N_("Create drafts")), ("o", N_("Create open"))],
                 "drafts": [("l", N_("Release"))], "abc": [("s", N_("Save classes"))],
                 "sales": [("b", SALES_KEYS[self.sales_by])], "customers": [("enter", N_("History"))]}
        keys += extra.get(self.view_name, [])
        if self.hidden_costs():
            keys.append(("k", N_("Costs")))
        return keys

    def help_lines(self):
        return HELP

    # --- the table -------------------------------------------------------------------------

    def hidden_costs(self) -> list[str]:
        return [] if self.costs_visible else [c for c in self.columns if c in COST_COLUMNS]

    def table(self, width: int) -> Fitted | None:
        if self.view_name == "chart" or self.refused:
            return None
        hidden = set(self.hidden_costs())
        lead = [c for c in LEADING.get(self.view_name, []) if c in self.columns]
        shown = lead + [c for c in self.columns if c not in lead]
        return fit([c for c in shown if c not in hidden], self.rows, width, self.offset)

    def scroll(self, step: int) -> Steps:
        self.offset = max(0, min(self.offset + step, max(0, len(self.columns) - 2)))
        return []

    def selected(self, column: str):
        if column not in self.columns or not 0 <= self.cursor < len(self.rows):
            return None
        return self.rows[self.cursor].get(column)

    # --- views -----------------------------------------------------------------------------

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        days = PERIODS[self.period_index][0]
        if days is None:
            return None, None
        from db.reports.common import today
        end = today()
        return end - dt.timedelta(days=days - 1), end

    def period_label(self) -> str:
        return shown(PERIODS[self.period_index][1])

    def heading(self, width: int | None = None) -> str:
        """The title line; in WIDTH cells, "Supervisor · " goes first (the header says who)."""
        text, prefix = self._heading(), self.prefix()
        if width is not None and cell_len(text) > width and text.startswith(prefix):
            text = text[len(prefix):]
        return text

    @staticmethod
    def prefix() -> str:
        return _("Supervisor") + " · "

    def _heading(self) -> str:
        if self.refused:
            return _("Supervisor: refused")
        if self.view_name == "chart":
            return self.prefix() + (self.chart[0] if self.chart else _("chart"))
        title = shown(TITLES.get(self.view_name, self.view_name))
        if self.view_name == "history" and self.customer:
            title = _("Order history of {customer}").format(customer=self.customer)
        if self.view_name == "sales":
            title = shown(SALES_TITLES[self.sales_by])
        parts = [self.prefix() + title]
        if self.view_name not in SNAPSHOTS:
            parts.append(self.period_label())
        if self.note:
            parts.append(self.note)
        return " · ".join(parts)

    def open(self, view: str) -> Steps:
        if view not in ("chart", "history") and view != self.view_name:
            self.previous = view
        self.view_name, self.chart, self.chart_of = view, None, None
        self.rows, self.columns, self.cursor, self.offset = [], [], 0, 0
        self.note = _("loading…")
        self.loads += 1
        period, by, customer, load = self.period(), self.sales_by, self.customer, self.loads

        def load_view():
            result = fetch(self.settings, view, period, by, customer)
            return result, dashboard_lines() if view == "alerts" else []

        def done(loaded) -> Steps:
            if load != self.loads:
                return []        # the supervisor moved on meanwhile (another view, grouping, period)
            result, self.dashboard = loaded
            self.rows, self.columns = result
            self.note = plural(len(self.rows), "row") if self.rows else _("nothing to show")
            if view == "alerts":
                self.alert_summary = alert_summary(self.rows)
                self.note = self.alert_summary
            if self.hidden_costs():
                self.note += " · " + _("costs hidden: k")
            return []
        return [Task(TITLES.get(view, view), load_view, done)]

    def next_period(self) -> Steps:
        self.period_index = (self.period_index + 1) % len(PERIODS)
        if self.view_name == "chart":
            return self.draw_chart(*self.chart_of) if self.chart_of else []
        if self.view_name in SNAPSHOTS:
            self.say(Feedback.info(_("period: {period} (this report is about now)").format(period=self.period_label())))
            return []
        return self.open(self.view_name)

    def next_grouping(self) -> Steps:
        if self.view_name != "sales":
            return []
        self.sales_by = SALES_BY[(SALES_BY.index(self.sales_by) + 1) % len(SALES_BY)]
        return self.open("sales")

    def count_review(self) -> Steps:
        self.next = "count-review"
        return []

    # --- charts ----------------------------------------------------------------------------

    def sales_chart(self) -> Steps:
        return self.draw_chart("sales")

    def ask_stock_chart(self) -> Steps:
        self.typing = str(self.selected("sku") or "")
        return []

    def type_key(self, key: str, character: str | None) -> Steps:
        if key == "escape":
            self.typing = None
        elif key == "enter":
            sku, self.typing = self.typing.strip(), None
            return self.draw_chart("stock", sku) if sku else []
        elif key == "backspace":
            self.typing = self.typing[:-1]
        elif character and len(character) == 1 and character.isprintable():
            self.typing += character
        return []

    def draw_chart(self, kind: str, sku: str | None = None) -> Steps:
        from .supervisor_reports import sales_series, stock_series
        if self.view_name != "chart":
            self.previous = self.view_name if self.view_name != "history" else self.previous
        self.view_name, self.chart_of, self.note = "chart", (kind, sku) if sku else (kind,), ""
        self.loads += 1
        period, label, by, load = self.period(), self.period_label(), self.sales_by, self.loads
        if kind == "sales":
            call = lambda: sales_series(self.settings, period, label, by)  # noqa: E731
        else:
            call = lambda: stock_series(sku, period, self.settings)  # noqa: E731

        def done(chart) -> Steps:
            if load == self.loads:
                self.chart = chart
            return []
        return [Task(N_("sales trend") if kind == "sales" else N_("stock chart"), call, done)]
