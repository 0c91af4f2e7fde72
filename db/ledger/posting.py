"""The stock ledger: the one function that changes stock, its undo, and the check that the
cached balances equal the ledger.

Rules (docs/architecture.md): movements are immutable; every unit is always somewhere (virtual
locations are the other side of each entry); a physical location never goes negative; a
posting with an idempotency key posts at most once; every movement says who, where and when.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import peewee as pw

from db.core.connection import database, is_postgres, write_transaction
from db.core.errors import InsufficientStock, InvalidInput, NotFound, RuleViolation
from db.core.models import PHYSICAL_KINDS, Balance, Item, Location, Lot, Movement, utcnow
from db.core.quantities import MAX_QTY, is_whole
from db.core.sql import dialect, execute, table
from db.ledger import costing, locks
from db.ledger.roles import KIND_ROLES, check_kind
from db.core.quantities import format_quantity as fq


@dataclass
class Posting:
    """What to post. Built by domain operations; `post` validates and writes it."""
    item: Item
    qty: int
    from_location: Location
    to_location: Location
    kind: str
    operator: str
    station: str = ""
    lot: Lot | None = None
    key: str | None = None
    po_line: object | None = None
    so_line: object | None = None
    count_line: int | None = None
    document: str = ""
    reason: str = ""
    unit_cost: Decimal | None = None
    reverses: Movement | None = None
    # Units of the source balance promised to this very document; they may be taken.
    release_allocation: int = 0
    # When it happened; None means now. Only demo data, imports of history and benchmarks
    # back-date postings: a station always posts "now".
    at: dt.datetime | None = None
    # The caller looked KEY up inside its own transaction just now (a receipt does, under the
    # item's lock): the ledger does not look it up again. A key posted since is still caught.
    key_checked: bool = False
    # The item's costing, read by the caller under the item's lock in this transaction (a
    # receipt does, in the same round trip as its lock): the ledger does not read it again.
    item_state: costing.ItemState | None = None


def post(p: Posting) -> Movement:
    """Write one movement and update both balances in one transaction.

    Returns the movement. If the key was posted before, returns that first movement and
    changes nothing.
    """
    if not is_whole(p.qty) or p.qty <= 0 or p.qty > MAX_QTY:
        raise InvalidInput(_("a movement needs a positive whole quantity of at most {maximum}, got {qty!r}").format(
            maximum=MAX_QTY, qty=p.qty))
    if p.from_location.id == p.to_location.id:
        raise InvalidInput(_("a movement needs two different locations, got {code} twice").format(
            code=p.from_location.code))
    for loc in (p.from_location, p.to_location):
        if not loc.active:
            raise RuleViolation(_("location {code} is inactive").format(code=loc.code))
    if p.lot is not None and p.lot.item_id != p.item.id:
        raise InvalidInput(_("lot {lot} belongs to another item, not {sku}").format(lot=p.lot.code, sku=p.item.sku))
    if p.lot is None and p.item.lot_tracked and p.kind != "undo":
        raise InvalidInput(_("{sku} is lot-tracked: a lot is required").format(sku=p.item.sku))
    if p.kind in KIND_ROLES:
        check_kind(p.kind, p.operator, p.station)

    if is_postgres():
        return _post_pg(p)
    return _post_sqlite(p)


def _post_sqlite(p: Posting) -> Movement:
    # The key is not looked up first: a replay is caught by the unique key (or by the stock
    # it took being gone) and answered with the first movement. One statement fewer for
    # every posting that is not a replay, which is nearly all of them (bench/RESULTS.md).
    db = database.obj     # once: every attribute read through the proxy costs a call
    try:
        if db.in_transaction():
            # Inside the caller's transaction no savepoint is needed: SQLite undoes a failed
            # statement alone, and the posting writes nothing before its last check.
            return _write_sqlite(p, db)
        with db.atomic("IMMEDIATE"):
            return _write_sqlite(p, db)
    except (pw.IntegrityError, InsufficientStock) as exc:
        if p.key:
            earlier = _earlier(p.key, p)
            if earlier is not None:
                return earlier
        if isinstance(exc, pw.IntegrityError) and p.reverses is not None:
            raise RuleViolation(_("movement {id} was already undone").format(id=p.reverses.id)) from None
        raise


def _write_sqlite(p: Posting, db: pw.SqliteDatabase) -> Movement:
    """The posting's statements straight on the connection: this is the ledger's hot path, and
    peewee's layers cost more than the statements (bench/RESULTS.md). BEGIN
    IMMEDIATE holds the one write lock of the whole store, so, unlike on PostgreSQL, the order
    of the two balance look-ups cannot deadlock."""
    conn = db.connection()
    item, lot, source_loc, target_loc = p.item, p.lot, p.from_location, p.to_location
    lot_id = lot.id if lot is not None else None
    with _WRAP_ERRORS:     # sqlite3's errors as peewee's, as everywhere else
        if lot is None:
            source = conn.execute(_BALANCE_NO_LOT, (item.id, source_loc.id)).fetchone()
            target = conn.execute(_BALANCE_NO_LOT, (item.id, target_loc.id)).fetchone()
        else:
            source = conn.execute(_BALANCE_LOT, (item.id, source_loc.id, lot_id)).fetchone()
            target = conn.execute(_BALANCE_LOT, (item.id, target_loc.id, lot_id)).fetchone()
    source = _BalanceRow(*source) if source else _balance_for_update(item, source_loc, lot)
    target = _BalanceRow(*target) if target else _balance_for_update(item, target_loc, lot)
    sign = costing.direction(source_loc, target_loc)
    state = (p.item_state or costing.read_state(item.id)) if sign else None
    _check_stock(p, source, target)
    new_state = _cost(p, sign, state)
    now = p.at or utcnow()
    stamp = now.isoformat(" ")     # as sqlite3 stores a datetime, and peewee reads it back
    params = _insert_params(p, stamp)
    with _WRAP_ERRORS:
        movement_id = conn.execute(_INSERT, params).lastrowid
        conn.execute(_TAKE, (p.qty, min(p.release_allocation, source.allocated), stamp, source.id))
        conn.execute(_PUT, (p.qty, stamp, target.id))
    _record_cost(p, new_state)
    return _movement(p, params, now, movement_id)


def _cost(p: Posting, sign: int, state: costing.ItemState | None) -> costing.ItemState | None:
    """For a posting entering (SIGN +1) or leaving (-1) usable stock: the cost it carries
    (set on P) and the item's costing after it (db/ledger/costing.py). Computed only, so a
    posting that fails after this writes nothing."""
    if not sign:
        return None
    decimals = p.item.decimals     # on the item the posting holds: no statement
    p.unit_cost = costing.unit_cost_for(p.kind, sign, p.unit_cost, state, decimals)
    return costing.after(state, sign, p.qty, p.unit_cost, decimals)


def _record_cost(p: Posting, new_state: costing.ItemState | None) -> None:
    """Once the movement is in: the item's new average and value, in the store and on P.item."""
    if new_state is None:
        return
    costing.record(p.item.id, new_state)
    p.item.__data__["unit_cost"] = new_state.average     # not dirty: the store has it
    p.item.__data__["stock_value"] = new_state.value


def _insert_params(p: Posting, created_at) -> tuple:
    """The INSERT's parameters, in the order of `_INSERT_NAMES`."""
    return (p.item.id, _id(p.lot), p.from_location.id, p.to_location.id, p.qty, p.kind, p.operator,
            p.station, created_at, p.key, _id(p.reverses), _id(p.po_line), _id(p.so_line), p.count_line,
            p.document, p.reason, None if p.unit_cost is None else _COST(p.unit_cost))


def _movement(p: Posting, params: tuple, now: dt.datetime, movement_id: int) -> Movement:
    """The clean instance `Movement(**fields)` with its id would be, built without setting each
    field through its descriptor (that cost as much as a statement)."""
    data = dict(zip(_INSERT_NAMES, params))
    data["id"] = movement_id
    data["created_at"] = now
    data["unit_cost"] = p.unit_cost
    rel = {"item": p.item, "from_location": p.from_location, "to_location": p.to_location}
    for name, value in (("lot", p.lot), ("reverses", p.reverses), ("po_line", p.po_line),
                        ("so_line", p.so_line)):
        if isinstance(value, pw.Model):
            rel[name] = value
    movement = Movement.__new__(Movement)
    movement.__data__ = data
    movement.__rel__ = rel
    movement._dirty = set()
    return movement


def _id(value):
    """A related row's id, whether given the row or its id."""
    return value.id if isinstance(value, pw.Model) else value


def _post_pg(p: Posting) -> Movement:
    # The key is looked up by the statement that locks the balances (one round trip less).
    # Inside a caller's transaction no savepoint is needed: a key posted meanwhile inserts
    # nothing there (ON CONFLICT) instead of failing. An undo keeps it for its unique
    # `reverses`.
    bare = p.reverses is None and database.in_transaction()
    try:
        if bare:
            return _post_locked(p)
        with write_transaction():
            return _post_locked(p)
    except pw.IntegrityError:
        if bare:
            raise     # the caller's transaction is aborted: nothing more can be read in it
        # Another station (or a retry) posted the same key between our check and our insert.
        if p.key:
            earlier = _earlier(p.key, p)
            if earlier is not None:
                return earlier
        if p.reverses is not None:
            raise RuleViolation(_("movement {id} was already undone").format(id=p.reverses.id)) from None
        raise


def _post_locked(p: Posting) -> Movement:
    """PostgreSQL: lock the item (db/ledger/locks.py: its balances are only locked under it)
    and both balance rows, check, then the movement and both balances in one statement."""
    look_up = p.key if p.key and not p.key_checked else None
    # The item's lock comes before the balances', as a receipt takes them (no deadlock).
    sign = costing.direction(p.from_location, p.to_location)
    state = (p.item_state or costing.read_state(p.item.id)) if sign else None
    rows, earlier_id = _both_balances_pg(p, look_up)
    if earlier_id is not None:
        return _replayed(p, Movement.get_by_id(earlier_id))
    if rows is None and look_up:
        earlier = _earlier(look_up, p)
        if earlier is not None:
            return earlier
    if rows is None:
        # Under the item's lock no other transaction waits for these rows; location order
        # all the same.
        ends = sorted([("from", p.from_location), ("to", p.to_location)], key=lambda e: e[1].id)
        rows = {side: _balance_for_update(p.item, loc, p.lot) for side, loc in ends}
    source = rows["from"]
    _check_stock(p, source, rows["to"])
    new_state = _cost(p, sign, state)
    now = p.at or utcnow()
    released = min(p.release_allocation, source.allocated)
    params = _insert_params(p, now)
    # One round trip: the movement and both balances (the balances only if the movement went
    # in). A key another station posted since our look-up inserts nothing and returns no row:
    # that station's movement is the answer, as after a unique violation.
    row = execute(_PG_POST, params + (p.qty, released, now, source.id, p.qty, now, rows["to"].id)).fetchone()
    if row is None:
        earlier = _earlier(p.key, p) if p.key else None
        if earlier is None:
            raise pw.IntegrityError(f"movement with key {p.key!r} refused by the store")
        return earlier
    _record_cost(p, new_state)
    return _movement(p, params, now, row[0])


def _check_stock(p: Posting, source: "_BalanceRow", target: "_BalanceRow") -> None:
    """A physical location never goes below zero, nor below what orders hold there; no
    balance leaves ±MAX_QTY (db/core/quantities.py)."""
    if target.qty + p.qty > MAX_QTY or source.qty - p.qty < -MAX_QTY:
        full, qty = (p.to_location, target.qty) if target.qty + p.qty > MAX_QTY else (p.from_location, source.qty)
        raise InvalidInput(_("{sku} at {code} holds {qty}: {more} more would pass the "
                             "bound of {maximum} units a balance may hold").format(
            sku=p.item.sku, code=full.code, qty=fq(qty, p.item), more=fq(p.qty, p.item), maximum=MAX_QTY))
    if not p.from_location.is_physical:
        return
    free = source.qty - max(0, source.allocated - p.release_allocation)
    if p.qty > free:
        lot = _(" lot {lot}").format(lot=p.lot.code) if p.lot else ""
        held = (_(" ({allocated} of them allocated to orders)").format(allocated=fq(source.allocated, p.item))
                if source.allocated else "")
        raise InsufficientStock(_("only {qty} × {sku}{lot} at {code}{held}; cannot take {wanted}").format(
            qty=fq(source.qty, p.item), sku=p.item.sku, lot=lot, code=p.from_location.code, held=held,
            wanted=fq(p.qty, p.item)))


# The statements every posting runs, written once. Building them through peewee's query
# builder for each posting cost several times more than running them (bench/RESULTS.md).
_WRAP_ERRORS = pw.__exception_wrapper__
# The insert's columns, in the order `_insert_params` gives the values.
_INSERT_NAMES = ("item", "lot", "from_location", "to_location", "qty", "kind", "operator", "station",
                 "created_at", "idempotency_key", "reverses", "po_line", "so_line", "count_line",
                 "document", "reason", "unit_cost")
assert sorted(_INSERT_NAMES) == sorted(f.name for f in Movement._meta.sorted_fields if f.name != "id"), \
    "every Movement field is posted"
_INSERT = (f'INSERT INTO {table(Movement)} ('
           + ", ".join(f'"{Movement._meta.fields[n].column_name}"' for n in _INSERT_NAMES)
           + ") VALUES (" + ", ".join("?" for _unused in _INSERT_NAMES) + ")")
_COST = Movement.unit_cost.db_value
_EARLIER = f'SELECT "id" FROM {table(Movement)} WHERE "idempotency_key" = ?'
_BALANCE = (f'SELECT "id", "qty", "allocated" FROM {table(Balance)} '
            'WHERE "item_id" = ? AND "location_id" = ? AND ')
_BALANCE_NO_LOT = _BALANCE + '"lot_id" IS NULL'
_BALANCE_LOT = _BALANCE + '"lot_id" = ?'
_TAKE = (f'UPDATE {table(Balance)} SET "qty" = "qty" - ?, "allocated" = "allocated" - ?, '
         '"updated_at" = ? WHERE "id" = ?')
_PUT = f'UPDATE {table(Balance)} SET "qty" = "qty" + ?, "updated_at" = ? WHERE "id" = ?'
# PostgreSQL: the insert and both balance updates as one statement (bench/RESULTS.md).
_PG_POST = ("WITH m AS (" + dialect(_INSERT, postgres=True)
            + ' ON CONFLICT ("idempotency_key") DO NOTHING RETURNING "id"), '
            + "t AS (" + dialect(_TAKE, postgres=True) + " AND EXISTS (SELECT 1 FROM m)), "
            + "u AS (" + dialect(_PUT, postgres=True) + " AND EXISTS (SELECT 1 FROM m)) "
            + "SELECT id FROM m")
# PostgreSQL: both balance rows locked in location order by one statement, and only when both
# exist (the count): locking one and then creating the other could deadlock. It also says
# whether the posting's key was posted already.
_PG_BOTH = dialect(f'SELECT "id", "location_id", "qty", "allocated", '
                   f'(SELECT "id" FROM {table(Movement)} WHERE "idempotency_key" = ?) '
                   f'FROM {table(Balance)} '
                   'WHERE "item_id" = ? AND "location_id" IN (?, ?) AND {lot} '
                   f'AND (SELECT count(*) FROM {table(Balance)} '
                   'WHERE "item_id" = ? AND "location_id" IN (?, ?) AND {lot}) = 2 '
                   'ORDER BY "location_id" FOR UPDATE', postgres=True)


@dataclass
class _BalanceRow:
    id: int
    qty: int
    allocated: int


def _earlier(key: str, p: Posting) -> Movement | None:
    """The movement KEY posted, when it is the replay of P; RuleViolation when KEY posted
    something else (db/ledger/keys.py)."""
    row = database.execute_sql(dialect(_EARLIER), [key]).fetchone()
    return _replayed(p, Movement.get_by_id(row[0])) if row else None


def _replayed(p: Posting, earlier: Movement) -> Movement:
    if (earlier.kind, earlier.item_id, earlier.qty, earlier.from_location_id, earlier.to_location_id,
            earlier.lot_id) != (p.kind, p.item.id, p.qty, p.from_location.id, p.to_location.id, _id(p.lot)):
        from db.ledger.keys import describe, refuse_reuse
        refuse_reuse(p.key, earlier, f"{describe(_unsaved(p))}")
    return earlier


def _unsaved(p: Posting) -> Movement:
    return Movement(item=p.item, lot=p.lot, from_location=p.from_location, to_location=p.to_location,
                    qty=p.qty, kind=p.kind, document=p.document)


def _balance_for_update(item: Item, location: Location, lot: Lot | None) -> _BalanceRow:
    row = _select_balance(item, location, lot)
    if row is None:
        try:
            with database.atomic():   # a savepoint: a lost insert race must not abort the transaction
                Balance.create(item=item, location=location, lot=lot, qty=0)
        except pw.IntegrityError:
            pass
        row = _select_balance(item, location, lot)
    return row


def _both_balances_pg(p: Posting, key: str | None) -> tuple[dict[str, _BalanceRow] | None, int | None]:
    """Both balance rows of P locked (None when one does not exist yet), and the id of the
    movement posted with KEY, if any (only known when both rows exist). The item's lock first,
    in the same round trip."""
    lot = '"lot_id" IS NULL' if p.lot is None else '"lot_id" = %s'
    where = [p.item.id, p.from_location.id, p.to_location.id] + ([] if p.lot is None else [p.lot.id])
    rows = locks.after_item_lock(p.item.id, _PG_BOTH.format(lot=lot), [key] + where + where).fetchall()
    found = {loc: _BalanceRow(bid, qty, allocated) for bid, loc, qty, allocated, _unused in rows}
    if len(found) != 2:
        return None, None
    # Every row carries the same answer to "was KEY posted already?".
    return {"from": found[p.from_location.id], "to": found[p.to_location.id]}, rows[0][4]


def _select_balance(item: Item, location: Location, lot: Lot | None) -> _BalanceRow | None:
    params = (item.id, location.id) if lot is None else (item.id, location.id, lot.id)
    if is_postgres():
        sql = _BALANCE + ('"lot_id" IS NULL' if lot is None else '"lot_id" = ?') + " FOR UPDATE"
        row = database.execute_sql(dialect(sql), params).fetchone()
    else:
        with _WRAP_ERRORS:
            row = database.connection().execute(_BALANCE_NO_LOT if lot is None else _BALANCE_LOT,
                                                params).fetchone()
    return _BalanceRow(*row) if row else None


def reverse(movement_id: int, operator: str, station: str = "", key: str | None = None,
            reason: str = "undo") -> Movement:
    """Post the reversing movement of MOVEMENT_ID. A second undo of the same movement, or an
    undo of an undo, is refused."""
    original = Movement.get_or_none(Movement.id == movement_id)
    if original is None:
        raise NotFound(_("no movement {id}").format(id=movement_id))
    if original.reverses_id is not None:
        raise RuleViolation(_("movement {id} is itself an undo of movement {original}; it cannot be undone").format(
            id=movement_id, original=original.reverses_id))
    if Movement.select().where(Movement.reverses == original.id).exists():
        raise RuleViolation(_("movement {id} was already undone").format(id=movement_id))
    return post(Posting(
        item=original.item, qty=original.qty, from_location=original.to_location,
        to_location=original.from_location, lot=original.lot, kind="undo", operator=operator,
        station=station, key=key, reverses=original, po_line=original.po_line_id,
        so_line=original.so_line_id, count_line=original.count_line,
        document=original.document, reason=reason, unit_cost=original.unit_cost))


@dataclass
class VerifyResult:
    movements: int
    balances: int
    mismatches: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.consistent:
            return _("ledger consistent: {movements} movements, {balances} balances").format(
                movements=self.movements, balances=self.balances)
        return _("ledger INCONSISTENT: {n} mismatches in {movements} movements, {balances} balances").format(
            n=len(self.mismatches), movements=self.movements, balances=self.balances)


def verify() -> VerifyResult:
    """Recompute every balance from the ledger and compare with the cached balances.

    Also reports any physical location below zero, and allocations beyond what is there.
    """
    expected: dict[tuple[int, int, int | None], int] = {}
    inflow = (Movement.select(Movement.item, Movement.to_location.alias("loc"), Movement.lot,
                              pw.fn.SUM(Movement.qty).alias("q"))
              .group_by(Movement.item, Movement.to_location, Movement.lot).tuples())
    outflow = (Movement.select(Movement.item, Movement.from_location.alias("loc"), Movement.lot,
                               pw.fn.SUM(Movement.qty).alias("q"))
               .group_by(Movement.item, Movement.from_location, Movement.lot).tuples())
    for item, loc, lot, q in inflow:
        expected[(item, loc, lot)] = expected.get((item, loc, lot), 0) + int(q)
    for item, loc, lot, q in outflow:
        expected[(item, loc, lot)] = expected.get((item, loc, lot), 0) - int(q)
    movements = Movement.select().count()
    cached = {}
    for _unused, item, loc, lot, qty, allocated in Balance.select(
            Balance.id, Balance.item, Balance.location, Balance.lot, Balance.qty, Balance.allocated).tuples():
        cached[(item, loc, lot)] = (qty, allocated)
    mismatches = []
    skus = dict(Item.select(Item.id, Item.sku).tuples())
    locs = {i: (c, k) for i, c, k in Location.select(Location.id, Location.code, Location.kind).tuples()}
    lots = dict(Lot.select(Lot.id, Lot.code).tuples())

    def name(key):
        item, loc, lot = key
        lot_txt = _(" lot {lot}").format(lot=lots.get(lot, lot)) if lot else ""
        return _("{sku} at {code}{lot}").format(sku=skus.get(item, item), code=locs.get(loc, (loc,))[0], lot=lot_txt)

    for key in sorted(set(expected) | set(cached), key=lambda k: (k[0], k[1], k[2] or 0)):
        want = expected.get(key, 0)
        have, allocated = cached.get(key, (0, 0))
        if want != have:
            mismatches.append(_("{place}: ledger says {want}, balance says {have}").format(
                place=name(key), want=want, have=have))
        physical = locs.get(key[1], (None, "storage"))[1] in PHYSICAL_KINDS
        if physical and have < 0:
            mismatches.append(_("{place}: negative stock {have}").format(place=name(key), have=have))
        if allocated < 0 or (physical and allocated > have):
            mismatches.append(_("{place}: allocated {allocated} of {have} on hand").format(
                place=name(key), allocated=allocated, have=have))
    return VerifyResult(movements=movements, balances=len(cached), mismatches=mismatches)


def on_hand(item: Item, location: Location, lot: Lot | None = None) -> int:
    row = Balance.get_or_none(Balance.key(item.id, location.id, lot.id if lot else None))
    return row.qty if row else 0
