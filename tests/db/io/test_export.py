"""Export writes the import shapes: an export re-imports cleanly into a fresh store and exports
the same again. Plus JSON, the ledger, and the commands as a user runs them."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys

import pytest

from db.io import exporter
from db.core.connection import database
from db.io.demo import seed_demo
from db.io.importer import SPECS, import_csv
from db.ledger.posting import verify
from tests import conftest
from tests import factories as f

from tests import ROOT
TODAY = dt.date(2026, 3, 16)
ORDER = ["suppliers", "customers", "operators", "locations", "items", "barcodes", "units",
         "purchase-orders", "sales-orders", "stock"]


def export_text(kind, fmt="csv"):
    out = io.StringIO()
    exporter.write(kind, fmt, out)
    return out.getvalue()


def wh(url, *args, ok=True):
    proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", url, *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def second_store(store, tmp_path):
    """A factory for a second fresh store on the same backend as STORE."""
    made = []

    def make():
        database.close()
        if store.startswith("sqlite"):
            path = tmp_path / "second"
            path.mkdir()
            return conftest.make_sqlite_store(path)
        url, schema = conftest.make_pg_store()
        made.append(schema)
        return url

    yield make
    for schema in made:
        conftest.drop_pg_schema(schema)


@pytest.mark.slow
def test_every_kind_round_trips_through_a_fresh_store(store, second_store, tmp_path):
    seed_demo(seed=7, today=TODAY)
    first = {kind: export_text(kind) for kind in ORDER}
    for kind in ORDER:
        assert first[kind].splitlines()[0] == ",".join(SPECS[kind].names)
        assert len(first[kind].splitlines()) > 1, kind
        (tmp_path / f"{kind}.csv").write_text(first[kind], encoding="utf-8")

    second_store()
    for kind in ORDER:     # the demo's supervisor S1 (no PIN in the new store) imports the stock
        import_csv(kind, tmp_path / f"{kind}.csv", operator="S1")
    assert verify().consistent
    for kind in ORDER:
        assert export_text(kind) == first[kind], kind
    # Master data re-imported over itself changes nothing and duplicates nothing.
    for kind in ["suppliers", "customers", "operators", "locations", "items", "barcodes", "units"]:
        result = import_csv(kind, tmp_path / f"{kind}.csv", operator="S1")
        assert result.created == 0 and result.updated == result.rows
        assert export_text(kind) == first[kind], kind


def test_csv_cells_and_json_values(store):
    f.supplier("SUP1")
    f.item("A1", name='Juice "Sunny", 1 L', cost="1.2", price="2.4999", lot=True,
           preferred_supplier=f.supplier("SUP1"))
    text = export_text("items")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [{"sku": "A1", "name": 'Juice "Sunny", 1 L', "uom": "EA", "unit_cost": "1.20",
                     "unit_price": "2.4999", "reorder_point": "0", "reorder_qty": "0", "max_qty": "0",
                     "lot_tracked": "true", "expiry_tracked": "false", "supplier": "SUP1",
                     "min_shelf_life_days": "0", "decimals": "0"}]
    data = json.loads(export_text("items", "json"))
    assert data == [{"sku": "A1", "name": 'Juice "Sunny", 1 L', "uom": "EA", "unit_cost": 1.2,
                     "unit_price": 2.4999, "reorder_point": 0, "reorder_qty": 0, "max_qty": 0,
                     "lot_tracked": True, "expiry_tracked": False, "supplier": "SUP1",
                     "min_shelf_life_days": 0, "decimals": 0}]
    assert json.loads(export_text("customers", "json")) == []


def test_movements_export_is_the_ledger(store):
    f.warehouse("WH1")
    a, b = f.location("A-01"), f.location("B-01")
    milk = f.item("MILK", expiry=True)
    lot = f.lot(milk, "L1", "2030-01-01")
    first = f.give_stock(milk, a, 5, lot)
    from db.ledger.posting import Posting, post, reverse
    moved = post(Posting(item=milk, qty=2, from_location=a, to_location=b, lot=lot, kind="move",
                         operator="W1", station="ST-9", document="TR-1", reason="tidy"))
    undo = reverse(moved.id, operator="S1")
    rows = list(csv.DictReader(io.StringIO(export_text("movements"))))
    assert [r["id"] for r in rows] == [str(first.id), str(moved.id), str(undo.id)]
    assert rows[1] == {"id": str(moved.id), "at": moved.created_at.isoformat(timespec="seconds"),
                       "sku": "MILK", "lot": "L1", "from": "A-01", "to": "B-01", "qty": "2", "kind": "move",
                       "operator": "W1", "station": "ST-9", "document": "TR-1", "reason": "tidy", "reverses": ""}
    assert (rows[2]["from"], rows[2]["to"], rows[2]["reverses"]) == ("B-01", "A-01", str(moved.id))
    # @ starts a formula in a spreadsheet: the virtual location is neutralised like any text
    assert rows[0]["from"] == "'@GAIN" and rows[0]["kind"] == "opening"


def test_stock_export_holds_physical_balances_only(store):
    f.warehouse("WH1")
    a = f.location("A-01")
    it = f.item("P1")
    f.give_stock(it, a, 7)
    assert export_text("stock") == "sku,location,qty,lot,expiry\nP1,A-01,7,,\n"
    assert "@" not in export_text("locations")


def test_import_and_export_commands(sqlite_store, tmp_path):
    url = sqlite_store
    good = tmp_path / "sup.csv"
    good.write_text("code,name,lead_time_days,contact\nS1,Acme,4,x@acme.example\n", encoding="utf-8")
    proc = wh(url, "import", "suppliers", str(good))
    assert "imported suppliers: 1 row, 1 created, 0 updated" in proc.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,lead_time_days\nS2,Beta,soon\nS3,,2\n", encoding="utf-8")
    proc = wh(url, "import", "suppliers", str(bad), ok=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"error: {bad}: 2 errors; nothing was imported",
        "  row 2, column lead_time_days: expected a whole number, got 'soon'",
        "  row 3, column name: a value is required"]

    proc = wh(url, "export", "suppliers")
    assert proc.stdout == "code,name,lead_time_days,contact,terms_days\nS1,Acme,4,x@acme.example,\n"
    out = tmp_path / "out.json"
    proc = wh(url, "export", "suppliers", "--format", "json", "--out", str(out))
    assert json.loads(out.read_text(encoding="utf-8")) == [
        {"code": "S1", "name": "Acme", "lead_time_days": 4, "contact": "x@acme.example", "terms_days": None}]
    assert "exported 1 suppliers row to" in proc.stderr

    proc = wh(url, "import", "suppliers", str(tmp_path / "missing.csv"), ok=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr
