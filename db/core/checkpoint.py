"""Write-ahead log checkpoints off the posting path, for a long-running SQLite process.

SQLite in WAL mode appends each commit to the log. Every 1,000 pages (`wal_autocheckpoint`)
the commit that crosses the mark copies the log back into the database file and waits for two
fsyncs before it returns: that posting is a station's slow one, and in a run of postings the
fsyncs are most of the time spent (bench/RESULTS.md).

A `Checkpointer` moves that work to a thread with its own connection, which checkpoints
PASSIVE (it never waits for a posting and never holds one back) once the log holds PAGES
pages not yet copied, looking every INTERVAL_S: as often as SQLite would, but on the thread.
(Checkpointing after every posting instead doubled the fsyncs, and the posting's own fsync
of the log waited behind them.) The store's own connections checkpoint only when the log has grown to
RESTART_PAGES: a checkpoint that has caught up is what lets SQLite start the log again from
its beginning, and under a sustained run of postings only the writer itself can catch up
(between two of its own transactions). By then the thread has copied nearly everything, so
that checkpoint copies and syncs little. Should the thread die, the log still cannot grow
past RESTART_PAGES; `stop_background` gives the connections SQLite's default back.
"""
from __future__ import annotations

import logging
import sqlite3
import struct
import threading

import peewee as pw

from db.core.connection import database

log = logging.getLogger("db.core.checkpoint")

# SQLite's own default: the log size at which a connection checkpoints when no thread does.
INLINE_PAGES = 1000


class Checkpointer:
    def __init__(self, path: str, *, synchronous: str = "FULL", interval_s: float = 0.05,
                 pages: int = INLINE_PAGES, busy_timeout_ms: int = 200):
        self.path = path
        self.synchronous = synchronous
        self.interval_s = interval_s
        self.pages = pages
        # Short: a passive checkpoint never needs to wait; if the store is locked, try again
        # at the next turn.
        self.busy_timeout_ms = busy_timeout_ms
        self.checkpoints = 0       # checkpoints that copied pages
        self.errors = 0
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
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    if self.waiting_pages() < self.pages:
                        continue
                    con = con or self.connect()
                    self.checkpoint(con)
                except sqlite3.Error as exc:    # locked, or the file went away: the next turn
                    self.errors += 1
                    log.warning("checkpoint of %s failed: %s", self.path, exc)
                    if con is not None:
                        con.close()
                        con = None
            if con is not None:
                self.checkpoint(con)
        except sqlite3.Error as exc:
            log.warning("last checkpoint of %s failed: %s", self.path, exc)
        finally:
            if con is not None:
                con.close()

    def connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                              check_same_thread=False)
        # The checkpoint's fsyncs follow the store's setting, as they would inline.
        con.execute(f"PRAGMA synchronous = {self.synchronous}")
        return con

    def waiting_pages(self) -> int:
        """Pages in the log not yet copied into the database file, read from the header of the
        WAL index (the -shm file; its layout: https://sqlite.org/walformat.html, mxFrame at
        byte 16, nBackfill at byte 96, native byte order). Reading it costs no lock and no
        fsync. Without a readable index (none yet, or an exclusive-mode store): as if full."""
        try:
            with open(self.path + "-shm", "rb") as fh:
                header = fh.read(100)
        except OSError:
            return self.pages
        if len(header) < 100:
            return self.pages
        (frames,) = struct.unpack_from("=I", header, 16)
        (copied,) = struct.unpack_from("=I", header, 96)
        return max(0, frames - copied)

    def checkpoint(self, con: sqlite3.Connection) -> int:
        """One turn: copy what the log holds beyond the last checkpoint. Returns the log's size
        in pages."""
        busy, pages, copied = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if copied and (pages, copied) != self._last:
            self.checkpoints += 1
        self._last = (pages, copied)
        return pages


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
