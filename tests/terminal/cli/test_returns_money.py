"""`wh return …` and the money commands as real subprocesses on SQLite and PostgreSQL."""
import json
import os
import subprocess
import sys

import pytest

from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from tests import ROOT
from tests import factories as f


@pytest.fixture
def wh(store, tmp_path):
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\nwarehouse = "WH1"\n\n[money]\nprice_tolerance_pct = 5.0\n'
                   'supplier_terms_days = 10\n')
    env = {k: v for k, v in os.environ.items() if k not in ("WH_CONFIG", "WH_PIN")}

    def run(*argv):
        proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", store, "--config", str(cfg), *argv],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr
    f.operator("W1")
    f.operator("S1", role="supervisor")
    for code, kind, seq in (("DOCK", "receiving", 100), ("QUAR", "quarantine", 200),
                            ("SHIP", "shipping", 900), ("A-01", "storage", 1)):
        f.location(code, kind=kind, zone=code[0], seq=seq)
    return run


def test_returns_both_ways(wh):
    it = f.item("A1", cost=2)
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier("SUP1"))
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=10, unit_cost=2)
    assert wh("receive", "--po", "PO-1", "--sku", "A1", "--qty", "7", "--reject", "3", "--reason", "DAMAGED",
              "--location", "DOCK", "--operator", "W1")[0] == 0
    code, out, err = wh("return", "supplier", "--supplier", "SUP1", "--sku", "A1", "--qty", "3", "--from", "QUAR",
                        "--po", "PO-1", "--reason", "DAMAGED", "--operator", "W1", "--key", "r1")
    assert code == 0, err
    assert "returned to supplier 3 × A1 QUAR → @SUPPLIER at 2.0000 (RTV-000001 line 1" in out and "shipped" in out
    code, out, err = wh("return", "supplier", "--supplier", "SUP1", "--sku", "A1", "--qty", "3", "--from", "QUAR",
                        "--po", "PO-1", "--reason", "DAMAGED", "--operator", "W1", "--key", "r1")
    assert code == 0 and "already posted with this key" in out
    code, out, err = wh("return", "supplier", "--supplier", "SUP1", "--sku", "A1", "--qty", "8", "--from", "DOCK",
                        "--reason", "QUALITY", "--operator", "W1")
    assert code == 1 and "at most 7 can be returned, got 8; nothing posted" in err and "Traceback" not in err

    f.give_stock(it, f.Location.get(code="A-01"), 5)
    so = SalesOrder.create(number="SO-1", customer=f.customer("C1"))
    SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=4, unit_price=5)
    assert wh("pick", "--so", "SO-1", "--sku", "A1", "--qty", "4", "--from", "A-01", "--operator", "W1")[0] == 0
    assert wh("ship", "--so", "SO-1", "--operator", "W1")[0] == 0
    code, out, err = wh("return", "customer", "--so", "SO-1", "--sku", "A1", "--qty", "2", "--reason", "DAMAGED",
                        "--operator", "W1")
    assert code == 0 and "received from customer 2 × A1 @CUSTOMER → QUAR" in out and "RMA-000001 open" in out, err
    code, out, err = wh("return", "inspect", "--return", "RMA-000001", "--sku", "A1", "--qty", "2",
                        "--decision", "restock", "--to", "A-01", "--operator", "W1")
    assert code == 0 and "restocked 2 × A1 QUAR → A-01" in out and "RMA-000001 closed" in out, err
    code, out, err = wh("return", "inspect", "--return", "RMA-000001", "--sku", "A1", "--qty", "1",
                        "--decision", "scrap", "--operator", "W1")
    assert code == 1 and "RMA-000001 is closed" in err
    code, out, _ = wh("return", "list", "--format", "json")
    rows = json.loads(out)
    assert [(r["return"], r["direction"], r["status"], r["qty"]) for r in rows] == [
        ("RMA-000001", "customer", "closed", 2), ("RTV-000001", "supplier", "shipped", 3)]
    code, out, _ = wh("return", "list", "--open", "--format", "json")
    assert json.loads(out) == []
    code, out, _ = wh("report", "returns", "--by", "customer", "--format", "json")
    assert [(r["customer"], r["sku"], r["qty"], r["restocked"], r["value"]) for r in json.loads(out)] == [
        ("C1", "A1", 2, 2, 10.0)]
    code, out, err = wh("return", "customer", "--so", "SO-1", "--sku", "A1", "--qty", "1.5", "--reason", "DAMAGED",
                        "--operator", "W1")
    assert code == 1 and "--qty 1.5 of A1" in err and "more precise than it allows" in err
    assert Movement.select().where(Movement.kind.in_(("rtv", "rma", "restock"))).count() == 3
    assert wh("verify")[1].startswith("ledger consistent")


def test_money_commands_and_statement_json(wh):
    it = f.item("A1")
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier("SUP1"))
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=10, unit_cost=D2)
    assert wh("receive", "--po", "PO-1", "--sku", "A1", "--qty", "10", "--location", "DOCK", "--operator", "W1")[0] == 0
    code, out, err = wh("bill", "--po", "PO-1", "--number", "B-7", "--price", "A1=2.55", "--operator", "W1")
    # 10 × 2.55 = 25.50; 2.55 is +2% on 2.50, within the 5% tolerance: flagged
    assert code == 0 and "B-7 of 25.50" in out and "+2.00%" in err, err
    code, out, err = wh("bill", "--po", "PO-1", "--number", "B-7", "--operator", "W1")
    assert code == 1 and "nothing to bill on PO-1" in err
    code, out, err = wh("pay", "--supplier", "SUP1", "--amount", "30", "--apply", "B-7", "--operator", "W1")
    assert code == 1 and "needs a supervisor" in err
    code, out, err = wh("pay", "--supplier", "SUP1", "--amount", "30", "--apply", "B-7", "--reference", "TT-1",
                        "--operator", "S1")
    assert code == 0 and "applied 25.50 to bill B-7" in out and "4.50 unapplied: an advance" in out, err
    code, out, err = wh("pay", "--supplier", "SUP1", "--amount", "-3", "--operator", "S1")
    assert code == 1 and "must be positive" in err
    code, out, err = wh("statement", "--supplier", "SUP1", "--format", "json")
    data = json.loads(out)
    assert data["opening_balance"] == 0 and data["closing_balance"] == -4.5
    assert [(l["kind"], l["document"], l["amount"], l["balance"]) for l in data["lines"]] == [
        ("bill", "B-7", 25.5, 25.5), ("payment", "PAY-000001", -30.0, -4.5)]
    assert set(data["lines"][0]) >= {"date", "kind", "document", "amount", "balance"}
    code, out, _ = wh("report", "payables", "--format", "json")
    rows = json.loads(out)
    assert [(r["supplier"], r["balance"], r["current"]) for r in rows] == [("SUP1", -4.5, -4.5)]
    code, out, err = wh("cancel-document", "--supplier", "SUP1", "--document", "PAY-000001", "--reason", "typo",
                        "--operator", "S1")
    assert code == 0 and "cancelled by CX-P-000001 (+30.00); 1 applications reversed" in out, err
    code, out, _ = wh("statement", "--supplier", "SUP1", "--format", "csv")
    assert out.splitlines()[-1].endswith(",25.50") or out.splitlines()[-1].endswith(",25.5")


D2 = "2.50"
