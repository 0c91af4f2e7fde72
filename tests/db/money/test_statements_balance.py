"""Hypothesis: whatever money is posted, applied or cancelled, each statement closes at its
opening plus its lines to the cent, ageing buckets add up to the balance, and the payables and
receivables totals equal the sum of the statements."""
import itertools
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings, strategies as st

from db.core.errors import WarehouseError
from db.core.models import utcnow
from db.money import MoneyDocument, cancel_document, collect, pay, statement
from db.money.documents import create_document
from db.reports.ledgers import payables, receivables
from tests import factories as f

_n = itertools.count(1)
amounts = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)
steps = st.lists(st.one_of(
    st.tuples(st.just("bill"), st.integers(1, 7), st.decimals(min_value=D("0.001"), max_value=D("99"), places=3)),
    st.tuples(st.just("pay"), amounts, st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 20), st.booleans()),
), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payable=steps, receivable=steps)
def test_statements_always_balance(sqlite_store, payable, receivable):
    f.operator("S1", role="supervisor")
    sup, cust = f.supplier(f"S{next(_n)}"), f.customer(f"C{next(_n)}")
    for side, who, run in (("payable", sup, payable), ("receivable", cust, receivable)):
        for step in run:
            try:
                _step(side, who, step)
            except WarehouseError:
                pass       # refused with a message: nothing posted, the books still balance
    for side, who, (rows, _) in (("payable", sup, payables()), ("receivable", cust, receivables())):
        s = statement(side, who.code)
        assert s["closing_balance"] == s["opening_balance"] + sum((l["amount"] for l in s["lines"]), D(0))
        assert all(l["amount"] == l["amount"].quantize(D("0.01")) for l in s["lines"])
        codes = [r["supplier" if side == "payable" else "customer"] for r in rows]
        total = sum((r["balance"] for r in rows), D(0))
        assert total == sum((statement(side, code)["closing_balance"] for code in codes), D(0))
        for r in rows:
            assert r["balance"] == sum((r[b] for b in ("current", "1-30", "31-60", "61-90", "over_90")), D(0))


def _step(side, who, step):
    kind = step[0]
    if kind == "bill":
        _, qty, price = step
        from db.money import cents
        amount = cents(qty * price)
        create_document(side, "bill" if side == "payable" else "invoice", who, amount=amount,
                        date=utcnow().date(), operator="S1",
                        lines=[{"qty": qty, "unit_price": price, "amount": amount}])
    elif kind == "pay":
        _, amount, apply_all = step
        docs = MoneyDocument.select().where(MoneyDocument.amount > 0, MoneyDocument.kind.in_(("bill", "invoice")),
                                            (MoneyDocument.supplier == who.id) if side == "payable"
                                            else (MoneyDocument.customer == who.id))
        applies = [(d.number, None) for d in docs] if apply_all else []
        (pay if side == "payable" else collect)(who.code, str(amount), operator="S1", applies=applies)
    else:
        _, index, _ = step
        docs = list(MoneyDocument.select().where((MoneyDocument.supplier == who.id) if side == "payable"
                                                 else (MoneyDocument.customer == who.id)).order_by(MoneyDocument.id))
        if docs:
            cancel_document(side, who.code, docs[index % len(docs)].number, reason="test", operator="S1")
