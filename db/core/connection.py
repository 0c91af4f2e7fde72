"""One DatabaseProxy for SQLite and PostgreSQL alike, initialised from the configured URL."""
from __future__ import annotations

import functools
import os
import random
import threading
import time
from contextlib import contextmanager
from gettext import gettext as _
from typing import Callable, TypeVar
from urllib.parse import urlsplit

import peewee
from playhouse.db_url import parse

from db.core import defaults

database = peewee.DatabaseProxy()


class PrivateSqliteDatabase(peewee.SqliteDatabase):
    """SqliteDatabase whose file, when this connection creates it, is 0600 in 0700 folders
    (db/core/files.py)."""

    def _connect(self):
        from db.core.files import create_private
        return create_private(self.database, super()._connect)

T = TypeVar("T")


def open_database(url: str, *, synchronous: str = defaults.DATABASE["sqlite_synchronous"],
                  busy_timeout_ms: int = defaults.DATABASE["busy_timeout_ms"],
                  search_path: str | None = None, keepalive_s: float = 0,
                  statement_timeout_ms: int = 0) -> peewee.Database:
    """Open the store at URL and bind the models to it.

    SQLite runs in WAL mode with foreign keys on and a busy timeout, so that readers never
    block the writer and a second station waits for the lock instead of failing.

    PostgreSQL ([database] pg_keepalive_s and pg_statement_timeout_ms, 0 = off): a server
    whose network went silent (packets dropped, nothing reset) is given up after about
    KEEPALIVE_S on an idle connection (TCP keepalives; tcp_user_timeout for data the server
    never acknowledged), and the server ends any statement after STATEMENT_TIMEOUT_MS. An
    answer that has not come a second after that will not come: the client stops waiting
    (`_wait_for_server`) and the caller sees the store unreachable, as when it refuses
    connections.
    """
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        kwargs = parse(url)
        db = PrivateSqliteDatabase(kwargs.pop("database"), pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
            "synchronous": synchronous,
        }, timeout=busy_timeout_ms / 1000)
    elif scheme in ("postgresql", "postgres"):
        kwargs = parse(url)
        # ?schema=NAME puts the store in its own PostgreSQL schema (tests, several sites
        # in one database).
        schema = kwargs.pop("schema", None) or search_path
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        kwargs.setdefault("connect_timeout", 5)
        if keepalive_s:
            idle = max(1, int(keepalive_s / 2))
            kwargs.update(keepalives=1, keepalives_idle=idle, keepalives_interval=1,
                          keepalives_count=max(1, int(keepalive_s) - idle),
                          tcp_user_timeout=int(keepalive_s * 1000))
            kwargs["connect_timeout"] = max(2, min(int(kwargs["connect_timeout"]), int(keepalive_s)))
        if statement_timeout_ms:
            kwargs["options"] = (kwargs.get("options", "") + f" -c statement_timeout={int(statement_timeout_ms)}").strip()
            answer_within(statement_timeout_ms / 1000 + 1)
        db = peewee.PostgresqlDatabase(kwargs.pop("database"), **kwargs)
    else:
        raise ValueError(_("database URL must start with sqlite:/// or postgresql://, got {url!r}").format(
            url=describe_url(url)))
    database.initialize(db)
    return db


class ServerSilent(Exception):
    """Marks a PostgreSQL round trip abandoned because the server stopped answering."""


_answer_within = {"s": 0.0}


def answer_within(seconds: float) -> None:
    """Give up any PostgreSQL round trip of this process whose answer has not come after
    SECONDS (0: wait for ever, libpq's way). psycopg2 then waits through `_wait_for_server`."""
    import psycopg2.extensions
    _answer_within["s"] = float(seconds)
    psycopg2.extensions.set_wait_callback(_wait_for_server if seconds else None)


def _wait_for_server(conn) -> None:
    """psycopg2's wait callback: libpq's own loop (poll, then wait for the socket), with a
    deadline. At the deadline the socket is shut down, so the connection fails at once (its
    rollback too) instead of waiting again, and the caller sees the store unreachable."""
    import select
    import socket

    import psycopg2
    import psycopg2.extensions as ext
    limit = _answer_within["s"]
    deadline = time.monotonic() + limit
    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return
        left = deadline - time.monotonic()
        if left > 0:
            fd = conn.fileno()
            if state == ext.POLL_READ:
                ready = select.select([fd], [], [], left)[0]
            else:
                ready = select.select([], [fd], [], left)[1]
            if ready:
                continue
        try:
            socket.socket(fileno=os.dup(conn.fileno())).shutdown(socket.SHUT_RDWR)
        except OSError:     # already gone
            pass
        error = psycopg2.OperationalError(_("the server did not answer within {limit:g} s: "
                                            "the network or the server is silent").format(limit=limit))
        raise error from ServerSilent()


def server_silent(exc: BaseException | None) -> bool:
    """Whether EXC (or what caused it) is a round trip given up on a silent server."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, ServerSilent) or isinstance(exc.__cause__, ServerSilent):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
        seen += 1
    return False


def is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def write_transaction():
    """A write transaction: BEGIN IMMEDIATE on SQLite (take the write lock up front, so two
    stations never deadlock upgrading a read lock), a plain transaction on PostgreSQL.
    Nested calls become savepoints."""
    if isinstance(database.obj, peewee.SqliteDatabase):
        return database.atomic("IMMEDIATE")
    return database.atomic()


# PostgreSQL's SQLSTATEs for a transaction it rolled back to break a conflict: a deadlock, and a
# serialization failure. Either leaves the store as if the transaction had never run.
CONFLICT_STATES = ("40P01", "40001")
CONFLICT_TRIES = 8
_conflicts = {"retried": 0}
_conflicts_lock = threading.Lock()


def is_conflict(exc: BaseException) -> bool:
    """Whether EXC is PostgreSQL breaking a deadlock or a serialization failure (psycopg2's
    error as it is, or wrapped by peewee)."""
    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__, exc.__context__):
        if getattr(candidate, "pgcode", None) in CONFLICT_STATES:
            return True
    return False


def conflicts_retried() -> int:
    """How many transactions this process ran again after a conflict (the bench reports it)."""
    return _conflicts["retried"]


def retry_conflicts(fn: Callable[..., T]) -> Callable[..., T]:
    """Run the operation FN again, with the same arguments (and so the same idempotency key),
    when PostgreSQL rolled its transaction back to break a deadlock or a serialization
    failure: nothing of it was written. The one lock order (db/ledger/locks.py) keeps this from
    happening; this is the net under it. Inside a caller's transaction it does nothing: the
    caller's transaction is the one to run again. After CONFLICT_TRIES tries, StoreBusy: a
    clear message, never a traceback."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if database.obj is None or not is_postgres() or database.in_transaction():
            return fn(*args, **kwargs)
        for attempt in range(1, CONFLICT_TRIES + 1):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if not is_conflict(exc):
                    raise
                if attempt == CONFLICT_TRIES:
                    from db.core.errors import StoreBusy
                    raise StoreBusy(_("the store stayed busy: {attempt} tries of this operation met "
                                      "another station's ({error}); nothing was posted, try again").format(
                                          attempt=attempt, error=_clean(exc))) from None
                with _conflicts_lock:
                    _conflicts["retried"] += 1
                time.sleep(random.uniform(0, 0.005 * attempt))
    return run


def describe_url(url: str) -> str:
    """The store as the header and logs show it: never the password."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url[len("sqlite:///"):] or ":memory:"
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"postgresql://{user}{host}{port}{parts.path}"


def with_retry(fn: Callable[[], T], *, retries: int = defaults.DATABASE["retries"],
               delay_s: float = defaults.DATABASE["retry_delay_ms"] / 1000,
               on_retry: Callable[[int, Exception], None] | None = None) -> T:
    """Run FN, retrying when the database connection failed.

    Used around postings that carry an idempotency key, so a retry after a lost reply can
    never post twice.
    """
    from db.core.errors import StoreUnavailable
    attempt = 0
    while True:
        try:
            return fn()
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            attempt += 1
            reset_connection()
            # A silent server already had its time: trying again only waits as long again.
            if attempt > retries or server_silent(exc):
                raise StoreUnavailable(_("the store cannot be reached after {retries} retries: {error}").format(
                    retries=retries, error=_clean(exc))) from None
            if on_retry:
                on_retry(attempt, exc)
            time.sleep(delay_s)


def reset_connection() -> None:
    """Drop this thread's broken connection, so the next query connects again (peewee keeps a
    dead psycopg2 connection as "open" otherwise, and every later query fails)."""
    try:
        if not database.is_closed():
            database.close()
    except Exception:  # the connection is already broken; closing it may fail too
        pass


def store_unreachable(exc: BaseException) -> bool:
    """A failure to reach the server (not a business refusal, not a bug)."""
    from db.core.errors import StoreUnavailable
    return isinstance(exc, (StoreUnavailable, peewee.OperationalError, peewee.InterfaceError))


def _clean(exc: Exception) -> str:
    """The first line of a driver error, which never carries the connection password."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def bound(db: peewee.Database):
    """Bind the models to DB for a block (tests and tools that open a second store)."""
    previous = database.obj
    database.initialize(db)
    try:
        yield db
    finally:
        database.initialize(previous)
