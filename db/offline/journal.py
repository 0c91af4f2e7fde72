"""Offline stations: journal postings locally while the PostgreSQL server is unreachable, replay
them in order when it is back, and put every conflict on an exceptions list.

The layer the station runs its postings through:

    runner = OfflineRunner(Journal("offline-journal.db"))
    outcome = runner.run("move", key="ST-01:run:7:scan", sku="A1", qty=2,
                         from_code="A-01", to_code="B-01", operator="W1", station="ST-01")
    outcome.status   # "done" (posted now, outcome.result is the store's result) or "queued"

Rules:
- Only operations that carry an idempotency key may be journaled (OPERATIONS below): a replay
  after a lost reply, or of an entry whose first try did reach the server, posts at most once.
- The queue is FIFO. While anything is queued, new postings queue behind it (a later scan must
  never overtake an earlier one), after one attempt to drain the queue.
- Replay stops at the first entry that cannot reach the server, and goes on after a business
  refusal (stock no longer there, an order cancelled meanwhile): that entry becomes a
  SyncException row in the MAIN store, where `wh exceptions` and every supervisor's screen see
  it, and leaves the journal. Nothing is dropped silently.
- Supervisor actions (adjustments, approvals) are not journaled: they need the server (and a
  PIN check against it).

The journal is a small SQLite file (`[offline] journal`), written with synchronous=FULL so a
power cut loses no queued scan. It also holds a read-only cache of master data (barcodes,
locations, operators), so scans decode while the server is away (`CachedResolver`).
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import peewee as pw

from db.core.connection import with_retry
from db.core.errors import StoreUnavailable, WarehouseError
from db.core.models import BaseModel, utcnow
from devices.gs1 import gtin14, is_gtin

# Operations that may be journaled: name -> "module:function". Each takes key=... and is
# idempotent on it.
OPERATIONS = {
    "receive": "db.purchasing.receiving:receive",
    "move": "db.inventory.transfers:move",
    "move_all": "db.inventory.transfers:move_all",
    "pick": "db.sales.picking:pick",
    "ship": "db.sales.picking:ship",
}


class SyncException(BaseModel):
    """A journaled posting the server refused on replay: a supervisor decides what happens."""
    key = pw.CharField(unique=True)
    op = pw.CharField()
    args = pw.TextField()                 # the operation's arguments, JSON
    operator = pw.CharField(default="", index=True)
    station = pw.CharField(default="")
    queued_at = pw.DateTimeField()        # when the scan was made (offline)
    replayed_at = pw.DateTimeField(default=utcnow)
    error = pw.TextField()
    resolved_at = pw.DateTimeField(null=True)
    resolved_by = pw.CharField(null=True)
    note = pw.TextField(default="")


MODELS = [SyncException]


def reset_connection() -> None:
    """Drop this thread's broken connection, so the next query connects again (peewee keeps a
    dead psycopg2 connection as "open" otherwise, and every later query fails)."""
    from db.core.connection import database
    try:
        if not database.is_closed():
            database.close()
    except Exception:   # closing a dead connection may fail too; it is gone either way
        pass


def store_unreachable(exc: BaseException) -> bool:
    """A failure to reach the server (not a business refusal, not a bug)."""
    return isinstance(exc, (StoreUnavailable, pw.OperationalError, pw.InterfaceError))


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


def _norm_code(code: str) -> str:
    """One form per GTIN (GTIN-14), so EAN-13, UPC-A and GTIN-14 scans of one item meet."""
    code = code.strip()
    return gtin14(code) if is_gtin(code) else code


class Journal:
    """The local SQLite journal. Thread-safe: one connection behind a lock."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False,
                                    isolation_level=None)
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


def refresh_cache(journal: Journal) -> int:
    """Copy barcodes, locations and operators of the main store into the journal's cache.
    Returns the number of rows cached."""
    from db.core.models import Barcode, Item, Location, Operator
    rows: list[tuple[str, str, dict]] = []
    for code, sku, pack, lots in (Barcode.select(Barcode.code, Item.sku, Barcode.pack_qty, Item.lot_tracked)
                                  .join(Item).tuples()):
        rows.append(("barcode", _norm_code(code), {"sku": sku, "pack_qty": pack, "lot_tracked": bool(lots)}))
    for sku, name, lots in Item.select(Item.sku, Item.name, Item.lot_tracked).tuples():
        rows.append(("item", sku, {"name": name, "lot_tracked": bool(lots)}))
    for code, kind, active in Location.select(Location.code, Location.kind, Location.active).tuples():
        rows.append(("location", code, {"kind": kind, "active": active}))
    for code, name, role, active in Operator.select(Operator.code, Operator.name, Operator.role,
                                                    Operator.active).tuples():
        rows.append(("operator", code, {"name": name, "role": role, "active": active}))
    journal.replace_cache(rows)
    return len(rows)


class CachedResolver:
    """The devices Resolver (find_barcode, is_location, is_operator, find_sku): the live store when it
    answers, the journal's cache when it does not."""

    def __init__(self, live, journal: Journal, *, retry_after_s: float = 5.0):
        self.live = live
        self.journal = journal
        # After a failure the cache answers alone for a while: on a dead network each live try
        # may hang for the connect timeout, and a scan must decode at once.
        self.retry_after_s = retry_after_s
        self._cache_until = 0.0

    def _ask(self, live_call: Callable[[], Any], cached_call: Callable[[], Any]):
        if time.monotonic() < self._cache_until:
            return cached_call()
        try:
            return live_call()
        except Exception as exc:
            if not store_unreachable(exc):
                raise
            reset_connection()
            self._cache_until = time.monotonic() + self.retry_after_s
            return cached_call()

    def find_barcode(self, code: str):
        def cached():
            hit = self.journal.cached("barcode", _norm_code(code))
            return (hit["sku"], hit["pack_qty"]) if hit else None
        return self._ask(lambda: self.live.find_barcode(code), cached)

    def is_location(self, code: str) -> bool:
        return self._ask(lambda: self.live.is_location(code),
                         lambda: self.journal.cached("location", code) is not None)

    def is_operator(self, code: str) -> bool:
        return self._ask(lambda: self.live.is_operator(code),
                         lambda: self.journal.cached("operator", code) is not None)

    def find_sku(self, code: str) -> str | None:
        # The journal caches barcodes, not SKUs: offline, a typed SKU is not known.
        return self._ask(lambda: self.live.find_sku(code), lambda: None)


# --- running operations ------------------------------------------------------------------------

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
                        import logging
                        logging.getLogger("db.offline.journal").exception("replaying the offline journal failed")
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


def record_conflict(entry: Queued, exc: BaseException) -> SyncException:
    """Put a refused replay on the exceptions list (once per key, however often replayed)."""
    kwargs = entry.kwargs
    message = str(exc) if isinstance(exc, WarehouseError) else f"internal error ({type(exc).__name__}): {exc}"
    existing = SyncException.get_or_none(SyncException.key == entry.key)
    if existing is not None:
        return existing
    try:
        with SyncException._meta.database.atomic():
            return SyncException.create(key=entry.key, op=entry.op, args=dumps(kwargs),
                                        operator=kwargs.get("operator", ""), station=kwargs.get("station", ""),
                                        queued_at=entry.queued_at, error=message)
    except pw.IntegrityError:
        return SyncException.get(SyncException.key == entry.key)


# --- the exceptions list -----------------------------------------------------------------------

def list_exceptions(include_resolved: bool = False) -> list[dict]:
    query = SyncException.select().order_by(SyncException.queued_at, SyncException.id)
    if not include_resolved:
        query = query.where(SyncException.resolved_at.is_null())
    return [exception_row(e) for e in query]


def exception_row(e: SyncException) -> dict:
    args = loads(e.args)
    what = ", ".join(f"{k}={v}" for k, v in sorted(args.items()) if k not in ("operator", "station"))
    return {"id": e.id, "queued_at": e.queued_at, "replayed_at": e.replayed_at, "station": e.station,
            "operator": e.operator, "op": e.op, "what": what, "error": e.error, "key": e.key,
            "resolved_at": e.resolved_at, "resolved_by": e.resolved_by or "", "note": e.note}


def resolve_exception(exception_id: int, *, operator: str, note: str = "", station: str = "") -> SyncException:
    """Mark an exception dealt with (supervisor only): the supervisor has posted what was right
    (an adjustment, a new pick...) or decided nothing is needed. Audited."""
    from db.core.connection import write_transaction
    from db.core.errors import NotFound, RuleViolation
    from db.masterdata.security import audit, require_supervisor
    require_supervisor(operator, "resolving an offline exception")
    with write_transaction():
        e = SyncException.get_or_none(SyncException.id == exception_id)
        if e is None:
            raise NotFound(f"no offline exception {exception_id}")
        if e.resolved_at is not None:
            raise RuleViolation(f"offline exception {exception_id} was already resolved by {e.resolved_by} "
                                f"at {e.resolved_at:%Y-%m-%d %H:%M}")
        SyncException.update(resolved_at=utcnow(), resolved_by=operator, note=note).where(
            SyncException.id == e.id).execute()
        audit(operator, station, "resolve_exception", exception=e.id, key=e.key, op=e.op, note=note)
    return SyncException.get_by_id(exception_id)
