"""The basket of a move: goods gathered from one source location before the destination is
scanned, so a wrong item is caught before anything moves. The transfer flow and the offline
move both fill one; one line per SKU and lot, quantities added up, in the order first scanned."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BasketLine:
    sku: str
    lot: str | None
    qty: int
    name: str = ""


class Basket:
    def __init__(self):
        self.lines: list[BasketLine] = []

    def __iter__(self):
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    def holding(self, sku: str, lot: str | None) -> int:
        """Units of SKU (and LOT) in the basket."""
        return sum(line.qty for line in self.lines if line.sku == sku and line.lot == lot)

    def add(self, sku: str, lot: str | None, qty: int, name: str = "") -> None:
        for line in self.lines:
            if line.sku == sku and line.lot == lot:
                line.qty += qty
                return
        self.lines.append(BasketLine(sku, lot, qty, name))

    def clear(self) -> None:
        self.lines = []
