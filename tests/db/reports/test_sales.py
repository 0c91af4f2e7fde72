"""Customers and sales analysis on a hand-built March 2025 (X costs 2.00, Y costs 5.00).

C1: SO-1 created 03-01 due 03-05: X 10 @ 3.00, Y 5 @ 8.00; shipped 03-04 by W1: X 10, Y 3
      (status partial) -> SO-1-BO1 created 03-04 due 03-05: Y 2 @ 8.00, shipped 03-07 by W2 (late)
    SO-2 created 03-10 due 03-12: X 4 @ 3.00, shipped 03-12 by W2 (on time); one more X shipped
      03-12 by W2 and undone 03-13 by W1 (the line says 4 shipped)
    SO-3 created 03-20 due 03-25: X 1, still open on 03-31 (late)
C2: SO-4 created 03-15 due 04-15: X 2, open (not due yet); SO-5 cancelled.
"""
from decimal import Decimal

from db.reports.customers import customers, order_history
from db.reports.sales import sales
from tests import factories as f
from tests import reports_data as r

TODAY = r.d("2025-03-31")


def build():
    loc = r.site()
    c1, c2 = f.customer("C1"), f.customer("C2")
    x, y = f.item("X", cost="2.00"), f.item("Y", cost="5.00")
    so1, (l1x, l1y) = r.so("SO-1", c1, [(x, 10, "3.00"), (y, 5, "8.00")], created=r.at(r.d("2025-03-01")),
                           due=r.d("2025-03-05"), status="partial")
    r.ship(l1x, 10, r.at(r.d("2025-03-04")), loc["ship"], op="W1")
    r.ship(l1y, 3, r.at(r.d("2025-03-04")), loc["ship"], op="W1")
    so1.shipped_at = r.at(r.d("2025-03-04"))
    so1.save()
    bo, (lb,) = r.so("SO-1-BO1", c1, [(y, 2, "8.00")], created=r.at(r.d("2025-03-04")),
                     due=r.d("2025-03-05"), status="shipped", backorder_of=so1)
    r.ship(lb, 2, r.at(r.d("2025-03-07")), loc["ship"], op="W2")
    bo.shipped_at = r.at(r.d("2025-03-07"))
    bo.save()
    so2, (l2,) = r.so("SO-2", c1, [(x, 4, "3.00")], created=r.at(r.d("2025-03-10")), due=r.d("2025-03-12"),
                      status="shipped")
    r.ship(l2, 4, r.at(r.d("2025-03-12"), 9), loc["ship"], op="W2")
    extra = r.ship(l2, 1, r.at(r.d("2025-03-12"), 11), loc["ship"], op="W2")
    r.undo(extra, r.at(r.d("2025-03-13")), op="W1")
    l2.qty_shipped, l2.qty_picked = 4, 4        # what the undo operation puts back
    l2.save()
    so2.shipped_at = r.at(r.d("2025-03-12"), 11)
    so2.save()
    r.so("SO-3", c1, [(x, 1, "3.00")], created=r.at(r.d("2025-03-20")), due=r.d("2025-03-25"))
    r.so("SO-4", c2, [(x, 2, "3.00")], created=r.at(r.d("2025-03-15")), due=r.d("2025-04-15"))
    r.so("SO-5", c2, [(x, 9, "3.00")], created=r.at(r.d("2025-03-16")), due=r.d("2025-03-18"), status="cancelled")


def test_customers_fill_rate_and_on_time(store):
    build()
    rows, columns = customers(today=TODAY)
    assert [row["customer"] for row in rows] == ["C1", "C2"]
    c1, c2 = rows
    # Own orders SO-1, SO-2, SO-3 (the backorder is not a new order); SO-3 still open.
    assert (c1["orders"], c1["backorders"], c1["open_orders"]) == (3, 1, 1)
    # Ordered 15 + 4 + 1 = 20; shipped 13 + 2 + 4 = 19.
    assert (c1["qty_ordered"], c1["qty_shipped"]) == (20, 19)
    # Fill of shipped own orders: (13 + 4) / (15 + 4).
    assert c1["fill_pct"] == round(100 * 17 / 19, 1)
    # Due shipments: SO-1 on time, BO1 late, SO-2 on time, SO-3 overdue: 2 of 4.
    assert (c1["shipments_due"], c1["on_time"], c1["on_time_pct"]) == (4, 2, 50.0)
    # 10 x 3 + 3 x 8 + 2 x 8 + 4 x 3.
    assert c1["shipped_value"] == Decimal("82.00")
    assert c1["last_order"] == r.d("2025-03-20")
    assert (c2["orders"], c2["open_orders"], c2["qty_ordered"], c2["fill_pct"], c2["on_time_pct"]) == (1, 1, 2, None, None)
    # The period picks orders by creation date.
    rows, _ = customers(r.d("2025-03-10"), r.d("2025-03-14"), today=TODAY)
    assert [(x["customer"], x["orders"], x["qty_shipped"], x["on_time_pct"]) for x in rows] == [("C1", 1, 4, 100.0)]


def test_customer_order_history(sqlite_store):
    build()
    rows, columns = order_history("C1", today=TODAY)
    assert [(x["so"], x["status"], x["backorder_of"], x["qty_ordered"], x["qty_shipped"], x["value"], x["on_time"])
            for x in rows] == [
        ("SO-1", "partial", "", 15, 13, Decimal("54.00"), "yes"),
        ("SO-1-BO1", "shipped", "SO-1", 2, 2, Decimal("16.00"), "no"),
        ("SO-2", "shipped", "", 4, 4, Decimal("12.00"), "yes"),
        ("SO-3", "open", "", 1, 0, Decimal("0.00"), "no")]
    assert "shipped_at" in columns


def test_sales_by_day_with_every_day_and_the_trend(store):
    build()
    rows, columns = sales(r.d("2025-03-03"), r.d("2025-03-13"), by="day")
    assert columns == ["period", "orders", "qty", "revenue", "cost", "margin", "change_pct"]
    assert [x["period"] for x in rows] == [f"2025-03-{n:02d}" for n in range(3, 14)]
    by = {x["period"]: x for x in rows}
    # 03-04: X 10 x 3 + Y 3 x 8 = 54, cost 10 x 2 + 3 x 5 = 35.
    assert (by["2025-03-04"]["orders"], by["2025-03-04"]["qty"], by["2025-03-04"]["revenue"],
            by["2025-03-04"]["cost"], by["2025-03-04"]["margin"]) == (1, 13, Decimal("54.00"), Decimal("35.00"), Decimal("19.00"))
    assert (by["2025-03-07"]["qty"], by["2025-03-07"]["revenue"]) == (2, Decimal("16.00"))
    # 03-12: 4 + 1 X; 03-13: the undo takes 1 X back.
    assert (by["2025-03-12"]["qty"], by["2025-03-12"]["revenue"]) == (5, Decimal("15.00"))
    assert (by["2025-03-13"]["qty"], by["2025-03-13"]["revenue"], by["2025-03-13"]["margin"]) == (
        -1, Decimal("-3.00"), Decimal("-1.00"))
    assert by["2025-03-03"]["qty"] == 0 and by["2025-03-03"]["change_pct"] is None
    assert by["2025-03-05"]["change_pct"] == -100.0
    assert by["2025-03-04"]["change_pct"] is None          # nothing the day before to compare with


def test_sales_by_week_and_month(sqlite_store):
    build()
    rows, _ = sales(r.d("2025-03-03"), r.d("2025-03-13"), by="week")
    # W10 (03-03..03-09): 13 + 2 units, 54 + 16; W11: 5 - 1 units, 15 - 3.
    assert [(x["period"], x["orders"], x["qty"], x["revenue"], x["cost"]) for x in rows] == [
        ("2025-W10", 2, 15, Decimal("70.00"), Decimal("45.00")),
        ("2025-W11", 1, 4, Decimal("12.00"), Decimal("8.00"))]
    assert rows[1]["change_pct"] == round(100 * (12 - 70) / 70, 1)
    rows, _ = sales(by="month")
    assert [(x["period"], x["orders"], x["qty"], x["revenue"], x["margin"]) for x in rows] == [
        ("2025-03", 3, 19, Decimal("82.00"), Decimal("29.00"))]


def test_best_sellers_customers_and_operators(store):
    build()
    rows, columns = sales(by="item")
    assert columns[:3] == ["rank", "sku", "name"]
    # X: 10 + 4 + 1 - 1 = 14 units, 42.00 on SO-1 and SO-2; Y: 5 units, 40.00 on SO-1 and BO1.
    assert [(x["rank"], x["sku"], x["orders"], x["qty"], x["revenue"], x["cost"], x["share_pct"]) for x in rows] == [
        (1, "X", 2, 14, Decimal("42.00"), Decimal("28.00"), round(100 * 42 / 82, 1)),
        (2, "Y", 2, 5, Decimal("40.00"), Decimal("25.00"), round(100 * 40 / 82, 1))]
    assert [x["sku"] for x in sales(by="item", top=1)[0]] == ["X"]
    rows, _ = sales(by="customer")
    assert [(x["customer"], x["orders"], x["qty"], x["revenue"]) for x in rows] == [("C1", 3, 19, Decimal("82.00"))]
    # The undo of W2's shipment counts against W2, who shipped it.
    rows, _ = sales(by="operator")
    assert [(x["operator"], x["qty"], x["revenue"]) for x in rows] == [
        ("W1", 13, Decimal("54.00")), ("W2", 6, Decimal("28.00"))]
