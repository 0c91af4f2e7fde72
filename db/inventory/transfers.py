"""Moving stock: put-away and transfers within a warehouse and between warehouses."""
from __future__ import annotations

from gettext import gettext as _

import uuid

import peewee as pw

from db.core.connection import retry_conflicts, write_transaction
from db.core.errors import InvalidInput, RuleViolation
from db.ledger.posting import Posting, post
from db.masterdata.lookup import get_item, get_location, get_warehouse
from db.core.models import VIRTUAL_CODES, Balance, Item, Location, Lot, Movement
from db.ledger import locks
from db.ledger.keys import check_replay, derived_key
from db.masterdata.lots import lot_at
from db.masterdata.places import physical
from db.core.quantities import whole_quantity
from db.masterdata.security import get_operator


@retry_conflicts
def move(sku: str, qty: int, from_code: str, to_code: str, *, lot: str | None = None,
         operator: str, station: str = "", key: str | None = None, document: str = "",
         kind: str = "move") -> list[Movement]:
    """Move QTY of SKU. Within a warehouse: one movement of KIND. Between warehouses: two
    movements through @TRANSIT (kind "transfer") in one transaction, with one "TR-…" document.

    A lot-tracked item with no lot given takes the only lot at FROM, if there is just one.
    """
    doing = _("a move of {qty} × {sku} {source} → {dest}").format(qty=qty, sku=sku, source=from_code, dest=to_code)
    if key:
        earlier = _earlier(key)
        if earlier:
            return _replay(key, earlier, doing, sku, qty, from_code, to_code, kind)
    get_operator(operator)
    whole_quantity(qty)
    item = get_item(sku)
    src = physical(get_location(from_code), _("a move"))
    dst = physical(get_location(to_code), _("a move"))
    if src.id == dst.id:
        raise InvalidInput(_("a move needs two different locations, got {code} twice").format(code=src.code))
    if kind == "putaway":
        same_warehouse(src, dst, _("put-away"))
    the_lot = lot_at(item, src, lot)
    with write_transaction():
        if key:
            earlier = _earlier(key)
            if earlier:
                return _replay(key, earlier, doing, sku, qty, from_code, to_code, kind)
        return _move_locked(item, the_lot, qty, src, dst, operator=operator, station=station,
                            key=key, document=document, kind=kind)


def same_warehouse(src: Location, dst: Location, what: str) -> None:
    """Refuse WHAT (already translated) from SRC to a location of another warehouse: only a
    transfer crosses."""
    if src.warehouse_id != dst.warehouse_id:
        here = src.warehouse.code if src.warehouse_id else _("none")
        there = dst.warehouse.code if dst.warehouse_id else _("none")
        raise RuleViolation(_("{what} stays in warehouse {here}: {code} is in {there}; "
                              "moving stock between warehouses is the Transfer job").format(
            what=what, here=here, code=dst.code, there=there))


def _move_locked(item, the_lot, qty, src, dst, *, operator, station, key, document, kind):
    if src.warehouse_id == dst.warehouse_id:
        return [post(Posting(item=item, qty=qty, from_location=src, to_location=dst, kind=kind,
                             operator=operator, station=station, lot=the_lot, key=key,
                             document=document))]
    transit = Location.get(Location.code == VIRTUAL_CODES["transit"])
    document = document or f"TR-{uuid.uuid4().hex[:8].upper()}"
    out = post(Posting(item=item, qty=qty, from_location=src, to_location=transit, kind="transfer",
                       operator=operator, station=station, lot=the_lot, key=derived_key(key, "out"),
                       document=document))
    arrive = post(Posting(item=item, qty=qty, from_location=transit, to_location=dst, kind="transfer",
                          operator=operator, station=station, lot=the_lot, key=derived_key(key, "in"),
                          document=document))
    return [out, arrive]


def _replay(key, earlier, doing, sku, qty, from_code, to_code, kind) -> list[Movement]:
    check_replay(key, earlier, doing, kinds={kind, "transfer"}, sku=sku, qty=qty, from_code=from_code,
                 to_code=to_code)
    return earlier


def _earlier(key: str) -> list[Movement]:
    """The movements a move with KEY posted: KEY itself, or KEY:out and KEY:in through transit.
    Exact keys only, so the unique index on the key finds them: a prefix match (`startswith`,
    ILIKE on PostgreSQL) read the whole ledger, twice for every move (bench/soak.py)."""
    return list(Movement.select().where(
        Movement.idempotency_key.in_([key, f"{key}:out", f"{key}:in"])).order_by(Movement.id))


def _earlier_all(key: str, src: Location) -> list[Movement]:
    """The movements a move_all with KEY from SRC posted: KEY:all:<sku>:<lot> for each item and
    lot, or its :out and :in legs through transit. The direct moves and the :out legs all leave
    SRC, so the source location's index finds them (a prefix match on the key alone read the
    whole ledger); the :in legs then follow by their exact keys."""
    prefix = f"{key}:all:"
    left = list(Movement.select().where(Movement.from_location == src.id,
                                        Movement.idempotency_key.startswith(prefix)))
    legs = [m.idempotency_key[:-len(":out")] + ":in" for m in left if m.idempotency_key.endswith(":out")]
    arrived = list(Movement.select().where(Movement.idempotency_key.in_(legs))) if legs else []
    return sorted(left + arrived, key=lambda m: m.id)


@retry_conflicts
def move_all(from_code: str, to_code: str, *, operator: str, station: str = "",
             key: str | None = None) -> list[Movement]:
    """Move the whole free content of a location (units allocated to orders stay)."""
    src = physical(get_location(from_code), _("a move"))
    if key:
        earlier = _earlier_all(key, src)
        if earlier:
            return earlier
    get_operator(operator)
    dst = physical(get_location(to_code), _("a move"))
    if src.id == dst.id:
        raise InvalidInput(_("a move needs two different locations, got {code} twice").format(code=src.code))
    with write_transaction():
        if key:
            earlier = _earlier_all(key, src)
            if earlier:
                return earlier
        # Every item held there, at once, before any of their balances (db/ledger/locks.py);
        # then what is free of them, read under those locks.
        # (An item first put there meanwhile stays for the next move: it was not locked.)
        held = {i for (i,) in Balance.select(Balance.item).where(Balance.location == src.id).distinct().tuples()}
        locks.lock_items(held)
        rows = [b for b in Balance.select(Balance, Item, Lot).join(Item)
                .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
                .where(Balance.location == src.id, Balance.qty - Balance.allocated > 0)
                .order_by(Item.sku, Balance.lot) if b.item_id in held]
        if not rows:
            raise RuleViolation(_("location {code} holds no free stock to move").format(code=src.code))
        document = f"TR-{uuid.uuid4().hex[:8].upper()}" if src.warehouse_id != dst.warehouse_id else ""
        moved: list[Movement] = []
        for b in rows:
            lot_code = b.lot.code if b.lot_id else "-"
            moved += _move_locked(b.item, b.lot if b.lot_id else None, b.qty - b.allocated, src, dst,
                                  operator=operator, station=station,
                                  key=derived_key(key, f"all:{b.item.sku}:{lot_code}"),
                                  document=document, kind="move")
        return moved


def suggest_putaway(sku: str, warehouse: str) -> Location | None:
    """Where to put SKU away: a storage location already holding it (most stock first), else an
    empty storage location in the zone where the item mostly went before, else any empty one."""
    item = get_item(sku)
    wh = get_warehouse(warehouse)
    storage = (Location.warehouse == wh.id) & (Location.kind == "storage") & (Location.active == True)  # noqa: E712
    holding = (Location.select().join(Balance, on=(Balance.location == Location.id))
               .where(storage, Balance.item == item.id)
               .group_by(Location.id).having(pw.fn.SUM(Balance.qty) > 0)
               .order_by(pw.fn.SUM(Balance.qty).desc(), Location.pick_sequence, Location.code).first())
    if holding is not None:
        return holding
    occupied = Balance.select(Balance.location).where(Balance.qty != 0)
    empty = Location.select().where(storage, Location.id.not_in(occupied)).order_by(
        Location.pick_sequence, Location.code)
    zone = (Location.select(Location.zone).join(Movement, on=(Movement.to_location == Location.id))
            .where(storage, Movement.item == item.id)
            .group_by(Location.zone).order_by(pw.fn.SUM(Movement.qty).desc(), Location.zone).scalar())
    if zone is not None:
        in_zone = empty.where(Location.zone == zone).first()
        if in_zone is not None:
            return in_zone
    return empty.first()
