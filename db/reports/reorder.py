"""Reorder suggestions, and the draft purchase orders made from them.

For every active item below its reorder point (see alerts: projected < reorder_point):
- quantity: up to the maximum (max_qty - projected) when max_qty > 0; else the reorder
  quantity when reorder_qty > 0; else just enough to reach the reorder point. The max wins
  over the reorder quantity because it is the tighter statement of how much room there is.
- then rounded up to whole cases: the case is the largest pack_qty among the item's barcodes
  (1 when it has none).
- supplier: the item's preferred supplier when set and active; else the best-scoring active
  supplier (all-time scorecard) among those that have delivered the item; else none (the
  suggestion is shown but no PO can be made for it).
- price: that supplier's latest PO price for the item, else the item's moving-average cost.
- expected date: today + the supplier's lead time.
Draft POs are numbered PO-R<yyyymmdd>-<nnn>, one per supplier, and count as "on order" at
once, so running the reorder twice does not order twice.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import peewee as pw

from db.core.connection import write_transaction
from db.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from db.core.models import (AuditLog, Barcode, Operator, PurchaseOrder, PurchaseOrderLine, Supplier, utcnow)
from db.reports.alerts import positions
from db.reports.common import Report, money, today as _today
from db.reports.suppliers import delivered_items, scores

COLUMNS = ["supplier", "sku", "name", "on_hand", "on_order", "allocated", "projected",
           "reorder_point", "max_qty", "rule", "case_qty", "qty", "unit_cost", "value",
           "expected_date"]

UP_TO_MAX, REORDER_QTY, TO_REORDER_POINT = "up to max", "reorder qty", "to reorder point"


def _case_sizes() -> dict[int, int]:
    query = Barcode.select(Barcode.item, pw.fn.MAX(Barcode.pack_qty)).group_by(Barcode.item).tuples()
    return {item: max(1, int(q or 1)) for item, q in query}


def _last_prices() -> dict[tuple[int, int], Decimal]:
    """(item, supplier) -> unit cost of the most recent PO line (highest line id wins) of a PO
    that was not cancelled."""
    latest = (PurchaseOrderLine.select(pw.fn.MAX(PurchaseOrderLine.id))
              .join(PurchaseOrder)
              .where(PurchaseOrder.status != "cancelled")
              .group_by(PurchaseOrderLine.item, PurchaseOrder.supplier))
    query = (PurchaseOrderLine.select(PurchaseOrderLine.item, PurchaseOrder.supplier, PurchaseOrderLine.unit_cost)
             .join(PurchaseOrder).where(PurchaseOrderLine.id.in_(latest)).tuples())
    return {(item, sup): Decimal(str(cost)) for item, sup, cost in query}


def order_quantity(projected: int, reorder_point: int, reorder_qty: int, max_qty: int,
                   case_qty: int) -> tuple[int, str]:
    """(units to order, rule used) for an item below its reorder point."""
    if max_qty > 0:
        need, rule = max_qty - projected, UP_TO_MAX
    elif reorder_qty > 0:
        need, rule = reorder_qty, REORDER_QTY
    else:
        need, rule = reorder_point - projected, TO_REORDER_POINT
    need = max(need, 1)
    return -(-need // case_qty) * case_qty, rule


def suggestions(date_from: dt.date | None = None, date_to: dt.date | None = None, *,
                today: dt.date | None = None, weights: dict | None = None) -> Report:
    """What to order, grouped by supplier (rows sorted by supplier then SKU).

    WEIGHTS are the [suppliers] weight_* values used to pick a supplier when the item has no
    preferred one. The period does not apply: suggestions are about the stock position now.
    """
    today = today or _today()
    below = [p for p in positions() if p["projected"] < p["reorder_point"]]
    if not below:
        return [], list(COLUMNS)
    cases, prices = _case_sizes(), _last_prices()
    suppliers = {s.id: s for s in Supplier.select().where(Supplier.active == True)}  # noqa: E712
    delivered = delivered_items()
    ranking = None
    rows = []
    for p in below:
        item = p["item"]
        supplier = suppliers.get(item.preferred_supplier_id)
        if supplier is None:
            candidates = [s for s in delivered.get(item.id, ()) if s in suppliers]
            if candidates:
                ranking = ranking if ranking is not None else scores(**(weights or {}))
                best = sorted(candidates, key=lambda s: (ranking.get(s) is None, -(ranking.get(s) or 0),
                                                         suppliers[s].code))[0]
                supplier = suppliers[best]
        case = cases.get(item.id, 1)
        qty, rule = order_quantity(p["projected"], p["reorder_point"], p["reorder_qty"], p["max_qty"], case)
        cost = prices.get((item.id, supplier.id)) if supplier else None
        cost = money(cost if cost is not None else item.unit_cost)
        rows.append({
            "item_id": item.id, "supplier_id": supplier.id if supplier else None,
            "supplier": supplier.code if supplier else "", "sku": item.sku, "name": item.name,
            "on_hand": p["on_hand"], "on_order": p["on_order"], "allocated": p["allocated"],
            "projected": p["projected"], "reorder_point": p["reorder_point"],
            "max_qty": p["max_qty"], "rule": rule, "case_qty": case, "qty": qty,
            "unit_cost": cost, "value": money(cost * qty),
            "expected_date": today + dt.timedelta(days=supplier.lead_time_days) if supplier else None,
        })
    rows.sort(key=lambda r: (r["supplier"] == "", r["supplier"], r["sku"]))
    return rows, list(COLUMNS)


def _check_supervisor(operator: str, action: str) -> Operator:
    try:
        from db.masterdata.security import require_supervisor
    except ImportError:     # the security module is not there yet: check the role ourselves
        op = Operator.get_or_none(Operator.code == operator)
        if op is None:
            raise NotFound(f"unknown operator {operator!r}") from None
        if not op.active:
            raise RuleViolation(f"operator {operator} is inactive")
        if not op.is_supervisor:
            raise PermissionDenied(f"operator {operator} is a {op.role}; {action} needs a supervisor")
        return op
    return require_supervisor(operator, action)


def _audit(operator: str, station: str, action: str, **detail) -> None:
    try:
        from db.masterdata.security import audit
    except ImportError:
        AuditLog.create(operator=operator, station=station, action=action,
                        detail=json.dumps(detail, default=str))
        return
    audit(operator, station, action, **detail)


def _next_number(prefix: str) -> str:
    taken = {n for (n,) in PurchaseOrder.select(PurchaseOrder.number)
             .where(PurchaseOrder.number.startswith(prefix)).tuples()}
    n = 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


def create_draft_pos(rows: list[dict], *, operator: str, station: str = "",
                     today: dt.date | None = None, release: bool = False) -> list[PurchaseOrder]:
    """One draft PO per supplier from suggestion ROWS (rows without a supplier are skipped).

    Supervisor only. With RELEASE the POs are made "open" at once (sent to the supplier).
    All POs are written in one transaction: all or nothing.
    """
    _check_supervisor(operator, "creating purchase orders from reorder suggestions")
    today = today or _today()
    by_supplier: dict[int, list[dict]] = {}
    for r in rows:
        if r.get("supplier_id") and r["qty"] > 0:
            by_supplier.setdefault(r["supplier_id"], []).append(r)
    if not by_supplier:
        raise InvalidInput("no reorder suggestion has a supplier: nothing to order")
    created = []
    prefix = f"PO-R{today:%Y%m%d}-"
    with write_transaction():
        for sup_id in sorted(by_supplier, key=lambda s: by_supplier[s][0]["supplier"]):
            lines = sorted(by_supplier[sup_id], key=lambda r: r["sku"])
            supplier = Supplier.get_by_id(sup_id)
            po = PurchaseOrder.create(
                number=_next_number(prefix), supplier=supplier,
                status="open" if release else "draft",
                expected_date=today + dt.timedelta(days=supplier.lead_time_days),
                created_at=utcnow(), created_by=operator)
            for n, r in enumerate(lines, start=1):
                PurchaseOrderLine.create(po=po, line_no=n, item=r["item_id"], qty_ordered=r["qty"],
                                         unit_cost=r["unit_cost"], expected_date=po.expected_date)
            created.append(po)
    for po in created:
        _audit(operator, station, "reorder-po", po=po.number, supplier=po.supplier.code,
               status=po.status, lines=len(by_supplier[po.supplier_id]))
    return created


def release_po(number: str, *, operator: str, station: str = "") -> PurchaseOrder:
    """Send a draft PO: status draft -> open. Supervisor only."""
    _check_supervisor(operator, "releasing a purchase order")
    with write_transaction():
        po = PurchaseOrder.get_or_none(PurchaseOrder.number == number)
        if po is None:
            raise NotFound(f"unknown purchase order {number!r}")
        if po.status != "draft":
            raise RuleViolation(f"purchase order {number} is {po.status}, not draft: only a draft can be released")
        PurchaseOrder.update(status="open").where(PurchaseOrder.id == po.id).execute()
        po.status = "open"
    _audit(operator, station, "release-po", po=number)
    return po


def dry_run_summary(rows: list[dict]) -> dict:
    """Totals per supplier for the screen and the CLI footer."""
    out: dict[str, dict] = {}
    for r in rows:
        s = out.setdefault(r["supplier"] or "(no supplier)", {"lines": 0, "value": Decimal("0.00")})
        s["lines"] += 1
        s["value"] += r["value"]
    return out


DRAFT_COLUMNS = ["po", "supplier", "created", "created_by", "expected_date", "lines", "units", "value"]


def draft_pos() -> Report:
    """Draft purchase orders waiting to be released, oldest first (one GROUP BY)."""
    query = (PurchaseOrder
             .select(PurchaseOrder.number, Supplier.code, PurchaseOrder.created_at, PurchaseOrder.created_by,
                     PurchaseOrder.expected_date, pw.fn.COUNT(PurchaseOrderLine.id),
                     pw.fn.COALESCE(pw.fn.SUM(PurchaseOrderLine.qty_ordered), 0),
                     pw.fn.SUM(PurchaseOrderLine.qty_ordered * PurchaseOrderLine.unit_cost))
             .join(Supplier).switch(PurchaseOrder)
             .join(PurchaseOrderLine, pw.JOIN.LEFT_OUTER)
             .where(PurchaseOrder.status == "draft")
             .group_by(PurchaseOrder.number, Supplier.code, PurchaseOrder.created_at,
                       PurchaseOrder.created_by, PurchaseOrder.expected_date)
             .order_by(PurchaseOrder.created_at, PurchaseOrder.number).tuples())
    from db.reports.common import as_date
    rows = [{"po": number, "supplier": sup, "created": as_date(created), "created_by": by,
             "expected_date": as_date(expected), "lines": lines, "units": int(units), "value": money(value)}
            for number, sup, created, by, expected, lines, units, value in query]
    return rows, list(DRAFT_COLUMNS)
