"""Moving-average costing through the product (issue 16, points 1-4 and ERPNext's worked
example): receipts with `receive`, sales with `pick` and `ship`, undo with `undo_movement`,
and the figures read back from the reports. Every number is worked out by hand below."""
from decimal import Decimal

import pytest

from db.core.models import Item, Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from db.inventory import move, undo_movement
from db.purchasing import receive
from db.reports.common import money
from db.reports.inventory import stock_value
from db.reports.sales import sales
from db.sales import next_sales_order, pick, ship
from tests import factories as f

_n = {"po": 0, "so": 0}


@pytest.fixture
def site(store):
    f.books_site()
    return f.item("P", cost="1.00")


def buy(sku, qty, price, reject=0):
    """A PO of one line at PRICE, received (QTY accepted, REJECT rejected) and put away."""
    _n["po"] += 1
    number = f"PO-{_n['po']}"
    po = PurchaseOrder.create(number=number, supplier=f.supplier("SUP1"))
    PurchaseOrderLine.create(po=po, line_no=1, item=Item.get(Item.sku == sku), qty_ordered=qty + reject,
                             unit_cost=Decimal(price))
    result = receive(number, sku, qty, operator="W1", location="DOCK", reject=reject,
                     reason="DAMAGED" if reject else None)
    if qty:
        move(sku, qty, "DOCK", "A-01", operator="W1")
    return result


def sell(sku, qty, price="200.00"):
    """A sales order of QTY, picked from A-01 and shipped; the ship movement."""
    _n["so"] += 1
    number = f"SO-{_n['so']}"
    so = SalesOrder.create(number=number, customer=f.customer("C1"))
    SalesOrderLine.create(so=so, line_no=1, item=Item.get(Item.sku == sku), qty_ordered=qty,
                          unit_price=Decimal(price))
    next_sales_order(operator="W1", station="ST-1", so=number)
    pick(number, sku, qty, "A-01", operator="W1", station="ST-1")
    (movement,) = ship(number, operator="W1", station="ST-1").movements
    return movement


def item(sku="P") -> Item:
    return Item.get(Item.sku == sku)


def value_row(sku="P", date_to=None):
    return {r["sku"]: r for r in stock_value(None, date_to, unrounded=True)[0]}.get(sku)


def test_rejects_in_quarantine_never_enter_the_average(site):
    """Point 1: 10 at 10.00 all rejected, then 10 at 20.00: cost 20.00, value 200.00 (not 15.00
    and 150.00). The 10 rejects wait in quarantine, outside the value."""
    buy("P", 0, "10.00", reject=10)
    assert item().unit_cost == Decimal("1.00") and item().stock_value == 0     # nothing usable came
    buy("P", 10, "20.00")
    assert (item().unit_cost, item().stock_value) == (Decimal("20"), Decimal("200"))
    row = stock_value()[0][0]
    assert (row["on_hand"], row["unit_cost"], row["value"]) == (10, Decimal("20.0000"), Decimal("200.00"))
    # Moving usable units into quarantine issues them at the average: 3 × 20.00 = 60.00 out.
    moved = move("P", 3, "A-01", "QA", operator="W1")[0]
    assert moved.unit_cost == Decimal("20") and item().stock_value == Decimal("140")


def test_erpnext_moving_average_sequences(site):
    """ERPNext's moving-average example (docs.erpnext.com, stock valuation): buy 10 @ 100 and
    20 @ 120, sell 15 → rate 113.33, the 15 sold cost 1,700.00 and the 15 left are worth
    1,700.00."""
    buy("P", 10, "100")
    buy("P", 20, "120")
    # (10 × 100 + 20 × 120) / 30 = 3,400 / 30 = 113.3333333333 (10 decimals)
    assert item().unit_cost == Decimal("113.3333333333")
    shipped = sell("P", 15)
    assert shipped.unit_cost == Decimal("113.3333333333")
    # 15 × 113.3333333333 = 1,699.9999999995 → 1,700.00; left 3,400 − that = 1,700.0000000005.
    assert money(shipped.qty * shipped.unit_cost) == Decimal("1700.00")
    assert item().stock_value == Decimal("1700.0000000005")
    row = stock_value()[0][0]
    assert (row["on_hand"], row["unit_cost"], row["value"]) == (15, Decimal("113.3333"), Decimal("1700.00"))
    assert sales(by="item")[0][0]["cost"] == Decimal("1700.00")     # sales and stock agree


def test_erpnext_rejected_units_leave_the_rate_alone(site):
    """The same with 10 more rejected on the first receipt: the rate stays 113.33."""
    buy("P", 10, "100", reject=10)
    buy("P", 20, "120")
    assert item().unit_cost == Decimal("113.3333333333")
    assert money(sell("P", 15).unit_cost) == Decimal("113.33")


def test_erpnext_four_single_receipts(site):
    """Four 1-unit receipts at 101.45, 150.46, 138.25 and 121.9 → 512.06 / 4 = 128.015, and
    delivering the 4 costs 4 × 128.015 = 512.06 (nothing left, value 0)."""
    for price in ("101.45", "150.46", "138.25", "121.9"):
        buy("P", 1, price)
    assert item().unit_cost == Decimal("128.015")
    shipped = sell("P", 4)
    assert shipped.qty * shipped.unit_cost == Decimal("512.06")
    assert item().stock_value == 0 and stock_value()[0] == []


def test_cost_of_goods_sold_is_the_cost_at_the_sale(site):
    """Point 2: buy 10 @ 100, buy 20 @ 120, sell 5, buy 10 @ 130, undo the second receipt.
    Purchases kept 1,000 + 1,300 = 2,300. The sale carried 113.3333333333 each (the average
    then): 5 × that = 566.6666666665 → 566.67 (not 577.78 at today's average). Stock: 3,400 −
    566.6666666665 + 1,300 − 2,400 = 1,733.3333333335 → 1,733.33; 566.67 + 1,733.33 = 2,300.00."""
    buy("P", 10, "100")
    second = buy("P", 20, "120").accepted
    sell("P", 5)
    buy("P", 10, "130")
    # 35 units worth 2,833.3333333335 + 1,300 = 4,133.3333333335 → 118.0952380952 each
    assert item().unit_cost == Decimal("118.0952380952")
    move("P", 20, "A-01", "DOCK", operator="W1")     # the undo takes its units from the dock
    undo_movement(second.id, operator="BOSS")
    cogs = sales(by="item")[0][0]["cost"]
    stock = value_row()["value"]
    assert (cogs, money(stock)) == (Decimal("566.67"), Decimal("1733.33"))
    assert stock == Decimal("1733.3333333335")
    assert money(Decimal("566.6666666665") + stock) == Decimal("2300.00")
    # The average of the 15 left: 1,733.3333333335 / 15 = 115.5555555556.
    assert item().unit_cost == Decimal("115.5555555556")


def test_amounts_are_rounded_once(site):
    """Point 3: 54 × 62.3136 = 3,364.9344 → 3,364.93 (a cost rounded to 62.31 first gave
    3,364.74); a sale of 15 of them costs 15 × 62.3136 = 934.704 → 934.70, and the 39 left are
    3,364.9344 − 934.704 = 2,430.2304 → 2,430.23: 934.70 + 2,430.23 = 3,364.93."""
    buy("P", 54, "62.3136")
    assert value_row()["value"] == Decimal("3364.9344")
    assert stock_value()[0][0]["value"] == Decimal("3364.93")
    sell("P", 15)
    assert sales(by="item")[0][0]["cost"] == Decimal("934.70")
    assert stock_value()[0][0]["value"] == Decimal("2430.23")


def test_undo_of_a_receipt_at_its_own_cost(site):
    """Point 4. Receipt at 10.00 (10 units) then 10 at 30.00: average 20.00, value 400.00.
    Undoing the 30.00 receipt takes out 10 × 30.00 = 300.00: 10 left worth 100.00, average
    back to 10.00."""
    buy("P", 10, "10.00")
    dear = buy("P", 10, "30.00").accepted
    move("P", 10, "A-01", "DOCK", operator="W1")      # the undo takes its units from the dock
    assert (item().unit_cost, item().stock_value) == (Decimal("20"), Decimal("400"))
    undo = undo_movement(dear.id, operator="BOSS")
    assert undo.unit_cost == Decimal("30")
    assert (item().unit_cost, item().stock_value) == (Decimal("10"), Decimal("100"))


def test_undo_of_a_receipt_whose_cost_was_partly_issued(site):
    """Point 4, the hard case. 10 @ 1.00 and 10 @ 100.00: average 50.50. Selling 10 carries
    505.00 out. Undoing the 100.00 receipt takes 1,000.00 out of the 505.00 left: no unit is
    left and the value is -495.00 (the sale carried 495.00 of the undone receipt's cost). It
    stays with the item (the average stays 50.50) until units enter: 10 @ 2.00 then give
    (-495 + 20) / 10 = -47.50. Purchases kept 10 + 20 = 30.00 = stock -475.00 + issues 505.00."""
    buy("P", 10, "1.00")
    dear = buy("P", 10, "100.00").accepted
    sell("P", 10)
    move("P", 10, "A-01", "DOCK", operator="W1")
    undo_movement(dear.id, operator="BOSS")
    assert (item().unit_cost, item().stock_value) == (Decimal("50.5"), Decimal("-495"))
    row = value_row()
    assert (row["on_hand"], row["unit_cost"], row["value"]) == (0, None, Decimal("-495"))
    buy("P", 10, "2.00")
    assert (item().unit_cost, item().stock_value) == (Decimal("-47.5"), Decimal("-475"))


def test_every_issue_carries_the_average_when_it_posts(site):
    """Adjustment out, count-free loss and transfer to quarantine all carry the average then,
    and a later receipt does not change what they carried. 10 @ 4.00 then 10 @ 6.00 (5.00)."""
    from db.inventory import adjust
    buy("P", 10, "4.00")
    buy("P", 10, "6.00")
    out = adjust("P", -2, "A-01", reason="BREAKAGE", operator="BOSS")
    assert out.unit_cost == Decimal("5")             # 2 × 5.00 = 10.00 written off
    buy("P", 2, "20.00")                             # (90 + 40) / 20 = 6.50
    assert item().unit_cost == Decimal("6.5")
    assert Movement.get_by_id(out.id).unit_cost == Decimal("5")
    found = adjust("P", 1, "A-01", reason="FOUND", operator="BOSS")
    assert found.unit_cost == Decimal("6.5") and item().unit_cost == Decimal("6.5")
    # Undoing the write-off puts its 2 × 5.00 back: 21 + 2 = 23 units worth 136.50 + 10.00 =
    # 146.50, 146.5 / 23 = 6.3695652174
    undo_movement(out.id, operator="BOSS")
    assert item().stock_value == Decimal("146.5")
    assert item().unit_cost == Decimal("6.3695652174")


def test_value_on_a_past_date_and_turnover_use_the_costs_of_then(store):
    """`value --to` is the valuation at that date; turnover's values and COGS too. Back-dated
    through the ledger (T = today): 10 @ 1.00 on T-10; 10 @ 3.00 on T-5 (average 2.00); 5
    shipped on T-3, carrying 2.00 each = 10.00.
    End of T-7: 10 units worth 10.00 (at today's average it would say 20.00).
    End of T-4: 20 units worth 10 + 30 = 40.00. Now: 15 worth 40 − 10 = 30.00.
    Turnover over T-6..T: opening (end of T-7) 10.00, closing 30.00, avg_value 20.00; cogs
    10.00; turnover 10 / 20 = 0.5."""
    import datetime as dt
    from db.ledger.posting import Posting, post
    from db.reports.common import today
    from db.reports.inventory import turnover
    from tests import reports_data as r
    loc = r.site()
    p = f.item("P", cost="1.00")
    t = today()

    def ago(days):
        return r.at(t - dt.timedelta(days=days))
    for qty, cost, when in ((10, "1.00", 10), (10, "3.00", 5)):
        post(Posting(item=p, qty=qty, from_location=f.virtual("supplier"), to_location=loc["a1"],
                     kind="receipt", operator="W1", unit_cost=Decimal(cost), at=ago(when)))
    _, (line,) = r.so("SO-1", f.customer("C1"), [(p, 5, "9.00")], created=ago(4))
    shipped = r.ship(line, 5, ago(3), loc["ship"], stock_from=loc["a1"])
    assert shipped.unit_cost == Decimal("2")
    for days, units, value in ((7, 10, "10.00"), (4, 20, "40.00"), (0, 15, "30.00")):
        (row,) = stock_value(None, t - dt.timedelta(days=days))[0]
        assert (row["on_hand"], row["value"]) == (units, Decimal(value)), days
    row = {x["sku"]: x for x in turnover(t - dt.timedelta(days=6), t)[0]}["P"]
    assert (row["opening"], row["closing"], row["avg_value"], row["cogs"], row["turnover"]) == (
        10, 15, Decimal("20.00"), Decimal("10.00"), 0.5)
