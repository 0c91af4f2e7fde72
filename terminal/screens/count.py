"""The counter's screen (menu 6): the counting flow rendered by the generic flow screen.

The rules are in terminal/flows/counting.py; this only builds the flow for the logged-in
operator and asks the station for its first view, so the store is read on the station's
thread, never on the UI thread.
"""
from __future__ import annotations

from .flow import FlowScreen


class CountScreen(FlowScreen):
    CSS_PATH = ["flow.tcss", "count.tcss"]

    def __init__(self, flow=None, feedback=None, view=None, *, count_id: int | None = None,
                 location: str | None = None):
        if flow is None:
            from ..flows.counting import CountingFlow
            flow = CountingFlow(self.app.session, count_id=count_id, location=location)
        super().__init__(flow, feedback, view)

    def on_mount(self) -> None:
        super().on_mount()
        if self.first_view is None:
            self.app.station.submit_action("start")
