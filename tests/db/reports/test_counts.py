"""`counts_report`: accuracy, pending variances, adjustments by reason, zone and item, shrinkage
over a period, on SQLite and PostgreSQL."""
import datetime as dt
from decimal import Decimal

import pytest

from db import counts
from db.counts.models import CountEntry
from db.reports.counts import COLUMNS, counts_report, counts_tables
from db.ledger.posting import Posting, post, reverse
from db.core.models import Movement
from tests import factories as f


@pytest.fixture
def shop(store):
    s = f.shop(locations=("A-01", "A-02", ("B-01", dict(zone="B")), ("B-02", dict(zone="B"))),
               items={"SOAP": dict(cost=2), "OIL": dict(cost=Decimal("5.50"))},
               workers=("W1", "W2"), supervisors=("S1",),
               stock=[("SOAP", "A-01", 10), ("OIL", "A-02", 4), ("SOAP", "B-01", 6), ("OIL", "B-02", 8)])
    return dict(locs={c: s[c] for c in ("A-01", "A-02", "B-01", "B-02")}, soap=s["SOAP"], oil=s["OIL"])


def count_twice(task, item, qty):
    counts.submit_count(task.id, [counts.Counted(item, qty)], operator="W1")
    counts.submit_count(task.id, [counts.Counted(item, qty)], operator="W2")


def row(rows, group, key):
    return next(r for r in rows if r["group"] == group and r["key"] == key)


def test_counts_report_groups(shop):
    plan = counts.create_count(zones=["A", "B"], operator="S1")
    tasks = {t.location.code: t for t in counts.open_tasks(plan.id)}
    counts.submit_count(tasks["A-01"].id, [counts.Counted(shop["soap"], 10)], operator="W1")   # exact
    count_twice(tasks["A-02"], shop["oil"], 3)         # -1 OIL × 5.50
    count_twice(tasks["B-01"], shop["soap"], 5)        # -1 SOAP × 2
    count_twice(tasks["B-02"], shop["oil"], 10)        # +2 OIL × 5.50, left pending
    counts.approve(plan.id, 2, operator="S1", reason="LOSS")
    counts.approve(plan.id, 3, operator="S1")
    # A supervisor's adjustment outside counts: shrinkage, not a count variance.
    post(Posting(item=shop["soap"], qty=1, from_location=shop["locs"]["A-01"],
                 to_location=f.virtual("inventory-loss"), kind="adjust", operator="S1", reason="BREAKAGE",
                 unit_cost=Decimal(2)))
    rows, columns = counts_report()
    assert columns == COLUMNS
    settled = row(rows, "accuracy", "settled")
    assert (settled["locations"], settled["accurate"], settled["pct"]) == (3, 1, 33.3)
    first = row(rows, "accuracy", "first count")
    assert (first["locations"], first["accurate"], first["pct"]) == (4, 1, 25.0)
    pending = row(rows, "pending", "undecided")
    assert (pending["lines"], pending["units"], pending["net"]) == (1, 2, Decimal("11.00"))
    assert row(rows, "reason", "LOSS")["net"] == Decimal("-5.50")
    assert row(rows, "reason", "COUNT")["net"] == Decimal("-2.00")
    # Both zones lost something; largest value first within a group.
    zones = [r["key"] for r in rows if r["group"] == "zone"]
    assert zones == ["A", "B"]
    items = [(r["key"], r["units"], r["loss"], r["net"]) for r in rows if r["group"] == "item"]
    assert items == [("OIL", -1, Decimal("5.50"), Decimal("-5.50")), ("SOAP", -1, Decimal("2.00"), Decimal("-2.00"))]
    shrink = {r["key"]: r["net"] for r in rows if r["group"] == "shrinkage"}
    assert shrink == {"adjust": Decimal("-2.00"), "count": Decimal("-7.50"), "total": Decimal("-9.50")}
    assert set(counts_tables()) == {"accuracy", "pending", "reason", "zone", "item", "shrinkage"}


def test_period_and_undo(shop):
    plan = counts.create_count(locations=["A-01"], operator="S1")
    task = counts.open_tasks(plan.id)[0]
    count_twice(task, shop["soap"], 7)
    decision = counts.approve(plan.id, 1, operator="S1")[0]
    today = dt.date.today()
    # An undo of the adjustment brings the units back: the net is zero, the undo is shown.
    reverse(decision.movement.id, operator="S1")
    rows, _ = counts_report(today, today)
    assert row(rows, "item", "SOAP")["units"] == 0
    assert row(rows, "reason", "COUNT (undone)")["units"] == 3
    assert row(rows, "shrinkage", "total")["net"] == 0
    # Move everything to last year: this year's report is empty of counts.
    old = dt.datetime.now() - dt.timedelta(days=400)
    Movement.update(created_at=old).where(Movement.count_line.is_null(False)).execute()
    CountEntry.update(at=old).execute()
    rows, _ = counts_report(today - dt.timedelta(days=30), today)
    assert [r["group"] for r in rows if r["group"] in ("reason", "zone", "item")] == []
    assert row(rows, "accuracy", "first count")["locations"] == 0
    assert row(rows, "accuracy", "first count")["pct"] is None
