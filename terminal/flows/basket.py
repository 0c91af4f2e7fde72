"""The basket of a move: items scanned at the source, posted (or journaled, offline) when the
destination is scanned. Transfer and the offline move both gather goods this way, so a wrong
item is caught before anything moves; one line per item and lot, quantities added up.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from db.core.text import plural

from .base import Table


@dataclass
class BasketLine:
    sku: str
    lot: str | None
    qty: int
    name: str = ""


@dataclass
class Basket:
    lines: list[BasketLine] = field(default_factory=list)

    def add(self, sku: str, lot: str | None, qty: int, name: str = "") -> int:
        """Add QTY of SKU (and LOT); the units of that item and lot now in the basket."""
        for line in self.lines:
            if line.sku == sku and line.lot == lot:
                line.qty += qty
                return line.qty
        self.lines.append(BasketLine(sku, lot, qty, name))
        return qty

    def held(self, sku: str, lot: str | None) -> int:
        return sum(line.qty for line in self.lines if line.sku == sku and line.lot == lot)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    def prompt(self, source: str, qty: int | None) -> str:
        """What to scan next while gathering goods on SOURCE (QTY: typed for the next scan)."""
        if qty:
            return f"scan the item to move {plural(qty, 'unit')} from {source}"
        if self.lines:
            return f"scan more items, or the destination for {plural(self.units, 'unit')}"
        return f"scan the items to move from {source}"

    def clear(self) -> None:
        self.lines.clear()

    def table(self, names: bool = True) -> Table:
        if names:
            return Table(["Moving", "SKU", "Name", "Lot"],
                         [[b.qty, b.sku, b.name, b.lot or ""] for b in self.lines])
        return Table(["Moving", "SKU", "Lot"], [[b.qty, b.sku, b.lot or ""] for b in self.lines])

    def __iter__(self):
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)
