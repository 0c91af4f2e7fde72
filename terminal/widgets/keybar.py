"""The key bar: every key the screen takes, always visible (keyboard-only shop floor)."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def key_name(key: str) -> str:
    names = {"escape": "Esc", "enter": "Enter", "ctrl+q": "Ctrl+Q"}
    return names.get(key, key.upper() if key.startswith("f") and key[1:].isdigit() else key)


class KeyBar(Static):
    def show(self, keys: list[tuple[str, str]]) -> None:
        keys = list(keys)
        if keys == getattr(self, "_keys", None):
            return      # unchanged: no layout and repaint for nothing
        self._keys = keys
        text = Text()
        for key, label in keys:
            if text:
                text.append(" ")
            text.append(f" {key_name(key)} ", "reverse bold")
            text.append(f" {label}")
        self.update(text, layout=False)     # one row high (app.tcss): no layout needed
