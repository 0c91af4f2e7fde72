"""CSV import: master data, open documents and opening stock, all or nothing per file.

How an import runs:
1. Read the whole file (UTF-8, with or without BOM) and check the header: every column must
   be known for the kind, every required column present, none twice.
2. Check every row (db/io/validation.py: types, duplicate keys inside the file), then the
   references to rows already in the store or in the same file. Every problem becomes "row N, column C: message", with row
   numbers as a spreadsheet shows them (the header is row 1).
3. Only if there is no error at all, write everything inside one `write_transaction()`, so
   even a failure while writing leaves the store as it was.

Master data (items, barcodes, locations, suppliers, customers, operators) is upserted on its
code: re-importing a file updates rows in place. A column left out of the file leaves that
field alone on existing rows; a blank cell in a present column means the default (0, false,
empty, no supplier).

Writes are batched (`insert_many` with `ON CONFLICT ... DO UPDATE`, which SQLite >= 3.24 and
PostgreSQL both support) in chunks, so 100,000 items import in seconds.

No UI here: progress is reported through an optional callback `progress(stage, done, total)`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from db.core.connection import database, retry_conflicts, write_transaction
from db.ledger import locks
from db.core.errors import InvalidInput
from db.io import sheets
from db.io.validation import KINDS, SPECS, Checker, Row, check_duplicates, parse_rows
from db.core.models import (PHYSICAL_KINDS, VIRTUAL_CODES, Barcode, Customer, Item, Location,
                            Lot, Operator, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine, Supplier,
                            Warehouse, utcnow)

Progress = Callable[[str, int, int], None]

CHUNK = 500          # rows per INSERT; well under SQLite's bound-variable limit


class ImportFailed(InvalidInput):
    """The file was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, kind: str, errors: list[str]):
        self.kind = kind
        self.errors = errors
        n = len(errors)
        super().__init__(f"{kind}: {n} error{'s' if n != 1 else ''}, nothing imported:\n"
                         + "\n".join(f"  {e}" for e in errors))


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0            # stock rows of a file imported before (same idempotency key)
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.rows} row{'s' if self.rows != 1 else ''}"]
        parts.append(f"{self.created} created")
        if self.kind != "stock":
            parts.append(f"{self.updated} updated")
        if self.skipped:
            parts.append(f"{self.skipped} already imported before")
        return f"imported {self.kind}: " + ", ".join(parts) + "".join(f"; {d}" for d in self.details)


def code_map(model, field_name: str = "code") -> dict[str, int]:
    fld = getattr(model, field_name)
    return dict(model.select(fld, model.id).tuples())


# --- the public entry point ----------------------------------------------------------------

@retry_conflicts
def import_csv(kind: str, source: str | Path | bytes, *, progress: Progress | None = None,
               operator: str = "IMPORT", station: str = "", encoding: str | None = None) -> ImportResult:
    """Import one CSV or xlsx file of KIND (db/io/sheets.py reads either). Raises ImportFailed
    (listing every error) and writes nothing if any row is bad."""
    if kind not in SPECS:
        raise InvalidInput(f"unknown import kind {kind!r}: expected one of {', '.join(KINDS)}")
    try:
        records, text = sheets.read(source, encoding)
    except sheets.SheetError as exc:
        raise ImportFailed("file", [str(exc)]) from None
    check = Checker()
    header, rows = parse_rows(kind, records, check, progress)
    if not rows and check.errors:           # a bad header: the rows cannot be read
        raise ImportFailed(kind, check.errors)
    # Cells that did not parse are None from here on; the checks below skip them, so one
    # run lists every problem of the file.
    check_duplicates(kind, rows, check)
    present = set(header)
    handler = _HANDLERS[kind]
    plan = handler.validate(rows, present, check)
    check.errors.sort(key=_error_order)
    if check.errors:
        raise ImportFailed(kind, check.errors)
    result = ImportResult(kind=kind, rows=len(rows))
    context = {"operator": operator, "station": station,
               "digest": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]}
    with write_transaction():
        handler.write(plan, present, result, progress or (lambda *a: None), context)
    return result


def _error_order(message: str) -> tuple[int, str]:
    """Errors sorted by row number, as the user will fix them top to bottom."""
    try:
        return int(message.split(",")[0].split(":")[0].split()[1]), ""
    except (IndexError, ValueError):
        return 0, message


# --- per-kind validation and writing -------------------------------------------------------

def _chunks(seq: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _upsert(model, rows: list[dict], conflict_field, preserve: list, progress: Progress, stage: str) -> None:
    """INSERT ... ON CONFLICT (code) DO UPDATE SET <present columns>, in chunks.

    Building the SQL of a 500-row INSERT is most of peewee's cost, so the SQL text of a full
    chunk is built once and reused with each chunk's parameters (converted by each field's
    db_value, exactly as peewee does). The reuse is checked against peewee's own parameters
    for the first chunk; if they ever differ, every chunk goes through peewee.
    """
    if not rows:
        return
    # Fill the model defaults ourselves (peewee would add them) so the columns are known.
    given = set(rows[0])
    for f in model._meta.sorted_fields:
        if f.name not in given and f.default is not None and not f.primary_key:
            for r in rows:
                r[f.name] = f.default() if callable(f.default) else f.default
    fields = [model._meta.fields[name] for name in rows[0]]

    def build(chunk):
        query = model.insert_many([tuple(r[f.name] for f in fields) for r in chunk], fields=fields)
        if preserve:
            return query.on_conflict(conflict_target=[conflict_field], preserve=preserve)
        return query.on_conflict_ignore()

    def params_of(chunk):
        return [f.db_value(r[f.name]) for r in chunk for f in fields]

    total = len(rows)
    cached_sql = None
    for done, chunk in enumerate(_chunks(rows)):
        if len(chunk) == CHUNK and cached_sql is not None:
            database.execute_sql(cached_sql, params_of(chunk))
        else:
            query = build(chunk)
            sql, params = query.sql()
            if len(chunk) == CHUNK and cached_sql is None and list(params) == params_of(chunk):
                cached_sql = sql
            query.execute()
        progress(stage, min(total, (done + 1) * CHUNK), total)


def _split_counts(keys: list[str], existing: dict[str, int], result: ImportResult) -> None:
    old = sum(1 for k in keys if k in existing)
    result.updated += old
    result.created += len(keys) - old


class MasterData:
    """Upsert on a code column. `fields` maps CSV column -> model field name."""
    model = None
    key_column = "code"
    key_field = "code"
    fields: dict[str, str] = {}

    def validate(self, rows: list[Row], present: set[str], check: Checker):
        return rows

    def to_record(self, row: Row, present: set[str], refs) -> dict:
        rec = {}
        for column, fname in self.fields.items():
            if column in present:
                rec[fname] = row.values[column]
            else:
                rec[fname] = SPECS_DEFAULTS[(self.kind, column)]
        return rec

    def refs(self, plan):
        return None

    def write(self, plan: list[Row], present: set[str], result: ImportResult, progress: Progress, ctx) -> None:
        refs = self.refs(plan)
        records = [self.to_record(row, present, refs) for row in plan]
        existing = code_map(self.model, self.key_field)
        _split_counts([r[self.key_field] for r in records], existing, result)
        if self.model is Item:
            # The items it changes, at once and in the one order, as stations lock them
            # (db/ledger/locks.py): updating them in file order could deadlock with a shipment.
            locks.lock_items(existing[r[self.key_field]] for r in records if r[self.key_field] in existing)
        preserve = [getattr(self.model, self.fields[c]) for c in self.fields
                    if c in present and c != self.key_column]
        preserve += self.extra_preserve(present)
        _upsert(self.model, records, getattr(self.model, self.key_field), preserve, progress, "writing")

    def extra_preserve(self, present: set[str]) -> list:
        return []


SPECS_DEFAULTS = {(kind, c.name): c.default for kind, spec in SPECS.items() for c in spec.columns}


class ItemsImport(MasterData):
    kind = "items"
    model = Item
    key_column = key_field = "sku"
    fields = {"sku": "sku", "name": "name", "uom": "uom", "unit_cost": "unit_cost",
              "unit_price": "unit_price", "reorder_point": "reorder_point",
              "reorder_qty": "reorder_qty", "max_qty": "max_qty", "lot_tracked": "lot_tracked",
              "expiry_tracked": "expiry_tracked", "supplier": "preferred_supplier",
              "min_shelf_life_days": "min_shelf_life_days"}

    def validate(self, rows, present, check):
        if "supplier" in present:
            suppliers = code_map(Supplier)
            for row in rows:
                code = row.values.get("supplier")
                if code and code not in suppliers:
                    check.add(row.number, "supplier", f"unknown supplier {code!r}: import suppliers first")
        for row in rows:
            v = row.values
            if v.get("max_qty") and v.get("reorder_point") and v["max_qty"] < v["reorder_point"]:
                check.add(row.number, "max_qty",
                          f"maximum {v['max_qty']} is below the reorder point {v['reorder_point']}")
        return rows

    def refs(self, plan):
        return code_map(Supplier), dict(Item.select(Item.sku, Item.lot_tracked).tuples())

    def to_record(self, row, present, refs):
        suppliers, lot_tracked = refs
        rec = super().to_record(row, present, refs)
        code = rec.pop("preferred_supplier")
        rec["preferred_supplier"] = suppliers.get(code) if code else None
        if "lot_tracked" not in present:
            rec["lot_tracked"] = lot_tracked.get(rec["sku"], False)
        # Expiry hangs on a lot: an expiry-tracked item is always lot-tracked.
        if rec["expiry_tracked"]:
            rec["lot_tracked"] = True
        return rec

    def extra_preserve(self, present):
        # expiry_tracked=true switches lot_tracked on even when the file has no lot_tracked column.
        if "expiry_tracked" in present and "lot_tracked" not in present:
            return [Item.lot_tracked]
        return []


class BarcodesImport(MasterData):
    kind = "barcodes"
    model = Barcode
    key_column = "barcode"
    key_field = "code"
    fields = {"barcode": "code", "sku": "item", "pack_qty": "pack_qty"}

    def validate(self, rows, present, check):
        items = code_map(Item, "sku")
        for row in rows:
            sku = row.values.get("sku")
            if sku and sku not in items:
                check.add(row.number, "sku", f"unknown item SKU {sku!r}: import items first")
        return rows

    def refs(self, plan):
        return code_map(Item, "sku")

    def to_record(self, row, present, items):
        rec = super().to_record(row, present, items)
        rec["item"] = items[rec["item"]]
        return rec


class LocationsImport(MasterData):
    kind = "locations"
    model = Location
    fields = {"code": "code", "warehouse": "warehouse", "zone": "zone", "kind": "kind",
              "pick_sequence": "pick_sequence"}

    def validate(self, rows, present, check):
        existing = {code: (kind, wh) for code, kind, wh in
                    Location.select(Location.code, Location.kind, Location.warehouse).tuples()}
        virtual_codes = set(VIRTUAL_CODES.values())
        for row in rows:
            v = row.values
            kind = v.get("kind") if "kind" in present else existing.get(v["code"], ("storage",))[0]
            if kind in PHYSICAL_KINDS and not v.get("warehouse"):
                if "warehouse" in present or v["code"] not in existing or existing[v["code"]][1] is None:
                    check.add(row.number, "warehouse", f"a {kind} location needs a warehouse")
            if v["code"] in virtual_codes and kind != existing.get(v["code"], (kind,))[0]:
                check.add(row.number, "kind", f"{v['code']} is a built-in {existing[v['code']][0]} location; "
                                              f"its kind cannot become {kind!r}")
        return rows

    def write(self, plan, present, result, progress, ctx):
        if "warehouse" in present:
            wanted = {row.values["warehouse"] for row in plan if row.values.get("warehouse")}
            known = code_map(Warehouse)
            new = sorted(wanted - set(known))
            for code in new:
                Warehouse.create(code=code, name=code)
            if new:
                result.details.append(f"{len(new)} new warehouse{'s' if len(new) != 1 else ''}: {', '.join(new)}")
        super().write(plan, present, result, progress, ctx)

    def refs(self, plan):
        return code_map(Warehouse)

    def to_record(self, row, present, warehouses):
        rec = super().to_record(row, present, warehouses)
        rec["warehouse"] = warehouses.get(rec["warehouse"]) if rec["warehouse"] else None
        return rec


class SuppliersImport(MasterData):
    kind = "suppliers"
    model = Supplier
    fields = {"code": "code", "name": "name", "lead_time_days": "lead_time_days", "contact": "contact"}


class CustomersImport(MasterData):
    kind = "customers"
    model = Customer
    fields = {"code": "code", "name": "name", "contact": "contact", "address": "address"}


class OperatorsImport(MasterData):
    kind = "operators"
    model = Operator
    fields = {"code": "code", "name": "name", "role": "role"}


class OrdersImport:
    """Purchase or sales orders, one row per line, grouped by order number.

    A new order is created open. An order that already exists is replaced only while
    nothing has happened to it (still open, nothing received/picked); otherwise refused.
    """
    kind = ""
    number_col = party_col = date_col = price_col = ""
    order_model = line_model = party_model = None
    party_name = ""

    def validate(self, rows, present, check):
        parties = code_map(self.party_model)
        items = dict(Item.select(Item.sku, Item.id).tuples())
        orders: dict[str, list[Row]] = {}
        for row in rows:
            v = row.values
            if v.get(self.party_col) and v[self.party_col] not in parties:
                check.add(row.number, self.party_col, f"unknown {self.party_name} {v[self.party_col]!r}")
            if v.get("sku") and v["sku"] not in items:
                check.add(row.number, "sku", f"unknown item SKU {v['sku']!r}: import items first")
            if v.get(self.number_col):
                orders.setdefault(v[self.number_col], []).append(row)
        for number, lines in orders.items():
            for col in self.same_on_every_line(present):
                first = next((r for r in lines if r.values.get(col) is not None), None)
                if first is None:
                    continue
                for r in lines:
                    value = r.values.get(col)
                    if value is not None and value != first.values[col]:
                        check.add(r.number, col, f"{self.number_col} {number} has {col} "
                                                 f"{first.values[col]} on row {first.number}, not {value}")
        busy = self.busy_orders(list(orders))
        for number, reason in busy.items():
            check.add(orders[number][0].number, self.number_col,
                      f"{number} already exists and {reason}; it cannot be replaced by an import")
        return orders

    def same_on_every_line(self, present):
        return [self.party_col]

    def write(self, orders, present, result, progress, ctx):
        parties = code_map(self.party_model)
        items = {sku: (iid, cost, price) for sku, iid, cost, price in
                 Item.select(Item.sku, Item.id, Item.unit_cost, Item.unit_price).tuples()}
        existing = dict(self.order_model.select(self.order_model.number, self.order_model.id).tuples())
        result.details.append(f"{len(orders)} order{'s' if len(orders) != 1 else ''}")
        lines_out = []
        total = len(orders)
        for done, (number, lines) in enumerate(orders.items(), 1):
            header = self.header_fields(lines, parties, ctx)
            if number in existing:
                order_id = existing[number]
                self.line_model.delete().where(self.line_fk() == order_id).execute()
                self.order_model.update(**header).where(self.order_model.id == order_id).execute()
                result.updated += len(lines)
            else:
                order_id = self.order_model.insert(number=number, **header).execute()
                result.created += len(lines)
            for line_no, row in enumerate(lines, 1):
                lines_out.append(self.line_fields(order_id, line_no, row, items))
            if done % 200 == 0:
                progress("writing", done, total)
        for chunk in _chunks(lines_out):
            self.line_model.insert_many(chunk).execute()
        progress("writing", total, total)


class PurchaseOrdersImport(OrdersImport):
    kind = "purchase-orders"
    number_col, party_col = "po", "supplier"
    order_model, line_model, party_model = PurchaseOrder, PurchaseOrderLine, Supplier
    party_name = "supplier"

    def busy_orders(self, numbers):
        busy = {}
        for chunk in _chunks(numbers):
            for po in PurchaseOrder.select().where(PurchaseOrder.number.in_(chunk)):
                touched = (PurchaseOrderLine.select()
                           .where(PurchaseOrderLine.po == po.id,
                                  (PurchaseOrderLine.qty_received > 0) | (PurchaseOrderLine.qty_rejected > 0))
                           .exists())
                if touched:
                    busy[po.number] = "has receipts"
                elif po.status not in ("open", "draft"):
                    busy[po.number] = f"is {po.status}"
        return busy

    def line_fk(self):
        return PurchaseOrderLine.po

    def header_fields(self, lines, parties, ctx):
        dates = [r.values.get("expected_date") for r in lines if r.values.get("expected_date")]
        return {"supplier": parties[lines[0].values["supplier"]], "status": "open",
                "expected_date": min(dates) if dates else None, "created_by": ctx["operator"]}

    def line_fields(self, order_id, line_no, row, items):
        v = row.values
        iid, cost, _ = items[v["sku"]]
        return {"po": order_id, "line_no": line_no, "item": iid, "qty_ordered": v["qty"],
                "unit_cost": v["unit_cost"] if v.get("unit_cost") is not None else cost,
                "expected_date": v.get("expected_date"), "status": "open"}


class SalesOrdersImport(OrdersImport):
    kind = "sales-orders"
    number_col, party_col = "so", "customer"
    order_model, line_model, party_model = SalesOrder, SalesOrderLine, Customer
    party_name = "customer"

    def same_on_every_line(self, present):
        return ["customer", "due_date", "priority"]

    def busy_orders(self, numbers):
        busy = {}
        for chunk in _chunks(numbers):
            for so in SalesOrder.select().where(SalesOrder.number.in_(chunk)):
                touched = (SalesOrderLine.select()
                           .where(SalesOrderLine.so == so.id,
                                  (SalesOrderLine.qty_picked > 0) | (SalesOrderLine.qty_shipped > 0))
                           .exists())
                if touched:
                    busy[so.number] = "has picks"
                elif so.status != "open" or so.assigned_station:
                    busy[so.number] = f"is {'being picked' if so.assigned_station else so.status}"
        return busy

    def line_fk(self):
        return SalesOrderLine.so

    def header_fields(self, lines, parties, ctx):
        due = next((r.values["due_date"] for r in lines if r.values.get("due_date")), None)
        priority = next((r.values["priority"] for r in lines if r.values.get("priority")), 5)
        return {"customer": parties[lines[0].values["customer"]], "status": "open",
                "due_date": due, "priority": priority}

    def line_fields(self, order_id, line_no, row, items):
        v = row.values
        iid, _, price = items[v["sku"]]
        return {"so": order_id, "line_no": line_no, "item": iid, "qty_ordered": v["qty"],
                "unit_price": v["unit_price"] if v.get("unit_price") is not None else price}


class StockImport:
    """Opening balances, each row one ledger posting from @GAIN (kind "opening").

    Each posting's idempotency key is made of the file's digest and the row number, so
    importing the very same file twice posts it once.
    """
    kind = "stock"

    def validate(self, rows, present, check):
        items = {sku: (iid, lot, exp) for sku, iid, lot, exp in
                 Item.select(Item.sku, Item.id, Item.lot_tracked, Item.expiry_tracked).tuples()}
        locations = {code: (lid, kind, active) for code, lid, kind, active in
                     Location.select(Location.code, Location.id, Location.kind, Location.active).tuples()}
        lots = {(iid, code): exp for iid, code, exp in Lot.select(Lot.item, Lot.code, Lot.expiry).tuples()}
        file_lots: dict[tuple[int, str], tuple[dt.date | None, int]] = {}
        for row in rows:
            v = row.values
            item = items.get(v["sku"]) if v.get("sku") else None
            if v.get("sku") and item is None:
                check.add(row.number, "sku", f"unknown item SKU {v['sku']!r}: import items first")
            loc = locations.get(v["location"]) if v.get("location") else None
            if v.get("location"):
                if loc is None:
                    check.add(row.number, "location", f"unknown location {v['location']!r}: import locations first")
                elif loc[1] not in PHYSICAL_KINDS:
                    check.add(row.number, "location", f"{v['location']} is a virtual {loc[1]} location: "
                                                      "expected a physical location")
                elif not loc[2]:
                    check.add(row.number, "location", f"location {v['location']} is inactive")
            if item is None:
                continue
            iid, lot_tracked, expiry_tracked = item
            lot, expiry = v.get("lot"), v.get("expiry")
            if lot_tracked and not lot:
                check.add(row.number, "lot", f"{v['sku']} is lot-tracked: a lot is required")
            if not lot_tracked and lot:
                check.add(row.number, "lot", f"{v['sku']} is not lot-tracked: expected no lot, got {lot!r}")
            if expiry and not expiry_tracked:
                check.add(row.number, "expiry", f"{v['sku']} is not expiry-tracked: expected no expiry, got {expiry}")
            if not lot or not lot_tracked:
                continue
            known = lots.get((iid, lot), "new")
            earlier = file_lots.get((iid, lot))
            if expiry_tracked and not expiry and (known == "new" or known is None) and not (earlier and earlier[0]):
                check.add(row.number, "expiry", f"{v['sku']} is expiry-tracked: an expiry date is required for lot {lot}")
            if known not in ("new", None) and expiry and known != expiry:
                check.add(row.number, "expiry", f"lot {lot} of {v['sku']} expires {known}, not {expiry}")
            if earlier and expiry and earlier[0] and earlier[0] != expiry:
                check.add(row.number, "expiry", f"lot {lot} of {v['sku']} has expiry {earlier[0]} on row "
                                                f"{earlier[1]}, not {expiry}")
            if not earlier or (expiry and not earlier[0]):
                file_lots[(iid, lot)] = (expiry, row.number)
        return rows

    def write(self, rows, present, result, progress, ctx):
        from db.ledger.posting import Posting, post
        from db.core.models import Movement
        skus = {r.values["sku"] for r in rows}
        items = {i.sku: i for i in Item.select() if i.sku in skus}
        locations = {loc.code: loc for loc in Location.select()}
        gain = locations[VIRTUAL_CODES["inventory-gain"]]
        prefix = f"import:stock:{ctx['digest']}:"
        done_before = {k for (k,) in Movement.select(Movement.idempotency_key)
                       .where(Movement.idempotency_key.startswith(prefix)).tuples()}
        lots: dict[tuple[int, str], Lot] = {}
        total = len(rows)
        now = utcnow()
        locks.lock_items(item.id for item in items.values())     # all at once: db/ledger/locks.py
        for done, row in enumerate(rows, 1):
            if done % 500 == 0:
                progress("writing", done, total)
            key = f"{prefix}{row.number}"
            if key in done_before:
                result.skipped += 1
                continue
            v = row.values
            item = items[v["sku"]]
            lot = None
            if item.lot_tracked:
                lot = lots.get((item.id, v["lot"]))
                if lot is None:
                    lot = Lot.get_or_none(Lot.item == item.id, Lot.code == v["lot"])
                    if lot is None:
                        lot = Lot.create(item=item, code=v["lot"], expiry=v.get("expiry"), received_at=now)
                    elif lot.expiry is None and v.get("expiry"):
                        lot.expiry = v["expiry"]
                        lot.save()
                    lots[(item.id, v["lot"])] = lot
            post(Posting(item=item, qty=v["qty"], from_location=gain,
                         to_location=locations[v["location"]], lot=lot, kind="opening",
                         operator=ctx["operator"], station=ctx["station"], key=key,
                         document="IMPORT", reason="opening balance", unit_cost=item.unit_cost))
            result.created += 1
        progress("writing", total, total)


_HANDLERS = {
    "items": ItemsImport(), "barcodes": BarcodesImport(), "locations": LocationsImport(),
    "suppliers": SuppliersImport(), "customers": CustomersImport(),
    "purchase-orders": PurchaseOrdersImport(), "sales-orders": SalesOrdersImport(),
    "stock": StockImport(), "operators": OperatorsImport(),
}
