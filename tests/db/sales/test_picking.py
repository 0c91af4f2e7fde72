"""Claiming sales orders, pick lists, FEFO, picking, short picks and shipping with backorders."""
import datetime as dt

import pytest

from db.core.errors import NotFound, RuleViolation
from db.ledger.posting import on_hand, verify
from db.core.models import Balance, Movement, PickShortage, SalesOrder, SalesOrderLine
from db.sales import (Allocation, next_sales_order, open_sales_orders, pick, pick_list, release_sales_order, ship,
                      short_pick)
from tests import factories as f


def make_so(number, lines, priority=5, due=None):
    so = SalesOrder.create(number=number, customer=f.customer(), priority=priority, due_date=due)
    for n, (sku, qty) in enumerate(lines, start=1):
        SalesOrderLine.create(so=so, line_no=n, item=f.Item.get(sku=sku), qty_ordered=qty, unit_price=3)
    return so


@pytest.fixture
def site(store):
    f.operator("W1")
    f.operator("W2")
    f.location("SHIP", kind="shipping", zone="S", seq=900)
    a1, a2 = f.location("A-01", seq=1), f.location("A-02", seq=2)
    return a1, a2


def allocated(it, loc, lot=None):
    b = Balance.get_or_none(Balance.item == it.id, Balance.location == loc.id,
                            Balance.lot.is_null() if lot is None else Balance.lot == lot.id)
    return b.allocated if b else 0


def test_next_sales_order_by_priority_due_date_and_allocates(site):
    a1, a2 = site
    it = f.item("A1")
    f.give_stock(it, a1, 3)
    f.give_stock(it, a2, 10)
    make_so("SO-3", [("A1", 1)], priority=5)
    make_so("SO-2", [("A1", 1)], priority=1, due=dt.date(2030, 1, 9))
    make_so("SO-1", [("A1", 5)], priority=1, due=dt.date(2030, 1, 2))
    assert [s.number for s in open_sales_orders()] == ["SO-1", "SO-2", "SO-3"]
    so = next_sales_order(operator="W1", station="ST-1")
    assert (so.number, so.status, so.assigned_station, so.assigned_operator) == ("SO-1", "picking", "ST-1", "W1")
    # 5 promised: 3 at A-01 (first in pick sequence), 2 at A-02
    assert (allocated(it, a1), allocated(it, a2)) == (3, 2)
    assert next_sales_order(operator="W2", station="ST-2").number == "SO-2"
    with pytest.raises(RuleViolation, match="SO-1 is being picked at station ST-1 by W1"):
        next_sales_order(operator="W2", station="ST-2", so="SO-1")
    assert next_sales_order(operator="W1", station="ST-1", so="SO-1").number == "SO-1"
    release_sales_order("SO-1", operator="W1", station="ST-1")
    assert SalesOrder.get(number="SO-1").status == "open"
    assert allocated(it, a1) == 0 and Allocation.select().count() == 1   # SO-2's one unit
    assert verify().consistent


def test_no_unit_promised_twice(site):
    a1, _ = site
    it = f.item("A1")
    f.give_stock(it, a1, 4)
    make_so("SO-1", [("A1", 3)], priority=1)
    make_so("SO-2", [("A1", 3)], priority=2)
    next_sales_order(operator="W1", station="ST-1")
    next_sales_order(operator="W2", station="ST-2")
    assert allocated(it, a1) == 4
    # SO-1's allocation cannot be taken by SO-2: only 1 unit is SO-2's
    from db.core.errors import InsufficientStock
    with pytest.raises(InsufficientStock):
        pick("SO-2", "A1", 2, "A-01", operator="W2", station="ST-2")
    pick("SO-1", "A1", 3, "A-01", operator="W1", station="ST-1")
    pick("SO-2", "A1", 1, "A-01", operator="W2", station="ST-2")
    assert verify().consistent


def test_pick_list_and_pick_to_shipping(site):
    a1, a2 = site
    it, it2 = f.item("A1"), f.item("B1")
    f.give_stock(it, a2, 10)
    f.give_stock(it2, a1, 10)
    make_so("SO-1", [("A1", 4), ("B1", 2)])
    tasks = pick_list("SO-1")
    assert [(t.location, t.sku, t.qty, t.line_no) for t in tasks] == [("A-01", "B1", 2, 2), ("A-02", "A1", 4, 1)]
    m = pick("SO-1", "A1", 3, "A-02", operator="W1", station="ST-1", key="p1")
    assert (m.kind, m.to_location.code, m.document, m.so_line.line_no) == ("pick", "SHIP", "SO-1/1", 1)
    assert SalesOrder.get(number="SO-1").status == "picking"    # claimed by the pick
    assert pick("SO-1", "A1", 3, "A-02", operator="W1", station="ST-1", key="p1").id == m.id
    assert SalesOrderLine.get(line_no=1).qty_picked == 3 and allocated(it, a2) == 1
    assert m.so_line.qty_picked == 3    # the movement carries the line as it is now
    with pytest.raises(RuleViolation, match="picking 2 × A1 refused: SO-1 line 1 has 4 ordered, 3 picked, 0 short, so 1 to pick"):
        pick("SO-1", "A1", 2, "A-02", operator="W1", station="ST-1")
    with pytest.raises(RuleViolation, match="SO-1 is being picked at station ST-1, not ST-2"):
        pick("SO-1", "A1", 1, "A-02", operator="W2", station="ST-2")
    with pytest.raises(NotFound, match="item C1 is not on sales order SO-1"):
        f.item("C1")
        pick("SO-1", "C1", 1, "A-02", operator="W1", station="ST-1")
    assert [(t.location, t.qty) for t in pick_list("SO-1")] == [("A-01", 2), ("A-02", 1)]
    pick("SO-1", "A1", 1, "A-02", operator="W1", station="ST-1")
    pick("SO-1", "B1", 2, "A-01", operator="W1", station="ST-1")
    assert SalesOrder.get(number="SO-1").status == "picked" and pick_list("SO-1") == []
    assert Allocation.select().count() == 0 and verify().consistent


def test_pick_list_merges_allocated_and_free_units_of_one_place(site):
    a1, _ = site
    it = f.item("A1")
    f.give_stock(it, a1, 2)
    make_so("SO-1", [("A1", 5)])
    next_sales_order(operator="W1", station="ST-1")      # 2 allocated, 3 not there yet
    f.give_stock(it, a1, 10)                             # more arrives on the same shelf
    assert [(t.location, t.qty) for t in pick_list("SO-1")] == [("A-01", 5)]


def test_fefo_refusal_names_the_lot_to_pick(site):
    from db.core.clock import fixed_today
    with fixed_today(dt.date(2026, 11, 1)):     # both lots still good (L17 expires 12-01)
        fefo_refusal_names_the_lot_to_pick(*site)


def fefo_refusal_names_the_lot_to_pick(a1, a2):
    it = f.item("E1", expiry=True)
    early, late = f.lot(it, "L17", "2026-12-01"), f.lot(it, "L42", "2027-01-15")
    f.give_stock(it, a1, 5, late)
    f.give_stock(it, a2, 5, early)
    make_so("SO-1", [("E1", 3)])
    assert [(t.location, t.lot, t.expiry) for t in pick_list("SO-1")] == [("A-02", "L17", dt.date(2026, 12, 1))]
    with pytest.raises(RuleViolation, match=r"FEFO: pick lot L17 \(expires 2026-12-01\) before lot L42 \(expires 2027-01-15\)"):
        pick("SO-1", "E1", 3, "A-01", lot="L42", operator="W1", station="ST-1")
    assert Movement.select().where(Movement.kind == "pick").count() == 0
    pick("SO-1", "E1", 1, "A-01", lot="L42", operator="W1", station="ST-1", fefo=False)   # FEFO off
    pick("SO-1", "E1", 2, "A-02", lot="L17", operator="W1", station="ST-1")
    assert on_hand(it, f.Location.get(code="SHIP"), early) == 2
    assert verify().consistent


def test_short_pick_then_partial_ship_leaves_backorder(site):
    a1, a2 = site
    it, it2 = f.item("A1"), f.item("B1")
    f.give_stock(it, a1, 10)
    f.give_stock(it2, a2, 5)
    make_so("SO-1", [("A1", 10), ("B1", 4)])
    next_sales_order(operator="W1", station="ST-1", so="SO-1")
    pick("SO-1", "A1", 6, "A-01", operator="W1", station="ST-1")
    s = short_pick("SO-1", "A1", "A-01", 4, operator="W1", station="ST-1")
    assert (s.qty_short, s.location.code, s.item.sku) == (4, "A-01", "A1")
    assert SalesOrderLine.get(line_no=1).qty_short == 4 and allocated(it, a1) == 0
    with pytest.raises(RuleViolation, match="short pick of 1 × A1 is more than the 0 still to pick"):
        short_pick("SO-1", "A1", "A-01", 1, operator="W1", station="ST-1")
    pick("SO-1", "B1", 4, "A-02", operator="W1", station="ST-1")
    assert SalesOrder.get(number="SO-1").status == "picked"
    r = ship("SO-1", operator="W1", station="ST-1", key="ship-1")
    assert r.so.status == "partial" and r.so.shipped_at is not None
    assert sorted((m.item.sku, m.qty, m.to_location.code) for m in r.movements) == [
        ("A1", 6, "@CUSTOMER"), ("B1", 4, "@CUSTOMER")]
    assert r.backorder.number == "SO-1-BO1" and r.backorder.status == "open"
    assert [(l.item.sku, l.qty_ordered) for l in r.backorder.lines] == [("A1", 4)]
    again = ship("SO-1", operator="W1", station="ST-1", key="ship-1")
    assert [m.id for m in again.movements] == [m.id for m in r.movements] and again.backorder.id == r.backorder.id
    with pytest.raises(RuleViolation, match="SO-1 is partial"):
        ship("SO-1", operator="W1", station="ST-1")
    assert PickShortage.select().count() == 1 and on_hand(it, f.Location.get(code="SHIP")) == 0
    assert verify().consistent


def test_full_ship_and_shipping_nothing_refused(site):
    a1, _ = site
    it = f.item("A1")
    f.give_stock(it, a1, 10)
    make_so("SO-1", [("A1", 2)])
    next_sales_order(operator="W1", station="ST-1")
    with pytest.raises(RuleViolation, match="nothing picked to ship on sales order SO-1"):
        ship("SO-1", operator="W1")
    pick("SO-1", "A1", 2, "A-01", operator="W1", station="ST-1")
    r = ship("SO-1", operator="W1")
    assert r.so.status == "shipped" and r.backorder is None
    assert SalesOrderLine.get().qty_shipped == 2 and on_hand(it, a1) == 8
    assert verify().consistent


def test_next_sales_order_when_none_open(site):
    with pytest.raises(NotFound, match="no open sales order"):
        next_sales_order(operator="W1", station="ST-1")
