"""What a count variance is worth: units × unit cost, exact Decimal, never rounded here.

Units are stored units (integers of the item's smallest unit) and costs are per BASE unit, so
the value goes through the one scaling, db.core.quantities.stock_value: a variance of -0.333
kg (stored -333, 3 decimals) at 21.50/kg is worth -7.1595. An open variance is valued at the
item's moving-average cost now; a posted one at the cost recorded on its movement (the average
when it was posted), falling back to the item's when the movement recorded none. Tolerance,
the reconciliation list and the counts report all value variances through these two
functions."""
from __future__ import annotations

from decimal import Decimal

from db.core.quantities import stock_value


def variance_value(units: int, unit_cost, precision) -> Decimal:
    """UNITS stored units (signed: + found, - lost) at UNIT_COST per base unit (None counts as
    0); PRECISION is the item (or its decimals)."""
    return stock_value(units, precision, Decimal(unit_cost or 0))


def posted_value(movement, units: int) -> Decimal:
    """The value of UNITS of a posted count MOVEMENT, at the cost it recorded."""
    cost = movement.unit_cost if movement.unit_cost is not None else movement.item.unit_cost
    return variance_value(units, cost, movement.item)
