"""Issue 16, points 5-10: the supplier scorecard, settlement and the counts report against
numbers worked out by hand (the auditor's cases)."""
from decimal import Decimal

from db import counts
from db.core.models import PurchaseOrderLine
from db.inventory import adjust, undo_movement
from db.reports.counts import counts_report
from db.reports.settlement import settlement
from db.reports.suppliers import scorecard
from tests import factories as f
from tests import reports_data as r
from tests.reports_data import at, d


def one(rows, **where):
    return next(x for x in rows if all(x[k] == v for k, v in where.items()))


def test_an_undone_receipt_is_no_delivery(store):
    """Point 5. Due 01-15 (PO of 01-05): received 01-15, undone, received again 01-19. The
    first receipt did not happen: 0 % on time, lead 01-05 → 01-19 = 14 days."""
    loc = r.site()
    s = f.supplier("S1")
    p = f.item("P")
    _, (line,) = r.po("PO-1", s, [(p, 10, "1.00", d("2026-01-15"))], created=at(d("2026-01-05")))
    first = r.receipt(line, 10, at(d("2026-01-15"), 9), loc["dock"])[0]
    r.undo(first, at(d("2026-01-15"), 11))
    r.receipt(PurchaseOrderLine.get_by_id(line.id), 10, at(d("2026-01-19")), loc["dock"])
    (row,), _ = scorecard(d("2026-01-01"), d("2026-01-31"), today=d("2026-02-01"))
    assert (row["lines"], row["on_time_pct"], row["actual_lead_days"]) == (1, 0.0, 14.0)
    assert (row["received"], row["fill_pct"]) == (10, 100.0)


def test_backorder_lines_stay_in_closed_periods(store):
    """Point 6. PO-1 (created 01-02) due 01-22: 4 of 10 came 01-20; closed 02-01 with backorder
    PO-1-BO1 (created 02-01, still due 01-22), whose 6 came 02-05. Both lines are due 01-22:
    a report for 01-22 alone and one to 03-31 both measure 2 lines, neither on time."""
    loc = r.site()
    s = f.supplier("S1")
    p = f.item("P")
    po, (line,) = r.po("PO-1", s, [(p, 10, "1.00")], created=at(d("2026-01-02")),
                       expected=d("2026-01-22"), status="closed")
    r.receipt(line, 4, at(d("2026-01-20")), loc["dock"])
    _, (bo,) = r.po("PO-1-BO1", s, [(p, 6, "1.00")], created=at(d("2026-02-01")),
                    expected=d("2026-01-22"), status="received", backorder_of=po)
    r.receipt(bo, 6, at(d("2026-02-05")), loc["dock"])
    for date_to in (d("2026-01-22"), d("2026-03-31")):
        (row,), _ = scorecard(d("2026-01-22"), date_to, today=d("2026-04-01"))
        assert (row["lines"], row["on_time_pct"], row["ordered"], row["received"]) == (2, 0.0, 16, 10)


def test_on_time_means_in_full_by_the_due_date(store):
    """Point 7. Three lines of 10 due 01-15: one accepted in full on 01-14 (on time), one all
    rejected on 01-10 (nothing accepted: late), one 8 accepted 01-15 and 2 on 01-16 (not in
    full by the due date: late). On time 1 of 3 = 33.3 %; rejected 10 of 30 seen = 33.3 %."""
    loc = r.site()
    s = f.supplier("S1")
    a, b, c = f.item("A"), f.item("B"), f.item("C")
    due = d("2026-01-15")
    _, (la, lb, lc) = r.po("PO-1", s, [(a, 10, "1.00", due), (b, 10, "1.00", due), (c, 10, "1.00", due)],
                           created=at(d("2026-01-05")))
    r.receipt(la, 10, at(d("2026-01-14")), loc["dock"])
    r.receipt(lb, 0, at(d("2026-01-10")), loc["dock"], reject=10, qa=loc["qa"])
    r.receipt(lc, 8, at(due, 17), loc["dock"])
    r.receipt(PurchaseOrderLine.get_by_id(lc.id), 2, at(d("2026-01-16")), loc["dock"])
    (row,), _ = scorecard(d("2026-01-01"), d("2026-01-31"), today=d("2026-02-01"))
    assert (row["lines"], row["on_time_pct"], row["reject_pct"]) == (3, 33.3, 33.3)
    # Fill: min(10,10) + 0 + min(10,10) = 20 of 30.
    assert row["fill_pct"] == 66.7


def test_price_against_others_weighs_actual_spend(store):
    """Point 8. Item X, all due and received 01-10. S1: line of 100 @ 10.00 with only 10
    accepted, line of 10 @ 22.00 all accepted: 20 units for 100 + 220 = 320. S2: 10 @ 14.00
    accepted: 140. S1 against S2's price: 320 ÷ (20 × 14) = 320 ÷ 280 = 1.142857 → +14.3 %.
    S2 against S1's average 320 ÷ 20 = 16: 140 ÷ (10 × 16) = 0.875 → −12.5 %. (Weighing the
    ordered 110 units instead gave S1 1,220 ÷ 1,540 → −20.8 %.)"""
    loc = r.site()
    s1, s2 = f.supplier("S1"), f.supplier("S2")
    x = f.item("X")
    due = d("2026-01-10")
    _, (l1, l2) = r.po("PO-1", s1, [(x, 100, "10.00", due), (x, 10, "22.00", due)], created=at(d("2026-01-01")))
    _, (l3,) = r.po("PO-2", s2, [(x, 10, "14.00", due)], created=at(d("2026-01-01")))
    for line, qty in ((l1, 10), (l2, 10), (l3, 10)):
        r.receipt(line, qty, at(due), loc["dock"])
    rows, _ = scorecard(d("2026-01-01"), d("2026-01-31"), today=d("2026-02-01"))
    assert one(rows, supplier="S1")["price_vs_others_pct"] == 14.3
    assert one(rows, supplier="S2")["price_vs_others_pct"] == -12.5


def test_settlement_summary_is_the_sum_of_its_detail(store):
    """Point 9. In January: PO-1 line 1, 3 @ 1.3333 = 3.9999 → 4.00; line 2, 2 @ 0.5050 =
    1.01; PO-2's line received 5 and undone in January: nets to zero, in neither. Summary:
    1 PO, 2 lines, 5 units, 3.9999 + 1.01 = 5.0099 → 5.01 = 4.00 + 1.01."""
    loc = r.site()
    s = f.supplier("S1")
    p, q = f.item("P"), f.item("Q")
    _, (l1, l2) = r.po("PO-1", s, [(p, 3, "1.3333"), (q, 2, "0.5050")], created=at(d("2026-01-02")))
    _, (l3,) = r.po("PO-2", s, [(p, 5, "7.00")], created=at(d("2026-01-02")))
    r.receipt(l1, 3, at(d("2026-01-05")), loc["dock"])
    r.receipt(l2, 2, at(d("2026-01-05")), loc["dock"])
    r.undo(r.receipt(l3, 5, at(d("2026-01-06")), loc["dock"])[0], at(d("2026-01-07")))
    detail, _ = settlement(d("2026-01-01"), d("2026-01-31"), detail=True)
    assert [(x["po"], x["line_no"], x["qty_accepted"], x["unit_cost"], x["amount"]) for x in detail] == [
        ("PO-1", 1, 3, Decimal("1.3333"), Decimal("4.00")), ("PO-1", 2, 2, Decimal("0.5050"), Decimal("1.01"))]
    (summary,), _ = settlement(d("2026-01-01"), d("2026-01-31"))
    assert (summary["pos"], summary["lines"], summary["qty_accepted"], summary["amount"]) == (
        1, 2, 5, Decimal("5.01"))
    assert summary["amount"] == sum(x["amount"] for x in detail)


def test_counts_report_money_and_shrinkage(store):
    """Point 10. SOAP at 1.3333, 10 on A-01. Count finds 7: loss 3 × 1.3333 = 3.9999 → 4.00.
    A supervisor writes off 2 (2.6666) and undoes it (+2.6666). Shrinkage by kind: count −3
    units, loss 4.00; adjust −2, loss 2.67; undo +2, gain 2.67; total: −3 units, gain 2.67,
    loss 2.6666 + 3.9999 = 6.6665 → 6.67, net −3.9999 → −4.00 (the undone loss cancels)."""
    f.warehouse()
    a1 = f.location("A-01", zone="A")
    soap = f.item("SOAP", cost=Decimal("1.3333"))
    for code, role in (("W1", "worker"), ("W2", "worker"), ("S1", "supervisor")):
        f.operator(code, role)
    f.give_stock(soap, a1, 10)
    plan = counts.create_count(zones=["A"], operator="S1")
    (task,) = counts.open_tasks(plan.id)
    for op in ("W1", "W2"):
        counts.submit_count(task.id, [counts.Counted(soap, 7)], operator=op)
    counts.approve(plan.id, operator="S1")
    loss = adjust("SOAP", -2, "A-01", reason="BREAKAGE", operator="S1")
    undo_movement(loss.id, operator="S1")
    rows, _ = counts_report()
    item = one(rows, group="item", key="SOAP")
    assert (item["units"], str(item["loss"]), str(item["net"])) == (-3, "4.00", "-4.00")
    by_kind = {x["key"]: x for x in rows if x["group"] == "shrinkage"}
    assert (by_kind["count"]["units"], str(by_kind["count"]["loss"])) == (-3, "4.00")
    assert (by_kind["adjust"]["units"], str(by_kind["adjust"]["loss"])) == (-2, "2.67")
    assert (by_kind["undo"]["units"], str(by_kind["undo"]["gain"])) == (2, "2.67")
    total = by_kind["total"]
    assert (total["units"], str(total["gain"]), str(total["loss"]), str(total["net"])) == (-3, "2.67", "6.67", "-4.00")


def test_a_week_is_the_sum_of_its_days_before_rounding(store):
    """Point 3. One unit at 0.3350 sold on each of Mon 2026-03-02, Tue and Wed: each day shows
    0.34 (0.335 rounded half up), the week 3 × 0.335 = 1.005 → 1.01, the exact sum rounded
    once (adding the shown days gave 1.02)."""
    from db.reports.sales import sales
    loc = r.site()
    p = f.item("P", cost="0.10")
    for n, day in enumerate(("2026-03-02", "2026-03-03", "2026-03-04"), start=1):
        _, (line,) = r.so(f"SO-{n}", f.customer("C1"), [(p, 1, "0.3350")], created=at(d(day), 8))
        r.ship(line, 1, at(d(day)), loc["ship"])
    days, _ = sales(d("2026-03-02"), d("2026-03-08"), by="day")
    assert [x["revenue"] for x in days[:3]] == [Decimal("0.34")] * 3
    (week,), _ = sales(d("2026-03-02"), d("2026-03-08"), by="week")
    assert (week["period"], week["qty"], week["revenue"]) == ("2026-W10", 3, Decimal("1.01"))
    # Cost: each unit carried the average 0.10 then: 0.30, margin 1.005 − 0.30 = 0.705 → 0.71.
    assert (week["cost"], week["margin"]) == (Decimal("0.30"), Decimal("0.71"))
