"""The counting flow through the real station queue and decoder, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from db import counts
from db.counts.models import CountFound, CountLine
from db.core.errors import PermissionDenied
from db.ledger.posting import Posting, on_hand, post, verify
from db.masterdata.lookup import get_location
from db.core.models import Lot, Movement
from terminal.flows.counting import CountingFlow
from tests import terminal_data as td


@pytest.fixture
def drivers():
    made = []

    def make(url, operator="W1", **args):
        d = td.FlowDriver(url, CountingFlow, operator=operator, **args)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def view_text(flow) -> str:
    v = flow.view()
    table = v.table
    cells = [str(c) for row in (table.rows if table else []) for c in row]
    return "\n".join([v.prompt, *v.info, *(table.columns if table else []), *cells])


def line(count, sku):
    from db.core.models import Item
    return CountLine.select().join(Item).where(CountLine.count == count.id, Item.sku == sku).get()


def test_blind_count_with_no_variance(warehouse, drivers):
    count = counts.create_count(locations=["A-01-01"], operator="S1")
    d = drivers(warehouse["url"])
    assert "Scan a location to count (next: A-01-01)" in d.flow.prompt
    assert d.flow.table().rows[0][:2] == ["A-01-01", "A"]
    fb = d.scan(td.WIDGET_EAN)
    assert fb.level == "error" and "expected a location to count, scanned item SKU-100" in fb.message
    d.scan("A-01-01")
    assert d.flow.prompt.startswith("Count A-01-01")
    for _ in range(4):
        fb = d.scan(td.WIDGET_CASE)
    assert fb.level == "ok" and fb.message == "SKU-100 +12 = 48"
    d.scan(td.WIDGET_EAN)
    d.scan(td.WIDGET_EAN)
    # Blind: the counter sees their own tally, never the books (50).
    assert d.flow.table().columns == ["SKU", "Name", "Lot", "Counted"]
    assert d.flow.table().rows == [["SKU-100", "Widget", "", 50]]
    text = view_text(d.flow)
    assert "Books" not in text and "expected" not in text.lower()
    fb = d.scan("CMD-DONE")
    assert fb.level == "ok" and "A-01-01 count submitted: 50 units in 1 line" in fb.message
    assert "varian" not in fb.message
    assert line(count, "SKU-100").status == "ok"
    assert counts.get_count(count.id).status == "closed"
    assert Movement.select().where(Movement.kind == "count").count() == 0
    assert "No location is waiting" in view_text(d.flow)


def test_variance_recount_by_another_operator_then_approval(warehouse, drivers):
    count = counts.create_count(locations=["A-01-01"], operator="S1")
    w1 = drivers(warehouse["url"], "W1")
    w1.scan("A-01-01")
    w1.scan(td.WIDGET_CASE)
    w1.scan(td.WIDGET_CASE)
    w1.key("qty")                   # F3: the quantity for the next scan, as in Receive
    assert w1.type("22").message == "next item scan counts 22 units"
    assert w1.scan(td.WIDGET_EAN).message == "SKU-100 +22 = 46"
    assert w1.scan(td.WIDGET_EAN).message == "SKU-100 +1 = 47"      # for one scan only
    w1.key("undo")
    w1.key("done")
    assert line(count, "SKU-100").status == "recount"
    # W1 may not recount their own count.
    assert "No location is waiting" in view_text(w1.flow)
    fb = w1.scan("A-01-01")
    assert fb.level == "error" and "needs a recount by another operator: you (W1)" in fb.message
    w2 = drivers(warehouse["url"], "W2", station="ST-02")
    assert w2.flow.table().rows[0][3] == "recount"
    w2.scan("A-01-01")
    assert w2.flow.prompt.startswith("Recount A-01-01 (SKU-100 only)")
    fb = w2.scan(td.BOLT_EAN)
    assert fb.level == "warn" and "SKU-300 is not being recounted at A-01-01: not counted" in fb.message
    w2.key("qty")
    w2.type("46")
    w2.scan(td.WIDGET_EAN)
    w2.scan("CMD-DONE")
    ln = line(count, "SKU-100")
    assert (ln.status, ln.expected, ln.variance) == ("review", 50, -4)
    with pytest.raises(PermissionDenied):
        counts.approve(count.id, operator="W2")
    counts.approve(count.id, operator="S1")
    assert on_hand(warehouse["widget"], get_location("A-01-01")) == 46
    m = Movement.get(Movement.kind == "count")
    assert (m.qty, m.to_location.code, m.count_line, m.reason) == (4, "@LOSS", ln.id, "COUNT")
    assert verify().consistent


def test_pick_between_count_and_approval_is_not_a_variance(warehouse, drivers):
    count = counts.create_count(locations=["B-01-01"], operator="S1")
    for op, station in (("W1", "ST-01"), ("W2", "ST-02")):
        d = drivers(warehouse["url"], op, station=station)
        d.scan("B-01-01")
        d.scan(td.BOLT_EAN)
        d.scan(td.BOLT_EAN)
        d.scan("CMD-DONE")
    ln = line(count, "SKU-300")
    assert (ln.status, ln.expected, ln.variance) == ("review", 3, -1)
    # A pick of 2 between the count and the approval: the books go to 1, the shelf to 0.
    post(Posting(item=warehouse["bolt"], qty=2, from_location=get_location("B-01-01"),
                 to_location=get_location("SHIP-1"), kind="pick", operator="W1"))
    counts.approve(count.id, operator="S1")
    assert on_hand(warehouse["bolt"], get_location("B-01-01")) == 0
    assert Movement.get(Movement.kind == "count").qty == 1
    assert verify().consistent


def test_lots_expiry_and_gs1(warehouse, drivers):
    count = counts.create_count(locations=["A-01-02"], operator="S1")
    d = drivers(warehouse["url"])
    d.scan("A-01-02")
    fb = d.scan(td.YOG_EAN)
    assert d.flow.entry == "lot" and "Lot of SKU-200" in d.flow.prompt and "Enter" not in d.flow.prompt
    fb = d.key("enter")
    assert fb.level == "error" and "no lot was counted for it yet" in fb.message
    assert d.type("L17").message == "SKU-200 lot L17 +1 = 1"
    d.scan(td.YOG_CASE)
    assert "(Enter = L17)" in d.flow.prompt
    assert d.key("enter").message == "SKU-200 lot L17 +6 = 7"
    # A GS1 label carries GTIN, expiry and lot: no question.
    fb = d.scan("0105901234123457173006301" + "0L17")
    assert fb.message == "SKU-200 lot L17 +1 = 8"
    fb = d.scan("0105901234123457173101011" + "0L17")
    assert fb.level == "error" and "lot L17 of SKU-200 expires 2030-06-30, the label says 2031-01-01" in fb.message
    # A lot the store has never seen: its expiry is asked.
    d.scan(td.YOG_EAN)
    d.type("L99")
    assert d.flow.entry == "expiry"
    assert d.type("31.02.2031").level == "error"
    assert d.type("2031-05-01").message == "SKU-200 lot L99 +1 = 1"
    fb = d.key("done")
    assert fb.level == "ok"
    got = {(l.lot.code, l.expected, l.counted) for l in CountLine.select().where(CountLine.count == count.id)}
    assert got == {("L17", 10, 8), ("L99", 0, 1)}
    assert Lot.get(Lot.code == "L99").expiry.isoformat() == "2031-05-01"


def test_unknown_barcodes_remove_last_scan_empty_and_abandon(warehouse, drivers):
    count = counts.create_count(locations=["A-01-01", "B-01-01"], operator="S1")
    d = drivers(warehouse["url"])
    d.scan("A-01-01")
    fb = d.scan("4000000000006")
    assert fb.level == "warn" and "unknown barcode 04000000000006: recorded as found goods" in fb.message
    fb = d.scan("4006381333932")
    assert fb.level == "error" and "wrong check digit" in fb.message
    d.scan(td.WIDGET_CASE)
    d.scan(td.WIDGET_EAN)
    assert d.key("undo").message == "removed: SKU-100 -1 = 12"
    d.key("qty")
    d.type("8")
    assert d.scan(td.WIDGET_EAN).message == "SKU-100 +8 = 20"
    assert d.key("undo").message == "removed: SKU-100 -8 = 12"
    assert d.key("empty").level == "error"
    # Another location while counting this one: refused.
    fb = d.scan("B-01-01")
    assert fb.level == "error" and "you are counting A-01-01" in fb.message
    # Esc once warns, twice abandons: nothing submitted.
    d.key("back")
    assert d.flow.state == "count"
    fb = d.key("back")
    assert d.flow.state == "location" and "abandoned" in fb.message
    assert CountFound.select().count() == 0
    # B-01-01 is empty.
    d.scan("B-01-01")
    fb = d.key("empty")
    assert fb.level == "ok" and "B-01-01 recorded as empty" in fb.message
    assert (line(count, "SKU-300").counted, line(count, "SKU-300").status) == (0, "recount")
    # A-01-01 with found goods.
    d.scan("A-01-01")
    d.scan("4000000000006")
    d.key("qty")
    d.type("50")
    d.scan(td.WIDGET_CASE)          # counts 50, not the case's 12
    d.scan("CMD-DONE")
    assert [(x.barcode, x.scans) for x in CountFound.select()] == [("04000000000006", 1)]
    assert line(count, "SKU-100").status == "ok"


def test_not_blind_count_shows_the_books(warehouse, drivers):
    counts.create_count(locations=["A-02-01"], operator="S1", blind=False)
    d = drivers(warehouse["url"])
    d.scan("A-02-01")
    t = d.flow.table()
    assert t.columns[-1] == "Books" and t.rows == [["SKU-200", "", "L42", 0, 20]]


def test_review_flow_selects_windows_and_refuses_workers(warehouse, drivers):
    from terminal.flows.count_review import WINDOW, CountReviewFlow
    from tests import factories as f
    codes = [f"R-{n:02d}" for n in range(1, 11)]
    for n, code in enumerate(codes, 1):
        f.give_stock(warehouse["bolt"], f.location(code, zone="R", seq=100 + n), n)
    count = counts.create_count(zones=["R"], operator="S1")
    for t in counts.open_tasks(count.id):
        counts.submit_count(t.id, [], operator="W1", source="empty")
    w = td.FlowDriver(warehouse["url"], CountReviewFlow, operator="W1")
    try:
        assert w.start_feedback.level == "error" and "needs a supervisor" in w.start_feedback.message
        assert w.key("reject").level == "error"
    finally:
        w.close()
    s = td.FlowDriver(warehouse["url"], CountReviewFlow, operator="S1")
    try:
        flow = s.flow
        # Largest value first: R-10 (-10 bolts) down to R-01.
        assert [r["location"] for r in flow.rows] == list(reversed(codes))
        t = flow.table()
        assert len(t.rows) == WINDOW and t.rows[0][1] == "R-10" and t.current == 0
        s.type("9")
        t = flow.table()
        assert flow.selected["location"] == "R-02" and t.rows[t.current][1] == "R-02"
        s.key("down")
        s.key("down")
        assert flow.selected["location"] == "R-01"
        assert s.type("11").level == "error"
        s.key("set")
        s.type("1")
        assert s.type("").level == "error"          # a reason is required
        fb = s.type("FOUND")
        assert fb.level == "ok" and "set R-01 SKU-300 to 1: no variance, nothing posted" in fb.message
        assert len(flow.rows) == 9
    finally:
        s.close()


def test_lot_and_expiry_answered_by_scans(warehouse, drivers):
    counts.create_count(locations=["A-01-02"], operator="S1")
    d = drivers(warehouse["url"])
    d.scan("A-01-02")
    d.scan(td.YOG_EAN)
    assert d.flow.entry == "lot"
    assert d.scan("10L17").message == "SKU-200 lot L17 +1 = 1"     # a GS1 lot-only label
    d.scan(td.YOG_EAN)
    d.scan("LOT-NEW-5")                                              # a plain lot barcode
    assert d.flow.entry == "expiry"
    fb = d.scan("17310430")          # eight digits without an identifier: not a GS1 date
    assert fb.level == "error" and "expiry date must be in 2000–2099, got 1731-04-30" in fb.message
    assert d.scan("]C117310430").message == "SKU-200 lot LOT-NEW-5 +1 = 1"
    assert d.flow.tally[("SKU-200", "LOT-NEW-5")]["expiry"].isoformat() == "2031-04-30"


def test_supervisor_plans_a_count_from_the_review(warehouse, drivers):
    from terminal.flows.count_review import CountReviewFlow
    s = td.FlowDriver(warehouse["url"], CountReviewFlow, operator="S1")
    try:
        s.key("plan")
        assert "Zones" in s.flow.choices[0] and s.flow.entry == "choice"
        assert s.type("9").level == "error"
        s.type("1")
        assert "type the zones" in s.flow.prompt
        fb = s.type("A, B")
        assert fb.level == "ok" and "locations to count" in fb.message, fb
        plan = counts.list_counts()[0]
        assert (plan["scope"], plan["locations"], plan["created_by"]) == ("zones", 4, "S1")
        s.key("plan")
        fb = s.type("5")        # recent shorts: none yet
        assert fb.level == "error" and "no short pick" in fb.message
    finally:
        s.close()
    w = td.FlowDriver(warehouse["url"], CountReviewFlow, operator="W1")
    try:
        fb = w.key("plan")
        assert fb.level == "error" and "needs a supervisor" in fb.message
    finally:
        w.close()
