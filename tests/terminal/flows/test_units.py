"""The station with decimal quantities and units: a weighed cheese by its GS1 label, cable
typed by the metre, a drink received in cases and bottles on a PO line in cases."""
from __future__ import annotations

import datetime as dt

import pytest

from db.core.models import Balance, Barcode, Item, ItemUnit, Location, PurchaseOrder, PurchaseOrderLine
from db.ledger.posting import verify
from terminal.flows.quantity import parse_qty, qty_prompt
from terminal.flows.receiving import ReceivingFlow
from tests import factories as f
from tests import terminal_data as td

CHEESE = "95012345678903"


def measured_items():
    """CHEESE kg/3, CABLE m/1, DRINK 瓶 with 箱 = 24 瓶 (its own barcode and the case's)."""
    f.item("CHEESE", name="Gouda", uom="kg", decimals=3, barcodes=[(CHEESE, 1)])
    f.item("CABLE", name="Cable 3x1.5", uom="m", decimals=1, barcodes=[("04012345678901", 1)])
    drink = f.item("DRINK", name="Cola", uom="瓶", barcodes=[("06901234567892", 1)])
    case = ItemUnit.create(item=drink, name="箱", factor=24, barcode="16901234567899")
    Barcode.create(code="16901234567899", item=drink, pack_qty=24)
    po = PurchaseOrder.create(number="PO-U1", supplier=f.supplier("SUP1"), expected_date=dt.date(2030, 1, 10))
    PurchaseOrderLine.create(po=po, line_no=1, item=Item.get(sku="CHEESE"), qty_ordered=5000, unit_cost=9)
    PurchaseOrderLine.create(po=po, line_no=2, item=Item.get(sku="CABLE"), qty_ordered=1000, unit_cost=1)
    PurchaseOrderLine.create(po=po, line_no=3, item=drink, unit=case, qty_ordered=120, unit_cost=12)
    return po


@pytest.fixture
def recv(store):
    td.seed()
    measured_items()
    d = td.FlowDriver(store, ReceivingFlow)
    d.scan("PO-U1")
    yield d
    d.close()


def line(n):
    return PurchaseOrderLine.get(PurchaseOrderLine.po == PurchaseOrder.get(number="PO-U1"), PurchaseOrderLine.line_no == n)


def dock(sku):
    return sum(b.qty for b in Balance.select().join(Item).switch(Balance).join(Location)
               .where(Item.sku == sku, Location.code == "DOCK-1"))


def test_weighed_cheese_by_its_gs1_label(recv):
    fb = recv.scan(f"(01){CHEESE}(3103)001250")
    assert fb.level == "ok", fb
    assert fb.message.startswith("received 1.250 kg × CHEESE → DOCK-1")
    assert "line 1: 1.250 kg of 5.000 kg" in fb.message
    assert line(1).qty_received == 1250 and dock("CHEESE") == 1250
    assert recv.flow.table().rows[0][3:] == ["5.000 kg", "1.250 kg", "3.750 kg"]   # no Rejected column until a reject
    assert verify().consistent


def test_cable_typed_by_the_metre(recv):
    recv.key("qty")
    assert recv.type("12.5").level == "info"
    assert "12.5" in recv.flow.prompt
    fb = recv.scan("04012345678901")
    assert fb.level == "ok" and "received 12.5 m × CABLE" in fb.message, fb
    assert line(2).qty_received == 125 and dock("CABLE") == 125


def test_two_cases_and_three_bottles_on_a_line_in_cases(recv):
    recv.scan("16901234567899")
    recv.scan("16901234567899")                       # 2 箱 = 48 瓶
    recv.key("qty")
    recv.type("3")
    fb = recv.scan("06901234567892")                  # 3 瓶
    assert fb.level == "ok", fb
    assert line(3).qty_received == 51
    assert "line 3: 2 箱 + 3 瓶 (51 瓶) of 5 箱 (120 瓶)" in fb.message
    assert recv.flow.table().rows[2][3:6] == ["5 箱", "51 瓶", "2 箱 + 21 瓶"]
    # Typed in units: 2 箱 + 3 瓶 more is 51 again.
    recv.key("qty")
    recv.type("2 箱 + 3 瓶")
    assert recv.scan("06901234567892").level == "ok"
    assert line(3).qty_received == 102


def test_too_precise_a_quantity_is_refused_naming_item_and_precision(recv):
    recv.key("qty")
    recv.type("1.2345")
    fb = recv.scan(CHEESE)
    assert fb.level == "error"
    assert fb.message == "1.2345 kg of CHEESE is more precise than it allows (up to 3 decimals)"
    assert line(1).qty_received == 0 and dock("CHEESE") == 0


def test_measured_item_scanned_without_its_measure_asks_for_it(recv):
    fb = recv.scan(CHEESE)
    assert fb.level == "info" and recv.flow.state == "measure"
    assert recv.flow.prompt == "Type the measure of CHEESE Gouda: Quantity in kg (up to 3 decimals)"
    assert line(1).qty_received == 0
    fb = recv.type("0.75")
    assert fb.level == "ok" and "received 0.750 kg × CHEESE" in fb.message, fb
    assert line(1).qty_received == 750 and recv.flow.state == "items"


def test_parse_qty_and_prompt(store):
    td.seed()
    measured_items()
    cheese, cable, drink = (Item.get(sku=s) for s in ("CHEESE", "CABLE", "DRINK"))
    assert parse_qty("1.25", item=cheese) == 1250
    assert parse_qty("12.5", item=cable) == 125
    assert parse_qty("2 箱 + 3 瓶", item=drink) == 51
    assert parse_qty("2箱", item=drink) == 48
    assert parse_qty("7", "row number") == 7
    assert qty_prompt(cheese) == "Quantity in kg (up to 3 decimals)"
    assert qty_prompt(drink) == "Quantity in 瓶 (whole numbers only), or in 箱 (2 箱 + 3 瓶)"
    for text, message in (("1.5", "1.5 瓶 of DRINK is more precise than it allows (whole numbers only)"),
                          ("2 桶", "'桶' is not a unit of DRINK: expected 瓶, 箱"),
                          ("abc", "the quantity of CABLE must be a number in m (up to 1 decimals), typed 'abc'"),
                          ("0", "the quantity of CABLE must be above 0, typed '0'")):
        item = drink if "瓶" in message or "DRINK" in message else cable
        with pytest.raises(Exception) as exc:
            parse_qty(text, item=item)
        assert str(exc.value) == message

