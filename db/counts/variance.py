"""What a count variance is worth: units × unit cost, exact Decimal, never rounded here.

An open variance is valued at the item's moving-average cost now; a posted one at the cost
recorded on its movement (the average when it was posted), falling back to the item's when the
movement recorded none. Tolerance, the reconciliation list and the counts report all value
variances through these two functions."""
from __future__ import annotations

from decimal import Decimal


def variance_value(units: int, unit_cost) -> Decimal:
    """UNITS (signed: + found, - lost) at UNIT_COST (None counts as 0)."""
    return Decimal(unit_cost or 0) * units


def posted_value(movement, units: int) -> Decimal:
    """The value of UNITS of a posted count MOVEMENT, at the cost it recorded."""
    cost = movement.unit_cost if movement.unit_cost is not None else movement.item.unit_cost
    return variance_value(units, cost)
