"""The supervisor PIN dialog: digits shown as dots, Enter to confirm, Esc to cancel.

The keyboard wedge is bypassed while it is open (`raw_keys`): a PIN typed quickly must never be
mistaken for a scan. The dialog only collects the PIN; the caller checks it in the store
(db.masterdata.security.check_pin counts failures and locks out after too many).
"""
from __future__ import annotations

from gettext import gettext as _

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class PinDialog(ModalScreen[str | None]):
    CSS_PATH = "pin.tcss"
    raw_keys = True

    def __init__(self, operator: str, why: str = ""):
        super().__init__()
        self.operator = operator
        self.why = why
        self.typed = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-box"):
            yield Static(_("PIN of supervisor {operator}").format(operator=self.operator), id="pin-title")
            yield Static(self.why or _("This action needs your PIN."), id="pin-why")
            yield Static("", id="pin-dots")
            yield Static(_("Digits, then Enter · Esc cancels"), id="pin-keys")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        self.query_one("#pin-dots", Static).update(_("PIN") + " › " + "•" * len(self.typed) + "█")

    def on_key(self, event) -> None:
        event.stop()
        event.prevent_default()
        if event.key == "enter":
            self.dismiss(self.typed)
        elif event.key == "escape":
            self.dismiss(None)
        elif event.key == "backspace":
            self.typed = self.typed[:-1]
            self.redraw()
        elif event.character and event.character.isdecimal() and len(self.typed) < 12:
            self.typed += event.character
            self.redraw()
        else:
            self.app.bell()
