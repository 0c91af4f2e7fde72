"""`wh report expiry`, `wh quarantine --expired` and `wh receive --override-by`, as real
subprocesses; today is fixed through WH_TODAY (the store's clock)."""
import json
import os
import subprocess
import sys

import pytest

from db.core.models import AuditLog, Item, PurchaseOrder, PurchaseOrderLine
from tests import ROOT
from tests import factories as f


@pytest.fixture
def wh(store, tmp_path):
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\nwarehouse = "WH1"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("WH_CONFIG", "WH_PIN")}
    env["WH_TODAY"] = "2026-03-10"

    def run(*argv, columns: int | None = None):
        extra = {"COLUMNS": str(columns)} if columns else {}
        proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", store, "--config", str(cfg), *argv],
                              capture_output=True, text=True, cwd=ROOT, env={**env, **extra}, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr
    f.operator("W1")
    f.operator("S1", role="supervisor")
    f.location("DOCK", kind="receiving", zone="R")
    f.location("QUAR", kind="quarantine", zone="Q")
    a1 = f.location("A-01", seq=1)
    milk = f.item("MILK", "Milk", lot=True, expiry=True, cost=2)
    f.give_stock(milk, a1, 5, f.lot(milk, "OLD", "2026-03-01"))
    f.give_stock(milk, a1, 4, f.lot(milk, "SOON", "2026-03-20"))
    return run


def test_report_expiry_as_json_and_quarantine_them(wh):
    code, out, err = wh("report", "expiry", "--days", "30", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["status"], r["lot"], r["days_left"], r["qty"], r["value"]) for r in rows] == [
        ("expired", "OLD", -9, 5, 10.0), ("expiring", "SOON", 10, 4, 8.0)]
    code, out, _ = wh("report", "expiry", "--days", "5", "--format", "json")
    assert [r["lot"] for r in json.loads(out)] == ["OLD"]
    code, out, err = wh("report", "expiry", "--days", "-1")
    assert code == 2 and "--days must be 0 or more, got -1" in err
    code, out, err = wh("quarantine", "--expired", "--operator", "W1")
    assert code == 1 and "needs a supervisor" in err
    code, out, err = wh("quarantine", "--expired", "--operator", "S1")
    assert code == 0, err
    assert "quarantined movement" in out and "5 × MILK lot OLD A-01 → QUAR" in out
    assert out.strip().endswith("5 expired units moved to quarantine in 1 movement")
    code, out, _ = wh("report", "expiry", "--format", "json")
    assert [r["lot"] for r in json.loads(out)] == ["SOON"]


def test_receive_an_expired_lot_needs_a_supervisor_override(wh):
    po = PurchaseOrder.create(number="PO-9", supplier=f.supplier())
    PurchaseOrderLine.create(po=po, line_no=1, item=Item.get(sku="MILK"), qty_ordered=10, unit_cost=2)
    args = ("receive", "--po", "PO-9", "--sku", "MILK", "--qty", "3", "--lot", "X1", "--expiry", "2026-03-09",
            "--operator", "W1")
    code, _, err = wh(*args)
    assert code == 1 and "lot X1 of MILK expired on 2026-03-09 (today is 2026-03-10)" in err
    code, out, err = wh(*args, "--override-by", "S1", "--override-reason", "sold to a food bank")
    assert code == 0, err
    assert AuditLog.get(AuditLog.action == "expiry_override").operator == "S1"


def in_a_terminal(wh_env_cmd, columns: int) -> str:
    """Run a command with a real terminal (a pty COLUMNS wide) as its output; what it printed."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    argv, env = wh_env_cmd
    proc = subprocess.Popen(argv, stdout=slave, stderr=slave, cwd=ROOT, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    import re
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", text)          # colours and styles


def test_report_tables_fit_the_terminal_width(wh, store, tmp_path):
    from rich.cells import cell_len
    Item.update(name="青岛啤酒 Tsingtao Beer 500ml×12 超值装").where(Item.sku == "MILK").execute()
    env = {k: v for k, v in os.environ.items() if k not in ("WH_CONFIG", "COLUMNS", "LINES")}
    env["WH_TODAY"] = "2026-03-10"
    argv = [sys.executable, "-m", "terminal.cli", "--db", store, "report", "expiry", "--days", "30"]
    for columns in (60, 120):
        out = in_a_terminal((argv, env), columns)
        lines = out.splitlines()
        assert lines and max(cell_len(line) for line in lines) <= columns, out
        # Numbers whole on one line, never cut or folded.
        assert " 10.00" in out and " 8.00" in out and " -9 " in out
    # At 120 everything fits; at 60 text columns were left out, from the right, and it says so.
    assert "2026-03-01" in out and "Tsingtao" in out and "left out" not in out
    out = in_a_terminal((argv, env), 60)
    assert "(left out to fit 60 columns: expiry, location, name;" in " ".join(out.split())
    # Piped (no terminal), nothing is left out.
    code, out, err = wh("report", "expiry", "--days", "30")
    assert "2026-03-01" in out and "left out" not in out
