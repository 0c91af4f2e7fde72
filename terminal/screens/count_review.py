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
        self.pin_typed = ""
        if self.first_view is None:
            self.app.station.submit_action("start")

    def key_list(self) -> list[tuple[str, str]]:
        # F2 (type a scan) is left off the bar to fit 80 columns; it still works.
        return [k for k in super().key_list() if k[0] != "f2"]

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

    def station_key(self, key: str, character: str | None) -> bool:
        """While the flow asks for the PIN, the digits stay on this screen and the line shows
        dots; Enter sends the PIN to the flow like any typed line."""
        if getattr(self, "entry_kind", "") != "pin" or self.app.station.blocked is not None:
            return super().station_key(key, character)
        from ..widgets.entry import EntryLine
        entry = self.query_one(EntryLine)
        if character and len(character) == 1 and character.isdigit():
            self.pin_typed += character
            entry.insert("•")
            return True
        if key == "backspace":
            self.pin_typed = self.pin_typed[:-1]
            entry.backspace()
            return True
        if key == "enter":
            pin, self.pin_typed = self.pin_typed, ""
            entry.clear()
            self.app.station.submit_text(pin)
            return True
        if key == "escape":
            self.pin_typed = ""
        return super().station_key(key, character)
