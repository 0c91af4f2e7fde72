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


# --- import contracts, read from the source (docs/architecture.md says why) ---------------------

import ast  # noqa: E402

# Calls that write. On a model class (`Item.update(...)`): peewee's writing queries; on
# anything: saving an instance, transactions and raw SQL; called bare: the store's write transaction.
MODEL_WRITES = {"create", "get_or_create", "insert", "insert_many", "insert_from", "replace", "update", "delete",
                "delete_by_id", "bulk_create", "bulk_update"}
ANY_WRITES = {"save", "delete_instance", "atomic", "execute_sql", "create_table", "create_tables", "drop_table",
              "drop_tables", "write_transaction"}


def _modules(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imports(tree: ast.AST, path) -> set[str]:
    """Every module TREE imports, at any depth (lazy imports inside functions too), absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                out.add(".".join(base + ([node.module] if node.module else [])))
            else:
                out.add(node.module)
    return out


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}"
            for path, tree in _modules(folder) for name in sorted(_imports(tree, path))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_db_and_devices_never_import_the_terminal_or_textual():
    assert _offenders("db", ("terminal", "textual")) == []
    assert _offenders("devices", ("terminal", "textual")) == []


def test_devices_never_import_the_store():
    assert _offenders("devices", ("db",)) == []


def test_flows_never_import_textual_nor_the_orm():
    """Flows are plain state machines over the domain packages' functions."""
    assert _offenders("terminal/flows", ("textual", "db.core.models", "db.counts.models", "peewee")) == []


def _writes(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    f = node.func
    if isinstance(f, ast.Name) and f.id in ANY_WRITES:
        return f.id
    if isinstance(f, ast.Attribute):
        if f.attr in ANY_WRITES:
            return f.attr
        if f.attr in MODEL_WRITES and isinstance(f.value, ast.Name) and f.value.id[:1].isupper():
            return f"{f.value.id}.{f.attr}"
    return None


def test_reports_never_write():
    """db/reports only reads: what a report works out and someone saves (ABC classes, draft POs)
    is written by the domain that owns it."""
    calls = [f"{path.relative_to(ROOT)}:{node.lineno} calls {_writes(node)}"
             for path, tree in _modules("db/reports") for node in ast.walk(tree) if _writes(node)]
    assert calls == []


def test_the_write_check_sees_writes():
    seen = [_writes(ast.parse(code).body[0].value) for code in
            ("Item.update(abc_class='A')", "row.save()", "write_transaction()", "database.atomic()", "row.update(a=1)")]
    assert seen == ["Item.update", "save", "write_transaction", "atomic", None]


def test_no_grab_bag_modules():
    names = [p.relative_to(ROOT) for folder in ("db", "devices", "terminal") for p in (ROOT / folder).rglob("*.py")
             if p.stem.endswith(("_support", "_common")) or p.stem == "operations"]
    assert names == []
