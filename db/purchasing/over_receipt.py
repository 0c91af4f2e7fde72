"""Over-receipt: how much more than ordered a PO line may take.

Up to the tolerance (`[receiving] over_receipt_tolerance_pct`, a percentage of the quantity
ordered, rounded down to whole units) the receipt is taken with a warning; beyond it the receipt
is refused and nothing is posted. Accepted and rejected units both count as arrived.
"""
from __future__ import annotations

from gettext import gettext as _

import math

from db.core import defaults
from db.core.errors import RuleViolation
from db.core.quantities import with_uom

DEFAULT_TOLERANCE_PCT = defaults.RECEIVING["over_receipt_tolerance_pct"]


def check_over_receipt(order, line, arriving: int, tolerance_pct: float) -> list[str]:
    """Warnings for ARRIVING more units on LINE of ORDER; RuleViolation beyond the tolerance."""
    done = line.qty_received + line.qty_rejected
    total = done + arriving
    maximum = math.floor(line.qty_ordered * (1 + tolerance_pct / 100) + 1e-9)
    pct = f"{tolerance_pct:g}%"

    def q(stored: int) -> str:
        return with_uom(stored, line.item)
    if total > maximum:
        raise RuleViolation(_(
            "over-receipt refused on {number} line {line} ({sku}): {ordered} ordered, {done} already received, "
            "at most {maximum} in all with the {pct} tolerance; got {arriving} more").format(
                number=order.number, line=line.line_no, sku=line.item.sku, ordered=q(line.qty_ordered), done=q(done),
                maximum=q(maximum), pct=pct, arriving=q(arriving)))
    if total > line.qty_ordered:
        return [_("over-receipt: {total} of {ordered} ordered (within the {pct} tolerance)").format(
            total=q(total), ordered=q(line.qty_ordered), pct=pct)]
    return []
