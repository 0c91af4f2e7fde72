"""Issue 15 §5: `wh backup` writes over nothing but an earlier backup of the same store, never
over the store's own files (`wh backup store.db-wal` destroyed 20 acknowledged moves), and
`wh restore` refuses a damaged or tampered file with a clear message, keeping every store it
replaces under a name never used before."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.core.connection import database
from db.core.errors import InvalidInput
from db.core.models import Movement
from db.inventory import move
from db.io.backup import backup_sqlite, keep_before_restore, restore_sqlite
from db.ledger.posting import verify
from tests import ROOT
from tests import factories as f


@pytest.fixture
def shop(sqlite_store):
    f.warehouse()
    f.location("A-01"), f.location("B-01")
    f.give_stock(f.item("SOAP"), f.location("C-01"), 100)
    f.operator("W1")
    return sqlite_store


def store_path(url) -> Path:
    return Path(url[len("sqlite:///"):])


def moves() -> int:
    return Movement.select().where(Movement.kind == "move").count()


def test_a_backup_never_goes_over_the_stores_own_files(shop):
    for n in range(20):
        move("SOAP", 1, "C-01", "A-01", operator="W1", key=f"m{n}")
    store = store_path(shop)
    assert moves() == 20
    for name in (store, Path(f"{store}-wal"), Path(f"{store}-shm"), Path(f"{store}-journal"),
                 store.parent / "." / store.name):
        with pytest.raises(InvalidInput, match="one of the store's own files"):
            backup_sqlite(shop, name)
    # The 20 acknowledged moves are all there, and the store is sound.
    database.close()
    con = sqlite3.connect(str(store))
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert moves() == 20 and verify().consistent


def test_a_backup_never_goes_over_another_file(shop, tmp_path):
    notes = tmp_path / "notes.toml"
    notes.write_text("[notes]\nkeep = true\n")
    with pytest.raises(InvalidInput, match="not an earlier backup of this store"):
        backup_sqlite(shop, notes)
    assert notes.read_text() == "[notes]\nkeep = true\n"
    # Another SQLite database, even a backup of another store: refused too.
    other = tmp_path / "other.db"
    con = sqlite3.connect(str(other))
    con.execute("CREATE TABLE wh_backup_of (store TEXT, taken_at TEXT)")
    con.execute("INSERT INTO wh_backup_of VALUES ('/elsewhere/store.db', 'x')")
    con.commit()
    con.close()
    with pytest.raises(InvalidInput, match="not an earlier backup of this store"):
        backup_sqlite(shop, other)
    # An earlier backup of this same store is replaced by the new one.
    nightly = tmp_path / "nightly.db"
    backup_sqlite(shop, nightly)
    move("SOAP", 1, "C-01", "A-01", operator="W1", key="later")
    backup_sqlite(shop, nightly)
    con = sqlite3.connect(str(nightly))
    assert con.execute("SELECT count(*) FROM movement WHERE kind = 'move'").fetchone()[0] == 1
    con.close()
    assert not list(tmp_path.glob("*.part"))


def _copy_with(shop, tmp_path, name, sql=None) -> Path:
    path = tmp_path / name
    backup_sqlite(shop, path)
    if sql:
        con = sqlite3.connect(str(path))
        con.execute(sql)
        con.commit()
        con.close()
    return path


def test_restore_refuses_a_damaged_or_tampered_file(shop, tmp_path):
    move("SOAP", 5, "C-01", "A-01", operator="W1", key="before")
    flipped = _copy_with(shop, tmp_path, "flipped.db")
    data = bytearray(flipped.read_bytes())
    # A bit of every page's header after the first: its kind of page. (SQLite keeps no
    # checksums: a flipped bit inside a value is found only if the ledger no longer adds up.)
    for at in range(4096, len(data), 4096):
        data[at] ^= 0x10
    flipped.write_bytes(bytes(data))
    tampered = _copy_with(shop, tmp_path, "tampered.db", "UPDATE balance SET qty = qty + 50")
    newer = _copy_with(shop, tmp_path, "newer.db", "INSERT INTO schema_version (version, applied_at) "
                                                  "VALUES (999, '2030-01-01')")
    cases = [(flipped, "damaged|not a SQLite database|not a store"), (tampered, "fails the ledger check"),
             (newer, "schema version 999")]
    before = moves()
    for path, message in cases:
        with pytest.raises(InvalidInput, match=message):
            restore_sqlite(shop, path)
        assert moves() == before and verify().consistent      # nothing changed


def test_every_restore_keeps_the_store_it_replaces_under_a_new_name(shop, tmp_path):
    backup = _copy_with(shop, tmp_path, "b.db")
    kept = set()
    for n in range(3):                    # within the same second: three names all the same
        move("SOAP", 1, "C-01", "A-01", operator="W1", key=f"r{n}")
        saved = keep_before_restore(shop)
        restore_sqlite(shop, backup)
        database.close()
        kept.add(saved)
        con = sqlite3.connect(str(saved))
        assert con.execute("SELECT count(*) FROM movement WHERE kind = 'move'").fetchone()[0] == 1
        con.close()
    assert len(kept) == 3 and all(p.is_file() for p in kept)
    assert moves() == 0 and verify().consistent


@pytest.mark.slow
def test_cli_refusals_are_one_clear_line(shop, tmp_path):
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\n')
    env = {k: v for k, v in os.environ.items() if k != "WH_CONFIG"}
    database.close()

    def wh(*argv):
        p = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", shop, "--config", str(cfg), *argv],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    code, out, err = wh("backup", f"{store_path(shop)}-wal")
    assert code == 1 and "one of the store's own files" in err and "Traceback" not in err
    tampered = _copy_with(shop, tmp_path, "t.db", "UPDATE balance SET qty = qty + 1")
    code, out, err = wh("restore", str(tampered))
    assert code == 1 and "fails the ledger check" in err and "Traceback" not in err
    assert not list(store_path(shop).parent.glob("store.before-restore-*"))     # nothing replaced
