"""The offline journal: a small local SQLite file holding the postings made while the PostgreSQL
server was unreachable (FIFO, one row per idempotency key) and the cached master data
(db/offline/cache.py reads and fills it).

It is written with synchronous=FULL so a power cut loses no queued scan. Only operations that
carry an idempotency key may be journaled (OPERATIONS): a replay after a lost reply, or of an
entry whose first try did reach the server, posts at most once (db/offline/replay.py).
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from db.core.models import utcnow

# Operations that may be journaled: name -> "module:function". Each takes key=... and is
# idempotent on it.
OPERATIONS = {
    "receive": "db.purchasing.receiving:receive",
    "move": "db.inventory.transfers:move",
    "move_all": "db.inventory.transfers:move_all",
    "pick": "db.sales.picking:pick",
    "ship": "db.sales.shipping:ship",
    # Goods a customer brings back (all lines of one return, one entry): no stock is taken,
    # so only a refusal by the rules (more than was shipped) can stop it on replay.
    "return_from_customer": "db.returns.customer:receive_customer_return",
}


# --- JSON with dates and money -----------------------------------------------------------------

def _encode(value):
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"cannot journal a {type(value).__name__}: {value!r}")


def _decode(obj: dict):
    if len(obj) == 1:
        (tag, text), = obj.items()
        if tag == "$datetime":
            return dt.datetime.fromisoformat(text)
        if tag == "$date":
            return dt.date.fromisoformat(text)
        if tag == "$decimal":
            return Decimal(text)
    return obj


def dumps(kwargs: dict) -> str:
    return json.dumps(kwargs, default=_encode, sort_keys=True)


def loads(text: str) -> dict:
    return json.loads(text, object_hook=_decode)


# --- the journal file --------------------------------------------------------------------------

@dataclass
class Queued:
    seq: int
    key: str
    op: str
    kwargs: dict
    queued_at: dt.datetime


class Journal:
    """The local SQLite journal. Thread-safe: one connection behind a lock."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        from db.core.files import create_private
        self._con = create_private(self.path, lambda: sqlite3.connect(
            str(self.path), timeout=30, check_same_thread=False, isolation_level=None))
        self._con.execute("PRAGMA journal_mode=WAL")
        # A queued scan is the only copy of that scan: survive a power cut.
        self._con.execute("PRAGMA synchronous=FULL")
        self._con.executescript("""
            CREATE TABLE IF NOT EXISTS queued (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                key TEXT NOT NULL UNIQUE,
                op TEXT NOT NULL,
                args TEXT NOT NULL,
                queued_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS master (
                kind TEXT NOT NULL, code TEXT NOT NULL, value TEXT NOT NULL,
                PRIMARY KEY (kind, code));
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        """)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    # queue
    def append(self, op: str, key: str, kwargs: dict) -> Queued:
        if op not in OPERATIONS:
            raise ValueError(f"operation {op!r} cannot be journaled; expected one of {', '.join(OPERATIONS)}")
        if not key:
            raise ValueError("a journaled posting needs an idempotency key")
        now = utcnow()
        with self._lock:
            # The same key twice (a retried scan) is journaled once.
            self._con.execute("INSERT OR IGNORE INTO queued (key, op, args, queued_at) VALUES (?, ?, ?, ?)",
                              (key, op, dumps(kwargs), now.isoformat()))
            row = self._con.execute("SELECT seq, key, op, args, queued_at FROM queued WHERE key = ?",
                                    (key,)).fetchone()
        return self._queued(row)

    def pending(self) -> list[Queued]:
        with self._lock:
            rows = self._con.execute("SELECT seq, key, op, args, queued_at FROM queued ORDER BY seq").fetchall()
        return [self._queued(r) for r in rows]

    def count(self) -> int:
        with self._lock:
            return self._con.execute("SELECT COUNT(*) FROM queued").fetchone()[0]

    def remove(self, seq: int) -> None:
        with self._lock:
            self._con.execute("DELETE FROM queued WHERE seq = ?", (seq,))

    @staticmethod
    def _queued(row) -> Queued:
        seq, key, op, args, at = row
        return Queued(seq=seq, key=key, op=op, kwargs=loads(args), queued_at=dt.datetime.fromisoformat(at))

    # master data cache
    def replace_cache(self, rows: list[tuple[str, str, dict]]) -> None:
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                self._con.execute("DELETE FROM master")
                self._con.executemany("INSERT OR REPLACE INTO master (kind, code, value) VALUES (?, ?, ?)",
                                      [(k, c, json.dumps(v)) for k, c, v in rows])
                self._con.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('cached_at', ?)",
                                  (utcnow().isoformat(),))
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise

    def cached(self, kind: str, code: str) -> dict | None:
        with self._lock:
            row = self._con.execute("SELECT value FROM master WHERE kind = ? AND code = ?",
                                    (kind, code)).fetchone()
        return json.loads(row[0]) if row else None

    def bind(self, store: str) -> bool:
        """Tie the journal to STORE (its URL without password). A journal of another store that
        still holds postings is refused (False): replaying them here would post them into the
        wrong books. An empty one is taken over (its cache is dropped)."""
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE name = 'store'").fetchone()
            if row is not None and row[0] == store:
                return True
            if row is not None and self._con.execute("SELECT COUNT(*) FROM queued").fetchone()[0]:
                return False
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute("DELETE FROM master")
            self._con.execute("DELETE FROM meta")
            self._con.execute("INSERT INTO meta (name, value) VALUES ('store', ?)", (store,))
            self._con.execute("COMMIT")
            return True

    def store(self) -> str | None:
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE name = 'store'").fetchone()
        return row[0] if row else None

    def cached_at(self) -> dt.datetime | None:
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE name = 'cached_at'").fetchone()
        return dt.datetime.fromisoformat(row[0]) if row else None
