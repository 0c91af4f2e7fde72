"""Scanner sources: serial, keyboard wedge, file/FIFO and none, behind one small interface.

    source = from_config(cfg.section("scanner"))
    source.start(on_scan, on_status)   # both called from a background thread, in order
    source.status                      # "connected" | "disconnected" | "keyboard" | "file" | "none"
    source.feedback(good=True)         # good/bad-read bytes to a serial scanner, if configured
    source.submit(scan)                # a scan from elsewhere (wedge, typed by hand), same delivery
    source.stop()
"""
from __future__ import annotations

from gettext import gettext as _

from .base import KeyboardSource, NullSource, OnScan, OnStatus, Source
from .file_source import FileSource
from .serial_source import SerialSource

__all__ = ["Source", "NullSource", "KeyboardSource", "SerialSource", "FileSource", "OnScan", "OnStatus",
           "from_config"]


def from_config(scanner_cfg: dict) -> Source:
    """The source that the [scanner] section describes."""
    kind = str(scanner_cfg.get("type", "keyboard")).lower()
    if kind == "serial":
        return SerialSource.from_config(scanner_cfg)
    if kind == "file":
        return FileSource.from_config(scanner_cfg)
    if kind == "keyboard":
        return KeyboardSource()
    if kind == "none":
        return NullSource()
    raise ValueError(_("scanner.type must be serial, keyboard, file or none, got {kind!r}").format(kind=kind))
