"""Lots of an item: finding or creating one under the item's lot and expiry rules."""
from __future__ import annotations

import peewee as pw

from db.core.connection import database
from db.core.errors import InvalidInput, RuleViolation
from db.core.models import Balance, Item, Location, Lot
from db.masterdata.lookup import get_lot


def lot_for(item: Item, code: str | None, *, expiry=None, create: bool = False) -> Lot | None:
    """The lot CODE of ITEM (created if asked), checking the item's lot rules."""
    if not code:
        if item.lot_tracked:
            raise InvalidInput(f"{item.sku} is lot-tracked: a lot is required")
        return None
    if not item.lot_tracked:
        raise InvalidInput(f"{item.sku} is not lot-tracked: expected no lot, got lot {code}")
    lot = Lot.get_or_none(Lot.item == item.id, Lot.code == code)
    if lot is not None:
        if expiry is not None and lot.expiry is not None and lot.expiry != expiry:
            raise RuleViolation(f"lot {code} of {item.sku} expires {lot.expiry.isoformat()}, "
                                f"not {expiry.isoformat()}")
        if expiry is not None and lot.expiry is None:
            lot.expiry = expiry
            lot.save()
        return lot
    if not create:
        return get_lot(item, code)
    if item.expiry_tracked and expiry is None:
        raise InvalidInput(f"{item.sku} is expiry-tracked: an expiry date is required for new lot {code}")
    try:
        with database.atomic():   # a savepoint: another station may create the same lot now
            return Lot.create(item=item, code=code, expiry=expiry)
    except pw.IntegrityError:
        return lot_for(item, code, expiry=expiry, create=False)


def lot_at(item: Item, loc: Location, code: str | None) -> Lot | None:
    """The lot CODE of ITEM; with no code, the only lot of a lot-tracked item held at LOC."""
    if code or not item.lot_tracked:
        return lot_for(item, code)
    lots = list(Lot.select().join(Balance, on=(Balance.lot == Lot.id))
                .where(Balance.item == item.id, Balance.location == loc.id, Balance.qty > 0)
                .order_by(Lot.code))
    if len(lots) == 1:
        return lots[0]
    held = ", ".join(l.code for l in lots) or "none"
    raise InvalidInput(f"{item.sku} is lot-tracked: a lot is required; {loc.code} holds lots {held}")
