"""The key bar: every key the screen takes, always visible (keyboard-only shop floor).

It is one row, whatever the width: down to the smallest supported terminal (60×20, README)
no key is ever lost off the right edge. When the full form (` F1  Help`) does not fit, the
keys lose their padding, then their labels are cut to the first word, then the keys every
screen has (F1, F2, Esc) lose theirs, then the others are cut to a few letters; every key
itself always shows.
"""
from __future__ import annotations

from terminal.i18n import shown

from rich.text import Text
from textual.widgets import Static

from devices.text_cells import cell_len


def key_name(key: str) -> str:
    names = {"escape": "Esc", "enter": "Enter", "ctrl+q": "Ctrl+Q"}
    return names.get(key, key.upper() if key.startswith("f") and key[1:].isdigit() else key)


# Keys every screen has (F1 help, F2 typed scan, Esc back): the first to lose their labels.
COMMON = {"f1", "f2", "escape"}


def _forms(keys: list[tuple[str, str]]):
    """The key bar from widest to narrowest: (pad around the key, labels)."""
    full = [label for _key, label in keys]
    first = [label.split()[0] if label else "" for label in full]
    yield " ", full
    yield "", full
    yield "", first
    bare = [("" if key in COMMON else label) for (key, _key_label), label in zip(keys, first)]
    yield "", bare
    for n in (5, 4, 3):
        yield "", [label[:n] for label in bare]


def render_keys(keys: list[tuple[str, str]], width: int) -> Text:
    """KEYS as one row at most WIDTH cells wide (the narrowest form when none fits)."""
    for pad, labels in _forms(keys):
        text = Text()
        for (key, _key_label), label in zip(keys, labels):
            if text:
                text.append(" ")
            text.append(f"{pad}{key_name(key)}{pad}", "reverse bold")
            if label:
                text.append(f" {label}")
        if width <= 0 or cell_len(text.plain) <= width:
            break
    return text


class KeyBar(Static):
    _keys = None
    _width = 0

    def show(self, keys: list[tuple[str, str]]) -> None:
        # Labels are marked N_ where defined, translated here where shown.
        keys = [(key, shown(label)) for key, label in keys]
        width = self.size.width or self.app.size.width
        if keys == self._keys and width == self._width:
            return      # unchanged: no layout and repaint for nothing
        self._keys, self._width = keys, width
        self.update(render_keys(keys, width), layout=False)     # one row high (app.tcss)

    def on_resize(self, event) -> None:
        if self._keys is not None and self.size.width != self._width:
            self.show(self._keys)
