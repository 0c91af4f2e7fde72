"""Customer invoices from shipments: what an order shipped and nobody invoiced yet, at the order
line's price (the line's price is the discounted one: a discount is a lower line price)."""
from __future__ import annotations

import datetime as dt
from gettext import gettext as _, ngettext
from decimal import Decimal

from db.core.connection import write_transaction
from db.core.quantities import line_amount, line_factor
from db.core.errors import RuleViolation
from db.core.models import SalesOrderLine, utcnow
from db.masterdata.lookup import get_so
from db.masterdata.security import get_operator
from db.money.documents import cents, create_document, earlier_document, lock_party
from db.money.models import MoneyLine
from db.money.payables import Posted, line_quantity, terms_days


def invoiceable(line: SalesOrderLine) -> int:
    return max(0, line.qty_shipped - line_quantity(("invoice",), MoneyLine.so_line, line.id))


def invoice(so: str, *, operator: str, station: str = "", date: dt.date | None = None,
            key: str | None = None) -> Posted:
    """`wh invoice`: invoice what SO shipped and was not invoiced yet."""
    earlier = earlier_document(key, "invoice")
    if earlier is not None:
        return Posted(earlier, replayed=True)
    get_operator(operator)
    order = get_so(so)
    day = date or utcnow().date()
    with write_transaction():
        who = lock_party("receivable", order.customer)
        lines = []
        for line in order.lines.order_by(SalesOrderLine.line_no):
            qty = invoiceable(line)
            if qty > 0:
                lines.append({"item": line.item_id, "qty": qty, "unit_price": line.unit_price,
                              "amount": cents(line_amount(qty, line.unit_price, line_factor(line))), "so_line": line.id})
        if not lines:
            shipped = sum(l.qty_shipped for l in order.lines)
            raise RuleViolation(ngettext("nothing to invoice on {number}: {n} unit shipped, all invoiced: "
                                         "nothing posted",
                                         "nothing to invoice on {number}: {n} units shipped, all invoiced: "
                                         "nothing posted", shipped).format(number=order.number, n=shipped))
        if order.shipped_at is not None and day < order.shipped_at.date():
            raise RuleViolation(_("an invoice dated {day} is before {number} shipped "
                                  "({shipped}): nothing posted").format(
                day=day, number=order.number, shipped=order.shipped_at.date()))
        amount = sum((l["amount"] for l in lines), Decimal("0.00"))
        doc = create_document("receivable", "invoice", who, amount=amount, date=day, operator=operator,
                              station=station, lines=lines, key=key, so=order,
                              due_date=day + dt.timedelta(days=terms_days(who)))
        return Posted(doc)
