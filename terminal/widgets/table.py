"""A flow's table (PO lines, pick tasks, stock) as fixed-width text, the current row highlighted.

A Static, not a DataTable: it never takes focus or keys.
"""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from .repaint import update_static


class FlowTable(Static):
    """Formats the table once per change, to styled text. Handing Textual a Rich table made it
    measure and render the whole table several times per scan (layout, height, paint): most of
    a scan's screen time on a 20-line purchase order (bench/RESULTS.md)."""

    _table = None
    _width = 0

    def show(self, table) -> None:
        if table is None or not table.columns:
            self._table = None
            self.display = False
            self.update("")
            return
        if self.display and table == self._table:
            return      # the same rows: nothing to repaint
        self._table = table
        self.display = True
        self._paint()

    def current_row_y(self) -> int | None:
        """The line of the current row within the widget (under the header and its rule)."""
        if not self.display or self._table is None or self._table.current is None:
            return None
        return 2 + self._table.current

    def on_resize(self, event) -> None:
        if self._table is not None and self.size.width != self._width:
            self._paint()

    def _paint(self) -> None:
        # Before the first layout the widget has no size yet: the screen's width less the
        # content's padding; on_resize paints again at the real width.
        width = self.size.width or max(20, self.app.size.width - 4)
        self._width = self.size.width
        update_static(self, render_table(self._table, width))


def render_table(table, width: int) -> Text:
    """TABLE as fixed-width styled text WIDTH wide, laid out as a Rich table with a simple head
    and no edges would be: one space of padding in each cell, one between cells, the header
    bold and underlined by a rule. Codes and numbers keep their full width (numbers right
    aligned); the Name column takes the room left, giving way down to 8 characters with an
    ellipsis; without one, the space between cells, then the widest text columns give way.
    The current row is bold reverse and marked ▶ (a visible marker, not only a colour: it
    survives monochrome terminals and captures). Formatted here rather than by Rich, which
    cost milliseconds per scan for a 20-line table."""
    marked = table.current is not None
    cols = []                                   # [title, right-aligned?, width, is the name]
    if marked:
        cols.append(["", False, 1, False])
    for i, col in enumerate(table.columns):
        values = [r[i] for r in table.rows if i < len(r)]
        numeric = any(isinstance(v, int) and not isinstance(v, bool) for v in values)
        widest = max([len(col)] + [len(str(v)) for v in values if v is not None])
        cols.append([col, numeric, widest, col == "Name"])
    fixed = sum(c[2] + 3 for c in cols if not c[3]) - 1 + sum(3 for c in cols if c[3])
    names = [c for c in cols if c[3]]
    if names:
        room = max(8, (width - fixed) // len(names))
        for c in names:
            c[2] = room
    elif cols:
        cols[-1][2] += max(0, width - fixed)     # the last column takes the room left
    # Still too wide (many columns, no Name to give way): first the space between cells goes
    # (two spaces of padding still part them), then the widest text columns give way down to
    # their titles, rather than every line wrapping onto a second row.
    sep = " "
    over = sum(c[2] + 3 for c in cols) - 1 - width
    if over > 0:
        sep, over = "", over - (len(cols) - 1)
        if over < 0:
            cols[-1][2] -= over         # the room left goes to the last column, as before
    for c in sorted((c for c in cols if not c[1] and not c[3] and c[0]), key=lambda c: -c[2]):
        if over <= 0:
            break
        cut = min(over, c[2] - max(4, len(c[0])))
        if cut > 0:
            c[2] -= cut
            over -= cut

    def line(cells) -> str:
        out = []
        for (_, right, w, _), value in zip(cols, cells):
            text = "" if value is None else str(value)
            if len(text) > w:
                text = text[:max(0, w - 1)] + "…"
            out.append(" " + (text.rjust(w) if right else text.ljust(w)) + " ")
        return sep.join(out)

    header = line([c[0] for c in cols])
    rows = []
    for n, row in enumerate(table.rows):
        cells = list(row)
        if marked:
            cells.insert(0, "▶" if table.current == n else "")
        rows.append((line(cells), "bold reverse" if table.current == n else None))
    if not table.rows:
        rows.append((" (none)".ljust(len(header)), None))     # not in the first column: it may be narrow
    text = Text(no_wrap=True, overflow="crop")
    text.append(header, "bold")
    text.append("\n" + "─" * len(header))
    for body, style in rows:
        text.append("\n")
        text.append(body, style)
    return text
