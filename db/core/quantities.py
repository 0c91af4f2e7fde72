"""Checking quantities and amounts typed, scanned or imported before they reach the store.

Bounds. Every quantity column is a 32-bit integer on PostgreSQL, so one bound serves both
backends: a quantity, and any balance it makes, lies within ±MAX_QTY. Without it a SQLite
balance past 2^63 silently became a float (and `wh verify` broke) and PostgreSQL refused past
2^31 − 1 with a traceback. Amounts (costs, prices) fit the Money column: 16 digits, 4 after the
point, so below MAX_MONEY.
"""
from __future__ import annotations

from decimal import Decimal

from db.core.errors import InvalidInput

MAX_QTY = 2_147_483_647
MAX_MONEY = Decimal("999999999999.9999")


def whole_quantity(value, name: str = "quantity", *, allow_zero: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(f"{name} must be {'zero or more' if allow_zero else 'positive'}, got {value}")
    if value > MAX_QTY:
        raise InvalidInput(f"{name} must be at most {MAX_QTY}, got {value}")
    return value
