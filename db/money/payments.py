"""Money in both directions: payments to suppliers (`wh pay`) and receipts from customers
(`wh collect`), applied to bills or invoices at once or kept as an advance for `wh apply`."""
from __future__ import annotations

import datetime as dt
from gettext import gettext as _
from dataclasses import dataclass, field
from decimal import Decimal

from db.core.connection import write_transaction
from db.core.errors import InvalidInput
from db.core.models import utcnow
from db.masterdata.security import N_, require_supervisor
from db.money.documents import (SIDE, Applied, apply_money, balance, create_document, earlier_document,
                                find_document, lock_party, open_amount, parse_amount, party)
from db.money.models import MoneyDocument, kind_name


@dataclass
class MoneyIn:
    document: MoneyDocument
    applied: list[Applied] = field(default_factory=list)
    unapplied: Decimal = Decimal("0.00")
    messages: list[str] = field(default_factory=list)
    replayed: bool = False


def parse_applies(specs: list[str]) -> list[tuple[str, Decimal | None]]:
    """`BILL` or `BILL=AMOUNT` each."""
    out = []
    for spec in specs or []:
        number, sep, amount = str(spec).partition("=")
        if not number.strip():
            raise InvalidInput(_("--apply takes DOCUMENT or DOCUMENT=AMOUNT, got {spec!r}").format(spec=spec))
        name = _("the amount applied to {number}").format(number=number.strip())
        out.append((number.strip(), parse_amount(amount, name) if sep else None))
    return out


def money_in(side: str, code: str, amount, *, operator: str, station: str = "",
             applies: list[tuple[str, Decimal | None]] = (), date: dt.date | None = None,
             reference: str = "", key: str | None = None) -> MoneyIn:
    """Record AMOUNT paid to supplier CODE (payable) or received from customer CODE
    (receivable), applied to APPLIES in order; the rest is an advance."""
    kind = SIDE[side]["money"]
    earlier = earlier_document(key, kind)
    if earlier is not None:
        return MoneyIn(earlier, unapplied=open_amount(earlier), replayed=True,
                       messages=[_("key {key!r} was posted before as {kind} {number}: nothing posted now").format(
                           key=key, kind=kind_name(kind), number=earlier.number)])
    require_supervisor(operator, N_("recording a payment") if side == "payable" else N_("recording a receipt"))
    value = parse_amount(amount)
    who = party(side, code)
    day = date or utcnow().date()
    with write_transaction():
        lock_party(side, who)
        owed = balance(side, who)
        targets = [(find_document(side, who, number), part) for number, part in applies]
        doc = create_document(side, kind, who, amount=-value, date=day, operator=operator, station=station,
                              reference=reference, key=key)
        result = MoneyIn(doc)
        for target, part in targets:
            if part is None and open_amount(doc) == 0:
                raise InvalidInput(_("{kind} {number} of {value} is used up before {target}: "
                                     "give {target}=AMOUNT or apply fewer; nothing posted").format(
                    kind=kind_name(kind), number=doc.number, value=value, target=target.number))
            result.applied.append(apply_money(doc, target, part, date=day, operator=operator))
        result.unapplied = open_amount(doc)
        if result.unapplied:
            result.messages.append(_("{unapplied} unapplied: an advance, to apply later with wh apply").format(
                unapplied=result.unapplied))
        if value > owed:
            owing = max(owed, Decimal(0))
            result.messages.append(_("{value} is {more} more than the {owed} owed: the difference is an advance").format(
                value=value, more=value - owing, owed=owing))
        return result


def pay(supplier: str, amount, **kw) -> MoneyIn:
    return money_in("payable", supplier, amount, **kw)


def collect(customer: str, amount, **kw) -> MoneyIn:
    return money_in("receivable", customer, amount, **kw)


def money_in_cli(side: str, code: str, amount, *, applies: list[str] = (), **kw) -> MoneyIn:
    """`wh pay` and `wh collect`: APPLIES as typed (`DOC` or `DOC=AMOUNT`)."""
    return money_in(side, code, amount, applies=parse_applies(applies), **kw)
