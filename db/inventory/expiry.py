"""Expired and short-dated stock: the one home of the expiry rules.

- A lot is expired once its expiry date is behind the store's today (db/core/clock.py): it may
  still be used on the day itself, as a "use by" date means.
- A receipt is refused for an expired lot, or for one with fewer days left than the item's
  `min_shelf_life_days` (0: no minimum), unless a supervisor overrides it with their PIN and
  a reason; the override is written to the audit trail.
- Expired lots are never allocated nor directed to a picker, and a pick of one is refused.
- `quarantine_expired` moves every expired unit to its warehouse's quarantine through the
  ledger (supervisor, audited).

The picking queries filter with `usable_lot_condition`, the receipt calls `receipt_check`,
reports and screens call `is_expired` / `expired_message`: nobody writes the rule again.
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt

from db.core.clock import today as store_today
from db.core.connection import write_transaction
from db.core.errors import InvalidInput, RuleViolation
from db.core.quantities import stock_value
from db.core.text import Phrase, counted
from db.core.models import PHYSICAL_KINDS, Balance, Item, Location, Lot
from db.ledger import locks
from db.ledger.posting import Posting, post
from db.masterdata.lookup import warehouse_location
from db.masterdata.security import N_, audit, require_supervisor

# Where expired stock may stand: anywhere physical but the quarantine it is moved to.
SELLABLE_KINDS = tuple(k for k in PHYSICAL_KINDS if k != "quarantine")
# `wh report expiry` lists lots expiring within this many days (--days overrides it).
EXPIRING_DAYS = 30


def is_expired(expiry: dt.date | None, today: dt.date | None = None) -> bool:
    return expiry is not None and expiry < (today or store_today())


def expired_message(lot_code: str, expiry: dt.date) -> str:
    return _("lot {lot} expired on {expiry}").format(lot=lot_code, expiry=expiry.isoformat())


def check_not_expired(lot: Lot | None, what: str | None = None) -> None:
    """Refuse an expired LOT ("lot L expired on D"). WHAT: the operation, already translated
    (default "a pick")."""
    if lot is not None and is_expired(lot.expiry):
        raise RuleViolation(_("{expired}: {what} of an expired lot is refused; "
                              "quarantine it (wh quarantine --expired)").format(
            expired=expired_message(lot.code, lot.expiry), what=what or _("a pick")))


def expired_lot(sku: str, lot_code: str, expiry: dt.date | None = None) -> str | None:
    """"lot L expired on D" when lot LOT_CODE of SKU is expired (EXPIRY: the date a scan
    carried, else the store's), else None: what a station says before it tries to pick it."""
    if expiry is None:
        known = Lot.select(Lot.expiry).join(Item).where(Item.sku == sku, Lot.code == lot_code).first()
        expiry = known.expiry if known is not None else None
    return expired_message(lot_code, expiry) if is_expired(expiry) else None


def usable_lot_condition(today_text: str):
    """Rows of Balance (joined LEFT OUTER to Lot) whose lot is not expired on TODAY_TEXT
    (YYYY-MM-DD, a string so prepared queries take it): no lot, no expiry, or not yet past."""
    return Balance.lot.is_null() | Lot.expiry.is_null() | (Lot.expiry >= today_text)


def today_text() -> str:
    return store_today().isoformat()


def receipt_problem(item: Item, lot_code: str | None, expiry: dt.date | None,
                    today: dt.date | None = None) -> str | None:
    """Why a receipt of LOT_CODE expiring EXPIRY is refused, with the dates; None when it is fine.
    A Phrase: shown in the chosen language, audited in English (`.english`)."""
    if expiry is None:
        return None
    today = today or store_today()
    lot = Phrase(N_("lot {lot} of {sku}"), lot=lot_code, sku=item.sku) if lot_code else item.sku
    if expiry < today:
        return Phrase(N_("{lot} expired on {expiry} (today is {today})"), lot=lot, expiry=expiry.isoformat(),
                      today=today.isoformat())
    minimum = item.min_shelf_life_days or 0
    left = (expiry - today).days
    if minimum and left < minimum:
        # Short enough for the station's banner (two rows and the acknowledgement line).
        return Phrase(N_("{lot} expires {expiry}, in {left}; {sku} needs {minimum} of shelf life "
                         "(expiry {earliest} or later)"),
                      lot=lot, expiry=expiry.isoformat(), left=counted(left, "day"), sku=item.sku,
                      minimum=counted(minimum, "day"), earliest=(today + dt.timedelta(days=minimum)).isoformat())
    return None


def receipt_check(item: Item, lot_code: str | None, expiry: dt.date | None, *,
                  override_by: str | None = None, override_reason: str | None = None) -> str | None:
    """Refuse a receipt of an expired or short-dated lot, unless supervisor OVERRIDE_BY (whose
    PIN the caller's pin source gives) overrides it with OVERRIDE_REASON. Returns the problem
    overridden (the caller audits it in its transaction), or None when there was none.
    Called before the receipt's transaction: a wrong PIN is counted in a transaction of its own."""
    problem = receipt_problem(item, lot_code, expiry)
    if problem is None:
        return None
    if not override_by:
        raise RuleViolation(_("receipt refused: {problem}; a supervisor may override it with PIN and reason").format(
            problem=problem))
    if not (override_reason or "").strip():
        raise InvalidInput(_("an override of an expiry refusal needs a reason; got none ({problem})").format(
            problem=problem))
    require_supervisor(override_by, Phrase(N_("receiving {problem}"), problem=problem))
    return problem


def lot_expiry(item: Item, lot_code: str | None, expiry: dt.date | None) -> dt.date | None:
    """The expiry a receipt of LOT_CODE will have: the one given, else the known lot's."""
    if expiry is not None or not lot_code:
        return expiry
    known = Lot.get_or_none(Lot.item == item.id, Lot.code == lot_code)
    return known.expiry if known is not None else None


def expired_balances(warehouse_id: int | None = None, today: dt.date | None = None) -> list[Balance]:
    """Balances of expired lots with units at a physical location other than quarantine, each
    with its item, location and lot, in item, lot and location order."""
    today = today or store_today()
    query = (Balance.select(Balance, Item, Location, Lot).join(Item)
             .switch(Balance).join(Location).switch(Balance).join(Lot)
             .where(Balance.qty > 0, Location.kind.in_(SELLABLE_KINDS), Lot.expiry < today)
             .order_by(Item.sku, Lot.code, Location.code))
    if warehouse_id is not None:
        query = query.where(Location.warehouse == warehouse_id)
    return list(query)


def quarantine_expired(*, operator: str, station: str = "", warehouse: str | None = None,
                       key: str | None = None) -> list:
    """Move every expired unit (of WAREHOUSE, default all) to its warehouse's quarantine, one
    movement per place, reason EXPIRED (supervisor, audited). Units an order held there are
    given back first: an expired unit is never picked. Returns the movements."""
    from db.ledger.keys import derived_key
    from db.masterdata.lookup import get_warehouse
    from db.sales.picking import release_place
    require_supervisor(operator, N_("moving expired stock to quarantine"))
    wh = get_warehouse(warehouse) if warehouse else None
    today = store_today()
    moved = []
    with write_transaction():
        rows = expired_balances(wh.id if wh else None, today)
        if not rows:
            where = _(" in {code}").format(code=wh.code) if wh else ""
            raise RuleViolation(_("no expired stock{where} outside quarantine on {today}").format(
                where=where, today=today.isoformat()))
        # Every item it moves, at once and before their balances (db/ledger/locks.py); then the
        # rows again, as they stand under the locks.
        locks.lock_items(sorted({b.item_id for b in rows}))
        rows = expired_balances(wh.id if wh else None, today)
        for b in rows:
            if b.allocated:
                release_place(b.item_id, b.location_id, b.lot_id)
            quarantine = warehouse_location(b.location.warehouse.code, "quarantine")
            moved.append(post(Posting(
                item=b.item, qty=b.qty, from_location=b.location, to_location=quarantine, kind="move",
                operator=operator, station=station, lot=b.lot, reason="EXPIRED",
                document=f"EXP-{today:%Y%m%d}",
                key=derived_key(key, f"{b.item.sku}:{b.lot.code}:{b.location.code}"))))
        audit(operator, station, "quarantine_expired", today=today, movements=len(moved),
              units=sum(m.qty for m in moved), warehouse=wh.code if wh else "all")
    return moved


def expiry_rows(days: int = EXPIRING_DAYS, today: dt.date | None = None,
                warehouse_id: int | None = None, sku: str | None = None) -> list[dict]:
    """Lots expired or expiring within DAYS of today, with the units outside quarantine and
    their value at the item's moving-average cost: earliest expiry first."""
    from decimal import Decimal
    if days < 0:
        raise InvalidInput(_("the days ahead must be 0 or more, got {days}").format(days=days))
    today = today or store_today()
    until = today + dt.timedelta(days=days)
    query = (Balance.select(Balance, Item, Location, Lot).join(Item)
             .switch(Balance).join(Location).switch(Balance).join(Lot)
             .where(Balance.qty > 0, Location.kind.in_(SELLABLE_KINDS), Lot.expiry <= until)
             .order_by(Lot.expiry, Item.sku, Lot.code, Location.code))
    if warehouse_id is not None:
        query = query.where(Location.warehouse == warehouse_id)
    if sku is not None:
        query = query.where(Item.sku == sku)
    rows = []
    for b in query:
        cost = Decimal(b.item.unit_cost)
        # The status is data (CSV, JSON); a table shows it translated (N_ marks both words).
        rows.append({"status": N_("expired") if is_expired(b.lot.expiry, today) else N_("expiring"),
                     "sku": b.item.sku, "name": b.item.name, "lot": b.lot.code,
                     "expiry": b.lot.expiry, "days_left": (b.lot.expiry - today).days,
                     "location": b.location.code, "qty": b.qty, "unit_cost": cost,
                     "value": stock_value(b.qty, b.item, cost)})     # cost per base unit
    return rows
