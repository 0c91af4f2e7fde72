"""The one thing every scanner source yields: a `Scan`."""
from __future__ import annotations

import re
import time as _time
from dataclasses import dataclass, field

GS = "\x1d"

# `]` + symbology code character + modifier character (ISO/IEC 15424).
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True)
class Scan:
    """One scan: the data without its AIM identifier, the identifier (`]C1`, `]E0`…) if the
    scanner sent one, the source's name and `time.monotonic()` when the scan was complete."""

    raw: str
    symbology: str | None = None
    source: str = ""
    time: float = field(default_factory=_time.monotonic)

    @property
    def text(self) -> str:
        """The scan as the scanner sent it, identifier included."""
        return (self.symbology or "") + self.raw


def split_symbology(text: str) -> tuple[str | None, str]:
    """`"]C101…"` -> `("]C1", "01…")`; text without an identifier -> `(None, text)`."""
    if _AIM.match(text):
        return text[:3], text[3:]
    return None, text


def make_scan(text: str, source: str, when: float | None = None) -> Scan:
    """A Scan from the text a scanner sent, with the AIM identifier split off."""
    symbology, raw = split_symbology(text)
    return Scan(raw=raw, symbology=symbology, source=source,
                time=_time.monotonic() if when is None else when)


def unescape_gs(text: str) -> str:
    """Text typed or stored by people writes the GS separator as `<GS>` or `\\x1d`."""
    return re.sub(r"<GS>|\\x1[dD]|\\u001[dD]", GS, text, flags=re.IGNORECASE)


def escape_gs(text: str) -> str:
    """The inverse of `unescape_gs`, for printing a scan on one line."""
    return text.replace(GS, "<GS>")
