"""Debit notes from returns to supplier and credit notes from customer returns, written
automatically in the return's own transaction: what came back is owed back at its price."""
from __future__ import annotations


from db.core.models import Movement
from db.money.documents import cents, create_document
from db.returns.documents import line_value
from db.returns.models import ReturnLine


def note_for_return(line: ReturnLine, qty: int, movement: Movement, *, operator: str, station: str = ""):
    """A debit note (RTV of usable stock, at the PO price) or a credit note (RMA, at the order
    line's price) for QTY units of LINE just posted as MOVEMENT."""
    doc = line.document
    supplier_side = doc.direction == "supplier"
    side, kind = ("payable", "debit_note") if supplier_side else ("receivable", "credit_note")
    who = doc.supplier if supplier_side else doc.customer
    amount = cents(line_value(line, qty))
    return create_document(
        side, kind, who, amount=-amount, date=movement.created_at.date(), operator=operator, station=station,
        reference=f"{doc.number}/{line.line_no}", po=doc.po_id, so=doc.so_id,
        lines=[{"item": line.item_id, "qty": qty, "unit_price": line.unit_price, "amount": amount,
                "po_line": line.po_line_id, "so_line": line.so_line_id, "return_line": line.id}])
