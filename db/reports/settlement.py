"""Settlement: what each supplier is owed for a period.

Owed = accepted units × the PO line's price. Accepted units are the "receipt" movements
(supplier -> our dock) dated in the period, minus the undo movements dated in the period
that reverse receipts. Rejected units (kind "reject", to quarantine) are never owed.
Receipts without a PO have no agreed price and are left out. Returns to supplier of usable
(accepted) stock on a PO line lower what is owed, on their own date; returns of rejects never
do (rejects were never owed).

Per supplier the money side follows (db/money): billed = bills less debit notes, paid =
payments, dated in the period, and balance = what the supplier's statement closes at now.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from db.core.models import Item, Location, Movement, PurchaseOrder, PurchaseOrderLine, Supplier
from db.reports.common import Report, money, net_flow

COLUMNS = ["supplier", "name", "pos", "lines", "qty_accepted", "amount", "billed", "paid", "balance"]
DETAIL_COLUMNS = ["supplier", "po", "line_no", "sku", "qty_accepted", "unit_cost", "amount"]


def settlement(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
               supplier: str | None = None, detail: bool = False) -> Report:
    """Per supplier (or, with DETAIL, per PO line) accepted quantity and amount owed."""
    query, signed, _ = net_flow(("receipt",), date_from=date_from, date_to=date_to, minus=("rtv",))
    quarantine = Location.select(Location.id).where(Location.kind == "quarantine")
    query = query.where(~((Movement.kind == "rtv") & Movement.from_location.in_(quarantine)))
    qty = pw.fn.SUM(signed)
    query = (query.switch(Movement).join(PurchaseOrderLine, on=(Movement.po_line == PurchaseOrderLine.id))
             .join(PurchaseOrder).join(Supplier))
    if supplier:
        query = query.where(Supplier.code == supplier)
    if detail:
        rows = []
        q = (query.select(Supplier.code, PurchaseOrder.number, PurchaseOrderLine.line_no, Item.sku,
                          PurchaseOrderLine.unit_cost, qty)
             .switch(PurchaseOrderLine).join(Item)
             .group_by(Supplier.code, PurchaseOrder.number, PurchaseOrderLine.line_no, Item.sku,
                       PurchaseOrderLine.unit_cost)
             .order_by(Supplier.code, PurchaseOrder.number, PurchaseOrderLine.line_no).tuples())
        for code, po, line_no, sku, cost, units in q:
            units = int(units or 0)
            if units:
                rows.append({"supplier": code, "po": po, "line_no": line_no, "sku": sku,
                             "qty_accepted": units, "unit_cost": money(cost),
                             "amount": money(money(cost) * units)})
        return rows, list(DETAIL_COLUMNS)
    amount = pw.fn.SUM(signed * PurchaseOrderLine.unit_cost)
    q = (query.select(Supplier.code, Supplier.name, pw.fn.COUNT(PurchaseOrder.id.distinct()),
                      pw.fn.COUNT(PurchaseOrderLine.id.distinct()), qty, amount)
         .group_by(Supplier.code, Supplier.name).order_by(Supplier.code).tuples())
    rows = []
    for code, name, pos, lines, units, total in q:
        units = int(units or 0)
        if units or money(total):
            rows.append({"supplier": code, "name": name, "pos": pos, "lines": lines,
                         "qty_accepted": units, "amount": money(total),
                         **_money_side(code, date_from, date_to)})
    return rows, list(COLUMNS)


def _money_side(code: str, date_from, date_to) -> dict:
    from db.money import MoneyDocument, balance
    who = Supplier.get(Supplier.code == code)
    docs = MoneyDocument.select(MoneyDocument.kind, MoneyDocument.amount).where(MoneyDocument.supplier == who.id)
    if date_from is not None:
        docs = docs.where(MoneyDocument.date >= date_from)
    if date_to is not None:
        docs = docs.where(MoneyDocument.date <= date_to)
    billed = sum((money(d.amount) for d in docs if d.kind in ("bill", "debit_note")), money(0))
    paid = sum((-money(d.amount) for d in docs if d.kind == "payment"), money(0))
    return {"billed": billed, "paid": paid, "balance": balance("payable", who)}
