"""The notes a count line carries (why it waits, who decided). They are stored in English, the
one language of the store's records (a station in Chinese and one in English share a store), and
shown in the reader's language by `shown_note`: each note is one of these templates, so the
reader finds the template and its fields again and translates it. One home for both directions."""
from __future__ import annotations

import re
from gettext import gettext as _

from db.core.quantities import format_quantity


def N_(text: str) -> str:
    return text


RECOUNT_ORDERED = N_("recount ordered by {operator}")
RECOUNT_ORDERED_NOTE = N_("recount ordered by {operator}: {note}")
QUANTITY_SET = N_("quantity set by {operator}")
BOOKS_KEPT = N_("count rejected by {operator}, books kept")
ALLOCATED = N_("within tolerance, but the stock to adjust is allocated: approve by hand")
RECOUNT_MATCHES = N_("recount matches the books")
TWO_AGREE = N_("two counts agree: {first} and {second} found {variance}")
WITHIN = N_("within tolerance")
DISAGREE = N_("counts disagree: {first} found {earlier}, {second} found {variance}; one more recount")
BEYOND = N_("beyond tolerance: recount by another operator")

# Longest first: "recount ordered by S1: shelf empty" is the template with a note.
TEMPLATES = sorted((RECOUNT_ORDERED, RECOUNT_ORDERED_NOTE, QUANTITY_SET, BOOKS_KEPT, ALLOCATED, RECOUNT_MATCHES,
                    TWO_AGREE, WITHIN, DISAGREE, BEYOND), key=len, reverse=True)


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.S)


_PATTERNS = [(t, _pattern(t)) for t in TEMPLATES]


def signed(stored: int, item) -> str:
    """A variance as a note says it: `+2`, `-0.005` (the item's decimals, always a sign)."""
    text = format_quantity(stored, item)
    return text if text.startswith("-") else f"+{text}"


def shown_note(note: str | None) -> str:
    """NOTE (stored English) in the language of the reader; a note of no template as it is."""
    if not note:
        return note or ""
    for template, pattern in _PATTERNS:
        found = pattern.match(note)
        if found:
            return _(template).format(**found.groupdict())
    return note
