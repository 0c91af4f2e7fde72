"""Cycle counts in the store layer, on SQLite and PostgreSQL: plans, snapshots, recounts,
the supervisor's decisions and the ledger they post."""
import datetime as dt
from decimal import Decimal

import pytest

from db import counts
from db.counts.models import Count, CountEntry, CountFound, CountLine, CountTask
from db.core.errors import (InsufficientStock, InvalidInput, NotFound, PermissionDenied, RuleViolation)
from db.ledger.posting import Posting, on_hand, post, verify
from db.core.models import AuditLog, Movement
from tests import factories as f


@pytest.fixture
def shop(store):
    """Two storage locations with stock, two workers and a supervisor."""
    wh = f.warehouse()
    a1, a2 = f.location("A-01", zone="A"), f.location("A-02", zone="A")
    b1 = f.location("B-01", zone="B")
    ship = f.location("SHIP", kind="shipping", zone="")
    soap = f.item("SOAP", cost=2, barcodes=[("4006381333931", 1), ("14006381333938", 12)])
    milk = f.item("MILK", expiry=True, cost=Decimal("1.50"))
    for code, role in (("W1", "worker"), ("W2", "worker"), ("W3", "worker"), ("S1", "supervisor")):
        f.operator(code, role)
    f.give_stock(soap, a1, 10)
    l7 = f.lot(milk, "L7", "2027-01-31")
    f.give_stock(milk, a2, 6, l7)
    f.give_stock(soap, b1, 4)
    return dict(wh=wh, a1=a1, a2=a2, b1=b1, ship=ship, soap=soap, milk=milk, l7=l7)


def task_of(count, code):
    return CountTask.select().join(f.Location).where(CountTask.count == count.id, f.Location.code == code).get()


def line_of(count, sku):
    return CountLine.select().join(f.Item).where(CountLine.count == count.id, f.Item.sku == sku).get()


def test_plan_by_zone_makes_one_task_per_location_with_pending_lines(shop):
    count = counts.create_count(zones=["A"], operator="S1")
    tasks = list(CountTask.select().where(CountTask.count == count.id))
    assert sorted(t.location.code for t in tasks) == ["A-01", "A-02"]
    assert {t.status for t in tasks} == {"open"}
    lines = list(CountLine.select().where(CountLine.count == count.id).order_by(CountLine.line_no))
    assert [(l.line_no, l.item.sku, l.status, l.expected) for l in lines] == [
        (1, "SOAP", "pending", None), (2, "MILK", "pending", None)]
    assert AuditLog.select().where(AuditLog.action == "count.create", AuditLog.operator == "S1").count() == 1


def test_only_a_supervisor_creates_a_plan(shop):
    with pytest.raises(PermissionDenied, match="operator W1 is a worker; creating a count needs a supervisor"):
        counts.create_count(zones=["A"], operator="W1")
    assert Count.select().count() == 0


def test_plan_scopes_and_their_errors(shop):
    with pytest.raises(InvalidInput, match="exactly one scope"):
        counts.create_count(zones=["A"], locations=["B-01"], operator="S1")
    with pytest.raises(NotFound, match="zone Z9 has no active physical location"):
        counts.create_count(zones=["Z9"], operator="S1")
    with pytest.raises(InvalidInput, match="@LOSS is a virtual"):
        counts.create_count(locations=["@LOSS"], operator="S1")
    by_item = counts.create_count(items=["SOAP"], operator="S1")
    assert sorted(t.location.code for t in by_item.tasks) == ["A-01", "B-01"]
    assert all(t.item_ids() == {shop["soap"].id} for t in by_item.tasks)
    # A location already being counted is skipped, and said so.
    again = counts.create_count(zones=["A", "B"], operator="S1")
    assert [t.location.code for t in again.tasks] == ["A-02"]
    assert any("A-01 is already in count" in s for s in again.skipped)
    with pytest.raises(RuleViolation, match="nothing to count"):
        counts.create_count(locations=["A-01", "B-01"], operator="S1")


def test_random_and_abc_plans(shop):
    rnd = counts.create_count(random_n=2, seed=7, operator="S1")
    assert len(list(rnd.tasks)) == 2
    counts.cancel_count(rnd.id, operator="S1")
    shop["soap"].abc_class = "A"
    shop["soap"].save()
    with pytest.raises(RuleViolation, match="no active item is in ABC class B"):
        counts.create_count(abc="B", operator="S1")
    plan = counts.create_count(abc="A", operator="S1")
    assert sorted(t.location.code for t in plan.tasks) == ["A-01", "B-01"]
    # Count SOAP everywhere; then it is not due again within frequency_a_days.
    for t in plan.tasks:
        qty = 10 if t.location.code == "A-01" else 4
        counts.submit_count(t.id, [counts.Counted(shop["soap"], qty)], operator="W1")
    assert Count.get_by_id(plan.id).status == "closed"
    with pytest.raises(RuleViolation, match="counted within the last 30 days"):
        counts.create_count(abc="A", operator="S1")
    # Counted 40 days ago: due again.
    CountEntry.update(at=dt.datetime.now() - dt.timedelta(days=40)).execute()
    assert len(list(counts.create_count(abc="A", operator="S1").tasks)) == 2


def test_recent_shorts_plan(shop):
    from db.core.models import PickShortage, SalesOrder, SalesOrderLine
    cust = f.customer()
    so = SalesOrder.create(number="SO-1", customer=cust)
    sol = SalesOrderLine.create(so=so, line_no=1, item=shop["soap"], qty_ordered=5)
    with pytest.raises(RuleViolation, match="no short pick"):
        counts.create_count(recent_shorts=True, operator="S1")
    PickShortage.create(so_line=sol, location=shop["b1"], item=shop["soap"], qty_short=2, operator="W1")
    plan = counts.create_count(recent_shorts=True, operator="S1")
    assert [t.location.code for t in plan.tasks] == ["B-01"]


def test_blind_count_with_no_variance_closes_without_posting(shop):
    count = counts.create_count(zones=["A"], operator="S1")
    before = Movement.select().count()
    r1 = counts.submit_count(task_of(count, "A-01").id, [counts.Counted(shop["soap"], 10)], operator="W1")
    r2 = counts.submit_count(task_of(count, "A-02").id,
                             [counts.Counted(shop["milk"], 6, lot="L7")], operator="W1")
    assert [l.status for l in r1.lines + r2.lines] == ["ok", "ok"]
    assert Count.get_by_id(count.id).status == "closed"
    assert Movement.select().count() == before
    assert verify().consistent


def test_variance_recount_by_another_operator_then_approval(shop):
    count = counts.create_count(locations=["A-01"], operator="S1")
    task = task_of(count, "A-01")
    r = counts.submit_count(task.id, [counts.Counted(shop["soap"], 7)], operator="W1", station="ST-1")
    line = line_of(count, "SOAP")
    assert (r.to_recount, line.status, line.expected, line.counted, line.variance) == (1, "recount", 10, 7, -3)
    assert CountTask.get_by_id(task.id).status == "recount"
    # The same operator may not recount.
    with pytest.raises(PermissionDenied, match="A-01 needs a recount by another operator: W1"):
        counts.submit_count(task.id, [counts.Counted(shop["soap"], 7)], operator="W1")
    assert [t.location.code for t in counts.open_tasks(operator="W1")] == []
    assert [t.location.code for t in counts.open_tasks(operator="W2")] == ["A-01"]
    # A worker cannot approve, even through the Python API.
    r = counts.submit_count(task.id, [counts.Counted(shop["soap"], 7)], operator="W2", round_seen=1)
    line = line_of(count, "SOAP")
    assert (line.status, line.variance) == ("review", -3)
    assert "W1 and W2 found -3" in line.note
    with pytest.raises(PermissionDenied, match="operator W2 is a worker; approving a count needs a supervisor"):
        counts.approve(count.id, operator="W2")
    assert on_hand(shop["soap"], shop["a1"]) == 10
    decisions = counts.approve(count.id, operator="S1", station="ST-9")
    assert len(decisions) == 1 and decisions[0].error == ""
    m = decisions[0].movement
    assert (m.kind, m.qty, m.from_location.code, m.to_location.code, m.count_line, m.reason,
            m.document, m.operator) == ("count", 3, "A-01", "@LOSS", line.id, "COUNT",
                                        f"CNT-{count.id}/1", "S1")
    assert on_hand(shop["soap"], shop["a1"]) == 7
    assert CountLine.get_by_id(line.id).status == "approved"
    assert Count.get_by_id(count.id).status == "closed"
    assert verify().consistent
    actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
    assert actions.count("count.submit") == 2 and "count.approve" in actions


def test_recount_matching_the_books_settles_with_no_variance(shop):
    count = counts.create_count(locations=["A-01"], operator="S1")
    task = task_of(count, "A-01")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 12)], operator="W1")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 10)], operator="W2")
    line = line_of(count, "SOAP")
    assert (line.status, line.variance, line.note) == ("ok", 0, "recount matches the books")
    assert [e.qty for e in line.entries.order_by(CountEntry.round)] == [12, 10]
    assert Count.get_by_id(count.id).status == "closed"


def test_disagreeing_counts_ask_for_another_recount(shop):
    count = counts.create_count(locations=["A-01"], operator="S1")
    task = task_of(count, "A-01")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 7)], operator="W1")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 8)], operator="W2")
    line = line_of(count, "SOAP")
    assert line.status == "recount" and "counts disagree" in line.note
    with pytest.raises(RuleViolation, match="waiting for a recount"):
        counts.approve(count.id, 1, operator="S1")
    # The first counter may count again now (the latest count was W2's) and agrees with W2.
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 8)], operator="W1")
    line = line_of(count, "SOAP")
    assert (line.status, line.variance) == ("review", -2)


def test_pick_between_snapshot_and_approval_is_not_a_variance(shop):
    """The adjustment is counted - snapshot: a pick after the count changes nothing."""
    count = counts.create_count(locations=["A-01"], operator="S1")
    task = task_of(count, "A-01")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 8)], operator="W1")
    # Between the first count and the recount, 1 unit is picked (books 9, shelf 7).
    post(Posting(item=shop["soap"], qty=1, from_location=shop["a1"], to_location=shop["ship"],
                 kind="pick", operator="W3"))
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 7)], operator="W2")
    line = line_of(count, "SOAP")
    # Each count against its own snapshot: 8 - 10 and 7 - 9 agree on -2.
    assert (line.status, line.expected, line.variance) == ("review", 9, -2)
    # Between the recount and the approval, 3 more are picked and 5 received.
    post(Posting(item=shop["soap"], qty=3, from_location=shop["a1"], to_location=shop["ship"],
                 kind="pick", operator="W3"))
    f.give_stock(shop["soap"], shop["a1"], 5)
    counts.approve(count.id, 1, operator="S1")
    # Shelf: 7 - 3 + 5 = 9; the books agree after the -2 adjustment.
    assert on_hand(shop["soap"], shop["a1"]) == 9
    adj = Movement.get(Movement.kind == "count")
    assert adj.qty == 2 and adj.to_location.code == "@LOSS"
    assert verify().consistent


def test_loss_larger_than_what_is_left_has_a_clear_message(shop):
    count = counts.create_count(locations=["A-01"], operator="S1")
    task = task_of(count, "A-01")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 4)], operator="W1")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 4)], operator="W2")
    post(Posting(item=shop["soap"], qty=8, from_location=shop["a1"], to_location=shop["ship"],
                 kind="pick", operator="W3"))
    with pytest.raises(InsufficientStock, match=r"cannot post the count loss of 6 × SOAP at A-01: "
                                                r"only 2 on hand now \(10 at the count\); 8 moved out since"):
        counts.approve(count.id, 1, operator="S1")
    assert line_of(count, "SOAP").status == "review"
    assert on_hand(shop["soap"], shop["a1"]) == 2
    assert verify().consistent


def test_reject_orders_a_recount_and_set_quantity_posts(shop):
    count = counts.create_count(locations=["A-01", "A-02"], operator="S1")
    t1 = task_of(count, "A-01")
    counts.submit_count(t1.id, [counts.Counted(shop["soap"], 13)], operator="W1")
    counts.submit_count(t1.id, [counts.Counted(shop["soap"], 13)], operator="W2")
    with pytest.raises(PermissionDenied):
        counts.reject(count.id, 1, operator="W2")
    counts.reject(count.id, 1, operator="S1", note="looks odd")
    line = line_of(count, "SOAP")
    assert line.status == "recount" and "recount ordered by S1" in line.note
    assert CountTask.get_by_id(t1.id).status == "recount"
    # W2 made the latest count: W1 or W3 recounts.
    counts.submit_count(t1.id, [counts.Counted(shop["soap"], 12)], operator="W3")
    line = line_of(count, "SOAP")
    assert line.status == "recount" and "disagree" in line.note
    with pytest.raises(PermissionDenied):
        counts.set_quantity(count.id, 1, 12, reason="COUNT", operator="W1")
    with pytest.raises(NotFound, match="unknown reason code 'NOPE'"):
        counts.set_quantity(count.id, 1, 12, reason="NOPE", operator="S1")
    d = counts.set_quantity(count.id, 1, 12, reason="MISCOUNT", operator="S1")
    assert (d.movement.qty, d.movement.from_location.code, d.movement.reason) == (2, "@GAIN", "MISCOUNT")
    assert on_hand(shop["soap"], shop["a1"]) == 12
    line = line_of(count, "SOAP")
    assert (line.status, line.adjusted, line.decided_by) == ("approved", 2, "S1")
    with pytest.raises(RuleViolation, match="already decided by S1"):
        counts.approve(count.id, 1, operator="S1")
    assert AuditLog.select().where(AuditLog.action.in_(["count.reject", "count.set"])).count() == 2
    assert verify().consistent


def test_lots_expiry_found_lots_and_unknown_barcodes(shop):
    count = counts.create_count(locations=["A-02"], operator="S1")
    task = task_of(count, "A-02")
    with pytest.raises(InvalidInput, match="MILK is lot-tracked: a lot is required"):
        counts.submit_count(task.id, [counts.Counted(shop["milk"], 6)], operator="W1")
    with pytest.raises(InvalidInput, match="MILK is expiry-tracked: an expiry date is required for new lot L9"):
        counts.submit_count(task.id, [counts.Counted(shop["milk"], 1, lot="L9")], operator="W1")
    with pytest.raises(RuleViolation, match="lot L7 of MILK expires 2027-01-31, not 2027-02-01"):
        counts.submit_count(task.id, [counts.Counted(shop["milk"], 1, lot="L7", expiry=dt.date(2027, 2, 1))],
                            operator="W1")
    assert CountEntry.select().count() == 0
    r = counts.submit_count(task.id, [counts.Counted(shop["milk"], 5, lot="L7"),
                                      counts.Counted(shop["milk"], 1, lot="L9", expiry=dt.date(2027, 3, 1))],
                            operator="W1", found={"999000111": 2})
    got = {(l.lot.code, l.expected, l.counted, l.status) for l in r.lines}
    assert got == {("L7", 6, 5, "recount"), ("L9", 0, 1, "recount")}
    assert [(x.barcode, x.scans) for x in CountFound.select()] == [("999000111", 2)]
    detail = counts.count_detail(count.id)
    assert detail["found"][0]["barcode"] == "999000111"
    assert {l["lot"] for l in detail["lines"]} == {"L7", "L9"}


def test_tolerance_within_waits_for_approval_or_is_auto_approved(shop):
    tol = counts.CountSettings(tolerance=counts.Tolerance(units=2, pct=25))
    assert tol.tolerance.allows(-2, 10, 1) and not tol.tolerance.allows(-3, 10, 1)
    assert not tol.tolerance.allows(1, 0, 1)          # 1 where the books say 0 is 100 %
    assert not counts.Tolerance().allows(1, 100, 1)   # all limits off: every variance recounted
    assert counts.Tolerance(value=5).allows(-2, 3, Decimal("2.50"))
    count = counts.create_count(locations=["A-01"], operator="S1")
    counts.submit_count(task_of(count, "A-01").id, [counts.Counted(shop["soap"], 9)], operator="W1",
                        settings=tol)
    line = line_of(count, "SOAP")
    assert (line.status, line.within_tolerance, line.note) == ("review", True, "within tolerance")
    assert on_hand(shop["soap"], shop["a1"]) == 10
    auto = counts.CountSettings(tolerance=counts.Tolerance(units=2), auto_approve=True)
    c2 = counts.create_count(locations=["B-01"], operator="S1")
    r = counts.submit_count(task_of(c2, "B-01").id, [counts.Counted(shop["soap"], 5)], operator="W1",
                            settings=auto)
    assert r.auto_approved == 1
    assert on_hand(shop["soap"], shop["b1"]) == 5
    assert line_of(c2, "SOAP").decided_by == "W1 (auto)"
    assert Count.get_by_id(c2.id).status == "closed"
    assert verify().consistent


def test_item_scoped_count_ignores_other_items_and_empty_location(shop):
    count = counts.create_count(items=["MILK"], operator="S1")
    task = task_of(count, "A-02")
    r = counts.submit_count(task.id, [counts.Counted(shop["soap"], 3),
                                      counts.Counted(shop["milk"], 6, lot="L7")], operator="W1")
    assert [l.item.sku for l in r.lines] == ["MILK"] and r.lines[0].status == "ok"
    assert r.ignored == ["SOAP is not in this count at A-02; 3 counted units ignored"]
    # An empty location: nothing counted at all.
    c2 = counts.create_count(locations=["B-01"], operator="S1")
    r = counts.submit_count(task_of(c2, "B-01").id, [], operator="W1", source="empty")
    assert [(l.expected, l.counted, l.variance, l.status) for l in r.lines] == [(4, 0, -4, "recount")]


def test_a_second_station_cannot_submit_the_same_round(shop):
    count = counts.create_count(locations=["A-01", "B-01"], operator="S1")
    task = task_of(count, "A-01")
    counts.submit_count(task.id, [counts.Counted(shop["soap"], 10)], operator="W1", round_seen=0)
    with pytest.raises(RuleViolation, match="A-01 was submitted meanwhile by W1"):
        counts.submit_count(task.id, [counts.Counted(shop["soap"], 10)], operator="W2", round_seen=0)
    with pytest.raises(RuleViolation, match="already counted by W1"):
        counts.task_for_location("A-01", count.id)


def test_request_count_reuses_an_open_task(shop):
    t = counts.request_count("B-01", operator="W1", item="SOAP")
    assert t.count.scope == "request" and t.location.code == "B-01"
    assert counts.request_count("B-01", operator="W2").id == t.id


def test_upload_counts_recount_rules_and_unknown_barcodes(shop):
    count = counts.create_count(locations=["A-01"], operator="S1")
    text = "A-01\n4006381333931\n4006381333931\n14006381333938,1\n777\n"
    with pytest.raises(InvalidInput, match=r"line 2: the quantity must be a positive whole number, got 'x'; "
                                           r"line 3: expected barcode or barcode,qty"):
        counts.upload_count(count.id, "4006381333931\n4006381333931,x\na,b,c\n", location="A-01",
                            operator="W1")
    assert CountEntry.select().count() == 0
    r = counts.upload_count(count.id, text, location="A-01", operator="W1")
    assert r.unknown == {"777": 1}
    line = line_of(count, "SOAP")
    assert (line.counted, line.expected, line.status) == (14, 10, "recount")
    with pytest.raises(PermissionDenied, match="needs a recount by another operator: W1"):
        counts.upload_count(count.id, "4006381333931,14\n", location="A-01", operator="W1")
    with pytest.raises(InvalidInput, match="line 1: B-01 is location B-01, but this file is for A-01"):
        counts.upload_count(count.id, "B-01\n", location="A-01", operator="W3")
    counts.upload_count(count.id, "4006381333931,14\n", location="A-01", operator="W2")
    assert line_of(count, "SOAP").status == "review"
    with pytest.raises(RuleViolation, match="already counted by W2 .*waiting for the supervisor"):
        counts.upload_count(count.id, "777\n", location="A-01", operator="W3")
    with pytest.raises(NotFound, match="B-01 is not to be counted in count"):
        counts.upload_count(count.id, "777\n", location="B-01", operator="W3")


def test_discrepancies_sorted_by_value(shop):
    count = counts.create_count(locations=["A-01", "A-02"], operator="S1")
    counts.submit_count(task_of(count, "A-01").id, [counts.Counted(shop["soap"], 9)], operator="W1")
    counts.submit_count(task_of(count, "A-02").id, [counts.Counted(shop["milk"], 2, lot="L7")], operator="W1")
    rows = counts.discrepancies()
    # MILK -4 × 1.50 = -6.00 outweighs SOAP -1 × 2 = -2.
    assert [(r["sku"], r["variance"], float(r["value"])) for r in rows] == [("MILK", -4, -6.0), ("SOAP", -1, -2.0)]
    assert rows[0]["first"] == 2 and rows[0]["first_by"] == "W1" and rows[0]["second"] is None


def test_upload_parsing_keeps_the_gs1_separator():
    rows = counts.parse_upload("\ufeff0105901234123457\x1d10L1\r\n\n# comment\n0105901234123457\x1d10L2 , 3\n")
    assert rows == [(1, "0105901234123457\x1d10L1", 1), (4, "0105901234123457\x1d10L2", 3)]
