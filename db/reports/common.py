"""What every report shares: the period, "usable" stock, net ledger flows and number shapes.

A report is plain Python: it takes optional `date_from`/`date_to` dates and config values as
arguments and returns `(rows, columns)`, rows being dicts. The CLI and the supervisor screens
call the same functions, so they always show the same numbers.

Definitions used everywhere (docs/reports.md repeats them):
- usable stock = what sits at physical locations of kind storage, receiving or shipping.
  Quarantine holds rejected goods that go back to the supplier: not ours to sell or value.
- a period is whole days, both dates included (db/core/period.py, the one convention).
- net flow of a movement kind: the movements of that kind minus the undo movements that
  reverse them. Each counts on its own date, so a closed period never changes afterwards.
"""
from __future__ import annotations

import datetime as dt
import operator
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from gettext import gettext as _
from typing import Iterable

import peewee as pw

from db.core.models import USABLE_KINDS, Balance, Location, Movement
from db.core.period import day_end, day_start, within  # noqa: F401  (the reports' period, from its one home)

Report = tuple[list[dict], list[str]]


def N_(text: str) -> str:
    """Mark a report's title or column name for the catalogue, keeping it English: it is also a
    CSV header and a JSON key (contracts). The screens translate it where they show it
    (terminal.i18n.shown); db/ cannot import terminal/, hence this copy of its N_."""
    return text

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")


def today() -> dt.date:
    """The store's clock (db/core/clock.py): a fixed test date reaches the reports too."""
    from db.core.clock import today as store_today
    return store_today()


def window(date_from: dt.date | None, date_to: dt.date | None, days: int,
           now: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """A closed period for reports that need one (turnover, ABC): missing ends default to
    today and to DAYS days back from the end."""
    end = date_to or now or today()
    start = date_from or end - dt.timedelta(days=days - 1)
    if start > end:
        from db.core.errors import InvalidInput
        raise InvalidInput(_("the period starts {start} after it ends {end}").format(start=start, end=end))
    return start, end


def unit(value) -> Decimal | None:
    """A unit cost (kept at 10 decimals) as shown: 4 decimals. None stays None."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(UNIT, rounding=ROUND_HALF_UP)


def exact(value) -> Decimal:
    """A money value from SQL (Decimal, float, int or None) as a Decimal, not rounded."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value) -> Decimal:
    """A sum from SQL (Decimal, float, int or None) as Decimal cents."""
    if value is None:
        return Decimal("0.00")
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class MoneyCache(dict):
    """money() per value, remembered: `costs[unit_cost]`. Reports convert one cost per item,
    and 100,000 items share a few thousand distinct costs: calling money() for each was a
    large part of their time. Use one per run and per column, so every key comes from the
    same driver (a float and a Decimal that compare equal can round apart)."""

    def __missing__(self, value) -> Decimal:
        out = self[value] = money(value)
        return out


def pct(part, whole, places: int = 1) -> float | None:
    """PART as a percentage of WHOLE, None when there is no whole."""
    if not whole:
        return None
    return round(float(part) * 100.0 / float(whole), places)


def as_date(value) -> dt.date | None:
    """A DATE() result (a string on SQLite, a date on PostgreSQL) or a timestamp as a date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_datetime(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def net_flow(kinds: Iterable[str], *fields, date_from: dt.date | None = None,
             date_to: dt.date | None = None, minus: Iterable[str] = ()):
    """A query over the movements of KINDS and the undos that reverse them.

    Returns (query, signed_qty, original): select FIELDS plus aggregates of `signed_qty`
    (+qty for a movement of KINDS, -qty for its undo, and -qty for a movement of MINUS: the
    returns that take KINDS back, such as "rma" for "ship"); `original` is the aliased
    reversed movement, for grouping an undo under the original's operator or location.
    """
    kinds, minus = tuple(kinds), tuple(minus)
    original = Movement.alias("orig")
    signed = pw.Case(None, [(Movement.kind.in_(kinds), Movement.qty)], 0 - Movement.qty)
    wanted = (Movement.kind.in_(kinds)) | ((Movement.kind == "undo") & original.kind.in_(kinds))
    if minus:
        wanted = wanted | Movement.kind.in_(minus)
    query = (Movement.select(*fields)
             .join(original, pw.JOIN.LEFT_OUTER, on=(Movement.reverses == original.id))
             .where(wanted))
    return where_all(query, within(Movement.created_at, date_from, date_to)), signed, original


def where_all(query, conditions: list):
    """QUERY narrowed by every condition (none: unchanged)."""
    return query.where(*conditions) if conditions else query


def fetch(query) -> list[tuple]:
    """QUERY's rows as the driver returns them. peewee's per-row conversion costs more than the
    query itself over 100,000 rows (bench/RESULTS.md); use this for ids, counts and text, and
    convert money yourself (`money` takes SQLite's floats and PostgreSQL's Decimals alike)."""
    from db.core.connection import database
    return database.execute(query).fetchall()


def not_among(field, ids: list[int]):
    """FIELD NOT IN IDS, written as a few ranges of consecutive ids when it can be: SQLite
    looks each row up in a temporary index for NOT IN, and compares ranges faster (a fifth of
    usable_on_hand's time over 468,000 balances). Many scattered ids stay a NOT IN."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    if len(runs) > 8:
        return field.not_in(ids)
    among = [field.between(lo, hi) if lo < hi else field == lo for lo, hi in runs]
    return ~reduce(operator.or_, among)


def usable_on_hand() -> dict[int, int]:
    """Item id -> usable units now, from the cached balances (one GROUP BY)."""
    # The few locations that are not usable (the virtual ones, quarantine), listed: cheaper per
    # balance row than joining Location.
    not_usable = [i for (i,) in fetch(Location.select(Location.id).where(Location.kind.not_in(USABLE_KINDS)))]
    query = (Balance.select(Balance.item, pw.fn.SUM(Balance.qty))
             .where(not_among(Balance.location, not_usable) if not_usable else pw.SQL("1 = 1"))
             .group_by(Balance.item))
    # SUM of an integer column over at least one row: an int on both backends, never NULL.
    return dict(fetch(query))


def usable_ids():
    """Subquery: ids of the usable locations (IN this beats joining Location per movement)."""
    return Location.select(Location.id).where(Location.kind.in_(USABLE_KINDS))


def item_key():
    """Movement.item as a GROUP BY key. Grouping on the bare column makes SQLite walk the
    (item, created_at) index in item order and read every movement row at random; the
    expression makes it take the period's rows by date and sort them: several times faster on
    millions of movements. PostgreSQL does not care either way."""
    return (Movement.item + 0).alias("item_key")


def usable_change_since(moment: dt.datetime) -> dict[int, int]:
    """Item id -> net units that entered usable locations at or after MOMENT.

    Stock at MOMENT = usable now - this. One aggregate over the movements since MOMENT.
    """
    return {item: since for item, (since, _unused) in usable_changes_since(moment, None).items()}


def usable_changes_since(first: dt.datetime, second: dt.datetime | None, *,
                         values: bool = False) -> dict[int, tuple]:
    """Item id -> (net units into usable locations since FIRST, and since SECOND >= FIRST), in
    one pass over the movements since FIRST (the stock at both ends of a period). With
    VALUES, then the net value those units carried over each (qty × each movement's unit
    cost per base unit, scaled per item by db/ledger/valuation.py): the value at a moment is
    the value now minus what came in since.

    At whole days on SQLite this reads the per-day summary (db/ledger/flow_summary.py) instead: the
    same numbers from a fraction of the rows."""
    from db.ledger import flow_summary
    whole_days = all(m is None or m.time() == dt.time.min for m in (first, second))
    if whole_days and flow_summary.refresh():
        return flow_summary.usable_changes_since(first.date(), second.date() if second else None,
                                                 values=values)
    key = item_key()
    delta = (pw.Case(None, [(Movement.to_location.in_(usable_ids()), Movement.qty)], 0)
             - pw.Case(None, [(Movement.from_location.in_(usable_ids()), Movement.qty)], 0))
    later = pw.Case(None, [(Movement.created_at >= second, delta)], 0) if second else pw.Value(0)
    columns = [pw.fn.SUM(delta), pw.fn.SUM(later)]
    if values:
        worth = delta * pw.fn.COALESCE(Movement.unit_cost, 0)
        columns += [pw.fn.SUM(worth),
                    pw.fn.SUM(pw.Case(None, [(Movement.created_at >= second, worth)], 0)) if second else pw.Value(0)]
    query = (Movement.select(key, *columns)
             .where(Movement.created_at >= first)
             .group_by(key).tuples())
    if values:
        from db.ledger.valuation import scale_values
        return scale_values({item: (int(a or 0), int(b or 0), v or 0, w or 0) for item, a, b, v, w in query},
                            (2, 3))
    return {item: (int(a or 0), int(b or 0)) for item, a, b in query}


def stock_values() -> dict[int, Decimal]:
    """Item id -> the value of its usable stock now (db/ledger/costing.py keeps it), for every
    item that holds a value."""
    from db.core.models import Item
    return {i: exact(v) for i, v in fetch(Item.select(Item.id, Item.stock_value).where(Item.stock_value != 0))}


def valued_at(day: dt.date | None) -> dict[int, tuple[int, Decimal]]:
    """Item id -> (usable units, their value) at the end of DAY (now when DAY is None, today or
    later): the ledger's sum up to then of qty × the unit cost each movement carried, worked
    out as the value now minus what entered since."""
    now_units = usable_on_hand()
    now_values = stock_values()
    zero = Decimal(0)
    out = {i: (now_units.get(i, 0), now_values.get(i, zero)) for i in set(now_units) | set(now_values)}
    if day is None or day >= today():
        return out
    for item, (units, _unused, value, _unused2) in usable_changes_since(day_end(day), None, values=True).items():
        q, v = out.get(item, (0, Decimal(0)))
        out[item] = (q - units, v - exact(value))
    return out


def usable_at(day: dt.date | None) -> dict[int, int]:
    """Item id -> usable units at the end of DAY (now when DAY is None or today or later)."""
    now = usable_on_hand()
    if day is None or day >= today():
        return now
    change = usable_change_since(day_end(day))
    return {item: now.get(item, 0) - change.get(item, 0) for item in set(now) | set(change)}
