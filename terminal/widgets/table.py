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
        marked = table.current is not None
        if marked:
            # A visible marker, not only a colour: it survives monochrome terminals and captures.
            rich.add_column("", width=1, no_wrap=True)
        for i, col in enumerate(table.columns):
            values = [r[i] for r in table.rows if i < len(r)]
            numeric = any(isinstance(v, int) and not isinstance(v, bool) for v in values)
            widest = max([len(col)] + [len(str(v)) for v in values if v is not None])
            if col == "Name":
                # The name gives way when 80 columns are tight; codes and numbers never do.
                rich.add_column(col, ratio=1, no_wrap=True, overflow="ellipsis", min_width=8)
            else:
                rich.add_column(col, justify="right" if numeric else "left", no_wrap=True,
                                min_width=widest, overflow="ellipsis")
        for n, row in enumerate(table.rows):
            style = "bold reverse" if table.current == n else None
            cells = ["" if v is None else str(v) for v in row]
            if marked:
                cells.insert(0, "▶" if table.current == n else "")
            rich.add_row(*cells, style=style)
        if not table.rows:
            rich.add_row(*(["(none)"] + [""] * (len(table.columns) - 1 + (1 if marked else 0))))
        self.update(rich)
