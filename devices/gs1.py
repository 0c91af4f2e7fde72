"""Small GS1 number helpers shared by decoding and labels (biip does the parsing)."""
from __future__ import annotations

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


# -- variable measure: devices/measure.py (its own subject); re-exported where callers import it
from .measure import MEASURE_AIS, MeasureError, measure_in  # noqa: E402,F401
