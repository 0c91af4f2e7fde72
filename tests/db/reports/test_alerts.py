"""Stock alerts and reorder suggestions -> draft POs, on a hand-built warehouse.

Stock position = on hand (storage/receiving/shipping) + on order - allocated; the expected
numbers below are worked out by hand next to the data.
"""
import datetime as dt
from decimal import Decimal

import pytest

from db.core.errors import PermissionDenied, RuleViolation
from db.core.models import Item, PurchaseOrder, PurchaseOrderLine
from db.reports.alerts import alerts
from db.purchasing.reorder import create_draft_pos, release_po
from db.reports.reorder import suggestions
from tests import factories as f
from tests import reports_data as r

TODAY = dt.date(2026, 3, 31)


def build():
    loc = r.site()
    s1, s2, s3 = f.supplier("S1", lead=5), f.supplier("S2", lead=3), f.supplier("S3", lead=9)
    c = f.customer("C1")
    a = f.item("A", cost=2, reorder_point=10, max_qty=50, reorder_qty=20, preferred_supplier=s1,
               barcodes=[("A-EA", 1), ("A-CASE", 12)])
    b = f.item("B", reorder_point=5, max_qty=20)
    cc = f.item("C", reorder_point=5)
    dd = f.item("D", cost=3)
    f.item("E", reorder_point=10, active=False)
    ff = f.item("F", cost=4, reorder_point=10, reorder_qty=25, barcodes=[("F-6", 6)])
    t0 = r.at(TODAY - dt.timedelta(days=20))
    # A: 4 in storage, 2 in quarantine (not counted), 5 picked at the shipping bay.
    r.stock(a, loc["a1"], 4, t0)
    r.stock(a, loc["qa"], 2, t0)
    # On order for A: open PO 12 ordered, 5 received, 1 rejected -> 6; draft PO 3 -> 3;
    # cancelled PO 100 -> 0.  on_order = 9
    _, (la,) = r.po("PO-1", s1, [(a, 12, "2.50")], created=t0)
    r.receipt(la, 5, t0, loc["dock"], reject=1, qa=loc["qa"])       # on hand +5 at the dock
    r.po("PO-2", s1, [(a, 3, "2.60")], created=t0, status="draft")
    r.po("PO-3", s1, [(a, 100, "2.00")], created=t0, status="cancelled")
    # Allocated for A: open SO 8 -> 8; picked SO 5 (at the bay) -> 5; shipped SO -> 0.
    r.so("SO-1", c, [(a, 8, 5)], created=t0, status="open")
    _, (picked,) = r.so("SO-2", c, [(a, 5, 5)], created=t0, status="picked")
    r.stock(a, loc["ship"], 5, t0)
    _, (shipped,) = r.so("SO-3", c, [(a, 7, 5)], created=t0, status="shipped")
    r.ship(shipped, 7, t0, loc["ship"])
    # A on hand: 4 storage + 5 dock + 5 bay = 14 (quarantine not counted).
    r.stock(b, loc["a1"], 30, t0)                                   # B: 30 > max 20
    r.stock(cc, loc["a1"], 5, t0)                                   # C: 5, not below 5
    r.so("SO-4", c, [(dd, 3, 9)], created=t0, status="open")        # D: 0 - 3 = -3 < 0
    r.stock(ff, loc["a2"], 2, t0)                                   # F: 2 < 10
    # D was delivered by S2 (on time) and S3 (late): S2 scores higher and gets D.
    old = r.at(TODAY - dt.timedelta(days=60))
    _, (d2,) = r.po("PO-S2", s2, [(dd, 10, "3.10")], created=old, expected=TODAY - dt.timedelta(days=55))
    _, (d3,) = r.po("PO-S3", s3, [(dd, 10, "2.90")], created=old, expected=TODAY - dt.timedelta(days=55))
    r.receipt(d2, 10, r.at(TODAY - dt.timedelta(days=56)), loc["dock"])
    r.receipt(d3, 10, r.at(TODAY - dt.timedelta(days=40)), loc["dock"])
    r.ship(r.so("SO-5", c, [(dd, 20, 9)], created=old, status="shipped")[1][0], 20, old + dt.timedelta(days=30),
           loc["ship"], stock_from=loc["dock"])
    return {"s1": s1, "s2": s2, "a": a}


def test_alerts_below_reorder_point_and_above_max(store):
    build()
    rows, columns = alerts()
    assert columns[:3] == ["sku", "name", "alert"]
    by_sku = {row["sku"]: row for row in rows}
    # A: on hand 4 + 5 dock + 5 bay = 14; on order 6 + 3 = 9; allocated 8 + 5 = 13;
    # projected 14 + 9 - 13 = 10: exactly at its reorder point, not below it: no alert.
    assert "A" not in by_sku
    assert by_sku["B"]["alert"] == "above max" and by_sku["B"]["gap"] == 10
    assert (by_sku["D"]["alert"], by_sku["D"]["projected"], by_sku["D"]["gap"]) == ("below reorder point", -3, 3)
    assert (by_sku["F"]["alert"], by_sku["F"]["on_hand"], by_sku["F"]["gap"]) == ("below reorder point", 2, 8)
    assert set(by_sku) == {"B", "D", "F"}           # C at 5 is fine, E is inactive
    assert [row["sku"] for row in rows] == ["D", "F", "B"]   # shortages first


def test_alert_position_counts_on_hand_on_order_and_allocated(store):
    ctx = build()
    # One more open SO line of 1 unit tips A below its reorder point.
    r.so("SO-9", f.customer("C1"), [(ctx["a"], 1, 5)], created=r.at(TODAY), status="picking")
    rows, _ = alerts()
    a = next(row for row in rows if row["sku"] == "A")
    assert (a["on_hand"], a["on_order"], a["allocated"], a["projected"]) == (14, 9, 14, 9)
    assert (a["alert"], a["gap"]) == ("below reorder point", 1)


def test_reorder_suggestions_rules_cases_suppliers_and_dates(store):
    ctx = build()
    r.so("SO-9", f.customer("C1"), [(ctx["a"], 1, 5)], created=r.at(TODAY), status="picking")
    rows, columns = suggestions(today=TODAY)
    by_sku = {row["sku"]: row for row in rows}
    assert set(by_sku) == {"A", "D", "F"}
    # A: up to max 50 - 9 = 41, cases of 12 -> 48; preferred S1 (lead 5); S1's latest price 2.60.
    a = by_sku["A"]
    assert (a["rule"], a["case_qty"], a["qty"], a["supplier"]) == ("up to max", 12, 48, "S1")
    assert (a["unit_cost"], a["value"]) == (Decimal("2.60"), Decimal("124.80"))
    assert a["expected_date"] == TODAY + dt.timedelta(days=5)
    # D: no max, no reorder qty: up to the reorder point 0 - (-3) = 3; best supplier S2 (lead 3).
    dd = by_sku["D"]
    assert (dd["rule"], dd["qty"], dd["supplier"], dd["unit_cost"]) == ("to reorder point", 3, "S2", Decimal("3.10"))
    assert dd["expected_date"] == TODAY + dt.timedelta(days=3)
    # F: reorder qty 25 in cases of 6 -> 30; no supplier known; item cost 4.00.
    ff = by_sku["F"]
    assert (ff["rule"], ff["qty"], ff["supplier"], ff["value"]) == ("reorder qty", 30, "", Decimal("120.00"))
    assert [row["sku"] for row in rows] == ["A", "D", "F"]    # by supplier, no supplier last


def test_create_draft_pos_needs_a_supervisor_then_groups_by_supplier(store):
    ctx = build()
    r.so("SO-9", f.customer("C1"), [(ctx["a"], 1, 5)], created=r.at(TODAY), status="picking")
    f.operator("W1", role="worker")
    f.operator("BOSS", role="supervisor")
    rows, _ = suggestions(today=TODAY)
    with pytest.raises(PermissionDenied, match="W1 is a worker"):
        create_draft_pos(rows, operator="W1", today=TODAY)
    assert not PurchaseOrder.select().where(PurchaseOrder.number.startswith("PO-R")).exists()
    pos = create_draft_pos(rows, operator="BOSS", today=TODAY)
    assert [(p.number, p.supplier.code, p.status) for p in pos] == [
        ("PO-R20260331-001", "S1", "draft"), ("PO-R20260331-002", "S2", "draft")]
    lines = [(l.po.number, l.line_no, l.item.sku, l.qty_ordered, l.unit_cost, l.expected_date)
             for l in PurchaseOrderLine.select().join(PurchaseOrder)
             .where(PurchaseOrder.number.startswith("PO-R")).order_by(PurchaseOrder.number)]
    assert lines == [("PO-R20260331-001", 1, "A", 48, Decimal("2.6000"), TODAY + dt.timedelta(days=5)),
                     ("PO-R20260331-002", 1, "D", 3, Decimal("3.1000"), TODAY + dt.timedelta(days=3))]
    # The drafts are on order now: running again suggests only F (no supplier).
    again, _ = suggestions(today=TODAY)
    assert [row["sku"] for row in again] == ["F"]
    # A second batch the same day gets the next number.
    Item.update(preferred_supplier=ctx["s2"]).where(Item.sku == "F").execute()
    more = create_draft_pos(suggestions(today=TODAY)[0], operator="BOSS", today=TODAY, release=True)
    assert [(p.number, p.status) for p in more] == [("PO-R20260331-003", "open")]


def test_released_reorder_po_is_received_at_the_station(sqlite_store):
    """Stations receive open POs only: release_po makes a draft receivable."""
    from db.purchasing import receive
    ctx = build()
    r.so("SO-9", f.customer("C1"), [(ctx["a"], 1, 5)], created=r.at(TODAY), status="picking")
    f.operator("BOSS", role="supervisor")
    f.operator("W1")
    f.item("G")
    po_a = create_draft_pos(suggestions(today=TODAY)[0], operator="BOSS", today=TODAY)[0]
    with pytest.raises(RuleViolation, match="draft"):
        receive(po_a.number, "A", 12, operator="W1", warehouse="WH1")
    with pytest.raises(PermissionDenied):
        release_po(po_a.number, operator="W1")
    release_po(po_a.number, operator="BOSS")
    with pytest.raises(RuleViolation, match="not draft"):
        release_po(po_a.number, operator="BOSS")
    result = receive(po_a.number, "A", 48, operator="W1", warehouse="WH1")
    assert result.po_line.qty_received == 48
    assert PurchaseOrder.get_by_id(po_a.id).status == "received"
    rows, _ = alerts()
    # A: 14 + 48 on hand, 9 on order, 14 allocated = 57 > max 50 (case rounding): an overstock.
    a = next(row for row in rows if row["sku"] == "A")
    assert (a["on_hand"], a["projected"], a["alert"]) == (62, 57, "above max")
