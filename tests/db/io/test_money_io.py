"""CSV import and export of opening balances, money documents and open returns to supplier,
each exported in the shape its import reads; a bad file is refused whole."""
import datetime as dt
from decimal import Decimal as D

import pytest

from db.core.models import Customer, PurchaseOrder, PurchaseOrderLine, Supplier
from db.io import exporter
from db.io.importer import ImportFailed, import_csv
from db.money import MoneyDocument, statement
from db.money.documents import create_document
from db.purchasing import receive
from db.returns import ReturnDocument, send_return_line
from tests import factories as f


def export_csv(kind):
    import io
    out = io.StringIO()
    exporter.write(kind, "csv", out)
    return out.getvalue()


@pytest.fixture
def site(store):
    f.operator("W1")
    f.supplier("SUP1"), f.customer("C1")
    f.location("DOCK", kind="receiving")


def test_terms_and_credit_limits_import_and_export(site):
    import_csv("suppliers", b"code,name,terms_days\nSUP1,Supplier One,45\nSUP2,Two,\n")
    import_csv("customers", b"code,name,terms_days,credit_limit\nC1,Shop,15,2500.00\n")
    assert Supplier.get(code="SUP1").terms_days == 45 and Supplier.get(code="SUP2").terms_days is None
    c = Customer.get(code="C1")
    assert (c.terms_days, c.credit_limit) == (15, D("2500.00"))
    text = export_csv("customers")
    assert text.splitlines()[0] == "code,name,contact,address,terms_days,credit_limit"
    assert "C1,Shop,,,15,2500.00" in text
    assert import_csv("customers", text.encode()).updated == 1


def test_opening_balances(site):
    data = (b"supplier,customer,date,amount,due_date,reference\n"
            b"SUP1,,2026-01-01,120.50,2026-01-31,brought forward\n,C1,2026-01-01,-10.00,,advance\n")
    result = import_csv("opening-balances", data, operator="W1")
    assert result.created == 2
    s = statement("payable", "SUP1")
    assert [(l["kind"], l["amount"], l["date"]) for l in s["lines"]] == [("opening", D("120.50"), dt.date(2026, 1, 1))]
    assert statement("receivable", "C1")["closing_balance"] == D("-10.00")
    assert import_csv("opening-balances", data, operator="W1").skipped == 2        # the same file again
    with pytest.raises(ImportFailed, match="OB-P-000001 is already the opening balance of SUP1: cancel it first"):
        import_csv("opening-balances", b"supplier,date,amount\nSUP1,2026-02-01,5\n")
    with pytest.raises(ImportFailed) as bad:
        import_csv("opening-balances", b"supplier,customer,date,amount\nSUP1,C1,2026-01-01,5\nNOPE,,2026-01-01,1.005\n")
    assert bad.value.errors == [
        "row 2, column supplier: name a supplier or a customer (one of them), not both or neither",
        "row 3, column amount: expected an amount in whole cents like -12.50, got '1.005'",
        "row 3, column supplier: unknown supplier 'NOPE': import suppliers first"]
    assert MoneyDocument.select().count() == 2
    exported = export_csv("opening-balances")
    assert exported.splitlines()[0] == "supplier,customer,date,amount,due_date,reference"
    assert "SUP1,," in exported and ",120.50," in exported and ",C1," in exported and ",-10.00," in exported


def test_money_documents_round_trip(site):
    sup = Supplier.get(code="SUP1")
    bill = create_document("payable", "bill", sup, amount=D("40.00"), date=dt.date(2026, 3, 1), operator="W1",
                           number="B-1", due_date=dt.date(2026, 3, 31))
    create_document("payable", "payment", sup, amount=D("-15.00"), date=dt.date(2026, 3, 5), operator="W1")
    create_document("payable", "cancel", sup, amount=D("-40.00"), date=dt.date(2026, 3, 6), operator="W1",
                    cancels=bill)
    text = export_csv("money-documents")
    lines = text.splitlines()
    assert lines[0] == "side,kind,number,supplier,customer,date,due_date,amount,reference,cancels"
    assert lines[1] == "payable,bill,B-1,SUP1,,2026-03-01,2026-03-31,40.00,,"
    assert lines[3] == "payable,cancel,CX-P-000001,SUP1,,2026-03-06,,-40.00,,B-1"
    assert import_csv("money-documents", text.encode()).skipped == 3           # all in the store already
    with pytest.raises(ImportFailed, match="row 2, column amount: B-1 is in the store with amount 40.00, not 41.00"):
        import_csv("money-documents", text.replace("40.00,,\n", "41.00,,\n", 1).encode())
    new = ("side,kind,number,supplier,customer,date,due_date,amount,reference,cancels\n"
           "receivable,invoice,I-9,,C1,2026-03-02,2026-03-17,12.34,,\n"
           "receivable,receipt,R-9,,C1,2026-03-03,,-2.34,,\n"
           "receivable,receipt,R-10,,C1,2026-03-03,,5.00,,\n")
    with pytest.raises(ImportFailed, match="row 4, column amount: a receipt's amount is negative"):
        import_csv("money-documents", new.encode())
    result = import_csv("money-documents", new.rsplit("receivable,receipt,R-10", 1)[0].encode())
    assert result.created == 2 and statement("receivable", "C1")["closing_balance"] == D("10.00")


def test_open_returns_import_and_export(site):
    po = PurchaseOrder.create(number="PO-1", supplier=Supplier.get(code="SUP1"))
    PurchaseOrderLine.create(po=po, line_no=1, item=f.item("A1"), qty_ordered=10, unit_cost=2)
    receive("PO-1", "A1", 10, operator="W1", location="DOCK")
    data = b"return,supplier,po,sku,lot,from,qty,reason\nRTV-900,SUP1,PO-1,A1,,DOCK,4,QUALITY\n"
    assert import_csv("returns", data, operator="W1").created == 1
    assert import_csv("returns", data, operator="W1").skipped == 1
    send_return_line("RTV-900", "A1", 1, "DOCK", operator="W1")
    assert export_csv("returns").splitlines() == ["return,supplier,po,sku,lot,from,qty,reason",
                                                  "RTV-900,SUP1,PO-1,A1,,DOCK,3,QUALITY"]
    with pytest.raises(ImportFailed,
                       match="row 2: return RTV-901: supplier SUP1 delivered 10 × A1 on PO-1 and 1 already went back"):
        import_csv("returns", b"return,supplier,po,sku,from,qty,reason\nRTV-901,SUP1,PO-1,A1,DOCK,10,QUALITY\n",
                   operator="W1")
    assert ReturnDocument.select().count() == 1
