"""A period of whole days, the one convention every report and the audit trail use.

`date_from` and `date_to` are both included: the period runs from 00:00 of `date_from` up to,
not including, 00:00 of the day after `date_to` (naive UTC, like every timestamp in the store).
An end left out (None) is unbounded. Half-open in time, so a timestamp at any fraction of a
second belongs to exactly one day.
"""
from __future__ import annotations

import datetime as dt


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min)


def day_end(day: dt.date) -> dt.datetime:
    """00:00 of the next day: the exclusive end of DAY."""
    return day_start(day + dt.timedelta(days=1))


def bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(start, end) of the period: start included, end excluded; None where a date is None."""
    return (day_start(date_from) if date_from else None), (day_end(date_to) if date_to else None)


def contains(moment: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """MOMENT lies in [START, END) (`bounds`)."""
    return (start is None or moment >= start) and (end is None or moment < end)


def within(field, date_from: dt.date | None, date_to: dt.date | None) -> list:
    """Conditions putting a timestamp FIELD inside the period (an open end is unbounded)."""
    return in_bounds(field, *bounds(date_from, date_to))


def in_bounds(field, start: dt.datetime | None, end: dt.datetime | None) -> list:
    """Conditions putting a timestamp FIELD in [START, END) (`bounds`)."""
    conds = []
    if start is not None:
        conds.append(field >= start)
    if end is not None:
        conds.append(field < end)
    return conds
