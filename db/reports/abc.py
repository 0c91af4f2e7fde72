"""ABC classification by consumption value (saved on Item.abc_class for count plans by
db.masterdata.abc_classes: this report only reads).

Consumption value of an item = the cost its net shipments in the period carried: each at the
moving-average cost when it shipped (Movement.unit_cost; an undo carries its shipment's).
Items are ranked by that value (ties by SKU). Walking down the ranking, an item is A while
the items before it hold less than a_share of the total value, B while they hold less than
a_share + b_share, and C after that. So the item that crosses the line still belongs to the
class it started in, and with 80/15/5 the A items carry (about) 80% of the value. Active
items with no consumption are C. With a total of zero, every item is C.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from gettext import gettext as _
from operator import itemgetter

import peewee as pw

from db.core.errors import InvalidInput
from db.core import defaults
from db.core.models import Item, Movement
from db.ledger.valuation import base_quantity, decimals_by_item, per_base
from db.reports.common import N_, MoneyCache, Report, fetch, item_key, net_flow, today as _today, window

COLUMNS = [N_("rank"), N_("sku"), N_("name"), N_("qty"), N_("consumption_value"), N_("share_pct"),
           N_("cumulative_pct"), N_("class"), N_("previous_class")]


def classify(values: list[tuple[str, Decimal]], a_share: float, b_share: float) -> dict[str, str]:
    """KEY -> class for (key, value) pairs already sorted by value, highest first."""
    total = sum((v for _unused, v in values), Decimal(0))
    a_line = Decimal(str(a_share)) * total
    b_line = (Decimal(str(a_share)) + Decimal(str(b_share))) * total   # no float sum: 0.8 + 0.15 != 0.95
    out, before = {}, Decimal(0)
    for key, value in values:
        if total <= 0 or value <= 0:
            out[key] = "C"
        elif before < a_line:
            out[key] = "A"
        elif before < b_line:
            out[key] = "B"
        else:
            out[key] = "C"
        before += value
    return out


def abc(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
        a_share: float = defaults.ABC["a_share"], b_share: float = defaults.ABC["b_share"],
        days: int = defaults.REPORTS["abc_days"],
        today: dt.date | None = None) -> Report:
    """Classify every active item over the period (default: the DAYS days up to today). The
    classes are saved on the items by db.masterdata.abc_classes.save_abc_classes(rows)."""
    if not (0 < a_share < 1 and 0 <= b_share < 1 and a_share + b_share <= 1):
        raise InvalidInput(_("[abc] a_share and b_share must be shares between 0 and 1 adding up to at most 1; "
                             "got {a_share} and {b_share}").format(a_share=a_share, b_share=b_share))
    start, end = window(date_from, date_to, days, today or _today())
    query, signed, _unused = net_flow(("ship",), date_from=start, date_to=end)
    shipped = {i: (int(q or 0), c) for i, q, c in
               fetch(query.select(item_key(), pw.fn.SUM(signed), pw.fn.SUM(signed * Movement.unit_cost))
                     .group_by(item_key()))}
    items = fetch(Item.select(Item.id, Item.sku, Item.name, Item.abc_class)
                  .where(Item.active == True))  # noqa: E712
    costs = MoneyCache()
    none = (0, 0)
    # The few items with decimals: what they carried is raw (stored qty × cost per base unit).
    scaled = decimals_by_item()
    # Most items consumed nothing (82,000 of 100,000 on the bench's store): they are C, share
    # nothing and come last in SKU order, so only the others are ranked and summed.
    rows, idle = [], []
    for item_id, sku, name, previous in items:
        q, cost = shipped.get(item_id, none)
        d = scaled.get(item_id, 0)
        if d:
            q, cost = base_quantity(q, d), per_base(cost, d)
        # Rounded once, here (the sum of what the shipments carried).
        value = costs[cost] if q > 0 else costs[0]
        row = {"id": item_id, "sku": sku, "name": name, "qty": q if q > 0 else 0,
               "consumption_value": value, "previous_class": previous or ""}
        (rows if value > 0 else idle).append(row)
    # Dearest first, ties by SKU: two stable sorts on plain keys cost less than building a
    # (-value, sku) key per item.
    rows.sort(key=itemgetter("sku"))
    rows.sort(key=itemgetter("consumption_value"), reverse=True)
    classes = classify([(r["sku"], r["consumption_value"]) for r in rows], a_share, b_share)
    total = sum((r["consumption_value"] for r in rows), Decimal(0))
    # The percentages are Decimal divisions rounded: work them out once per distinct value,
    # and the running share only when it moved.
    shares: dict[Decimal, float | None] = {}
    running, cumulative = Decimal(0), None
    for n, r in enumerate(rows, start=1):
        value = r["consumption_value"]
        running += value
        cumulative = round(float(running * 100 / total), 1)
        share = shares.get(value)
        if share is None:
            share = shares[value] = round(float(value * 100 / total), 1)
        r["rank"] = n
        r["class"] = classes[r["sku"]]
        r["share_pct"] = share
        r["cumulative_pct"] = cumulative
    idle.sort(key=itemgetter("sku"))
    nothing = 0.0 if total else None
    for n, r in enumerate(idle, start=len(rows) + 1):
        r["rank"] = n
        r["class"] = "C"
        r["share_pct"] = nothing
        r["cumulative_pct"] = cumulative
    rows += idle
    return rows, list(COLUMNS)
