"""The Pilot harness of the station app: every Pilot test makes its app, scans, types and reads
the screen through these (tests/terminal/, tests/db/core/test_checkpoint.py)."""
from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

# Keys typed by hand come this far apart (seconds): slower than a scanner, so the keyboard
# wedge passes them on as typing. They carry made-up times, so nobody waits for them.
TYPING_GAP = 0.15


def make_app(url, tmp_path=None, **overrides):
    """The app on URL, with no scanner; its printer file and offline journal under TMP_PATH.
    OVERRIDES: section__key=value, e.g. station__id="ST-02"."""
    from terminal import config
    from terminal.app import WarehouseApp
    tmp_path = Path(tmp_path or tempfile.mkdtemp(prefix="wh-pilot-"))
    cfg = config.load(None, url)
    cfg.values["scanner"]["type"] = "none"
    cfg.values["station"]["printer"] = str(tmp_path / "printer.out")
    cfg.values["database"]["retry_delay_ms"] = 50
    cfg.values["offline"]["journal"] = str(tmp_path / "offline-journal.db")
    for dotted, value in overrides.items():
        section, key = dotted.split("__", 1)
        cfg.values[section][key] = value
    return WarehouseApp(cfg)


async def settle(pilot, timeout: float = 15.0) -> None:
    """Wait until every scan and key was processed and the screen shows the result."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause()
        busy = not app.station.idle and app.station.blocked is None
        if not busy and not app.wedge.pending:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the station did not settle")
    await pilot.pause()
    await pilot.pause()


def screen_text(app) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join(s.text.rstrip() for s in strips)


async def scan(pilot, text: str) -> None:
    """A keyboard-wedge scan: every key of the barcode back to back, then Enter, as a scanner
    types them (a GS, 0x1D, arrives as ctrl+]). Key events carry their creation time, so they
    are made in one go, as the terminal driver would make them from one burst of input."""
    from textual import events
    app = pilot.app
    keys = []
    for c in text:
        if c == "\x1d":
            keys.append(events.Key("ctrl+right_square_bracket", None))
        else:
            keys.append(_key(c))
    keys.append(events.Key("enter", "\r"))
    for k in keys:
        app.post_message(k)
    await settle(pilot)


def _key(c: str, at: float | None = None):
    from textual import events
    from textual.keys import _character_to_key
    key = events.Key(c if c.isalnum() else _character_to_key(c), c)
    if at is not None:
        key.time = at
    return key


async def type_(pilot, text: str, enter: bool = True) -> None:
    """Typing by hand: keys stamped TYPING_GAP apart (in the past, so the last one is released
    at once), which the wedge reads as a person typing. No sleeping."""
    app = pilot.app
    start = time.monotonic() - TYPING_GAP * (len(text) + 1)
    for n, c in enumerate(text):
        app.post_message(_key(c, start + n * TYPING_GAP))
    if enter:
        from textual import events
        app.post_message(events.Key("enter", "\r"))
    await settle(pilot)


async def key(pilot, *names: str) -> None:
    await pilot.press(*names)
    await settle(pilot)


async def login(pilot, code: str = "W1") -> None:
    await settle(pilot)
    await type_(pilot, code)


def async_test(fn):
    """Run an async test with asyncio (no pytest plugin needed); fixtures pass through."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        asyncio.run(fn(*args, **kwargs))
    return wrapper


def flat(app) -> str:
    """The screen as one line: messages that wrap in the banner still match."""
    return " ".join(screen_text(app).split())
