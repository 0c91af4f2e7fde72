"""A claim refused for the customer's credit limit, and a supervisor letting it through at the
station (code, then PIN; audited), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from db.core.models import AuditLog, Customer, SalesOrder
from db.masterdata.security import set_pin
from db.money import CreditOverride, configure_from
from terminal import config
from terminal.flows.picking import PickingFlow
from tests import terminal_data as td


@pytest.fixture
def data(store):
    data = td.seed()
    configure_from(config.Config(config.defaults()))
    c = Customer.get(Customer.code == "CUST1")
    c.credit_limit = 50
    c.save()
    td.sales_order("SO-77", lines=(("SKU-100", 12),))       # 12 × 5.00 = 60.00 > 50.00
    set_pin("S1", "4321")
    data["url"] = store
    return data


def test_credit_limit_refused_then_overridden_by_a_supervisor(data):
    d = td.FlowDriver(data["url"], PickingFlow)
    try:
        fb = d.type("SO-77")
        assert fb.level == "error" and fb.message == (
            "customer CUST1 would owe 60.00 with order SO-77 (balance 0.00 plus open orders), over the "
            "credit limit 50.00 by 10.00: a supervisor may override (F4)")
        assert [k.action for k in d.flow.keys] == ["undo", "override"]
        d.key("override")
        assert d.flow.prompt == "Supervisor: scan your badge or type your code to let SO-77 over the credit limit"
        fb = d.type("W2")
        assert fb.level == "error" and "only a supervisor may override" in fb.message and d.flow.state == "choose"
        d.key("override")
        d.type("S1")
        assert d.flow.prompt == "Supervisor S1: type your PIN, then Enter"
        fb = d.type("0000")
        assert fb.level == "error" and "wrong PIN for supervisor S1" in fb.message
        assert SalesOrder.get(SalesOrder.number == "SO-77").status == "open"
        d.key("override")
        d.type("S1")
        fb = d.type("4321")
        assert fb.level == "ok" and fb.message.startswith("SO-77 for ")
        assert SalesOrder.get(SalesOrder.number == "SO-77").status == "picking"
        assert CreditOverride.get().by == "S1"
        assert AuditLog.select().where(AuditLog.action == "credit_override").count() == 1
    finally:
        d.close()
