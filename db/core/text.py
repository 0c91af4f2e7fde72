"""Wording shared by the store's messages and the terminal's: one way to say "2 lines" or a time."""
from __future__ import annotations

import datetime as dt


def plural(n: int, word: str) -> str:
    """"1 line", "2 lines"."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def minute(at: dt.datetime | None) -> str:
    """A timestamp to the minute ("2026-03-31 14:05"), empty for none."""
    return at.strftime("%Y-%m-%d %H:%M") if at else ""
