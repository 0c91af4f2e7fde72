"""The operations commands of `wh`, run as real subprocesses against SQLite and PostgreSQL."""
import csv
import io
import json
import os
import subprocess
import sys

import pytest

from db.core.models import (Item, Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine)
from tests import factories as f

from tests import ROOT


@pytest.fixture
def wh(store, tmp_path):
    """Run `wh --db URL --config CFG ...`; returns (exit code, stdout, stderr)."""
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\nwarehouse = "WH1"\n\n[receiving]\nover_receipt_tolerance_pct = 10.0\n')
    env = {k: v for k, v in os.environ.items() if k != "WH_CONFIG"}

    def run(*argv):
        proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", store, "--config", str(cfg), *argv],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr
    f.operator("W1")
    f.operator("S1", role="supervisor")
    f.location("DOCK", kind="receiving", zone="R")
    f.location("QUAR", kind="quarantine", zone="Q")
    f.location("SHIP", kind="shipping", zone="S", seq=900)
    f.location("A-01", seq=1)
    f.location("A-02", seq=2)
    return run


def verify_ok(run):
    code, out, _ = run("verify")
    assert code == 0 and out.startswith("ledger consistent:"), out


def test_receive_and_po_close(wh):
    sup = f.supplier()
    it = f.item("A1")
    po = PurchaseOrder.create(number="PO-1", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=24, unit_cost=2)
    code, out, err = wh("receive", "--po", "PO-1", "--sku", "A1", "--qty", "20", "--reject", "2",
                        "--reason", "DAMAGED", "--operator", "W1", "--key", "r1")
    assert code == 0, err
    assert "received movement" in out and "DOCK" in out and "rejected" in out and "QUAR" in out
    assert "PO-1 line 1: 20 accepted, 2 rejected of 24 ordered; order partial" in out
    m = Movement.get(Movement.idempotency_key == "r1")
    assert (m.station, m.operator, m.qty) == ("ST-CLI", "W1", 20)
    # over-receipt: 22 arrived of 24, at most 26 with 10%
    code, out, err = wh("receive", "--po", "PO-1", "--sku", "A1", "--qty", "5", "--operator", "W1")
    assert code == 1 and "over-receipt refused" in err and "at most 26" in err and "got 5 more" in err
    code, out, err = wh("receive", "--po", "PO-1", "--sku", "A1", "--qty", "4", "--operator", "W1")
    assert code == 0 and "warning: over-receipt: 26 of 24 ordered (within the 10% tolerance)" in err
    code, out, err = wh("receive", "--sku", "A1", "--qty", "1", "--operator", "W1")
    assert code == 2 and "--supplier" in err
    code, out, err = wh("po", "close", "PO-1", "--backorder")
    assert code == 0 and "nothing was left to backorder" in out
    assert PurchaseOrder.get(number="PO-1").status == "closed"
    verify_ok(wh)


def test_receive_lot_and_expiry(wh):
    f.supplier()
    f.item("E1", expiry=True)
    code, _, err = wh("receive", "--supplier", "SUP1", "--sku", "E1", "--qty", "3", "--lot", "L1", "--operator", "W1")
    assert code == 1 and "E1 is expiry-tracked: an expiry date is required" in err
    code, _, err = wh("receive", "--supplier", "SUP1", "--sku", "E1", "--qty", "3", "--lot", "L1",
                      "--expiry", "31/12/2027", "--operator", "W1")
    assert code == 2 and "--expiry must be a date as YYYY-MM-DD, got '31/12/2027'" in err
    code, out, err = wh("receive", "--supplier", "SUP1", "--sku", "E1", "--qty", "3", "--lot", "L1",
                        "--expiry", "2027-12-31", "--location", "A-01", "--operator", "W1")
    assert code == 0 and "lot L1 @SUPPLIER → A-01" in out


def test_move_pick_ship_and_stock(wh):
    it = f.item("A1")
    f.give_stock(it, f.Location.get(code="A-01"), 10)
    so = SalesOrder.create(number="SO-1", customer=f.customer())
    SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=5)
    code, out, err = wh("move", "--sku", "A1", "--qty", "4", "--from", "A-01", "--to", "A-02", "--operator", "W1")
    assert code == 0 and "4 × A1 A-01 → A-02" in out, err
    code, out, err = wh("move", "--sku", "A1", "--qty", "99", "--from", "A-01", "--to", "A-02", "--operator", "W1")
    assert code == 1 and "only 6 × A1 at A-01; cannot take 99" in err
    code, out, err = wh("pick-list", "SO-1", "--format", "json")
    assert code == 0 and [(r["location"], r["qty"]) for r in json.loads(out)] == [("A-01", 5)]
    code, out, err = wh("pick", "--so", "SO-1", "--sku", "A1", "--qty", "3", "--from", "A-01", "--operator", "W1")
    assert code == 0 and "line 3 of 5 picked" in out, err
    assert SalesOrder.get(number="SO-1").assigned_station == "ST-CLI"
    code, out, err = wh("pick", "--so", "SO-1", "--sku", "A1", "--qty", "3", "--from", "A-01", "--operator", "W1")
    assert code == 1 and "so 2 to pick" in err
    code, out, err = wh("pick", "--so", "SO-1", "--sku", "A1", "--qty", "1", "--from", "A-01", "--short", "--operator", "W1")
    assert code == 0 and "short pick recorded: 1 × A1 missing at A-01" in out
    code, out, err = wh("ship", "--so", "SO-1", "--operator", "W1")
    assert code == 0 and "SO-1 partial; backorder SO-1-BO1 holds the rest" in out, err
    code, out, err = wh("ship", "--so", "SO-1", "--operator", "W1")
    assert code == 1 and "SO-1 is partial" in err
    code, out, err = wh("stock", "--item", "A1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["location"], r["on_hand"], r["available"]) for r in rows] == [("A-01", "3", "3"), ("A-02", "4", "4")]
    code, out, err = wh("stock", "--location", "A-02")
    assert code == 0 and "A-02" in out and "A1" in out
    code, out, err = wh("stock", "--item", "NOPE")
    assert code == 1 and "unknown item SKU 'NOPE'" in err
    verify_ok(wh)


def test_pick_fefo_refusal_names_the_lot(wh):
    it = f.item("E1", expiry=True)
    # Dates far ahead: an expired lot is never directed nor picked (db/inventory/expiry.py).
    f.give_stock(it, f.Location.get(code="A-01"), 5, f.lot(it, "L42", "2041-01-15"))
    f.give_stock(it, f.Location.get(code="A-02"), 5, f.lot(it, "L17", "2040-12-01"))
    so = SalesOrder.create(number="SO-1", customer=f.customer())
    SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=2)
    code, out, err = wh("pick", "--so", "SO-1", "--sku", "E1", "--qty", "2", "--from", "A-01", "--lot", "L42", "--operator", "W1")
    assert code == 1
    assert "error: FEFO: pick lot L17 (expires 2040-12-01) before lot L42 (expires 2041-01-15)" in err


def test_adjust_negative_quantity_and_supervisor_only(wh):
    it = f.item("A1")
    f.give_stock(it, f.Location.get(code="A-01"), 10)
    code, out, err = wh("adjust", "--sku", "A1", "--qty", "-3", "--location", "A-01", "--reason", "BREAKAGE",
                        "--operator", "S1")
    assert code == 0 and "3 × A1 A-01 → @LOSS (BREAKAGE)" in out, err
    code, out, err = wh("adjust", "--sku", "A1", "--qty", "+2", "--location", "A-01", "--reason", "FOUND",
                        "--operator", "S1")
    assert code == 0 and "2 × A1 @GAIN → A-01" in out, err
    code, out, err = wh("adjust", "--sku", "A1", "--qty", "-1", "--location", "A-01", "--reason", "LOSS",
                        "--operator", "W1")
    assert code == 1 and "operator W1 is a worker; adjusting stock needs a supervisor" in err
    code, out, err = wh("adjust", "--sku", "A1", "--qty", "three", "--location", "A-01", "--reason", "LOSS",
                        "--operator", "S1")
    assert code == 2 and "--qty must be a number, got 'three'" in err
    from db.ledger.posting import on_hand
    assert on_hand(Item.get(sku="A1"), f.Location.get(code="A-01")) == 9
    # and `wh undo` of the adjustment
    m = Movement.select().where(Movement.kind == "adjust").order_by(Movement.id.desc()).first()
    code, out, err = wh("undo", str(m.id), "--operator", "S1")
    assert code == 0 and f"movement {m.id} reversed" in out, err
    code, out, err = wh("undo", str(m.id), "--operator", "S1")
    assert code == 1 and "already undone" in err
    verify_ok(wh)
