"""Lots of an item: finding or creating one under the item's lot and expiry rules."""
from __future__ import annotations

from gettext import gettext as _

import peewee as pw

from db.core.connection import database
from db.core.errors import InvalidInput, RuleViolation
from db.core.models import Balance, Item, Location, Lot
from db.masterdata.lookup import get_lot


def lot_for(item: Item, code: str | None, *, expiry=None, create: bool = False) -> Lot | None:
    """The lot CODE of ITEM (created if asked), checking the item's lot rules."""
    if not code:
        if item.lot_tracked:
            raise InvalidInput(_("{sku} is lot-tracked: a lot is required").format(sku=item.sku))
        return None
    if not item.lot_tracked:
        raise InvalidInput(_("{sku} is not lot-tracked: expected no lot, got lot {code}").format(sku=item.sku, code=code))
    lot = Lot.get_or_none(Lot.item == item.id, Lot.code == code)
    if lot is not None:
        if expiry is not None and lot.expiry is not None and lot.expiry != expiry:
            raise RuleViolation(_("lot {code} of {sku} expires {expiry}, not {given}").format(
                code=code, sku=item.sku, expiry=lot.expiry.isoformat(), given=expiry.isoformat()))
        if expiry is not None and lot.expiry is None:
            lot.expiry = expiry
            lot.save()
        return lot
    if not create:
        return get_lot(item, code)
    if item.expiry_tracked and expiry is None:
        raise InvalidInput(_("{sku} is expiry-tracked: an expiry date is required for new lot {code}").format(
            sku=item.sku, code=code))
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
    held = ", ".join(l.code for l in lots) or _("none")
    raise InvalidInput(_("{sku} is lot-tracked: a lot is required; {code} holds lots {held}").format(
        sku=item.sku, code=loc.code, held=held))
