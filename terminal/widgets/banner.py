"""The full-width feedback banner: green on success, red on error, amber on a warning.

An error stays until it is acknowledged (Enter or CMD-OK); the banner says so, so nobody
wonders why the next scan waits.
"""
from __future__ import annotations

from rich.text import Text
from gettext import gettext as _

from textual.widgets import Static

from db.core.text import printable

MARKS = {"ok": "✔ ", "warn": "! ", "error": "✘ ", "info": ""}


class Banner(Static):
    _level: str | None = None

    def show(self, level: str | None, message: str = "") -> None:
        level = level or None
        if level != self._level:
            # Classes change only with the level: each change makes Textual restyle the banner.
            if self._level:
                self.remove_class(f"-{self._level}")
            if level:
                self.add_class(f"-{level}")
            self._level = level
        # Plain text, never markup; a name's control characters shown as escapes.
        text = Text(MARKS.get(level, "") + printable(message) if level else "")
        if level == "error":
            text.append("\n" + _("Press Enter (or scan CMD-OK) to acknowledge."))
        # Three rows high whatever it says (app.tcss): a repaint, never a layout of the screen.
        self.update(text, layout=False)

    @property
    def level(self) -> str | None:
        return self._level
