"""Keyboard wedge: scans told from typing by speed, length, prefix and suffix; GS rebuilt from
ctrl+]. Plain unit tests with explicit times, then a real Textual app fed real key events."""
from __future__ import annotations

import asyncio
import time

from textual import events, on
from textual.app import App
from textual.widgets import Input

from devices.scan import GS
from devices.wedge import Wedge


def feed_text(wedge, text, start, step):
    """Keys for TEXT, STEP seconds apart; returns (results, time after the last key)."""
    results = []
    t = start
    for ch in text:
        key = "ctrl+right_square_bracket" if ch == GS else ch
        results.append(wedge.feed(key, None if ch == GS else ch, t))
        t += step
    return results, t


def typed_text(results):
    return "".join(k.character or "" for r in results for k in r.typed)


def test_fast_keys_ending_in_enter_are_a_scan_with_gs_rebuilt():
    w = Wedge()
    results, t = feed_text(w, f"]C10105412345000013{GS}10ABC123", 100.0, 0.008)
    assert all(r.consumed and r.scan is None and not r.typed for r in results)
    end = w.feed("enter", "\r", t)
    assert end.consumed and not end.typed
    assert end.scan.raw == f"0105412345000013{GS}10ABC123"
    assert end.scan.symbology == "]C1"
    assert end.scan.source == "keyboard"
    assert end.scan.time == t
    assert not w.pending


def test_gs_arriving_as_a_character_counts_too():
    w = Wedge()
    feed_text(w, "0105412345000013", 0.0, 0.005)
    w.feed("ctrl+]", GS, 0.085)
    feed_text(w, "10X", 0.09, 0.005)
    assert w.feed("tab", "\t", 0.11).scan.raw == f"0105412345000013{GS}10X"


def test_slow_keys_are_typing_and_come_back_in_order():
    w = Wedge(max_avg_ms_per_char=30)
    results, t = feed_text(w, "ABCDE", 0.0, 0.050)     # 50 ms a key: a fast typist, not a scanner
    end = w.feed("enter", "\r", t)
    assert end.scan is None
    assert end.consumed is False                       # Enter goes on to the Input
    assert typed_text(results + [end]) == "ABCDE"


def test_short_fast_input_is_typing():
    w = Wedge(min_length=4)
    results, t = feed_text(w, "42", 0.0, 0.005)
    end = w.feed("enter", "\r", t)
    assert end.scan is None and not end.consumed
    assert typed_text(results + [end]) == "42"


def test_exactly_at_the_limits_is_a_scan():
    w = Wedge(min_length=4, max_avg_ms_per_char=30)
    results, _ = feed_text(w, "ABCD", 0.0, 0.030)
    assert w.feed("enter", "\r", 0.120).scan.raw == "ABCD"      # 4 chars in 120 ms = 30 ms each
    results, _ = feed_text(w, "ABCD", 1.0, 0.030)
    assert w.feed("enter", "\r", 1.121).scan is None            # a millisecond slower


def test_flush_releases_held_keys_after_the_hold_time():
    w = Wedge()
    r = w.feed("h", "h", 5.0)
    assert r.consumed and w.pending
    assert w.flush(5.0 + w.hold_seconds / 2) == []
    released = w.flush(5.0 + w.hold_seconds)
    assert [k.character for k in released] == ["h"]
    assert not w.pending


def test_a_pause_splits_typing_from_a_following_scan():
    w = Wedge()
    first, t = feed_text(w, "12", 0.0, 0.2)            # typed by hand
    second, t = feed_text(w, "5901234123457", t + 0.5, 0.004)
    end = w.feed("enter", "\r", t)
    assert typed_text(first + second) == "12"
    assert end.scan.raw == "5901234123457"


def test_a_non_character_key_releases_held_keys_and_passes_on():
    w = Wedge()
    feed_text(w, "AB", 0.0, 0.01)
    r = w.feed("f2", None, 0.03)
    assert not r.consumed and [k.character for k in r.typed] == ["A", "B"]
    r = w.feed("enter", "\r", 0.5)
    assert r.scan is None and not r.consumed and r.typed == []


def test_prefix_is_required_and_stripped():
    w = Wedge(prefix="§")
    _, t = feed_text(w, "§A-01-01", 0.0, 0.005)
    assert w.feed("enter", "\r", t).scan.raw == "A-01-01"
    results, t = feed_text(w, "A-01-01", 1.0, 0.005)  # fast, but no prefix
    end = w.feed("enter", "\r", t)
    assert end.scan is None and typed_text(results + [end]) == "A-01-01"


def test_suffix_keys_from_config():
    w = Wedge.from_config({"min_length": 3, "max_avg_ms_per_char": 20, "prefix": "", "suffix_keys": ["tab"]})
    _, t = feed_text(w, "XYZ", 0.0, 0.005)
    assert w.feed("tab", "\t", t).scan.raw == "XYZ"
    results, t = feed_text(w, "XYZ", 1.0, 0.005)
    r = w.feed("enter", "\r", t)                      # not a suffix here
    assert r.scan is None and typed_text(results + [r]) == "XYZ"


# -- real Textual key events -----------------------------------------------------------------------

class WedgeApp(App):
    """The smallest app that catches keys before its Input does, the way the terminal must."""

    def __init__(self, wedge: Wedge):
        super().__init__()
        self.wedge = wedge
        self.scans = []
        self.submitted = []

    def compose(self):
        yield Input(id="entry")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def replay(self, keys) -> None:
        if not keys:
            return
        entry = self.query_one(Input)
        for key in keys:
            if key.character and key.character.isprintable():
                entry.insert_text_at_cursor(key.character)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            result = self.wedge.feed(event.key, event.character, event.time)
            self.replay(result.typed)
            if result.scan:
                self.scans.append(result.scan)
            if self.wedge.pending:
                self.set_timer(self.wedge.hold_seconds + 0.005, self.flush_wedge)
            if result.consumed:
                event.prevent_default()
                event.stop()
                return
        await super().on_event(event)

    def flush_wedge(self) -> None:
        self.replay(self.wedge.flush(time.monotonic()))

    async def scanner_types(self, text: str, gap: float = 0.004, suffix: str = "enter") -> None:
        """Key events as a USB scanner delivers them: one every GAP seconds, straight into the
        app's message queue like the driver's, each stamped with its real time on creation."""
        from textual.keys import _character_to_key
        for ch in text:
            if ch == GS:
                key, character = "ctrl+right_square_bracket", None
            else:
                key, character = (ch if ch.isalnum() else _character_to_key(ch)), ch
            self.post_message(events.Key(key, character))
            await asyncio.sleep(gap)
        self.post_message(events.Key(suffix, "\r" if suffix == "enter" else "\t"))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)
        event.input.value = ""


def test_textual_scan_keys_become_one_scan_and_never_reach_the_input():
    asyncio.run(_test_textual_scan_keys_become_one_scan_and_never_reach_the_input())


async def _test_textual_scan_keys_become_one_scan_and_never_reach_the_input():
    app = WedgeApp(Wedge())
    async with app.run_test() as pilot:
        await app.scanner_types(f"]C10105412345000013{GS}10ABC123")
        await pilot.pause(0.05)
        assert [(s.symbology, s.raw) for s in app.scans] == [("]C1", f"0105412345000013{GS}10ABC123")]
        assert app.query_one(Input).value == ""
        assert app.submitted == []


def test_textual_typing_by_hand_still_types():
    asyncio.run(_test_textual_typing_by_hand_still_types())


async def _test_textual_typing_by_hand_still_types():
    app = WedgeApp(Wedge())
    async with app.run_test() as pilot:
        await pilot.press("1", "wait:150", "2", "wait:150", "enter")
        await pilot.pause()
        assert app.scans == []
        assert app.submitted == ["12"]
        # Fast but short (a two-digit quantity typed quickly) is typing too.
        await pilot.press("4", "2", "enter")
        await pilot.pause()
        assert app.submitted == ["12", "42"]
        # A person typing a word at 60 ms a key.
        await pilot.press("A", "wait:60", "B", "wait:60", "C", "wait:60", "D", "wait:60", "E", "wait:60", "enter")
        await pilot.pause()
        assert app.submitted == ["12", "42", "ABCDE"]
        assert app.scans == []


def test_textual_typing_then_a_scan():
    asyncio.run(_test_textual_typing_then_a_scan())


async def _test_textual_typing_then_a_scan():
    app = WedgeApp(Wedge())
    async with app.run_test() as pilot:
        await pilot.press("9", "wait:200")
        await app.scanner_types("5901234123457")
        await pilot.pause(0.05)
        assert [s.raw for s in app.scans] == ["5901234123457"]
        assert app.query_one(Input).value == "9"
