"""The store's clock: what "today" is for the rules that depend on the date (expiry).

One home, so a test (or a demo replaying a day) fixes the date once and every rule, report and
screen agrees: `fixed_today(day)` within a block, or `WH_TODAY=YYYY-MM-DD` in the environment
for a whole process (the `wh` subprocess tests). Without either it is UTC's today, like every
time stamp the store writes (`models.utcnow`).
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from gettext import gettext as _
from typing import Iterator

_fixed: list[dt.date] = []


def today() -> dt.date:
    if _fixed:
        return _fixed[-1]
    forced = os.environ.get("WH_TODAY")
    if forced:
        try:
            return dt.date.fromisoformat(forced)
        except ValueError:
            raise ValueError(_("WH_TODAY must be a date as YYYY-MM-DD, got {forced!r}").format(forced=forced)) from None
    return dt.datetime.now(dt.timezone.utc).date()


@contextmanager
def fixed_today(day: dt.date) -> Iterator[dt.date]:
    """Within the block, `today()` is DAY (every thread: stations run flows in a worker)."""
    _fixed.append(day)
    try:
        yield day
    finally:
        _fixed.pop()
