"""Expired and expiring stock, with its value: `wh report expiry` and the dashboard's alert line.

Rows: lots expired, or expiring within DAYS of the store's today, with units at a physical
location other than quarantine (`wh quarantine --expired` moves the expired ones there).
Value = units × the item's moving-average cost, rounded to cents once per row. The rule of
what "expired" means lives in db/inventory/expiry.py.
"""
from __future__ import annotations

import datetime as dt

from db.inventory.expiry import EXPIRING_DAYS, expiry_rows
from db.core.text import plural
from db.reports.common import Report, money

COLUMNS = ["status", "sku", "name", "lot", "expiry", "days_left", "location", "qty", "value"]


def expiry(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
           days: int = EXPIRING_DAYS, today: dt.date | None = None) -> Report:
    """The period does not apply: expiry is about today."""
    rows = expiry_rows(days, today)
    for r in rows:
        r["value"] = money(r["value"])
    return rows, list(COLUMNS)


def expiry_alert(days: int = EXPIRING_DAYS, today: dt.date | None = None) -> str | None:
    """One line for the supervisor's dashboard, or None when nothing is expired or expiring:
    "Expiry: 3 lots expired (120 units, value 540.00) · 2 expiring within 30 days (60 units)"."""
    rows = expiry_rows(days, today)
    if not rows:
        return None
    parts = []
    for status, label in (("expired", "expired"), ("expiring", f"expiring within {plural(days, 'day')}")):
        mine = [r for r in rows if r["status"] == status]
        if mine:
            lots = len({(r["sku"], r["lot"]) for r in mine})
            units = sum(r["qty"] for r in mine)
            value = money(sum(r["value"] for r in mine))
            parts.append(f"{plural(lots, 'lot')} {label} ({plural(units, 'unit')}, value {value:,.2f})")
    return "Expiry: " + " · ".join(parts)
