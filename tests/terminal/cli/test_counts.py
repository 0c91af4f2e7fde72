"""`wh count ...` and `wh report counts` as a user runs them: real subprocesses on a real store
(SQLite file and PostgreSQL schema)."""
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from db.ledger.posting import on_hand
from tests import factories as f


def wh(url, *args, ok=True):
    proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", url, *args],
                          capture_output=True, text=True, timeout=60, cwd="/tmp")
    if ok is True:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    elif ok is False:
        assert proc.returncode != 0, proc.stdout
    return proc


@pytest.fixture
def shop(store):
    s = f.shop(locations=("A-01", "A-02"),
               items={"SOAP": dict(cost=2, barcodes=[("4006381333931", 1), ("14006381333938", 12)]),
                      "MILK": dict(lot=True, cost=Decimal("1.50"))},
               workers=("W1", "W2"), supervisors=("S1",), lots=[("L1", "MILK", "L1", None)],
               stock=[("SOAP", "A-01", 30), ("MILK", "A-02", 5, "L1")])
    return dict(url=store, a1=s["A-01"], a2=s["A-02"], soap=s["SOAP"], milk=s["MILK"])


def test_create_upload_recount_approve_report(shop, tmp_path):
    url = shop["url"]
    out = wh(url, "count", "create", "--zones", "A", "--operator", "S1", "--format", "json").stdout
    created = json.loads(out)
    cid = created["id"]
    assert created["locations"] == ["A-01", "A-02"]
    # A worker may not create a plan.
    p = wh(url, "count", "create", "--zones", "A", "--operator", "W1", ok=False)
    assert "operator W1 is a worker; creating a count needs a supervisor" in p.stderr

    dump = tmp_path / "scanner.txt"
    # Two cases of 12 and 4 eaches: 28, where the books say 30; and a barcode nobody knows.
    dump.write_text("A-01\n14006381333938\n14006381333938\n4006381333931,4\n0000000000017\n")
    p = wh(url, "count", "upload", str(cid), str(dump), "--location", "A-01", "--operator", "W1",
           "--format", "json")
    up = json.loads(p.stdout)
    assert (up["units"], up["to_recount"]) == (28, 1)
    assert up["unknown"] == [{"barcode": "0000000000017", "scans": 1}]
    # The same operator may not make the recount.
    p = wh(url, "count", "upload", str(cid), str(dump), "--location", "A-01", "--operator", "W1", ok=False)
    assert "needs a recount by another operator: W1" in p.stderr
    dump.write_text("4006381333931,28\n")
    wh(url, "count", "upload", str(cid), str(dump), "--location", "A-01", "--operator", "W2")

    show = json.loads(wh(url, "count", "show", str(cid), "--format", "json").stdout)
    soap = next(l for l in show["lines"] if l["sku"] == "SOAP")
    assert (soap["expected"], soap["first"], soap["second"], soap["variance"], soap["status"]) == \
        (30, 28, 28, -2, "review")
    assert [c["operator"] for c in soap["counts"]] == ["W1", "W2"]
    assert show["found"][0]["barcode"] == "0000000000017"
    milk = next(l for l in show["lines"] if l["sku"] == "MILK")
    assert (milk["location"], milk["lot"], milk["status"], milk["expected"]) == ("A-02", "L1", "pending", None)

    p = wh(url, "count", "approve", str(cid), "--line", str(soap["line"]), "--operator", "W2", ok=False)
    assert "operator W2 is a worker; approving a count needs a supervisor" in p.stderr
    p = wh(url, "count", "approve", str(cid), "--line", str(soap["line"]), "--operator", "S1")
    assert "-2 to @LOSS" in p.stdout
    assert on_hand(shop["soap"], shop["a1"]) == 28
    assert "ledger consistent" in wh(url, "verify").stdout

    rows = json.loads(wh(url, "report", "counts", "--format", "json").stdout)
    item_row = next(r for r in rows if r["group"] == "item" and r["key"] == "SOAP")
    assert (item_row["units"], item_row["loss"], item_row["net"]) == (-2, 4.0, -4.0)
    reason = next(r for r in rows if r["group"] == "reason")
    assert (reason["key"], reason["net"]) == ("COUNT", -4.0)
    shrink = next(r for r in rows if r["group"] == "shrinkage" and r["key"] == "total")
    assert shrink["net"] == -4.0
    acc = next(r for r in rows if r["group"] == "accuracy" and r["key"] == "first count")
    assert (acc["locations"], acc["accurate"]) == (1, 0)


def test_reject_set_list_and_bad_files(shop, tmp_path):
    url = shop["url"]
    cid = json.loads(wh(url, "count", "create", "--locations", "A-02", "--operator", "S1",
                        "--format", "json").stdout)["id"]
    dump = tmp_path / "bad.txt"
    dump.write_text("4006381333931,two\n")
    p = wh(url, "count", "upload", str(cid), str(dump), "--location", "A-02", "--operator", "W1", ok=False)
    assert "line 1: the quantity must be a positive whole number, got 'two'" in p.stderr
    # MILK is lot-tracked: a plain barcode carries no lot, which is said with its line number.
    p = wh(url, "count", "upload", str(cid), "/nonexistent", "--location", "A-02", "--operator", "W1", ok=False)
    assert "does not exist" in p.stderr
    dump.write_text("MILK\n")
    p = wh(url, "count", "upload", str(cid), str(dump), "--location", "A-02", "--operator", "W1", ok=False)
    assert "line 1: MILK is lot-tracked but MILK carries no lot" in p.stderr
    listed = json.loads(wh(url, "count", "list", "--format", "json").stdout)
    assert [(c["id"], c["to_count"]) for c in listed] == [(cid, 1)]
    # An empty file: the location is empty, against 5 on the books.
    dump.write_text("")
    wh(url, "count", "upload", str(cid), str(dump), "--location", "A-02", "--operator", "W1")
    dump.write_text("\n")
    wh(url, "count", "upload", str(cid), str(dump), "--location", "A-02", "--operator", "W2")
    show = json.loads(wh(url, "count", "show", str(cid), "--format", "json").stdout)
    line = show["lines"][0]
    assert (line["first"], line["second"], line["status"]) == (0, 0, "review")
    wh(url, "count", "reject", str(cid), "--line", "1", "--operator", "S1", "--note", "check the top shelf")
    show = json.loads(wh(url, "count", "show", str(cid), "--format", "json").stdout)
    assert show["lines"][0]["status"] == "recount"
    p = wh(url, "count", "set", str(cid), "--line", "1", "--qty", "4", "--reason", "MISCOUNT", "--operator", "S1")
    assert "-1 to @LOSS" in p.stdout
    assert on_hand(shop["milk"], shop["a2"], f.lot(shop["milk"], "L1")) == 4
    assert json.loads(wh(url, "count", "list", "--status", "closed", "--format", "json").stdout)[0]["id"] == cid
    table = wh(url, "count", "show", str(cid)).stdout
    assert "A-02" in table and "approved" in table
    assert "ledger consistent" in wh(url, "verify").stdout


def test_upload_reads_gs1_lot_and_count(shop, tmp_path):
    from db.core.models import Barcode
    url = shop["url"]
    Barcode.create(code="5901234123457", item=shop["milk"], pack_qty=1)
    cid = json.loads(wh(url, "count", "create", "--items", "MILK", "--operator", "S1",
                        "--format", "json").stdout)["id"]
    dump = tmp_path / "gs1.txt"
    # Three scans of the lot L1 label, and one (02)+(37) carton label of 2 more: 5 in all.
    dump.write_text("0105901234123457" + "10L1\n" * 1 + "0105901234123457" + "10L1,2\n"
                    "0205901234123457" + "372\x1d" + "10L1\n")
    p = wh(url, "count", "upload", str(cid), str(dump), "--location", "A-02", "--operator", "W1",
           "--format", "json")
    assert json.loads(p.stdout)["units"] == 5
    show = json.loads(wh(url, "count", "show", str(cid), "--format", "json").stdout)
    assert [(l["lot"], l["first"], l["status"]) for l in show["lines"]] == [("L1", 5, "ok")]


def test_two_supervisors_approving_at_once_post_once(shop):
    from db.core.models import Movement
    url = shop["url"]
    f.operator("S2", "supervisor")
    from db import counts
    count = counts.create_count(locations=["A-01"], operator="S1")
    task = counts.open_tasks(count.id)[0]
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 25)], operator="W1")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 25)], operator="W2")
    procs = [subprocess.Popen([sys.executable, "-m", "terminal.cli", "--db", url, "count", "approve",
                               str(count.id), "--line", "1", "--operator", op],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/tmp")
             for op in ("S1", "S2")]
    results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
    assert sorted(code for code, _, _ in results) == [0, 1], results
    loser = next(err for code, _, err in results if code)
    assert "was already decided by S" in loser
    assert Movement.select().where(Movement.kind == "count").count() == 1
    assert on_hand(shop["soap"], shop["a1"]) == 25
    assert "ledger consistent" in wh(url, "verify").stdout
