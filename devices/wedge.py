"""Keyboard wedge: telling a scanner that types from a person who types.

How the terminal uses it: catch keys in the App before they are forwarded to the focused
widget (an App-level `on_key` is too late: `Input` eats printable keys first, and drops the GS
separator that arrives as ctrl+]). tests/devices/test_wedge.py has this as a working app:

    wedge = Wedge.from_config(cfg.section("wedge"))

    async def on_event(self, event):                   # in the App subclass
        if isinstance(event, events.Key) and not event.is_forwarded:
            result = wedge.feed(event.key, event.character, event.time)
            replay(result.typed)                       # held keys that were typing: to the Input, in order
            if result.scan:
                handle_scan(result.scan)               # a whole scan: devices.scan.Scan
            if wedge.pending:                          # keys held: release them if nothing follows
                self.set_timer(wedge.hold_seconds + 0.005,
                               lambda: replay(wedge.flush(time.monotonic())))
            if result.consumed:                        # the wedge holds (or used) this key
                event.prevent_default(); event.stop()
                return
        await super().on_event(event)

Rules, all from [wedge] in config.toml:
- A printable key (or ctrl+], which is rebuilt as GS 0x1D) is held while keys arrive fast: no
  more than `hold_seconds` apart (4 × max_avg_ms_per_char, at least 0.1 s).
- A suffix key (`suffix_keys`, Enter or Tab by default) ends the held keys. They are a scan when
  there are at least `min_length` characters (after the `prefix`, which must be there if one is
  configured) and they came at `max_avg_ms_per_char` or faster on average, counted from the first
  key to the suffix key. The suffix key is then consumed.
- Anything else is typing: the held keys come back in `typed`, in order, and the current key is
  either held (a fast printable key starts a new candidate) or passed on (`consumed` False).
- `flush(now)` releases keys held longer than `hold_seconds` as typing; call it from a timer so
  a person's keys appear after at most that delay.

Plain Python, no textual import: keys are `(key_name, character, time)` as Textual names them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .scan import GS, Scan, make_scan

GS_KEYS = {"ctrl+right_square_bracket", "ctrl+]", "ctrl+close_bracket"}


@dataclass(frozen=True)
class WedgeKey:
    """One key event: Textual's `event.key`, `event.character` and `event.time`."""

    key: str
    character: str | None
    time: float


@dataclass
class WedgeResult:
    """What one key turned out to be.

    scan: a completed scan, or None.
    typed: earlier held keys that are typing after all; replay them, in order, before anything else.
    consumed: True when the wedge took the current key (held it, or it ended a scan): stop the
    event. False: let the current key go on to the focused widget as usual (after `typed`).
    """

    scan: Scan | None = None
    typed: list[WedgeKey] = field(default_factory=list)
    consumed: bool = False


class Wedge:
    def __init__(self, *, min_length: int = 4, max_avg_ms_per_char: float = 30, prefix: str = "",
                 suffix_keys=("enter", "tab"), source: str = "keyboard"):
        self.min_length = min_length
        self.max_avg_s = max_avg_ms_per_char / 1000.0
        self.prefix = prefix
        self.suffix_keys = {k.lower() for k in suffix_keys}
        self.source = source
        self.hold_seconds = max(0.1, 4 * self.max_avg_s)
        self._held: list[WedgeKey] = []

    @classmethod
    def from_config(cls, wedge_cfg: dict) -> "Wedge":
        return cls(min_length=wedge_cfg.get("min_length", 4),
                   max_avg_ms_per_char=wedge_cfg.get("max_avg_ms_per_char", 30),
                   prefix=wedge_cfg.get("prefix", ""),
                   suffix_keys=wedge_cfg.get("suffix_keys", ("enter", "tab")))

    @property
    def pending(self) -> bool:
        """Keys are held, waiting to see whether a scan follows."""
        return bool(self._held)

    @staticmethod
    def char_of(key: str, character: str | None) -> str | None:
        """The character a key adds to a scan, or None when it is not part of one."""
        if key in GS_KEYS or character == GS:
            return GS
        if character and len(character) == 1 and character.isprintable():
            return character
        return None

    def feed(self, key: str, character: str | None, time: float) -> WedgeResult:
        event = WedgeKey(key, character, time)
        result = WedgeResult()
        if self._held and time - self._held[-1].time > self.hold_seconds:
            result.typed = self._release()
        if key.lower() in self.suffix_keys:
            scan = self._as_scan(time)
            if scan is not None:
                self._held.clear()
                result.scan = scan
                result.consumed = True
            else:
                result.typed += self._release()
            return result
        if self.char_of(key, character) is not None:
            self._held.append(event)
            result.consumed = True
            return result
        result.typed += self._release()
        return result

    def flush(self, now: float) -> list[WedgeKey]:
        """Held keys that waited longer than `hold_seconds`: typing, to replay in order."""
        if self._held and now - self._held[-1].time >= self.hold_seconds:
            return self._release()
        return []

    def _release(self) -> list[WedgeKey]:
        keys, self._held = self._held, []
        return keys

    def _as_scan(self, end: float) -> Scan | None:
        if not self._held:
            return None
        text = "".join(self.char_of(k.key, k.character) or "" for k in self._held)
        if self.prefix:
            if not text.startswith(self.prefix):
                return None
            text = text[len(self.prefix):]
        if len(text) < self.min_length:
            return None
        if (end - self._held[0].time) / len(self._held) > self.max_avg_s:
            return None
        return make_scan(text, self.source, end)
