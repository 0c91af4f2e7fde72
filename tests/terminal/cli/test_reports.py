"""`wh report ...` and `wh reorder` print what the report functions compute, in every format."""
import csv
import io
import json
import os
import subprocess
import sys


from db.core.models import PurchaseOrder
from terminal.cli import main
from tests import factories as f
from tests import reports_data as r

from tests import ROOT
CONFIG = str(ROOT / "config.toml")


def wh(url, *args):
    return main(["--config", CONFIG, "--db", url, *args])


def build():
    loc = r.site()
    s1 = f.supplier("S1", lead=4)
    a = f.item("A", cost="2.00", reorder_point=10, max_qty=30, preferred_supplier=s1,
               barcodes=[("A-CASE", 6)])
    b = f.item("B", cost="1.00", reorder_point=1, max_qty=5)
    r.stock(a, loc["a1"], 3, r.at(r.d("2025-01-05")))
    r.stock(b, loc["a1"], 9, r.at(r.d("2025-01-05")))
    f.operator("W1")
    f.operator("BOSS", role="supervisor")
    _, (line,) = r.so("SO-1", f.customer("C1"), [(b, 2, "4.50")], created=r.at(r.d("2025-01-06")), status="shipped")
    r.ship(line, 2, r.at(r.d("2025-01-07")), loc["ship"], stock_from=loc["a1"])


def test_report_formats(sqlite_store, capsys):
    build()
    assert wh(sqlite_store, "report", "alerts", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    # A: 3 on hand < 10; B: 9 - 2 shipped = 7 > max 5.
    assert [(x["sku"], x["alert"], x["projected"], x["gap"]) for x in rows] == [
        ("A", "below reorder point", 3, 7), ("B", "above max", 7, 2)]
    assert wh(sqlite_store, "report", "sales", "--by", "item", "--format", "csv",
              "--from", "2025-01-01", "--to", "2025-01-31") == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(x["sku"], x["qty"], x["revenue"]) for x in table] == [("B", "2", "9.0")]
    assert wh(sqlite_store, "report", "value") == 0
    out = capsys.readouterr().out
    assert "Stock value" in out and "7.00" in out and "6.00" in out   # B 7 x 1.00, A 3 x 2.00
    for name in ("suppliers", "settlement", "customers", "turnover", "dead-stock", "ageing", "counts"):
        assert wh(sqlite_store, "report", name, "--format", "json") == 0, name
        assert isinstance(json.loads(capsys.readouterr().out), list)


def test_abc_saves_unless_no_save(sqlite_store, capsys):
    build()
    assert wh(sqlite_store, "report", "abc", "--from", "2025-01-01", "--to", "2025-01-31", "--no-save") == 0
    assert "NOT saved" in capsys.readouterr().out
    from db.core.models import Item
    assert Item.get(Item.sku == "B").abc_class is None
    assert wh(sqlite_store, "report", "abc", "--from", "2025-01-01", "--to", "2025-01-31", "--format", "csv") == 0
    assert Item.get(Item.sku == "B").abc_class == "A" and Item.get(Item.sku == "A").abc_class == "C"


def test_bad_dates_are_refused(sqlite_store, capsys):
    assert wh(sqlite_store, "report", "sales", "--from", "2025-13-01") == 2
    assert "--from must be a date as YYYY-MM-DD, got '2025-13-01'" in capsys.readouterr().err
    assert wh(sqlite_store, "report", "sales", "--from", "2025-02-01", "--to", "2025-01-01") == 2
    assert "after" in capsys.readouterr().err


def test_reorder_dry_run_then_create(sqlite_store, capsys):
    build()
    assert wh(sqlite_store, "reorder", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    # A: up to max 30 - 3 = 27 -> cases of 6 -> 30 from S1.
    assert [(x["supplier"], x["sku"], x["qty"], x["rule"]) for x in rows] == [("S1", "A", 30, "up to max")]
    assert not PurchaseOrder.select().exists()
    assert wh(sqlite_store, "reorder", "--create") == 2
    assert "--operator" in capsys.readouterr().err
    assert wh(sqlite_store, "reorder", "--create", "--operator", "W1") == 1
    assert "W1 is a worker" in capsys.readouterr().err
    assert wh(sqlite_store, "reorder", "--create", "--operator", "BOSS", "--format", "json") == 0
    created = json.loads(capsys.readouterr().out)
    assert [(x["supplier"], x["status"], x["lines"]) for x in created] == [("S1", "draft", 1)]
    assert created[0]["po"].startswith("PO-R")
    assert PurchaseOrder.get(PurchaseOrder.number == created[0]["po"]).status == "draft"


def test_wh_report_in_a_subprocess(store):
    """The real command line against the real store (SQLite file or PostgreSQL schema)."""
    build()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "terminal.cli", "--config", CONFIG, "--db", store,
                           "reorder", "--create", "--release", "--operator", "BOSS", "--format", "csv"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(x["supplier"], x["status"]) for x in rows] == [("S1", "open")]
    done = subprocess.run([sys.executable, "-m", "terminal.cli", "--config", CONFIG, "--db", store,
                           "report", "alerts", "--format", "csv"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    # A is now 3 on hand + 30 on order = 33 > max 30: the case rounding overshoots; B still over.
    assert [(x["sku"], x["alert"], x["projected"]) for x in csv.DictReader(io.StringIO(done.stdout))] == [
        ("A", "above max", "33"), ("B", "above max", "7")]
