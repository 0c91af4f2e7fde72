"""The reports' per-day summary (db/ledger/flow_summary.py) always equals a full recomputation from
the movements, and reports read the same numbers through it as without it."""
from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from db.ledger import flow_summary
from db.ledger.posting import Posting, post, reverse
from db.core.models import Location, utcnow
from db.reports import common
from tests import factories as f


def _without_summary(fn):
    with mock.patch.object(flow_summary, "refresh", lambda: False):
        return fn()


def _nonzero(changes: dict) -> dict:
    return {k: v for k, v in changes.items() if v != (0, 0)}


def _same_changes(first: dt.date, second: dt.date | None) -> None:
    def changes():
        return common.usable_changes_since(common.day_start(first),
                                           common.day_start(second) if second else None)
    via_summary = changes()
    assert flow_summary.summary_rows() == flow_summary.recompute_usable_flow()
    assert _nonzero(via_summary) == _nonzero(_without_summary(changes))


@pytest.fixture
def tiny_store(tmp_path):
    """A tiny generated warehouse (two years of history) bound to the models."""
    from bench.generate import Plan, ensure_store
    from db.core.connection import database, open_database
    path = ensure_store(Plan.at(0.002), tmp_path)
    open_database(f"sqlite:///{path}").connect(reuse_if_open=True)
    yield path
    database.close()


def test_generated_history(tiny_store):
    assert flow_summary.refresh()
    assert flow_summary.summary_rows() == flow_summary.recompute_usable_flow()
    assert len(flow_summary.summary_rows()) > 100
    for first, second in [(dt.date(2026, 8, 2), dt.date(2026, 11, 1)), (dt.date(2025, 1, 1), None),
                          (dt.date(2024, 11, 1), dt.date(2025, 11, 1)), (dt.date(2026, 10, 31), None)]:
        _same_changes(first, second)


def test_turnover_and_value_agree_with_and_without(tiny_store):
    from db.reports.inventory import stock_value, turnover
    end = dt.date(2026, 10, 31)
    assert turnover(None, end) == _without_summary(lambda: turnover(None, end))
    assert stock_value(None, dt.date(2026, 9, 30)) == _without_summary(lambda: stock_value(None, dt.date(2026, 9, 30)))


def _warehouse():
    f.warehouse("WH1")
    dock = f.location("DOCK", kind="receiving", zone="D")
    shelf = f.location("A-1", zone="A")
    shelf2 = f.location("A-2", zone="A")
    ship = f.location("SHIP", kind="shipping", zone="S")
    qa = f.location("QA", kind="quarantine", zone="Q")
    return dock, shelf, shelf2, ship, qa


def test_new_postings_and_undos_are_added(sqlite_store):
    dock, shelf, shelf2, ship, qa = _warehouse()
    item = f.item("SKU-1")
    supplier, customer = f.virtual("supplier"), f.virtual("customer")
    f.give_stock(item, shelf, 10)
    assert flow_summary.refresh()
    today = utcnow().date()
    week_ago = today - dt.timedelta(days=7)

    def p(src, dst, qty, kind, at=None):
        return post(Posting(item=item, qty=qty, from_location=src, to_location=dst, kind=kind, operator="W1", at=at))
    p(supplier, dock, 5, "receipt")
    p(dock, shelf, 5, "putaway")                  # inside usable stock: no change
    p(shelf, ship, 3, "pick")
    shipped = p(ship, customer, 3, "ship")
    p(supplier, qa, 2, "reject")                  # never usable
    p(shelf, qa, 1, "move")                       # leaves usable stock
    reverse(shipped.id, operator="W1")            # back into the shipping bay
    p(supplier, shelf2, 4, "receipt", at=dt.datetime.combine(week_ago, dt.time(10)))   # back-dated
    assert flow_summary.refresh()
    assert flow_summary.summary_rows() == flow_summary.recompute_usable_flow()
    _same_changes(week_ago, today)
    _same_changes(today, None)
    # A second refresh with nothing new changes nothing.
    before = flow_summary.summary_rows()
    assert flow_summary.refresh() and flow_summary.summary_rows() == before


def test_a_location_changing_kind_rebuilds_the_summary(sqlite_store):
    dock, shelf, shelf2, ship, qa = _warehouse()
    item = f.item("SKU-2")
    f.give_stock(item, shelf, 10)
    post(Posting(item=item, qty=4, from_location=shelf, to_location=shelf2, kind="move", operator="W1"))
    assert flow_summary.refresh()
    # shelf2 becomes a quarantine (an import changed its kind): the move now left usable stock.
    Location.update(kind="quarantine").where(Location.id == shelf2.id).execute()
    assert flow_summary.refresh()
    assert flow_summary.summary_rows() == flow_summary.recompute_usable_flow()
    assert flow_summary.summary_rows()[(item.id, str(utcnow().date()))] == 10 - 4
    _same_changes(utcnow().date(), None)


def test_postgresql_reads_the_movements(pg_store):
    dock, shelf, shelf2, ship, qa = _warehouse()
    item = f.item("SKU-3")
    f.give_stock(item, shelf, 7)
    assert flow_summary.refresh() is False
    changes = common.usable_changes_since(common.day_start(utcnow().date()), None)
    assert changes[item.id] == (7, 0)
