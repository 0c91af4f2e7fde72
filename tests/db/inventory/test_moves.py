"""Put-away and transfers, within a warehouse and between warehouses through @TRANSIT."""
import pytest

from db.core.errors import InsufficientStock, InvalidInput, RuleViolation
from db.ledger.posting import on_hand, verify
from db.core.models import Location, Movement
from db.inventory import move, move_all, suggest_putaway
from tests import factories as f


@pytest.fixture
def site(store):
    s = f.shop(locations=("A-01", "A-02", ("B-01", dict(zone="B", wh="WH2"))), items={})
    return s["A-01"], s["A-02"], s["B-01"]


def test_move_within_a_warehouse_is_one_movement(site):
    a1, a2, _ = site
    it = f.item("A1")
    f.give_stock(it, a1, 10)
    [m] = move("A1", 4, "A-01", "A-02", operator="W1", station="ST-1", kind="putaway", document="PUT-1")
    assert (m.kind, m.document, m.station) == ("putaway", "PUT-1", "ST-1")
    assert (on_hand(it, a1), on_hand(it, a2)) == (6, 4)
    with pytest.raises(InsufficientStock, match="only 6 × A1 at A-01; cannot take 7"):
        move("A1", 7, "A-01", "A-02", operator="W1")
    with pytest.raises(InvalidInput, match="two different locations, got A-01 twice"):
        move("A1", 1, "A-01", "A-01", operator="W1")
    with pytest.raises(RuleViolation, match="@LOSS is a virtual inventory-loss location"):
        move("A1", 1, "A-01", "@LOSS", operator="W1")
    assert verify().consistent


def test_move_between_warehouses_goes_through_transit(site):
    a1, _, b1 = site
    it = f.item("A1")
    f.give_stock(it, a1, 10)
    out, arrive = move("A1", 3, "A-01", "B-01", operator="W1", key="t1")
    transit = Location.get(code="@TRANSIT")
    assert (out.to_location_id, arrive.from_location_id) == (transit.id, transit.id)
    assert out.kind == arrive.kind == "transfer"
    assert out.document == arrive.document and out.document.startswith("TR-")
    assert on_hand(it, b1) == 3 and on_hand(it, transit) == 0
    again = move("A1", 3, "A-01", "B-01", operator="W1", key="t1")
    assert [m.id for m in again] == [out.id, arrive.id] and on_hand(it, b1) == 3
    assert verify().consistent


def test_lot_tracked_move_takes_the_only_lot_or_asks(site):
    a1, a2, _ = site
    it = f.item("L1", lot=True)
    f.give_stock(it, a1, 5, f.lot(it, "X1"))
    [m] = move("L1", 2, "A-01", "A-02", operator="W1")
    assert m.lot.code == "X1"
    f.give_stock(it, a1, 5, f.lot(it, "X2"))
    with pytest.raises(InvalidInput, match="A-01 holds lots X1, X2"):
        move("L1", 2, "A-01", "A-02", operator="W1")
    move("L1", 2, "A-01", "A-02", lot="X2", operator="W1")
    assert on_hand(it, a2, f.lot(it, "X2")) == 2


def test_move_all_moves_the_whole_free_content(site):
    a1, a2, _ = site
    it, it2 = f.item("A1"), f.item("L1", lot=True)
    f.give_stock(it, a1, 4)
    f.give_stock(it2, a1, 2, f.lot(it2, "X1"))
    moved = move_all("A-01", "A-02", operator="W1", key="all-1")
    assert sorted((m.item.sku, m.qty) for m in moved) == [("A1", 4), ("L1", 2)]
    assert on_hand(it, a1) == 0 and on_hand(it2, a2, f.lot(it2, "X1")) == 2
    assert [m.id for m in move_all("A-01", "A-02", operator="W1", key="all-1")] == [m.id for m in moved]
    with pytest.raises(RuleViolation, match="A-01 holds no free stock"):
        move_all("A-01", "A-02", operator="W1")
    assert Movement.select().count() == 4 and verify().consistent


def test_suggest_putaway(site):
    a1, a2, _ = site
    f.location("A-03", zone="A", seq=10**6)   # after every other location, whatever the test order
    c1 = f.location("C-01", zone="C", seq=2 * 10**6)
    it, other = f.item("A1"), f.item("O1")
    assert suggest_putaway("A1", "WH1").code == "A-01"      # nothing anywhere: first empty
    f.give_stock(other, a1, 1)
    f.give_stock(it, c1, 1)
    f.give_stock(it, a2, 5)
    assert suggest_putaway("A1", "WH1").code == "A-02"      # most stock of the item
    move("A1", 5, "A-02", "A-01", operator="W1")
    move("A1", 1, "C-01", "A-01", operator="W1")
    move("A1", 6, "A-01", "A-02", operator="W1")
    move("A1", 6, "A-02", "B-01", operator="W1")           # gone to the other warehouse
    # now empty of A1 in WH1; zone A saw most of it, A-01 holds O1: in zone A
    assert suggest_putaway("A1", "WH1").code == "A-02"


class MovementReads:
    """The SELECTs on the movement table while it is active, to check their plans."""

    def __init__(self, monkeypatch):
        import peewee as pw
        self.statements = []
        original = pw.Database.execute_sql

        def capture(db, sql, params=None, *args, **kwargs):
            if '"movement"' in sql and sql.lstrip().upper().startswith("SELECT"):
                self.statements.append((sql, params))
            return original(db, sql, params, *args, **kwargs)

        self.stop = lambda: monkeypatch.setattr(pw.Database, "execute_sql", original)
        monkeypatch.setattr(pw.Database, "execute_sql", capture)

    def assert_indexed(self, *, key_filter_ok: bool = False) -> None:
        """No plan reads the whole movement table; unless KEY_FILTER_OK, none filters rows on
        the key either (a walk of another index, e.g. the primary key for ORDER BY id)."""
        from db.core.connection import database, is_postgres
        self.stop()
        assert self.statements
        for sql, params in self.statements:
            if is_postgres():
                with database.atomic():
                    database.execute_sql("SET LOCAL enable_seqscan = off")
                    plan = [r[0] for r in database.execute_sql("EXPLAIN " + sql, params).fetchall()]
                assert not any("Seq Scan on movement" in line or "movement_pkey" in line or
                               (not key_filter_ok and "Filter" in line and "idempotency_key" in line)
                               for line in plan), (sql, plan)
            else:
                plan = " ".join(str(r[-1]) for r in database.execute_sql("EXPLAIN QUERY PLAN " + sql,
                                                                          params).fetchall())
                assert "SCAN t1" not in plan and "SCAN movement" not in plan, (sql, plan)


def test_a_keyed_move_finds_its_key_by_the_index_not_by_reading_the_ledger(site, monkeypatch):
    """A move looks its key up twice (before and inside its transaction). A prefix match on the
    key (ILIKE on PostgreSQL) read every movement each time: the scan latency of the soak grew
    with the ledger (bench/soak.py). Every statement on the movements must be served by an index."""
    a1, a2, b1 = site
    it = f.item("A1")
    f.give_stock(it, a1, 10)
    reads = MovementReads(monkeypatch)
    [m] = move("A1", 2, "A-01", "A-02", operator="W1", key="k1")
    assert [x.id for x in move("A1", 2, "A-01", "A-02", operator="W1", key="k1")] == [m.id]
    out, arrive = move("A1", 1, "A-01", "B-01", operator="W1", key="k2")
    again = move("A1", 1, "A-01", "B-01", operator="W1", key="k2")
    assert [x.id for x in again] == [out.id, arrive.id]
    reads.assert_indexed()
    assert on_hand(it, a1) == 7 and verify().consistent


def test_a_replayed_move_all_through_transit_is_found_by_index(site, monkeypatch):
    """F8 (move everything) to another warehouse: both legs of each item come back on a replay,
    found through the source location's index and the legs' exact keys, never by reading the
    whole ledger; other moves out of the same location are not mistaken for it."""
    a1, a2, b1 = site
    it, it2 = f.item("A1"), f.item("L1", lot=True)
    f.give_stock(it, a1, 4)
    f.give_stock(it2, a1, 2, f.lot(it2, "X1"))
    move("A1", 1, "A-01", "A-02", operator="W1", key="all-90:all:A1:-")   # another key, alike
    reads = MovementReads(monkeypatch)
    moved = move_all("A-01", "B-01", operator="W1", key="all-9")
    assert len(moved) == 4 and {m.kind for m in moved} == {"transfer"}
    again = move_all("A-01", "B-01", operator="W1", key="all-9")
    assert [m.id for m in again] == [m.id for m in moved]
    reads.assert_indexed(key_filter_ok=True)
    assert on_hand(it, b1) == 3 and on_hand(it2, b1, f.lot(it2, "X1")) == 2
    assert {m.idempotency_key for m in again} == {"all-9:all:A1:-:out", "all-9:all:A1:-:in",
                                                   "all-9:all:L1:X1:out", "all-9:all:L1:X1:in"}
    assert verify().consistent
