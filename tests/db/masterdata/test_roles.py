"""Roles are enforced in the store layer: a worker cannot adjust stock, decide counts, create or
release purchase orders, cancel documents or resolve offline exceptions, neither through the
Python API nor through the `wh` command line. Nothing is written when refused."""
import os
import subprocess
import sys

import pytest

from db import counts
from db.counts.models import Count, CountLine, CountTask
from db.core.errors import PermissionDenied
from db.ledger.posting import verify
from db.core.models import AuditLog, Movement, PurchaseOrder, PurchaseOrderLine
from db.inventory import adjust
from db.purchasing import close_po
from tests import factories as f

from tests import ROOT


@pytest.fixture
def shop(store):
    f.warehouse()
    a1 = f.location("A-01", zone="A")
    f.location("DOCK", kind="receiving", zone="R")
    sup = f.supplier()
    soap = f.item("SOAP", cost=2, reorder_point=30, reorder_qty=20, preferred_supplier=sup)
    f.operator("W1")
    f.operator("S1", role="supervisor")
    f.give_stock(soap, a1, 4)
    po = PurchaseOrder.create(number="PO-1", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=soap, qty_ordered=10, unit_cost=2)
    return dict(a1=a1, soap=soap, po=po, url=store)


def _variance_line(shop):
    """A count line waiting for the supervisor (counted 3 where the books say 4)."""
    count = counts.create_count(locations=["A-01"], operator="S1")
    task = CountTask.get(CountTask.count == count.id)
    counts.submit_count(task.id, [counts.Counted(item=shop["soap"], qty=3)], operator="W1")
    # tolerance 0: the first variance asks a recount by another operator; give it one
    f.operator("W2")
    line = CountLine.get(CountLine.count == count.id)
    if line.status != "review":
        counts.submit_count(task.id, [counts.Counted(item=shop["soap"], qty=3)], operator="W2")
    line = CountLine.get(CountLine.count == count.id)
    assert line.status == "review", line.status
    return count, line


def test_worker_cannot_adjust(shop):
    before = Movement.select().count()
    with pytest.raises(PermissionDenied, match="W1 is a worker; adjusting stock needs a supervisor"):
        adjust("SOAP", -1, "A-01", reason="LOSS", operator="W1")
    with pytest.raises(PermissionDenied):
        adjust("SOAP", 5, "A-01", reason="FOUND", operator="W1", key="k1")
    assert Movement.select().count() == before
    adjust("SOAP", -1, "A-01", reason="LOSS", operator="S1")
    assert Movement.select().count() == before + 1


def test_worker_cannot_decide_counts(shop):
    with pytest.raises(PermissionDenied, match="creating a count needs a supervisor"):
        counts.create_count(locations=["A-01"], operator="W1")
    count, line = _variance_line(shop)
    moves = Movement.select().count()
    with pytest.raises(PermissionDenied, match="approving a count needs a supervisor"):
        counts.approve(count.id, operator="W1")
    with pytest.raises(PermissionDenied, match="approving a count needs a supervisor"):
        counts.approve(count.id, line.line_no, operator="W1")
    with pytest.raises(PermissionDenied, match="ordering a recount needs a supervisor"):
        counts.reject(count.id, line.line_no, operator="W1")
    with pytest.raises(PermissionDenied, match="setting a counted quantity needs a supervisor"):
        counts.set_quantity(count.id, line.line_no, 3, reason="MISCOUNT", operator="W1")
    with pytest.raises(PermissionDenied, match="cancelling a count needs a supervisor"):
        counts.cancel_count(count.id, operator="W1")
    assert Movement.select().count() == moves
    assert CountLine.get_by_id(line.id).status == "review"
    assert Count.get_by_id(count.id).status == "open"


def test_worker_cannot_create_or_release_purchase_orders(shop):
    from db.masterdata import security
    from db.purchasing import reorder
    from db.reports.reorder import suggestions
    rows, _ = suggestions()
    assert rows, "the fixture should need a reorder"
    before = PurchaseOrder.select().count()
    with pytest.raises(PermissionDenied, match="needs a supervisor"):
        reorder.create_draft_pos(rows, operator="W1")
    assert PurchaseOrder.select().count() == before
    # The real supervisor check: a supervisor with a PIN must give it (require_pin is on).
    security.set_pin("S1", "4711")
    with pytest.raises(PermissionDenied, match="needs supervisor S1's PIN"):
        reorder.create_draft_pos(rows, operator="S1")
    with security.supervisor_pin("S1", "1111"), pytest.raises(PermissionDenied, match="wrong PIN"):
        reorder.create_draft_pos(rows, operator="S1")
    assert PurchaseOrder.select().count() == before
    security.set_pin("S1", None)
    created = reorder.create_draft_pos(rows, operator="S1")
    with pytest.raises(PermissionDenied, match="releasing a purchase order needs a supervisor"):
        reorder.release_po(created[0].number, operator="W1")
    assert PurchaseOrder.get_by_id(created[0].id).status == "draft"


def test_worker_cannot_cancel_the_rest_of_a_purchase_order(shop):
    with pytest.raises(PermissionDenied, match="cancelling the rest of purchase order PO-1 needs a supervisor"):
        close_po("PO-1", backorder=False, operator="W1")
    assert PurchaseOrder.get(number="PO-1").status == "open"
    assert PurchaseOrderLine.get(PurchaseOrderLine.po == shop["po"].id).status == "open"
    # a backorder cancels nothing: a worker may close that way
    bo = close_po("PO-1", backorder=True, operator="W1")
    assert bo is not None and PurchaseOrder.get(number="PO-1").status == "closed"
    # and a supervisor may cancel the rest of the backorder
    close_po(bo.number, backorder=False, operator="S1")
    assert PurchaseOrder.get_by_id(bo.id).status == "closed"


def test_worker_may_close_a_fully_received_order(shop):
    from db.purchasing import receive
    receive("PO-1", "SOAP", 10, operator="W1", location="DOCK", key="r1")
    close_po("PO-1", backorder=False, operator="W1")
    assert PurchaseOrder.get(number="PO-1").status == "closed"
    assert verify().consistent


def test_worker_cannot_undo_someone_elses_posting(shop):
    from db.inventory import move, undo_movement
    f.location("B-01")
    f.operator("W2")
    m = move("SOAP", 1, "A-01", "B-01", operator="W2")[0]
    with pytest.raises(PermissionDenied, match="may undo only their own movements"):
        undo_movement(m.id, operator="W1")
    assert not Movement.select().where(Movement.reverses == m.id).exists()


def test_worker_cannot_resolve_offline_exceptions(shop):
    import datetime as dt
    from db.offline import SyncException, resolve_exception
    e = SyncException.create(key="k", op="move", args="{}", operator="W1", station="ST-1",
                             queued_at=dt.datetime(2025, 1, 1), error="only 0 × SOAP at A-01")
    with pytest.raises(PermissionDenied, match="resolving an offline exception needs a supervisor"):
        resolve_exception(e.id, operator="W1")
    assert SyncException.get_by_id(e.id).resolved_at is None
    resolve_exception(e.id, operator="S1", note="counted")
    assert SyncException.get_by_id(e.id).resolved_by == "S1"


# --- the same through the command line ---------------------------------------------------------

@pytest.fixture
def wh(shop, tmp_path):
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\nwarehouse = "WH1"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("WH_CONFIG", "WH_PIN")}

    def run(*argv):
        proc = subprocess.run([sys.executable, "-m", "terminal.cli", "--db", shop["url"], "--config", str(cfg), *argv],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, stdin=subprocess.DEVNULL)
        return proc.returncode, proc.stdout, proc.stderr
    return run


@pytest.mark.slow
def test_cli_refuses_worker_supervisor_actions(wh, shop):
    from db.core.connection import database
    count, line = _variance_line(shop)
    database.close()
    moves = Movement.select().count()
    for argv, action in [
        (("adjust", "--sku", "SOAP", "--qty", "-1", "--location", "A-01", "--reason", "LOSS", "--operator", "W1"),
         "adjusting stock"),
        (("count", "approve", str(count.id), "--operator", "W1"), "approving a count"),
        (("count", "set", str(count.id), "--line", str(line.line_no), "--qty", "3", "--reason", "MISCOUNT",
          "--operator", "W1"), "setting a counted quantity"),
        (("count", "cancel", str(count.id), "--operator", "W1"), "cancelling a count"),
        (("reorder", "--create", "--operator", "W1"), "creating purchase orders"),
        (("po", "close", "PO-1", "--cancel-rest", "--operator", "W1"), "cancelling the rest of purchase order PO-1"),
    ]:
        code, out, err = wh(*argv)
        assert code == 1, (argv, out, err)
        assert "W1 is a worker" in err and action in err and "needs a supervisor" in err, (argv, err)
    assert Movement.select().count() == moves
    assert PurchaseOrder.get(number="PO-1").status == "open"
    assert CountLine.get_by_id(line.id).status == "review"
    # the supervisor passes
    code, out, err = wh("count", "approve", str(count.id), "--operator", "S1")
    assert code == 0, err
    assert Movement.select().count() == moves + 1
    assert AuditLog.select().where(AuditLog.operator == "S1").count() >= 1


def test_a_login_registers_the_station(store):
    """The stations table says which stations a site has, where, and when each was last seen."""
    from db.core.models import Station
    from db.masterdata.security import station_seen
    from tests import factories as f
    f.warehouse("WH1")
    f.warehouse("WH2")
    first = station_seen("ST-07", "WH1")
    assert (first.code, first.warehouse.code) == ("ST-07", "WH1")
    again = station_seen("ST-07", "WH2")
    assert Station.select().count() == 1
    assert again.warehouse.code == "WH2" and again.last_seen >= first.last_seen
