"""A report's rows laid out for a screen of a given width, without ever cutting a number.

A report (db.reports) has more columns than 80 terminal cells hold. In this order:
1. headers go on two lines ("reorder" over "point"; a Chinese header, which has no spaces, between
   any two of its characters: "再订" over "货点"), which loses nothing;
2. text columns are narrowed (cut with "…", measured in terminal cells, never mid-character),
   down to TEXT_MIN cells: narrower, a name no longer reads. Codes (SKU, PO...), the short
   phrases a row is about (alert, rule, status) and the first column are not narrowed;
3. columns that still do not fit are left out, with a visible marker ("»" right, "«" left),
   and ←/→ scroll through them. The first column (the row's key: SKU, supplier, PO) stays.
Numbers are never narrowed: a cut "1,29" for 1,299.49 reads as a wrong number.
The headers are the report's column names (English, marked N_ in db/reports) in the user's
language; the widths are measured on what is shown. Cell values are data, shown as they are.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from rich.cells import cell_len

from db.core.quantities import Qty
from terminal.i18n import cell_word, shown

PAD = 2            # a table cell's padding: one cell each side (DataTable's cell_padding=1)
TEXT_MIN = 12      # a text column is narrowed down to this many cells, not further
HEADER_LINES = 2
MORE_LEFT, MORE_RIGHT = "«", "»"

# Codes and the short phrases a row is about are never cut either: "PO-R20261205-0…" names no
# document, "below r…" or "up to max, …" says nothing.
WHOLE_COLUMNS = frozenset({"sku", "po", "so", "supplier", "customer", "operator", "period", "key",
                           "group", "backorder_of", "alert", "rule", "status", "class"})

# Columns valued at cost: shown once the supervisor's PIN was given this login (if they have one).
COST_COLUMNS = frozenset({"unit_cost", "cost", "cogs", "margin", "value", "avg_value", "value_over_90",
                          "consumption_value", "amount"})


def is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def cell_text(value) -> str:
    """A value as the dashboard shows it: money with two decimals, a quantity (Qty) exact with
    its item's decimals, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Qty):
        return str(value)          # a quantity keeps its item's decimals (1.667 kg), not money's two
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"     # shares and rates: one decimal, so a column lines up
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def clip(text: str, width: int) -> str:
    """TEXT in at most WIDTH cells, "…" marking a cut (a wide character is never halved)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    # Whole characters only: a wide one that would straddle the cut is left out, not padded
    # with a space ("余…", not "余 …").
    kept, used = [], 0
    for ch in text:
        used += cell_len(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def pieces(word: str) -> list[str]:
    """WORD in the pieces a line may break between: a run of narrow characters (a Latin word, a
    number) stays whole; each wide character is a piece of its own, as Chinese breaks anywhere."""
    out: list[str] = []
    for ch in word:
        if out and cell_len(ch) == 1 and cell_len(out[-1][-1]) == 1:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _broken(name: str, width: int) -> tuple[list[str], list[bool]]:
    """NAME's lines of at most WIDTH cells (a piece wider stays whole on its own line), and for
    each whether it starts a word (a space joins it back to the line before)."""
    lines: list[str] = []
    spaced: list[bool] = []
    for word in name.replace("_", " ").split():
        for n, piece in enumerate(pieces(word)):
            gap = " " if n == 0 else ""
            if lines and cell_len(lines[-1]) + len(gap) + cell_len(piece) <= width:
                lines[-1] += gap + piece
            else:
                lines.append(piece)
                spaced.append(n == 0)
    return lines, spaced


def header_lines(name: str, width: int) -> list[str]:
    """NAME ("reorder_point", "再订货点") on at most HEADER_LINES lines of WIDTH cells: broken
    between words, and between the characters of Chinese; what still does not fit is cut with
    "…" (never halving a wide character)."""
    lines, spaced = _broken(name, width)
    if 1 < len(lines) <= HEADER_LINES and any(cell_len(ch) > 1 for ch in name):
        # Chinese breaks anywhere: on as few lines, as evenly as they go (商品/编码, not 商品编/码).
        for narrower in range(1, width):
            even, even_spaced = _broken(name, narrower)
            if len(even) == len(lines) and all(cell_len(line) <= narrower for line in even):
                lines, spaced = even, even_spaced
                break
    if len(lines) > HEADER_LINES:
        last = HEADER_LINES - 1
        lines[last:] = [lines[last] + "".join((" " if spaced[i] else "") + lines[i]
                                              for i in range(last + 1, len(lines)))]
    return [clip(line, width) for line in lines] or [""]


def header_width(name: str) -> int:
    """The fewest cells NAME's header takes on HEADER_LINES lines without a cut."""
    longest = cell_len(name)
    return next((w for w in range(1, longest + 1)
                 if "…" not in "".join(header_lines(name, w)) or w == longest), longest)


@dataclass
class Fitted:
    """What the screen draws: headers, widths in cells, alignment and the rows, all cut to fit."""
    headers: list[str]
    widths: list[int]
    right: list[bool]
    rows: list[list[str]]
    shown: list[str]          # the report columns on screen (markers excluded)
    hidden_left: int = 0
    hidden_right: int = 0

    @property
    def total(self) -> int:
        return sum(w + PAD for w in self.widths)


def fit(columns: list[str], rows: list[dict], width: int, offset: int = 0) -> Fitted:
    """Lay COLUMNS of ROWS out in WIDTH cells; OFFSET columns after the first are scrolled away."""
    if not columns:
        return Fitted([], [], [], [], [])
    texts = {c: [cell_text(cell_word(c, r.get(c))) for r in rows] for c in columns}
    label = {c: shown(c) for c in columns}
    number = {c: all(is_number(r.get(c)) for r in rows if r.get(c) is not None)
              and any(r.get(c) is not None for r in rows) for c in columns}
    values = {c: max((cell_len(t) for t in texts[c]), default=0) for c in columns}
    natural = {c: max(cell_len(label[c]), values[c]) for c in columns}
    wrapped = {c: max(values[c], header_width(label[c])) for c in columns}
    floor = {c: wrapped[c] if number[c] or c in WHOLE_COLUMNS or c == columns[0] else min(wrapped[c], TEXT_MIN)
             for c in columns}
    offset = max(0, min(offset, len(columns) - 2)) if len(columns) > 1 else 0
    first, rest = columns[0], columns[1 + offset:]
    marker = 1 + PAD
    # Which columns fit at their narrowest, leaving room for the markers needed.
    left = marker if offset else 0
    kept = [first]
    if sum(floor[c] + PAD for c in [first, *rest]) + left <= width:
        kept += rest
    else:
        used = floor[first] + PAD + left + marker
        for c in rest:
            if used + floor[c] + PAD > width:
                break
            kept.append(c)
            used += floor[c] + PAD
    hidden_right = len(rest) - (len(kept) - 1)
    budget = width - left - (marker if hidden_right else 0)
    widths = {c: natural[c] for c in kept}
    # Headers on two lines first (nothing lost), then narrow text, the widest first.
    for kinds, least in (((True, False), wrapped), ((False,), floor)):
        while sum(widths.values()) + PAD * len(kept) > budget:
            over = [c for c in kept if number[c] in kinds and widths[c] > max(least[c], floor[c])]
            if not over:
                break
            widest = max(over, key=lambda c: widths[c])
            widths[widest] -= 1
    headers = ["\n".join(header_lines(label[c], widths[c])) for c in kept]
    right = [number[c] for c in kept]
    body = [[clip(texts[c][i], widths[c]) for c in kept] for i in range(len(rows))]
    out = Fitted(headers, [widths[c] for c in kept], right, body, list(kept), offset, hidden_right)
    if offset:
        out.headers.insert(1, MORE_LEFT)
        out.widths.insert(1, 1)
        out.right.insert(1, False)
        for line in out.rows:
            line.insert(1, MORE_LEFT)
    if hidden_right:
        out.headers.append(MORE_RIGHT)
        out.widths.append(1)
        out.right.append(False)
        for line in out.rows:
            line.append(MORE_RIGHT)
    return out
