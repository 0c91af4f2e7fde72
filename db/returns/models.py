"""Return documents, both ways: a return to supplier (RTV) and a return from a customer (RMA).

One table for both: the two differ in which party and which order they point at, not in shape.
Lines carry the cost the goods carry (RTV: the reject's PO price or the moving average; RMA:
the cost they left with) and the price owed back (the debit or credit note's price).
"""
from __future__ import annotations

import peewee as pw

from db.core.models import (BaseModel, Customer, Item, Location, Lot, Money, PurchaseOrder,
                            PurchaseOrderLine, SalesOrder, SalesOrderLine, Supplier, utcnow)

# An RTV: open (lines still to send) -> shipped (all sent) -> closed (nothing more to do).
# An RMA: open (goods received, some still to inspect) -> closed (all inspected).
RETURN_STATUSES = ("open", "shipped", "closed")


def N_(text: str) -> str:
    """Marks TEXT for the catalogue; translated where it is shown (db/ cannot import terminal/)."""
    return text


# The statuses as messages show them (through gettext; the stored status stays English).
STATUS_WORDS = (N_("open"), N_("shipped"), N_("closed"))
DIRECTIONS = ("supplier", "customer")
PREFIX = {"supplier": "RTV", "customer": "RMA"}


class ReturnDocument(BaseModel):
    number = pw.CharField(unique=True)
    direction = pw.CharField()                      # supplier (RTV) or customer (RMA)
    supplier = pw.ForeignKeyField(Supplier, null=True, backref="returns")
    customer = pw.ForeignKeyField(Customer, null=True, backref="returns")
    po = pw.ForeignKeyField(PurchaseOrder, null=True, backref="returns")
    so = pw.ForeignKeyField(SalesOrder, null=True, backref="returns")
    reason = pw.CharField(default="")
    condition = pw.CharField(default="")
    status = pw.CharField(default="open", index=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.CharField(default="")


class ReturnLine(BaseModel):
    document = pw.ForeignKeyField(ReturnDocument, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    item = pw.ForeignKeyField(Item)
    lot = pw.ForeignKeyField(Lot, null=True)
    qty = pw.IntegerField()
    # RTV: where the goods are taken from; RMA: where they were received.
    location = pw.ForeignKeyField(Location, null=True)
    po_line = pw.ForeignKeyField(PurchaseOrderLine, null=True, backref="return_lines")
    so_line = pw.ForeignKeyField(SalesOrderLine, null=True, backref="return_lines")
    # The cost the goods carry into or out of stock, and the price owed back for them.
    unit_cost = Money(default=0)
    unit_price = Money(default=0)
    # RTV taken from usable stock (accepted, so billed or billable); rejects were never owed.
    from_usable = pw.BooleanField(default=True)
    qty_sent = pw.IntegerField(default=0)           # RTV: units that left
    qty_restocked = pw.IntegerField(default=0)      # RMA: inspected, back in storage
    qty_scrapped = pw.IntegerField(default=0)       # RMA: inspected, written off

    class Meta:
        indexes = ((("document", "line_no"), True),)


MODELS = [ReturnDocument, ReturnLine]
