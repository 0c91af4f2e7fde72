"""Statements (对账单) and ageing of one party, and of every party of a side.

A statement: the balance before FROM, every document dated FROM..TO in date order with the
running balance, and the closing balance, which is the opening plus the lines by construction.
Ageing: the balance split by how overdue its open bills or invoices are (by due date), after
the money applied to them; money not applied to any (an advance, a note) is set against the
oldest open items, and what is left of it shows as a negative "current" amount, so the buckets
always add up to the balance.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from gettext import gettext as _

from db.core.models import Customer, Supplier
from db.core.models import utcnow
from db.money.documents import SIDE, balance, cents, open_amount, party, party_filter
from db.money.models import N_, MoneyDocument

# Column names (and JSON keys, a contract: English); marked, translated where a table shows them.
BUCKETS = (N_("current"), N_("1-30"), N_("31-60"), N_("61-90"), N_("over_90"))
LINE_KEYS = (N_("date"), N_("kind"), N_("document"), N_("reference"), N_("due_date"), N_("amount"), N_("balance"))


def statement(side: str, code: str, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    who = party(side, code)
    opening = balance(side, who, date_from - dt.timedelta(days=1)) if date_from else Decimal("0.00")
    query = MoneyDocument.select().where(*party_filter(side, who))
    if date_from:
        query = query.where(MoneyDocument.date >= date_from)
    if date_to:
        query = query.where(MoneyDocument.date <= date_to)
    running, lines = opening, []
    for doc in query.order_by(MoneyDocument.date, MoneyDocument.id):
        running = cents(running + Decimal(doc.amount))
        reference = doc.reference or (_("cancels {number}").format(number=doc.cancels.number) if doc.cancels_id else "")
        lines.append({"date": doc.date, "kind": doc.kind, "document": doc.number, "reference": reference,
                      "due_date": doc.due_date, "amount": cents(doc.amount), "balance": running})
    return {SIDE[side]["party"]: who.code, "name": who.name, "from": date_from, "to": date_to,
            "opening_balance": opening, "lines": lines, "closing_balance": running}


def bucket(due: dt.date | None, today: dt.date) -> str:
    days = (today - due).days if due else 0
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "over_90"


def ageing(side: str, who, today: dt.date | None = None) -> dict:
    """{balance, current, 1-30, 31-60, 61-90, over_90, overdue} of one party as of TODAY."""
    today = today or utcnow().date()
    items, credit = [], Decimal("0.00")
    # Every document, also one dated after TODAY: the buckets add up to the balance.
    for doc in MoneyDocument.select().where(*party_filter(side, who), MoneyDocument.kind != "cancel"):
        left = open_amount(doc)
        if Decimal(doc.amount) > 0:
            if left:
                items.append([doc.due_date or doc.date, left])
        else:
            credit += left
    out = {b: Decimal("0.00") for b in BUCKETS}
    for item in sorted(items, key=lambda i: i[0]):
        used = min(credit, item[1])
        credit -= used
        item[1] -= used
        out[bucket(item[0], today)] += item[1]
    out["current"] -= credit
    out["balance"] = sum((out[b] for b in BUCKETS), Decimal("0.00"))
    out["overdue"] = sum((out[b] for b in BUCKETS[1:]), Decimal("0.00"))
    return out


def side_ageing(side: str, today: dt.date | None = None) -> list[dict]:
    """Every party of SIDE with documents, by code: its terms, balance and buckets."""
    model = Supplier if side == "payable" else Customer
    column = MoneyDocument.supplier if side == "payable" else MoneyDocument.customer
    ids = {row[0] for row in MoneyDocument.select(column).where(MoneyDocument.side == side).distinct().tuples()}
    rows = []
    for who in model.select().where(model.id.in_(list(ids))).order_by(model.code):
        row = {SIDE[side]["party"]: who.code, "name": who.name, "terms_days": who.terms_days}
        row.update(ageing(side, who, today))
        if side == "receivable":
            row["credit_limit"] = cents(who.credit_limit)
        rows.append(row)
    return rows
