"""The peewee models: master data, the ledger, cached balances and the documents it serves.

Quantities are integers of each item's smallest unit (db/core/quantities.py: stored =
quantity x 10^Item.decimals); money is Decimal. Every model binds to the one
DatabaseProxy so SQLite and PostgreSQL share the same model set.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from db.core.connection import database
from db.core.statuses import POLineStatus, POStatus, SOStatus

# Location kinds. Physical ones hold real goods and never go negative; virtual ones are the
# other side of each double entry (goods come from a supplier, go to a customer...).
PHYSICAL_KINDS = ("storage", "receiving", "shipping", "quarantine")
VIRTUAL_KINDS = ("supplier", "customer", "inventory-loss", "inventory-gain", "transit")
LOCATION_KINDS = PHYSICAL_KINDS + VIRTUAL_KINDS

# The one virtual location of each virtual kind, created by `wh init`.
VIRTUAL_CODES = {
    "supplier": "@SUPPLIER",
    "customer": "@CUSTOMER",
    "inventory-loss": "@LOSS",
    "inventory-gain": "@GAIN",
    "transit": "@TRANSIT",
}

ROLES = ("worker", "supervisor")


def utcnow() -> dt.datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def Money(**kw) -> pw.DecimalField:
    return pw.DecimalField(max_digits=16, decimal_places=4, auto_round=True, **kw)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = pw.IntegerField()
    applied_at = pw.DateTimeField(default=utcnow)


class Warehouse(BaseModel):
    code = pw.CharField(unique=True)
    name = pw.CharField(default="")


class Location(BaseModel):
    code = pw.CharField(unique=True)
    warehouse = pw.ForeignKeyField(Warehouse, null=True, backref="locations")
    zone = pw.CharField(default="")
    kind = pw.CharField(default="storage")
    pick_sequence = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)

    @property
    def is_physical(self) -> bool:
        return self.kind in PHYSICAL_KINDS


class Supplier(BaseModel):
    code = pw.CharField(unique=True)
    name = pw.CharField(default="")
    lead_time_days = pw.IntegerField(default=7)
    contact = pw.CharField(default="")
    active = pw.BooleanField(default=True)


class Customer(BaseModel):
    code = pw.CharField(unique=True)
    name = pw.CharField(default="")
    contact = pw.CharField(default="")
    address = pw.CharField(default="")
    notes = pw.TextField(default="")


class Item(BaseModel):
    sku = pw.CharField(unique=True)
    name = pw.CharField(default="")
    uom = pw.CharField(default="EA")
    # Precision of quantities in the base unit (0-3): every quantity of this item in the store
    # is an integer of 10^-decimals base units (db/core/quantities.py). 0 keeps whole units.
    # An item with decimals is sold by weight or measure: a scan of its own GTIN carries the
    # measure (GS1 310n...) or the station asks for it.
    decimals = pw.IntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")])
    lot_tracked = pw.BooleanField(default=False)
    expiry_tracked = pw.BooleanField(default=False)
    # Moving-average cost, updated at each receipt.
    unit_cost = Money(default=0)
    unit_price = Money(default=0)
    reorder_point = pw.IntegerField(default=0)
    reorder_qty = pw.IntegerField(default=0)
    max_qty = pw.IntegerField(default=0)
    preferred_supplier = pw.ForeignKeyField(Supplier, null=True, backref="preferred_items")
    abc_class = pw.CharField(null=True)
    active = pw.BooleanField(default=True)
    # Days of shelf life a lot must still have when it is received (0: no minimum). Schema 6.
    # A default in the table too, as for decimals: bulk inserts that name no such column work.
    min_shelf_life_days = pw.IntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")])


class Barcode(BaseModel):
    code = pw.CharField(unique=True)
    item = pw.ForeignKeyField(Item, backref="barcodes", on_delete="CASCADE")
    # An each barcode has 1, a case barcode of 12 has 12: one scan adds pack_qty units.
    pack_qty = pw.IntegerField(default=1)


class ItemUnit(BaseModel):
    """A named unit of an item besides its base unit: 箱 = 24 瓶, roll = 50 m. FACTOR is the
    unit in stored units (an integer of the item's smallest unit). Its barcode, if any, is
    also a Barcode row with pack_qty = factor, so scanning it counts that many."""
    item = pw.ForeignKeyField(Item, backref="units", on_delete="CASCADE")
    name = pw.CharField()
    factor = pw.IntegerField()
    barcode = pw.CharField(null=True)
    purchase_price = Money(null=True)
    sales_price = Money(null=True)

    class Meta:
        indexes = ((("item", "name"), True),)


class Lot(BaseModel):
    item = pw.ForeignKeyField(Item, backref="lots")
    code = pw.CharField()
    expiry = pw.DateField(null=True)
    received_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("item", "code"), True),)


class Operator(BaseModel):
    code = pw.CharField(unique=True)
    name = pw.CharField(default="")
    role = pw.CharField(default="worker")
    # scrypt hash of the supervisor PIN ("scrypt$salt$hash"); never the PIN itself.
    pin_hash = pw.CharField(null=True)
    failed_pin_attempts = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    active = pw.BooleanField(default=True)

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


class Station(BaseModel):
    code = pw.CharField(unique=True)
    warehouse = pw.ForeignKeyField(Warehouse, null=True)
    last_seen = pw.DateTimeField(default=utcnow)


class ReasonCode(BaseModel):
    code = pw.CharField(unique=True)
    description = pw.CharField(default="")
    # What the reason is for: reject, adjust, count, short.
    kind = pw.CharField(default="adjust")


class PurchaseOrder(BaseModel):
    number = pw.CharField(unique=True)
    supplier = pw.ForeignKeyField(Supplier, backref="purchase_orders")
    # draft -> open -> partial -> received -> closed; or cancelled.
    status = pw.CharField(default=POStatus.OPEN, index=True)
    expected_date = pw.DateField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.CharField(default="")
    closed_at = pw.DateTimeField(null=True)
    backorder_of = pw.ForeignKeyField("self", null=True, backref="backorders")


class PurchaseOrderLine(BaseModel):
    po = pw.ForeignKeyField(PurchaseOrder, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    item = pw.ForeignKeyField(Item, backref="po_lines")
    qty_ordered = pw.IntegerField()
    # The unit the line was ordered in (None: the base unit); quantities stay stored units.
    unit = pw.ForeignKeyField(ItemUnit, null=True, index=False, on_delete="SET NULL")
    qty_received = pw.IntegerField(default=0)   # accepted
    qty_rejected = pw.IntegerField(default=0)
    unit_cost = Money(default=0)
    expected_date = pw.DateField(null=True)
    first_received_at = pw.DateTimeField(null=True)
    last_received_at = pw.DateTimeField(null=True)
    status = pw.CharField(default=POLineStatus.OPEN)

    class Meta:
        indexes = ((("po", "line_no"), True),)


class SalesOrder(BaseModel):
    number = pw.CharField(unique=True)
    customer = pw.ForeignKeyField(Customer, backref="sales_orders")
    # open -> picking -> picked -> shipped (or partial, leaving a backorder); or cancelled.
    status = pw.CharField(default=SOStatus.OPEN, index=True)
    priority = pw.IntegerField(default=5)          # 1 is most urgent
    due_date = pw.DateField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    # Which station and operator took the order for picking: nobody else gets it.
    assigned_station = pw.CharField(null=True)
    assigned_operator = pw.CharField(null=True)
    assigned_at = pw.DateTimeField(null=True)
    shipped_at = pw.DateTimeField(null=True)
    backorder_of = pw.ForeignKeyField("self", null=True, backref="backorders")


class SalesOrderLine(BaseModel):
    so = pw.ForeignKeyField(SalesOrder, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    item = pw.ForeignKeyField(Item, backref="so_lines")
    qty_ordered = pw.IntegerField()
    unit = pw.ForeignKeyField(ItemUnit, null=True, index=False, on_delete="SET NULL")
    qty_picked = pw.IntegerField(default=0)
    qty_shipped = pw.IntegerField(default=0)
    qty_short = pw.IntegerField(default=0)
    unit_price = Money(default=0)   # a discount is simply a lower price on the line

    class Meta:
        indexes = ((("so", "line_no"), True),)


class Balance(BaseModel):
    """Cached quantity of item x location x lot. Always equal to the ledger's sum."""
    item = pw.ForeignKeyField(Item, backref="balances")
    location = pw.ForeignKeyField(Location, backref="balances")
    lot = pw.ForeignKeyField(Lot, null=True, backref="balances")
    qty = pw.IntegerField(default=0)
    # Units promised to sales orders being picked from this place.
    allocated = pw.IntegerField(default=0)
    updated_at = pw.DateTimeField(default=utcnow)

    @staticmethod
    def key(item_id: int, location_id: int, lot_id: int | None):
        """The condition naming one balance row: its item × location × lot (no lot: NULL, which
        `=` never matches)."""
        return ((Balance.item == item_id) & (Balance.location == location_id)
                & (Balance.lot.is_null() if lot_id is None else Balance.lot == lot_id))


class Movement(BaseModel):
    """One line of the ledger. Never updated, never deleted."""
    # Indexes: see below the class. Every index is written by every posting, so there are
    # as few as the look-ups need (schema version 3).
    item = pw.ForeignKeyField(Item, backref="movements", index=False)
    lot = pw.ForeignKeyField(Lot, null=True, index=False)
    from_location = pw.ForeignKeyField(Location, backref="outgoing")
    to_location = pw.ForeignKeyField(Location, backref="incoming")
    qty = pw.IntegerField()
    # receipt, reject, putaway, move, transfer, pick, ship, adjust, count, opening, undo
    kind = pw.CharField()
    operator = pw.CharField()
    station = pw.CharField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    idempotency_key = pw.CharField(null=True, unique=True)
    # An undo points at what it reverses; the unique index refuses a second undo.
    reverses = pw.ForeignKeyField("self", null=True, index=False, backref="reversed_by")
    po_line = pw.ForeignKeyField(PurchaseOrderLine, null=True, index=False, backref="movements")
    so_line = pw.ForeignKeyField(SalesOrderLine, null=True, index=False, backref="movements")
    count_line = pw.IntegerField(null=True)
    document = pw.CharField(default="")     # human reference: PO-1042/3, SO-77/1, TR-..., CNT-5/12
    reason = pw.CharField(default="")
    unit_cost = Money(null=True)            # cost of the units moved, for valuation


class AuditLog(BaseModel):
    """Who did what, when and where: postings, approvals, logins, refusals."""
    at = pw.DateTimeField(default=utcnow, index=True)
    operator = pw.CharField(default="", index=True)
    station = pw.CharField(default="")
    action = pw.CharField()
    detail = pw.TextField(default="")


class PickShortage(BaseModel):
    """A short pick: the shelf held less than the books said. Feeds count plans."""
    so_line = pw.ForeignKeyField(SalesOrderLine, backref="shortages")
    location = pw.ForeignKeyField(Location)
    item = pw.ForeignKeyField(Item)
    qty_short = pw.IntegerField()
    operator = pw.CharField()
    station = pw.CharField(default="")
    at = pw.DateTimeField(default=utcnow)
    # Set when the picker's undo took the short back (schema 6): it then blocks nothing.
    undone_at = pw.DateTimeField(null=True)


# Movement lookups that reports and verify need. (item, created_at) also serves look-ups by
# item alone.
Movement.add_index(Movement.item, Movement.created_at)
# Most movements have no lot, order line or undo: partial indexes leave them out, so that
# posting one writes four index pages fewer (schema version 3; bench/RESULTS.md). A look-up
# by `col = value` uses them all the same. The unique one refuses a second undo.
for _column in (Movement.lot, Movement.po_line, Movement.so_line):
    Movement.add_index(_column, where=_column.is_null(False))
Movement.add_index(Movement.reverses, unique=True, where=Movement.reverses.is_null(False))
Movement.add_index(Movement.operator, Movement.created_at)
# Reports read one kind over a period (ship for sales and ABC): without this they scanned the
# whole ledger (schema version 2; bench/RESULTS.md).
Movement.add_index(Movement.kind, Movement.created_at)
Balance.add_index(pw.SQL("CREATE UNIQUE INDEX IF NOT EXISTS balance_key ON balance "
                         "(item_id, location_id, COALESCE(lot_id, 0))"))

CORE_MODELS = [
    SchemaVersion, Warehouse, Location, Supplier, Customer, Item, Barcode, ItemUnit, Lot, Operator,
    Station, ReasonCode, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine,
    Balance, Movement, AuditLog, PickShortage,
]
