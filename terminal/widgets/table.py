"""A flow's table (PO lines, pick tasks, stock) as fixed-width text, the current row highlighted.

A Static, not a DataTable: it never takes focus or keys.
"""
from __future__ import annotations

from gettext import gettext as _

from terminal.i18n import shown

import re

from rich.cells import set_cell_size
from rich.text import Text
from textual.widgets import Static

from db.core.text import printable
from devices.text_cells import cell_len, fit, narrow

from .repaint import update_static


_NUMBER = re.compile(r"^[-+]?[\d,]*\d(\.\d+)?$")
# Marks a row cut at the screen's edge (columns beyond it left out): one cell everywhere.
MORE = "›"


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
    aligned); the Name column takes the room left, giving way down to 8 cells, cut with "~";
    without one, the space between cells, then the widest text columns give way. Widths are
    terminal cells (devices/text_cells.py): a Chinese name is cut between characters and never
    pushes the next column onto another line. The current row is bold reverse and marked ▸ (a
    visible marker, not only a colour: it survives monochrome terminals and captures; ▸ and the
    ASCII rule are one cell wide in every terminal, CJK ones too). Formatted here rather than by
    Rich, which cost milliseconds per scan for a 20-line table."""
    marked = table.current is not None
    cols = []                                   # [title, right-aligned?, width, is the name]
    if marked:
        cols.append(["", False, 1, False])
    for i, col in enumerate(table.columns):
        # Text shown as it is, except control and format characters (escapes, db/core/text.py).
        values = [printable(v) if isinstance(v, str) else v for v in (r[i] for r in table.rows if i < len(r))]
        # Numbers, and numbers already formatted ("-56.98", "+2"): right-aligned, never cut.
        numeric = any(isinstance(v, int) and not isinstance(v, bool) for v in values) or (
            bool(values) and all(v is None or v == "" or _NUMBER.match(str(v)) for v in values)
            and any(v not in (None, "") for v in values))
        widest = max([cell_len(shown(col))] + [cell_len(narrow(str(v))) for v in values if v is not None])
        cols.append([shown(col), numeric, widest, col == "Name"])
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
        cut = min(over, c[2] - max(4, cell_len(c[0])))
        if cut > 0:
            c[2] -= cut
            over -= cut
    # Still too wide: whole columns are left out from the right (a number is never cut), and
    # the rows end in › to say so.
    dropped = False
    while over > 0 and len(cols) > 2:
        gone = cols.pop()
        over -= gone[2] + 2 + len(sep)
        dropped = True

    def line(cells) -> str:
        # Still wider than the screen (a small terminal, many numbers): the columns beyond the
        # edge are left out, and › says so, rather than the row wrapping into what reads as
        # another row.
        text = _line(cells)
        if dropped or cell_len(text) > width:
            return set_cell_size(text, width - 1) + MORE
        return text

    def _line(cells) -> str:
        out = []
        for (_title, right, w, _name), value in zip(cols, cells):
            out.append(" " + fit("" if value is None else printable(str(value)), w, right=right) + " ")
        return sep.join(out)

    header = line([c[0] for c in cols])
    rows = []
    for n, row in enumerate(table.rows):
        cells = list(row)
        if marked:
            cells.insert(0, "▸" if table.current == n else "")
        rows.append((line(cells), "bold reverse" if table.current == n else None))
    if not table.rows:
        rows.append((fit(" " + _("(none)"), cell_len(header)), None))   # not in the first column: it may be narrow
    text = Text(no_wrap=True, overflow="crop")
    text.append(header, "bold")
    text.append("\n" + "-" * min(width, cell_len(header)))
    for body, style in rows:
        text.append("\n")
        text.append(body, style)
    return text
