"""Text in fixed columns, measured and cut in terminal cells (Rich's cell functions), never in
characters: a Chinese character takes two cells, so `len()` lets `康师傅红烧牛肉面 五连包` push
the next column onto another line, where it reads as another row.

Ambiguous-width punctuation (×, …, ·, →…: one cell in most terminals, two in CJK ones) is kept
out of fixed columns: `narrow` writes it in ASCII, and a cut is marked with "~", so a column
is the same width on every terminal. Used by the job screens' tables (terminal/widgets/table),
the packing list and the label captions.
"""
from __future__ import annotations

from rich.cells import cell_len, chop_cells, set_cell_size

__all__ = ["cell_len", "chop_cells", "fit", "narrow", "CUT"]

CUT = "~"   # marks text cut to fit its column (ASCII: one cell everywhere)

# Ambiguous-width punctuation seen in item names and our own messages, and its ASCII form.
_NARROW = str.maketrans({
    "×": "x", "…": "...", "·": ".", "•": "*", "–": "-", "—": "-", "‘": "'", "’": "'",
    "“": '"', "”": '"', "→": "->", "←": "<-", "°": "o", "±": "+/-", "÷": "/", "※": "*",
    "▶": ">", "─": "-",
})


def narrow(text: str) -> str:
    """TEXT with ambiguous-width punctuation in its ASCII form."""
    return text.translate(_NARROW)


def fit(text: str, width: int, *, right: bool = False) -> str:
    """TEXT in exactly WIDTH cells: padded (left or RIGHT aligned), or cut at a character
    boundary and marked with CUT when it does not fit. A wide character that would straddle
    the edge is left out (a space takes its place), never split."""
    text = narrow(text)
    if width <= 0:
        return ""
    size = cell_len(text)
    if size > width:
        return set_cell_size(text, width - 1) + CUT if width > 1 else CUT
    pad = " " * (width - size)
    return pad + text if right else text + pad
