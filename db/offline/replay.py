"""Running a station's postings through the offline journal, and replaying it.

    runner = OfflineRunner(Journal("offline-journal.db"))
    outcome = runner.run("move", key="ST-01:run:7:scan", sku="A1", qty=2,
                         from_code="A-01", to_code="B-01", operator="W1", station="ST-01")
    outcome.status   # "done" (posted now, outcome.result is the store's result) or "queued"

Rules:
- The queue is FIFO. While anything is queued, new postings queue behind it (a later scan must
  never overtake an earlier one), after one attempt to drain the queue.
- Replay stops at the first entry that cannot reach the server, and goes on after a business
  refusal: that entry goes on the exceptions list (db/offline/exceptions.py) and leaves the
  journal.
- Supervisor actions (adjustments, approvals) are not journaled: they need the server (and a
  PIN check against it).
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from db.core.connection import reset_connection, store_unreachable, with_retry
from db.offline.cache import refresh_cache
from db.offline.exceptions import record_conflict
from db.offline.journal import OPERATIONS, Journal

log = logging.getLogger("db.offline.replay")


@dataclass
class Outcome:
    status: str                 # "done" or "queued"
    result: Any = None          # the store's result when done
    queued: int = 0             # entries waiting in the journal afterwards

    @property
    def done(self) -> bool:
        return self.status == "done"


@dataclass
class ReplayReport:
    posted: int = 0
    conflicts: int = 0
    left: int = 0
    reached: bool = True        # False: the server was still unreachable


def operation(name: str) -> Callable[..., Any]:
    try:
        module, fn = OPERATIONS[name].split(":")
    except KeyError:
        raise ValueError(f"operation {name!r} cannot be journaled; expected one of {', '.join(OPERATIONS)}") from None
    return getattr(importlib.import_module(module), fn)


class OfflineRunner:
    """Run postings now, or journal them while the server is unreachable; replay in order."""

    def __init__(self, journal: Journal, *, retries: int = 1, retry_delay_s: float = 0.2,
                 retry_after_s: float = 5.0, on_change: Callable[[int], None] | None = None):
        self.journal = journal
        self.retries = retries
        self.retry_delay_s = retry_delay_s
        # While the server is known to be away, `run` queues at once for this long instead of
        # trying again (a dead network may hang each try for the connect timeout).
        self.retry_after_s = retry_after_s
        self.on_change = on_change          # called with the queue length when it changes
        self._replay_lock = threading.Lock()
        self._quiet_until = 0.0

    @property
    def queued(self) -> int:
        return self.journal.count()

    def refresh_cache(self) -> int:
        """Refresh the journal's master-data cache from the store (while it answers)."""
        return refresh_cache(self.journal)

    def start_replayer(self, interval_s: float = 5.0) -> threading.Thread:
        """A daemon thread replaying the queue every INTERVAL_S while it is not empty, so
        queued postings go out even when nobody scans. Stop it with `stop_replayer()`."""
        self._stop = threading.Event()

        def loop():
            while not self._stop.wait(interval_s):
                if self.journal.count():
                    try:
                        self.replay()
                    except Exception:   # a surprise must not end the replays; the next try logs again
                        log.exception("replaying the offline journal failed")
            reset_connection()

        thread = threading.Thread(target=loop, name="offline-replayer", daemon=True)
        thread.start()
        return thread

    def stop_replayer(self) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()

    @property
    def offline(self) -> bool:
        """Postings wait, or the server was found away within the last retry_after_s."""
        return self.queued > 0 or self.away

    @property
    def away(self) -> bool:
        return time.monotonic() < self._quiet_until

    def mark_away(self) -> None:
        """The station found the server unreachable (outside the runner)."""
        self._went_away()

    def _call(self, op: str, key: str, kwargs: dict):
        fn = operation(op)
        return with_retry(lambda: fn(key=key, **kwargs), retries=self.retries, delay_s=self.retry_delay_s)

    def run(self, op: str, *, key: str, **kwargs) -> Outcome:
        """Post OP(**kwargs, key=KEY) now; if the server cannot be reached, journal it.
        A business refusal (WarehouseError) is raised to the caller as usual: the operator is
        there to see it."""
        operation(op)   # an unknown operation is a bug: fail before anything is journaled
        if time.monotonic() < self._quiet_until:
            return self._queue(op, key, kwargs)
        if self.journal.count():
            self.replay()
            if self.journal.count():
                return self._queue(op, key, kwargs)
        try:
            result = self._call(op, key, kwargs)
        except Exception as exc:
            if not store_unreachable(exc):
                raise
            self._went_away()
            return self._queue(op, key, kwargs)
        return Outcome("done", result, 0)

    def _went_away(self) -> None:
        reset_connection()
        self._quiet_until = time.monotonic() + self.retry_after_s

    def _queue(self, op: str, key: str, kwargs: dict) -> Outcome:
        self.journal.append(op, key, kwargs)
        n = self.journal.count()
        self._changed(n)
        return Outcome("queued", None, n)

    def _changed(self, n: int) -> None:
        if self.on_change is not None:
            try:
                self.on_change(n)
            except Exception:   # the header is informative; replay must go on
                pass

    def replay(self) -> ReplayReport:
        """Post the journaled entries in order. Stops (entries kept) when the server is still
        away; a refused entry becomes a SyncException and replay goes on."""
        report = ReplayReport()
        with self._replay_lock:
            for entry in self.journal.pending():
                try:
                    self._call(entry.op, entry.key, entry.kwargs)
                except Exception as exc:
                    if store_unreachable(exc):
                        report.reached = False
                        self._went_away()
                        break
                    try:
                        record_conflict(entry, exc)
                    except Exception as exc2:
                        if store_unreachable(exc2):
                            report.reached = False
                            self._went_away()
                            break
                        raise
                    report.conflicts += 1
                else:
                    report.posted += 1
                self.journal.remove(entry.seq)
            report.left = self.journal.count()
            if report.reached:
                self._quiet_until = 0.0
        if report.posted or report.conflicts:
            self._changed(report.left)
        return report
