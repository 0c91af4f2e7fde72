"""Text: wording shared by the store's messages and the terminal's (one way to say "2 lines"
or a time), and text from outside made safe where it goes: codes, spreadsheets and terminals.

- Codes (SKUs, locations, barcodes, operators…) are matched byte for byte against what a scanner
  sends: a control character, a zero-width space or a bidirectional override in one makes two
  codes look the same on screen, or a code impossible to scan. `hidden_characters` names them;
  imports refuse such codes.
- CSV cells that begin with = + - @ tab or CR are formulas to a spreadsheet (CSV injection).
  `neutralise_cell` prefixes them with ' as OWASP advises, and `unneutralise_cell` reads the
  original back, so an export re-imports to the very same text. Only text cells: numbers are
  written as numbers (a -5 stays -5).
- Names are free text, but a terminal obeys escape sequences: `printable` shows control and
  format characters as visible escapes (\\x1b, \\u202e) before a name reaches a terminal.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from gettext import gettext as _
from gettext import ngettext

# The words counted on screen, each a marked plural message (a catalogue's plural forms are not
# an English "s"): plural() is their one home, so every "4 units" or "2 lines" of the store and
# the station reads in the chosen language. A word not listed here stays English.
_COUNTED = {
    "unit": lambda n: ngettext("{n} unit", "{n} units", n),
    "expired unit": lambda n: ngettext("{n} expired unit", "{n} expired units", n),
    "line": lambda n: ngettext("{n} line", "{n} lines", n),
    "row": lambda n: ngettext("{n} row", "{n} rows", n),
    "pick": lambda n: ngettext("{n} pick", "{n} picks", n),
    "location": lambda n: ngettext("{n} location", "{n} locations", n),
    "place": lambda n: ngettext("{n} place", "{n} places", n),
    "scan": lambda n: ngettext("{n} scan", "{n} scans", n),
    "unknown barcode": lambda n: ngettext("{n} unknown barcode", "{n} unknown barcodes", n),
    "posting": lambda n: ngettext("{n} posting", "{n} postings", n),
    "recent posting": lambda n: ngettext("{n} recent posting", "{n} recent postings", n),
    "movement": lambda n: ngettext("{n} movement", "{n} movements", n),
    "day": lambda n: ngettext("{n} day", "{n} days", n),
    "lot": lambda n: ngettext("{n} lot", "{n} lots", n),
    "draft purchase order": lambda n: ngettext("{n} draft purchase order", "{n} draft purchase orders", n),
    "open (receivable at once) purchase order": lambda n: ngettext(
        "{n} open (receivable at once) purchase order", "{n} open (receivable at once) purchase orders", n),
}


def english_plural(n: int, word: str) -> str:
    """"1 line", "2 lines", in English whatever the language (text the store keeps)."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def plural(n: int, word: str) -> str:
    """"1 line", "2 lines"; in the chosen language for the words of `_COUNTED`."""
    form = _COUNTED.get(word)
    if form is None:
        return english_plural(n, word)
    # gettext's plural rule takes whole numbers only; English says "1 unit", else "units".
    return form(n if isinstance(n, int) else 1 if n == 1 else 2).format(n=n)


class Phrase(str):
    """Text made of a TEMPLATE (English, marked N_ where it is written) and its FIELDS: the
    string is the text in the chosen language, as a screen shows it; `.english` is the English
    text, as the store keeps it (audit details are never translated). A field may be a Phrase."""
    english: str

    def __new__(cls, template: str, **fields):
        return cls.made(_(template).format(**fields), template.format(**{k: english(v) for k, v in fields.items()}))

    @classmethod
    def made(cls, shown: str, english_text: str) -> "Phrase":
        made = super().__new__(cls, shown)
        made.english = english_text
        return made


def english(text):
    """TEXT as the store keeps it: a Phrase's English, any other value as it is."""
    return text.english if isinstance(text, Phrase) else text


def counted(n: int, word: str) -> Phrase:
    """`plural(n, word)` that also knows its English (for a Phrase's field)."""
    return Phrase.made(plural(n, word), english_plural(n, word))


def phrase(text: str) -> str:
    """TEXT in the chosen language: a Phrase as it is, a word or phrase marked N_ where it was
    written (a role; an action such as "adjusting stock") translated."""
    if isinstance(text, Phrase):
        return str(text)
    return _(text) if text else text


def minute(at: dt.datetime | None) -> str:
    """A timestamp to the minute ("2026-03-31 14:05"), empty for none."""
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


# Unicode categories never printed as themselves: controls (C0, DEL, C1), format characters
# (zero-width space/joiners, bidi embeddings, overrides and isolates, the BOM, soft hyphen),
# line and paragraph separators, surrogates and unassigned/private code points.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES


def hidden_characters(text: str) -> list[str]:
    """The characters of TEXT a screen would not show as themselves, as U+XXXX names (unique,
    in order)."""
    seen: list[str] = []
    for ch in text:
        if _hidden(ch):
            name = f"U+{ord(ch):04X}"
            if name not in seen:
                seen.append(name)
    return seen


def printable(text: str, keep: str = "") -> str:
    """TEXT with every control and format character shown as an escape (\\x1b, \\u202e), so
    nothing written to a terminal can move the cursor, recolour, retitle or reorder it. KEEP:
    characters left as they are (a tab between the fields of a message)."""
    if text.isprintable():      # the common case, at C speed
        return text
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        elif _hidden(ch) or (ch in "\t\n\r"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def _risky(text: str) -> bool:
    """A formula start, or ' before one (which must be escaped too, to read back exactly)."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise_cell(text: str) -> str:
    """A text cell a spreadsheet will not run: ' before a formula start."""
    return "'" + text if text and _risky(text) else text


def unneutralise_cell(text: str) -> str:
    """The text `neutralise_cell` was given."""
    return text[1:] if text.startswith("'") and _risky(text[1:]) else text
