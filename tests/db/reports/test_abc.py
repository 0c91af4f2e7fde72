"""ABC classification by consumption value, saved on the items.

Shipped in January 2025 (value = units x cost):
  I1 10 x 5.00 = 50   I2 10 x 3.00 = 30   I3 1 x 10.00 = 10   I4 5 x 1.00 = 5
  I5 3 x 1.00 = 3     I6 4 x 0.50 = 2 (2 more shipped and undone)     I7 nothing
Total 100. With 80/15/5: I1, I2 are A (80%), I3, I4 B (15%), I5, I6, I7 C.
A shipment of I7 in February lies outside the period; I8 is inactive and keeps its class.
"""
from decimal import Decimal

import pytest

from db.core.errors import InvalidInput
from db.core.models import Item
from db.masterdata.abc_classes import save_abc_classes
from db.reports.abc import abc
from tests import factories as f
from tests import reports_data as r

JAN = (r.d("2025-01-01"), r.d("2025-01-31"))


def build():
    loc = r.site()
    c = f.customer("C1")
    spec = [("I1", "5.00", 10), ("I2", "3.00", 10), ("I3", "10.00", 1), ("I4", "1.00", 5),
            ("I5", "1.00", 3), ("I6", "0.50", 4), ("I7", "4.00", 0)]
    items = {sku: f.item(sku, cost=cost) for sku, cost, _ in spec}
    f.item("I8", cost="1.00", active=False, abc_class="A")
    lines = r.so("SO-1", c, [(items[sku], max(qty, 1), "9.00") for sku, _, qty in spec],
                 created=r.at(r.d("2025-01-02")), status="shipped")[1]
    for (_, _, qty), line in zip(spec, lines):
        if qty:
            r.ship(line, qty, r.at(r.d("2025-01-10")), loc["ship"])
    i6 = r.ship(lines[5], 2, r.at(r.d("2025-01-11")), loc["ship"])
    r.undo(i6, r.at(r.d("2025-01-12")))
    r.ship(lines[6], 1, r.at(r.d("2025-02-03")), loc["ship"])      # I7, outside January


def classes():
    return dict(Item.select(Item.sku, Item.abc_class).tuples())


def test_abc_default_split_is_saved(store):
    build()
    rows, columns = abc(*JAN, a_share=0.80, b_share=0.15)
    save_abc_classes(rows)
    assert columns == ["rank", "sku", "name", "qty", "consumption_value", "share_pct", "cumulative_pct",
                       "class", "previous_class"]
    assert [(x["rank"], x["sku"], x["qty"], x["consumption_value"], x["cumulative_pct"], x["class"]) for x in rows] == [
        (1, "I1", 10, Decimal("50.00"), 50.0, "A"),
        (2, "I2", 10, Decimal("30.00"), 80.0, "A"),
        (3, "I3", 1, Decimal("10.00"), 90.0, "B"),
        (4, "I4", 5, Decimal("5.00"), 95.0, "B"),
        (5, "I5", 3, Decimal("3.00"), 98.0, "C"),
        (6, "I6", 4, Decimal("2.00"), 100.0, "C"),
        (7, "I7", 0, Decimal("0.00"), 100.0, "C")]
    assert classes() == {"I1": "A", "I2": "A", "I3": "B", "I4": "B", "I5": "C", "I6": "C", "I7": "C", "I8": "A"}


def test_abc_split_is_configurable_and_no_save_changes_nothing(sqlite_store):
    build()
    save_abc_classes(abc(*JAN, a_share=0.80, b_share=0.15)[0])
    # 50/30: I1 is A (0 before it < 50), I2 starts at 50 -> B, I3 starts at 80 -> C.
    rows, _ = abc(*JAN, a_share=0.50, b_share=0.30)
    assert [x["class"] for x in rows] == ["A", "B", "C", "C", "C", "C", "C"]
    assert rows[1]["previous_class"] == "A"
    assert classes()["I2"] == "A"          # not saved
    save_abc_classes(abc(*JAN, a_share=0.50, b_share=0.30)[0])
    assert classes()["I2"] == "B" and classes()["I3"] == "C"
    # A share that crosses the line keeps the item in the class it started in: 0.45 -> I1 A.
    rows, _ = abc(*JAN, a_share=0.45, b_share=0.50)
    assert [x["class"] for x in rows][:5] == ["A", "B", "B", "B", "C"]   # B up to 95: I5 starts at 95
    with pytest.raises(InvalidInput, match="a_share and b_share"):
        abc(*JAN, a_share=0.9, b_share=0.2)


def test_items_that_consumed_nothing_come_last_by_sku_with_no_share(store):
    build()
    f.item("A0", cost="7.00")                    # first by SKU, consumed nothing
    rows, _ = abc(*JAN)
    assert [(x["rank"], x["sku"], x["share_pct"], x["cumulative_pct"], x["class"]) for x in rows[-3:]] == [
        (6, "I6", 2.0, 100.0, "C"), (7, "A0", 0.0, 100.0, "C"), (8, "I7", 0.0, 100.0, "C")]
    # A period with no shipments at all: every item C, no shares to give.
    rows, _ = abc(r.d("2025-03-01"), r.d("2025-03-31"))
    assert [x["sku"] for x in rows] == ["A0", "I1", "I2", "I3", "I4", "I5", "I6", "I7"]
    assert [x["rank"] for x in rows] == list(range(1, 9))
    assert {(x["class"], x["share_pct"], x["cumulative_pct"], x["qty"]) for x in rows} == {("C", None, None, 0)}
