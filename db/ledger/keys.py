"""Idempotency keys: the movement a key already posted, and the keys derived from one."""
from __future__ import annotations

from db.core.models import Movement
from db.core.sql import row_by


def earlier_by_key(key: str | None) -> Movement | None:
    if not key:
        return None
    return row_by(Movement, "idempotency_key", key)


def derived_key(key: str | None, suffix: str) -> str | None:
    return f"{key}:{suffix}" if key else None
