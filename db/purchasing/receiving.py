"""Receiving goods against purchase orders (or without one), and closing purchase orders."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from db.core.connection import database, retry_conflicts, write_transaction
from db.core.errors import InvalidInput, NotFound, RuleViolation
from db.ledger.posting import Posting, post
from db.masterdata.lookup import (get_item, get_location, get_po, get_reason, get_supplier, reason_codes,
                                  warehouse_location)
from db.core.models import (PHYSICAL_KINDS, VIRTUAL_CODES, Balance, Item, Location, Movement, Operator, PurchaseOrder,
                            PurchaseOrderLine, Supplier, utcnow)
from db.core.documents import backorder_number
from db.purchasing.over_receipt import DEFAULT_TOLERANCE_PCT, check_over_receipt
from db.core.statuses import OPEN_PO_STATUSES, RECEIVABLE_PO_STATUSES, POLineStatus, POStatus
from db.ledger.keys import derived_key
from db.core.sql import locked
from db.ledger import locks
from db.masterdata.lots import lot_for
from db.masterdata.places import physical, station_warehouse
from db.core.quantities import whole_quantity
from db.core.sql import Prepared
from db.core.sql import LOOK_UP, dialect, execute, row_by, rows_by, table
from db.masterdata.security import audit, get_operator, require_supervisor
from db.inventory.expiry import lot_expiry, receipt_check

# A receipt's own statements, written once (bench/RESULTS.md). "?" becomes the
# driver's placeholder.
_KEYS_TAKEN_SQL = f'SELECT "id" FROM {table(Movement)} WHERE "idempotency_key" IN (?, ?) LIMIT 1'
_ON_HAND_SQL = (f'SELECT COALESCE(SUM(b."qty"), 0) FROM {table(Balance)} AS b '
                f'JOIN {table(Location)} AS l ON b."location_id" = l."id" '
                'WHERE b."item_id" = ? AND l."kind" IN (' + ", ".join("?" for _ in PHYSICAL_KINDS) + ")")
# Read once the item is locked: its cost, whether the key was posted meanwhile, its stock.
_COST_TAKEN_AND_ON_HAND_SQL = (f'SELECT (SELECT "unit_cost" FROM {table(Item)} WHERE "id" = ?), '
                               f'({_KEYS_TAKEN_SQL}), ({_ON_HAND_SQL})')
_SET_COST_SQL = f'UPDATE {table(Item)} SET "unit_cost" = ? WHERE "id" = ?'



@dataclass
class ReceiptResult:
    accepted: Movement | None      # supplier -> dock location
    rejected: Movement | None      # supplier -> quarantine
    po_line: PurchaseOrderLine | None
    warnings: list[str] = field(default_factory=list)


@retry_conflicts
def receive(po: str | None, sku: str, qty: int, *, operator: str, station: str = "",
            reject: int = 0, reason: str | None = None, lot: str | None = None,
            expiry: dt.date | None = None, location: str | None = None,
            supplier: str | None = None, warehouse: str | None = None,
            tolerance_pct: float = DEFAULT_TOLERANCE_PCT, key: str | None = None,
            unit_cost: Decimal | None = None, override_by: str | None = None,
            override_reason: str | None = None) -> ReceiptResult:
    """Receive QTY accepted units (and REJECT rejected ones on top) of SKU.

    Accepted units go to the dock (LOCATION or the warehouse's receiving location), rejected
    ones to the warehouse's quarantine location with their reason. Against a PO the line's
    counters and the PO status follow. UNIT_COST (optional) is the cost of a receipt with no
    PO; it defaults to the item's cost.
    """
    # Whether the key was posted, the operator, item, supplier and locations: one statement.
    wanted = [(Operator, "code", operator), (Item, "sku", sku),
              (Location, "code", VIRTUAL_CODES["supplier"])]
    if not po and supplier:
        wanted.append((Supplier, "code", supplier))
    if location:
        wanted.append((Location, "code", location))
    taken, op_row, item_row, source, *rest = rows_by(
        wanted, _KEYS_TAKEN_SQL, [key, f"{key}:reject"] if key else [None, None])
    sup_row = rest.pop(0) if not po and supplier else LOOK_UP
    dock_row = rest.pop(0) if location else LOOK_UP
    earlier = _earlier_receipt(key) if taken is not None else None
    if earlier is not None:
        return earlier
    get_operator(operator, op_row)
    whole_quantity(qty, "the accepted quantity", allow_zero=True)
    whole_quantity(reject, "the rejected quantity", allow_zero=True)
    if qty + reject == 0:
        raise InvalidInput("a receipt needs some units: got 0 accepted and 0 rejected")
    if reject and not reason:
        raise InvalidInput(f"{reject} rejected units need a reason code, got none")
    if reject:
        reason = _reason_code(reason, "reject reasons are", "reject")
    item = get_item(sku, item_row)
    if item.lot_tracked and not lot:
        raise InvalidInput(f"{item.sku} is lot-tracked: a lot is required")
    if item.expiry_tracked and lot and expiry is None:
        from db.core.models import Lot
        known = Lot.get_or_none(Lot.item == item.id, Lot.code == lot)
        if known is None or known.expiry is None:
            raise InvalidInput(f"{item.sku} is expiry-tracked: an expiry date is required for lot {lot}")

    # An expired or short-dated lot is refused unless supervisor OVERRIDE_BY overrides it
    # with a reason (db/inventory/expiry.py); rejecting it to quarantine is always allowed.
    overridden = None
    if qty:
        overridden = receipt_check(item, lot, lot_expiry(item, lot, expiry),
                                   override_by=override_by, override_reason=override_reason)

    order = get_po(po) if po else None
    if order is not None:
        if order.status not in RECEIVABLE_PO_STATUSES:
            raise RuleViolation(f"purchase order {order.number} is {order.status}: expected an open one")
        sup = order.supplier
        if supplier and supplier != sup.code:
            raise InvalidInput(f"purchase order {order.number} is from supplier {sup.code}, not {supplier}")
    else:
        if not supplier:
            raise InvalidInput("a receipt without a purchase order needs a supplier, got none")
        sup = get_supplier(supplier, sup_row)

    if location:
        dock = physical(get_location(location, dock_row), "receiving")
        wh_code = None      # only a reject needs the warehouse (its quarantine)
    else:
        wh_code = station_warehouse(station, warehouse).code
        dock = warehouse_location(wh_code, "receiving")
    if reject and wh_code is None:
        wh_code = dock.warehouse.code
    quarantine = warehouse_location(wh_code, "quarantine") if reject else None
    if source is None:
        raise Location.DoesNotExist(f"no location {VIRTUAL_CODES['supplier']}")

    with write_transaction():
        line = None
        if order is not None:
            # The order's status under the lock closing it takes: no receipt lands on a PO
            # closed meanwhile (issue 15: 6 receivers racing a close made 106-114 of 100).
            order = locks.document(PurchaseOrder, order.id)
            if order.status not in RECEIVABLE_PO_STATUSES:
                raise RuleViolation(f"purchase order {order.number} is {order.status}: expected an open one")
            line = _line_for(order, item)
            line = locked(PurchaseOrderLine, line.id)
        # Receipts of one item take its lock in turn (PostgreSQL; SQLite's write transaction
        # already serialises them), so each moving average starts from the one before. Under
        # the lock: the cost (the rest of the row was read just before), the same key again
        # (the first receipt's result, nothing posted twice) and the physical stock.
        cost, taken, on_hand = locks.after_item_lock(item.id, dialect(_COST_TAKEN_AND_ON_HAND_SQL), [
            item.id, key, f"{key}:reject" if key else None, item.id, *PHYSICAL_KINDS]).fetchone()
        if cost is None:        # the cost is never NULL: the row is gone
            raise Item.DoesNotExist(f"Item {item.id} does not exist")
        item.unit_cost = Item.unit_cost.python_value(cost)
        item._dirty.discard("unit_cost")
        earlier = _earlier_receipt(key) if taken is not None else None
        if earlier is not None:
            return earlier
        warnings: list[str] = []
        if line is not None:
            warnings = check_over_receipt(order, line, qty + reject, tolerance_pct)
        the_lot = lot_for(item, lot, expiry=expiry, create=True)
        cost = line.unit_cost if line is not None else (unit_cost if unit_cost is not None else item.unit_cost)
        document = f"{order.number}/{line.line_no}" if line is not None else f"RCV-{sup.code}"
        accepted = rejected = None
        if qty:
            before = int(on_hand or 0)
            accepted = post(Posting(item=item, qty=qty, from_location=source, to_location=dock,
                                    kind="receipt", operator=operator, station=station, lot=the_lot,
                                    key=key, po_line=line, document=document, unit_cost=cost,
                                    key_checked=True))
            _update_average_cost(item, before, qty, Decimal(cost))
        if reject:
            rejected = post(Posting(item=item, qty=reject, from_location=source, to_location=quarantine,
                                    kind="reject", operator=operator, station=station, lot=the_lot,
                                    key=derived_key(key, "reject") if qty else key, po_line=line,
                                    document=document, reason=reason, unit_cost=cost))
        if overridden:
            audit(override_by, station, "expiry_override", po=order.number if order else "", sku=item.sku,
                  lot=lot or "", qty=qty, received_by=operator, problem=overridden,
                  reason=override_reason.strip())
        if line is not None:
            now = utcnow()
            line.qty_received += qty
            line.qty_rejected += reject
            line.first_received_at = line.first_received_at or now
            line.last_received_at = now
            line.save()
            refresh_po_status(order.id)
            line = row_by(PurchaseOrderLine, "id", line.id)
            for movement in (accepted, rejected):
                if movement is not None:
                    movement.po_line = line   # the line's new counters, not the ones before
        return ReceiptResult(accepted=accepted, rejected=rejected, po_line=line, warnings=warnings)


# A receipt's queries, their SQL built once (db/core/sql.py).
_PO_LINES = Prepared(lambda po_id: PurchaseOrderLine.select().where(PurchaseOrderLine.po == po_id)
                     .order_by(PurchaseOrderLine.id))
_PO_LINES_OF_ITEM = Prepared(lambda po_id, item_id: PurchaseOrderLine.select().where(
    PurchaseOrderLine.po == po_id, PurchaseOrderLine.item == item_id).order_by(PurchaseOrderLine.line_no))
_PO_AND_SUPPLIER = Prepared(lambda po_id: PurchaseOrder.select(PurchaseOrder, Supplier).join(Supplier)
                            .where(PurchaseOrder.id == po_id))
_PO_LINES_AND_ITEMS = Prepared(lambda po_id: PurchaseOrderLine.select(PurchaseOrderLine, Item).join(Item)
                               .where(PurchaseOrderLine.po == po_id).order_by(PurchaseOrderLine.line_no))


def po_with_supplier(po_id: int) -> PurchaseOrder:
    """The purchase order with its supplier read along (the receive screen shows both after
    every scan)."""
    order = _PO_AND_SUPPLIER.first(po_id)
    if order is None:
        raise NotFound(f"purchase order {po_id} does not exist")
    return order


def po_lines_with_items(po_id: int) -> list[PurchaseOrderLine]:
    """The order's lines in line order, each with its item read along: the screen's table
    reads every line's item, which was a query per line and per scan (bench/RESULTS.md)."""
    return _PO_LINES_AND_ITEMS(po_id)


def _reason_code(reason: str, listing: str, kind: str) -> str:
    """REASON as stored (matched in any case: "damaged" is DAMAGED); unknown, the error lists
    the reasons of KIND."""
    try:
        return get_reason(reason).code
    except NotFound:
        known = ", ".join(r.code for r in reason_codes(kind))
        raise NotFound(f"unknown reason code {reason!r}; {listing} {known}") from None


def check_receivable(po: str, sku: str, qty: int, *, tolerance_pct: float = DEFAULT_TOLERANCE_PCT) -> PurchaseOrderLine:
    """Refuse, before anything is asked or posted, a receipt of QTY × SKU that PO would refuse:
    an item not on the order, or more than its line takes with the tolerance. The station asks
    for the lot and expiry only after this (check first, ask second). Returns the line."""
    order = get_po(po)
    item = get_item(sku)
    line = _line_for(order, item)
    check_over_receipt(order, line, qty, tolerance_pct)
    return line


def _line_for(order: PurchaseOrder, item: Item) -> PurchaseOrderLine:
    lines = _PO_LINES_OF_ITEM(order.id, item.id)
    if not lines:
        raise NotFound(f"item {item.sku} is not on purchase order {order.number}")
    for line in lines:
        if line.qty_received + line.qty_rejected < line.qty_ordered:
            return line
    return lines[-1]


def _earlier_receipt(key: str | None) -> ReceiptResult | None:
    if not key:
        return None
    # Almost always there is none: ask for ids only before building movements.
    keys = [key, f"{key}:reject"]
    if database.execute_sql(dialect(_KEYS_TAKEN_SQL), keys).fetchone() is None:
        return None
    rows = list(Movement.select().where(Movement.idempotency_key.in_([key, f"{key}:reject"])))
    if not rows:
        return None
    accepted = next((m for m in rows if m.kind == "receipt"), None)
    rejected = next((m for m in rows if m.kind == "reject"), None)
    line_id = rows[0].po_line_id
    return ReceiptResult(accepted=accepted, rejected=rejected,
                         po_line=PurchaseOrderLine.get_by_id(line_id) if line_id else None,
                         warnings=[])


def _physical_on_hand(item: Item) -> int:
    total = database.execute_sql(dialect(_ON_HAND_SQL), [item.id, *PHYSICAL_KINDS]).fetchone()[0]
    return int(total or 0)


def _update_average_cost(item: Item, before: int, qty: int, cost: Decimal) -> None:
    """Moving average: (old units × old cost + new units × their cost) / all units."""
    if before <= 0:
        new = cost
    else:
        new = (Decimal(before) * Decimal(item.unit_cost) + Decimal(qty) * cost) / Decimal(before + qty)
    stored = Item.unit_cost.db_value(new)
    # Units at the item's own cost leave it as it is: no write (a round trip and a new
    # version of a row every station receiving the item waits for).
    if stored != Item.unit_cost.db_value(item.unit_cost):
        execute(dialect(_SET_COST_SQL), [stored, item.id])


def remove_from_average_cost(item: Item, qty: int, cost: Decimal | None) -> None:
    """Take QTY units at COST back out of the moving average (an undone receipt)."""
    if cost is None:
        return
    item = Item.get_by_id(item.id)
    remaining = _physical_on_hand(item)   # already without the undone units
    if remaining <= 0:
        return
    total = Decimal(remaining + qty) * Decimal(item.unit_cost) - Decimal(qty) * Decimal(cost)
    if total < 0:
        return
    Item.update(unit_cost=total / Decimal(remaining)).where(Item.id == item.id).execute()


def refresh_po_status(po_id: int) -> PurchaseOrder:
    """open → partial → received, from the lines. A line is done when everything ordered has
    arrived (accepted plus rejected). Closed and cancelled orders keep their status."""
    order = row_by(PurchaseOrder, "id", po_id)
    if order is None:
        raise PurchaseOrder.DoesNotExist(f"PurchaseOrder {po_id} does not exist")
    lines = _PO_LINES(order.id)
    for line in lines:
        arrived = line.qty_received + line.qty_rejected
        status = (POLineStatus.RECEIVED if arrived >= line.qty_ordered
                  else POLineStatus.PARTIAL if arrived else POLineStatus.OPEN)
        if line.status in (POLineStatus.OPEN, POLineStatus.PARTIAL, POLineStatus.RECEIVED) and line.status != status:
            PurchaseOrderLine.update(status=status).where(PurchaseOrderLine.id == line.id).execute()
    if order.status in RECEIVABLE_PO_STATUSES:
        arrived_any = any(l.qty_received + l.qty_rejected for l in lines)
        all_done = lines and all(l.qty_received + l.qty_rejected >= l.qty_ordered for l in lines)
        status = POStatus.RECEIVED if all_done else (POStatus.PARTIAL if arrived_any else POStatus.OPEN)
        if status != order.status:
            PurchaseOrder.update(status=status).where(PurchaseOrder.id == order.id).execute()
            order.status = status
    return order


@retry_conflicts
def close_po(po: str, *, backorder: bool, operator: str, station: str = "") -> PurchaseOrder | None:
    """Close PO. With BACKORDER a new PO `<po>-BO<n>` holds what has not arrived and is
    returned; otherwise the rest is cancelled and None is returned."""
    order = get_po(po)
    if not backorder and any(l.qty_ordered > l.qty_received + l.qty_rejected for l in order.lines):
        # Cancelling what has not arrived cancels part of a document: supervisors only.
        require_supervisor(operator, f"cancelling the rest of purchase order {order.number}")
    with write_transaction():
        order = locks.document(PurchaseOrder, order.id)
        if order.status not in (POStatus.DRAFT, *RECEIVABLE_PO_STATUSES):
            raise RuleViolation(f"purchase order {order.number} is {order.status}: expected an open one to close")
        rest = [(l, l.qty_ordered - l.qty_received - l.qty_rejected)
                for l in order.lines.order_by(PurchaseOrderLine.line_no)]
        rest = [(l, q) for l, q in rest if q > 0]
        new = None
        if backorder and rest:
            new = PurchaseOrder.create(number=backorder_number(PurchaseOrder, order), supplier=order.supplier,
                                       status=POStatus.OPEN, expected_date=order.expected_date,
                                       created_by=operator, backorder_of=order)
            for n, (line, qty) in enumerate(rest, start=1):
                PurchaseOrderLine.create(po=new, line_no=n, item=line.item, qty_ordered=qty,
                                         unit_cost=line.unit_cost, expected_date=line.expected_date)
        for line, _ in rest:
            PurchaseOrderLine.update(status=POLineStatus.BACKORDERED if new else POLineStatus.CANCELLED).where(
                PurchaseOrderLine.id == line.id).execute()
        PurchaseOrder.update(status=POStatus.CLOSED, closed_at=utcnow()).where(PurchaseOrder.id == order.id).execute()
        audit(operator, station, "close_po", po=order.number, backorder=new.number if new else None,
              cancelled=0 if new else sum(q for _, q in rest))
    return new


def open_purchase_orders(warehouse: str | None = None) -> list[PurchaseOrder]:
    """Open and partially received POs, earliest expected first. Purchase orders carry no
    warehouse, so WAREHOUSE does not narrow the list (kept for the contract)."""
    return list(PurchaseOrder.select().where(PurchaseOrder.status.in_(OPEN_PO_STATUSES))
                .order_by(PurchaseOrder.expected_date.asc(nulls="LAST"), PurchaseOrder.number))


def open_po_lines_of_item(item_id: int) -> list[PurchaseOrderLine]:
    """The item's lines on open and partly received POs (each with its PO), earliest expected first."""
    return list(PurchaseOrderLine.select(PurchaseOrderLine, PurchaseOrder).join(PurchaseOrder)
                .where(PurchaseOrderLine.item == item_id, PurchaseOrder.status.in_(OPEN_PO_STATUSES))
                .order_by(PurchaseOrder.expected_date, PurchaseOrder.number))
