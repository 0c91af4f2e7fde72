"""A flow's table (PO lines, pick tasks, stock) as a Rich table, the current row highlighted.

A Static, not a DataTable: it never takes focus or keys.
"""
from __future__ import annotations

from rich import box
from rich.table import Table as RichTable
from textual.widgets import Static


class FlowTable(Static):
    def show(self, table) -> None:
        if table is None or not table.columns:
            self.display = False
            self.update("")
            return
        self.display = True
        rich = RichTable(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1), show_edge=False)
        for i, col in enumerate(table.columns):
            numeric = any(isinstance(r[i], int) and not isinstance(r[i], bool) for r in table.rows if i < len(r))
            rich.add_column(col, justify="right" if numeric else "left", no_wrap=True, overflow="ellipsis")
        for n, row in enumerate(table.rows):
            style = "bold reverse" if table.current == n else None
            rich.add_row(*["" if v is None else str(v) for v in row], style=style)
        if not table.rows:
            rich.add_row(*(["(none)"] + [""] * (len(table.columns) - 1)))
        self.update(rich)
