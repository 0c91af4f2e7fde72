"""Issue 15 §6: every `wh` command, given hostile arguments and files, ends with exit code 1
or 2 and one clear message (or, for a read-only command that finds nothing wrong with its
input, exit 0 with nothing raw sent to the terminal), never a traceback, and the store is
unchanged.

The commands are enumerated from the argparse parser (terminal/cli), so a new command is
covered without touching this file. Most runs are in-process `main([...])` calls (fast); a few
real processes check what only a process shows (argv bytes that are not UTF-8, exit codes).
"""
from __future__ import annotations

import argparse
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from db.core.connection import database
from db.core.models import Balance, Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from db.masterdata import security
from terminal.cli import build_parser, main
from tests import ROOT
from tests import factories as f

# Commands that do not return by themselves: each is covered by its own tests.
SKIP = {("run",): "the full-screen station app (tests/terminal/app)",
        ("scanner", "listen"): "prints scans until Ctrl+C (tests/devices/test_listen.py)"}


def leaves(parser: argparse.ArgumentParser, path=()):
    """(command path, its parser) for every command that runs something."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from leaves(child, path + (name,))
            return
    if path:
        yield path, parser


COMMANDS = [(path, p) for path, p in leaves(build_parser()) if path not in SKIP]

# Hostile values for any argument: numbers past every bound, nan/inf, escape sequences and
# bidi overrides, markup, SQL, a 200 kB value, an impossible date, path tricks.
HOSTILE = [
    "9223372036854775807", "2147483647", "-2147483647", "-9223372036854775809", "99999999999999999999999999",
    "1e999", "nan", "-inf",
    "-1", "0", "\x1b[31m\x1b]0;owned\x07RED\x1b[2J", "A\u202eB\u200bC", "'; DROP TABLE movement; --",
    "", "x" * 200_000, "=HYPERLINK(\"http://evil.example\")", "../../../../etc/passwd", "[bold]x[/",
    "%s%n{0}", "2026-02-30",
]


def _files(root: Path, backup: Path) -> list[str]:
    """Hostile files: what imports, uploads and restores are given."""
    d = root / "files"
    d.mkdir()
    out = {
        "big_cell.csv": b"sku,name\nA1," + b"y" * 200_000 + b"\n",
        "nul.csv": b"sku,name\nA\x001,Nul name\n",
        "latin1.csv": "sku,name\nA1,Caf\xe9\n".encode("latin-1"),
        "overflow.csv": b"sku,location,qty\nSOAP,A-01,9223372036854775807\n",
        "overflow_pg.csv": b"sku,location,qty\nSOAP,A-01,2147483648\n",
        "negative.csv": b"sku,location,qty\nSOAP,A-01,-5\n",
        "codes.csv": "code,name,role\nW\u200b1,Zero width,supervisor\nX\x1b[31m,Esc,worker\n".encode(),
        "formula.csv": b"sku,name\n=cmd|'/c calc'!A1,Evil\n",
        "many_columns.csv": b"sku,name\n" + b",".join([b"a"] * 5000) + b"\n",
        "empty.csv": b"",
        "not_sqlite.db": b"SQLite format 3\x00" + os.urandom(4096),
    }
    paths = []
    for name, data in out.items():
        (d / name).write_bytes(data)
        paths.append(str(d / name))
    flipped = d / "bitflip.db"
    data = bytearray(backup.read_bytes())
    for at in range(200, len(data), 997):      # bits flipped across every page
        data[at] ^= 0x10
    flipped.write_bytes(bytes(data))
    (d / "a_folder").mkdir()
    return paths + [str(flipped), str(d / "a_folder"), str(d / "missing.csv")]


def dump() -> tuple:
    """Balances and movements, all of their columns: equal before and after means unchanged."""
    return (tuple(Movement.select().order_by(Movement.id).tuples()),
            tuple(Balance.select().order_by(Balance.id).tuples()))


@pytest.fixture
def site(sqlite_store, tmp_path, monkeypatch):
    f.warehouse()
    a1 = f.location("A-01")
    f.location("A-02")
    f.location("DOCK", kind="receiving", zone="R")
    f.location("SHIP", kind="shipping", zone="S")
    soap = f.item("SOAP", name="Soap \x1b[31mred\x1b[0m \u202eevil")
    f.give_stock(soap, a1, 50)
    f.operator("W1")
    f.operator("S1", role="supervisor")
    security.set_pin("S1", "4711")
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier())
    PurchaseOrderLine.create(po=po, line_no=1, item=soap, qty_ordered=10, unit_cost=1)
    so = SalesOrder.create(number="SO-1", customer=f.customer())
    SalesOrderLine.create(so=so, line_no=1, item=soap, qty_ordered=5, unit_price=2)
    database.close()
    store = Path(sqlite_store[len("sqlite:///"):])
    backup = tmp_path / "good-backup.db"
    from db.io.backup import backup_sqlite
    backup_sqlite(sqlite_store, backup)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)        # files a command writes land here
    monkeypatch.delenv("WH_CONFIG", raising=False)
    monkeypatch.delenv("WH_PIN", raising=False)
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-FUZZ"\nwarehouse = "WH1"\n')
    return sqlite_store, cfg, _files(tmp_path, backup), store


def run(url, cfg, argv, capsys, monkeypatch, config=None):
    monkeypatch.setattr(sys, "stdin", io.StringIO("0000\n"))
    try:
        code = main(["--db", url, "--config", str(config or cfg), *argv])
    except SystemExit as exc:          # argparse refusing the arguments
        code = exc.code
    finally:
        database.close()
    out, err = capsys.readouterr()
    return code, out, err


# Characters that must never reach a terminal raw: C0 controls but tab and newline, DEL, C1.
RAW = {chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7f, 0xa0)]} | {"\u202e"}


def check(code, out, err, argv):
    shown = [a[:60] for a in argv]
    assert "Traceback" not in out + err, (shown, err[-2000:])
    assert code in (0, 1, 2), (shown, code, err[-500:])
    if code:
        # `wh decode` reports an unknown barcode on standard output, as part of its answer
        lines = [l for l in err.splitlines() if l.strip()] or [l for l in out.splitlines() if "error" in l]
        assert lines, (shown, "no message")
        first = lines[0]
        assert first.startswith(("error: ", "usage: ", "wh", "note: ", "{")) or argv[0] == "decode", (shown, first[:300])
        # one message: argparse prints usage + one error line; ours one line (an import lists its rows)
        assert sum(l.startswith("error: ") or ": error: " in l for l in lines) <= 1, (shown, err[:500])
    data = argv[0] == "export" or any(a in ("csv", "json") for a in argv)
    if not data:      # CSV and JSON are data, exact when piped; on a terminal escaped (screen_safe)
        assert not RAW & set(out + err), (shown, "a raw control character reached the terminal", out[:300])


def argv_for(path, parser, pick) -> list[str]:
    """The arguments of one run of command PATH: each argument's value from PICK(action)."""
    argv = list(path)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        value = pick(action)
        if value is None:
            continue
        if action.nargs == 0:
            if value:
                argv.append(action.option_strings[0])
        elif action.option_strings:
            argv += [action.option_strings[0], value]
        else:
            argv.append(value)
    return argv


def _is_file(action) -> bool:
    return (action.metavar or action.dest or "").upper() in ("FILE", "FILE.CSV", "PATH") or action.dest in ("file", "path")


# The table's values: one of each kind of trouble (Hypothesis draws from all of HOSTILE).
TABLE = ["9223372036854775807", "2147483647", "-9223372036854775809", "nan", "-1", "\x1b[31m\x1b]0;owned\x07RED\x1b[2J",
         "A\u202eB\u200bC", "", "x" * 200_000, "[bold]x[/", "2026-02-30"]


def _table_runs(files):
    """Every command × every value of TABLE (files for file arguments), all its arguments that
    one value, valid choices where there are choices."""
    for path, parser in COMMANDS:
        for n, value in enumerate(TABLE):
            def pick(action, value=value, n=n):
                if action.nargs == 0:
                    return False
                if action.choices is not None:
                    choices = list(action.choices)
                    return choices[n % len(choices)]
                if _is_file(action):
                    return files[n % len(files)]
                if action.required or not action.option_strings or n % 2:
                    return value
                return None
            yield argv_for(path, parser, pick)


@pytest.mark.slow
def test_every_command_with_hostile_arguments_and_files(site, capsys, monkeypatch):
    url, cfg, files, _ = site
    from db.core.connection import open_database
    open_database(url).connect(reuse_if_open=True)
    before = dump()
    database.close()
    runs = list(_table_runs(files))
    assert len({tuple(r[:2]) for r in runs}) >= 40, "the parser lists every command"
    for argv in runs:
        code, out, err = run(url, cfg, argv, capsys, monkeypatch)
        check(code, out, err, argv)
    open_database(url).connect(reuse_if_open=True)
    assert dump() == before, "a hostile command changed the store"


@pytest.mark.slow
def test_hypothesis_mixes_hostile_values_per_argument(site, capsys, monkeypatch):
    url, cfg, files, _ = site
    from db.core.connection import open_database
    open_database(url).connect(reuse_if_open=True)
    before = dump()
    database.close()

    @settings(max_examples=100, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(COMMANDS), st.data())
    def one(command, data):
        path, parser = command

        def pick(action):
            if action.nargs == 0:
                return data.draw(st.booleans())
            if action.choices is not None:
                return data.draw(st.sampled_from(list(action.choices) + ["bogus"]))
            if not action.required and action.option_strings and data.draw(st.booleans()):
                return None
            pool = files + HOSTILE if _is_file(action) else HOSTILE + ["W1", "S1", "SOAP", "A-01", "PO-1", "SO-1", "1"]
            return data.draw(st.one_of(st.sampled_from(pool), st.text(max_size=30)))
        argv = argv_for(path, parser, pick)
        code, out, err = run(url, cfg, argv, capsys, monkeypatch)
        check(code, out, err, argv)
    one()
    open_database(url).connect(reuse_if_open=True)
    assert dump() == before, "a hostile command changed the store"


def test_hostile_config_files_are_one_clear_error(site, capsys, monkeypatch, tmp_path):
    url, cfg, _, _ = site
    cases = {
        "latin1.toml": ('[station]\nid = "Caf\xe9"\n'.encode("latin-1"), "not UTF-8 text"),
        "list_types.toml": (b'[wedge]\nsuffix_keys = ["enter", 5]\n', "wedge.suffix_keys must be a list of str; item 2 is 5"),
        "list_nested.toml": (b'[barcodes]\nseparator_chars = [["x"]]\n', "barcodes.separator_chars must be a list of str"),
        "nan.toml": (b'[receiving]\nover_receipt_tolerance_pct = nan\n', "must be a finite number"),
        "inf.toml": (b'[scanner]\nreconnect_max_s = inf\n', "must be a finite number"),
        "huge.toml": (b'[database]\nbusy_timeout_ms = 9223372036854775807\n', "must be between 0 and"),
        "negative.toml": (b'[security]\nmax_pin_attempts = -3\n', "must be between 0 and"),
        "folder.toml": (None, "is not a file"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        if data is None:
            path.mkdir()
        else:
            path.write_bytes(data)
        for argv in (["stock"], ["verify"], ["decode", "X"]):
            code, out, err = run(url, cfg, argv, capsys, monkeypatch, config=path)
            assert code == 2 and message in err and "Traceback" not in err, (name, err)
            assert err.count("\n") == 1, (name, err)


@pytest.mark.parametrize("argv, message", [
    (["import", "stock"], "row 2, column qty: expected a quantity of at most 2147483647"),
    (["move", "--sku", "SOAP", "--qty", "9223372036854775807", "--from", "A-01", "--to", "A-02",
      "--operator", "W1"], "--qty 9223372036854775807 is out of range: at most 2147483647"),
    (["undo", "99999999999999999999", "--operator", "W1"], "argument MOVEMENT_ID: expected a whole number between"),
    (["count", "show", "2147483647"], "unknown count 2147483647"),
])
def test_overflowing_numbers_are_refused_with_where(store, tmp_path, capsys, monkeypatch, argv, message):
    """On both backends (PostgreSQL refused past 2^31 - 1 with a traceback, SQLite turned the
    balance into a float)."""
    f.warehouse()
    f.location("A-01"), f.location("A-02")
    f.give_stock(f.item("SOAP"), f.Location.get(code="A-01"), 5)
    f.operator("W1"), f.operator("S1", role="supervisor")
    database.close()
    big = tmp_path / "big.csv"
    big.write_bytes(b"sku,location,qty\nSOAP,A-01,9223372036854775807\n")
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-FUZZ"\n')
    if argv[0] == "import":
        argv = argv + [str(big), "--operator", "S1"]
    code, out, err = run(store, cfg, argv, capsys, monkeypatch)
    assert code in (1, 2) and message in err and "Traceback" not in err, err
    from db.core.connection import open_database
    open_database(store).connect(reuse_if_open=True)
    assert Movement.select().count() == 1


def test_a_balance_never_passes_its_bound(store):
    """Two imports that each fit, together past 2^31 - 1: the second is refused, the balance
    stays an integer on both backends."""
    from db.core.errors import InvalidInput
    from db.io.importer import import_csv
    f.warehouse()
    f.location("A-01")
    f.item("SOAP")
    f.operator("S1", role="supervisor")
    import_csv("stock", b"sku,location,qty\nSOAP,A-01,2000000000\n", operator="S1")
    with pytest.raises(InvalidInput, match="SOAP at A-01 holds 2000000000: 200000000 more would pass the bound"):
        import_csv("stock", b"sku,location,qty\nSOAP,A-01,200000000\n", operator="S1")
    from db.ledger.posting import verify
    assert verify().consistent
    assert Balance.get(Balance.location == f.Location.get(code="A-01").id).qty == 2000000000


def test_nul_bytes_and_huge_cells_in_imports(store):
    from db.io.importer import ImportFailed, import_csv
    with pytest.raises(ImportFailed) as nul:
        import_csv("items", b"sku,name\nA1,Nul\x00name\n")
    assert nul.value.errors == ["row 2: the file holds a NUL byte: it is not a text file"]
    with pytest.raises(ImportFailed) as big:
        import_csv("items", b"sku,name\nA1," + b"y" * 200_000 + b"\n")
    assert big.value.errors[0].startswith("row 2: cannot read this row: field larger than field limit")
    with pytest.raises(ImportFailed) as codes:
        import_csv("items", "sku,name\nA\u200b1,Zero\nB\u202e2,Bidi\nC\x1b3,Esc\nD\x7f4,Del\n".encode())
    assert codes.value.errors == [
        "row 2, column sku: a code of visible characters only, got 'A\\u200b1' (holds U+200B)",
        "row 3, column sku: a code of visible characters only, got 'B\\u202e2' (holds U+202E)",
        "row 4, column sku: a code of visible characters only, got 'C\\x1b3' (holds U+001B)",
        "row 5, column sku: a code of visible characters only, got 'D\\x7f4' (holds U+007F)"]
    from db.core.models import Item
    assert Item.select().count() == 0


# --- real processes -----------------------------------------------------------------------------

def _wh(url, cfg, *argv: bytes | str):
    env = {k: v for k, v in os.environ.items() if k not in ("WH_CONFIG", "WH_PIN")}
    args = [os.fsencode(a) if isinstance(a, str) else a for a in argv]
    proc = subprocess.run([sys.executable.encode(), b"-m", b"terminal.cli", b"--db", url.encode(),
                           b"--config", str(cfg).encode(), *args],
                          capture_output=True, cwd=ROOT, env=env, timeout=60)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


@pytest.mark.slow
def test_processes_invalid_utf8_argv_and_a_bit_flipped_backup(site):
    url, cfg, files, store = site
    code, out, err = _wh(url, cfg, "decode", b"\xff\xfeABC")
    assert code == 2 and err == "error: argument 6 ('\\xff\\xfeABC') is not UTF-8 text\n", err
    code, out, err = _wh(url, cfg, "stock", "--item", b"SO\xc3AP")
    assert code == 2 and "is not UTF-8 text" in err and "Traceback" not in err
    flipped = next(p for p in files if p.endswith("bitflip.db"))
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    movements = con.execute("SELECT count(*) FROM movement").fetchone()[0]
    con.close()
    code, out, err = _wh(url, cfg, "restore", flipped, "--operator", "S1", "--pin", "4711")
    assert code == 1 and "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    assert con.execute("SELECT count(*) FROM movement").fetchone()[0] == movements
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    code, out, err = _wh(url, cfg, "import", "items", next(p for p in files if p.endswith("big_cell.csv")))
    assert code == 1 and "row 2: cannot read this row" in err and "Traceback" not in err


def test_names_with_escape_sequences_reach_a_table_as_text(site, capsys, monkeypatch):
    url, cfg, _, _ = site
    code, out, err = run(url, cfg, ["stock"], capsys, monkeypatch)
    cells = "".join(ch for ch in out if not ch.isspace() and ch not in "│┃")     # a long name wraps in its cell
    assert code == 0 and "\\x1b[3" in cells and "\\u202eevil" in cells
    assert not RAW & set(out)
    code, out, err = run(url, cfg, ["stock", "--format", "json"], capsys, monkeypatch)
    assert code == 0 and '"Soap \\u001b[31mred\\u001b[0m \u202eevil"' in out    # data, exact when piped
