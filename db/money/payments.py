"""Money in both directions: payments to suppliers (`wh pay`) and receipts from customers
(`wh collect`), applied to bills or invoices at once or kept as an advance for `wh apply`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from db.core.connection import write_transaction
from db.core.errors import InvalidInput
from db.core.models import utcnow
from db.masterdata.security import require_supervisor
from db.money.documents import (SIDE, Applied, apply_money, balance, create_document, earlier_document,
                                find_document, lock_party, open_amount, parse_amount, party)
from db.money.models import MoneyDocument


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
            raise InvalidInput(f"--apply takes DOCUMENT or DOCUMENT=AMOUNT, got {spec!r}")
        out.append((number.strip(), parse_amount(amount, f"the amount applied to {number.strip()}") if sep else None))
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
                       messages=[f"key {key!r} was posted before as {kind} {earlier.number}: nothing posted now"])
    require_supervisor(operator, "recording a payment" if side == "payable" else "recording a receipt")
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
                raise InvalidInput(f"{kind} {doc.number} of {value} is used up before {target.number}: "
                                   f"give {target.number}=AMOUNT or apply fewer; nothing posted")
            result.applied.append(apply_money(doc, target, part, date=day, operator=operator))
        result.unapplied = open_amount(doc)
        if result.unapplied:
            result.messages.append(f"{result.unapplied} unapplied: an advance, to apply later with wh apply")
        if value > owed:
            result.messages.append(f"{value} is {value - max(owed, Decimal(0))} more than the {max(owed, Decimal(0))} "
                                   f"owed: the difference is an advance")
        return result


def pay(supplier: str, amount, **kw) -> MoneyIn:
    return money_in("payable", supplier, amount, **kw)


def collect(customer: str, amount, **kw) -> MoneyIn:
    return money_in("receivable", customer, amount, **kw)


def money_in_cli(side: str, code: str, amount, *, applies: list[str] = (), **kw) -> MoneyIn:
    """`wh pay` and `wh collect`: APPLIES as typed (`DOC` or `DOC=AMOUNT`)."""
    return money_in(side, code, amount, applies=parse_applies(applies), **kw)
