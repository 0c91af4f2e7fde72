"""Count policy: the tolerance, the [count] settings of config.toml, the default reason code.

Pure data, no store access: every count module reads its rules from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from db.core import defaults
from db.core.quantities import quantity_decimal
from db.counts.variance import variance_value

DEFAULT_REASON = "COUNT"
SCOPES = ("zones", "locations", "items", "abc", "shorts", "random", "request")


@dataclass
class Tolerance:
    """How far a count may be from the books and still be accepted without a recount.

    A limit of 0 is off. A variance is within tolerance when at least one limit is on and the
    variance is within every limit that is on. With all three off, every variance is recounted.
    """
    units: float = defaults.COUNT["tolerance_units"]
    pct: float = defaults.COUNT["tolerance_pct"]
    value: float = defaults.COUNT["tolerance_value"]

    def allows(self, variance: int, expected: int, unit_cost, precision=0) -> bool:
        """VARIANCE and EXPECTED in stored units of an item of PRECISION (its decimals): the
        units limit is in base units (0.5 kg), the value one at the cost per base unit."""
        if variance == 0:
            return True
        if not (self.units or self.pct or self.value):
            return False
        size = abs(variance)
        if self.units and quantity_decimal(size, precision) > Decimal(str(self.units)):
            return False
        if self.pct and (expected <= 0 or size * 100.0 / expected > self.pct):
            return False
        if self.value and float(variance_value(size, unit_cost, precision)) > self.value:
            return False
        return True


@dataclass
class CountSettings:
    """The [count] section of config.toml, as the count rules use it."""
    blind: bool = defaults.COUNT["blind"]
    tolerance: Tolerance = field(default_factory=Tolerance)
    auto_approve: bool = defaults.COUNT["auto_approve"]
    frequency_days: dict[str, int] = field(default_factory=lambda: {
        c: defaults.COUNT[f"frequency_{c.lower()}_days"] for c in "ABC"})

    @classmethod
    def from_config(cls, cfg) -> "CountSettings":
        if cfg is None:
            return cls()
        sec = {**defaults.COUNT, **cfg.section("count")}
        return cls(blind=sec["blind"],
                   tolerance=Tolerance(sec["tolerance_units"], sec["tolerance_pct"], sec["tolerance_value"]),
                   auto_approve=sec["auto_approve"],
                   frequency_days={c: sec[f"frequency_{c.lower()}_days"] for c in "ABC"})
