"""The station's queue: a key typed on one screen is never applied to another (issue: keys piled
up behind an error on the dashboard replayed into the next job), and an error a screen finds
itself is held and acknowledged like a flow's."""
from __future__ import annotations

from terminal.flows.base import Feedback
from terminal.flows.menu import MenuFlow
from terminal.flows.transfer import TransferFlow
from terminal.station import Station
from tests import terminal_data as td


class TwoScreens(td.HeadlessUI):
    """The headless UI, with the flow of the screen shown now settable by the test."""

    def current_flow(self):
        return self.flows[-1]


def test_a_key_typed_on_a_screen_that_is_gone_is_not_applied(warehouse):
    session = td.session(warehouse["url"], "W1")
    menu, transfer = MenuFlow(session), TransferFlow(session)
    ui = TwoScreens(menu)
    from terminal.resolver import make_decoder
    station = Station(session, make_decoder(session.cfg), ui, retry_pause_s=0.05)
    station.typed_on = ui.current_flow          # keys are typed on the screen shown now
    station.hold(Feedback.error("something to acknowledge"))
    assert ui.shown[-1][0].message == "something to acknowledge"
    station.submit_text("A-01-01")               # typed on the menu, waits behind the error
    ui.flows[-1] = transfer                      # the screen changed meanwhile
    station.start()
    try:
        assert station.acknowledge()
        assert station.wait_idle(10)
        feedback = ui.shown[-1][0]
        assert feedback.level == "info" and feedback.message.startswith("not applied here")
        assert transfer.source is None and transfer.state == "source"    # nothing reached it
        station.submit_text("A-01-01")           # typed on the transfer screen: applied there
        assert station.wait_idle(10)
        assert transfer.source == "A-01-01"
    finally:
        station.stop()


def test_keys_held_by_the_wedge_never_land_on_another_screen(world):
    """A key the wedge holds (it might start a scan) is released after a moment; if the screen
    changed meanwhile, it is dropped, not typed into the new one."""
    import asyncio
    import time

    from textual import events

    from terminal.screens.flow import FlowScreen
    from tests.app_support import login, make_app, settle

    async def run():
        app = make_app(world["url"], world["tmp"])
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot, "W1")
            key = events.Key("7", "7")
            key.time = time.monotonic()
            app.post_message(key)                   # held on the menu...
            await pilot.pause()
            assert app.wedge.pending
            await app.push_screen(FlowScreen(TransferFlow(app.session)))   # ...which is left
            await asyncio.sleep(0.3)
            await settle(pilot)
            assert isinstance(app.screen, FlowScreen) and app.screen.flow.title == "Transfer"
            from terminal.widgets.entry import EntryLine
            assert app.screen.query_one(EntryLine).value == ""     # the 7 went nowhere
            assert not any(type(s).__name__ == "FlowScreen" and s.flow.title == "Lookup"
                           for s in app.screen_stack)

    asyncio.run(run())
