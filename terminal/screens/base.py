"""What every station screen shares: header, banner, entry line, key bar and key handling.

Keys reach a screen already sorted by the app's keyboard wedge (scans never get here). The
screen turns keys into station inputs (`app.station.submit_*`) and never runs business rules:
the flow does, on the station's consumer thread.

Common keys: Enter submits the entry line (or acknowledges an error); Esc clears the line,
else steps back; F1 help; F2 types a scan by hand; Backspace edits.
"""
from __future__ import annotations

from gettext import gettext as _

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen

from ..frame_timer import frame_timer_for
from ..i18n import N_
from ..widgets.banner import Banner
from ..widgets.entry import GS, EntryLine
from ..widgets.header import StationHeader
from ..widgets.keybar import KeyBar

GS_KEYS = {"ctrl+right_square_bracket", "ctrl+]", "ctrl+close_bracket"}

COMMON_KEYS = [("f1", N_("Help")), ("f2", N_("Type scan")), ("escape", N_("Back"))]
COMMON_HELP = [
    ("Enter", N_("submit what you typed; acknowledge an error (or scan CMD-OK)")),
    ("Esc", N_("clear the line; if empty, go back")),
    ("F1", N_("this help")),
    ("F2", N_("type a barcode by hand as if scanned (<GS> for the separator)")),
    ("Backspace", N_("delete the last character typed")),
    ("Ctrl+Q", N_("quit the app")),
]


class StationScreen(Screen):
    """A screen with the station's frame. Subclasses compose `body()` and may set `flow`."""

    flow = None
    screen_title = ""

    def set_interval(self, interval, callback=None, *, name=None, repeat=0, pause=False):
        # The screen's own frame timer ("screen_update") without the extra frame Textual's
        # timer waits after a late one (terminal/frame_timer.py).
        if name == "screen_update" and not repeat:
            return frame_timer_for(self, interval, callback, name, pause)
        return super().set_interval(interval, callback, name=name, repeat=repeat, pause=pause)

    def compose(self) -> ComposeResult:
        yield StationHeader(id="header")
        with Vertical(id="body"):
            yield from self.body()
        yield Banner(id="banner")
        yield EntryLine(id="entry")
        yield KeyBar(id="keys")

    def body(self) -> ComposeResult:
        return iter(())

    def on_mount(self) -> None:
        self.typed_scan = False
        self.query_one(KeyBar).show(self.key_list())

    # --- what subclasses describe ------------------------------------------------------------

    def key_list(self) -> list[tuple[str, str]]:
        return COMMON_KEYS

    def help_lines(self) -> list[tuple[str, str]]:
        return COMMON_HELP

    def entry_label(self) -> str:
        return _("Scan")

    def on_function_key(self, key: str) -> bool:
        """A key other than the common ones; True when handled."""
        return False

    def on_plain_key(self, key: str, character: str | None) -> bool:
        """A printable key before it is typed into the line; True when handled (menu digits)."""
        return False

    # --- feedback ----------------------------------------------------------------------------

    def show_feedback(self, feedback) -> None:
        banner = self.query_one(Banner)
        if feedback is None:
            return
        if feedback.level == "info" and feedback.message == "acknowledged":
            banner.show(None)
            return
        banner.show(feedback.level, feedback.message)

    def show_view(self, view) -> None:
        """Render a flow's View; screens with a flow override this."""

    # --- keys ----------------------------------------------------------------------------------

    def on_key(self, event) -> None:
        if self.station_key(event.key, event.character):
            event.stop()
            event.prevent_default()

    def station_key(self, key: str, character: str | None) -> bool:
        station = self.app.station
        entry = self.query_one(EntryLine)
        if key == "enter":
            if station.blocked is not None:
                station.acknowledge()
            elif entry.value:
                text = entry.take()
                if self.typed_scan:
                    self.set_typed_scan(False)
                    station.submit_action("typed-scan", text)
                else:
                    self.submit_text(text)
            else:
                self.submit_enter()
            return True
        if key == "escape":
            if entry.value or self.typed_scan:
                entry.clear()
                self.set_typed_scan(False)
            elif station.blocked is not None:
                self.app.bell()
            else:
                station.submit_action("back")
            return True
        if key == "backspace":
            entry.backspace()
            return True
        if key == "f1":
            from .help import HelpScreen
            self.app.push_screen(HelpScreen(self.screen_title or "Keys", self.help_lines()))
            return True
        if key == "f2":
            self.set_typed_scan(not self.typed_scan)
            return True
        if key in GS_KEYS:
            entry.insert(GS)
            return True
        if character and len(character) == 1 and character.isprintable():
            if not self.typed_scan and not entry.value and self.on_plain_key(key, character):
                return True
            entry.insert(character)
            return True
        if station.blocked is not None and key.startswith("f") and key[1:].isdigit():
            # An error waits for Enter: job keys would act on a state the operator has not
            # seen yet. Refuse loudly instead of queueing them silently.
            self.app.bell()
            return True
        if self.on_function_key(key):
            return True
        return False

    def submit_text(self, text: str) -> None:
        self.app.station.submit_text(text)

    def submit_enter(self) -> None:
        self.app.station.submit_action("enter")

    def set_typed_scan(self, on: bool) -> None:
        self.typed_scan = on
        self.query_one(EntryLine).set_label(_('Type a scan') if on else self.entry_label())
