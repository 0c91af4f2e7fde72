"""What every money document shares: amounts in cents, numbering, posting, open amounts,
applications (核销) and cancellation (红冲).

Rounding: an amount is exact Decimal; a document line's amount is quantity × price, the price
being per the order line's unit (db.core.quantities.line_amount(stored, price,
line_factor(line)): 12.00 per 箱 of 24 makes 51 瓶 25.50), rounded once, half up, to the
cent; a document's amount is the sum of its lines, so it never needs
rounding again, and every balance and statement is a sum of cents.
"""
from __future__ import annotations

import datetime as dt
from gettext import gettext as _
from db.core.text import Phrase
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import peewee as pw

from db.core.connection import database, write_transaction
from db.core.errors import InvalidInput, NotFound, RuleViolation
from db.core.models import Customer, Supplier, utcnow
from db.core.sql import locked
from db.masterdata.lookup import get_supplier
from db.masterdata.security import audit, require_supervisor
from db.money.models import N_, Application, MoneyDocument, MoneyLine, kind_name

CENT = Decimal("0.01")
# Per side: the party, the debit document (raises the balance) and the money in (lowers it).
SIDE = {
    "payable": {"party": N_("supplier"), "debit": "bill", "money": "payment", "note": "debit_note",
                "prefix": {"payment": "PAY", "debit_note": "DN", "opening": "OB-P", "cancel": "CX-P", "bill": "BILL"}},
    "receivable": {"party": N_("customer"), "debit": "invoice", "money": "receipt", "note": "credit_note",
                   "prefix": {"receipt": "RC", "credit_note": "CN", "opening": "OB-R", "cancel": "CX-R", "invoice": "INV"}},
}


def cents(value) -> Decimal:
    """VALUE rounded once, half up, to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text, name: str | None = None, *, allow_negative: bool = False) -> Decimal:
    """A typed amount: a decimal number of whole cents (positive unless ALLOW_NEGATIVE). NAME
    (already in the user's language) says which amount; default "the amount"."""
    name = _("the amount") if name is None else name
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("{name} must be a number such as 120.50, got {text!r}").format(
            name=name, text=text)) from None
    if not value.is_finite():
        raise InvalidInput(_("{name} must be a number such as 120.50, got {text!r}").format(name=name, text=text))
    if value != value.quantize(CENT):
        raise InvalidInput(_("{name} must be in whole cents (at most 2 decimals), got {text}").format(
            name=name, text=text))
    if value <= 0 and not allow_negative:
        raise InvalidInput(_("{name} must be positive, got {text}").format(name=name, text=text))
    return value.quantize(CENT)


def party(side: str, code: str):
    if side == "payable":
        return get_supplier(code)
    row = Customer.get_or_none(Customer.code == code)
    if row is None:
        raise NotFound(_("unknown customer {code!r}").format(code=code))
    return row


def party_filter(side: str, who) -> list:
    column = MoneyDocument.supplier if side == "payable" else MoneyDocument.customer
    return [MoneyDocument.side == side, column == who.id]


def lock_party(side: str, who):
    """Every money posting of one party takes its row's lock first (PostgreSQL; SQLite's write
    transaction serialises all writers): open amounts read under it stay true until commit."""
    return locked(Supplier if side == "payable" else Customer, who.id)


def next_number(side: str, kind: str, who) -> str:
    prefix = SIDE[side]["prefix"][kind]
    last = (MoneyDocument.select(pw.fn.MAX(MoneyDocument.number))
            .where(MoneyDocument.side == side, MoneyDocument.kind == kind,
                   MoneyDocument.number.startswith(f"{prefix}-")).scalar())
    try:
        n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    except ValueError:
        n = MoneyDocument.select().where(MoneyDocument.side == side, MoneyDocument.kind == kind).count() + 1
    return f"{prefix}-{n:06d}"


def earlier_document(key: str | None, kind: str) -> MoneyDocument | None:
    """The document KEY already posted (a replay); a key of another operation is refused."""
    if not key:
        return None
    doc = MoneyDocument.get_or_none(MoneyDocument.idempotency_key == key)
    if doc is not None and doc.kind != kind:
        raise RuleViolation(_("key {key!r} was used for {kind} {number}, not for a {wanted}: nothing posted").format(
            key=key, kind=kind_name(doc.kind), number=doc.number, wanted=kind_name(kind)))
    return doc


def create_document(side: str, kind: str, who, *, amount: Decimal, date: dt.date, operator: str,
                    station: str = "", number: str | None = None, lines: list[dict] = (),
                    key: str | None = None, **fields) -> MoneyDocument:
    """Write one document and its lines (inside the caller's transaction) and audit it."""
    if amount != cents(amount):
        raise InvalidInput(_("a document's amount is in whole cents, got {amount}").format(amount=amount))
    number = number or next_number(side, kind, who)
    column = SIDE[side]["party"]
    try:
        with database.atomic():
            doc = MoneyDocument.create(side=side, kind=kind, number=number, date=date, amount=amount,
                                       idempotency_key=key, created_by=operator, station=station,
                                       **{column: who}, **fields)
    except pw.IntegrityError:
        if key and MoneyDocument.get_or_none(MoneyDocument.idempotency_key == key) is not None:
            raise RuleViolation(_("key {key!r} was posted meanwhile: nothing posted").format(key=key)) from None
        raise RuleViolation(_("{party} {code} already has a document numbered {number}: nothing posted").format(
            party=_(column), code=who.code, number=number)) from None
    for n, line in enumerate(lines, start=1):
        MoneyLine.create(document=doc, line_no=n, **line)
    audit(operator, station, f"post_{kind}", side=side, party=who.code, number=number, amount=amount,
          date=date, cancels=fields.get("cancels").number if fields.get("cancels") else None)
    return doc


def is_cancelled(doc: MoneyDocument) -> bool:
    return MoneyDocument.select().where(MoneyDocument.cancels == doc.id).exists()


def applied(doc: MoneyDocument, as_credit: bool) -> Decimal:
    column = Application.credit if as_credit else Application.debit
    total = Application.select(pw.fn.SUM(Application.amount)).where(column == doc.id).scalar()
    return Decimal(total or 0)


def open_amount(doc: MoneyDocument) -> Decimal:
    """What is left of a bill or invoice (positive document) to pay, or of a payment, receipt
    or note (negative document) to apply; 0 once cancelled."""
    if doc.kind == "cancel" or is_cancelled(doc):
        return Decimal("0.00")
    amount = Decimal(doc.amount)
    if amount > 0:
        return cents(amount - applied(doc, as_credit=False))
    return cents(-amount - applied(doc, as_credit=True))


def find_document(side: str, who, number: str) -> MoneyDocument:
    """Document NUMBER of party WHO; one of another party is refused by name."""
    doc = MoneyDocument.select().where(*party_filter(side, who), MoneyDocument.number == number).first()
    if doc is not None:
        return doc
    other = (MoneyDocument.select().where(MoneyDocument.side == side, MoneyDocument.number == number)
             .order_by(MoneyDocument.id).first())
    if other is not None:
        owner = other.supplier if side == "payable" else other.customer
        raise RuleViolation(_("{kind} {number} belongs to {party} {owner}, not {code}: nothing posted").format(
            kind=kind_name(other.kind), number=number, party=_(SIDE[side]["party"]), owner=owner.code, code=who.code))
    raise NotFound(_("{party} {code} has no {debit}, payment or note numbered {number!r}").format(
        party=_(SIDE[side]["party"]), code=who.code, debit=kind_name(SIDE[side]["debit"]), number=number))


@dataclass
class Applied:
    credit: MoneyDocument
    debit: MoneyDocument
    amount: Decimal


def apply_money(credit: MoneyDocument, debit: MoneyDocument, amount: Decimal | None, *, date: dt.date,
                operator: str) -> Applied:
    """Set AMOUNT (default: as much as both allow) of CREDIT against DEBIT, inside the caller's
    transaction, after the checks that keep both open amounts at zero or more."""
    if Decimal(credit.amount) >= 0 or credit.kind == "cancel":
        raise RuleViolation(_("{kind} {number} is not money to apply: expected a payment, receipt or note").format(
            kind=kind_name(credit.kind), number=credit.number))
    if Decimal(debit.amount) <= 0 or debit.kind == "cancel":
        raise RuleViolation(_("{kind} {number} is not a bill or invoice to apply money to").format(
            kind=kind_name(debit.kind), number=debit.number))
    for doc in (credit, debit):
        if is_cancelled(doc):
            raise RuleViolation(_("{kind} {number} was cancelled: nothing applied").format(
                kind=kind_name(doc.kind), number=doc.number))
    available, due = open_amount(credit), open_amount(debit)
    if amount is None:
        amount = min(available, due)
    if amount <= 0:
        raise RuleViolation(_("nothing to apply: {credit_kind} {credit} has {available} unapplied, "
                              "{debit_kind} {debit} has {due} open").format(
            credit_kind=kind_name(credit.kind), credit=credit.number, available=available,
            debit_kind=kind_name(debit.kind), debit=debit.number, due=due))
    if amount > due:
        raise RuleViolation(_("{kind} {number} has {due} open; cannot apply {amount}: nothing posted").format(
            kind=kind_name(debit.kind), number=debit.number, due=due, amount=amount))
    if amount > available:
        raise RuleViolation(_("{kind} {number} has {available} unapplied; cannot apply {amount}: nothing posted").format(
            kind=kind_name(credit.kind), number=credit.number, available=available, amount=amount))
    Application.create(credit=credit, debit=debit, amount=amount, date=date, created_by=operator)
    audit(operator, "", "apply", credit=credit.number, debit=debit.number, amount=amount)
    return Applied(credit, debit, amount)


def apply_later(side: str, code: str, credit_number: str, debit_number: str, amount=None, *,
                operator: str, station: str = "", date: dt.date | None = None) -> Applied:
    """`wh apply`: an advance (or a note) set against a bill or invoice of the same party."""
    require_supervisor(operator, N_("applying money to a bill or invoice"))
    value = parse_amount(amount) if amount is not None else None
    who = party(side, code)
    with write_transaction():
        lock_party(side, who)
        credit = find_document(side, who, credit_number)
        debit = find_document(side, who, debit_number)
        return apply_money(credit, debit, value, date=date or utcnow().date(), operator=operator)


@dataclass
class Cancelled:
    original: MoneyDocument
    cancel: MoneyDocument
    reversed_applications: list = field(default_factory=list)


def cancel_document(side: str, code: str, number: str, *, reason: str, operator: str, station: str = "",
                    date: dt.date | None = None) -> Cancelled:
    """红冲: a cancelling document of the opposite amount pointing at NUMBER; its applications
    are reversed (the money they used is free again). Supervisors only; never twice."""
    require_supervisor(operator, Phrase(N_("cancelling {number}"), number=number))
    if not reason:
        raise InvalidInput(_("a cancellation needs a reason, got none"))
    who = party(side, code)
    with write_transaction():
        lock_party(side, who)
        doc = find_document(side, who, number)
        if doc.kind == "cancel":
            raise RuleViolation(_("{number} is itself a cancellation of {cancels}: it cannot be cancelled").format(
                number=doc.number, cancels=doc.cancels.number))
        if is_cancelled(doc):
            raise RuleViolation(_("{kind} {number} was already cancelled: nothing posted").format(
                kind=kind_name(doc.kind), number=doc.number))
        day = date or utcnow().date()
        if day < doc.date:
            raise InvalidInput(_("a cancellation cannot be dated {day}, before {kind} {number} of {date}").format(
                day=day, kind=kind_name(doc.kind), number=doc.number, date=doc.date))
        reversed_rows = []
        for row in Application.select().where((Application.credit == doc.id) | (Application.debit == doc.id),
                                              Application.reverses.is_null()):
            if Application.select().where(Application.reverses == row.id).exists():
                continue
            reversed_rows.append(Application.create(credit=row.credit_id, debit=row.debit_id, amount=-Decimal(row.amount),
                                                    date=day, reverses=row, created_by=operator))
        cancel = create_document(side, "cancel", who, amount=-Decimal(doc.amount), date=day, operator=operator,
                                 station=station, cancels=doc, note=reason)
        return Cancelled(doc, cancel, reversed_rows)


def balance(side: str, who, as_of: dt.date | None = None) -> Decimal:
    query = MoneyDocument.select(pw.fn.SUM(MoneyDocument.amount)).where(*party_filter(side, who))
    if as_of is not None:
        query = query.where(MoneyDocument.date <= as_of)
    return cents(query.scalar() or 0)
