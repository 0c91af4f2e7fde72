"""Backups of the store: SQLite's online backup API, and advice for PostgreSQL.

Why the online backup API (sqlite3.Connection.backup) and not a file copy: stations may be
writing while the backup runs, and a copied WAL database can miss the WAL or be torn. The
backup API copies a consistent snapshot page by page, and restarts if a writer changes a page
already copied.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from db.core.connection import describe_url
from db.core.errors import InvalidInput, RuleViolation

PAGES_PER_STEP = 256


def sqlite_path(url: str) -> Path | None:
    """The database file of a sqlite:/// URL, or None for another backend."""
    if urlsplit(url).scheme != "sqlite":
        return None
    path = url[len("sqlite:///"):].split("?", 1)[0]
    if not path or path == ":memory:":
        raise InvalidInput("an in-memory SQLite store cannot be backed up: expected a file")
    return Path(path)


def pg_dump_advice(url: str, target: str) -> str:
    """The commands to back up and restore a PostgreSQL store, without its password."""
    parts = urlsplit(url)
    safe = describe_url(url)
    schema = ""
    for pair in (parts.query or "").split("&"):
        if pair.startswith("schema="):
            schema = f" --schema={pair.split('=', 1)[1]}"
    return (f"the store is PostgreSQL ({safe}): back it up with pg_dump, e.g.\n"
            f"  pg_dump --format=custom{schema} --file={target} '{safe}'\n"
            f"and restore it with\n"
            f"  pg_restore --clean --if-exists --dbname='{safe}' {target}\n"
            f"(give the password through ~/.pgpass or PGPASSWORD, never on the command line)")


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    src.backup(dst, pages=PAGES_PER_STEP)


def _check(path: Path) -> None:
    """Refuse a file that is not a sound SQLite database of this application."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path} is not a SQLite database: {exc}") from None
    if ok != "ok":
        raise InvalidInput(f"{path} is damaged: integrity check says {ok}")
    if not {"movement", "balance", "schema_version"} <= tables:
        raise InvalidInput(f"{path} is a SQLite database but not a warehouse store: "
                           f"expected the tables movement, balance and schema_version")


def backup_sqlite(url: str, target: str | os.PathLike) -> Path:
    """Copy the live SQLite store at URL to TARGET (a new file; an existing one is replaced
    only when it is itself a store backup). Returns the target path."""
    source = sqlite_path(url)
    if source is None:
        raise RuleViolation(pg_dump_advice(url, str(target)))
    if not source.is_file():
        raise InvalidInput(f"no store at {source}: nothing to back up")
    target = Path(target)
    if target.resolve() == source.resolve():
        raise InvalidInput(f"the backup must go to another file than the store itself ({source})")
    if target.is_dir():
        raise InvalidInput(f"{target} is a directory: expected a file name for the backup")
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(str(source), timeout=30)
    try:
        from db.core.files import create_private
        dst = create_private(tmp, lambda: sqlite3.connect(str(tmp)))
        try:
            _copy(src, dst)
            # The copy is a plain rollback-journal file: one file, nothing beside it to lose.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    _check(tmp)
    os.replace(tmp, target)
    return target


def restore_sqlite(url: str, backup: str | os.PathLike) -> Path:
    """Replace the SQLite store at URL with the content of BACKUP, through the same online
    backup API (so stations that hold the store open see the restored pages, never a torn
    file). Stop the stations first: their unsent work would be overwritten."""
    target = sqlite_path(url)
    if target is None:
        raise RuleViolation(pg_dump_advice(url, str(backup)))
    backup = Path(backup)
    if not backup.is_file():
        raise InvalidInput(f"no backup file {backup}")
    _check(backup)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(str(target), timeout=30)
        try:
            _copy(src, dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()
    return target


def keep_audit_rows(replaced: str | os.PathLike, store: str | os.PathLike, *, operator: str,
                    station: str = "", source: str = "") -> int:
    """After a restore: copy into STORE every audit row of the REPLACED store (its saved copy)
    that the restored one lacks, oldest first, then audit the restore itself. A restore rolls
    the books back; it never erases who did what before it. Returns the rows copied."""
    import json

    from db.core.models import AuditLog, utcnow
    table = AuditLog._meta.table_name
    columns = '"at", "operator", "station", "action", "detail"'
    old = sqlite3.connect(f"file:{replaced}?mode=ro", uri=True)
    try:
        rows = old.execute(f'SELECT {columns} FROM "{table}" ORDER BY "id"').fetchall()
    finally:
        old.close()
    con = sqlite3.connect(str(store), timeout=30)
    try:
        with con:
            have = set(con.execute(f'SELECT {columns} FROM "{table}"').fetchall())
            missing = [r for r in rows if r not in have]
            con.executemany(f'INSERT INTO "{table}" ({columns}) VALUES (?, ?, ?, ?, ?)', missing)
            detail = json.dumps({"from": str(source), "replaced_saved_as": str(replaced),
                                 "audit_rows_kept": len(missing)}, sort_keys=True)
            con.execute(f'INSERT INTO "{table}" ({columns}) VALUES (?, ?, ?, ?, ?)',
                        (utcnow().isoformat(" "), operator, station, "restore", detail))
    finally:
        con.close()
    return len(missing)
