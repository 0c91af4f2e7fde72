"""Write-ahead log checkpoints off the posting path, for a long-running SQLite process.

SQLite in WAL mode appends each commit to the log. Every 1,000 pages (`wal_autocheckpoint`)
the commit that crosses the mark copies the log back into the database file and waits for two
fsyncs before it returns: that posting is a station's slow one, and in a run of postings the
fsyncs are most of the time spent (bench/RESULTS.md, fix 9).

A `Checkpointer` moves that work to a thread with its own connection. The store's own
connections stop checkpointing; the thread checkpoints PASSIVE (it never waits for a posting
and never holds one back) every INTERVAL_S when the log has new pages. In a sustained run of
postings a passive checkpoint never quite catches up with the writer, and SQLite only starts
the log again from its beginning once a checkpoint has caught up; so once the log holds more
than RESTART_PAGES the thread catches up once more and then restarts it with a RESTART
checkpoint, which holds the next posting back only while it copies the few pages written in
between. If the thread stops, the store's connections checkpoint themselves again.
"""
from __future__ import annotations

import logging
import sqlite3
import threading

import peewee as pw

from .connection import database

log = logging.getLogger("db.checkpoint")

# SQLite's own default: the log size at which a connection checkpoints when no thread does.
INLINE_PAGES = 1000


class Checkpointer:
    def __init__(self, path: str, *, synchronous: str = "FULL", interval_s: float = 0.05,
                 restart_pages: int = 4000, busy_timeout_ms: int = 200):
        self.path = path
        self.synchronous = synchronous
        self.interval_s = interval_s
        self.restart_pages = restart_pages
        # Short: a RESTART checkpoint that waits on a long reader holds writers back meanwhile;
        # better to give up and try again at the next turn.
        self.busy_timeout_ms = busy_timeout_ms
        self.checkpoints = 0       # passive checkpoints that copied pages
        self.restarts = 0          # times the log was started again from its beginning
        self.errors = 0
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
        con = self.connect()
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    self.checkpoint(con)
                except sqlite3.Error as exc:     # a locked or vanished file: try at the next turn
                    self.errors += 1
                    log.warning("checkpoint of %s failed: %s", self.path, exc)
            self.checkpoint(con)
        finally:
            con.close()

    def connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                              check_same_thread=False)
        # The checkpoint's fsyncs follow the store's setting, as they would inline.
        con.execute(f"PRAGMA synchronous = {self.synchronous}")
        return con

    def checkpoint(self, con: sqlite3.Connection) -> int:
        """One turn: a passive checkpoint, and a restart of the log when it has grown long.
        Returns the log's size in pages after it."""
        busy, pages, copied = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if pages > 0 and copied > 0:
            self.checkpoints += 1
        if pages >= self.restart_pages:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)")     # catch up: the restart copies little
            busy, pages, copied = con.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            if not busy:
                self.restarts += 1
        return pages


def background_checkpoints(**options) -> Checkpointer | None:
    """For the open store, if it is a SQLite file: its connections stop checkpointing and a
    Checkpointer thread does it. Returns the Checkpointer (stop it with `stop_background`),
    or None for PostgreSQL (its own background writer does this) and in-memory stores."""
    db = database.obj
    if not isinstance(db, pw.SqliteDatabase) or db.database in ("", ":memory:"):
        return None
    synchronous = str(dict(db._pragmas or ()).get("synchronous", "FULL"))
    checkpointer = Checkpointer(db.database, synchronous=synchronous, **options).start()
    # This thread's connection now, every connection opened later (the station's worker).
    db.pragma("wal_autocheckpoint", 0, permanent=True)
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
