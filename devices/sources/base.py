"""What every scanner source shares: callbacks delivered in order from one thread.

The thread that reads the device never calls the app directly. It puts scans and status
changes on a queue; one delivery thread calls `on_scan` / `on_status` in the order they
happened. So a slow app (the terminal marshals each call with `call_from_thread`, which waits)
never stops the reading, and the device's buffer never overflows: nothing is lost or merged.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from ..scan import Scan

log = logging.getLogger("devices.sources")

OnScan = Callable[[Scan], None]
OnStatus = Callable[[str], None]

_STOP = object()


class Source:
    """The interface the terminal uses.

    `start(on_scan, on_status)`: begin reading; both callbacks are called from a background
    thread, in order. `stop()`: stop and join the threads. `status`: "connected",
    "disconnected", "keyboard", "file" or "none". `feedback(good)`: beep the scanner if it
    supports it (a no-op otherwise). `name` names the source in each Scan.
    """

    name = "none"

    def __init__(self) -> None:
        self._status = "none"
        self._events: queue.Queue = queue.Queue()
        self._delivery: threading.Thread | None = None
        self._on_scan: OnScan | None = None
        self._on_status: OnStatus | None = None
        self._stopping = threading.Event()

    @property
    def status(self) -> str:
        return self._status

    def start(self, on_scan: OnScan, on_status: OnStatus | None = None) -> None:
        self._on_scan = on_scan
        self._on_status = on_status
        self._stopping.clear()
        self._delivery = threading.Thread(target=self._deliver, name=f"{self.name}-delivery", daemon=True)
        self._delivery.start()
        self._run()

    def _run(self) -> None:
        """Start the reading; sources with a device override this."""
        self._set_status(self._status)

    def stop(self) -> None:
        self._stopping.set()
        self._halt()
        if self._delivery is not None:
            self._events.put(_STOP)
            self._delivery.join(timeout=5)
            self._delivery = None

    def _halt(self) -> None:
        """Stop the reading; sources with a device override this."""

    def feedback(self, good: bool) -> None:
        """Tell the scanner the scan was good or bad. Most sources cannot."""

    def submit(self, scan: Scan) -> None:
        """Hand a scan obtained elsewhere (the keyboard wedge, a scan typed by hand) to the
        same ordered delivery as the device's own scans. Works once started."""
        self._emit(scan)

    # -- for subclasses, from any thread ------------------------------------------------
    def _emit(self, scan: Scan) -> None:
        self._events.put(scan)

    def _set_status(self, status: str) -> None:
        self._status = status
        self._events.put(("status", status))

    def _deliver(self) -> None:
        while True:
            event = self._events.get()
            if event is _STOP:
                return
            try:
                if isinstance(event, Scan):
                    if self._on_scan:
                        self._on_scan(event)
                elif self._on_status:
                    self._on_status(event[1])
            except Exception:  # the app's callback failing must not stop later scans
                log.exception("scanner callback failed")


class NullSource(Source):
    """type = "none": scans are typed by hand only."""

    name = "none"


class KeyboardSource(Source):
    """type = "keyboard": the scanner types like a keyboard. The app feeds its key events to a
    `devices.wedge.Wedge`; this object only reports the status "keyboard"."""

    name = "keyboard"

    def __init__(self) -> None:
        super().__init__()
        self._status = "keyboard"

