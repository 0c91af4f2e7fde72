"""The main menu: a digit opens a job at once (no Enter needed)."""
from __future__ import annotations

from gettext import gettext as _

from terminal.i18n import N_

from ..flows.menu import MENU, job_numbers, menu_for
from .flow import FlowScreen


# How long the result of the last job (a green "shipped…") stays on the menu: long enough to
# read, not the minutes until the next job, when it reads as news about nothing.
MESSAGE_SECONDS = 8.0


# Menu entries chosen by a letter (the digits are all taken).
LETTERS = {n for n, _, _ in MENU if n.isalpha()}


class MenuScreen(FlowScreen):
    _fade = None

    def on_mount(self) -> None:
        super().on_mount()
        self.add_class("menu")

    def show_feedback(self, feedback) -> None:
        super().show_feedback(feedback)
        if self._fade is not None:
            self._fade.stop()
            self._fade = None
        if feedback is not None and feedback.level != "error":
            # An error stays until acknowledged; anything else fades.
            self._fade = self.set_timer(MESSAGE_SECONDS, self._clear_message)

    def _clear_message(self) -> None:
        from ..widgets.banner import Banner
        self._fade = None
        banner = self.query_one(Banner)
        if banner.level != "error":
            banner.show(None)

    def on_plain_key(self, key: str, character: str | None) -> bool:
        if character and (character.isdigit() or character.upper() in LETTERS):
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
        for n, _job, label in menu_for(self.app.session.is_supervisor):
            grid.add_row(f" {n} ", _(label))
        choices = self.query_one("#choices")
        choices.display = True
        choices.update(grid)

    def key_list(self):
        return [("f1", N_("Help")), ("f9", N_("Undo last")), ("0", N_("Log out"))]

    def on_function_key(self, key: str) -> bool:
        if key == "f9":
            self.app.station.submit_action("undo")
            return True
        return False

    def help_lines(self):
        return [(job_numbers(self.app.session.is_supervisor), N_("open that job")), ("0", N_("log out")),
                ("F9", N_("undo your last posting (also CMD-UNDO)"))] + super().help_lines()
