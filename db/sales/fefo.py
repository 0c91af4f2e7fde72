"""First expiry, first out: the order picks take lots in, and the check that refuses a later lot.

Lots with no expiry come last; among equal expiries, the walking order (pick sequence, then
location code). Allocation at claim time, the pick list and the pick itself all use this order.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt

from db.core.errors import RuleViolation
from db.core.models import Balance, Item, Location, Lot
from db.inventory.expiry import today_text


def fefo_key(lot: Lot | None, location: Location) -> tuple:
    """Sort key of stock of LOT at LOCATION: earliest expiry first, then walking order."""
    expiry = lot.expiry if lot is not None and lot.expiry else dt.date.max
    return (expiry, location.pick_sequence, location.code)


def check_fefo(item: Item, chosen: Lot, src: Location, promised: dict[tuple[int, int], int]) -> None:
    """Refuse CHOSEN while an earlier-expiring lot of ITEM, not expired yet, is free in a storage
    location of SRC's warehouse. PROMISED: (location id, lot id) -> units already allocated to
    the line being picked (those are free for it)."""
    rows = (Balance.select(Balance, Location, Lot).join(Location).switch(Balance).join(Lot)
            .where(Balance.item == item.id, Location.kind == "storage", Location.active == True,  # noqa: E712
                   Location.warehouse == src.warehouse_id, Balance.qty > 0,
                   Lot.expiry < chosen.expiry, Lot.expiry >= today_text())
            .order_by(Lot.expiry, Location.pick_sequence, Location.code))
    for b in rows:
        if b.qty - b.allocated + promised.get((b.location_id, b.lot_id), 0) > 0:
            raise RuleViolation(_(
                "FEFO: pick lot {lot} (expires {expiry}) before lot {chosen} (expires {chosen_expiry}); "
                "lot {lot} is at {code}").format(lot=b.lot.code, expiry=b.lot.expiry.isoformat(), chosen=chosen.code,
                                                  chosen_expiry=chosen.expiry.isoformat(), code=b.location.code))
