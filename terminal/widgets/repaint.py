"""Updating a Static without laying the whole screen out again when its height stays the same.

`Static.update` asks Textual for a layout of the screen by default. On a station screen that
layout and the full repaint after it took 9-12 ms of every scan, on the thread that also holds
the GIL the scan's own work needs (bench/RESULTS.md). Most scans change only text of
the same height (the prompt, a table cell, the banner), for which a repaint of the widget is
enough.
"""
from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


def rows_needed(content, width: int) -> int | None:
    """How many rows CONTENT takes WIDTH cells wide, or None when that is not certain without
    a layout: a line wider than WIDTH, or content that is not text. (Textual wraps a long line
    of a Rich Text even when the Text says `no_wrap`: a table wider than its widget took a row
    more than its lines.)"""
    if isinstance(content, str):
        content = Text(content)
    if not isinstance(content, Text) or width <= 0:
        return None
    lines = content.plain.split("\n")
    if any(cell_len(line) > width for line in lines):
        return None
    return len(lines)


def update_static(widget: Static, content) -> None:
    """Show CONTENT in WIDGET, laying the screen out again only when the rows it takes change
    (or cannot be told). Widgets of a height fixed in CSS call `update(..., layout=False)`."""
    width = widget.content_size.width
    rows = rows_needed(content, width)
    shown = widget.__dict__.get("_rows_shown")
    widget.__dict__["_rows_shown"] = None if rows is None else (width, rows)
    widget.update(content, layout=rows is None or shown != (width, rows))
