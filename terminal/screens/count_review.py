"""The supervisor's reconciliation of count discrepancies (CountReviewScreen).

Opened from the supervisor dashboard. The list is sorted by the value of the variance; the
selected line shows the books at each count, the first and second count, who and when.
F3 approve (with a reason), F4 order a recount, F5 set the quantity (with a reason). The rules
and the supervisor check are in terminal/flows/count_review.py and db/counts.py.
"""
from __future__ import annotations

from .flow import FlowScreen


class CountReviewScreen(FlowScreen):
    CSS_PATH = ["flow.tcss", "count_review.tcss"]

    def __init__(self, flow=None, feedback=None, view=None, *, count_id: int | None = None):
        if flow is None:
            from ..flows.count_review import CountReviewFlow
            flow = CountReviewFlow(self.app.session, count_id=count_id)
        super().__init__(flow, feedback, view)

    def on_mount(self) -> None:
        super().on_mount()
        if self.first_view is None:
            self.app.station.submit_action("start")

    def on_function_key(self, key: str) -> bool:
        if super().on_function_key(key):
            return True
        for k in self.flow.move_keys:
            if k.key == key:
                self.app.station.submit_action(k.action)
                return True
        return False

    def help_lines(self) -> list[tuple[str, str]]:
        return [(k.label, k.help) for k in self.flow.move_keys] + super().help_lines()
