"""Count policy: the tolerance, the [count] settings of config.toml, the default reason code.

Pure data, no store access: every count module reads its rules from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from db.counts.variance import variance_value

DEFAULT_REASON = "COUNT"
SCOPES = ("zones", "locations", "items", "abc", "shorts", "random", "request")


@dataclass
class Tolerance:
    """How far a count may be from the books and still be accepted without a recount.

    A limit of 0 is off. A variance is within tolerance when at least one limit is on and the
    variance is within every limit that is on. With all three off, every variance is recounted.
    """
    units: float = 0
    pct: float = 0.0
    value: float = 0.0

    def allows(self, variance: int, expected: int, unit_cost) -> bool:
        if variance == 0:
            return True
        if not (self.units or self.pct or self.value):
            return False
        size = abs(variance)
        if self.units and size > self.units:
            return False
        if self.pct and (expected <= 0 or size * 100.0 / expected > self.pct):
            return False
        if self.value and float(variance_value(size, unit_cost)) > self.value:
            return False
        return True


@dataclass
class CountSettings:
    """The [count] section of config.toml, as the count rules use it."""
    blind: bool = True
    tolerance: Tolerance = field(default_factory=Tolerance)
    auto_approve: bool = False
    frequency_days: dict[str, int] = field(default_factory=lambda: {"A": 30, "B": 90, "C": 365})

    @classmethod
    def from_config(cls, cfg) -> "CountSettings":
        if cfg is None:
            return cls()
        sec = cfg.section("count")
        return cls(blind=sec.get("blind", True),
                   tolerance=Tolerance(sec.get("tolerance_units", 0), sec.get("tolerance_pct", 0.0),
                                       sec.get("tolerance_value", 0.0)),
                   auto_approve=sec.get("auto_approve", False),
                   frequency_days={"A": sec.get("frequency_a_days", 30),
                                   "B": sec.get("frequency_b_days", 90),
                                   "C": sec.get("frequency_c_days", 365)})
