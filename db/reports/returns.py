"""Returns reports: what went back to suppliers, by supplier and reason; what came back from
customers, by customer, item and reason. Returns counted on the day they were made (the
return document's date), in the period.

- to suppliers (--by supplier): returns, lines, units sent, their cost (what the goods carried)
  and value (at the PO price: what the debit notes took off, for usable stock; rejects were
  never owed and show value 0).
- from customers (--by customer): units back, restocked, scrapped, still to inspect, and the
  value credited (at the order line's price).
The return rate per item (returned ÷ shipped) is in `wh report sales --by item`.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from gettext import gettext as _

from db.core.errors import InvalidInput
from db.core.quantities import stock_value
from db.ledger.valuation import base_quantity
from db.reports.common import N_, Report, money, within

SUPPLIER_COLUMNS = [N_("supplier"), N_("name"), N_("reason"), N_("returns"), N_("lines"), N_("qty"),
                    N_("cost"), N_("value")]
CUSTOMER_COLUMNS = [N_("customer"), N_("name"), N_("sku"), N_("reason"), N_("returns"), N_("qty"),
                    N_("restocked"), N_("scrapped"), N_("to_inspect"), N_("value")]


def returns(date_from: dt.date | None = None, date_to: dt.date | None = None, *, by: str = "supplier") -> Report:
    from db.returns.documents import line_value
    from db.returns.models import ReturnDocument, ReturnLine
    if by not in ("supplier", "customer"):
        raise InvalidInput(_("returns are grouped by supplier or customer, got {by!r}").format(by=by))
    query = (ReturnLine.select(ReturnLine, ReturnDocument).join(ReturnDocument)
             .where(ReturnDocument.direction == by, *within(ReturnDocument.created_at, date_from, date_to)))
    groups: dict[tuple, dict] = {}
    for line in query:
        doc = line.document
        if by == "supplier":
            key = (doc.supplier.code, doc.reason)
            row = groups.setdefault(key, {"supplier": doc.supplier.code, "name": doc.supplier.name,
                                          "reason": doc.reason, "_docs": set(), "lines": 0, "qty": 0,
                                          "cost": Decimal(0), "value": Decimal(0)})
            row["lines"] += 1
            row["qty"] += base_quantity(line.qty_sent, line.item.decimals)
            row["cost"] += stock_value(line.qty_sent, line.item, line.unit_cost)     # cost per base unit
            if line.from_usable:
                row["value"] += line_value(line, line.qty_sent)      # price per the PO line's unit
        else:
            key = (doc.customer.code, line.item.sku, doc.reason)
            row = groups.setdefault(key, {"customer": doc.customer.code, "name": doc.customer.name,
                                          "sku": line.item.sku, "reason": doc.reason, "_docs": set(), "qty": 0,
                                          "restocked": 0, "scrapped": 0, "to_inspect": 0, "value": Decimal(0)})
            places = line.item.decimals
            row["qty"] += base_quantity(line.qty, places)
            row["restocked"] += base_quantity(line.qty_restocked, places)
            row["scrapped"] += base_quantity(line.qty_scrapped, places)
            row["to_inspect"] += base_quantity(line.qty - line.qty_restocked - line.qty_scrapped, places)
            row["value"] += line_value(line, line.qty)      # price per the SO line's unit
        row["_docs"].add(doc.id)
    rows = []
    for key in sorted(groups):
        row = groups[key]
        row["returns"] = len(row.pop("_docs"))
        for column in ("cost", "value"):
            if column in row:
                row[column] = money(row[column])
        rows.append(row)
    return rows, list(SUPPLIER_COLUMNS if by == "supplier" else CUSTOMER_COLUMNS)
