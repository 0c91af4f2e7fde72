"""The entry line: what the operator types, with a label saying what it is for.

Not a Textual `Input` on purpose: it never takes focus, so focus can never be lost, and every
key reaches the app's wedge first (an `Input` would drop the GS separator).
"""
from __future__ import annotations

from gettext import gettext as _

from rich.text import Text
from textual.widgets import Static

GS = "\x1d"


class EntryLine(Static):
    def on_mount(self) -> None:
        self.label = _('Scan')
        self.value = ""
        self._redraw()

    def set_label(self, label: str) -> None:
        if label == getattr(self, "label", None):
            return      # unchanged: no layout and repaint for nothing
        self.label = label
        self._redraw()

    def insert(self, text: str) -> None:
        self.value += text
        self._redraw()

    def backspace(self) -> None:
        self.value = self.value[:-1]
        self._redraw()

    def take(self) -> str:
        value, self.value = self.value, ""
        self._redraw()
        return value

    def clear(self) -> None:
        self.value = ""
        self._redraw()

    def _redraw(self) -> None:
        # A PIN is never shown, only how many digits were typed.
        shown = "•" * len(self.value) if self.label in ("PIN", _("PIN")) else self.value.replace(GS, "<GS>")
        # One row high (app.tcss): a keystroke repaints the line, never lays the screen out.
        self.update(Text.assemble((f"{self.label} › ", "bold"), shown, ("█", "blink")), layout=False)
