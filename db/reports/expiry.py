"""Expired and expiring stock, with its value: `wh report expiry` and the dashboard's alert line.

Rows: lots expired, or expiring within DAYS of the store's today, with units at a physical
location other than quarantine (`wh quarantine --expired` moves the expired ones there).
Value = units × the item's moving-average cost per base unit, rounded to cents once per row;
units are shown in the item's base unit (1.250 for 1.250 kg). The rule of what "expired"
means lives in db/inventory/expiry.py.
"""
from __future__ import annotations

import datetime as dt
from gettext import gettext as _

from db.inventory.expiry import EXPIRING_DAYS, expiry_rows
from db.core.text import plural
from db.ledger.valuation import base_quantity
from db.reports.common import N_, Report, money

COLUMNS = [N_("status"), N_("sku"), N_("name"), N_("lot"), N_("expiry"), N_("days_left"), N_("location"),
           N_("qty"), N_("value")]


def expiry(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
           days: int = EXPIRING_DAYS, today: dt.date | None = None) -> Report:
    """The period does not apply: expiry is about today."""
    rows = expiry_rows(days, today)
    scaled = _decimals_by_sku()
    for r in rows:
        r["value"] = money(r["value"])
        r["qty"] = base_quantity(r["qty"], scaled.get(r["sku"], 0))
    return rows, list(COLUMNS)


def _decimals_by_sku() -> dict[str, int]:
    from db.core.models import Item
    return dict(Item.select(Item.sku, Item.decimals).where(Item.decimals != 0).tuples())


def expiry_alert(days: int = EXPIRING_DAYS, today: dt.date | None = None) -> str | None:
    """One line for the supervisor's dashboard, or None when nothing is expired or expiring:
    "Expiry: 3 lots expired (120 units, value 540.00) · 2 expiring within 30 days (60 units)"."""
    rows = expiry_rows(days, today)
    if not rows:
        return None
    scaled = _decimals_by_sku()
    parts = []
    for status, label in (("expired", _("expired")),
                          ("expiring", _("expiring within {days}").format(days=plural(days, 'day')))):
        mine = [r for r in rows if r["status"] == status]
        if mine:
            lots = len({(r["sku"], r["lot"]) for r in mine})
            units = sum(base_quantity(r["qty"], scaled.get(r["sku"], 0)) for r in mine)
            value = money(sum(r["value"] for r in mine))
            parts.append(_("{lots} {label} ({units}, value {value:,.2f})").format(
                lots=plural(lots, 'lot'), label=label, units=plural(units, 'unit'), value=value))
    return _("Expiry: {parts}").format(parts=" · ".join(parts))
