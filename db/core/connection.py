"""One DatabaseProxy for SQLite and PostgreSQL alike, initialised from the configured URL."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, TypeVar
from urllib.parse import urlsplit

import peewee
from playhouse.db_url import parse

from db.core import defaults

database = peewee.DatabaseProxy()

T = TypeVar("T")


def open_database(url: str, *, synchronous: str = defaults.DATABASE["sqlite_synchronous"],
                  busy_timeout_ms: int = defaults.DATABASE["busy_timeout_ms"],
                  search_path: str | None = None) -> peewee.Database:
    """Open the store at URL and bind the models to it.

    SQLite runs in WAL mode with foreign keys on and a busy timeout, so that readers never
    block the writer and a second station waits for the lock instead of failing.
    """
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        kwargs = parse(url)
        db = peewee.SqliteDatabase(kwargs.pop("database"), pragmas={
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
        db = peewee.PostgresqlDatabase(kwargs.pop("database"), **kwargs)
    else:
        raise ValueError(f"database URL must start with sqlite:/// or postgresql://, got {describe_url(url)!r}")
    database.initialize(db)
    return db


def is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def write_transaction():
    """A write transaction: BEGIN IMMEDIATE on SQLite (take the write lock up front, so two
    stations never deadlock upgrading a read lock), a plain transaction on PostgreSQL.
    Nested calls become savepoints."""
    if isinstance(database.obj, peewee.SqliteDatabase):
        return database.atomic("IMMEDIATE")
    return database.atomic()


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
            if attempt > retries:
                raise StoreUnavailable(f"the store cannot be reached after {retries} retries: {_clean(exc)}") from None
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
