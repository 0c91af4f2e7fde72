"""Inventory analysis: stock value, turnover and days of supply, dead stock, ageing, and the
stock history of one item for the chart.

Usable stock only (storage, receiving, shipping; not quarantine), valued at the item's
moving-average cost (Item.unit_cost, updated by each receipt) as it stands today.
"""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

import peewee as pw

from db.core.errors import NotFound
from db.core import defaults
from db.core.models import Balance, Item, Location, Lot, Movement
from db.reports.common import (CENT, USABLE_KINDS, MoneyCache, Report, as_date, as_datetime, day_end, day_start, fetch,
                               item_key, money, net_flow, today as _today, usable_at, usable_changes_since, usable_ids,
                               usable_on_hand, window)

VALUE_COLUMNS = ["sku", "name", "on_hand", "unit_cost", "value", "share_pct"]
TURNOVER_COLUMNS = ["sku", "name", "opening", "closing", "average", "shipped", "cogs",
                    "avg_value", "turnover", "daily_usage", "days_of_supply"]
DEAD_COLUMNS = ["sku", "name", "on_hand", "value", "last_movement", "days_idle"]
AGEING_BUCKETS = ("days_0_30", "days_31_60", "days_61_90", "days_over_90")
AGEING_COLUMNS = ["sku", "name", "on_hand", *AGEING_BUCKETS, "value_over_90"]
HISTORY_COLUMNS = ["day", "in", "out", "on_hand"]


def _items(ids) -> dict:
    """Item id -> (id, sku, name, unit_cost) named tuple. Named tuples, not models, and one
    query over every item when many are asked: a report over 100,000 items spent seconds
    building models and IN lists (bench/RESULTS.md)."""
    ids = set(ids)
    query = Item.select(Item.id, Item.sku, Item.name, Item.unit_cost)
    if len(ids) <= 2000:
        out = {}
        chunk = sorted(ids)
        for start in range(0, len(chunk), 500):
            out.update((it.id, it) for it in query.where(Item.id.in_(chunk[start:start + 500])).namedtuples())
        return out
    return {row[0]: _ItemRow._make(row) for row in fetch(query) if row[0] in ids}


_ItemRow = namedtuple("_ItemRow", "id sku name unit_cost")


def stock_value(date_from: dt.date | None = None, date_to: dt.date | None = None) -> Report:
    """Usable stock × moving-average cost, per item, dearest first. With DATE_TO, the stock is
    the ledger's at the end of that day (still at today's cost); DATE_FROM does not apply."""
    qty = {i: q for i, q in usable_at(date_to).items() if q}
    items = _items(qty)
    rows = []
    for item_id, q in qty.items():
        it = items[item_id]
        cost = money(it.unit_cost)
        rows.append({"sku": it.sku, "name": it.name, "on_hand": q, "unit_cost": cost,
                     "value": money(cost * q)})
    total = sum((r["value"] for r in rows), Decimal(0))
    for r in rows:
        r["share_pct"] = round(float(r["value"] * 100 / total), 1) if total else None
    rows.sort(key=lambda r: (-r["value"], r["sku"]))
    return rows, list(VALUE_COLUMNS)


def turnover(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
             days: int = defaults.REPORTS["window_days"], today: dt.date | None = None) -> Report:
    """Per item over the period (default: the DAYS days up to today):
    average stock = (opening + closing) / 2 units; cogs = net units shipped × cost;
    turnover = cogs ÷ (average × cost) = shipped ÷ average; daily usage = shipped ÷ days;
    days of supply = closing ÷ daily usage (empty when nothing shipped)."""
    start, end = window(date_from, date_to, days, today)
    span = (end - start).days + 1
    now = usable_on_hand()
    changes = usable_changes_since(day_start(start), day_end(end))
    query, signed, _ = net_flow(("ship",), date_from=start, date_to=end)
    shipped = {i: int(q or 0) for i, q in
               fetch(query.select(item_key(), pw.fn.SUM(signed)).group_by(item_key()))}
    # Every item, as plain tuples: an item with no stock, no change and no shipment is
    # skipped below anyway, and one pass over them beats collecting ids and looking items up.
    items = fetch(Item.select(Item.id, Item.sku, Item.name, Item.unit_cost))
    costs = MoneyCache()
    ranked, unranked = [], []    # with a turnover, and without (no average stock)
    for item_id, sku, name, unit_cost in items:
        on_hand = now.get(item_id, 0)
        since_start, after_end = changes.get(item_id, (0, 0))
        opening, closing = on_hand - since_start, on_hand - after_end
        out = shipped.get(item_id, 0)
        if not (opening or closing or out):
            continue
        both = opening + closing
        average = both / 2
        cost = costs[unit_cost]
        # cost has whole cents, so cost × units needs no rounding; (o + c) / 2 is exact, and
        # only an odd o + c leaves half a cent to round.
        avg_value = cost * (both // 2) if both % 2 == 0 else (cost * both / 2).quantize(CENT, ROUND_HALF_UP)
        if out:
            usage = out / span
            turns, daily, supply = (round(out / average, 2) if average > 0 else None, round(usage, 2),
                                    round(closing / usage, 1) if usage > 0 else None)
        else:   # most items shipped nothing in the period: the same figures without the rounding
            turns, daily, supply = 0.0 if average > 0 else None, 0.0, None
        (unranked if turns is None else ranked).append(
            {"sku": sku, "name": name, "opening": opening, "closing": closing,
             "average": average, "shipped": out, "cogs": cost * out, "avg_value": avg_value,
             "turnover": turns, "daily_usage": daily, "days_of_supply": supply})
    # Highest turnover first, ties and the items without one by SKU: stable sorts on plain
    # keys cost less than building a key tuple per row.
    ranked.sort(key=itemgetter("sku"))
    ranked.sort(key=itemgetter("turnover"), reverse=True)
    unranked.sort(key=itemgetter("sku"))
    rows = ranked + unranked
    return rows, list(TURNOVER_COLUMNS)


def dead_stock(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
               days: int = defaults.REPORTS["dead_stock_days"], today: dt.date | None = None) -> Report:
    """Items with usable stock and no movement of any kind since the cutoff: DATE_FROM when
    given, else DAYS days before DATE_TO (default today). Dearest first."""
    end = date_to or today or _today()
    cutoff = day_start(date_from) if date_from else day_start(end - dt.timedelta(days=days - 1))
    hand = {i: q for i, q in usable_on_hand().items() if q > 0}
    if not hand:
        return [], list(DEAD_COLUMNS)
    recent = Movement.select(pw.SQL("1")).where(Movement.item == Item.id, Movement.created_at >= cutoff)
    last = (Movement.select(pw.fn.MAX(Movement.created_at)).where(Movement.item == Item.id))
    rows = []
    ids = list(hand)
    for start in range(0, len(ids), 500):
        query = (Item.select(Item.sku, Item.name, Item.unit_cost, last.alias("last"), Item.id)
                 .where(Item.id.in_(ids[start:start + 500]), ~pw.fn.EXISTS(recent)).tuples())
        for sku, name, cost, last_at, item_id in query:
            last_at = as_datetime(last_at)
            q = hand[item_id]
            rows.append({"sku": sku, "name": name, "on_hand": q, "value": money(money(cost) * q),
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
        row = {"sku": it.sku, "name": it.name, "on_hand": sum(ages)}
        row.update(zip(AGEING_BUCKETS, ages))
        row["value_over_90"] = money(money(it.unit_cost) * ages[3])
        rows.append(row)
    rows.sort(key=lambda r: (-r["days_over_90"], r["sku"]))
    return rows, list(AGEING_COLUMNS)


def stock_history(sku: str, date_from: dt.date | None = None, date_to: dt.date | None = None,
                  *, days: int = defaults.REPORTS["window_days"], today: dt.date | None = None) -> Report:
    """Usable units of one item at the end of each day of the period, for the chart."""
    it = Item.get_or_none(Item.sku == sku)
    if it is None:
        raise NotFound(f"unknown item SKU {sku!r}")
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
    now = (Balance.select(pw.fn.SUM(Balance.qty)).join(Location, on=(Balance.location == Location.id))
           .where(Balance.item == it.id, Location.kind.in_(USABLE_KINDS)).scalar()) or 0
    level = int(now) - sum(i - o for i, o in flows.values())
    rows = []
    d = start
    while d <= end:
        i, o = flows.get(d, (0, 0))
        level += i - o
        rows.append({"day": d, "in": i, "out": o, "on_hand": level})
        d += dt.timedelta(days=1)
    return rows, list(HISTORY_COLUMNS)
