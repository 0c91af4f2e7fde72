"""Sales analysis from the shipments in the ledger.

Sales are "ship" movements (shipping location -> customer) net of the undos that reverse
them and of the customer returns ("rma" movements, customer -> returns location), each on its
own date, valued at the sales order line's price (a discount is a lower line price). Cost is
what each shipment carried: the moving-average cost at the moment it posted (Movement.unit_cost;
an undo carries its shipment's), so later receipts never rewrite a past margin. Amounts are
summed unrounded and rounded once, so a week or a month is the sum of its days. The operator is
the one who shipped. Quantities are stored units: revenue is qty at the line's price per its
unit (12.00 per 箱 of 24 makes 51 瓶 25.50), cost qty at the cost per base unit
(db/ledger/valuation.py), and qty is shown in base units (1.250 kg, exact: summed per
precision).

--by day|week|month: one row per period (ISO weeks, "2026-W07"), every period of the range
shown even when nothing sold, with the change against the previous period: the trend.
--by item|customer|operator: one row per key, best first (by revenue): the best sellers.
By item, also the units returned and the return rate: returned ÷ shipped (shipped = net
sales + returned).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from gettext import gettext as _

import peewee as pw

from db.core.errors import InvalidInput
from db.core.models import Customer, Item, ItemUnit, Movement, SalesOrder, SalesOrderLine
from db.ledger.valuation import base_quantity, line_amount_sql, value_sql, whole_units_only
from db.reports.common import N_, Report, as_date, exact, fetch, money, net_flow, pct

GROUPINGS = ("day", "week", "month", "item", "customer", "operator")
TIME_COLUMNS = [N_("period"), N_("orders"), N_("qty"), N_("revenue"), N_("cost"), N_("margin"),
                N_("change_pct")]
KEY_COLUMNS = {
    "item": [N_("rank"), N_("sku"), N_("name"), N_("orders"), N_("qty"), N_("revenue"), N_("cost"), N_("margin"),
             N_("share_pct"), N_("returned"), N_("return_rate_pct")],
    "customer": [N_("rank"), N_("customer"), N_("name"), N_("orders"), N_("qty"), N_("revenue"), N_("cost"),
                 N_("margin"), N_("share_pct")],
    "operator": [N_("rank"), N_("operator"), N_("orders"), N_("qty"), N_("revenue"), N_("cost"), N_("margin"),
                 N_("share_pct")],
}


def period_key(day: dt.date, by: str) -> str:
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _unused = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def _period_keys(start: dt.date, end: dt.date, by: str) -> list[str]:
    keys, day = [], start
    while day <= end:
        key = period_key(day, by)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += dt.timedelta(days=1)
    return keys


def sales(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
          by: str = "day", top: int | None = None) -> Report:
    if by not in GROUPINGS:
        raise InvalidInput(_("sales are grouped by one of {items}; got {by!r}").format(
            items=", ".join(GROUPINGS), by=by))
    query, signed, original = net_flow(("ship",), date_from=date_from, date_to=date_to, minus=("rma",))
    qty = pw.fn.SUM(signed)
    revenue = pw.fn.SUM(line_amount_sql(signed, SalesOrderLine.unit_price, ItemUnit.factor, Item.decimals))
    cost = pw.fn.SUM(value_sql(signed, Movement.unit_cost, Item.decimals))
    orders = pw.fn.COUNT(SalesOrderLine.so.distinct())
    lines = query.switch(Movement).join(SalesOrderLine, on=(Movement.so_line == SalesOrderLine.id))
    query = (lines.switch(Movement).join(Item, on=(Movement.item == Item.id))
             .switch(SalesOrderLine).join(ItemUnit, pw.JOIN.LEFT_OUTER, on=(SalesOrderLine.unit == ItemUnit.id)))
    if by in ("day", "week", "month"):
        day = pw.fn.DATE(Movement.created_at)
        if whole_units_only():
            # No decimals, no units in the store: qty × price as ever, without the item join.
            per_day = (lines.select(day, pw.Value(0), qty, pw.fn.SUM(signed * SalesOrderLine.unit_price),
                                    pw.fn.SUM(signed * Movement.unit_cost)).group_by(day).tuples())
        else:
            # Grouped by precision too: the units of each are brought to base units exactly.
            per_day = query.select(day, Item.decimals, qty, revenue, cost).group_by(day, Item.decimals).tuples()
        # Orders are counted per period, not summed over days (an order may ship over days).
        # Without the item join (every movement has its item): a third less to read; rows as
        # the driver returns them (as_date takes SQLite's text), not through peewee.
        per_day_orders = fetch(lines.select(day, SalesOrderLine.so).distinct())
        totals: dict[str, list] = {}
        for d, places, q, r, c in per_day:
            t = totals.setdefault(period_key(as_date(d), by), [0, Decimal(0), Decimal(0), set()])
            t[0] += base_quantity(q, places)
            t[1] += exact(r)
            t[2] += exact(c)
        periods: dict = {}   # DATE() value -> period: the 12,000 order rows fall on a few hundred days
        for d, so in per_day_orders:
            key = periods.get(d)
            if key is None:
                key = periods[d] = period_key(as_date(d), by)
            totals.setdefault(key, [0, Decimal(0), Decimal(0), set()])[3].add(so)
        days = sorted(as_date(d) for d, *_unused in per_day)
        start = date_from or (days[0] if days else None)
        end = date_to or (days[-1] if days else None)
        keys = _period_keys(start, end, by) if start and end else []
        rows, previous = [], None
        for key in keys:
            q, r, c, sos = totals.get(key, [0, Decimal(0), Decimal(0), set()])
            rows.append({"period": key, "orders": len(sos), "qty": q, "revenue": money(r),
                         "cost": money(c), "margin": money(r - c),
                         "change_pct": None if previous is None else pct(r - previous, previous)})
            previous = r
        return rows, list(TIME_COLUMNS)
    if by == "item":
        keys = [Item.sku, Item.name]
    elif by == "customer":
        query = query.switch(SalesOrderLine).join(SalesOrder).join(Customer)
        keys = [Customer.code, Customer.name]
    else:
        keys = [pw.fn.COALESCE(original.operator, Movement.operator)]
    returned = pw.fn.SUM(pw.Case(None, [(Movement.kind == "rma", Movement.qty)], 0))
    # Grouped by precision too (an item has one; a customer may buy kg and 瓶): each group's
    # units to base units exactly, then summed per key.
    grouped = (query.select(*keys, Item.decimals, orders, qty, revenue, cost, returned)
               .group_by(*keys, Item.decimals).tuples())
    names = KEY_COLUMNS[by][1:1 + len(keys)]
    merged: dict[tuple, list] = {}
    mixed = False
    for *key, places, o, q, r, c, back in grouped:
        m = merged.get(tuple(key))
        if m is None:
            m = merged[tuple(key)] = [0, 0, Decimal(0), Decimal(0), 0]
        else:
            mixed = True     # one key, several precisions: its orders are counted once below
        m[0] += o
        m[1] += base_quantity(q, places)
        m[2] += exact(r)
        m[3] += exact(c)
        m[4] += base_quantity(back, places)
    if mixed:
        for *key, o in query.select(*keys, orders).group_by(*keys).tuples():
            merged[tuple(key)][0] = o
    rows = []
    for key, (o, q, r, c, back) in merged.items():
        row = dict(zip(names, key))
        row.update(orders=o, qty=q, revenue=money(r), cost=money(c), margin=money(r - c))
        if by == "item":
            row.update(returned=back, return_rate_pct=pct(back, q + back))
        rows.append(row)
    total = sum((r["revenue"] for r in rows), Decimal(0))
    rows.sort(key=lambda r: (-r["revenue"], -r["qty"], str(r[names[0]])))
    for n, row in enumerate(rows, start=1):
        row["rank"] = n
        row["share_pct"] = pct(row["revenue"], total)
    if top:
        rows = rows[:top]
    return rows, list(KEY_COLUMNS[by])
