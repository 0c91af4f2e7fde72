"""Write-ahead log checkpoints off the posting path, for a long-running SQLite process.

SQLite in WAL mode appends each commit to the log. Every 1,000 pages (`wal_autocheckpoint`)
the commit that crosses the mark copies the log back into the database file and waits for two
fsyncs before it returns: that posting is a station's slow one, and in a run of postings the
fsyncs are most of the time spent (bench/RESULTS.md).

A `Checkpointer` moves that work to a thread with its own connection, which checkpoints
PASSIVE (it never waits for a posting and never holds one back) about every PAGES pages of
log, as often as SQLite would, but on the thread. (Checkpointing after every posting instead
doubled the fsyncs, and the posting's own fsync of the log waited behind them.)

How it knows when PAGES pages wait, touching no file of SQLite's: only through SQLite. Every
INTERVAL_S it asks its connection `PRAGMA data_version` (a number that changes when another
connection commits; no lock, no I/O). When the store changed, it checkpoints once the time
the last checkpoints say PAGES pages take to arrive has passed: each PASSIVE checkpoint
answers (busy, pages in the log, pages copied), so the pages copied since the one before,
over the time between them, is the rate the log grows. A quiet store is left alone; a busy
one is checkpointed every INTERVAL_S at most, a slow one every MAX_INTERVAL_S at least.
(Until issue 15 the thread read the log's page count from the WAL index, the -shm file: each
close of that file dropped SQLite's own POSIX lock on it, so the next process to open the
store took itself for the only one, truncated the index, and the station died of SIGBUS.)

The store's own connections checkpoint only when the log has grown to RESTART_PAGES: a
checkpoint that has caught up is what lets SQLite start the log again from its beginning, and
under a sustained run of postings only the writer itself can catch up (between two of its own
transactions). By then the thread has copied nearly everything, so that checkpoint copies and
syncs little. Should the thread die, the log still cannot grow past RESTART_PAGES;
`stop_background` gives the connections SQLite's default back.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time

import peewee as pw

from db.core.connection import database

log = logging.getLogger("db.core.checkpoint")

# SQLite's own default: the log size at which a connection checkpoints when no thread does.
INLINE_PAGES = 1000


class Checkpointer:
    def __init__(self, path: str, *, synchronous: str = "FULL", interval_s: float = 0.05,
                 pages: int = INLINE_PAGES, max_interval_s: float = 5.0, busy_timeout_ms: int = 200):
        self.path = path
        self.synchronous = synchronous
        self.interval_s = interval_s
        self.pages = pages
        self.max_interval_s = max_interval_s
        # Short: a passive checkpoint never needs to wait; if the store is locked, try again
        # at the next turn.
        self.busy_timeout_ms = busy_timeout_ms
        self.checkpoints = 0       # checkpoints that copied pages
        self.errors = 0
        self.log_pages = 0         # the log's size in pages at the last checkpoint
        # Pages the log gained per turn that saw the store change, as last measured. At first
        # as many as make a checkpoint due: the first change is checkpointed, and measured.
        self.pages_per_change = float(pages)
        self._last = (0, 0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Checkpointer":
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        con = None
        version = None
        changed = 0                    # turns that saw a commit since the last checkpoint
        last_at = time.monotonic()
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    con = con or self.connect()
                    now = con.execute("PRAGMA data_version").fetchone()[0]
                    if now != version:
                        version = now
                        changed += 1
                    if not self.due(changed, time.monotonic() - last_at):
                        continue
                    arrived = self.checkpoint(con)
                    if arrived:
                        self.pages_per_change = arrived / changed
                    changed, last_at = 0, time.monotonic()
                except sqlite3.Error as exc:    # locked, or the file went away: the next turn
                    self.errors += 1
                    log.warning("checkpoint of %s failed: %s", self.path, exc)
                    if con is not None:
                        con.close()
                        con, version = None, None
            if con is not None:
                self.checkpoint(con)
        except sqlite3.Error as exc:
            log.warning("last checkpoint of %s failed: %s", self.path, exc)
        finally:
            if con is not None:
                con.close()

    def due(self, changed: int, since_s: float) -> bool:
        """Whether to checkpoint now, CHANGED turns having seen a commit, SINCE_S seconds after
        the last checkpoint: once PAGES pages are likely waiting, or the log has waited long."""
        if not changed:
            return False
        return changed * self.pages_per_change >= self.pages or since_s >= self.max_interval_s

    def connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                              check_same_thread=False)
        # The checkpoint's fsyncs follow the store's setting, as they would inline.
        con.execute(f"PRAGMA synchronous = {self.synchronous}")
        return con

    def checkpoint(self, con: sqlite3.Connection) -> int:
        """One turn: copy what the log holds beyond the last checkpoint. Returns about how many
        pages the log gained since the last turn. After a checkpoint that copied everything the
        next writer starts the log again from its beginning, so all of it is new."""
        busy, pages, copied = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        before_pages, before_copied = self._last
        caught_up = before_copied >= before_pages
        arrived = pages if caught_up or pages < before_pages else pages - before_pages
        if copied and (pages, copied) != self._last:
            self.checkpoints += 1
        self._last = (pages, copied)
        self.log_pages = pages
        return max(0, arrived)


def background_checkpoints(restart_pages: int = 16000, **options) -> Checkpointer | None:
    """For the open store, if it is a SQLite file: a Checkpointer thread copies the log, and
    the store's connections only checkpoint (and so restart the log) at RESTART_PAGES.
    Returns the Checkpointer (stop it with `stop_background`), or None for PostgreSQL (its
    own background writer does this) and in-memory stores."""
    db = database.obj
    if not isinstance(db, pw.SqliteDatabase) or db.database in ("", ":memory:"):
        return None
    synchronous = str(dict(db._pragmas or ()).get("synchronous", "FULL"))
    checkpointer = Checkpointer(db.database, synchronous=synchronous, **options).start()
    # This thread's connection now, every connection opened later (the station's worker).
    db.pragma("wal_autocheckpoint", restart_pages, permanent=True)
    return checkpointer


def stop_background(checkpointer: Checkpointer | None) -> None:
    """Stop CHECKPOINTER after a last checkpoint; the store's connections checkpoint again."""
    if checkpointer is None:
        return
    db = database.obj
    if isinstance(db, pw.SqliteDatabase):
        pragmas = dict(db._pragmas or ())
        pragmas["wal_autocheckpoint"] = INLINE_PAGES
        db._pragmas = list(pragmas.items())
        if not db.is_closed():
            db.execute_sql(f"PRAGMA wal_autocheckpoint = {INLINE_PAGES}")
    checkpointer.stop()
