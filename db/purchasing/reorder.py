"""Reordering: how much to order of an item below its reorder point, and the draft purchase
orders made from the suggestions (db/reports/reorder.py lists them; this module writes).

Quantity, for an item whose projected stock is below its reorder point: up to the maximum
(max_qty - projected) when max_qty > 0; else the reorder quantity when reorder_qty > 0; else
just enough to reach the reorder point. The max wins over the reorder quantity because it is
the tighter statement of how much room there is. In whole cases: up to the max, rounded DOWN
to the cases that fit under it as long as they reach the reorder point; else rounded up, and the
rule says how far over the max that goes ("up to max, 4 over: whole cases"). The other rules
round up.

Draft POs are numbered PO-R<yyyymmdd>-<nnn>, one per supplier, and count as "on order" at
once, so running the reorder twice does not order twice. Only a supervisor makes or releases
them (db.masterdata.security.require_supervisor, PIN included).
"""
from __future__ import annotations

from gettext import gettext as _

import datetime as dt

from db.core.connection import write_transaction
from db.core.errors import InvalidInput, NotFound, RuleViolation
from db.core.models import PurchaseOrder, PurchaseOrderLine, Supplier, utcnow
from db.core.statuses import POStatus, status_word
from db.masterdata.security import N_, audit, require_supervisor

# The rules that set a suggestion's quantity, as its "rule" column says them (in the chosen language).
UP_TO_MAX, REORDER_QTY, TO_REORDER_POINT = N_("up to max"), N_("reorder qty"), N_("to reorder point")


def order_quantity(projected: int, reorder_point: int, reorder_qty: int, max_qty: int,
                   case_qty: int) -> tuple[int, str]:
    """(units to order, the rule that set them) for an item below its reorder point.

    Whole cases. Up to the max, the cases that fit under it are ordered when they lift the item
    to its reorder point; only when they cannot is one more case ordered, and the rule says by
    how much it goes over the max (an overstock the supervisor sees coming)."""
    if max_qty > 0:
        need = max(max_qty - projected, 1)
        fits = need // case_qty * case_qty
        if fits > 0 and projected + fits >= reorder_point:
            return fits, _(UP_TO_MAX)
        qty = -(-need // case_qty) * case_qty
        return qty, _("up to max, {over} over: whole cases").format(over=projected + qty - max_qty)
    if reorder_qty > 0:
        need, rule = reorder_qty, REORDER_QTY
    else:
        need, rule = reorder_point - projected, TO_REORDER_POINT
    need = max(need, 1)
    return -(-need // case_qty) * case_qty, _(rule)


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
    require_supervisor(operator, N_("creating purchase orders from reorder suggestions"))
    today = today or utcnow().date()
    by_supplier: dict[int, list[dict]] = {}
    for r in rows:
        if r.get("supplier_id") and r["qty"] > 0:
            by_supplier.setdefault(r["supplier_id"], []).append(r)
    if not by_supplier:
        raise InvalidInput(_("no reorder suggestion has a supplier: nothing to order"))
    created = []
    prefix = f"PO-R{today:%Y%m%d}-"
    with write_transaction():
        for sup_id in sorted(by_supplier, key=lambda s: by_supplier[s][0]["supplier"]):
            lines = sorted(by_supplier[sup_id], key=lambda r: r["sku"])
            supplier = Supplier.get_by_id(sup_id)
            po = PurchaseOrder.create(
                number=_next_number(prefix), supplier=supplier,
                status=POStatus.OPEN if release else POStatus.DRAFT,
                expected_date=today + dt.timedelta(days=supplier.lead_time_days),
                created_at=utcnow(), created_by=operator)
            for n, r in enumerate(lines, start=1):
                PurchaseOrderLine.create(po=po, line_no=n, item=r["item_id"], qty_ordered=r["qty"],
                                         unit_cost=r["unit_cost"], expected_date=po.expected_date)
            created.append(po)
    for po in created:
        audit(operator, station, "reorder-po", po=po.number, supplier=po.supplier.code,
              status=po.status, lines=len(by_supplier[po.supplier_id]))
    return created


def release_po(number: str, *, operator: str, station: str = "") -> PurchaseOrder:
    """Send a draft PO: status draft -> open. Supervisor only."""
    require_supervisor(operator, N_("releasing a purchase order"))
    with write_transaction():
        po = PurchaseOrder.get_or_none(PurchaseOrder.number == number)
        if po is None:
            raise NotFound(_("unknown purchase order {number!r}").format(number=number))
        if po.status != POStatus.DRAFT:
            raise RuleViolation(_("purchase order {number} is {status}, not draft: only a draft can be released").format(
                number=number, status=status_word(po.status)))
        PurchaseOrder.update(status=POStatus.OPEN).where(PurchaseOrder.id == po.id).execute()
        po.status = POStatus.OPEN
    audit(operator, station, "release-po", po=number)
    return po
