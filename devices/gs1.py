"""Small GS1 number helpers shared by decoding and labels (biip does the parsing)."""
from __future__ import annotations


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
        return f"{what} {number!r} must be digits only"
    expected = check_digit(number[:-1])
    if int(number[-1]) != expected:
        return f"wrong check digit in {what} {number}: expected {expected}, got {number[-1]}"
    return None


def gtin14(code: str) -> str:
    """EAN-8, UPC-A (12), EAN-13 and GTIN-14 as the 14-digit GTIN they all are."""
    return code.zfill(14)


def gtin_variants(code: str) -> list[str]:
    """The forms one GTIN is written in: the 14-digit form and the short forms left after
    dropping leading zeros (GTIN-13, UPC-A/GTIN-12, EAN-8). Used to match stored barcodes."""
    if not code.isdecimal() or len(code) not in (8, 12, 13, 14):
        return [code]
    full = gtin14(code)
    forms = [full]
    for n in (13, 12, 8):
        if full[: 14 - n].strip("0") == "":
            forms.append(full[14 - n:])
    return forms


def with_check_digit(payload: str) -> str:
    return payload + str(check_digit(payload))
