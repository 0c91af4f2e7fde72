"""Small helpers the domain operations share: row locks, idempotency look-ups, argument checks."""
from __future__ import annotations

import peewee as pw

from .connection import database
from .errors import InvalidInput, NotFound, RuleViolation
from .lookup import default_warehouse, get_lot, get_warehouse
from .rows import row_by
from .models import Balance, Item, Location, Lot, Movement, Station, Warehouse


def locked(model, row_id):
    """Re-read a row inside the current transaction, locked on PostgreSQL (SELECT … FOR NO
    KEY UPDATE). On SQLite the IMMEDIATE write transaction already serialises writers.

    NO KEY UPDATE, not UPDATE: every movement inserted references its item, PO line or SO line,
    and PostgreSQL's foreign-key check takes a KEY SHARE lock on that row. FOR UPDATE conflicts
    with KEY SHARE, so a receipt holding its item locked while waiting for a balance deadlocked
    with a pick holding that balance while inserting its movement (bench: 16 stations on hot
    items). FOR NO KEY UPDATE still serialises writers of the row but lets references through.
    """
    row = row_by(model, "id", row_id, lock=True)
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {row_id} does not exist")
    return row


def earlier_by_key(key: str | None) -> Movement | None:
    if not key:
        return None
    return row_by(Movement, "idempotency_key", key)


def derived_key(key: str | None, suffix: str) -> str | None:
    return f"{key}:{suffix}" if key else None


def whole_quantity(value, name: str = "quantity", *, allow_zero: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(f"{name} must be {'zero or more' if allow_zero else 'positive'}, got {value}")
    return value


def physical(loc: Location, purpose: str) -> Location:
    if not loc.is_physical:
        raise RuleViolation(f"{purpose} needs a physical location: {loc.code} is a virtual {loc.kind} location")
    if not loc.active:
        raise RuleViolation(f"location {loc.code} is inactive")
    return loc


def station_warehouse(station: str = "", warehouse: str | None = None) -> Warehouse:
    """The named warehouse, else the station's, else the only/first one."""
    if warehouse:
        return get_warehouse(warehouse)
    if station:
        row = row_by(Station, "code", station)
        if row is not None and row.warehouse_id:
            wh = row_by(Warehouse, "id", row.warehouse_id)
            if wh is not None:
                return wh
    return default_warehouse()


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


def backorder_number(model, original) -> str:
    """`<root>-BO1`, `-BO2`… counted over every backorder of the root document."""
    root = original
    while root.backorder_of_id is not None:
        root = root.backorder_of
    taken = {r.number for r in model.select(model.number).where(model.number.startswith(f"{root.number}-BO"))}
    n = 1
    while f"{root.number}-BO{n}" in taken:
        n += 1
    return f"{root.number}-BO{n}"


def require(obj, message: str):
    if obj is None:
        raise NotFound(message)
    return obj


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
