"""Builders for the report tests: purchase and sales documents and back-dated movements.

Movements go through db.ledger.post with `at`, so each test sets exactly when things happened
and works its expected numbers out by hand. Document counters are set the way the station
operations set them (qty_received, qty_shipped...), since reports read both.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from db.ledger.posting import Posting, post
from db.core.models import Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from tests import factories as f


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def site() -> dict:
    """One warehouse: a dock, storage, a shipping bay and quarantine."""
    f.warehouse("WH1")
    return {"dock": f.location("DOCK", kind="receiving", zone="DOCK"),
            "a1": f.location("A-01"), "a2": f.location("A-02"),
            "ship": f.location("SHIP", kind="shipping", zone="SHIP"),
            "qa": f.location("QA", kind="quarantine", zone="QA")}


def po(number, supplier, lines, *, created, status="open", expected=None, backorder_of=None):
    """LINES: (item, qty, unit_cost) or (item, qty, unit_cost, line expected date)."""
    order = PurchaseOrder.create(number=number, supplier=supplier, status=status,
                                 expected_date=expected, created_at=created, backorder_of=backorder_of)
    out = []
    for n, spec in enumerate(lines, start=1):
        it, qty, cost, *rest = spec
        out.append(PurchaseOrderLine.create(po=order, line_no=n, item=it, qty_ordered=qty,
                                            unit_cost=Decimal(str(cost)),
                                            expected_date=rest[0] if rest else None))
    return order, out


def receipt(line, qty, when, loc, *, reject=0, qa=None, op="W1") -> list[Movement]:
    """Accepted units supplier -> LOC and rejected ones -> QA, on LINE, at WHEN."""
    moves = []
    if qty:
        moves.append(post(Posting(item=line.item, qty=qty, from_location=f.virtual("supplier"),
                                  to_location=loc, kind="receipt", operator=op, po_line=line,
                                  unit_cost=line.unit_cost, at=when)))
    if reject:
        moves.append(post(Posting(item=line.item, qty=reject, from_location=f.virtual("supplier"),
                                  to_location=qa, kind="reject", operator=op, po_line=line,
                                  reason="DAMAGED", at=when)))
    line = PurchaseOrderLine.get_by_id(line.id)
    line.qty_received += qty
    line.qty_rejected += reject
    line.first_received_at = line.first_received_at or when
    line.last_received_at = when
    line.save()
    return moves


def undo(movement, when, op="W1") -> Movement:
    """The ledger's reverse, dated WHEN; a receipt's or reject's PO line counter goes back
    down, as the undo operation does (first_received_at stays)."""
    m = post(Posting(item=movement.item, qty=movement.qty, from_location=movement.to_location,
                     to_location=movement.from_location, lot=movement.lot, kind="undo", operator=op,
                     reverses=movement, po_line=movement.po_line_id, so_line=movement.so_line_id,
                     document=movement.document, unit_cost=movement.unit_cost, at=when))
    if movement.po_line_id and movement.kind in ("receipt", "reject"):
        field = PurchaseOrderLine.qty_received if movement.kind == "receipt" else PurchaseOrderLine.qty_rejected
        PurchaseOrderLine.update({field: field - movement.qty}).where(
            PurchaseOrderLine.id == movement.po_line_id).execute()
    return m


def so(number, customer, lines, *, created, due=None, status="open", backorder_of=None):
    """LINES: (item, qty ordered, unit price)."""
    order = SalesOrder.create(number=number, customer=customer, status=status, due_date=due,
                              created_at=created, backorder_of=backorder_of)
    out = [SalesOrderLine.create(so=order, line_no=n, item=it, qty_ordered=qty,
                                 unit_price=Decimal(str(price)))
           for n, (it, qty, price) in enumerate(lines, start=1)]
    return order, out


def ship(line, qty, when, ship_loc, *, op="W1", stock_from=None) -> Movement:
    """Ship QTY of LINE at WHEN from SHIP_LOC. With STOCK_FROM, first pick them there (at
    WHEN); else the units appear at the bay from inventory gain just before."""
    if stock_from is not None:
        post(Posting(item=line.item, qty=qty, from_location=stock_from, to_location=ship_loc,
                     kind="pick", operator=op, so_line=line, at=when))
    else:
        post(Posting(item=line.item, qty=qty, from_location=f.virtual("inventory-gain"),
                     to_location=ship_loc, kind="opening", operator="SETUP",
                     at=when - dt.timedelta(minutes=1)))
    m = post(Posting(item=line.item, qty=qty, from_location=ship_loc,
                     to_location=f.virtual("customer"), kind="ship", operator=op, so_line=line, at=when))
    line = SalesOrderLine.get_by_id(line.id)
    line.qty_picked += qty
    line.qty_shipped += qty
    line.save()
    return m


def stock(it, loc, qty, when, lot=None) -> Movement:
    """Opening stock dated WHEN."""
    return post(Posting(item=it, qty=qty, from_location=f.virtual("inventory-gain"), to_location=loc,
                        lot=lot, kind="opening", operator="SETUP", at=when))
