"""Supplier bills from receipts, with the three-way match (order, receipt, bill).

A bill bills, per PO line, what was accepted and not yet billed, at the PO price (per the
line's unit: 12.00 per 箱 of 24 bills 51 瓶 at 25.50). Quantities:
billed − debited never exceeds accepted − returned (every return of accepted goods writes a
debit note, so that is billed ≤ accepted). Prices: a billed price that differs from the PO's by
more than [money] price_tolerance_pct is refused; within it the line is flagged and a warning
is given.
"""
from __future__ import annotations

import datetime as dt
from gettext import gettext as _, ngettext
from dataclasses import dataclass, field
from decimal import Decimal

import peewee as pw

from db.core.connection import write_transaction
from db.core.quantities import line_amount, line_factor
from db.core.errors import InvalidInput, RuleViolation
from db.core.models import PurchaseOrderLine, utcnow
from db.masterdata.lookup import get_item, get_po
from db.masterdata.security import get_operator
from db.money.documents import cents, create_document, earlier_document, lock_party
from db.money.models import N_, MoneyDocument, MoneyLine
from db.money.settings import setting


@dataclass
class Posted:
    document: MoneyDocument
    warnings: list[str] = field(default_factory=list)
    replayed: bool = False


def terms_days(who) -> int:
    """The party's payment terms, else the [money] default of its side."""
    if who.terms_days is not None:
        return who.terms_days
    from db.core.models import Supplier
    return int(setting("supplier_terms_days" if isinstance(who, Supplier) else "customer_terms_days"))


def line_quantity(kinds: tuple[str, ...], column, line_id: int) -> int:
    """Units on document lines of KINDS (not cancelled) for order line LINE_ID."""
    cancelled = MoneyDocument.select(MoneyDocument.cancels).where(MoneyDocument.cancels.is_null(False))
    total = (MoneyLine.select(pw.fn.SUM(MoneyLine.qty)).join(MoneyDocument)
             .where(column == line_id, MoneyDocument.kind.in_(kinds), MoneyDocument.id.not_in(cancelled)).scalar())
    return int(total or 0)


def billable(line: PurchaseOrderLine) -> int:
    """Accepted and not yet billed (net of the debit notes of returns)."""
    billed = line_quantity(("bill",), MoneyLine.po_line, line.id)
    debited = line_quantity(("debit_note",), MoneyLine.po_line, line.id)
    from db.returns.models import ReturnLine
    returned = sum(r.qty_sent for r in ReturnLine.select(ReturnLine.qty_sent).where(
        ReturnLine.po_line == line.id, ReturnLine.from_usable == True))   # noqa: E712
    return max(0, line.qty_received - returned - (billed - debited))


# A billed price within the tolerance: the line's flag and the bill's note keep it in English
# (stored text); the warning shown now is in the user's language.
PRICE_FLAG = N_("price {billed} vs PO {ordered} ({pct:+.2f}%)")
FLAG_WARNING = N_("{number} line {line_no} {sku}: {flag} (within the tolerance)")


def _price_check(sku: str, billed: Decimal, ordered: Decimal, tolerance: Decimal) -> dict | None:
    """None when the prices agree, the flag's fields within the tolerance; beyond it refused."""
    if billed == ordered:
        return None
    if ordered == 0:
        raise RuleViolation(_("{sku} has no PO price to bill against, got {billed}: nothing posted").format(
            sku=sku, billed=billed))
    pct = (billed - ordered) / ordered * 100
    if abs(pct) > tolerance:
        raise RuleViolation(_("billed price {billed} for {sku} differs from the PO price {ordered} by "
                              "{pct:+.2f}%, beyond the {tolerance}% tolerance: nothing posted").format(
            billed=billed, sku=sku, ordered=cents(ordered), pct=pct, tolerance=tolerance))
    return {"billed": billed, "ordered": cents(ordered), "pct": pct}


def bill(po: str, *, operator: str, station: str = "", number: str | None = None,
         date: dt.date | None = None, prices: dict[str, Decimal] | None = None,
         key: str | None = None) -> Posted:
    """`wh bill`: bill what PO accepted and nobody billed yet, at the PO price (or PRICES per
    SKU, within the tolerance)."""
    earlier = earlier_document(key, "bill")
    if earlier is not None:
        return Posted(earlier, replayed=True)
    get_operator(operator)
    order = get_po(po)
    prices = dict(prices or {})
    for sku in prices:
        item = get_item(sku)
        if not any(l.item_id == item.id for l in order.lines):
            raise InvalidInput(_("{sku} is not on purchase order {number}: no price to bill for it").format(
                sku=sku, number=order.number))
    if number is not None and not str(number).strip():
        raise InvalidInput(_("a bill number cannot be empty"))
    tolerance = Decimal(str(setting("price_tolerance_pct")))
    day = date or utcnow().date()
    with write_transaction():
        who = lock_party("payable", order.supplier)
        lines, notes, warnings, first_receipt = [], [], [], None
        for line in order.lines.order_by(PurchaseOrderLine.line_no):
            qty = billable(line)
            if qty <= 0:
                continue
            sku = line.item.sku
            price = prices.get(sku, Decimal(line.unit_cost))
            check = _price_check(sku, Decimal(price), Decimal(line.unit_cost), tolerance)
            flag = PRICE_FLAG.format(**check) if check else ""
            if check:
                where = {"number": order.number, "line_no": line.line_no, "sku": sku}
                notes.append(FLAG_WARNING.format(flag=flag, **where))
                warnings.append(_(FLAG_WARNING).format(flag=_(PRICE_FLAG).format(**check), **where))
            received = line.first_received_at.date() if line.first_received_at else None
            first_receipt = min(filter(None, (first_receipt, received)), default=None)
            lines.append({"item": line.item_id, "qty": qty, "unit_price": price,
                          "amount": cents(line_amount(qty, price, line_factor(line))), "po_line": line.id, "flag": flag})
        if not lines:
            accepted = sum(l.qty_received for l in order.lines)
            raise RuleViolation(ngettext("nothing to bill on {number}: {n} unit accepted, all billed "
                                         "or returned: nothing posted",
                                         "nothing to bill on {number}: {n} units accepted, all billed "
                                         "or returned: nothing posted", accepted).format(
                number=order.number, n=accepted))
        if first_receipt is not None and day < first_receipt:
            raise RuleViolation(_("a bill dated {day} is before the first receipt on {number} "
                                  "({first_receipt}): nothing posted").format(
                day=day, number=order.number, first_receipt=first_receipt))
        amount = sum((l["amount"] for l in lines), Decimal("0.00"))
        doc = create_document("payable", "bill", who, amount=amount, date=day, operator=operator, station=station,
                              number=str(number).strip() if number else None, lines=lines, key=key, po=order,
                              due_date=day + dt.timedelta(days=terms_days(who)),
                              note="; ".join(notes))
        return Posted(doc, warnings)
