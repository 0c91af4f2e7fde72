"""The station header: who, where, and the state of the scanner and the store.

Two lines, so it fits 80 columns: station, operator and warehouse on the first; scanner,
store and the queue on the second. It reads `app.session` and the app's reactive states; the
app redraws the headers when those change (`WarehouseApp.refresh_headers`).
"""
from __future__ import annotations

from gettext import gettext as _

from rich.text import Text
from textual.widgets import Static

from db.core.text import printable
from devices.text_cells import cell_len
from terminal.i18n import N_

# The scanner's states as the header says them (the app keeps the English keys).
SCANNER_STATES = {"none": N_("none"), "keyboard": N_("keyboard"), "connected": N_("connected"),
                  "disconnected": N_("disconnected")}


class StationHeader(Static):
    # Not `self.watch(self.app, ...)`: Textual keeps such a watcher, and with it the header and
    # everything it drew, until the watched value next changes, which for the scanner or the
    # store state can be never. Every screen closed left its header behind (bench/RESULTS.md).
    def on_mount(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        app = self.app
        s = app.session
        who = printable(f"{s.operator} {s.operator_name}".strip()) if s.operator else _("nobody logged in")
        if s.operator and s.operator_name == s.operator:
            who = s.operator
        if s.operator and s.is_supervisor:
            who += _(" (supervisor)")
        line1 = Text.assemble((_("Station") + " ", "dim"), (s.station, "bold"), ("  " + _("Operator") + " ", "dim"),
                              (who, "bold"), ("  " + _("Warehouse") + " ", "dim"), (s.warehouse, "bold"))
        state = app.scanner_state or "none"
        scanner = _(SCANNER_STATES.get(state, state))
        scanner_style = "bold red" if state == "disconnected" else "bold"
        store_style = "bold red" if app.store_state else "bold"
        width = max(20, (self.size.width or 80))
        waiting = "  " + _("waiting: {count}").format(count=app.waiting) if app.waiting else ""
        store = app.store_state or s.store
        scanner_label, store_label = _("Scanner") + " ", "  " + _("Store") + " "
        room = width - cell_len(scanner_label) - cell_len(scanner) - cell_len(store_label) - cell_len(waiting)
        if len(store) > room:
            # Keep the end of a long path or message: the file name is what tells stores apart.
            store = "…" + store[-max(1, room - 1):]
        line2 = Text.assemble((scanner_label, "dim"), (scanner, scanner_style), (store_label, "dim"),
                              (store, store_style))
        if waiting:
            line2.append(waiting, "bold yellow")
        line1.truncate(width, overflow="ellipsis")
        line2.truncate(width, overflow="ellipsis")
        self.update(Text("\n").join([line1, line2]), layout=False)    # two rows high (app.tcss)

    def on_resize(self) -> None:
        self.refresh_text()
