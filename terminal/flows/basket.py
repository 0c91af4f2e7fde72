"""The basket of a move: items scanned at the source, posted (or journaled, offline) when the
destination is scanned. Transfer and the offline move both gather goods this way, so a wrong
item is caught before anything moves; one line per item and lot, quantities added up.

Quantities are stored units (what the ledger posts); a line keeps its item (or what shown()
needs of it) so the table and the prompts say `12.5 m`, not 125.
"""
from __future__ import annotations

from gettext import gettext as _

from dataclasses import dataclass, field
from typing import Any

from terminal.i18n import N_

from .base import Table
from .quantity import shown, total_text, typed_text


@dataclass
class BasketLine:
    sku: str
    lot: str | None
    qty: int
    name: str = ""
    item: Any = None        # the item (uom, decimals); None: whole units as before


@dataclass
class Basket:
    lines: list[BasketLine] = field(default_factory=list)

    def add(self, sku: str, lot: str | None, qty: int, name: str = "", item=None) -> int:
        """Add QTY of SKU (and LOT); the units of that item and lot now in the basket."""
        for line in self.lines:
            if line.sku == sku and line.lot == lot:
                line.qty += qty
                return line.qty
        self.lines.append(BasketLine(sku, lot, qty, name, item))
        return qty

    def held(self, sku: str, lot: str | None) -> int:
        return sum(line.qty for line in self.lines if line.sku == sku and line.lot == lot)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    def total(self) -> str:
        """What the basket holds, in words: `24 units`, `12.5 m`, or `2 lines` (kg and m)."""
        return total_text((line.qty, line.item) for line in self.lines)

    def shown(self, line: BasketLine):
        return shown(line.qty, line.item) if line.item is not None else line.qty

    def prompt(self, source: str, qty) -> str:
        """What to scan next while gathering goods on SOURCE (QTY: typed for the next scan)."""
        if qty:
            return _("scan the item to move {count} from {source}").format(count=typed_text(str(qty)), source=source)
        if self.lines:
            return _("scan more items, or the destination for {count}").format(count=self.total())
        return _("scan the items to move from {source}").format(source=source)

    def clear(self) -> None:
        self.lines.clear()

    def table(self, names: bool = True) -> Table:
        if names:
            return Table([N_("Moving"), N_("SKU"), N_("Name"), N_("Lot")],
                         [[self.shown(b), b.sku, b.name, b.lot or ""] for b in self.lines])
        return Table([N_("Moving"), N_("SKU"), N_("Lot")], [[self.shown(b), b.sku, b.lot or ""] for b in self.lines])

    def __iter__(self):
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)
