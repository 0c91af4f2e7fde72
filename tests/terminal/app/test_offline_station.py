"""The station in degraded mode, on PostgreSQL behind a TCP proxy the test controls: the server
goes away mid-job, the station switches to the offline flow (moves journaled, the header says
OFFLINE and how many are queued), and F10 brings it back online with everything posted once."""
from __future__ import annotations

import pytest

from db.core.connection import database, open_database
from db.ledger.posting import on_hand, verify
from db.core.models import Item, Location, Movement
from terminal.flows.offline import OfflineFlow
from terminal.flows.transfer import TransferFlow
from tests import terminal_data as td
from tests.tcp_proxy import TcpProxy


class UI:
    """The screen side without a screen; navigates like the app (the offline flow on top)."""

    def __init__(self, flow):
        self.flows = [flow]
        self.shown = []
        self.status = []

    def current_flow(self):
        return self.flows[-1] if self.flows else None

    def navigate(self, flow, target):
        from terminal.flows.jobs import make_flow
        name, args = target
        if name == "leave":
            self.flows.pop()
        elif name == "offline":
            new = make_flow(name, flow.session, **args)
            self.shown.append((new.start(), None))
            self.flows.append(new)

    def show(self, feedback, view):
        self.shown.append((feedback, view))

    def waiting(self, count):
        pass

    def store_status(self, text):
        self.status.append(text)


@pytest.fixture
def station(pg_store, tmp_path):
    from terminal import config
    from terminal.offline_station import attach_offline, detach_offline, offline_status
    from terminal.resolver import make_decoder
    from terminal.session import Session
    from terminal.station import Station
    td.seed()
    proxy = TcpProxy()
    database.close()
    url = proxy.url_for(pg_store)
    open_database(url)
    cfg = config.load(None, url)
    cfg.values["offline"]["journal"] = str(tmp_path / "journal.db")
    cfg.values["database"]["retries"] = 1
    cfg.values["database"]["retry_delay_ms"] = 20
    session = Session.from_config(cfg)
    session.login("W1", "Anna", "worker")
    ui = UI(TransferFlow(session))
    runner = attach_offline(session, on_change=lambda n: ui.store_status(offline_status(session)))
    assert runner is not None
    import time
    deadline = time.monotonic() + 10
    while runner.journal.cached("location", "A-01-01") is None and time.monotonic() < deadline:
        time.sleep(0.02)
    st = Station(session, make_decoder(cfg, offline=runner), ui, retry_pause_s=0.02)
    st.start()

    def step(kind, value):
        from devices.scan import make_scan
        before = len(ui.shown)
        if kind == "scan":
            st.submit_scan(make_scan(value, "test"))
        elif kind == "type":
            st.submit_text(value)
        else:
            st.submit_action(value)
        assert st.wait_idle(30)
        fb = ui.shown[-1][0] if len(ui.shown) > before else None
        if st.blocked is not None:
            st.acknowledge()
        return fb

    yield dict(step=step, ui=ui, proxy=proxy, runner=runner, session=session)
    st.stop()
    detach_offline(session)
    proxy.close()
    database.close()
    open_database(pg_store)


def test_server_goes_away_mid_job_and_comes_back(station):
    step, ui, proxy, runner = station["step"], station["ui"], station["proxy"], station["runner"]
    # online: a transfer posts at once
    assert step("scan", "A-01-01").level == "ok"
    step("scan", td.WIDGET_EAN)
    assert step("scan", "B-01-01").level == "ok"
    proxy.cut()
    # the next posting needs the server: the station says so and goes OFFLINE
    fb = step("scan", td.WIDGET_EAN)
    assert fb.level == "ok", fb.message         # into the basket, nothing posted yet
    fb = step("scan", "B-01-01")
    assert fb.level == "error" and "NOT posted" in fb.message and "OFFLINE" in fb.message
    assert isinstance(ui.current_flow(), OfflineFlow)
    # offline: scans decode from the cache and moves are journaled
    assert step("scan", "A-01-01").level == "ok"
    step("scan", td.WIDGET_EAN)
    step("scan", td.WIDGET_CASE)
    fb = step("scan", "B-01-01")
    assert fb.level == "warn" and "13 units A-01-01 → B-01-01 journaled" in fb.message, fb
    # the operator thinks the yoghurt is here too; the server will know better
    assert step("scan", td.YOG_EAN).level == "info"          # lot-tracked: which lot?
    step("type", "L42")
    fb = step("scan", "A-01-02")
    assert fb.level == "warn" and "journaled (2 waiting)" in fb.message, fb
    assert ui.status[-1] == "OFFLINE · 2 queued"
    assert ui.current_flow().heading().startswith("OFFLINE · 2 queued")
    # F10 while still away: stays offline, nothing lost
    fb = step("key", "done")
    assert fb.level == "warn" and "still OFFLINE" in fb.message and runner.queued == 2
    proxy.restore()
    fb = step("key", "done")
    assert fb.level == "ok" and "back ONLINE: 1 journaled postings posted, 1 refused" in fb.message, fb
    assert isinstance(ui.current_flow(), TransferFlow)       # the interrupted job is still there
    assert runner.queued == 0 and ui.status[-1] == ""
    database.close()
    widget = Item.get(Item.sku == "SKU-100")
    assert on_hand(widget, Location.get(Location.code == "B-01-01")) == 1 + 13
    assert on_hand(widget, Location.get(Location.code == "A-01-01")) == 50 - 14
    offline_keys = [m.idempotency_key for m in Movement.select().where(Movement.station == "ST-01",
                                                                       Movement.kind == "move")]
    assert len(offline_keys) == len(set(offline_keys)) == 2
    assert verify().consistent
    # the refused move waits on the supervisor's exceptions list
    from db.offline import list_exceptions
    [exc] = list_exceptions()
    assert exc["operator"] == "W1" and "SKU-200" in exc["error"] and "A-01-01" in exc["error"]


def test_supervisor_resolves_an_exception_in_the_app_flow(station):
    import datetime as dt
    from db.masterdata import security
    from db.offline import SyncException, list_exceptions
    from terminal.flows.exceptions import ExceptionsFlow
    SyncException.create(key="k1", op="move", args='{"sku": "SKU-300", "qty": 5}', operator="W1",
                         station="ST-02", queued_at=dt.datetime(2030, 1, 1, 8), error="only 3 × SKU-300 at B-01-01")
    security.set_pin("S1", "4711")
    session = station["session"]
    # a worker may look, not decide
    flow = ExceptionsFlow(session)
    fb = flow.start()
    assert fb.level == "error" and "needs a supervisor" in fb.message
    assert flow.table().rows[0][-1] == "only 3 × SKU-300 at B-01-01"
    assert flow.on_text("1").level == "error"
    # the supervisor, with the PIN
    session.login("S1", "Sara", "supervisor")
    flow = ExceptionsFlow(session)
    assert flow.start() is None
    assert flow.on_text("1") is None and flow.state == "pin"
    fb = flow.on_text("0000")
    assert fb.level == "error" and "wrong PIN" in fb.message and list_exceptions()
    flow.on_text("1")
    flow.on_text("4711")
    assert flow.state == "note"
    fb = flow.on_text("counted B-01-01: 3 there, moved them")
    assert fb.level == "ok" and list_exceptions() == [] and flow.rows == []
    row = SyncException.get(SyncException.key == "k1")
    assert row.resolved_by == "S1" and row.note.startswith("counted")


def test_offline_moves_a_weighed_item_by_its_typed_measure(station):
    """Offline the station still reads a quantity with the item's precision (the cache keeps
    it): 0.5 kg of cheese is journaled as 500 stored units and posts once when the server is back."""
    from db.offline import refresh_cache
    from tests import factories as f
    step, ui, proxy, runner = station["step"], station["ui"], station["proxy"], station["runner"]
    cheese = f.item("CHEESE", uom="kg", decimals=3, barcodes=[("95012345678903", 1)])
    f.give_stock(cheese, Location.get(Location.code == "A-01-01"), 2000)
    refresh_cache(runner.journal)
    # As in the test above: a move online, then the server goes away under the next one.
    assert step("scan", "A-01-01").level == "ok"
    step("scan", td.WIDGET_EAN)
    assert step("scan", "B-01-01").level == "ok"
    proxy.cut()
    step("scan", td.WIDGET_EAN)
    fb = step("scan", "B-01-01")
    assert "OFFLINE" in fb.message and isinstance(ui.current_flow(), OfflineFlow)
    fb = step("scan", "A-01-01")
    assert fb.level == "ok", fb.message
    step("key", "qty")
    fb = step("type", "0.5")
    assert fb.level != "error", fb.message
    step("scan", "95012345678903")
    fb = step("scan", "B-01-01")
    assert fb.level == "warn" and "journaled" in fb.message, fb
    # More decimals than the item has: refused when the scan says which item, nothing journaled.
    step("scan", "A-01-01")
    step("key", "qty")
    step("type", "0.0005")
    fb = step("scan", "95012345678903")
    assert fb.level == "error" and "0.0005" in fb.message and "3 decimals" in fb.message, fb
    assert runner.queued == 1
    proxy.restore()
    fb = step("key", "done")
    assert fb.level == "ok" and "back ONLINE" in fb.message, fb
    database.close()
    b01 = Location.get(Location.code == "B-01-01")
    assert on_hand(Item.get(Item.sku == "CHEESE"), b01) == 500
    assert verify().consistent
