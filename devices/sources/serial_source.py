"""A scanner on a serial port, USB-CDC port or any pyserial URL (loop://, socket://host:port).

One reader thread owns the port. When the port vanishes (scanner unplugged, cable pulled,
socket closed) the status turns "disconnected", a partial frame is discarded with a log line,
and the thread reopens the port with a growing pause until it is back ("connected").
"""
from __future__ import annotations

import codecs
import logging
import threading
import time

from ..scan import make_scan
from .base import Source
from .framing import Framer, frame_text

log = logging.getLogger("devices.serial")


def _escapes(text: str) -> bytes:
    r"""Config writes feedback bytes as escapes ("\u001b7," or "\x1b7,"); TOML already turned
    \u001b into ESC, and a literal backslash escape is decoded here too."""
    if "\\" in text:
        text = codecs.decode(text, "unicode_escape")
    return text.encode("latin-1")


class SerialSource(Source):
    name = "serial"

    def __init__(self, port: str, *, baudrate: int = 9600, bytesize: int = 8, parity: str = "N",
                 stopbits: float = 1, terminator: str = "CR", host_feedback: bool = False,
                 good_read: str = "\x1b7,", bad_read: str = "\x1b8,", reconnect_min_s: float = 0.5,
                 reconnect_max_s: float = 5.0, frame_timeout_s: float = 0.5, max_length: int = 4096):
        super().__init__()
        self.port = port
        self.settings = {"baudrate": baudrate, "bytesize": bytesize, "parity": parity.upper(),
                         "stopbits": stopbits}
        self.framer = Framer(terminator, max_length=max_length, idle_timeout=frame_timeout_s, name=port)
        self.host_feedback = host_feedback
        self.good_read = _escapes(good_read)
        self.bad_read = _escapes(bad_read)
        self.reconnect_min_s = reconnect_min_s
        self.reconnect_max_s = max(reconnect_max_s, reconnect_min_s)
        self._status = "disconnected"
        self._serial = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.connects = 0      # how many times the port was opened; tests watch a reconnect with it

    @classmethod
    def from_config(cls, cfg: dict) -> "SerialSource":
        keys = ("baudrate", "bytesize", "parity", "stopbits", "terminator", "host_feedback", "good_read",
                "bad_read", "reconnect_min_s", "reconnect_max_s", "frame_timeout_s", "max_length")
        return cls(cfg["port"], **{k: cfg[k] for k in keys if k in cfg})

    @property
    def serial(self):
        """The open pyserial object, or None while disconnected (tests write into loop:// here)."""
        return self._serial

    def _run(self) -> None:
        self._thread = threading.Thread(target=self._read_loop, name=f"serial-{self.port}", daemon=True)
        self._thread.start()

    def _halt(self) -> None:
        with self._lock:
            port = self._serial
        if port is not None:
            try:
                port.cancel_read()
            except Exception:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def feedback(self, good: bool) -> None:
        if not self.host_feedback:
            return
        with self._lock:
            port = self._serial
            if port is None:
                return
            try:
                port.write(self.good_read if good else self.bad_read)
            except Exception as exc:  # a scanner that went away cannot beep; the reader notices
                log.info("%s: could not send read feedback: %s", self.port, exc)

    def _open(self):
        import serial
        return serial.serial_for_url(self.port, timeout=0.1, **self.settings)

    def _read_loop(self) -> None:
        import serial
        delay = self.reconnect_min_s
        first = True
        while not self._stopping.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                if first:
                    log.warning("%s: cannot open the scanner port: %s", self.port, exc)
                    self._set_status("disconnected")
                    first = False
                self._stopping.wait(delay)
                delay = min(delay * 2, self.reconnect_max_s)
                continue
            with self._lock:
                self._serial = port
            self.connects += 1
            delay = self.reconnect_min_s
            first = True
            log.info("%s: scanner connected", self.port)
            self._set_status("connected")
            try:
                self._read_port(port)
            except (serial.SerialException, OSError) as exc:
                if not self._stopping.is_set():
                    log.warning("%s: scanner disconnected: %s", self.port, exc)
            except Exception:  # never let a surprise kill the reader: log and reopen
                log.exception("%s: reader failed; reopening the port", self.port)
            finally:
                with self._lock:
                    self._serial = None
                try:
                    port.close()
                except Exception:
                    pass
            self.framer.reset("the port closed mid-frame")
            if not self._stopping.is_set():
                self._set_status("disconnected")
                self._stopping.wait(delay)
        self._set_status("disconnected")

    def _read_port(self, port) -> None:
        while not self._stopping.is_set():
            waiting = port.in_waiting
            data = port.read(waiting or 1)
            now = time.monotonic()
            if not data:
                self.framer.expire(now)
                continue
            for frame in self.framer.feed(data, now):
                self._emit(make_scan(frame_text(frame), self.name, now))
