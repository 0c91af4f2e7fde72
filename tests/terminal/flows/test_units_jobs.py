"""The station's jobs with decimal quantities and units, on SQLite and PostgreSQL: a weighed
cheese counted by its measure, cable moved by the metre, drinks picked by the case on an SO
line in cases, a weighed cheese taken back from a customer, and a quantity on the dashboard.

Hand-worked: CHEESE is kg with 3 decimals (1.250 kg is stored 1250), CABLE m with 1 decimal
(12.5 m is 125), DRINK counts 瓶 and 1 箱 = 24 瓶."""
from __future__ import annotations

import datetime as dt

import pytest

from db import counts
from db.core.models import Item, ItemUnit, SalesOrder, SalesOrderLine
from db.core.quantities import quantity_decimal
from db.ledger.posting import on_hand, verify
from db.masterdata.lookup import get_location
from db.sales import pick, ship
from terminal.flows.counting import CountingFlow
from terminal.flows.picking import PickingFlow
from terminal.flows.report_table import cell_text, fit
from terminal.flows.returns import ReturnsFlow
from terminal.flows.transfer import TransferFlow
from tests import factories as f
from tests import terminal_data as td

CHEESE = "95012345678903"
CABLE = "04012345678901"
DRINK_CASE = "16901234567899"


@pytest.fixture
def units(warehouse):
    """K-01-01 holds 2.000 kg of CHEESE, 20.0 m of CABLE and 3 箱 = 72 瓶 of DRINK."""
    loc = f.location("K-01-01", zone="K", seq=30)
    cheese = f.item("CHEESE", name="Gouda", uom="kg", decimals=3, barcodes=[(CHEESE, 1)])
    cable = f.item("CABLE", name="Cable", uom="m", decimals=1, barcodes=[(CABLE, 1)])
    drink = f.item("DRINK", name="Cola", uom="瓶", barcodes=[("06901234567892", 1), (DRINK_CASE, 24)])
    ItemUnit.create(item=drink, name="箱", factor=24, barcode=DRINK_CASE)
    f.give_stock(cheese, loc, 2000)
    f.give_stock(cable, loc, 200)
    f.give_stock(drink, loc, 72)
    made = []

    def driver(flow_cls, **args):
        d = td.FlowDriver(warehouse["url"], flow_cls, **args)
        made.append(d)
        return d

    yield driver
    for d in made:
        d.close()


def test_counting_a_weighed_cheese_asks_its_measure(units):
    count = counts.create_count(locations=["K-01-01"], operator="S1")
    d = units(CountingFlow)
    d.scan("K-01-01")
    fb = d.scan(CHEESE)                                  # no measure on the label
    assert fb.level == "info" and d.flow.state == "qty"
    assert d.flow.prompt == "Type the measure of CHEESE Gouda: Quantity in kg (up to 3 decimals)"
    fb = d.type("1.25")
    assert fb.level == "ok" and fb.message == "CHEESE +1.250 kg = 1.250 kg", fb
    assert d.flow.table().rows == [["CHEESE", "Gouda", "", "1.250 kg"]]
    assert d.flow.info[0] == "1.250 kg in 1 line counted so far"
    d.scan(f"(01){CHEESE}(3103)000750")                   # the label carries 0.750 kg
    assert d.flow.table().rows == [["CHEESE", "Gouda", "", "2.000 kg"]]
    d.key("qty")
    d.type("20")
    d.scan(CABLE)                                        # 20 m typed for this scan
    d.scan("06901234567892")
    d.scan(DRINK_CASE)
    d.scan(DRINK_CASE)
    d.scan(DRINK_CASE)
    # 2.000 kg, 20.0 m and 73 瓶 do not add up: the lines are counted.
    assert d.flow.info[0] == "3 lines counted so far"
    assert d.flow.table().rows[1:] == [["CABLE", "Cable", "", "20.0 m"], ["DRINK", "Cola", "", "73 瓶"]]
    fb = d.scan("CMD-DONE")
    assert fb.level == "ok" and fb.message.startswith("K-01-01 count submitted: 3 lines"), fb
    lines = {l.item.sku: l for l in counts.get_count(count.id).lines}
    assert (lines["CHEESE"].counted, lines["CABLE"].counted, lines["DRINK"].counted) == (2000, 200, 73)
    assert lines["DRINK"].variance == 1 and lines["CHEESE"].variance == 0
    assert verify().consistent


def test_transfer_of_cable_by_the_metre(units):
    d = units(TransferFlow)
    d.scan("K-01-01")
    rows = {r[0]: r[3] for r in d.flow.table().rows}
    assert rows == {"CABLE": "20.0 m", "CHEESE": "2.000 kg", "DRINK": "72 瓶"}
    d.key("qty")
    d.type("12.5")
    fb = d.scan(CABLE)
    assert fb.level == "ok" and fb.message == "+12.5 m × CABLE (12.5 m in the basket)", fb
    assert d.flow.table().rows == [["12.5 m", "CABLE", "Cable", ""]]
    assert d.flow.prompt == "Scan more items, or the destination for 12.5 m"
    d.key("qty")
    d.type("8")
    fb = d.scan(CABLE)                                   # 12.5 + 8 = 20.5 m > 20.0 m free
    assert fb.level == "error"
    assert fb.message == "only 20.0 m × CABLE free on K-01-01; 12.5 m already in the basket, scanned 8.0 m more"
    fb = d.scan("B-01-01")
    assert fb.level == "ok" and fb.message == "moved 12.5 m K-01-01 → B-01-01", fb
    cable = Item.get(sku="CABLE")
    assert on_hand(cable, get_location("B-01-01")) == 125 and on_hand(cable, get_location("K-01-01")) == 75
    assert verify().consistent


def test_picking_an_so_line_in_cases_by_the_case_barcode(units):
    drink = Item.get(sku="DRINK")
    so = SalesOrder.create(number="SO-U1", customer=f.customer("CUST1"), priority=1, due_date=dt.date(2030, 2, 1))
    SalesOrderLine.create(so=so, line_no=1, item=drink, unit=ItemUnit.get(item=drink), qty_ordered=48,
                          unit_price=30)
    d = units(PickingFlow, so="SO-U1")
    assert d.flow.prompt == "Go to K-01-01 · pick 2 箱 (48 瓶) × DRINK Cola"
    assert d.flow.table().rows == [["K-01-01", "DRINK", "Cola", "", "2 箱 (48 瓶)"]]
    d.scan("K-01-01")
    assert d.flow.prompt == "At K-01-01: scan DRINK (2 箱 (48 瓶) to pick)"
    fb = d.scan(DRINK_CASE)
    assert fb.level == "info" and fb.message == "1 箱 (24 瓶) of 2 箱 (48 瓶)", fb
    fb = d.scan(DRINK_CASE)
    assert fb.level == "ok" and fb.message == "picked 2 箱 (48 瓶) × DRINK from K-01-01; SO-U1 is complete", fb
    assert on_hand(drink, get_location("K-01-01")) == 24
    assert verify().consistent


def test_half_a_kilo_of_cheese_back_from_a_customer(units):
    cheese = Item.get(sku="CHEESE")
    so = SalesOrder.create(number="SO-C1", customer=f.customer("CUST1"), priority=1, due_date=dt.date(2030, 2, 1))
    SalesOrderLine.create(so=so, line_no=1, item=cheese, qty_ordered=1250, unit_price=9)
    pick("SO-C1", "CHEESE", 1250, "K-01-01", operator="W1", station="ST-01")
    ship("SO-C1", operator="W1", station="ST-01")
    d = units(ReturnsFlow)
    fb = d.scan("SO-C1")
    assert fb.level == "ok" and fb.message == "SO-C1: 1.250 kg may come back"
    d.type("damaged")
    d.key("qty")
    assert d.type("0.5").message == "the next item scan counts 0.5"
    fb = d.scan(CHEESE)
    assert fb.level == "ok" and fb.message == "took back 0.500 kg × CHEESE to QA-1 (RMA-000001)", fb
    assert d.flow.table().rows == [[1, "CHEESE", "Gouda", "", "1.250 kg", "0.500 kg"]]
    fb = d.scan(CHEESE)                                  # weighed, no measure: asked
    assert fb.level == "info" and d.flow.state == "measure"
    fb = d.type("0.2505")
    assert fb.level == "error" and fb.message == "0.2505 kg of CHEESE is more precise than it allows (up to 3 decimals)"
    d.scan(CHEESE)
    fb = d.type("0.25")
    assert fb.message == "took back 0.250 kg × CHEESE to QA-1 (RMA-000001)", fb
    fb = d.key("done")
    assert fb.message == "RMA-000001: 0.750 kg taken back from SO-C1, to inspect"
    assert on_hand(cheese, get_location("QA-1")) == 750
    assert verify().consistent


def test_the_dashboard_shows_a_quantity_with_its_decimals_not_moneys_two():
    from decimal import Decimal
    qty = quantity_decimal(1667, 3)                      # 1.667 kg
    assert cell_text(qty) == "1.667" and cell_text(Decimal("1.667")) == "1.67"
    out = fit(["sku", "on_hand", "value"], [{"sku": "CHEESE", "on_hand": qty, "value": Decimal("15.003")}], 80)
    assert out.rows == [["CHEESE", "1.667", "15.00"]] and out.right == [False, True, True]
