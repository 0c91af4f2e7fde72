"""Credit limits: claiming (or picking, which claims) an order that would take its customer over
the limit is refused with the numbers, unless a supervisor overrides it (PIN, audited).

Exposure = the customer's receivables balance + what is shipped and not yet invoiced + what
open orders (open, picking, picked) still have to ship, each at its line price. The order
being claimed is one of the open orders. A limit of 0 means none; [money]
enforce_credit_limit false turns the check off.
"""
from __future__ import annotations

from decimal import Decimal
from gettext import gettext as _
from db.core.text import Phrase

import peewee as pw

from db.core.errors import RuleViolation
from db.core.models import Customer, SalesOrder, SalesOrderLine
from db.core.quantities import line_amount, line_factor
from db.masterdata.security import N_, audit, require_supervisor
from db.money.documents import balance, cents
from db.money.models import CreditOverride, MoneyDocument, MoneyLine
from db.money.settings import setting

OPEN_ORDER_STATUSES = ("open", "picking", "picked")


class CreditLimitExceeded(RuleViolation):
    """A claim refused for the customer's credit limit: a supervisor may override it."""

    def __init__(self, message: str, order: str):
        super().__init__(message)
        self.order = order


def exposure(customer: Customer) -> Decimal:
    total = balance("receivable", customer)
    cancelled = MoneyDocument.select(MoneyDocument.cancels).where(MoneyDocument.cancels.is_null(False))
    invoiced = dict(MoneyLine.select(MoneyLine.so_line, pw.fn.SUM(MoneyLine.qty)).join(MoneyDocument)
                    .where(MoneyDocument.customer == customer.id, MoneyDocument.kind == "invoice",
                           MoneyDocument.id.not_in(cancelled)).group_by(MoneyLine.so_line).tuples())
    for line in (SalesOrderLine.select(SalesOrderLine, SalesOrder.status).join(SalesOrder)
                 .where(SalesOrder.customer == customer.id, SalesOrder.status != "cancelled")):
        price = Decimal(line.unit_price)     # per the line's unit
        shipped_not_invoiced = max(0, line.qty_shipped - int(invoiced.get(line.id) or 0))
        to_ship = max(0, line.qty_ordered - line.qty_shipped - line.qty_short) \
            if line.so.status in OPEN_ORDER_STATUSES else 0
        total += cents(line_amount(shipped_not_invoiced + to_ship, price, line_factor(line)))
    return cents(total)


def check_credit(order: SalesOrder, *, operator: str, station: str = "", override_by: str | None = None) -> None:
    """Refuse ORDER when its customer would go over the credit limit, unless OVERRIDE_BY (a
    supervisor, with PIN) lets it through now, or one did before for this order."""
    customer = Customer.get_by_id(order.customer_id)
    limit = Decimal(customer.credit_limit or 0)
    if limit <= 0 or not setting("enforce_credit_limit"):
        return
    if CreditOverride.select().where(CreditOverride.so == order.id).exists():
        return
    total = exposure(customer)
    if total <= limit:
        return
    if override_by is None:
        raise CreditLimitExceeded(
            _("customer {customer} would owe {total} with order {order} (balance {balance} plus open orders), "
              "over the credit limit {limit} by {over}: a supervisor may override").format(
                customer=customer.code, total=total, order=order.number, balance=balance("receivable", customer),
                limit=cents(limit), over=total - cents(limit)), order.number)
    require_supervisor(override_by, Phrase(N_("overriding the credit limit of customer {customer}"),
                                          customer=customer.code))
    CreditOverride.create(so=order, by=override_by, exposure=total, credit_limit=limit)
    audit(override_by, station, "credit_override", so=order.number, customer=customer.code,
          exposure=total, credit_limit=cents(limit), claimed_by=operator)
