"""Payables and receivables on SQLite and PostgreSQL, with the numbers worked out by hand."""
import datetime as dt
from decimal import Decimal as D

import pytest

from db.core.errors import InvalidInput, PermissionDenied, RuleViolation
from db.core.models import AuditLog, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine, utcnow
from db.money import (CreditOverride, MoneyDocument, ageing, apply_later, balance, bill, cancel_document,
                      collect, invoice, open_amount, party, pay, statement)
from db.purchasing import receive
from db.reports.customers import customers, order_history
from db.reports.ledgers import overdue_summary
from db.returns import return_from_customer, return_to_supplier
from db.sales import next_sales_order, pick, ship
from tests import factories as f

TODAY = utcnow().date()


@pytest.fixture
def site(store):
    f.operator("W1")
    f.operator("S1", role="supervisor")
    for code, kind, seq in (("DOCK", "receiving", 100), ("QUAR", "quarantine", 200),
                            ("SHIP", "shipping", 900), ("A-01", "storage", 1)):
        f.location(code, kind=kind, zone=code[0], seq=seq)


def _po(number, lines):
    po = PurchaseOrder.create(number=number, supplier=f.supplier("SUP1"))
    for n, (sku, qty, cost) in enumerate(lines, start=1):
        PurchaseOrderLine.create(po=po, line_no=n, item=f.Item.get(sku=sku), qty_ordered=qty, unit_cost=cost)


def test_supplier_two_bills_debit_note_partial_payment_and_advance(site):
    f.item("A1"), f.item("B1")
    _po("PO-1", [("A1", 10, D("2.50")), ("B1", 4, 10)])
    _po("PO-2", [("A1", 6, 3)])
    with pytest.raises(RuleViolation, match="nothing to bill on PO-1: 0 units accepted"):
        bill("PO-1", operator="W1")
    for po, sku, qty in (("PO-1", "A1", 10), ("PO-1", "B1", 4), ("PO-2", "A1", 6)):
        receive(po, sku, qty, operator="W1", location="DOCK")
    with pytest.raises(RuleViolation, match="before the first receipt on PO-1"):
        bill("PO-1", operator="W1", date=TODAY - dt.timedelta(days=1))
    b1 = bill("PO-1", number="INV-A1", operator="W1", key="b1").document
    assert (b1.amount, b1.due_date) == (D("65.00"), TODAY + dt.timedelta(days=30))   # 10 × 2.50 + 4 × 10.00
    assert bill("PO-1", number="INV-A1", operator="W1", key="b1").replayed
    with pytest.raises(RuleViolation, match="nothing to bill on PO-1: 14 units accepted, all billed"):
        bill("PO-1", operator="W1")
    with pytest.raises(RuleViolation,
                       match=r"billed price 3.10 for A1 differs from the PO price 3.00 by \+3.33%, beyond the 2.0% tolerance"):
        bill("PO-2", number="INV-A2", operator="W1", prices={"A1": D("3.10")})
    with pytest.raises(RuleViolation, match="supplier SUP1 already has a document numbered INV-A1"):
        bill("PO-2", number="INV-A1", operator="W1")
    second = bill("PO-2", number="INV-A2", operator="W1", prices={"A1": D("3.05")})
    assert second.document.amount == D("18.30") and "+1.67%" in second.warnings[0]      # 6 × 3.05
    assert MoneyDocument.select().where(MoneyDocument.kind == "bill").count() == 2

    return_to_supplier("SUP1", "A1", 2, "DOCK", reason="QUALITY", operator="W1", po="PO-1")   # debit 2 × 2.50
    with pytest.raises(PermissionDenied):
        pay("SUP1", "50", operator="W1")
    with pytest.raises(InvalidInput, match="must be positive, got -5"):
        pay("SUP1", "-5", operator="S1")
    with pytest.raises(InvalidInput, match="whole cents"):
        pay("SUP1", "1.005", operator="S1")
    first = pay("SUP1", "50.00", operator="S1", applies=[("INV-A1", None)], reference="bank 1")
    assert [a.amount for a in first.applied] == [D("50.00")] and open_amount(b1) == D("15.00")
    # owed now: 65 + 18.30 − 5 − 50 = 28.30; paying 40 leaves an advance of 11.70, said so
    advance = pay("SUP1", "40", operator="S1")
    assert advance.unapplied == D("40.00") and "11.70 more than the 28.30 owed" in advance.messages[1]
    applied = apply_later("payable", "SUP1", advance.document.number, "INV-A2", "18.30", operator="S1")
    assert applied.amount == D("18.30") and open_amount(advance.document) == D("21.70")

    s = statement("payable", "SUP1")
    assert [(l["kind"], l["amount"], l["balance"]) for l in s["lines"]] == [
        ("bill", D("65.00"), D("65.00")), ("bill", D("18.30"), D("83.30")),
        ("debit_note", D("-5.00"), D("78.30")), ("payment", D("-50.00"), D("28.30")),
        ("payment", D("-40.00"), D("-11.70"))]
    assert (s["opening_balance"], s["closing_balance"]) == (D("0.00"), D("-11.70"))
    later = statement("payable", "SUP1", date_from=TODAY + dt.timedelta(days=1))
    assert later["opening_balance"] == later["closing_balance"] == D("-11.70") and later["lines"] == []
    # 45 days on, INV-A1's 15.00 is 15 days overdue, and the 26.70 unapplied (debit note 5.00,
    # advance 21.70) covers it: 11.70 of advance is left as a negative current amount.
    aged = ageing("payable", party("payable", "SUP1"), TODAY + dt.timedelta(days=45))
    assert (aged["current"], aged["1-30"], aged["balance"]) == (D("-11.70"), D("0.00"), D("-11.70"))


def test_apply_to_another_suppliers_bill_is_refused(site):
    f.item("A1")
    _po("PO-1", [("A1", 2, 5)])
    receive("PO-1", "A1", 2, operator="W1", location="DOCK")
    bill("PO-1", number="X1", operator="W1")
    f.supplier("SUP2")
    with pytest.raises(RuleViolation, match="bill X1 belongs to supplier SUP1, not SUP2: nothing posted"):
        pay("SUP2", "10", operator="S1", applies=[("X1", None)])
    assert MoneyDocument.select().where(MoneyDocument.kind == "payment").count() == 0
    with pytest.raises(RuleViolation, match="bill X1 has 10.00 open; cannot apply 12.00"):
        pay("SUP1", "20", operator="S1", applies=[("X1", D("12.00"))])
    assert MoneyDocument.select().where(MoneyDocument.kind == "payment").count() == 0


def _ship(number, lines):
    so = SalesOrder.create(number=number, customer=f.customer("C1"))
    for n, (sku, qty, price) in enumerate(lines, start=1):
        SalesOrderLine.create(so=so, line_no=n, item=f.Item.get(sku=sku), qty_ordered=qty, unit_price=price)
    for sku, qty, _ in lines:
        pick(number, sku, qty, "A-01", operator="W1", station="ST")
    ship(number, operator="W1", station="ST")


def test_customer_invoices_credit_note_receipts_overdue_and_credit_limit(site):
    a, b = f.item("A1"), f.item("B1")
    f.give_stock(a, f.Location.get(code="A-01"), 50)
    f.give_stock(b, f.Location.get(code="A-01"), 5)
    c = f.customer("C1")
    c.terms_days, c.credit_limit = 15, 100
    c.save()
    _ship("SO-1", [("A1", 5, 4), ("B1", 2, D("12.50"))])
    _ship("SO-2", [("A1", 3, D("3.333"))])
    inv1 = invoice("SO-1", operator="W1").document
    inv2 = invoice("SO-2", operator="W1").document
    assert (inv1.amount, inv2.amount) == (D("45.00"), D("10.00"))    # 20 + 25; 3 × 3.333 = 9.999 → 10.00
    assert inv1.due_date == TODAY + dt.timedelta(days=15)
    with pytest.raises(RuleViolation, match="nothing to invoice on SO-1: 7 units shipped, all invoiced"):
        invoice("SO-1", operator="W1")
    return_from_customer("SO-1", "A1", 1, reason="DAMAGED", operator="W1", to="QUAR")   # credit 4.00
    collect("C1", "30", operator="S1", applies=[(inv1.number, None)])
    r2 = collect("C1", "5", operator="S1", applies=[(inv2.number, None)])
    assert open_amount(inv1) == D("15.00") and open_amount(inv2) == D("5.00")
    who = party("receivable", "C1")
    assert balance("receivable", who) == D("16.00")       # 45 + 10 − 4 − 30 − 5
    aged = ageing("receivable", who, TODAY + dt.timedelta(days=20))
    assert (aged["current"], aged["1-30"], aged["overdue"]) == (D("0.00"), D("16.00"), D("16.00"))

    # credit limit 100: balance 16.00 + SO-3's 30 × 4.00 = 136.00
    so3 = SalesOrder.create(number="SO-3", customer=c)
    SalesOrderLine.create(so=so3, line_no=1, item=a, qty_ordered=30, unit_price=4)
    with pytest.raises(RuleViolation, match=r"customer C1 would owe 136.00 with order SO-3 \(balance 16.00 plus open orders\), "
                                            r"over the credit limit 100.00 by 36.00"):
        next_sales_order(operator="W1", station="ST", so="SO-3")
    with pytest.raises(RuleViolation, match="over the credit limit"):
        pick("SO-3", "A1", 1, "A-01", operator="W1", station="ST")
    with pytest.raises(PermissionDenied):
        next_sales_order(operator="W1", station="ST", so="SO-3", credit_override="W1")
    claimed = next_sales_order(operator="W1", station="ST", so="SO-3", credit_override="S1")
    assert claimed.status == "picking" and CreditOverride.get().exposure == D("136.00")
    assert AuditLog.select().where(AuditLog.action == "credit_override").count() == 1

    # 红冲: cancelling invoice 2 frees the 5.00 applied to it
    done = cancel_document("receivable", "C1", inv2.number, reason="wrong price", operator="S1")
    assert done.cancel.amount == D("-10.00") and open_amount(r2.document) == D("5.00")
    assert balance("receivable", who) == D("6.00")
    with pytest.raises(RuleViolation, match="was already cancelled"):
        cancel_document("receivable", "C1", inv2.number, reason="again", operator="S1")
    s = statement("receivable", "C1")
    assert s["closing_balance"] == s["opening_balance"] + sum(l["amount"] for l in s["lines"]) == D("6.00")
    assert s["lines"][-1]["reference"] == f"cancels {inv2.number}"
    # the customers report: sales net of returns, the balance and the limit on the customer's line
    rows, _ = customers()
    assert [(r["shipped_value"], r["returned_value"], r["net_value"], r["balance"], r["credit_limit"])
            for r in rows] == [(D("55.00"), D("4.00"), D("51.00"), D("6.00"), D("100.00"))]
    history, _ = order_history("C1")
    assert [(h["so"], h["qty_returned"]) for h in history] == [("SO-1", 1), ("SO-2", 0), ("SO-3", 0)]
    # 20 days on: INV-1's 15.00 less the unapplied 4.00 note and 5.00 receipt is 6.00 overdue
    assert overdue_summary(TODAY + dt.timedelta(days=20)) == \
        "payables overdue 0.00 (0 suppliers) · receivables overdue 6.00 (1 customer)"
