"""Idempotency keys: the movement a key already posted, the keys derived from one, and the rule
that binds a key to its operation and data.

A key replays what it posted: the same operation with the same data answers with the first
result and posts nothing. The same key given to a different operation, or to the same operation
with different data (another item, quantity, location or document), is a mistake of the caller
(a reused counter, a copied script line): it is refused with a message naming what the key
posted, never answered with another operation's result.
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.errors import RuleViolation
from db.core.models import Movement
from db.core.sql import row_by
from db.core.quantities import format_quantity as fq


def N_(text: str) -> str:
    """Mark TEXT for the catalogue; it is translated where it is shown."""
    return text


# The kinds of movement, as a message names them ("a receipt of 5 × SKU-1 …"); the stored kind
# stays this English word.
KIND_WORDS = {
    "receipt": N_("receipt"), "reject": N_("reject"), "putaway": N_("putaway"), "pick": N_("pick"),
    "ship": N_("ship"), "move": N_("move"), "adjust": N_("adjust"), "count": N_("count"),
    "opening": N_("opening"), "transfer": N_("transfer"), "undo": N_("undo"), "rtv": N_("rtv"),
    "rma": N_("rma"), "restock": N_("restock"), "scrap": N_("scrap"), "quarantine": N_("quarantine"),
    "short": N_("short"),
}


def kind_word(kind: str) -> str:
    """KIND (a movement's kind) in the chosen language."""
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def earlier_by_key(key: str | None) -> Movement | None:
    if not key:
        return None
    return row_by(Movement, "idempotency_key", key)


def derived_key(key: str | None, suffix: str) -> str | None:
    return f"{key}:{suffix}" if key else None


def describe(m: Movement) -> str:
    lot = _(" lot {lot}").format(lot=m.lot.code) if m.lot_id else ""
    doc = _(" ({document})").format(document=m.document) if m.document else ""
    return _("a {kind} of {qty} × {sku}{lot} {source} → {dest}{doc}").format(
        kind=kind_word(m.kind), qty=fq(m.qty, m.item), sku=m.item.sku, lot=lot, source=m.from_location.code,
        dest=m.to_location.code, doc=doc)


def refuse_reuse(key: str, earlier: Movement, doing: str) -> None:
    """RuleViolation: KEY posted EARLIER; DOING (the operation refused, already translated)."""
    raise RuleViolation(_("key {key!r} was already used for {earlier}, movement {id}; "
                          "it cannot be reused for {doing}: give a new key").format(
                              key=key, earlier=describe(earlier), id=earlier.id, doing=doing))


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
