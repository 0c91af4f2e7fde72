"""The full-width feedback banner: green on success, red on error, amber on a warning.

An error stays until it is acknowledged (Enter or CMD-OK); the banner says so, so nobody
wonders why the next scan waits.
"""
from __future__ import annotations

from textual.widgets import Static

LEVELS = ("ok", "warn", "error", "info")
MARKS = {"ok": "✔ ", "warn": "! ", "error": "✘ ", "info": ""}


class Banner(Static):
    def show(self, level: str | None, message: str = "") -> None:
        for lv in LEVELS:
            self.remove_class(f"-{lv}")
        if not level:
            self.update("")
            return
        self.add_class(f"-{level}")
        text = MARKS.get(level, "") + message
        if level == "error":
            text += "\nPress Enter (or scan CMD-OK) to acknowledge."
        self.update(text)

    @property
    def level(self) -> str | None:
        for lv in LEVELS:
            if self.has_class(f"-{lv}"):
                return lv
        return None
