"""F1: the keys of the screen underneath. Any key closes it; scans go on to the job below."""
from __future__ import annotations

from gettext import gettext as _

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    # Scans that arrive while the help is open go to the job underneath.
    pass_scans = True

    def __init__(self, title: str, keys: list[tuple[str, str]]):
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold reverse", no_wrap=True)
        # Chinese has no spaces to wrap at: a long text folds between characters instead of
        # being cut with "…" (an English word is never wider than the column: unchanged).
        table.add_column(overflow="fold")
        for key, text in self.keys:
            table.add_row(f" {key} ", _(text) if text else text)
        with Vertical(id="help-box"):
            yield Static(_("{title}: keys").format(title=_(self.title_text)), id="help-title")
            yield Static(table, id="help-keys")
            yield Static(_("Press any key to close."), id="help-close")

    def on_key(self, event) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(None)
