"""Supplier scorecard and settlement on a hand-built March 2025.

S1 (lead 5): PO-1 created 03-01, expected 03-06
  line 1: X 10 @ 2.00 - 3 received 03-02 and undone 03-06; 10 received 03-05 (on time)
  line 2: Y 20 @ 5.00 - 15 accepted + 2 rejected 03-08 (late)
S2 (lead 3): PO-2 created 03-02, expected 03-05
  line 1: X 10 @ 2.50 - 10 received 03-04 (on time)
  line 2: Y 10 @ 4.00 - 10 received 03-05 (on time)
  line 3: Z 5 @ 1.00, line expected 03-20 - nothing came (overdue on 03-31: late)
S3: PO-3 expected 04-10, nothing yet (not due: not measured); a draft PO (never measured).
"""
from decimal import Decimal

import pytest

from db.reports.settlement import settlement
from db.reports.suppliers import scorecard
from tests import factories as f
from tests import reports_data as r

TODAY = r.d("2025-03-31")
WEIGHTS = dict(weight_on_time=0.35, weight_fill_rate=0.25, weight_quality=0.25, weight_price=0.15)


def build():
    loc = r.site()
    s1, s2, s3 = f.supplier("S1", lead=5), f.supplier("S2", lead=3), f.supplier("S3", lead=7)
    x, y, z = f.item("X"), f.item("Y"), f.item("Z")
    _, (x1, y1) = r.po("PO-1", s1, [(x, 10, "2.00"), (y, 20, "5.00")],
                       created=r.at(r.d("2025-03-01")), expected=r.d("2025-03-06"))
    early = r.receipt(x1, 3, r.at(r.d("2025-03-02")), loc["dock"])[0]
    r.undo(early, r.at(r.d("2025-03-06")))
    r.receipt(x1, 10, r.at(r.d("2025-03-05")), loc["dock"])
    r.receipt(y1, 15, r.at(r.d("2025-03-08")), loc["dock"], reject=2, qa=loc["qa"])
    _, (x2, y2, z2) = r.po("PO-2", s2, [(x, 10, "2.50"), (y, 10, "4.00"), (z, 5, "1.00", r.d("2025-03-20"))],
                           created=r.at(r.d("2025-03-02")), expected=r.d("2025-03-05"))
    r.receipt(x2, 10, r.at(r.d("2025-03-04")), loc["dock"])
    r.receipt(y2, 10, r.at(r.d("2025-03-05")), loc["dock"])
    r.po("PO-3", s3, [(x, 50, "1.00")], created=r.at(r.d("2025-03-25")), expected=r.d("2025-04-10"))
    r.po("PO-4", s3, [(y, 50, "1.00")], created=r.at(r.d("2025-02-01")), expected=r.d("2025-02-05"),
         status="draft")


def test_scorecard_all_time(store):
    build()
    rows, columns = scorecard(today=TODAY, **WEIGHTS)
    assert columns[-1] == "score"
    assert [row["supplier"] for row in rows] == ["S2", "S1"]      # S3 has nothing measured
    s2, s1 = rows
    # S1: on time 1 of 2 lines; fill (10 + 15) / 30; rejects 2 / 27; lead (1 + 7) / 2 days
    # (line 1 first received on 03-02: that receipt was undone, but the delivery came then).
    assert (s1["lines"], s1["on_time_pct"], s1["ordered"], s1["received"], s1["rejected"]) == (2, 50.0, 30, 25, 2)
    assert (s1["fill_pct"], s1["reject_pct"]) == (83.3, 7.4)
    assert (s1["promised_lead_days"], s1["actual_lead_days"]) == (5, 4.0)
    # Price: S1 paid 10x2.00 + 20x5.00 = 120 where S2's prices would cost 10x2.50 + 20x4.00 = 105.
    assert s1["price_vs_others_pct"] == 14.3
    s1_score = 0.35 * 0.5 + 0.25 * 25 / 30 + 0.25 * (1 - 2 / 27) + 0.15 * (2 - 120 / 105)
    assert s1["score"] == pytest.approx(round(100 * s1_score, 1))
    assert s1["score"] == 74.3
    # S2: on time 2 of 3 (Z never came); fill 20 / 25; no rejects; 65 vs S1's prices 70.
    assert (s2["lines"], s2["on_time_pct"], s2["fill_pct"], s2["reject_pct"]) == (3, 66.7, 80.0, 0.0)
    assert (s2["price_vs_others_pct"], s2["actual_lead_days"]) == (-7.1, 2.5)
    assert s2["score"] == pytest.approx(round(100 * (0.35 * 2 / 3 + 0.25 * 0.8 + 0.25 + 0.15), 1))


def test_scorecard_period_selects_lines_by_due_date(sqlite_store):
    build()
    rows, _ = scorecard(r.d("2025-03-06"), r.d("2025-03-31"), today=TODAY, **WEIGHTS)
    by = {row["supplier"]: row for row in rows}
    # S1's lines are due 03-06; of S2 only Z (due 03-20, never came). No shared item: no price.
    assert by["S1"]["price_vs_others_pct"] is None
    assert by["S1"]["score"] == round(100 * (0.35 * 0.5 + 0.25 * 25 / 30 + 0.25 * 25 / 27) / 0.85, 1)
    assert (by["S2"]["lines"], by["S2"]["on_time_pct"], by["S2"]["fill_pct"], by["S2"]["reject_pct"]) == (1, 0.0, 0.0, None)
    assert by["S2"]["score"] == 0.0
    # Before Z's due date it is not yet late: not measured.
    rows, _ = scorecard(r.d("2025-03-06"), r.d("2025-03-31"), today=r.d("2025-03-15"), **WEIGHTS)
    assert [row["supplier"] for row in rows] == ["S1"]


def test_scorecard_weights_come_from_the_arguments(sqlite_store):
    build()
    rows, _ = scorecard(today=TODAY, weight_on_time=1, weight_fill_rate=0, weight_quality=0, weight_price=0)
    assert {row["supplier"]: row["score"] for row in rows} == {"S2": 66.7, "S1": 50.0}


def test_settlement_accepted_units_at_po_price(store):
    build()
    rows, columns = settlement(r.d("2025-03-01"), r.d("2025-03-31"))
    assert columns == ["supplier", "name", "pos", "lines", "qty_accepted", "amount"]
    # S1: X 10 x 2.00 + Y 15 x 5.00 (the 3 undone, the 2 rejected never owed); S2: 10 x 2.50 + 10 x 4.00.
    assert [(x["supplier"], x["pos"], x["lines"], x["qty_accepted"], x["amount"]) for x in rows] == [
        ("S1", 1, 2, 25, Decimal("95.00")), ("S2", 1, 2, 20, Decimal("65.00"))]


def test_settlement_undo_counts_on_its_own_date(sqlite_store):
    build()
    # 03-01..03-05: S1 got 3 (undone later) + 10 of X at 2.00.
    rows, _ = settlement(r.d("2025-03-01"), r.d("2025-03-05"))
    assert [(x["supplier"], x["qty_accepted"], x["amount"]) for x in rows] == [
        ("S1", 13, Decimal("26.00")), ("S2", 20, Decimal("65.00"))]
    # 03-06..03-31: Y 15 x 5.00 and the undo of 3 x 2.00.
    rows, _ = settlement(r.d("2025-03-06"), r.d("2025-03-31"))
    assert [(x["supplier"], x["qty_accepted"], x["amount"]) for x in rows] == [("S1", 12, Decimal("69.00"))]
    rows, columns = settlement(r.d("2025-03-01"), r.d("2025-03-31"), supplier="S1", detail=True)
    assert [(x["po"], x["line_no"], x["sku"], x["qty_accepted"], x["unit_cost"], x["amount"]) for x in rows] == [
        ("PO-1", 1, "X", 10, Decimal("2.00"), Decimal("20.00")),
        ("PO-1", 2, "Y", 15, Decimal("5.00"), Decimal("75.00"))]
    assert settlement(r.d("2025-04-01"), None)[0] == []
