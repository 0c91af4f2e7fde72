"""Reason codes are matched without regard to case on every path (`damaged` is DAMAGED), and
stored as the code is written in the store."""
import pytest

from db.core.errors import NotFound
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine
from db.inventory import adjust
from db.masterdata.lookup import get_reason
from db.purchasing import receive
from tests import factories as f


@pytest.fixture
def site(store):
    f.warehouse("WH1")
    f.operator("W1")
    f.operator("S1", role="supervisor")
    f.location("DOCK", kind="receiving", zone="D", seq=0)
    f.location("QA", kind="quarantine", zone="Q", seq=9)
    a1 = f.location("A-01", seq=1)
    it = f.item("A1")
    f.give_stock(it, a1, 5)
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier())
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=10, unit_cost=1)
    return it


def test_get_reason_any_case_and_by_kind(site):
    assert get_reason("damaged").code == "DAMAGED"
    assert get_reason(" Loss ").code == "LOSS"
    assert get_reason("loss", "adjust").code == "LOSS"
    with pytest.raises(NotFound, match="reject reasons are"):
        get_reason("loss", "reject")


def test_receive_and_adjust_take_a_reason_in_any_case(site):
    res = receive("PO-1", "A1", 0, reject=2, reason="damaged", operator="W1", location="DOCK")
    assert res.rejected.reason == "DAMAGED"
    m = adjust("A1", -1, "A-01", reason="breakage", operator="S1")
    assert m.reason == "BREAKAGE"
    with pytest.raises(NotFound, match="adjustment reasons are"):
        adjust("A1", -1, "A-01", reason="nonsense", operator="S1")
    assert Movement.select().where(Movement.kind == "adjust").count() == 1
