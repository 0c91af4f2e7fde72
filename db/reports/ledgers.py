"""Payables and receivables: per supplier or customer, the balance and its ageing by due date.

The numbers are db/money's (one home): each row's balance is the closing balance of that
party's statement, and the buckets (current, 1-30, 31-60, 61-90, over 90 days overdue) add up
to it. Payment terms are per party (`terms_days`, importable), else [money]
supplier_terms_days / customer_terms_days.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from db.money.statements import BUCKETS, side_ageing
from db.reports.common import Report

PAYABLE_COLUMNS = ["supplier", "name", "terms_days", "balance", *BUCKETS, "overdue"]
RECEIVABLE_COLUMNS = ["customer", "name", "terms_days", "credit_limit", "balance", *BUCKETS, "overdue"]


def payables(today: dt.date | None = None) -> Report:
    return side_ageing("payable", today), list(PAYABLE_COLUMNS)


def receivables(today: dt.date | None = None) -> Report:
    return side_ageing("receivable", today), list(RECEIVABLE_COLUMNS)


def overdue_summary(today: dt.date | None = None) -> str:
    """One line for the supervisor's dashboard: what is overdue each way, and with how many."""
    parts = []
    for side, (rows, _) in (("payables", payables(today)), ("receivables", receivables(today))):
        late = [r for r in rows if r["overdue"] > 0]
        total = sum((r["overdue"] for r in late), Decimal("0.00"))
        who = "supplier" if side == "payables" else "customer"
        parts.append(f"{side} overdue {total:.2f} ({len(late)} {who}{'' if len(late) == 1 else 's'})")
    return " · ".join(parts)
