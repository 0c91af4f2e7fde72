"""Cutting a serial byte stream into scans.

A frame ends with the terminator (CR, LF, CRLF or ETX); a leading STX is dropped. Bytes that
cannot be a scan are discarded with a log line, and the stream recovers at the next good frame:
- a partial frame followed by a pause longer than `idle_timeout` (a scanner sends a whole scan
  in one burst, so a pause means the rest was lost, e.g. the cable was pulled);
- a partial frame when a new STX arrives;
- a frame longer than `max_length` (noise, a wrong baud rate): everything is skipped until the
  next terminator or pause.
"""
from __future__ import annotations

import logging
from gettext import gettext as _

log = logging.getLogger("devices.serial")

STX, ETX = 0x02, 0x03
TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "ETX": b"\x03"}


class Framer:
    def __init__(self, terminator: str = "CR", *, max_length: int = 4096, idle_timeout: float = 0.5,
                 name: str = "scanner"):
        if terminator.upper() not in TERMINATORS:
            raise ValueError(_("terminator must be one of {names}, got {terminator!r}").format(
                names=", ".join(TERMINATORS), terminator=terminator))
        self.terminator = TERMINATORS[terminator.upper()]
        self.max_length = max_length
        self.idle_timeout = idle_timeout
        self.name = name
        self._buf = bytearray()
        self._last = 0.0            # time of the last byte received
        self._skipping = False      # inside an over-long frame
        self._skipped = 0
        self.discarded = 0          # frames discarded so far, for tests and status lines

    @property
    def pending(self) -> bool:
        return bool(self._buf.strip(b"\r\n")) or self._skipping

    def feed(self, data: bytes, now: float) -> list[bytes]:
        """Bytes just read -> the whole frames they complete, in order."""
        self.expire(now)
        frames: list[bytes] = []
        term, last_term_byte = self.terminator, self.terminator[-1]
        for byte in data:
            if self._skipping:
                if byte == STX:                      # a framed scanner's next scan begins
                    self._end_skipping("a new frame (STX)")
                    continue
                self._skipped += 1
                self._buf.append(byte)
                del self._buf[:-len(term)]          # keep only enough to see the terminator
                if byte == last_term_byte and self._buf.endswith(term):
                    self._end_skipping("terminator")
                continue
            if byte == STX:
                if self._buf.strip(b"\r\n"):
                    self._discard("a new frame (STX) began before the terminator")
                self._buf.clear()
                continue
            self._buf.append(byte)
            if byte == last_term_byte and self._buf.endswith(term):
                frame = bytes(self._buf[:-len(term)]).strip(b"\r\n")
                self._buf.clear()
                if frame:
                    frames.append(frame)
            elif len(self._buf) > self.max_length:
                self._skipped = len(self._buf)
                self._buf.clear()
                self._skipping = True
                self.discarded += 1
                log.warning("%s: discarded a frame longer than %d bytes without a terminator; "
                            "skipping to the next terminator or pause", self.name, self.max_length)
        if data:
            self._last = now
        return frames

    def expire(self, now: float) -> None:
        """Drop a partial frame that has waited longer than the idle timeout."""
        if now - self._last <= self.idle_timeout:
            return
        if self._skipping:
            self._end_skipping(f"a pause of more than {self.idle_timeout:g} s")
        elif self._buf.strip(b"\r\n"):
            self._discard(f"no terminator within {self.idle_timeout:g} s")
        else:
            self._buf.clear()

    def reset(self, reason: str) -> None:
        """The port went away: whatever is pending can never be completed."""
        if self._skipping:
            self._end_skipping(reason)
        elif self._buf.strip(b"\r\n"):
            self._discard(reason)
        self._buf.clear()

    def _discard(self, reason: str) -> None:
        self.discarded += 1
        log.warning("%s: discarded a partial frame of %d bytes (%s): %r", self.name, len(self._buf),
                    reason, bytes(self._buf[:40]))
        self._buf.clear()

    def _end_skipping(self, reason: str) -> None:
        log.warning("%s: skipped %d bytes of an over-long frame, up to %s", self.name, self._skipped, reason)
        self._skipping = False
        self._skipped = 0
        self._buf.clear()


def frame_text(frame: bytes) -> str:
    """Scanners send ASCII, some UTF-8; never fail on a stray byte."""
    try:
        return frame.decode("utf-8")
    except UnicodeDecodeError:
        return frame.decode("latin-1")
