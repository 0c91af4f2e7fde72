"""`wh backup` (SQLite online backup API, while a writer is busy) and `wh restore`, by round
trip; PostgreSQL gets the pg_dump advice without its password."""
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from db.io.backup import backup_sqlite, pg_dump_advice, restore_sqlite
from db.core.errors import InvalidInput
from db.ledger.posting import verify
from db.core.models import Movement
from db.inventory import move
from tests import factories as f

from tests import ROOT


@pytest.fixture
def shop(sqlite_store):
    f.warehouse()
    a = f.location("A-01")
    f.location("B-01")
    it = f.item("SOAP")
    f.operator("W1")
    f.give_stock(it, a, 100)
    return sqlite_store


def _count(path) -> int:
    con = sqlite3.connect(str(path))
    try:
        return con.execute("SELECT COUNT(*) FROM movement").fetchone()[0]
    finally:
        con.close()


def test_backup_while_a_writer_posts_is_consistent(shop, tmp_path):
    """A backup taken while another thread posts is a consistent snapshot: its ledger and its
    balances agree."""
    stop = threading.Event()
    posted = []

    def writer():
        from db.core.connection import database
        n = 0
        while not stop.is_set() and n < 200:
            n += 1
            move("SOAP", 1, "A-01" if n % 2 else "B-01", "B-01" if n % 2 else "A-01", operator="W1", key=f"w{n}")
            posted.append(n)
        database.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(posted) < 20:
            pass
        target = backup_sqlite(shop, tmp_path / "copy.db")
    finally:
        stop.set()
        t.join()
    assert target.is_file() and not (tmp_path / "copy.db.part").exists()
    from db.core.connection import bound
    import peewee
    copy = peewee.SqliteDatabase(str(target))
    with bound(copy):
        result = verify()
        assert result.consistent, result.mismatches
        assert result.movements >= 21   # the opening stock and at least 20 moves
    copy.close()


def test_round_trip_restore(shop, tmp_path):
    backup_sqlite(shop, tmp_path / "b.db")
    before = Movement.select().count()
    move("SOAP", 5, "A-01", "B-01", operator="W1")
    assert Movement.select().count() == before + 1
    restore_sqlite(shop, tmp_path / "b.db")
    from db.core.connection import database
    database.close()
    assert Movement.select().count() == before
    assert verify().consistent


def test_restore_refuses_what_is_not_a_store(shop, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InvalidInput, match="is not a SQLite database"):
        restore_sqlite(shop, junk)
    other = tmp_path / "other.db"
    con = sqlite3.connect(str(other))
    con.execute("CREATE TABLE t (x)")
    con.close()
    with pytest.raises(InvalidInput, match="not a warehouse store"):
        restore_sqlite(shop, other)
    with pytest.raises(InvalidInput, match="no backup file"):
        restore_sqlite(shop, tmp_path / "missing.db")
    assert verify().consistent and Movement.select().count() == 1


def test_pg_advice_never_shows_the_password():
    text = pg_dump_advice("postgresql://wh:Sup3rSecret@db.example:5432/site?schema=s1", "/tmp/x.dump")
    assert "Sup3rSecret" not in text
    assert "pg_dump" in text and "pg_restore" in text and "--schema=s1" in text
    assert "postgresql://wh@db.example:5432/site" in text


@pytest.mark.slow
def test_cli_backup_and_restore(shop, tmp_path):
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\n')
    env = {k: v for k, v in os.environ.items() if k != "WH_CONFIG"}

    def wh(*argv, db=shop):
        p = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", db, "--config", str(cfg), *argv],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    from db.core.connection import database
    database.close()
    code, out, err = wh("backup", str(tmp_path / "nightly.db"))
    assert code == 0 and "written to" in out, err
    first = _count(tmp_path / "nightly.db")
    code, _, err = wh("move", "--sku", "SOAP", "--qty", "3", "--from", "A-01", "--to", "B-01", "--operator", "W1")
    assert code == 0, err
    store_file = Path(shop[len("sqlite:///"):])
    assert _count(store_file) == first + 1
    code, out, err = wh("restore", str(tmp_path / "nightly.db"))
    assert code == 0 and "restored" in out, err
    assert _count(store_file) == first
    saved = list(store_file.parent.glob("store.before-restore-*.db"))
    assert len(saved) == 1 and _count(saved[0]) == first + 1   # the replaced store is kept
    code, out, _ = wh("verify")
    assert code == 0 and "consistent" in out
    # PostgreSQL: advice, exit 2, no password
    code, out, err = wh("backup", "x.dump", db="postgresql://wh:Sup3rSecret@127.0.0.1:1/test")
    assert code == 2 and "pg_dump" in out and "postgresql://wh@127.0.0.1:1/test" in out
    assert "Sup3rSecret" not in out + err
