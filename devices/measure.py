"""Variable measure: a scanned weight, length, area or volume as the item keeps it.

GS1 (310n) kg, (311n) m, (314n) m², (315n) l and (320n) lb carry a measure; an item sold by
measure (decimals > 0) keeps its quantity as integers of 10^-decimals of its base unit. Here:
the units each dimension knows, the conversion (`measure_in`, `MeasureError`) and how a decoded
scan's quantity follows from its measure (`_against_item`).

Its own module, split out of devices/gs1.py (number helpers) and devices/decode.py (what a scan
means), because the measure rules are one subject of their own; both still import it
(gs1 re-exports MEASURE_AIS, MeasureError and measure_in where callers import them).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from gettext import gettext as _
from typing import TYPE_CHECKING

if TYPE_CHECKING:       # annotations only: decode imports this module
    from .decode import Decoded, Resolver

# The measure AIs the store reads (the last digit n is the decimals), and the unit each is in.
MEASURE_AIS = {"310": "kg", "311": "m", "314": "m2", "315": "l", "320": "lb"}

# Units by what they measure, each in that dimension's first unit, exactly (1 lb is 0.45359237 kg
# by definition). An item's uom is matched in any case; only units of one dimension convert.
_UNITS = {
    "mass": {"kg": Decimal(1), "公斤": Decimal(1), "千克": Decimal(1), "g": Decimal("0.001"), "克": Decimal("0.001"),
             "t": Decimal(1000), "吨": Decimal(1000), "lb": Decimal("0.45359237")},
    "length": {"m": Decimal(1), "米": Decimal(1), "cm": Decimal("0.01"), "厘米": Decimal("0.01"),
               "mm": Decimal("0.001"), "毫米": Decimal("0.001"), "km": Decimal(1000)},
    "area": {"m2": Decimal(1), "m²": Decimal(1), "sqm": Decimal(1), "平方米": Decimal(1)},
    "volume": {"l": Decimal(1), "升": Decimal(1), "ml": Decimal("0.001"), "毫升": Decimal("0.001"),
               "m3": Decimal(1000), "m³": Decimal(1000)},
}


def N_(text: str) -> str:
    """Marks TEXT for the catalogue; translated where it is used."""
    return text


_WORDS = {"mass": N_("a weight"), "length": N_("a length"), "area": N_("an area"), "volume": N_("a volume")}


def _dimension(unit: str) -> tuple[str, Decimal] | None:
    name = (unit or "").strip().lower()
    for dimension, units in _UNITS.items():
        if name in units:
            return dimension, units[name]
    return None


class MeasureError(ValueError):
    """A measure that cannot be read in the item's unit: the one sentence says why."""


def measure_in(value: Decimal, unit: str, target: str, decimals: int, what: str = "the item"
               ) -> tuple[int, Decimal | None]:
    """VALUE UNIT as an integer of 10^-DECIMALS TARGET units (the stored quantity), and the
    exact converted value when it had to be rounded (None when exact).

    The same unit is never rounded: more decimals than the item allows is an error. A
    conversion (lb → kg) is rounded half-up to the item's precision, and the caller says so.
    """
    step = Decimal(1).scaleb(-decimals)
    have, want = _dimension(unit), _dimension(target)
    same = unit.strip().lower() == (target or "").strip().lower() or (have is not None and have == want)
    if same:
        if value != value.quantize(step):
            raise MeasureError(_("the measure {value} {unit} of {what} is more precise than it allows "
                                 "(up to {decimals} decimals in {target})").format(
                value=value, unit=unit, what=what, decimals=decimals, target=target))
        return int(value.scaleb(decimals)), None
    if have is None or want is None or have[0] != want[0]:
        kind = _(_WORDS.get(have[0], N_("a measure")) if have else N_("a measure"))
        raise MeasureError(_("the scan measures {value} {unit}, {kind}, but {what} is kept in {target}: "
                             "it cannot be converted").format(value=value, unit=unit, kind=kind, what=what,
                                                              target=target or _("units")))
    exact = value * have[1] / want[1]
    rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
    return int(rounded.scaleb(decimals)), (exact if rounded != exact else None)


def _against_item(d: Decoded, resolver: Resolver) -> None:
    """The measure as the item keeps it: only an item with decimals is sold by measure."""
    item_measure = getattr(resolver, "item_measure", None)
    found = item_measure(d.sku) if item_measure is not None else None
    if not found or not found[0]:
        return
    decimals, uom = found
    if d.measure is not None and d.measure_unit != "count":
        try:
            stored, exact = measure_in(d.measure, d.measure_unit, uom, decimals, d.sku)
        except MeasureError as exc:
            d.error, d.qty = str(exc), None
            return
        if exact is not None:
            shown = Decimal(stored).scaleb(-decimals)
            d.warnings.append(_("{measure} {unit} is {exact} {uom}, rounded half-up to {shown} {uom} "
                                "({decimals} decimals)").format(measure=d.measure, unit=d.measure_unit,
                                                                exact=exact.normalize(), uom=uom, shown=shown,
                                                                decimals=decimals))
        d.qty = stored
    elif d.count is None and (d.pack_qty or 1) <= 10 ** decimals:
        # Its own barcode (pack 1 stored unit, or one base unit as a barcodes file says it; a
        # named unit is never one base unit) without a measure: the quantity is not in the
        # scan. A unit's barcode (a roll of 500) counts its factor.
        d.measure_needed, d.qty = True, None
