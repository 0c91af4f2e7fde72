"""The books with decimal quantities and named units (issue 18 point 5), on SQLite and
PostgreSQL: a kg item with 3 decimals and a bottle item bought by the case (箱 = 24 瓶).
Quantities handed to db/ are stored units (1.250 kg = 1250); costs are per BASE unit (per kg,
per 瓶); order-line prices per the line's unit. Every number is worked out by hand below."""
from decimal import Decimal

import pytest

from db.core.models import (USABLE_KINDS, Item, ItemUnit, Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder,
                            SalesOrderLine)
from db.core.quantities import stock_value as value_of
from db.inventory import move
from db.ledger.posting import verify
from db.money import bill, invoice
from db.purchasing import receive
from db.reports.common import money
from db.reports.inventory import stock_value
from db.reports.sales import sales
from db.reports.settlement import settlement
from db.returns import inspect_return, return_from_customer, return_to_supplier
from db.sales import next_sales_order, pick, ship
from tests import factories as f


@pytest.fixture
def site(store):
    f.books_site()
    from db.money import configure_from
    from terminal import config
    configure_from(config.Config(config.defaults()))       # [money] terms, as the CLI sets them
    rice = f.item("RICE", cost=0, uom="kg", decimals=3)
    water = f.item("WATER", cost=0, uom="瓶")
    case = ItemUnit.create(item=water, name="箱", factor=24)
    return rice, water, case


def item(sku) -> Item:
    return Item.get(Item.sku == sku)


def sell(number, sku, qty, price, unit=None):
    """A sales order of one line (QTY stored units, PRICE per the line's unit), picked from
    A-01 and shipped; the ship movement."""
    so = SalesOrder.create(number=number, customer=f.customer("C1"))
    SalesOrderLine.create(so=so, line_no=1, item=item(sku), qty_ordered=qty, unit_price=Decimal(price), unit=unit)
    next_sales_order(operator="W1", station="ST-1", so=number)
    pick(number, sku, qty, "A-01", operator="W1", station="ST-1")
    (movement,) = ship(number, operator="W1", station="ST-1").movements
    return movement


def value_rows():
    return {r["sku"]: r for r in stock_value(unrounded=True)[0]}


def books(item_id):
    """(value that entered usable stock, value that left it) from the item's movements, each
    at the cost per base unit it carried."""
    entered = left = Decimal(0)
    it = Item.get_by_id(item_id)
    for m in Movement.select().where(Movement.item == item_id):
        into, out = m.to_location.kind in USABLE_KINDS, m.from_location.kind in USABLE_KINDS
        if into != out:
            amount = value_of(m.qty, it, m.unit_cost)
            entered, left = (entered + amount, left) if into else (entered, left + amount)
    return entered, left


def test_kg_average_per_base_unit_and_the_reports(site):
    rice, _, _ = site
    # 1.250 kg at 20.00/kg: value 1.25 × 20 = 25.00, average 20.00/kg.
    receive(None, "RICE", 1250, supplier="SUP1", location="DOCK", operator="W1", unit_cost=Decimal("20.00"))
    assert (item("RICE").stock_value, item("RICE").unit_cost) == (Decimal("25"), Decimal("20"))
    # 0.750 kg at 24.00/kg: + 18.00 = 43.00 for 2.000 kg, average 43 ÷ 2 = 21.50/kg.
    receive(None, "RICE", 750, supplier="SUP1", location="DOCK", operator="W1", unit_cost=Decimal("24.00"))
    assert (item("RICE").stock_value, item("RICE").unit_cost) == (Decimal("43"), Decimal("21.5"))
    move("RICE", 2000, "DOCK", "A-01", operator="W1")         # usable to usable: no value moves
    # Ship 0.333 kg at 30.00/kg: it leaves at 21.50 × 0.333 = 7.1595 (7.16 shown); 43 − 7.1595 =
    # 35.8405 stays for 1.667 kg, still 21.50/kg.
    shipped = sell("SO-1", "RICE", 333, "30.00")
    assert shipped.unit_cost == Decimal("21.5")
    assert value_of(shipped.qty, rice, shipped.unit_cost) == Decimal("7.1595")
    assert (item("RICE").stock_value, item("RICE").unit_cost) == (Decimal("35.8405"), Decimal("21.5"))
    row = value_rows()["RICE"]
    assert (row["on_hand"], row["unit_cost"], money(row["value"])) == (Decimal("1.667"), Decimal("21.5000"),
                                                                       Decimal("35.84"))
    assert str(row["on_hand"]) == "1.667"          # the CSV's text: the item's 3 decimals
    # Sales: revenue 30.00 × 0.333 = 9.99, cost 7.1595 → 7.16, margin 9.99 − 7.1595 = 2.8305 → 2.83.
    (line,) = sales(by="item")[0]
    assert (line["qty"], line["revenue"], line["cost"], line["margin"]) == (
        Decimal("0.333"), Decimal("9.99"), Decimal("7.16"), Decimal("2.83"))
    (day,) = sales(by="day")[0]
    assert (day["qty"], day["revenue"], day["cost"], day["margin"]) == (
        Decimal("0.333"), Decimal("9.99"), Decimal("7.16"), Decimal("2.83"))
    assert invoice("SO-1", operator="W1").document.amount == Decimal("9.99")
    # Books: 25 + 18 entered = 35.8405 kept + 7.1595 left.
    entered, left = books(rice.id)
    assert (entered, left) == (Decimal("43"), Decimal("7.1595"))
    assert entered == item("RICE").stock_value + left
    assert verify().consistent


def test_a_po_line_in_cases_costs_per_bottle(site):
    _, water, case = site
    po = PurchaseOrder.create(number="PO-W", supplier=f.supplier("SUP1"))
    PurchaseOrderLine.create(po=po, line_no=1, item=water, qty_ordered=72, unit=case, unit_cost=Decimal("12.00"))
    # 2 箱 + 3 瓶 = 51 瓶 at 12.00 per 箱 = 0.50 per 瓶: 51 × 0.50 = 25.50.
    r = receive("PO-W", "WATER", 51, operator="W1", location="DOCK")
    assert r.accepted.unit_cost == Decimal("0.5")
    assert (item("WATER").stock_value, item("WATER").unit_cost) == (Decimal("25.5"), Decimal("0.5"))
    assert value_rows()["WATER"]["on_hand"] == 51 and isinstance(value_rows()["WATER"]["on_hand"], int)
    (owed,) = settlement()[0]
    assert (owed["qty_accepted"], owed["amount"]) == (51, Decimal("25.50"))
    (detail,) = settlement(detail=True)[0]
    assert (detail["qty_accepted"], detail["unit_cost"], detail["amount"]) == (51, Decimal("12.0000"), Decimal("25.50"))
    assert bill("PO-W", operator="W1").document.amount == Decimal("25.50")
    # Sold by the case: 1 箱 (24 瓶) at 18.00 per 箱; cost 24 × 0.50 = 12.00; margin 6.00.
    move("WATER", 51, "DOCK", "A-01", operator="W1")
    sell("SO-W", "WATER", 24, "18.00", unit=case)
    (line,) = sales(by="customer")[0]
    assert (line["qty"], line["revenue"], line["cost"], line["margin"]) == (24, Decimal("18.00"), Decimal("12.00"),
                                                                            Decimal("6.00"))
    assert invoice("SO-W", operator="W1").document.amount == Decimal("18.00")
    # 27 瓶 left at 0.50: 13.50.
    assert money(value_rows()["WATER"]["value"]) == Decimal("13.50")


def test_returns_move_the_books_at_the_right_costs(site):
    rice, _, _ = site
    receive(None, "RICE", 2000, supplier="SUP1", location="DOCK", operator="W1", unit_cost=Decimal("21.50"))
    move("RICE", 2000, "DOCK", "A-01", operator="W1")
    sell("SO-1", "RICE", 333, "30.00")                      # left at 21.50/kg: 7.1595
    # 1.000 kg at 30.00 moves the average: (35.8405 + 30) ÷ 2.667 = 65.8405 ÷ 2.667.
    receive(None, "RICE", 1000, supplier="SUP1", location="DOCK", operator="W1", unit_cost=Decimal("30.00"))
    assert item("RICE").stock_value == Decimal("65.8405")
    # The customer brings 0.100 kg back to quarantine: credited 30.00 × 0.100 = 3.00; outside
    # the value until inspected.
    rma = return_from_customer("SO-1", "RICE", 100, reason="DAMAGED", operator="W1", to="QA")
    assert rma.movement.unit_cost == Decimal("21.5") and item("RICE").stock_value == Decimal("65.8405")
    from db.money import MoneyDocument
    assert MoneyDocument.get(MoneyDocument.kind == "credit_note").amount == Decimal("-3.00")
    # Restock 0.050 kg at the cost it left with (21.50, not the average): + 1.075 → 66.9155
    # for 2.717 kg.
    back = inspect_return(rma.document.number, "RICE", 50, decision="restock", to="A-01", operator="W1")
    assert back.movement.unit_cost == Decimal("21.5")
    assert item("RICE").stock_value == Decimal("66.9155")
    # Scrap 0.050 kg from quarantine: valued at 21.50 × 0.05 = 1.075; the books do not move.
    scrap = inspect_return(rma.document.number, "RICE", 50, decision="scrap", operator="W1")
    assert scrap.movement.unit_cost == Decimal("21.5") and item("RICE").stock_value == Decimal("66.9155")
    # RTV of 0.500 kg from the dock leaves at the average: 66.9155 ÷ 2.717 = 24.62845049687...
    # → 24.6284504969 (10 places).
    average = Decimal("24.6284504969")
    assert item("RICE").unit_cost == average
    rtv = return_to_supplier("SUP1", "RICE", 500, "DOCK", reason="QUALITY", operator="W1")
    assert rtv.movement.unit_cost == average
    # It takes 0.5 × 24.6284504969 = 12.31422524845 → 12.3142252485 (the value's 10 places):
    # 66.9155 − 12.3142252485 = 54.6012747515 left.
    assert item("RICE").stock_value == Decimal("54.6012747515")
    # Rejects go back at their own cost: 0.200 kg rejected at 22.00, sent back from quarantine.
    receive(None, "RICE", 0, reject=200, reason="DAMAGED", supplier="SUP1", location="DOCK", operator="W1",
            unit_cost=Decimal("22.00"))
    rtv = return_to_supplier("SUP1", "RICE", 200, "QA", reason="DAMAGED", operator="W1")
    assert rtv.movement.unit_cost == Decimal("22") and item("RICE").stock_value == Decimal("54.6012747515")
    # Sales net of the return: 0.233 kg, revenue 30 × 0.233 = 6.99, cost 21.50 × 0.233 = 5.0095
    # → 5.01, margin 1.9805 → 1.98.
    (line,) = sales(by="item")[0]
    assert (line["qty"], line["revenue"], line["cost"], line["margin"], line["returned"]) == (
        Decimal("0.233"), Decimal("6.99"), Decimal("5.01"), Decimal("1.98"), Decimal("0.100"))
    # Books: 43 + 30 + 1.075 = 74.075 entered = 54.6012747515 kept + 7.1595 shipped +
    # 12.31422524845 sent back (the movement's exact value; the item kept it to 10 places).
    entered, left = books(rice.id)
    assert (entered, left) == (Decimal("74.075"), Decimal("19.47372524845"))
    # To the cent: the difference is 0.00000000005, the half of the 10th place the item rounded.
    assert entered - (item("RICE").stock_value + left) == Decimal("5E-11")
    assert money(entered - (item("RICE").stock_value + left)) == 0
    assert verify().consistent
