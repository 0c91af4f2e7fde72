"""Returns both ways on SQLite and PostgreSQL, with the numbers worked out by hand."""
import datetime as dt
from decimal import Decimal

import pytest

from db.core.errors import InsufficientStock, RuleViolation
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from db.inventory import undo_movement
from db.ledger.posting import on_hand, verify
from db.money import MoneyDocument
from db.purchasing import receive
from db.returns import (ReturnLine, close_return, create_supplier_return, inspect_return, list_returns,
                        return_from_customer, return_to_supplier, send_return_line)
from db.reports.returns import returns
from db.reports.sales import sales
from db.reports.settlement import settlement
from db.reports.suppliers import scorecard
from db.sales import pick, ship
from tests import factories as f


@pytest.fixture
def site(store):
    f.operator("W1")
    f.operator("S1", role="supervisor")
    locs = {code: f.location(code, kind=kind, zone=code[0], seq=seq) for code, kind, seq in (
        ("DOCK", "receiving", 100), ("QUAR", "quarantine", 200), ("SHIP", "shipping", 900),
        ("A-01", "storage", 1), ("A-02", "storage", 2))}
    return locs


def _po(number, sup, sku, qty, cost):
    po = PurchaseOrder.create(number=number, supplier=f.supplier(sup))
    PurchaseOrderLine.create(po=po, line_no=1, item=f.Item.get(sku=sku), qty_ordered=qty, unit_cost=cost)
    return po


def test_return_to_supplier_rejects_at_po_price_usable_at_average(site):
    f.item("A1", cost=0)
    _po("PO-1", "SUP1", "A1", 10, 2)
    _po("PO-2", "SUP1", "A1", 10, 3)
    receive("PO-1", "A1", 8, reject=2, reason="DAMAGED", operator="W1", location="DOCK")
    receive("PO-2", "A1", 10, operator="W1", location="DOCK")
    # the moving average is costing's (the books issue): usable stock leaves at whatever it is
    average = f.Item.get(sku="A1").unit_cost
    assert Decimal("2") < average < Decimal("3")

    r = return_to_supplier("SUP1", "A1", 2, "QUAR", reason="DAMAGED", operator="W1", po="PO-1", key="k1")
    assert (r.movement.kind, r.movement.qty, r.movement.unit_cost) == ("rtv", 2, Decimal("2.00"))
    assert r.movement.to_location.code == "@SUPPLIER" and r.document.status == "shipped"
    assert r.document.number == "RTV-000001" and r.movement.document == "RTV-000001/1"
    # rejects were never owed: no debit note
    assert MoneyDocument.select().where(MoneyDocument.kind == "debit_note").count() == 0

    r = return_to_supplier("SUP1", "A1", 4, "DOCK", reason="QUALITY", operator="W1", po="PO-1")
    assert r.movement.unit_cost == average               # usable stock leaves at the average
    note = MoneyDocument.get(MoneyDocument.kind == "debit_note")
    assert note.amount == Decimal("-8.00")               # 4 × the PO price 2.00
    assert (note.supplier.code, note.reference) == ("SUP1", "RTV-000002/1")

    # PO-1 delivered 10 (8 + 2 rejects); 6 went back: 4 more at most
    with pytest.raises(RuleViolation,
                       match=r"delivered 10 × A1 on PO-1 and 6 already went back: at most 4 can be returned, got 5"):
        return_to_supplier("SUP1", "A1", 5, "DOCK", reason="QUALITY", operator="W1", po="PO-1")
    with pytest.raises(InsufficientStock):
        return_to_supplier("SUP1", "A1", 1, "QUAR", reason="DAMAGED", operator="W1")
    # the replayed key posts nothing and answers with the first return
    again = return_to_supplier("SUP1", "A1", 2, "QUAR", reason="DAMAGED", operator="W1", po="PO-1", key="k1")
    assert again.replayed and again.document.number == "RTV-000001"
    assert Movement.select().where(Movement.kind == "rtv").count() == 2
    assert on_hand(f.Item.get(sku="A1"), site["DOCK"]) == 14 and on_hand(f.Item.get(sku="A1"), site["QUAR"]) == 0
    assert verify().consistent
    # settlement: 8 × 2.00 + 10 × 3.00 accepted, less the 4 usable sent back at 2.00 (the rejects
    # were never owed): 46.00 − 8.00 = 38.00 for 14 units; the debit note is billed −8.00
    rows, _ = settlement()
    assert [(x["qty_accepted"], x["amount"], x["billed"]) for x in rows] == [(14, Decimal("38.00"), Decimal("-8.00"))]
    # scorecard: 2 rejects + 4 returned of 20 seen count against quality
    card, _ = scorecard(today=dt.date.today() + dt.timedelta(days=365))
    assert (card[0]["rejected"], card[0]["returned"]) == (2, 4)
    # returns by supplier and reason: 2 rejects at 2.00 (never owed: value 0), 4 usable at the
    # average, valued at the PO price 2.00
    rows, _ = returns(by="supplier")
    assert [(r["reason"], r["returns"], r["qty"], r["cost"], r["value"]) for r in rows] == [
        ("DAMAGED", 1, 2, Decimal("4.00"), Decimal("0.00")),
        ("QUALITY", 1, 4, (4 * average).quantize(Decimal("0.01")), Decimal("8.00"))]


def test_lot_that_never_came_from_the_supplier_is_refused(site):
    b = f.item("B1", lot=True)
    f.supplier("SUP1"), f.supplier("SUP2")
    receive(None, "B1", 5, operator="W1", supplier="SUP1", lot="L1", location="DOCK")
    receive(None, "B1", 5, operator="W1", supplier="SUP2", lot="L2", location="DOCK")
    with pytest.raises(RuleViolation, match="lot L2 of B1 never came from supplier SUP1"):
        return_to_supplier("SUP1", "B1", 1, "DOCK", lot="L2", reason="QUALITY", operator="W1")
    r = return_to_supplier("SUP1", "B1", 5, "DOCK", lot="L1", reason="QUALITY", operator="W1")
    assert r.line.lot.code == "L1" and on_hand(b, site["DOCK"], r.line.lot) == 0
    assert Movement.select().where(Movement.kind == "rtv").count() == 1


def test_open_return_sent_like_a_pick(site):
    f.item("A1", cost=0)
    _po("PO-1", "SUP1", "A1", 10, 2)
    receive("PO-1", "A1", 10, operator="W1", location="DOCK")
    doc = create_supplier_return("SUP1", [{"sku": "A1", "qty": 3, "from": "DOCK"}], reason="QUALITY",
                                 operator="W1", po="PO-1")
    assert [r["return"] for r in list_returns(open_only=True)] == [doc.number]
    with pytest.raises(RuleViolation, match="takes A1 from DOCK, not A-01"):
        send_return_line(doc.number, "A1", 3, "A-01", operator="W1")
    with pytest.raises(RuleViolation, match="has 3 × A1 left to send, got 4"):
        send_return_line(doc.number, "A1", 4, "DOCK", operator="W1")
    send_return_line(doc.number, "A1", 2, "DOCK", operator="W1")
    r = send_return_line(doc.number, "A1", 1, "DOCK", operator="W1")
    assert r.document.status == "shipped" and list_returns(open_only=True) == []
    with pytest.raises(RuleViolation, match="is shipped: expected an open one"):
        send_return_line(doc.number, "A1", 1, "DOCK", operator="W1")
    assert close_return(doc.number, operator="W1").status == "closed"
    # two debit notes of 2 × 2.00 and 1 × 2.00
    assert sorted(d.amount for d in MoneyDocument.select()) == [Decimal("-4.00"), Decimal("-2.00")]


def _shipped_order(site, qty=5, price=4):
    it = f.item("A1", cost=Decimal("1.50"))
    f.give_stock(it, site["A-01"], 10)
    so = SalesOrder.create(number="SO-1", customer=f.customer("C1"))
    SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=qty, unit_price=price)
    pick("SO-1", "A1", qty, "A-01", operator="W1", station="ST")
    ship("SO-1", operator="W1", station="ST")
    return it


def test_customer_return_inspected_restock_and_scrap(site):
    it = _shipped_order(site)
    r = return_from_customer("SO-1", "A1", 2, reason="DAMAGED", operator="W1", to="QUAR", key="rma1")
    assert (r.movement.kind, r.movement.from_location.code, r.movement.to_location.code) == ("rma", "@CUSTOMER", "QUAR")
    assert r.movement.unit_cost == Decimal("1.50")          # the cost they left with
    note = MoneyDocument.get(MoneyDocument.kind == "credit_note")
    assert note.amount == Decimal("-8.00") and note.customer.code == "C1"   # 2 × 4.00
    with pytest.raises(RuleViolation,
                       match="SO-1 shipped 5 × A1 to customer C1 and 2 already came back: at most 3 can be returned, got 4"):
        return_from_customer("SO-1", "A1", 4, reason="DAMAGED", operator="W1", to="QUAR")
    assert return_from_customer("SO-1", "A1", 2, reason="DAMAGED", operator="W1", to="QUAR", key="rma1").replayed
    number = r.document.number
    restock = inspect_return(number, "A1", 1, decision="restock", operator="W1")
    assert restock.movement.to_location.code == "A-01"     # back where it was picked from
    scrap = inspect_return(number, "A1", 1, decision="scrap", operator="W1")
    assert scrap.movement.to_location.code == "@LOSS" and scrap.movement.unit_cost == Decimal("1.50")
    assert scrap.document.status == "closed"
    with pytest.raises(RuleViolation, match="is closed: expected an open one"):
        inspect_return(number, "A1", 1, decision="restock", operator="W1")
    undo_movement(scrap.movement.id, operator="W1")
    line = ReturnLine.get_by_id(r.line.id)
    assert (line.qty_restocked, line.qty_scrapped, line.document.status) == (1, 0, "open")
    assert on_hand(it, site["A-01"]) == 6 and on_hand(it, site["QUAR"]) == 1
    with pytest.raises(RuleViolation, match="cannot be undone"):
        undo_movement(r.movement.id, operator="W1")
    assert verify().consistent
    # sales net of returns: 5 shipped at 4.00, 2 back: 3 units, 12.00, a return rate of 40%
    rows, _ = sales(by="item")
    assert [(x["qty"], x["revenue"], x["returned"], x["return_rate_pct"]) for x in rows] == [
        (3, Decimal("12.00"), 2, 40.0)]
    rows, _ = returns(by="customer")
    assert [(r["customer"], r["sku"], r["reason"], r["qty"], r["restocked"], r["scrapped"], r["to_inspect"],
             r["value"]) for r in rows] == [("C1", "A1", "DAMAGED", 2, 1, 0, 1, Decimal("8.00"))]


def test_customer_return_lot_must_have_gone_to_that_customer(site):
    it = f.item("L9", lot=True, cost=1)
    l1, l2 = f.lot(it, "LA"), f.lot(it, "LB")
    f.give_stock(it, site["A-01"], 3, l1)
    f.give_stock(it, site["A-02"], 3, l2)
    so = SalesOrder.create(number="SO-9", customer=f.customer("C1"))
    SalesOrderLine.create(so=so, line_no=1, item=it, qty_ordered=2, unit_price=5)
    pick("SO-9", "L9", 2, "A-01", lot="LA", operator="W1", station="ST", fefo=False)
    ship("SO-9", operator="W1", station="ST")
    with pytest.raises(RuleViolation, match="lot LB of L9 never went to customer C1 on SO-9"):
        return_from_customer("SO-9", "L9", 1, lot="LB", reason="DAMAGED", operator="W1", to="QUAR")
    r = return_from_customer("SO-9", "L9", 1, reason="DAMAGED", operator="W1", to="QUAR")
    assert r.line.lot.code == "LA"     # the one lot shipped comes back
    assert Movement.select().where(Movement.kind == "rma").count() == 1
