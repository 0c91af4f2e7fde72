"""The ledger's posting path without a look-up of the key first (SQLite), and the movement it
hands back: a replay is still answered with the first movement, in every way it can arrive."""
import datetime as dt
from decimal import Decimal

import pytest

from db.core.connection import database, write_transaction
from db.core.errors import InsufficientStock, RuleViolation
from db.ledger.posting import Posting, on_hand, post, reverse, verify
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine
from tests import factories as f


def _same_as_stored(m: Movement) -> None:
    """What post() returned is what a read of the row gives, field by field, and clean."""
    stored = Movement.get_by_id(m.id)
    for field in Movement._meta.sorted_fields:
        assert getattr(m, field.name + ("_id" if hasattr(field, "rel_model") else "")) == \
            getattr(stored, field.name + ("_id" if hasattr(field, "rel_model") else "")), field.name
    assert m.created_at == stored.created_at and isinstance(m.created_at, dt.datetime)
    assert not m.is_dirty()


def test_returned_movement_equals_the_stored_row(store):
    it = f.item("A1")
    lot_item = f.item("L1", lot=True)
    a, b = f.location("A-01"), f.location("B-01")
    sup = f.supplier()
    po = PurchaseOrder.create(number="PO-1", supplier=sup)
    line = PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=5)
    plain = post(Posting(item=it, qty=5, from_location=f.virtual("supplier"), to_location=a, kind="receipt",
                         operator="W1", station="ST-1", key="r-1", po_line=line, document="PO-1/1",
                         unit_cost=Decimal("2.50")))
    _same_as_stored(plain)
    assert plain.item.sku == "A1" and plain.to_location.code == "A-01" and plain.po_line.id == line.id
    by_id = post(Posting(item=it, qty=1, from_location=a, to_location=b, kind="move", operator="W1",
                         po_line=line.id, count_line=7, reason="why"))
    _same_as_stored(by_id)
    with_lot = f.give_stock(lot_item, a, 3, lot_=f.lot(lot_item, "LOT-9"))
    _same_as_stored(with_lot)
    assert with_lot.lot.code == "LOT-9"
    undo = reverse(by_id.id, operator="W2")
    _same_as_stored(undo)
    assert undo.reverses.id == by_id.id


def test_replay_after_the_stock_is_gone_returns_the_first_movement(store):
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 4)
    p = Posting(item=it, qty=4, from_location=a, to_location=b, kind="move", operator="W1", key="scan-9")
    first = post(p)
    assert on_hand(it, a) == 0
    again = post(p)       # the shelf is empty now: the replay must not fail on stock
    assert again.id == first.id
    assert (on_hand(it, a), on_hand(it, b)) == (0, 4)
    assert Movement.select().where(Movement.idempotency_key == "scan-9").count() == 1
    other = Posting(item=it, qty=4, from_location=a, to_location=b, kind="move", operator="W1", key="scan-10")
    with pytest.raises(InsufficientStock):       # a new key on an empty shelf is refused
        post(other)
    assert verify().consistent


def test_replay_inside_a_callers_transaction_keeps_that_transaction(sqlite_store):
    it = f.item("A1")
    a, b, c = f.location("A-01"), f.location("B-01"), f.location("C-01")
    f.give_stock(it, a, 10)
    first = post(Posting(item=it, qty=2, from_location=a, to_location=b, kind="move", operator="W1", key="k-1"))
    with write_transaction():
        again = post(Posting(item=it, qty=2, from_location=a, to_location=b, kind="move", operator="W1",
                             key="k-1"))
        # The refused insert left the caller's transaction usable: this one still posts.
        later = post(Posting(item=it, qty=3, from_location=a, to_location=c, kind="move", operator="W1",
                             key="k-2"))
    assert again.id == first.id and later.id != first.id
    assert (on_hand(it, a), on_hand(it, b), on_hand(it, c)) == (5, 2, 3)
    assert verify().consistent


def test_a_refusal_inside_a_callers_transaction_leaves_its_work_alone(sqlite_store):
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 3)
    with write_transaction():
        done = post(Posting(item=it, qty=1, from_location=a, to_location=b, kind="move", operator="W1"))
        with pytest.raises(InsufficientStock):
            post(Posting(item=it, qty=5, from_location=a, to_location=b, kind="move", operator="W1"))
        assert database.in_transaction()
    assert Movement.get_by_id(done.id).qty == 1
    assert (on_hand(it, a), on_hand(it, b)) == (2, 1)


def test_second_undo_inside_a_callers_transaction_is_refused(sqlite_store):
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 3)
    m = post(Posting(item=it, qty=1, from_location=a, to_location=b, kind="move", operator="W1"))
    post(Posting(item=it, qty=1, from_location=a, to_location=b, kind="move", operator="W1"))
    u = reverse(m.id, operator="W1")
    assert on_hand(it, b) == 1      # so a second undo would find the stock it needs
    with write_transaction():
        # reverse() checks first; the unique index is the last word when two undos race.
        with pytest.raises(RuleViolation, match="already undone"):
            post(Posting(item=it, qty=1, from_location=b, to_location=a, kind="undo", operator="W1",
                         reverses=m))
    assert Movement.select().where(Movement.reverses == m.id).count() == 1
    assert u.reverses_id == m.id and verify().consistent
