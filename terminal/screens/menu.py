"""The main menu: a digit opens a job at once (no Enter needed)."""
from __future__ import annotations

from ..flows.menu import MENU
from .flow import FlowScreen


class MenuScreen(FlowScreen):
    def on_mount(self) -> None:
        super().on_mount()
        self.add_class("menu")

    def on_plain_key(self, key: str, character: str | None) -> bool:
        if character and character.isdigit():
            if self.app.station.blocked is not None:
                self.app.bell()       # the error first (Enter): a job must not open behind it
            else:
                self.app.station.submit_action("open", character)
            return True
        return False

    def show_view(self, view) -> None:
        if view is not None:
            view.choices = []
        super().show_view(view)
        from rich.table import Table
        grid = Table.grid(padding=(0, 2))
        grid.add_column(justify="right", style="bold reverse")
        grid.add_column()
        for n, _job, label in MENU:
            grid.add_row(f" {n} ", label)
        choices = self.query_one("#choices")
        choices.display = True
        choices.update(grid)

    def key_list(self):
        return [("f1", "Help"), ("f9", "Undo last"), ("0", "Log out")]

    def on_function_key(self, key: str) -> bool:
        if key == "f9":
            self.app.station.submit_action("undo")
            return True
        return False

    def help_lines(self):
        return [("1–8", "open that job"), ("0", "log out"),
                ("F9", "undo your last posting (also CMD-UNDO)")] + super().help_lines()
