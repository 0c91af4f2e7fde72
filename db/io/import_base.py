"""What every import kind shares: the progress callback, the refusal (ImportFailed), the tally
(ImportResult), code look-ups and chunking.

Its own module (split out of db/io/importer.py) so the per-kind modules (orders_io, stock_io,
units_io, money_io) can import it without importing importer.py, which imports them all to
build its registry: no import cycle whichever module is loaded first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from gettext import gettext as _, ngettext
from typing import Callable, Iterable

from db.core.errors import InvalidInput

Progress = Callable[[str, int, int], None]


def N_(text: str) -> str:
    """Mark TEXT for the catalogue; it is translated where it is used (db/ cannot import terminal/)."""
    return text


CHUNK = 500          # rows per INSERT; well under SQLite's bound-variable limit


class ImportFailed(InvalidInput):
    """The file was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, kind: str, errors: list[str]):
        self.kind = kind
        self.errors = errors
        n = len(errors)
        super().__init__(ngettext("{kind}: {n} error, nothing imported:", "{kind}: {n} errors, nothing imported:",
                                  n).format(kind=kind, n=n) + "\n"
                         + "\n".join(f"  {e}" for e in errors))


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0            # stock rows of a file imported before (same idempotency key)
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [ngettext("{n} row", "{n} rows", self.rows).format(n=self.rows)]
        parts.append(_("{n} created").format(n=self.created))
        if self.kind != "stock":
            parts.append(_("{n} updated").format(n=self.updated))
        if self.skipped:
            parts.append(_("{n} already imported before").format(n=self.skipped))
        return (_("imported {kind}: {parts}").format(kind=self.kind, parts=", ".join(parts))
                + "".join(f"; {d}" for d in self.details))


def code_map(model, field_name: str = "code") -> dict[str, int]:
    fld = getattr(model, field_name)
    return dict(model.select(fld, model.id).tuples())


def chunks(seq: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]

