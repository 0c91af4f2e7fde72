"""db/core/sql.py: a query built once gives, run again with other values, what peewee's own
query gives with them, on both stores."""
import pytest

from db.core.models import Barcode, Item, Location, Warehouse
from db.core.sql import Prepared
from tests import factories as f


def _same(a, b):
    assert type(a) is type(b)
    assert a.__data__ == b.__data__


def _query(wh_id, kind):
    return (Location.select(Location, Warehouse).join(Warehouse)
            .where(Location.warehouse == wh_id, Location.kind == kind, Location.active == True)  # noqa: E712
            .order_by(Location.code))


def test_same_rows_and_joined_models_as_the_query(store):
    f.location("A-01")
    f.location("A-02")
    f.location("D-01", kind="receiving")
    f.location("B-01", wh="WH2")
    wh1, wh2 = Warehouse.get(code="WH1"), Warehouse.get(code="WH2")
    calls = []

    def build(wh_id, kind):
        calls.append((wh_id, kind))
        return _query(wh_id, kind)

    places = Prepared(build)
    for wh, kind in ((wh1, "storage"), (wh1, "receiving"), (wh2, "storage"), (wh2, "receiving")):
        got, want = places(wh.id, kind), list(_query(wh.id, kind))
        assert [l.code for l in got] == [l.code for l in want]
        for a, b in zip(got, want):
            _same(a, b)
            _same(a.warehouse, b.warehouse)          # the joined row, without a query
        assert all(l.__rel__["warehouse"].code == wh.code for l in got)
    assert len(calls) == 1                            # built once for all four
    assert [l.code for l in places(wh1.id, "storage")] == ["A-01", "A-02"]
    assert places.first(wh2.id, "receiving") is None


def test_a_query_shaped_by_its_values_is_built_per_shape(store):
    it = f.item("SKU-1", barcodes=[("04006381333931", 1), ("14006381333938", 12)])
    forms = Prepared(lambda *codes: Barcode.select(Barcode, Item).join(Item).where(Barcode.code.in_(codes))
                     .order_by(Barcode.code))
    assert [b.pack_qty for b in forms("04006381333931")] == [1]
    assert [(b.code, b.item.sku) for b in forms("04006381333931", "14006381333938", "NOPE")] == [
        ("04006381333931", "SKU-1"), ("14006381333938", "SKU-1")]
    assert forms.first("NOPE") is None
    assert forms("14006381333938")[0].item.id == it.id


def test_values_it_cannot_place_are_refused(store):
    places = Prepared(_query)
    with pytest.raises(TypeError, match="ints, strings and datetimes"):
        places(None, "storage")
    with pytest.raises(TypeError, match="ints, strings and datetimes"):
        places(Warehouse(id=1), "storage")
    ignores = Prepared(lambda wh_id, kind: Location.select().where(Location.kind == "storage"))
    with pytest.raises(ValueError, match="do not reach its SQL"):
        ignores(1, "storage")


def _deep(a, b):
    _same(a, b)
    assert set(a.__rel__) == set(b.__rel__)
    for attr, joined in b.__rel__.items():
        if joined is None:
            assert a.__rel__[attr] is None
        else:
            _same(a.__rel__[attr], joined)


def test_rows_made_directly_equal_peeweees_with_inner_and_left_joins(store):
    import peewee as pw

    from db.core.models import Balance, Lot
    from db.core.sql import row_builder
    loc = f.location("A-01")
    plain, lotted = f.item("SKU-1"), f.item("SKU-2", lot=True)
    f.give_stock(plain, loc, 5)
    f.give_stock(lotted, loc, 3, lot_=f.lot(lotted, "L1"))

    def query(loc_id):
        return (Balance.select(Balance, Location, Lot).join(Location)
                .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
                .where(Balance.location == loc_id).order_by(Balance.id))

    assert row_builder(query(loc.id)) is not None            # this shape takes the direct path
    got, want = Prepared(query)(loc.id), list(query(loc.id))
    assert len(got) == len(want) == 2
    for a, b in zip(got, want):
        _deep(a, b)
    assert got[0].lot is None and got[1].lot.code == "L1"    # the left join that found nothing
    assert got[1].location.code == "A-01"
    got[1].qty = 99                                           # saveable like peewee's own
    assert got[1]._dirty == {"qty"} and got[1].save() == 1
    assert Balance.get_by_id(got[1].id).qty == 99
    # Other shapes go through peewee's own wrapper.
    assert row_builder(Balance.select(Balance.qty).tuples()) is None
    chained = (Balance.select(Balance, Location, Warehouse).join(Location).join(Warehouse))
    assert row_builder(chained) is None
    assert [b.location.warehouse.code for b in Prepared(lambda: chained)()] == ["WH1", "WH1"]


def test_statements_that_write_run_with_new_values_and_say_what_they_changed(store):
    import datetime as dt

    from db.core.models import AuditLog, Balance
    loc = f.location("A-01")
    one, two = f.item("SKU-1"), f.item("SKU-2")
    f.give_stock(one, loc, 5)
    f.give_stock(two, loc, 7)
    b1 = Balance.get(Balance.item == one.id, Balance.location == loc.id)
    b2 = Balance.get(Balance.item == two.id, Balance.location == loc.id)
    calls = []

    def build(qty, balance_id):
        calls.append(1)
        return Balance.update(allocated=Balance.allocated + qty).where(Balance.id == balance_id)

    promise = Prepared(build)
    assert promise.run(2, b1.id) == 1
    assert promise.run(3, b2.id) == 1
    assert promise.run(1, b1.id) == 1
    assert promise.run(4, -1) == 0                      # no such row: nothing changed
    assert len(calls) == 1
    assert [Balance.get_by_id(b.id).allocated for b in (b1, b2)] == [3, 3]
    # A time stamp is a value like the others: each run writes its own.
    note = Prepared(lambda at, action: AuditLog.insert(at=at, action=action, operator="W1"))
    first, second = dt.datetime(2026, 1, 2, 3, 4, 5, 6), dt.datetime(2026, 7, 8, 9, 10, 11)
    assert note.run(first, "one") == 1 and note.run(second, "two") == 1
    assert [(a.at, a.action) for a in AuditLog.select().order_by(AuditLog.id)] == [(first, "one"), (second, "two")]
    with pytest.raises(TypeError, match="got date"):
        note.run(dt.date(2026, 1, 2), "three")
