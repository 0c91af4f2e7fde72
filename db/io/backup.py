"""Backups of the store: SQLite's online backup API, and advice for PostgreSQL.

Why the online backup API (sqlite3.Connection.backup) and not a file copy: stations may be
writing while the backup runs, and a copied WAL database can miss the WAL or be torn. The
backup API copies a consistent snapshot page by page, and restarts if a writer changes a page
already copied.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid
from gettext import gettext as _
from pathlib import Path
from urllib.parse import urlsplit

from db.core.connection import describe_url
from db.core.errors import InvalidInput, RuleViolation
from db.core.models import utcnow

PAGES_PER_STEP = 256


def sqlite_path(url: str) -> Path | None:
    """The database file of a sqlite:/// URL, or None for another backend."""
    if urlsplit(url).scheme != "sqlite":
        return None
    path = url[len("sqlite:///"):].split("?", 1)[0]
    if not path or path == ":memory:":
        raise InvalidInput(_("an in-memory SQLite store cannot be backed up: expected a file"))
    return Path(path)


def pg_dump_advice(url: str, target: str) -> str:
    """The commands to back up and restore a PostgreSQL store, without its password."""
    parts = urlsplit(url)
    safe = describe_url(url)
    schema = ""
    for pair in (parts.query or "").split("&"):
        if pair.startswith("schema="):
            schema = f" --schema={pair.split('=', 1)[1]}"
    return _("the store is PostgreSQL ({safe}): back it up with pg_dump, e.g.\n"
             "  pg_dump --format=custom{schema} --file={target} '{safe}'\n"
             "and restore it with\n"
             "  pg_restore --clean --if-exists --dbname='{safe}' {target}\n"
             "(give the password through ~/.pgpass or PGPASSWORD, never on the command line)").format(
                 safe=safe, schema=schema, target=target)


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    src.backup(dst, pages=PAGES_PER_STEP)


# The table a backup carries (and a store never does): whose backup it is. `wh backup` only
# writes over a file that says it is a backup of the same store.
_MARK = "wh_backup_of"
# SQLite's files of a store: the database and what SQLite keeps beside it.
SIDE_FILES = ("", "-wal", "-shm", "-journal")


def store_files(store: Path) -> set[Path]:
    """The paths of STORE's files, resolved, as names only: nothing is opened or read."""
    base = store.resolve()
    return {base.with_name(base.name + suffix) for suffix in SIDE_FILES}


def _mark(con: sqlite3.Connection, store: Path) -> None:
    con.execute(f'CREATE TABLE "{_MARK}" (store TEXT NOT NULL, taken_at TEXT NOT NULL)')
    con.execute(f'INSERT INTO "{_MARK}" VALUES (?, ?)', (str(store.resolve()), utcnow().isoformat(" ")))
    con.commit()


def _backup_of(path: Path) -> str | None:
    """The store PATH is a backup of, if it is one of ours (read through SQLite, read-only)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute(f'SELECT store FROM "{_MARK}" LIMIT 1').fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _refuse_target(source: Path, target: Path) -> None:
    """Refuse a backup over the store's own files, over a directory, or over any file that is
    not an earlier backup of this same store (`wh backup notes.toml` replaced the notes)."""
    resolved = target.resolve()
    if resolved in store_files(source):
        raise InvalidInput(_("{target} is one of the store's own files ({source} and its -wal, -shm, "
                             "-journal): a backup goes to another file").format(target=target, source=source))
    if target.is_dir():
        raise InvalidInput(_("{target} is a directory: expected a file name for the backup").format(target=target))
    if target.exists() or target.is_symlink():
        if _backup_of(target) != str(source.resolve()):
            raise InvalidInput(_("{target} exists and is not an earlier backup of this store: nothing "
                                 "was written; give a new file name, or remove that file first").format(target=target))


def check_backup(path: str | os.PathLike, *, ledger: bool = True) -> int:
    """Refuse a file that is not a sound SQLite database of this application: damaged (SQLite's
    integrity check), of a schema this version does not know, or whose ledger and balances
    disagree (`wh verify`: a tampered file; LEDGER False skips that). Returns its schema version."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(_("no backup file {path}").format(path=path))
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            version = (con.execute('SELECT MAX(version) FROM "schema_version"').fetchone()[0]
                       if "schema_version" in tables else None)
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(_("{path} is not a SQLite database: {error}").format(path=path, error=exc)) from None
    if ok != "ok":
        raise InvalidInput(_("{path} is damaged: SQLite's integrity check says {result}").format(path=path, result=ok))
    if not {"movement", "balance", "schema_version"} <= tables:
        raise InvalidInput(_("{path} is a SQLite database but not a warehouse store: "
                             "expected the tables movement, balance and schema_version").format(path=path))
    from db.core.schema import CURRENT_VERSION
    if not isinstance(version, int) or not 1 <= version <= CURRENT_VERSION:
        raise InvalidInput(_("{path} has schema version {version}; this version of wh knows 1 to "
                             "{current}: restore it with the wh that made it").format(
                                 path=path, version=version, current=CURRENT_VERSION))
    if not ledger:
        return version
    result = _verify(path)
    if not result.consistent:
        shown = "; ".join(result.mismatches[:3])
        raise InvalidInput(_("{path} fails the ledger check ({summary}: {shown}): "
                             "it was changed outside wh or is damaged; nothing was restored").format(
                                 path=path, summary=result.summary(), shown=shown))
    return version


def _verify(path: Path):
    """`wh verify` on the file at PATH, opened read-only."""
    import peewee as pw
    from db.core.connection import bound
    from db.ledger.posting import verify
    db = pw.SqliteDatabase(f"file:{path}?mode=ro", uri=True)
    try:
        with bound(db):
            return verify()
    except pw.DatabaseError as exc:
        raise InvalidInput(_("{path} is not a store this version of wh can read: {error}").format(
            path=path, error=exc)) from None
    finally:
        db.close()


def backup_sqlite(url: str, target: str | os.PathLike) -> Path:
    """Copy the live SQLite store at URL to TARGET: a new file, or an earlier backup of this
    same store (never the store's own files nor anything else). Returns the target path."""
    source = sqlite_path(url)
    if source is None:
        raise RuleViolation(pg_dump_advice(url, str(target)))
    if not source.is_file():
        raise InvalidInput(_("no store at {source}: nothing to back up").format(source=source))
    target = Path(target)
    _refuse_target(source, target)
    # A name no one else uses, beside the target, so the rename into place is atomic.
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    src = sqlite3.connect(str(source), timeout=30)
    try:
        from db.core.files import create_private
        dst = create_private(tmp, lambda: sqlite3.connect(str(tmp)))
        try:
            _copy(src, dst)
            # The copy is a plain rollback-journal file: one file, nothing beside it to lose.
            dst.execute("PRAGMA journal_mode=DELETE")
            _mark(dst, source)
        finally:
            dst.close()
    finally:
        src.close()
    try:
        # Sound, of a version this wh knows; the ledger of a live store is not judged here: a
        # backup is wanted most when something is wrong.
        check_backup(tmp, ledger=False)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def keep_before_restore(url: str) -> Path | None:
    """Back the store at URL up under a name never used before (time and a random part),
    before a restore replaces it. None when there is no store file yet."""
    store = sqlite_path(url)
    if store is None or not store.is_file():
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    saved = store.with_name(f"{store.stem}.before-restore-{stamp}-{uuid.uuid4().hex[:8]}{store.suffix}")
    if saved.exists():       # a random part already taken: never write over it
        raise RuleViolation(_("{saved} exists already: nothing was restored").format(saved=saved))
    return backup_sqlite(url, saved)


def restore_sqlite(url: str, backup: str | os.PathLike) -> Path:
    """Replace the SQLite store at URL with the content of BACKUP, once it passed the checks
    (integrity, schema version, ledger), through the same online backup API (so stations that
    hold the store open see the restored pages, never a torn file). Stop the stations first:
    their unsent work would be overwritten."""
    target = sqlite_path(url)
    if target is None:
        raise RuleViolation(pg_dump_advice(url, str(backup)))
    backup = Path(backup)
    if backup.resolve() in store_files(target):
        raise InvalidInput(_("{backup} is one of the store's own files: expected a backup").format(backup=backup))
    check_backup(backup)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(str(target), timeout=30)
        try:
            _copy(src, dst)
            dst.execute("PRAGMA journal_mode=WAL")
            dst.execute(f'DROP TABLE IF EXISTS "{_MARK}"')    # the store is no backup
            dst.commit()
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
