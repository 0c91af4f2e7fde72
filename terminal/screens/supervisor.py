"""The supervisor's dashboard (menu key 8): draws terminal/flows/supervisor.py and hands it the
keys. The flow decides everything; this screen runs its store calls in one worker, opens the
PIN dialog, help and count review when the flow asks, and fits the table to the screen.
"""
from __future__ import annotations

from gettext import gettext as _

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from ..flows.supervisor import SupervisorFlow, Task
from ..flows.supervisor_reports import MENU
from ..i18n import N_, shown
from ..widgets.banner import Banner
from ..widgets.chart import Chart
from ..widgets.entry import EntryLine
from ..widgets.keybar import KeyBar
from .base import StationScreen

SCROLLBAR = 2      # cells the table's vertical scroll bar may take


def menu_text(menu) -> str:
    """Each key in reverse video right before its label (marked N_, translated here)."""
    return "\n".join(" ".join(f"[reverse b]{k}[/]{shown(label)}" for k, label in line) for line in menu)


class SupervisorScreen(StationScreen):
    CSS_PATH = "supervisor.tcss"
    screen_title = N_("Supervisor")

    def __init__(self):
        super().__init__()
        self.flow = SupervisorFlow(self.app.session)

    # The report on screen, as the flow holds it (tests read them back).
    rows = property(lambda self: self.flow.rows)
    columns = property(lambda self: self.flow.columns)

    def body(self) -> ComposeResult:
        yield Static(_("Supervisor"), id="sv-title")
        yield DataTable(id="sv-table", zebra_stripes=True, cursor_type="row", header_height=2)
        yield Chart(id="sv-chart")
        yield Static("", id="sv-menu")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()
        self.start(self.flow.begin())

    def on_resize(self) -> None:
        self.render_flow()

    def key_list(self):
        return self.flow.key_list()

    def help_lines(self):
        return self.flow.help_lines()

    # --- keys ------------------------------------------------------------------------------

    def station_key(self, key: str, character: str | None) -> bool:
        station = self.app.station
        if station.blocked is not None:
            # An error waits for Enter (or CMD-OK), as on every screen; nothing else acts.
            if key == "enter":
                station.acknowledge()
            elif key.startswith("ctrl+"):
                return False      # Ctrl+Q still quits
            else:
                self.app.bell()
            return True
        steps = self.flow.key(key, character)
        if steps is None:
            return False
        self.query_one(Banner).show(None)     # a message is about the key before: not this one
        self.start(steps)
        return True

    def show_feedback(self, feedback) -> None:
        super().show_feedback(feedback)
        # The banner here is as high as its message (supervisor.tcss): lay it out again.
        self.query_one(Banner).refresh(layout=True)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.flow.cursor = event.cursor_row

    # --- the store calls: one worker for all ------------------------------------------------

    def start(self, steps: list[Task]) -> None:
        for task in steps:
            self.run_task(task)
        self.render_flow()

    @work(thread=True, exit_on_error=False)
    def run_task(self, task: Task) -> None:
        try:
            result = task.call()
        except Exception as exc:      # a report that fails must say so, not kill the screen
            self.app.call_from_thread(self.finished, lambda error=exc: self.flow.failed(task, error))
            return
        self.app.call_from_thread(self.finished, lambda: task.done(result))

    def finished(self, done) -> None:
        if self.is_attached:
            self.start(done())

    # --- drawing ---------------------------------------------------------------------------

    def render_flow(self) -> None:
        flow = self.flow
        feedback = flow.take_feedback()
        if feedback is not None and feedback.level == "error":
            self.app.station.hold(feedback)
        elif feedback is not None:
            self.show_feedback(feedback)
        title = Text(flow.heading(self.size.width - 2), style="bold")
        if flow.view_name == "alerts" and flow.dashboard:
            title.append("\n" + "\n".join(flow.dashboard), style="yellow")
        self.query_one("#sv-title", Static).update(title)
        self.query_one(KeyBar).show(self.key_list())
        table, chart = self.query_one(DataTable), self.query_one(Chart)
        chart.display = flow.view_name == "chart" and not flow.refused
        table.display = not chart.display and not flow.refused
        if chart.display and flow.chart and chart.title_text != flow.chart[0]:
            chart.show(*flow.chart[:3], kind=flow.chart[3])
        if table.display:
            self.draw_table(table)
        self.draw_menu()
        if flow.asking_pin and not self.app.screen.is_modal:
            from .pin import PinDialog
            self.app.push_screen(PinDialog(self.app.session.operator, flow.asking_pin),
                                 lambda pin: self.start(flow.pin_entered(pin)))
        self.go_next()

    def draw_table(self, table: DataTable) -> None:
        fitted = self.flow.table(max(20, self.size.width - SCROLLBAR))
        shape = (fitted.headers, fitted.widths, fitted.rows)
        if getattr(self, "_drawn", None) == shape:
            return      # unchanged: keep the cursor and the scroll where they are
        self._drawn = shape
        table.clear(columns=True)
        for header, width, right in zip(fitted.headers, fitted.widths, fitted.right):
            table.add_column(Text(header, justify="right" if right else "left"), width=width)
        for row in fitted.rows:
            table.add_row(*[Text(c, justify="right" if r else "left") for c, r in zip(row, fitted.right)])
        if fitted.rows:
            table.move_cursor(row=min(self.flow.cursor, len(fitted.rows) - 1))

    def draw_menu(self) -> None:
        flow, entry = self.flow, self.query_one(EntryLine)
        entry.display = flow.typing is not None
        if flow.typing is not None:
            entry.set_label(_("SKU for the stock chart (Enter draws, Esc cancels)"))
            entry.value = ""
            entry.insert(flow.typing)
        menu = self.query_one("#sv-menu", Static)
        if flow.refused:
            session = self.app.session
            menu.update(_("The supervisor screens need a supervisor. Operator {operator} is a {role}.\n"
                          "Press Esc to go back to the menu.").format(
                              operator=session.operator or _("nobody"), role=shown(session.role)))
        elif flow.confirm is not None:
            menu.update(Text.assemble((flow.confirm[0], "bold"), "\n" + _("Enter: yes · Esc: no")))
        else:
            menu.update(menu_text(MENU))

    def go_next(self) -> None:
        target, self.flow.next = self.flow.next, None
        if target == "leave":
            self.app.pop_screen()
        elif target == "help":
            from .help import HelpScreen
            self.app.push_screen(HelpScreen("Supervisor", self.help_lines()))
        elif target == "count-review":
            from .count_review import CountReviewScreen
            self.app.push_screen(CountReviewScreen())
