"""Expiry: receipts refused (or overridden by a supervisor), expired lots never allocated nor
picked, the expiry report and alert line, and quarantining expired stock. Today is fixed."""
import datetime as dt
import json
from decimal import Decimal

import pytest

from db.core.clock import fixed_today
from db.core.errors import InvalidInput, PermissionDenied, RuleViolation
from db.core.models import AuditLog, Balance, Item, PurchaseOrder, PurchaseOrderLine
from db.inventory import quarantine_expired
from db.ledger.posting import on_hand, verify
from db.masterdata.security import set_pin, supervisor_pin
from db.purchasing import receive
from db.reports.catalog import run_report
from db.reports.expiry import expiry_alert
from db.sales import next_sales_order, pick, pick_list, unpickable
from tests import factories as f
from tests.db.sales.test_picking import make_so

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def site(store):
    f.warehouse("WH1")
    f.operator("W1")
    f.operator("S1", role="supervisor")
    set_pin("S1", "4321")
    f.location("DOCK", kind="receiving", zone="D", seq=0)
    f.location("SHIP", kind="shipping", zone="S", seq=900)
    f.location("QA", kind="quarantine", zone="Q", seq=950)
    a1, a2 = f.location("A-01", seq=1), f.location("A-02", seq=2)
    milk = f.item("MILK", "Milk", lot=True, expiry=True, cost=2)
    Item.update(min_shelf_life_days=5).where(Item.id == milk.id).execute()
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier())
    PurchaseOrderLine.create(po=po, line_no=1, item=milk, qty_ordered=100, unit_cost=2)
    with fixed_today(TODAY):
        yield {"milk": Item.get_by_id(milk.id), "a1": a1, "a2": a2}


def test_receipt_of_an_expired_or_short_dated_lot_is_refused_with_the_dates(site):
    with pytest.raises(RuleViolation) as exc:
        receive("PO-1", "MILK", 10, lot="OLD", expiry=dt.date(2026, 3, 9), operator="W1")
    assert "lot OLD of MILK expired on 2026-03-09 (today is 2026-03-10)" in str(exc.value)
    with pytest.raises(RuleViolation) as exc:
        receive("PO-1", "MILK", 10, lot="SOON", expiry=dt.date(2026, 3, 14), operator="W1")
    # 4 days left (10 → 14), 5 needed: the first acceptable expiry is 2026-03-15.
    assert ("lot SOON of MILK expires 2026-03-14, in 4 days; MILK needs 5 days of shelf life "
            "(expiry 2026-03-15 or later)") in str(exc.value)
    assert PurchaseOrderLine.get().qty_received == 0 and verify().consistent
    # 5 days left is enough; and rejecting an expired lot to quarantine is always allowed.
    receive("PO-1", "MILK", 10, lot="OK", expiry=dt.date(2026, 3, 15), operator="W1")
    receive("PO-1", "MILK", 0, reject=3, reason="EXPIRED", lot="OLD2", expiry=dt.date(2026, 1, 1), operator="W1")
    assert PurchaseOrderLine.get().qty_received == 10 and PurchaseOrderLine.get().qty_rejected == 3


def test_a_supervisor_overrides_with_pin_and_reason_and_it_is_audited(site):
    args = dict(lot="OLD", expiry=dt.date(2026, 3, 9), operator="W1")
    with pytest.raises(InvalidInput, match="needs a reason"):
        receive("PO-1", "MILK", 10, override_by="S1", **args)
    with pytest.raises(PermissionDenied, match="is a worker"):
        receive("PO-1", "MILK", 10, override_by="W1", override_reason="ok", **args)
    with supervisor_pin("S1", "0000"), pytest.raises(PermissionDenied, match="wrong PIN"):
        receive("PO-1", "MILK", 10, override_by="S1", override_reason="ok", **args)
    assert PurchaseOrderLine.get().qty_received == 0
    with supervisor_pin("S1", "4321"):
        receive("PO-1", "MILK", 10, override_by="S1", override_reason="for the staff canteen", **args)
    assert PurchaseOrderLine.get().qty_received == 10
    row = AuditLog.get(AuditLog.action == "expiry_override")
    detail = json.loads(row.detail)
    assert row.operator == "S1" and detail["received_by"] == "W1" and detail["reason"] == "for the staff canteen"
    assert "expired on 2026-03-09" in detail["problem"]


def test_expired_lots_are_never_allocated_directed_or_picked(site):
    milk, a1, a2 = site["milk"], site["a1"], site["a2"]
    old, new = f.lot(milk, "OLD", "2026-03-09"), f.lot(milk, "NEW", "2026-04-01")
    f.give_stock(milk, a1, 5, old)       # first in walking order and earliest: FEFO's pick, were it usable
    f.give_stock(milk, a2, 8, new)
    make_so("SO-1", [("MILK", 10)])
    next_sales_order(operator="W1", station="ST", so="SO-1")
    assert Balance.get(Balance.location == a1.id).allocated == 0
    assert Balance.get(Balance.location == a2.id).allocated == 8
    assert [(t.location, t.lot, t.qty) for t in pick_list("SO-1")] == [("A-02", "NEW", 8)]
    gaps = unpickable("SO-1")
    assert [(g.sku, g.qty) for g in gaps] == [("MILK", 2)] and "5 expired in WH1" in gaps[0].why
    with pytest.raises(RuleViolation, match="lot OLD expired on 2026-03-09"):
        pick("SO-1", "MILK", 1, "A-01", lot="OLD", operator="W1", station="ST")
    # FEFO does not insist on the expired lot: the fresh one is picked.
    pick("SO-1", "MILK", 8, "A-02", lot="NEW", operator="W1", station="ST")
    # The day the fresh lot expires it is still usable; the day after it is not.
    with fixed_today(dt.date(2026, 4, 2)):
        assert pick_list("SO-1") == []


def test_expiry_report_alert_and_quarantine(site):
    milk, a1, a2 = site["milk"], site["a1"], site["a2"]
    old, soon, late = (f.lot(milk, "OLD", "2026-03-01"), f.lot(milk, "SOON", "2026-03-20"),
                       f.lot(milk, "LATE", "2026-06-01"))
    f.give_stock(milk, a1, 5, old)
    f.give_stock(milk, a2, 4, soon)
    f.give_stock(milk, a2, 7, late)
    rows, cols = run_report("expiry", days=30)
    assert [(r["status"], r["lot"], r["days_left"], r["qty"], r["value"]) for r in rows] == [
        ("expired", "OLD", -9, 5, Decimal("10.00")), ("expiring", "SOON", 10, 4, Decimal("8.00"))]
    assert "value" in cols
    assert expiry_alert(30) == ("Expiry: 1 lot expired (5 units, value 10.00) · "
                                "1 lot expiring within 30 days (4 units, value 8.00)")
    with pytest.raises(PermissionDenied):
        quarantine_expired(operator="W1")
    with supervisor_pin("S1", "4321"):
        moved = quarantine_expired(operator="S1", station="ST")
    assert [(m.qty, m.from_location.code, m.to_location.code, m.reason) for m in moved] == [(5, "A-01", "QA", "EXPIRED")]
    assert on_hand(milk, a1, old) == 0 and verify().consistent
    assert AuditLog.get(AuditLog.action == "quarantine_expired").operator == "S1"
    # Quarantined stock is off the report; nothing is left to move.
    assert [r["lot"] for r in run_report("expiry", days=30)[0]] == ["SOON"]
    with supervisor_pin("S1", "4321"), pytest.raises(RuleViolation, match="no expired stock"):
        quarantine_expired(operator="S1")


def test_min_shelf_life_is_importable_and_optional(store):
    from db.io.exporter import rows as export_rows
    from db.io.importer import ImportFailed, import_csv
    import_csv("items", b"sku,name,expiry_tracked,min_shelf_life_days\nM1,Milk,true,45\nM2,Rice,false,\n")
    import_csv("items", b"sku,name\nM3,Salt\n")                  # the column is optional
    assert {i.sku: i.min_shelf_life_days for i in Item.select()} == {"M1": 45, "M2": 0, "M3": 0}
    with pytest.raises(ImportFailed):
        import_csv("items", b"sku,name,min_shelf_life_days\nM4,Oil,-3\n")
    assert Item.get_or_none(Item.sku == "M4") is None
    assert [r["min_shelf_life_days"] for r in export_rows("items")] == [45, 0, 0]
