"""The ledger rules (docs/architecture.md), each one tested on SQLite and PostgreSQL."""
import pytest

from db.core.errors import InsufficientStock, InvalidInput, RuleViolation
from db.ledger.posting import Posting, on_hand, post, reverse, verify
from db.core.models import Balance, Movement
from tests import factories as f


def test_post_moves_and_updates_both_balances(store):
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 10)
    m = post(Posting(item=it, qty=4, from_location=a, to_location=b, kind="move", operator="W1",
                     station="ST-9", document="TR-1", reason="putaway"))
    assert (on_hand(it, a), on_hand(it, b)) == (6, 4)
    assert (m.operator, m.station, m.document, m.reason) == ("W1", "ST-9", "TR-1", "putaway")
    assert m.created_at is not None
    assert verify().consistent


def test_physical_location_never_negative(store):
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 3)
    with pytest.raises(InsufficientStock, match="only 3 × A1 at A-01; cannot take 5"):
        post(Posting(item=it, qty=5, from_location=a, to_location=b, kind="move", operator="W1"))
    assert on_hand(it, a) == 3 and on_hand(it, b) == 0
    assert Movement.select().count() == 1


def test_idempotency_key_posts_once(store):
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 10)
    p = Posting(item=it, qty=2, from_location=a, to_location=b, kind="move", operator="W1", key="scan-1")
    first, second = post(p), post(p)
    assert first.id == second.id
    assert on_hand(it, b) == 2


def test_undo_reverses_and_second_undo_is_refused(store):
    it = f.item("A1")
    a, b = f.location("A-01"), f.location("B-01")
    f.give_stock(it, a, 10)
    m = post(Posting(item=it, qty=2, from_location=a, to_location=b, kind="move", operator="W1"))
    u = reverse(m.id, operator="W1")
    assert u.reverses_id == m.id and on_hand(it, a) == 10 and on_hand(it, b) == 0
    with pytest.raises(RuleViolation, match="already undone"):
        reverse(m.id, operator="W1")
    with pytest.raises(RuleViolation, match="itself an undo"):
        reverse(u.id, operator="W1")
    assert Movement.select().count() == 3


def test_lot_rules(store):
    it = f.item("L1", lot=True)
    other = f.item("L2", lot=True)
    a = f.location("A-01")
    with pytest.raises(InvalidInput, match="lot-tracked"):
        f.give_stock(it, a, 1)
    with pytest.raises(InvalidInput, match="belongs to another item"):
        f.give_stock(it, a, 1, lot_=f.lot(other, "X"))
    f.give_stock(it, a, 5, lot_=f.lot(it, "L42"))
    assert on_hand(it, a, f.lot(it, "L42")) == 5


def test_verify_reports_a_tampered_balance(store):
    it = f.item("A1")
    a = f.location("A-01")
    f.give_stock(it, a, 10)
    Balance.update(qty=9).where(Balance.location == a.id).execute()
    result = verify()
    assert not result.consistent
    assert "A1 at A-01: ledger says 10, balance says 9" in result.mismatches
