"""Settlement: what each supplier is owed for a period.

Owed = accepted units × the PO line's price. Accepted units are the "receipt" movements
(supplier -> our dock) dated in the period, minus the undo movements dated in the period
that reverse receipts. Rejected units (kind "reject", to quarantine) are never owed.
Receipts without a PO have no agreed price and are left out. Returns to supplier of usable
(accepted) stock on a PO line lower what is owed, on their own date; returns of rejects never
do (rejects were never owed).

The detail has one row per PO line whose net accepted units in the period are not zero; the
summary is built from exactly those rows, so it always equals the sum of its detail: `lines`
counts them, `pos` their distinct POs, `qty_accepted` adds their units and `amount` their
unrounded amounts, rounded to cents once. The price is the PO line's, per the line's unit
(12.00 per 箱 of 24): amount = db.core.quantities.line_amount(stored units, price, factor), so
2 箱 + 3 瓶 (51 瓶) owe 25.50; qty_accepted is shown in the item's base unit (51, or 1.250).

Per supplier the money side follows (db/money): billed = bills less debit notes, paid =
payments, dated in the period, and balance = what the supplier's statement closes at now.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee as pw

from db.core.models import Item, ItemUnit, Location, Movement, PurchaseOrder, PurchaseOrderLine, Supplier
from db.core.quantities import line_amount, scale
from db.ledger.valuation import base_quantity
from db.reports.common import N_, Report, exact, money, net_flow, unit

COLUMNS = [N_("supplier"), N_("name"), N_("pos"), N_("lines"), N_("qty_accepted"), N_("amount"), N_("billed"),
           N_("paid"), N_("balance")]
# unit: what unit_cost is per (the PO line's unit; qty_accepted is in the item's base unit).
DETAIL_COLUMNS = [N_("supplier"), N_("po"), N_("line_no"), N_("sku"), N_("qty_accepted"), N_("unit_cost"),
                  N_("amount"), N_("unit")]


def settlement_lines(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
                     supplier: str | None = None) -> list[dict]:
    """The detail, amounts unrounded: one dict per PO line with net accepted units in the period
    (keys of DETAIL_COLUMNS, plus the supplier's name)."""
    query, signed, _unused = net_flow(("receipt",), date_from=date_from, date_to=date_to, minus=("rtv",))
    quarantine = Location.select(Location.id).where(Location.kind == "quarantine")
    query = query.where(~((Movement.kind == "rtv") & Movement.from_location.in_(quarantine)))
    query = (query.switch(Movement).join(PurchaseOrderLine, on=(Movement.po_line == PurchaseOrderLine.id))
             .join(PurchaseOrder).join(Supplier))
    if supplier:
        query = query.where(Supplier.code == supplier)
    q = (query.select(Supplier.code, Supplier.name, PurchaseOrder.number, PurchaseOrderLine.line_no,
                      Item.sku, PurchaseOrderLine.unit_cost, Item.decimals, ItemUnit.factor, pw.fn.SUM(signed),
                      pw.fn.COALESCE(ItemUnit.name, Item.uom))
         .switch(PurchaseOrderLine).join(Item)
         .switch(PurchaseOrderLine).join(ItemUnit, pw.JOIN.LEFT_OUTER, on=(PurchaseOrderLine.unit == ItemUnit.id))
         .group_by(Supplier.code, Supplier.name, PurchaseOrder.number, PurchaseOrderLine.line_no, Item.sku,
                   PurchaseOrderLine.unit_cost, Item.decimals, ItemUnit.factor, ItemUnit.name, Item.uom)
         .order_by(Supplier.code, PurchaseOrder.number, PurchaseOrderLine.line_no).tuples())
    rows = []
    for code, name, po, line_no, sku, cost, places, factor, units, per in q:
        units = int(units or 0)
        if units:
            cost = exact(cost)     # per the line's unit
            rows.append({"supplier": code, "name": name, "po": po, "line_no": line_no, "sku": sku,
                         "qty_accepted": base_quantity(units, places), "unit_cost": cost,
                         "amount": line_amount(units, cost, factor or scale(places)), "unit": per})
    return rows


def settlement(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
               supplier: str | None = None, detail: bool = False) -> Report:
    """Per supplier (or, with DETAIL, per PO line) accepted quantity and amount owed."""
    lines = settlement_lines(date_from, date_to, supplier=supplier)
    if detail:
        return [{"supplier": r["supplier"], "po": r["po"], "line_no": r["line_no"], "sku": r["sku"],
                 "qty_accepted": r["qty_accepted"], "unit_cost": unit(r["unit_cost"]),
                 "amount": money(r["amount"]), "unit": r["unit"]} for r in lines], list(DETAIL_COLUMNS)
    totals: dict[str, dict] = {}
    for r in lines:
        t = totals.setdefault(r["supplier"], {"supplier": r["supplier"], "name": r["name"], "pos": set(),
                                              "lines": 0, "qty_accepted": 0, "amount": Decimal(0)})
        t["pos"].add(r["po"])
        t["lines"] += 1
        t["qty_accepted"] += r["qty_accepted"]
        t["amount"] += r["amount"]
    rows = []
    for code in sorted(totals):
        t = totals[code]
        rows.append({**t, "pos": len(t["pos"]), "amount": money(t["amount"]),
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
