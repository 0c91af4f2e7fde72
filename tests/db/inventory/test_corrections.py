"""Supervisor adjustments, undo with document counters, and the stock view."""
import datetime as dt
from decimal import Decimal

import pytest

from db.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from db.ledger.posting import on_hand, verify
from db.core.models import (Location, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine)
from db.inventory import adjust, last_movement_of, move, stock, undo_movement
from db.sales import pick, ship
from db.purchasing import receive
from tests import factories as f


@pytest.fixture
def site(store):
    f.operator("W1")
    f.operator("W2")
    f.operator("S1", role="supervisor")
    f.location("DOCK", kind="receiving", zone="R")
    f.location("QUAR", kind="quarantine", zone="Q")
    f.location("SHIP", kind="shipping", zone="S", seq=900)
    return f.location("A-01", seq=1), f.location("A-02", seq=2)


def test_adjust_supervisor_only_to_gain_and_loss(site):
    a1, _ = site
    it = f.item("A1")
    with pytest.raises(PermissionDenied, match="operator W1 is a worker; adjusting stock needs a supervisor"):
        adjust("A1", 5, "A-01", reason="FOUND", operator="W1")
    m = adjust("A1", 5, "A-01", reason="FOUND", operator="S1", station="ST-1")
    assert (m.from_location.code, m.to_location.code, m.reason, m.kind) == ("@GAIN", "A-01", "FOUND", "adjust")
    m = adjust("A1", -3, "A-01", reason="BREAKAGE", operator="S1")
    assert (m.from_location.code, m.to_location.code, m.qty) == ("A-01", "@LOSS", 3)
    assert on_hand(it, a1) == 2
    with pytest.raises(NotFound, match="unknown reason code 'OOPS'"):
        adjust("A1", 1, "A-01", reason="OOPS", operator="S1")
    with pytest.raises(InvalidInput, match="non-zero whole quantity"):
        adjust("A1", 0, "A-01", reason="FOUND", operator="S1")
    from db.core.errors import InsufficientStock
    with pytest.raises(InsufficientStock):
        adjust("A1", -3, "A-01", reason="LOSS", operator="S1")
    assert verify().consistent


def test_undo_receipt_fixes_po_counters_and_second_undo_refused(site):
    sup = f.supplier()
    it = f.item("A1", cost=1)
    po = PurchaseOrder.create(number="PO-1", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=10, unit_cost=Decimal("4"))
    first = receive("PO-1", "A1", 4, operator="W1")
    r = receive("PO-1", "A1", 6, reject=0, operator="W1")
    assert PurchaseOrder.get().status == "received"
    assert last_movement_of("W1").id == r.accepted.id
    with pytest.raises(PermissionDenied,
                       match="W2 is a worker and may undo only their own movements; movement .* was posted by W1"):
        undo_movement(r.accepted.id, operator="W2")
    u = undo_movement(r.accepted.id, operator="W1", key="u1")
    assert u.reverses_id == r.accepted.id and u.kind == "undo"
    assert undo_movement(r.accepted.id, operator="W1", key="u1").id == u.id    # same key: same result
    line = PurchaseOrderLine.get()
    assert line.qty_received == 4 and PurchaseOrder.get().status == "partial"
    assert last_movement_of("W1").id == first.accepted.id
    with pytest.raises(RuleViolation, match="already undone"):
        undo_movement(r.accepted.id, operator="S1")
    undo_movement(first.accepted.id, operator="S1")     # a supervisor may undo anyone's
    assert PurchaseOrderLine.get().qty_received == 0 and PurchaseOrder.get().status == "open"
    assert last_movement_of("W1") is None
    assert verify().consistent


def test_undo_reject_fixes_rejected_counter(site):
    sup = f.supplier()
    it = f.item("A1")
    po = PurchaseOrder.create(number="PO-1", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=10, unit_cost=1)
    r = receive("PO-1", "A1", 0, reject=2, reason="DAMAGED", operator="W1")
    undo_movement(r.rejected.id, operator="W1")
    assert PurchaseOrderLine.get().qty_rejected == 0 and PurchaseOrder.get().status == "open"
    assert verify().consistent


def test_undo_pick_fixes_so_counters_and_ship_cannot_be_undone(site):
    a1, _ = site
    it = f.item("A1")
    f.give_stock(it, a1, 5)
    so = SalesOrder.create(number="SO-1", customer=f.customer())
    SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=2)
    m = pick("SO-1", "A1", 2, "A-01", operator="W1", station="ST-1")
    assert SalesOrder.get().status == "picked"
    undo_movement(m.id, operator="W1")
    assert SalesOrderLine.get().qty_picked == 0 and SalesOrder.get().status == "picking"
    assert on_hand(it, a1) == 5
    m = pick("SO-1", "A1", 2, "A-01", operator="W1", station="ST-1")
    r = ship("SO-1", operator="W1")
    with pytest.raises(RuleViolation, match="is a shipment: the goods have left"):
        undo_movement(r.movements[0].id, operator="S1")
    with pytest.raises(RuleViolation, match="SO-1, which is shipped"):
        undo_movement(m.id, operator="S1")
    assert verify().consistent


def test_undo_transfer_between_warehouses_undoes_both_legs(site):
    a1, _ = site
    b1 = f.location("B-01", wh="WH2")
    it = f.item("A1")
    f.give_stock(it, a1, 5)
    out, arrive = move("A1", 2, "A-01", "B-01", operator="W1")
    undo_movement(arrive.id, operator="W1")
    assert (on_hand(it, a1), on_hand(it, b1), on_hand(it, Location.get(code="@TRANSIT"))) == (5, 0, 0)
    assert verify().consistent


def test_stock_rows(site):
    a1, a2 = site
    it = f.item("A1", name="Apple")
    e = f.item("E1", expiry=True)
    f.give_stock(it, a2, 7)
    f.give_stock(it, a1, 3)
    f.give_stock(e, a1, 4, f.lot(e, "L1", "2027-01-01"))
    so = SalesOrder.create(number="SO-1", customer=f.customer())
    SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=2)
    from db.sales import next_sales_order
    next_sales_order(operator="W1", station="ST-1")
    rows = stock()
    assert [(r["sku"], r["location"], r["lot"], r["on_hand"], r["allocated"], r["available"]) for r in rows] == [
        ("A1", "A-01", None, 3, 2, 1), ("A1", "A-02", None, 7, 0, 7), ("E1", "A-01", "L1", 4, 0, 4)]
    assert rows[0]["name"] == "Apple" and rows[0]["warehouse"] == "WH1" and rows[0]["zone"] == "A"
    assert rows[2]["expiry"] == dt.date(2027, 1, 1)
    assert [r["location"] for r in stock(sku="A1", location="A-02")] == ["A-02"]
    assert {r["sku"] for r in stock(location="A-01")} == {"A1", "E1"}
    assert stock(warehouse="WH1") == rows
    # virtual locations never show
    assert all(not r["location"].startswith("@") for r in rows)
