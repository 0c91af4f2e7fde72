"""Messages from the station's consumer thread (and the scanner threads) to the app.

`post_message` is thread-safe, so these are how background threads reach the screen; they
never touch widgets themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class FlowResult(Message):
    """A flow processed one input: the banner shows FEEDBACK, the screen renders VIEW."""
    flow: Any
    feedback: Any   # flows.base.Feedback | None
    view: Any       # flows.base.View | None


@dataclass
class WaitingChanged(Message):
    """How many inputs wait behind the one being processed (or behind an unacknowledged error)."""
    count: int


@dataclass
class ScannerStatus(Message):
    """The scanner source's state: connected, disconnected, keyboard, file or none."""
    state: str


@dataclass
class StoreStatus(Message):
    """"" when the store answers; else what is wrong ("store unreachable, retrying...")."""
    text: str
