"""Checking quantities typed, scanned or imported before they reach the ledger."""
from __future__ import annotations

from db.core.errors import InvalidInput


def whole_quantity(value, name: str = "quantity", *, allow_zero: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(f"{name} must be {'zero or more' if allow_zero else 'positive'}, got {value}")
    return value
