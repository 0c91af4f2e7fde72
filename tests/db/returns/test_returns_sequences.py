"""Hypothesis: any sequence of receipts, returns to supplier, shipments, customer returns and
inspections (refused ones included) keeps the ledger equal to its balances, never returns more
than was delivered or shipped, and keeps the money side in step (a note per return)."""
import itertools
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings, strategies as st

from db.core.errors import WarehouseError
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from db.ledger.posting import verify
from db.money import MoneyDocument, statement
from db.purchasing import receive
from db.returns import ReturnLine, inspect_return, return_from_customer, return_to_supplier
from db.sales import pick, ship
from tests import factories as f

_n = itertools.count(1)
qty = st.integers(1, 6)
steps = st.lists(st.one_of(
    st.tuples(st.just("receive"), qty, st.integers(0, 2)),
    st.tuples(st.just("rtv"), qty, st.sampled_from(["DOCK", "QUAR"])),
    st.tuples(st.just("sell"), qty, st.just(0)),
    st.tuples(st.just("rma"), qty, st.just(0)),
    st.tuples(st.just("inspect"), qty, st.sampled_from(["restock", "scrap"])),
), min_size=1, max_size=14)


@settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run=steps)
def test_returns_keep_the_books(sqlite_store, run):
    n = next(_n)
    if not f.Location.select().where(f.Location.code == "DOCK").exists():
        f.operator("W1")
        for code, kind in (("DOCK", "receiving"), ("QUAR", "quarantine"), ("SHIP", "shipping"), ("A-01", "storage")):
            f.location(code, kind=kind)
    sup, cust, sku = f.supplier(f"S{n}"), f.customer(f"C{n}"), f"I{n}"
    f.item(sku, cost=2)
    po = PurchaseOrder.create(number=f"PO-{n}", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=f.Item.get(sku=sku), qty_ordered=1000, unit_cost=3)
    orders, rmas = [], []
    for kind, q, extra in run:
        try:
            if kind == "receive":
                receive(po.number, sku, q, reject=extra, reason="DAMAGED" if extra else None, operator="W1",
                        location="DOCK")
                from db.inventory import move
                move(sku, q, "DOCK", "A-01", operator="W1")
            elif kind == "rtv":
                return_to_supplier(sup.code, sku, q, "A-01" if extra == "DOCK" else "QUAR", po=po.number,
                                   reason="QUALITY", operator="W1")
            elif kind == "sell":
                so = SalesOrder.create(number=f"SO-{n}-{len(orders)}", customer=cust)
                SalesOrderLine.create(so=so, line_no=1, item=f.Item.get(sku=sku), qty_ordered=q, unit_price=5)
                orders.append(so.number)
                pick(so.number, sku, q, "A-01", operator="W1", station="ST")
                ship(so.number, operator="W1", station="ST")
            elif kind == "rma" and orders:
                rmas.append(return_from_customer(orders[-1], sku, q, reason="DAMAGED", operator="W1",
                                                 to="QUAR").document.number)
            elif kind == "inspect" and rmas:
                inspect_return(rmas[-1], sku, q, decision=extra, operator="W1", to="A-01")
        except WarehouseError:
            pass      # refused with a message: nothing posted
    assert verify().consistent
    for line in SalesOrderLine.select().join(SalesOrder).where(SalesOrder.customer == cust.id):
        back = sum(r.qty for r in ReturnLine.select().where(ReturnLine.so_line == line.id))
        assert back <= line.qty_shipped
    delivered = sum(l.qty_received + l.qty_rejected for l in po.lines)
    sent = sum(r.qty_sent for r in ReturnLine.select().where(ReturnLine.po_line.in_([l.id for l in po.lines])))
    assert sent <= delivered
    # every return of usable stock wrote a debit note, every customer return a credit note
    usable = sum(r.qty_sent for r in ReturnLine.select().where(ReturnLine.po_line.in_([l.id for l in po.lines]),
                                                               ReturnLine.from_usable == True))   # noqa: E712
    assert statement("payable", sup.code)["closing_balance"] == D(-3 * usable).quantize(D("0.01"))
    credited = sum(r.qty for r in ReturnLine.select().join(SalesOrderLine).join(SalesOrder)
                   .where(SalesOrder.customer == cust.id))
    assert statement("receivable", cust.code)["closing_balance"] == D(-5 * credited).quantize(D("0.01"))
    quarantine = f.Location.get(code="QUAR").id
    item = f.Item.get(sku=sku).id
    rtv_usable = Movement.select().where(Movement.kind == "rtv", Movement.item == item,
                                         Movement.from_location != quarantine).count()
    rma = Movement.select().where(Movement.kind == "rma", Movement.item == item).count()
    debit_notes = MoneyDocument.select().where(MoneyDocument.kind == "debit_note", MoneyDocument.supplier == sup.id)
    assert debit_notes.count() == rtv_usable
    assert MoneyDocument.select().where(MoneyDocument.kind == "credit_note", MoneyDocument.customer == cust.id).count() == rma
