"""The core stays free of the UI: db/ and devices/ never import textual."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_does_not_import_textual():
    code = (
        "import importlib, pkgutil, sys\n"
        "import db, devices\n"
        "for pkg in (db, devices):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"


def test_store_url_never_shows_a_password():
    from db.core.connection import describe_url
    shown = describe_url("postgresql://wh:s3cret@db.example:5433/stock")
    assert "s3cret" not in shown
    assert shown == "postgresql://wh@db.example:5433/stock"


# Files of the product that may name SQLite's side files, and why: none of them opens one.
SIDE_FILE_NAMES_ALLOWED = {
    "db/io/backup.py": "refuses to write a backup over the store's own files (compares paths)",
    "bench/common.py": "removes a private copy's leftovers before making it again",
    "bench/generate.py": "removes a half-made store's leftovers before making it again",
    "bench/figures/importing.py": "removes a private store's leftovers before making it again",
}


def test_nothing_but_sqlite_opens_the_stores_files():
    """Issue 15 §1: reading the WAL index (-shm) from Python killed the station with SIGBUS.
    No module of the product names SQLite's side files, but those that only compare or remove
    paths of stores no one has open; and no module opens the index by its layout."""
    import re
    named = re.compile(r"""["'](-shm|-wal|-journal)["']""")
    found = {}
    for package in ("db", "terminal", "devices", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT).as_posix()
            if named.search(text) and rel not in SIDE_FILE_NAMES_ALLOWED:
                found[rel] = named.search(text).group(0)
            assert "wal_index" not in text and "walformat" not in text, rel
    assert found == {}
