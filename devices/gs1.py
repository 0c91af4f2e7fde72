"""Small GS1 number helpers shared by decoding and labels (biip does the parsing)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from gettext import gettext as _


def check_digit(payload: str) -> int:
    """GS1 mod-10 check digit of PAYLOAD (the digits before the check digit): weights 3,1,3,1…
    from the right."""
    if not payload.isdecimal():
        raise ValueError(f"a GS1 number has only digits, got {payload!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def check_digit_error(number: str, what: str = "GTIN") -> str | None:
    """None when NUMBER's last digit is right, else a sentence naming the expected digit."""
    if not number.isdecimal() or len(number) < 2:
        return _("{what} {number!r} must be digits only").format(what=what, number=number)
    expected = check_digit(number[:-1])
    if int(number[-1]) != expected:
        return _("wrong check digit in {what} {number}: expected {expected}, got {digit}").format(
            what=what, number=number, expected=expected, digit=number[-1])
    return None


def is_gtin(code: str | None) -> bool:
    """EAN-8, UPC-A (12), EAN-13 or GTIN-14 by its shape (digits, length); the check digit aside."""
    return bool(code) and code.isdigit() and len(code) in (8, 12, 13, 14)


def gtin14(code: str) -> str:
    """EAN-8, UPC-A (12), EAN-13 and GTIN-14 as the 14-digit GTIN they all are."""
    return code.zfill(14)


def gtin_forms(code: str) -> list[str]:
    """The same GTIN written as EAN-13/UPC-A/EAN-8 and as GTIN-14 (zero-padded), CODE first:
    stored barcodes are matched in whichever form they were entered."""
    forms = [code]
    if code.isdigit():
        stripped = code.lstrip("0")
        if len(code) == 14:
            for width in (13, 12, 8):
                if len(stripped) <= width:
                    forms.append(stripped.zfill(width))
        elif len(code) in (8, 12, 13):
            forms.append(code.zfill(14))
            for width in (13, 12, 8):
                if width != len(code) and len(stripped) <= width:
                    forms.append(stripped.zfill(width))
    return list(dict.fromkeys(forms))


# -- variable measure (GS1 General Specifications 3.6.2: 310n-369n) ---------------------------

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
