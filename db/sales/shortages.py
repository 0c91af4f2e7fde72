"""What a picker cannot pick, and why: shelves blocked after a short pick, and order lines
the station's warehouse cannot serve.

A short pick says the shelf held fewer units than the books. Until that location is counted
(a count task there finishes after the short) the units found missing are blocked: no claim
promises them and no pick list directs anyone to them, so a backorder does not send the next
picker back to the same empty shelf. An undone short blocks nothing.
"""
from __future__ import annotations

from gettext import gettext as _

from dataclasses import dataclass

import peewee as pw

from db.core.models import Balance, Location, Lot, PickShortage, Warehouse
from db.counts.models import CountTask
from db.inventory.expiry import today_text, usable_lot_condition


def blocked_places(item_ids, warehouse_id: int) -> dict[tuple[int, int], int]:
    """(item id, location id) -> units found missing there by a short pick and not counted
    since, for ITEM_IDS (ids, or a subquery of them) in warehouse WAREHOUSE_ID."""
    counted = (CountTask.select(CountTask.id)
               .where(CountTask.location == PickShortage.location, CountTask.status == "done",
                      CountTask.last_counted_at >= PickShortage.at))
    rows = (PickShortage.select(PickShortage.item, PickShortage.location, pw.fn.SUM(PickShortage.qty_short))
            .join(Location).where(PickShortage.item.in_(item_ids), PickShortage.undone_at.is_null(),
                                  Location.warehouse == warehouse_id, ~pw.fn.EXISTS(counted))
            .group_by(PickShortage.item, PickShortage.location).tuples())
    return {(item, loc): int(qty or 0) for item, loc, qty in rows}


def hold_back(blocked: dict, item_id: int, location_id: int, free: int) -> int:
    """FREE units of one place less what BLOCKED still holds back at it (used up as it goes:
    several lots at one shelf share the shelf's block)."""
    key = (item_id, location_id)
    held = min(free, blocked.get(key, 0))
    if held:
        blocked[key] -= held
    return free - held


@dataclass
class PickGap:
    """Units of an order line no pick task covers at this warehouse, and why."""
    line_no: int
    sku: str
    name: str
    qty: int
    why: str


def pick_gaps(lines: list[tuple], warehouse: Warehouse) -> list[PickGap]:
    """For each (order line, units not covered by a task) of LINES, why the station of
    WAREHOUSE cannot pick them: the stock is in another warehouse, or expired, or blocked
    after a short pick, or promised to other orders, or there is none."""
    gaps = []
    today = today_text()
    for line, missing in lines:
        item = line.item
        rows = list(Balance.select(Balance, Location, Lot, Warehouse).join(Location).join(Warehouse)
                    .switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
                    .where(Balance.item == item.id, Balance.qty > 0, Location.kind == "storage",
                           Location.active == True))  # noqa: E712
        usable = set(b.id for b in Balance.select(Balance.id).join(Lot, pw.JOIN.LEFT_OUTER)
                     .where(Balance.id.in_([b.id for b in rows]), usable_lot_condition(today))) if rows else set()
        here = [b for b in rows if b.location.warehouse_id == warehouse.id]
        elsewhere: dict[str, int] = {}
        for b in rows:
            if b.location.warehouse_id != warehouse.id and b.id in usable and b.qty > b.allocated:
                code = b.location.warehouse.code
                elsewhere[code] = elsewhere.get(code, 0) + b.qty - b.allocated
        expired = sum(b.qty for b in here if b.id not in usable)
        blocked = sum(blocked_places([item.id], warehouse.id).values())
        free_here = sum(b.qty - b.allocated for b in here if b.id in usable)
        reasons = []
        if elsewhere:
            where = ", ".join(_("{qty} in {code}").format(qty=q, code=code) for code, q in sorted(elsewhere.items()))
            reasons.append(_("stock in another warehouse ({where}): Transfer it to {code} first").format(
                where=where, code=warehouse.code))
        if expired:
            reasons.append(_("{qty} expired in {code}").format(qty=expired, code=warehouse.code))
        if blocked:
            reasons.append(_("{qty} blocked after a short pick until counted").format(qty=blocked))
        if not reasons:
            reasons.append(_("no free stock in {code}").format(code=warehouse.code) if free_here <= 0
                           else _("{qty} free in {code}, promised elsewhere").format(qty=free_here, code=warehouse.code))
        gaps.append(PickGap(line.line_no, item.sku, item.name, missing, _("; ").join(reasons)))
    return gaps
