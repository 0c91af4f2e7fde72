"""Idempotency keys: the movement a key already posted, the keys derived from one, and the rule
that binds a key to its operation and data.

A key replays what it posted: the same operation with the same data answers with the first
result and posts nothing. The same key given to a different operation, or to the same operation
with different data (another item, quantity, location or document), is a mistake of the caller
(a reused counter, a copied script line): it is refused with a message naming what the key
posted, never answered with another operation's result.
"""
from __future__ import annotations

from db.core.errors import RuleViolation
from db.core.models import Movement
from db.core.sql import row_by
from db.core.quantities import format_quantity as fq


def earlier_by_key(key: str | None) -> Movement | None:
    if not key:
        return None
    return row_by(Movement, "idempotency_key", key)


def derived_key(key: str | None, suffix: str) -> str | None:
    return f"{key}:{suffix}" if key else None


def describe(m: Movement) -> str:
    lot = f" lot {m.lot.code}" if m.lot_id else ""
    doc = f" ({m.document})" if m.document else ""
    return f"a {m.kind} of {fq(m.qty, m.item)} × {m.item.sku}{lot} {m.from_location.code} → {m.to_location.code}{doc}"


def refuse_reuse(key: str, earlier: Movement, doing: str) -> None:
    raise RuleViolation(f"key {key!r} was already used for {describe(earlier)}, movement {earlier.id}; "
                        f"it cannot be reused for {doing}: give a new key")


def check_replay(key: str | None, earlier: list[Movement], doing: str, *, kinds, sku: str | None = None,
                 qty: int | None = None, from_code: str | None = None, to_code: str | None = None,
                 document: str | None = None, lot: str | None = None) -> None:
    """RuleViolation unless the movements KEY posted (EARLIER, in posting order) are the
    operation DOING with this data. Only the data given is compared; None means "any".
    DOCUMENT is an order number: a movement's document "SO-1/2" (order/line) matches "SO-1"."""
    if not key or not earlier:
        return
    first, last = earlier[0], earlier[-1]
    same = (all(m.kind in kinds for m in earlier)
            and (sku is None or first.item.sku == sku)
            and (qty is None or first.qty == qty)
            and (from_code is None or first.from_location.code == from_code)
            and (to_code is None or last.to_location.code == to_code)
            and (document is None or all(m.document.split("/")[0] == document for m in earlier))
            and (lot is None or (first.lot.code if first.lot_id else None) == lot))
    if not same:
        refuse_reuse(key, first, doing)
