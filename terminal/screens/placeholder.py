"""Stands in for a screen that is not built yet, and says what will be there."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from .base import StationScreen

PLANNED = {
    "count": ("Count",
              "Cycle counts: scan a location, count what is there (blind), recount when the "
              "count differs, and hand the variances to a supervisor."),
    "supervisor": ("Supervisor",
                   "Reconcile count discrepancies, approve adjustments, watch stock, "
                   "suppliers and sales. Needs a supervisor operator."),
}


class PlaceholderScreen(StationScreen):
    CSS_PATH = "placeholder.tcss"

    def __init__(self, job: str, reason: str = ""):
        super().__init__()
        self.job = job
        self.reason = reason
        self.screen_title = PLANNED.get(job, (job.capitalize(), ""))[0]

    def body(self) -> ComposeResult:
        title, text = PLANNED.get(self.job, (self.job.capitalize(), ""))
        yield Static(title, id="title")
        yield Static(f"Coming with a later issue. What will be here:\n\n{text}\n\nPress Esc to go back.",
                     id="planned")

    def key_list(self):
        return [("f1", "Help"), ("escape", "Back")]

    def station_key(self, key: str, character: str | None) -> bool:
        if key == "escape":
            self.app.pop_screen()
            return True
        return super().station_key(key, character)
