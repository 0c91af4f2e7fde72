"""The generic job screen: renders a flow's View and turns keys into station inputs.

Every job screen (receive, put away, pick, ship, transfer, lookup) is this screen around its
flow; other engineers' flow-backed screens (count) can subclass it too:

    class CountScreen(FlowScreen):
        def __init__(self): super().__init__(CountingFlow(app.session))

The screen holds no business rules. Keys a flow offers (`flow.keys`) go to the station's
queue as actions, in order with the scans.
"""
from __future__ import annotations

from gettext import gettext as _

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Static

from devices.text_cells import fit

from ..i18n import N_
from ..widgets.entry import EntryLine
from ..widgets.keybar import KeyBar, key_name
from ..widgets.repaint import update_static
from db.core.text import printable
from ..widgets.table import FlowTable
from .base import COMMON_HELP, COMMON_KEYS, StationScreen

ENTRY_LABELS = {"scan": N_("Scan"), "qty": N_("Quantity"), "lot": N_("Lot"), "expiry": N_("Expiry YYYY-MM-DD"),
                "reason": N_("Reason"), "choice": N_("Choice"), "operator": N_("Operator"), "pin": N_("PIN"),
                "text": N_("Text")}


class FlowScreen(StationScreen):
    CSS_PATH = "flow.tcss"

    def __init__(self, flow, feedback=None, view=None):
        super().__init__()
        self.flow = flow
        self.first_feedback = feedback
        self.first_view = view
        self.screen_title = _(flow.title)

    def body(self) -> ComposeResult:
        yield Static(_(self.flow.title), id="title")
        yield Static("", id="prompt")
        with VerticalScroll(id="content", can_focus=False):
            yield Static("", id="choices")
            yield FlowTable(id="table")
            yield Static("", id="info")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#content").can_focus = False
        self.show_view(self.first_view or self.flow.view())
        if self.first_feedback is not None:
            self.show_feedback(self.first_feedback)

    def key_list(self) -> list[tuple[str, str]]:
        keys = [(k.key, _(k.label)) for k in self.flow.keys]
        return COMMON_KEYS[:2] + keys + COMMON_KEYS[2:]

    def help_lines(self) -> list[tuple[str, str]]:
        own = [(key_name(k.key), _(k.help or k.label)) for k in self.flow.keys]
        return own + COMMON_HELP

    def on_function_key(self, key: str) -> bool:
        for k in self.flow.keys:
            if k.key == key:
                self.app.station.submit_action(k.action)
                return True
        return False

    def entry_label(self) -> str:
        return _(ENTRY_LABELS.get(self.entry_kind, self.entry_kind.capitalize()))

    def show_view(self, view) -> None:
        if view is None:
            return
        self.entry_kind = view.entry
        # Only what changed is updated, and the screen is laid out again only when a part's
        # height changes: most scans change only the prompt and a table cell.
        if self._changed("title", view.title):
            update_static(self.query_one("#title", Static), Text(printable(view.title)))
        if self._changed("prompt", view.prompt):
            update_static(self.query_one("#prompt", Static), Text(printable(view.prompt), style="bold"))
        if self._changed("choices", view.choices):
            choices = self.query_one("#choices", Static)
            choices.display = bool(view.choices)
            # One row each, cut by cells to the screen's width: a choice that wrapped pushed the
            # "and N more" line off a small screen.
            room = max(10, self.app.size.width - 6)
            update_static(choices, Text("\n".join(fit(f"{n:>2}  {printable(c)}", room).rstrip()
                                                  for n, c in enumerate(view.choices, 1))))
        self.query_one(FlowTable).show(view.table)
        if view.table is not None and view.table.current is not None:
            # A long PO or pick list runs below the screen, and no key scrolls it. Scrolled now,
            # the move is drawn in the same frame as the scan's result; once more after the
            # layout, for a table that has just been placed or grown.
            self._keep_current_row_visible()
            self.call_after_refresh(self._keep_current_row_visible)
        if self._changed("info", view.info):
            info = self.query_one("#info", Static)
            info.display = bool(view.info)
            update_static(info, Text("\n".join(printable(line) for line in view.info)))
        if not self.typed_scan:
            self.query_one(EntryLine).set_label(self.entry_label())
        self.query_one(KeyBar).show(self.key_list())

    def _keep_current_row_visible(self) -> None:
        table = self.query_one(FlowTable)
        row = table.current_row_y()
        if row is None:
            return
        content = self.query_one("#content", VerticalScroll)
        # The row and the line after it (the info under a table's last row), as little
        # scrolling as that takes: a table that fits never moves.
        content.scroll_to_region(Region(0, table.virtual_region.y + row, 1, 2), animate=False,
                                 immediate=True)

    def _changed(self, part: str, value) -> bool:
        shown = self.__dict__.setdefault("_shown", {})
        if part in shown and shown[part] == value:
            return False
        shown[part] = list(value) if isinstance(value, list) else value
        return True

    entry_kind = "scan"
