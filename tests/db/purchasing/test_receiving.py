"""Receiving against purchase orders, receipts without one, and closing purchase orders."""
import datetime as dt
from decimal import Decimal

import pytest

from db.core.errors import InvalidInput, NotFound, RuleViolation
from db.ledger.posting import on_hand, verify
from db.core.models import AuditLog, Item, Movement, PurchaseOrder, PurchaseOrderLine
from db.purchasing import close_po, open_purchase_orders, receive
from tests import factories as f


def setup_po(number="PO-1", lines=(("A1", 24, "2.00"),), expected=None):
    sup = f.supplier()
    po = PurchaseOrder.create(number=number, supplier=sup, expected_date=expected)
    for n, (sku, qty, cost) in enumerate(lines, start=1):
        it = Item.get_or_none(Item.sku == sku) or f.item(sku, cost=1)
        PurchaseOrderLine.create(po=po, line_no=n, item=it, qty_ordered=qty, unit_cost=Decimal(cost))
    return po


@pytest.fixture
def site(store):
    s = f.shop(locations=(("DOCK", dict(kind="receiving", zone="R")), ("QUAR", dict(kind="quarantine", zone="Q")),
                          "A-01"), items={}, supervisors=("S1",))
    return s["DOCK"], s["QUAR"], s["A-01"]


def test_receive_moves_status_open_partial_received(site):
    dock, quar, _ = site
    setup_po()
    r = receive("PO-1", "A1", 10, operator="W1", station="ST-1")
    assert r.accepted.to_location.code == "DOCK" and r.accepted.from_location.code == "@SUPPLIER"
    assert (r.accepted.document, r.accepted.operator, r.accepted.station) == ("PO-1/1", "W1", "ST-1")
    assert r.rejected is None and r.warnings == []
    assert PurchaseOrder.get(number="PO-1").status == "partial"
    line = PurchaseOrderLine.get()
    assert line.qty_received == 10 and line.first_received_at is not None
    assert r.po_line.qty_received == 10 and r.accepted.po_line.qty_received == 10
    receive("PO-1", "A1", 14, operator="W1")
    assert PurchaseOrder.get(number="PO-1").status == "received"
    assert on_hand(Item.get(sku="A1"), dock) == 24
    assert verify().consistent


def test_rejects_go_to_quarantine_with_reason(site):
    dock, quar, _ = site
    setup_po()
    r = receive("PO-1", "A1", 20, reject=4, reason="DAMAGED", operator="W1", key="k1")
    it = Item.get(sku="A1")
    assert on_hand(it, dock) == 20 and on_hand(it, quar) == 4
    assert (r.rejected.kind, r.rejected.reason, r.rejected.idempotency_key) == ("reject", "DAMAGED", "k1:reject")
    line = PurchaseOrderLine.get()
    assert (line.qty_received, line.qty_rejected) == (20, 4)
    assert PurchaseOrder.get().status == "received"   # everything ordered has arrived
    with pytest.raises(InvalidInput, match="need a reason code"):
        receive("PO-1", "A1", 0, reject=1, operator="W1")
    with pytest.raises(NotFound, match="unknown reason code 'BAD'"):
        receive("PO-1", "A1", 0, reject=1, reason="BAD", operator="W1")
    assert verify().consistent


def test_over_receipt_warns_within_tolerance_and_refuses_beyond(site):
    setup_po()
    r = receive("PO-1", "A1", 26, operator="W1", tolerance_pct=10)
    assert r.warnings == ["over-receipt: 26 of 24 ordered (within the 10% tolerance)"]
    with pytest.raises(RuleViolation, match=r"24 ordered, 26 already received, at most 26 .* got 1 more"):
        receive("PO-1", "A1", 1, operator="W1", tolerance_pct=10)
    assert PurchaseOrderLine.get().qty_received == 26
    setup_po("PO-2", lines=(("A1", 10, "2.00"),))
    with pytest.raises(RuleViolation, match="over-receipt refused"):
        receive("PO-2", "A1", 11, operator="W1", tolerance_pct=0)
    assert Movement.select().count() == 1


def test_lot_and_expiry_required_and_consistent(site):
    dock, _, _ = site
    f.item("L1", lot=True)
    f.item("E1", expiry=True)
    setup_po(lines=(("L1", 10, "1"), ("E1", 10, "1")))
    with pytest.raises(InvalidInput, match="L1 is lot-tracked: a lot is required"):
        receive("PO-1", "L1", 5, operator="W1")
    with pytest.raises(InvalidInput, match="E1 is expiry-tracked: an expiry date is required"):
        receive("PO-1", "E1", 5, operator="W1", lot="B7")
    receive("PO-1", "E1", 5, operator="W1", lot="B7", expiry=dt.date(2027, 1, 15))
    with pytest.raises(RuleViolation, match="lot B7 of E1 expires 2027-01-15, not 2027-02-01"):
        receive("PO-1", "E1", 1, operator="W1", lot="B7", expiry=dt.date(2027, 2, 1))
    r = receive("PO-1", "E1", 2, operator="W1", lot="B7")   # a known lot keeps its expiry
    assert r.accepted.lot.expiry == dt.date(2027, 1, 15)
    with pytest.raises(InvalidInput, match="A2 is not lot-tracked"):
        f.item("A2")
        receive(None, "A2", 1, supplier="SUP1", lot="X", operator="W1")
    assert verify().consistent


def test_moving_average_cost(site):
    dock, _, _ = site
    it = f.item("A1", cost=1)
    f.give_stock(it, dock, 10)             # 10 units at 1.00
    setup_po(lines=(("A1", 30, "3.00"),))
    receive("PO-1", "A1", 30, operator="W1")
    # (10 × 1 + 30 × 3) / 40 = 2.50
    assert Item.get(sku="A1").unit_cost == Decimal("2.5")


def test_receipt_without_po_needs_supplier(site):
    dock, _, _ = site
    f.item("A1")
    with pytest.raises(InvalidInput, match="without a purchase order needs a supplier"):
        receive(None, "A1", 3, operator="W1")
    f.supplier("SUP9")
    r = receive(None, "A1", 3, supplier="SUP9", operator="W1")
    assert r.po_line is None and r.accepted.document == "RCV-SUP9"
    assert on_hand(Item.get(sku="A1"), dock) == 3
    with pytest.raises(NotFound, match="unknown operator 'NOBODY'"):
        receive(None, "A1", 3, supplier="SUP9", operator="NOBODY")


def test_same_key_twice_posts_once_and_returns_first_result(site):
    setup_po()
    first = receive("PO-1", "A1", 5, reject=1, reason="DAMAGED", operator="W1", key="scan-9")
    again = receive("PO-1", "A1", 5, reject=1, reason="DAMAGED", operator="W1", key="scan-9")
    assert (again.accepted.id, again.rejected.id) == (first.accepted.id, first.rejected.id)
    line = PurchaseOrderLine.get()
    assert (line.qty_received, line.qty_rejected) == (5, 1)
    assert Movement.select().count() == 2


def test_close_po_with_backorder_and_cancel_rest(site):
    setup_po(lines=(("A1", 24, "2"), ("B1", 5, "1")))
    receive("PO-1", "A1", 20, reject=1, reason="DAMAGED", operator="W1")
    bo = close_po("PO-1", backorder=True, operator="S1", station="ST-1")
    assert bo.number == "PO-1-BO1" and bo.status == "open" and bo.backorder_of_id == PurchaseOrder.get(number="PO-1").id
    assert sorted((l.item.sku, l.qty_ordered) for l in bo.lines) == [("A1", 3), ("B1", 5)]
    assert PurchaseOrder.get(number="PO-1").status == "closed"
    with pytest.raises(RuleViolation, match="PO-1 is closed"):
        receive("PO-1", "A1", 1, operator="W1")
    receive("PO-1-BO1", "A1", 1, operator="W1")
    assert close_po("PO-1-BO1", backorder=False, operator="S1") is None
    assert PurchaseOrder.get(number="PO-1-BO1").status == "closed"
    assert PurchaseOrderLine.get(po=bo, line_no=2).status == "cancelled"
    assert AuditLog.select().where(AuditLog.action == "close_po").count() == 2
    assert verify().consistent


def test_open_purchase_orders_earliest_first(site):
    setup_po("PO-B", expected=dt.date(2030, 1, 5))
    setup_po("PO-A", expected=dt.date(2030, 1, 9))
    setup_po("PO-C")
    receive("PO-B", "A1", 24, operator="W1")   # fully received: no longer open
    assert [p.number for p in open_purchase_orders()] == ["PO-A", "PO-C"]
