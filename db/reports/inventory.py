"""Inventory analysis: stock value, turnover and days of supply, dead stock, ageing, and the
stock history of one item for the chart.

Usable stock only (storage, receiving, shipping; not quarantine), valued as the ledger
values it (db/ledger/costing.py): each item's value is the sum of qty × the unit cost each
movement carried into and out of usable stock, so a past date has the value it had then.
Amounts are kept exact and rounded to cents once, when shown. Quantities are shown in the
item's base unit (db/ledger/valuation.py: an int for whole units, `Decimal('1.250')` for an
item with 3 decimals) and unit costs are per base unit.
"""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from decimal import Decimal
from gettext import gettext as _
from operator import itemgetter

import peewee as pw

from db.core.errors import NotFound
from db.core import defaults
from db.core.models import Balance, Item, Location, Lot, Movement
from db.core.quantities import stock_value as value_of
from db.ledger.valuation import base_quantity, decimals_by_item, per_base
from db.reports.common import (N_, USABLE_KINDS, Report, as_date, as_datetime, day_end, day_start, exact, fetch,
                               item_key, money, net_flow, stock_values, today as _today, unit, usable_changes_since,
                               usable_ids, usable_on_hand, valued_at, window)

VALUE_COLUMNS = [N_("sku"), N_("name"), N_("on_hand"), N_("unit_cost"), N_("value"), N_("share_pct")]
TURNOVER_COLUMNS = [N_("sku"), N_("name"), N_("opening"), N_("closing"), N_("average"), N_("shipped"),
                    N_("cogs"), N_("avg_value"), N_("turnover"), N_("daily_usage"), N_("days_of_supply")]
DEAD_COLUMNS = [N_("sku"), N_("name"), N_("on_hand"), N_("value"), N_("last_movement"), N_("days_idle")]
AGEING_BUCKETS = (N_("days_0_30"), N_("days_31_60"), N_("days_61_90"), N_("days_over_90"))
AGEING_COLUMNS = [N_("sku"), N_("name"), N_("on_hand"), *AGEING_BUCKETS, N_("value_over_90")]
HISTORY_COLUMNS = [N_("day"), N_("in"), N_("out"), N_("on_hand")]
ZERO = Decimal("0.00")


def _items(ids) -> dict:
    """Item id -> (id, sku, name, unit_cost, decimals) named tuple. Named tuples, not models, and one
    query over every item when many are asked: a report over 100,000 items spent seconds
    building models and IN lists (bench/RESULTS.md)."""
    ids = set(ids)
    query = Item.select(Item.id, Item.sku, Item.name, Item.unit_cost, Item.decimals)
    if len(ids) <= 2000:
        out = {}
        chunk = sorted(ids)
        for start in range(0, len(chunk), 500):
            out.update((it.id, it) for it in query.where(Item.id.in_(chunk[start:start + 500])).namedtuples())
        return out
    return {row[0]: _ItemRow._make(row) for row in fetch(query) if row[0] in ids}


_ItemRow = namedtuple("_ItemRow", "id sku name unit_cost decimals")


def stock_value(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
                unrounded: bool = False) -> Report:
    """Usable stock and its value per item, dearest first: now, or with DATE_TO at the end of
    that day (the ledger's units and values then); DATE_FROM does not apply. unit_cost =
    value ÷ units (4 decimals). An item with no units left but a value (an undone receipt's
    remainder, db/ledger/costing.py) is listed too. UNROUNDED leaves values exact (for sums)."""
    held = {i: (q, v) for i, (q, v) in valued_at(date_to).items() if q or money(v)}
    items = _items(held)
    rows = []
    for item_id, (q, v) in held.items():
        it = items[item_id]
        on_hand = base_quantity(q, it.decimals)
        rows.append({"sku": it.sku, "name": it.name, "on_hand": on_hand,
                     "unit_cost": unit(v / on_hand) if q else None, "value": v if unrounded else money(v)})
    total = sum((v for _unused, v in held.values()), Decimal(0))
    for r in rows:
        r["share_pct"] = round(float(r["value"] * 100 / total), 1) if total > 0 else None
    rows.sort(key=lambda r: (-r["value"], r["sku"]))
    return rows, list(VALUE_COLUMNS)


def turnover(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
             days: int = defaults.REPORTS["window_days"], today: dt.date | None = None) -> Report:
    """Per item over the period (default: the DAYS days up to today):
    opening and closing units and values (the ledger's at the period's ends); average stock =
    (opening + closing) / 2 units, avg_value = (opening value + closing value) / 2; cogs = the
    cost the net shipments carried (each at the average when it shipped); turnover = cogs ÷
    avg_value; daily usage = shipped ÷ days; days of supply = closing ÷ daily usage (empty
    when nothing shipped)."""
    start, end = window(date_from, date_to, days, today)
    span = (end - start).days + 1
    now = usable_on_hand()
    worth = stock_values()
    changes = usable_changes_since(day_start(start), day_end(end), values=True)
    query, signed, _unused = net_flow(("ship",), date_from=start, date_to=end)
    shipped = {i: (int(q or 0), c) for i, q, c in
               fetch(query.select(item_key(), pw.fn.SUM(signed), pw.fn.SUM(signed * Movement.unit_cost))
                     .group_by(item_key()))}
    scaled = decimals_by_item()     # the few items with decimals: quantities and cogs per base unit
    # Every item, as plain tuples: an item with no stock, no change and no shipment is
    # skipped below anyway, and one pass over them beats collecting ids and looking items up.
    items = fetch(Item.select(Item.id, Item.sku, Item.name))
    nothing, zero = (0, 0, 0, 0), Decimal(0)
    ranked, unranked = [], []    # with a turnover, and without (no average stock value)
    for item_id, sku, name in items:
        on_hand = now.get(item_id, 0)
        since_start, after_end, value_since_start, value_after_end = changes.get(item_id, nothing)
        opening, closing = on_hand - since_start, on_hand - after_end
        out, cogs = shipped.get(item_id, (0, None))
        if not (opening or closing or out):
            continue
        value = worth.get(item_id, zero)
        if value_since_start or value_after_end:
            avg_value = value - (exact(value_since_start) + exact(value_after_end)) / 2
        else:   # most items: nothing entered or left since the period started
            avg_value = value
        cogs = exact(cogs) if cogs is not None else zero
        d = scaled.get(item_id, 0)
        if d:
            cogs = per_base(cogs, d)
            opening, closing, out = (base_quantity(x, d) for x in (opening, closing, out))
        if out:
            usage = float(out) / span
            turns, daily, supply = (round(float(cogs / avg_value), 2) if avg_value > 0 else None,
                                    round(usage, 2), round(float(closing) / usage, 1) if usage > 0 else None)
        else:   # most items shipped nothing in the period: the same figures without the rounding
            turns, daily, supply = 0.0 if avg_value > 0 else None, 0.0, None
        (unranked if turns is None else ranked).append(
            {"sku": sku, "name": name, "opening": opening, "closing": closing,
             "average": (opening + closing) / 2 if not d else float(opening + closing) / 2,
             "shipped": out, "cogs": money(cogs) if out else ZERO,
             "avg_value": money(avg_value), "turnover": turns, "daily_usage": daily,
             "days_of_supply": supply})
    # Highest turnover first, ties and the items without one by SKU: stable sorts on plain
    # keys cost less than building a key tuple per row.
    ranked.sort(key=itemgetter("sku"))
    ranked.sort(key=itemgetter("turnover"), reverse=True)
    unranked.sort(key=itemgetter("sku"))
    rows = ranked + unranked
    return rows, list(TURNOVER_COLUMNS)


def dead_stock(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
               days: int = defaults.REPORTS["dead_stock_days"], today: dt.date | None = None) -> Report:
    """Items that held usable stock at the end of the window and had no issue or sale in it.

    The window is the DAYS days ending on DATE_TO (default today), both included, or
    DATE_FROM to DATE_TO when DATE_FROM is given. An issue or sale is a shipment, or an
    adjustment taking units out of usable stock; put-aways, moves, transfers, receipts and
    counts do not make stock alive. on_hand and value are the ledger's at the end of the
    window; last_movement is the day of the item's last issue or sale up to then (empty:
    never), days_idle the days from it to the window's end. Dearest first."""
    end = date_to or today or _today()
    start = date_from or end - dt.timedelta(days=days - 1)
    held = {i: qv for i, qv in valued_at(end).items() if qv[0] > 0}
    if not held:
        return [], list(DEAD_COLUMNS)
    issue = (Movement.kind == "ship") | ((Movement.kind == "adjust") & Movement.from_location.in_(usable_ids()))
    last_issue = {i: as_datetime(at) for i, at in fetch(
        Movement.select(item_key(), pw.fn.MAX(Movement.created_at))
        .where(issue, Movement.created_at < day_end(end)).group_by(item_key()))}
    cutoff = day_start(start)
    dead = [i for i in held if last_issue.get(i) is None or last_issue[i] < cutoff]
    items = _items(dead)
    rows = []
    for item_id in dead:
        it, (q, v), last_at = items[item_id], held[item_id], last_issue.get(item_id)
        rows.append({"sku": it.sku, "name": it.name, "on_hand": base_quantity(q, it.decimals), "value": money(v),
                     "last_movement": last_at.date() if last_at else None,
                     "days_idle": (end - last_at.date()).days if last_at else None})
    rows.sort(key=lambda r: (-r["value"], r["sku"]))
    return rows, list(DEAD_COLUMNS)


# Where goods first enter our books: anything coming from these virtual locations is new stock.
_SOURCE_KINDS = ("supplier", "inventory-gain", "customer")


def ageing(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
           today: dt.date | None = None) -> Report:
    """Usable stock by age, as of today (the period does not apply: ageing is about now).

    Lot stock is aged by its lot's receipt date (Lot.received_at). Stock without a lot is
    aged first-in-first-out: what is on hand is taken to be the newest arrivals (receipts,
    opening stock, found stock, returns not undone), so the units beyond the last 90 days of
    arrivals are over 90 days old."""
    today = today or _today()
    edges = [today - dt.timedelta(days=d) for d in (30, 60, 90)]   # age <= 30 means received on/after edges[0]

    def bucket(day: dt.date) -> int:
        age = (today - day).days
        return 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3

    per_item: dict[int, list[int]] = {}
    lot_stock = (Balance.select(Balance.item, Lot.received_at, pw.fn.SUM(Balance.qty))
                 .join(Location, on=(Balance.location == Location.id))
                 .switch(Balance).join(Lot, on=(Balance.lot == Lot.id))
                 .where(Location.kind.in_(USABLE_KINDS))
                 .group_by(Balance.item, Lot.received_at).tuples())
    for item_id, received, q in lot_stock:
        if q:
            per_item.setdefault(item_id, [0, 0, 0, 0])[bucket(as_datetime(received).date())] += int(q)

    plain = (Balance.select(Balance.item, pw.fn.SUM(Balance.qty))
             .join(Location, on=(Balance.location == Location.id))
             .where(Location.kind.in_(USABLE_KINDS), Balance.lot.is_null())
             .group_by(Balance.item).tuples())
    plain = {i: int(q) for i, q in plain if q and q > 0}
    if plain:
        undo = Movement.alias("undo")
        sources = Location.select(Location.id).where(Location.kind.in_(_SOURCE_KINDS))
        arrivals = [pw.fn.SUM(pw.Case(None, [(Movement.created_at >= day_start(edges[0]), Movement.qty)], 0)),
                    pw.fn.SUM(pw.Case(None, [((Movement.created_at >= day_start(edges[1]))
                                              & (Movement.created_at < day_start(edges[0])), Movement.qty)], 0)),
                    pw.fn.SUM(pw.Case(None, [(Movement.created_at < day_start(edges[1]), Movement.qty)], 0))]
        query = (Movement.select(item_key(), *arrivals)
                 .join(undo, pw.JOIN.LEFT_OUTER, on=(undo.reverses == Movement.id))
                 .where(Movement.from_location.in_(sources), Movement.to_location.in_(usable_ids()),
                        Movement.lot.is_null(), Movement.kind != "undo", undo.id.is_null(),
                        Movement.created_at >= day_start(edges[2]))
                 .group_by(item_key()).tuples())
        recent = {i: [int(a or 0), int(b or 0), int(c or 0)] for i, a, b, c in query}
        for item_id, left in plain.items():
            ages = per_item.setdefault(item_id, [0, 0, 0, 0])
            for n, arrived in enumerate(recent.get(item_id, [0, 0, 0])):
                take = min(left, arrived)
                ages[n] += take
                left -= take
            ages[3] += left
    items = _items(per_item)
    rows = []
    for item_id, ages in per_item.items():
        it = items[item_id]
        row = {"sku": it.sku, "name": it.name, "on_hand": base_quantity(sum(ages), it.decimals)}
        row.update(zip(AGEING_BUCKETS, (base_quantity(a, it.decimals) for a in ages)))
        # At the average per base unit, rounded once.
        row["value_over_90"] = money(value_of(ages[3], it.decimals, exact(it.unit_cost)))
        rows.append(row)
    rows.sort(key=lambda r: (-r["days_over_90"], r["sku"]))
    return rows, list(AGEING_COLUMNS)


def stock_history(sku: str, date_from: dt.date | None = None, date_to: dt.date | None = None,
                  *, days: int = defaults.REPORTS["window_days"], today: dt.date | None = None) -> Report:
    """Usable units of one item at the end of each day of the period, for the chart."""
    it = Item.get_or_none(Item.sku == sku)
    if it is None:
        raise NotFound(_("unknown item SKU {sku!r}").format(sku=sku))
    start, end = window(date_from, date_to, days, today)
    # Moves between two usable places change nothing: only what enters or leaves counts.
    into = Movement.to_location.in_(usable_ids())
    out_of = Movement.from_location.in_(usable_ids())
    inflow = pw.fn.SUM(pw.Case(None, [(into & ~out_of, Movement.qty)], 0))
    outflow = pw.fn.SUM(pw.Case(None, [(out_of & ~into, Movement.qty)], 0))
    day = pw.fn.DATE(Movement.created_at)
    query = (Movement.select(day, inflow, outflow)
             .where(Movement.item == it.id, Movement.created_at >= day_start(start))
             .group_by(day).tuples())
    flows = {as_date(d): (int(i or 0), int(o or 0)) for d, i, o in query}
    shown = it.decimals      # the chart's units: the item's base unit
    now = (Balance.select(pw.fn.SUM(Balance.qty)).join(Location, on=(Balance.location == Location.id))
           .where(Balance.item == it.id, Location.kind.in_(USABLE_KINDS)).scalar()) or 0
    level = int(now) - sum(i - o for i, o in flows.values())
    rows = []
    d = start
    while d <= end:
        i, o = flows.get(d, (0, 0))
        level += i - o
        rows.append({"day": d, "in": base_quantity(i, shown), "out": base_quantity(o, shown),
                     "on_hand": base_quantity(level, shown)})
        d += dt.timedelta(days=1)
    return rows, list(HISTORY_COLUMNS)
