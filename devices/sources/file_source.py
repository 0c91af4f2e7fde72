"""Scans from a file or a FIFO, one scan a line: demos, and replaying a shift.

A regular file is read from the start and then followed like `tail -f`, so
`echo 0101234567890128 >> scans.txt` scans from another terminal. A FIFO is opened for reading
and writing, so it never sees end-of-file when a writer leaves and the next writer just works.
In a line, `<GS>` or `\\x1d` stands for the GS1 separator.
"""
from __future__ import annotations

import logging
import os
import select
import stat
import threading
import time
from gettext import gettext as _

from ..scan import make_scan, unescape_gs
from .base import Source

log = logging.getLogger("devices.file")


class FileSource(Source):
    name = "file"

    def __init__(self, path: str, *, poll_s: float = 0.05):
        super().__init__()
        self.path = path
        self.poll_s = poll_s
        self._status = "file"
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, cfg: dict) -> "FileSource":
        if not cfg.get("file"):
            raise ValueError(_("scanner.type = \"file\" needs scanner.file, the file or FIFO to read"))
        return cls(cfg["file"])

    def _run(self) -> None:
        self._set_status("file")
        self._thread = threading.Thread(target=self._read_loop, name=f"file-{self.path}", daemon=True)
        self._thread.start()

    def _halt(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _read_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                fifo = stat.S_ISFIFO(os.stat(self.path).st_mode)
                fd = os.open(self.path, (os.O_RDWR if fifo else os.O_RDONLY) | os.O_NONBLOCK)
            except OSError as exc:
                log.warning("%s: cannot read scans: %s", self.path, exc)
                self._stopping.wait(1.0)
                continue
            try:
                self._follow(fd)
            finally:
                os.close(fd)

    def _follow(self, fd: int) -> None:
        pending = b""
        while not self._stopping.is_set():
            ready, _writable, _errors = select.select([fd], [], [], self.poll_s)
            chunk = b""
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    chunk = b""
            if not chunk:
                # Regular files are always "ready"; at end of file wait for more.
                self._stopping.wait(self.poll_s)
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                text = unescape_gs(line.decode("utf-8", "replace").rstrip("\r"))
                if text.strip():
                    self._emit(make_scan(text, self.name, time.monotonic()))
