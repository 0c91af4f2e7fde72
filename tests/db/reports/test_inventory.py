"""Stock value, turnover, days of supply, dead stock, ageing and stock history, on stock
built relative to today (T). P costs 2.00, Q 10.00, R 1.00 (lot-tracked).

P: 100 opening T-120 at A-01; 50 received T-45 (put away T-44); 20 received + 7 rejected T-10;
   60 picked and shipped T-5; 5 received T-3 and undone T-2.          on hand 110
Q: 5 opening T-200, nothing since.                                    on hand 5
R: lot L1 (received T-100) 10 opening; lot L2 (received T-20) 6 received.  on hand 16
"""
import datetime as dt
from decimal import Decimal

from db.core.models import Lot
from db.ledger.posting import Posting, post
from db.reports.common import today
from db.reports.inventory import ageing, dead_stock, stock_history, stock_value, turnover
from tests import factories as f
from tests import reports_data as r


def ago(days: int, hour: int = 10) -> dt.datetime:
    return r.at(today() - dt.timedelta(days=days), hour)


def build():
    loc = r.site()
    s = f.supplier("S1")
    p, q = f.item("P", cost="2.00"), f.item("Q", cost="10.00")
    rr = f.item("R", cost="1.00", lot=True)
    r.stock(p, loc["a1"], 100, ago(120))
    _, (lp,) = r.po("PO-1", s, [(p, 100, "2.00")], created=ago(50))
    r.receipt(lp, 50, ago(45), loc["dock"])
    post(Posting(item=p, qty=50, from_location=loc["dock"], to_location=loc["a1"], kind="putaway",
                 operator="W1", at=ago(44)))
    r.receipt(lp, 20, ago(10), loc["dock"], reject=7, qa=loc["qa"])
    _, (sl,) = r.so("SO-1", f.customer("C1"), [(p, 60, "3.00")], created=ago(6), status="shipped")
    r.ship(sl, 60, ago(5), loc["ship"], stock_from=loc["a1"])
    late = r.receipt(lp, 5, ago(3), loc["dock"])[0]
    r.undo(late, ago(2))
    r.stock(q, loc["a2"], 5, ago(200))
    l1, l2 = f.lot(rr, "L1"), f.lot(rr, "L2")
    Lot.update(received_at=ago(100)).where(Lot.id == l1.id).execute()
    Lot.update(received_at=ago(20)).where(Lot.id == l2.id).execute()
    r.stock(rr, loc["a2"], 10, ago(100), lot=l1)
    post(Posting(item=rr, qty=6, from_location=f.virtual("supplier"), to_location=loc["dock"], lot=l2,
                 kind="receipt", operator="W1", at=ago(20)))
    f.item("Z")
    return loc


def test_stock_value_now_and_as_of_a_day(store):
    build()
    rows, columns = stock_value()
    assert columns == ["sku", "name", "on_hand", "unit_cost", "value", "share_pct"]
    # P 110 x 2 = 220, Q 5 x 10 = 50, R 16 x 1 = 16; total 286. The 7 in quarantine don't count.
    assert [(x["sku"], x["on_hand"], x["value"], x["share_pct"]) for x in rows] == [
        ("P", 110, Decimal("220.00"), round(100 * 220 / 286, 1)),
        ("Q", 5, Decimal("50.00"), round(100 * 50 / 286, 1)),
        ("R", 16, Decimal("16.00"), round(100 * 16 / 286, 1))]
    # At the end of T-30: P 100 + 50 = 150, Q 5, R 10 (L2 came at T-20).
    rows, _ = stock_value(None, today() - dt.timedelta(days=30))
    assert [(x["sku"], x["on_hand"], x["value"]) for x in rows] == [
        ("P", 150, Decimal("300.00")), ("Q", 5, Decimal("50.00")), ("R", 10, Decimal("10.00"))]


def test_turnover_and_days_of_supply(store):
    build()
    rows, columns = turnover(days=30)          # T-29 .. T
    by = {x["sku"]: x for x in rows}
    # P: opening 150, closing 110, average 130; shipped 60 -> turnover 60 / 130;
    # usage 60 / 30 = 2 a day -> 110 / 2 = 55 days of supply.
    p = by["P"]
    assert (p["opening"], p["closing"], p["average"], p["shipped"]) == (150, 110, 130, 60)
    assert (p["cogs"], p["avg_value"], p["turnover"]) == (Decimal("120.00"), Decimal("260.00"), round(60 / 130, 2))
    assert (p["daily_usage"], p["days_of_supply"]) == (2.0, 55.0)
    assert (by["Q"]["turnover"], by["Q"]["days_of_supply"]) == (0.0, None)
    assert (by["R"]["opening"], by["R"]["closing"], by["R"]["average"]) == (10, 16, 13)
    assert "Z" not in by
    # Over T-10 .. T-5 only: P opens at 150, gets 20, ships 60 -> closes 110; usage 60 / 6 = 10.
    start, end = today() - dt.timedelta(days=10), today() - dt.timedelta(days=5)
    p = {x["sku"]: x for x in turnover(start, end)[0]}["P"]
    assert (p["opening"], p["closing"], p["daily_usage"], p["days_of_supply"]) == (150, 110, 10.0, 11.0)


def test_dead_stock(store):
    """Point 11 of issue 16: dead = no issue or sale in the N days ending on --to (both
    included); receipts, put-aways, undos and counts do not make stock alive."""
    build()
    rows, columns = dead_stock(days=90)
    assert columns == ["sku", "name", "on_hand", "value", "last_movement", "days_idle"]
    # Window T-89..T: P shipped at T-5, alive. Q (5 × 10.00) and R (16 × 1.00) never had an
    # issue or a sale: dead, with no last one.
    assert [(x["sku"], x["on_hand"], x["value"], x["last_movement"], x["days_idle"]) for x in rows] == [
        ("Q", 5, Decimal("50.00"), None, None), ("R", 16, Decimal("16.00"), None, None)]
    # Window T-4..T: P's last sale was T-5; its receipt at T-3 and that receipt's undo at T-2
    # do not count. P 110 × 2.00 = 220.00, idle 5 days.
    rows, _ = dead_stock(days=5)
    assert [(x["sku"], x["value"], x["days_idle"]) for x in rows] == [
        ("P", Decimal("220.00"), 5), ("Q", Decimal("50.00"), None), ("R", Decimal("16.00"), None)]
    assert rows[0]["last_movement"] == today() - dt.timedelta(days=5)
    # Window T-5..T (6 days) holds the sale.
    assert [x["sku"] for x in dead_stock(days=6)[0]] == ["Q", "R"]
    # --from sets the window's start: from T-5 the sale is in it, from T-4 not.
    assert [x["sku"] for x in dead_stock(today() - dt.timedelta(days=5), None)[0]] == ["Q", "R"]
    assert [x["sku"] for x in dead_stock(today() - dt.timedelta(days=4), None)[0]] == ["P", "Q", "R"]
    # --to in the past: the stock and value at the end of T-30 (P 150 × 2.00, Q 50.00, R only
    # lot L1's 10 × 1.00), window T-119..T-30 with no sale of anything.
    rows, _ = dead_stock(None, today() - dt.timedelta(days=30), days=90)
    assert [(x["sku"], x["on_hand"], x["value"]) for x in rows] == [
        ("P", 150, Decimal("300.00")), ("Q", 5, Decimal("50.00")), ("R", 10, Decimal("10.00"))]


def test_ageing_lots_by_receipt_date_and_the_rest_first_in_first_out(store):
    build()
    rows, columns = ageing()
    assert columns == ["sku", "name", "on_hand", "days_0_30", "days_31_60", "days_61_90", "days_over_90", "value_over_90"]
    by = {x["sku"]: x for x in rows}
    # P: 110 on hand = the 20 of T-10, the 50 of T-45, and 40 of the opening stock (T-120).
    # The undone receipt of T-3 and the rejects in quarantine are no arrivals.
    assert [by["P"][k] for k in columns[2:]] == [110, 20, 50, 0, 40, Decimal("80.00")]
    assert [by["Q"][k] for k in columns[2:]] == [5, 0, 0, 0, 5, Decimal("50.00")]
    # R: lot L1 received T-100 (10 units), L2 received T-20 (6).
    assert [by["R"][k] for k in columns[2:]] == [16, 6, 0, 0, 10, Decimal("10.00")]
    assert [x["sku"] for x in rows] == ["P", "R", "Q"]


def test_stock_history_of_an_item(sqlite_store):
    build()
    rows, columns = stock_history("P", today() - dt.timedelta(days=12), today() - dt.timedelta(days=2))
    assert columns == ["day", "in", "out", "on_hand"]
    levels = [x["on_hand"] for x in rows]
    # T-12..T-11: 150; T-10: +20 -> 170 (the rejects go to quarantine); T-5: -60 (the pick is
    # internal) -> 110; T-3: +5 -> 115; T-2: undone -> 110.
    assert levels == [150, 150, 170, 170, 170, 170, 170, 110, 110, 115, 110]
    assert (rows[2]["in"], rows[7]["out"], rows[10]["out"]) == (20, 60, 5)
