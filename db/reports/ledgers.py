"""Payables and receivables: per supplier or customer, the balance and its ageing by due date.

The numbers are db/money's (one home): each row's balance is the closing balance of that
party's statement, and the buckets (current, 1-30, 31-60, 61-90, over 90 days overdue) add up
to it. Payment terms are per party (`terms_days`, importable), else [money]
supplier_terms_days / customer_terms_days.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from gettext import ngettext

from db.money.statements import BUCKETS, side_ageing
from db.reports.common import N_, Report

PAYABLE_COLUMNS = [N_("supplier"), N_("name"), N_("terms_days"), N_("balance"), *BUCKETS, N_("overdue")]
RECEIVABLE_COLUMNS = [N_("customer"), N_("name"), N_("terms_days"), N_("credit_limit"), N_("balance"),
                      *BUCKETS, N_("overdue")]


def payables(today: dt.date | None = None) -> Report:
    return side_ageing("payable", today), list(PAYABLE_COLUMNS)


def receivables(today: dt.date | None = None) -> Report:
    return side_ageing("receivable", today), list(RECEIVABLE_COLUMNS)


def overdue_summary(today: dt.date | None = None) -> str:
    """One line for the supervisor's dashboard: what is overdue each way, and with how many."""
    parts = []
    for side, (rows, _unused) in (("payables", payables(today)), ("receivables", receivables(today))):
        late = [r for r in rows if r["overdue"] > 0]
        total = sum((r["overdue"] for r in late), Decimal("0.00"))
        if side == "payables":
            text = ngettext("payables overdue {total:.2f} ({n} supplier)",
                            "payables overdue {total:.2f} ({n} suppliers)", len(late))
        else:
            text = ngettext("receivables overdue {total:.2f} ({n} customer)",
                            "receivables overdue {total:.2f} ({n} customers)", len(late))
        parts.append(text.format(total=total, n=len(late)))
    return " · ".join(parts)
