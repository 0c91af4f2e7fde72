"""Customers: order history, fill rate and on-time shipping.

Orders in the period are sales orders created in it (cancelled ones left out).
- orders: the customer's own orders (a backorder is the unfilled rest of an order, not a
  new order); backorders: how many backorders were needed.
- fill_pct: of the units ordered on the customer's own orders that have shipped (status
  shipped or partial), the share the first shipment carried. The rest is what backorders
  had to follow up.
- on_time_pct: of the shipments due (orders and backorders with a due date that shipped, or
  that are overdue and unshipped on TODAY), the share shipped on or before the due date.
- shipped_value: units shipped × line price on every order and backorder of the period.
- returned_value: units the customer brought back (customer returns received in the period)
  × their line price; net_value = shipped_value − returned_value: sales net of returns.
- balance and credit_limit: what the customer owes now (the receivables statement's closing
  balance, db/money) and the limit a claim checks (0 = none).
The order history shows per order the units returned (qty_returned).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee as pw

from db.core.models import Customer, Item, ItemUnit, SalesOrder, SalesOrderLine
from db.ledger.valuation import line_amount_sql
from db.reports.common import N_, Report, as_date, as_datetime, money, pct, today as _today, within

COLUMNS = [N_("customer"), N_("name"), N_("orders"), N_("backorders"), N_("open_orders"), N_("qty_ordered"),
           N_("qty_shipped"), N_("fill_pct"), N_("shipments_due"), N_("on_time"), N_("on_time_pct"),
           N_("shipped_value"), N_("last_order"), N_("returned_value"), N_("net_value"), N_("balance"),
           N_("credit_limit")]
HISTORY_COLUMNS = [N_("so"), N_("created"), N_("due_date"), N_("status"), N_("backorder_of"), N_("lines"),
                   N_("qty_ordered"), N_("qty_shipped"), N_("qty_returned"), N_("value"), N_("shipped_at"),
                   N_("on_time")]

SHIPPED = ("shipped", "partial")
OPEN = ("open", "picking", "picked")


def _orders(date_from, date_to, customer: str | None):
    """One row per sales order of the period with its line totals (one GROUP BY)."""
    query = (SalesOrder
             .select(SalesOrder.id, SalesOrder.number, Customer.code, Customer.name,
                     SalesOrder.status, SalesOrder.created_at, SalesOrder.due_date,
                     SalesOrder.shipped_at, SalesOrder.backorder_of,
                     pw.fn.COUNT(SalesOrderLine.id),
                     pw.fn.COALESCE(pw.fn.SUM(SalesOrderLine.qty_ordered), 0),
                     pw.fn.COALESCE(pw.fn.SUM(SalesOrderLine.qty_shipped), 0),
                     pw.fn.SUM(line_amount_sql(SalesOrderLine.qty_shipped, SalesOrderLine.unit_price,
                                               ItemUnit.factor, Item.decimals)))
             .join(Customer).switch(SalesOrder)
             .join(SalesOrderLine, pw.JOIN.LEFT_OUTER)
             .join(Item, pw.JOIN.LEFT_OUTER, on=(SalesOrderLine.item == Item.id))
             .switch(SalesOrderLine).join(ItemUnit, pw.JOIN.LEFT_OUTER, on=(SalesOrderLine.unit == ItemUnit.id))
             .where(SalesOrder.status != "cancelled")
             .group_by(SalesOrder.id, SalesOrder.number, Customer.code, Customer.name,
                       SalesOrder.status, SalesOrder.created_at, SalesOrder.due_date,
                       SalesOrder.shipped_at, SalesOrder.backorder_of)
             .order_by(Customer.code, SalesOrder.created_at, SalesOrder.number))
    conds = within(SalesOrder.created_at, date_from, date_to)
    if conds:
        query = query.where(*conds)
    if customer:
        query = query.where(Customer.code == customer)
    numbers = {}
    rows = []
    for (so_id, number, code, name, status, created, due, shipped_at, bo_of, lines,
         ordered, shipped, value) in query.tuples():
        numbers[so_id] = number
        rows.append({"id": so_id, "so": number, "customer": code, "name": name, "status": status,
                     "created": as_datetime(created), "due_date": as_date(due),
                     "shipped_at": as_datetime(shipped_at), "backorder_of_id": bo_of,
                     "lines": lines, "qty_ordered": int(ordered), "qty_shipped": int(shipped),
                     "value": money(value)})
    return rows


def _on_time(row: dict, today: dt.date) -> bool | None:
    """True/False for a shipment that was due; None when it does not count (yet)."""
    if row["due_date"] is None:
        return None
    if row["status"] in SHIPPED and row["shipped_at"] is not None:
        return row["shipped_at"].date() <= row["due_date"]
    if row["status"] in OPEN and row["due_date"] < today:
        return False
    return None


def customers(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
              today: dt.date | None = None) -> Report:
    """One row per customer with orders in the period."""
    today = today or _today()
    per: dict[str, dict] = {}
    for o in _orders(date_from, date_to, None):
        c = per.setdefault(o["customer"], {
            "customer": o["customer"], "name": o["name"], "orders": 0, "backorders": 0,
            "open_orders": 0, "qty_ordered": 0, "qty_shipped": 0, "_filled_ordered": 0,
            "_filled_shipped": 0, "shipments_due": 0, "on_time": 0,
            "shipped_value": money(0), "last_order": None})
        own = o["backorder_of_id"] is None
        c["orders" if own else "backorders"] += 1
        c["open_orders"] += o["status"] in OPEN
        c["qty_shipped"] += o["qty_shipped"]
        c["shipped_value"] += o["value"]
        if own:
            c["qty_ordered"] += o["qty_ordered"]
            c["last_order"] = max(filter(None, [c["last_order"], o["created"].date()]))
            if o["status"] in SHIPPED:
                c["_filled_ordered"] += o["qty_ordered"]
                c["_filled_shipped"] += o["qty_shipped"]
        flag = _on_time(o, today)
        if flag is not None:
            c["shipments_due"] += 1
            c["on_time"] += flag
    returned = _returned_value(date_from, date_to)
    money_side = _money_side(list(per))
    rows = []
    for c in per.values():
        c["fill_pct"] = pct(c.pop("_filled_shipped"), c.pop("_filled_ordered"))
        c["on_time_pct"] = pct(c["on_time"], c["shipments_due"])
        c["returned_value"] = returned.get(c["customer"], money(0))
        c["net_value"] = c["shipped_value"] - c["returned_value"]
        c.update(money_side.get(c["customer"], {}))
        rows.append(c)
    rows.sort(key=lambda r: (-r["shipped_value"], r["customer"]))
    return rows, list(COLUMNS)


def order_history(customer: str, date_from: dt.date | None = None, date_to: dt.date | None = None,
                  *, today: dt.date | None = None) -> Report:
    """Every order and backorder of one customer, oldest first."""
    today = today or _today()
    rows = _orders(date_from, date_to, customer)
    numbers = {o["id"]: o["so"] for o in rows}
    missing = {o["backorder_of_id"] for o in rows if o["backorder_of_id"] and o["backorder_of_id"] not in numbers}
    if missing:
        numbers.update(dict(SalesOrder.select(SalesOrder.id, SalesOrder.number)
                            .where(SalesOrder.id.in_(list(missing))).tuples()))
    back = _returned_units([o["id"] for o in rows])
    for o in rows:
        o["qty_returned"] = back.get(o["id"], 0)
        o["backorder_of"] = numbers.get(o["backorder_of_id"], "")
        flag = _on_time(o, today)
        o["on_time"] = "" if flag is None else ("yes" if flag else "no")
    return rows, list(HISTORY_COLUMNS)


def _returned_value(date_from, date_to) -> dict:
    """Customer code -> value of the goods it brought back in the period (at the line price)."""
    from db.returns.models import ReturnDocument, ReturnLine
    from db.returns.documents import line_value
    query = (ReturnLine.select(ReturnLine, Customer.code.alias("customer_code"))
             .join(ReturnDocument).join(Customer, on=(ReturnDocument.customer == Customer.id))
             .where(ReturnDocument.direction == "customer", *within(ReturnDocument.created_at, date_from, date_to)))
    totals: dict = {}
    for line in query.objects():     # the price per the SO line's unit (db/returns/documents.py)
        totals[line.customer_code] = totals.get(line.customer_code, Decimal(0)) + line_value(line, line.qty)
    return {code: money(value) for code, value in totals.items()}


def _returned_units(order_ids: list[int]) -> dict:
    """Sales order id -> units returned on it."""
    from db.returns.models import ReturnDocument, ReturnLine
    if not order_ids:
        return {}
    query = (ReturnLine.select(ReturnDocument.so, pw.fn.SUM(ReturnLine.qty)).join(ReturnDocument)
             .where(ReturnDocument.so.in_(order_ids)).group_by(ReturnDocument.so).tuples())
    return {so: int(units or 0) for so, units in query}


def _money_side(codes: list[str]) -> dict:
    """Customer code -> {balance, credit_limit}."""
    from db.money.documents import balance
    return {c.code: {"balance": balance("receivable", c), "credit_limit": money(c.credit_limit)}
            for c in Customer.select().where(Customer.code.in_(codes))} if codes else {}
