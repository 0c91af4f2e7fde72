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

import hashlib
from gettext import gettext as _
from db.core.text import Phrase, ngettext
from pathlib import Path

from db.core.connection import database, retry_conflicts, write_transaction
from db.ledger import locks
from db.core.errors import InvalidInput
from db.io import sheets
from db.io import validation as _v
from db.io.validation import SPECS, Checker, Row, check_duplicates, parse_rows, stored_quantity
from db.core.models import PHYSICAL_KINDS, VIRTUAL_CODES, Barcode, Customer, Item, Location, Operator, Supplier, Warehouse
# The shared pieces and the per-kind modules, split out to keep each module to one subject;
# ImportFailed, ImportResult and code_map stay importable from here, where callers import them.
from db.io.import_base import CHUNK, ImportFailed, ImportResult, Progress, chunks as _chunks, code_map  # noqa: F401
from db.io.orders_io import PurchaseOrdersImport, SalesOrdersImport
from db.io.stock_io import StockImport
from db.io.units_io import UnitsImport, _items_with_quantities


# --- the public entry point ----------------------------------------------------------------

@retry_conflicts
def import_csv(kind: str, source: str | Path | bytes, *, progress: Progress | None = None,
               operator: str = "IMPORT", station: str = "", encoding: str | None = None) -> ImportResult:
    """Import one CSV or xlsx file of KIND (db/io/sheets.py reads either). Raises ImportFailed
    (listing every error) and writes nothing if any row is bad."""
    if kind not in SPECS:
        raise InvalidInput(_("unknown import kind {kind!r}: expected one of {items}").format(
            kind=kind, items=", ".join(_v.KINDS)))
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
    check.sort()
    if check.errors:
        raise ImportFailed(kind, check.errors)
    if kind in SUPERVISED and not (kind == "operators" and not _has_supervisor()):
        # Opening stock and roles are a supervisor's to set (with their PIN): checked before
        # the write transaction, so a refusal's audit row stays. The one exception: a store
        # with no supervisor yet takes its first operators file (how a new site starts).
        from db.masterdata.security import N_, require_supervisor
        require_supervisor(operator, Phrase(N_("importing {kind}"), kind=kind), station=station)
    result = ImportResult(kind=kind, rows=len(rows))
    context = {"operator": operator, "station": station,
               "digest": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]}
    from db.masterdata.security import audit
    with write_transaction():
        handler.write(plan, present, result, progress or (lambda *a: None), context)
        audit(operator, station, "import", kind=kind, file=context["digest"], rows=result.rows,
              created=result.created, updated=result.updated, skipped=result.skipped)
    if kind == "operators":
        from db.ledger.roles import forget_roles
        forget_roles()
    return result


# Imports that set stock or roles: a supervisor's action (require_supervisor, PIN and all).
SUPERVISED = ("stock", "operators")


def _has_supervisor() -> bool:
    return Operator.select().where(Operator.role == "supervisor", Operator.active == True).exists()  # noqa: E712


# --- per-kind validation and writing -------------------------------------------------------

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
              "min_shelf_life_days": "min_shelf_life_days", "decimals": "decimals"}

    def validate(self, rows, present, check):
        existing = {sku: (iid, dec, uom) for sku, iid, dec, uom in
                    Item.select(Item.sku, Item.id, Item.decimals, Item.uom).tuples()}
        used = _items_with_quantities() if "decimals" in present else set()
        for row in rows:
            v = row.values
            old = existing.get(v.get("sku"))
            decimals = v.get("decimals") if "decimals" in present else (old[1] if old else 0)
            if decimals is None:
                continue
            if old and old[1] != decimals and old[0] in used:
                # Stored quantities are integers of 10^-decimals: changing it would change them all.
                check.add(row.number, "decimals", _("{sku} has stock, movements or order lines in {old} decimals: "
                                                    "its precision cannot change to {decimals}").format(
                                                      sku=v['sku'], old=old[1], decimals=decimals))
            # The row is the item itself: its row and column say which, the precision is enough.
            for column in ("reorder_point", "reorder_qty", "max_qty"):
                if column in present:
                    stored_quantity(check, row, column, decimals, allow_zero=True)
        if "supplier" in present:
            suppliers = code_map(Supplier)
            for row in rows:
                code = row.values.get("supplier")
                if code and code not in suppliers:
                    check.add(row.number, "supplier", _("unknown supplier {code!r}: import suppliers first").format(code=code))
        for row in rows:
            v = row.values
            if v.get("max_qty") and v.get("reorder_point") and v["max_qty"] < v["reorder_point"]:
                check.add(row.number, "max_qty",
                          _("maximum {max_qty} is below the reorder point {reorder_point}").format(
                              max_qty=v['max_qty'], reorder_point=v['reorder_point']))
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
        items = {i.sku: i for i in Item.select(Item.sku, Item.decimals, Item.uom)}
        for row in rows:
            sku = row.values.get("sku")
            if sku and sku not in items:
                check.add(row.number, "sku", _("unknown item SKU {sku!r}: import items first").format(sku=sku))
            elif sku:
                stored_quantity(check, row, "pack_qty", items[sku])
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
                    check.add(row.number, "warehouse", _("a {kind} location needs a warehouse").format(kind=kind))
            if v["code"] in virtual_codes and kind != existing.get(v["code"], (kind,))[0]:
                check.add(row.number, "kind", _("{code} is a built-in {old} location; its kind cannot become "
                                                "{kind!r}").format(code=v['code'], old=existing[v['code']][0],
                                                                   kind=kind))
        return rows

    def write(self, plan, present, result, progress, ctx):
        if "warehouse" in present:
            wanted = {row.values["warehouse"] for row in plan if row.values.get("warehouse")}
            known = code_map(Warehouse)
            new = sorted(wanted - set(known))
            for code in new:
                Warehouse.create(code=code, name=code)
            if new:
                result.details.append(ngettext("{n} new warehouse: {codes}", "{n} new warehouses: {codes}",
                                               len(new)).format(n=len(new), codes=", ".join(new)))
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
    fields = {"code": "code", "name": "name", "lead_time_days": "lead_time_days", "contact": "contact",
              "terms_days": "terms_days"}


class CustomersImport(MasterData):
    kind = "customers"
    model = Customer
    fields = {"code": "code", "name": "name", "contact": "contact", "address": "address",
              "terms_days": "terms_days", "credit_limit": "credit_limit"}


class OperatorsImport(MasterData):
    kind = "operators"
    model = Operator
    fields = {"code": "code", "name": "name", "role": "role"}


_HANDLERS = {
    "items": ItemsImport(), "barcodes": BarcodesImport(), "locations": LocationsImport(),
    "suppliers": SuppliersImport(), "customers": CustomersImport(),
    "purchase-orders": PurchaseOrdersImport(), "sales-orders": SalesOrdersImport(),
    "stock": StockImport(), "operators": OperatorsImport(), "units": UnitsImport(),
}


# Money and returns (db/io/money_io.py): kinds of their own, run by the same import_csv.
from db.io.money_io import HANDLERS as _MONEY_HANDLERS, SPECS as _MONEY_SPECS  # noqa: E402

SPECS.update(_MONEY_SPECS)
_HANDLERS.update(_MONEY_HANDLERS)
KINDS = _v.KINDS = tuple(SPECS)
