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
from gettext import gettext as _, ngettext
from pathlib import Path
from typing import Callable, Iterable

from db.core.connection import database, retry_conflicts, write_transaction
from db.ledger import locks
from db.core.errors import InvalidInput
from db.io import sheets
from db.io import validation as _v
from db.io.validation import SPECS, Checker, Row, check_duplicates, parse_rows, stored_quantity
from db.core.models import (PHYSICAL_KINDS, VIRTUAL_CODES, Barcode, Customer, Item, ItemUnit, Location, Movement,
                            Lot, Operator, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine, Supplier,
                            Warehouse, utcnow)

Progress = Callable[[str, int, int], None]


def N_(text: str) -> str:
    """Mark TEXT for the catalogue; it is translated where it is used (db/ cannot import terminal/)."""
    return text


CHUNK = 500          # rows per INSERT; well under SQLite's bound-variable limit


class ImportFailed(InvalidInput):
    """The file was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, kind: str, errors: list[str]):
        self.kind = kind
        self.errors = errors
        n = len(errors)
        super().__init__(ngettext("{kind}: {n} error, nothing imported:", "{kind}: {n} errors, nothing imported:",
                                  n).format(kind=kind, n=n) + "\n"
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
        parts = [ngettext("{n} row", "{n} rows", self.rows).format(n=self.rows)]
        parts.append(_("{n} created").format(n=self.created))
        if self.kind != "stock":
            parts.append(_("{n} updated").format(n=self.updated))
        if self.skipped:
            parts.append(_("{n} already imported before").format(n=self.skipped))
        return (_("imported {kind}: {parts}").format(kind=self.kind, parts=", ".join(parts))
                + "".join(f"; {d}" for d in self.details))


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
        from db.masterdata.security import require_supervisor
        require_supervisor(operator, _("importing {kind}").format(kind=kind), station=station)
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
            shape = Item(sku=v.get("sku"), uom=v.get("uom") or (old[2] if old else ""), decimals=decimals)
            for column in ("reorder_point", "reorder_qty", "max_qty"):
                if column in present:
                    stored_quantity(check, row, column, shape, allow_zero=True)
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


# --- units (db/masterdata/units.py holds the rule; these are its file shapes) ---------------

def _items_with_quantities() -> set[int]:
    """Items whose stored quantities would change meaning with their precision."""
    from db.core.models import Balance
    used = {i for (i,) in Movement.select(Movement.item).distinct().tuples()}
    used |= {i for (i,) in Balance.select(Balance.item).distinct().tuples()}
    used |= {i for (i,) in PurchaseOrderLine.select(PurchaseOrderLine.item).distinct().tuples()}
    used |= {i for (i,) in SalesOrderLine.select(SalesOrderLine.item).distinct().tuples()}
    return used


def _units_by_item() -> dict[int, dict[str, ItemUnit]]:
    out: dict[int, dict[str, ItemUnit]] = {}
    for unit in ItemUnit.select():
        out.setdefault(unit.item_id, {})[unit.name.casefold()] = unit
    return out


def _line_quantity(check: Checker, row: Row, item: Item, units) -> None:
    """An order line's qty in its `unit` column (blank: the base unit) as stored units; the
    unit is kept on the row for the line (`unit_row`)."""
    name = (row.values.get("unit") or "").strip()
    unit = None
    if name and name.casefold() != (item.uom or "").casefold():
        unit = units.get(item.id, {}).get(name.casefold())
        if unit is None:
            known = ", ".join([item.uom] + [u.name for u in units.get(item.id, {}).values()])
            check.add(row.number, "unit", _("{sku} has no unit {name!r}; its units: {known} "
                                            "(import units first)").format(sku=item.sku, name=name, known=known))
            return
    row.values["unit_row"] = unit
    if unit is None:
        stored_quantity(check, row, "qty", item)
    else:
        stored_quantity(check, row, "qty", item, unit.factor, unit.name)


def _unit_price(base_price, unit, decimals: int):
    """The item's price per base unit as a price per UNIT (its factor in stored units)."""
    from decimal import Decimal
    from db.core.quantities import quantity_decimal
    if unit is None or base_price is None:
        return base_price
    return (Decimal(base_price) * quantity_decimal(unit.factor, decimals)).quantize(Decimal("0.0001"))


class UnitsImport:
    """Named units of items (箱 = 24 瓶), upserted on (sku, unit); a unit's barcode becomes a
    scan that counts its factor. File shape: sku,unit,factor,barcode,purchase_price,sales_price."""
    kind = "units"

    def validate(self, rows, present, check):
        from db.masterdata.units import MAX_UNIT_NAME
        items = {i.sku: i for i in Item.select(Item.id, Item.sku, Item.uom, Item.decimals)}
        barcodes = dict(Barcode.select(Barcode.code, Barcode.item).tuples())
        units = _units_by_item()
        in_use = {u for (u,) in PurchaseOrderLine.select(PurchaseOrderLine.unit)
                  .where(PurchaseOrderLine.unit.is_null(False)).tuples()}
        in_use |= {u for (u,) in SalesOrderLine.select(SalesOrderLine.unit)
                   .where(SalesOrderLine.unit.is_null(False)).tuples()}
        in_file: dict[str, int] = {}
        for row in rows:
            v = row.values
            item = items.get(v.get("sku")) if v.get("sku") else None
            if v.get("sku") and item is None:
                check.add(row.number, "sku", _("unknown item SKU {sku!r}: import items first").format(sku=v['sku']))
                continue
            if item is None:
                continue
            name = v.get("unit") or ""
            if len(name) > MAX_UNIT_NAME:
                check.add(row.number, "unit", _("a unit name of at most {max_len} characters, got {name!r}").format(
                    max_len=MAX_UNIT_NAME, name=name))
            if name.casefold() == (item.uom or "").casefold():
                check.add(row.number, "unit", _("{name} is {sku}'s base unit already").format(name=name, sku=item.sku))
            factor = stored_quantity(check, row, "factor", item)
            old = units.get(item.id, {}).get(name.casefold())
            if factor is not None and old is not None and old.factor != factor and old.id in in_use:
                check.add(row.number, "factor", _("{sku} {unit} is used on order lines: its factor stays {factor}").format(
                    sku=item.sku, unit=old.name, factor=old.factor))
            code = v.get("barcode")
            if code and code in barcodes and barcodes[code] != item.id:
                check.add(row.number, "barcode", _("barcode {code} belongs to another item").format(code=code))
            elif code and code in in_file:
                check.add(row.number, "barcode", _("barcode {code} is already on row {row}").format(code=code, row=in_file[code]))
            elif code:
                in_file[code] = row.number
            v["item"] = item
        return rows

    def write(self, rows, present, result, progress, ctx):
        from db.masterdata.units import write_unit_barcode
        existing = {(u.item_id, u.name.casefold()): u for u in ItemUnit.select()}
        for done, row in enumerate(rows, 1):
            v = row.values
            item = v["item"]
            fields = {"factor": v["factor"], "barcode": v.get("barcode") or None,
                      "purchase_price": v.get("purchase_price"), "sales_price": v.get("sales_price")}
            old = existing.get((item.id, v["unit"].casefold()))
            if old is None:
                ItemUnit.create(item=item.id, name=v["unit"], **fields)
                result.created += 1
            else:
                if old.barcode and old.barcode != fields["barcode"]:
                    Barcode.delete().where(Barcode.code == old.barcode, Barcode.item == item.id).execute()
                ItemUnit.update(**fields).where(ItemUnit.id == old.id).execute()
                result.updated += 1
            if fields["barcode"]:
                write_unit_barcode(item.id, fields["barcode"], v["factor"])
            if done % 500 == 0:
                progress("writing", done, len(rows))
        progress("writing", len(rows), len(rows))


class OrdersImport:
    """Purchase or sales orders, one row per line, grouped by order number.

    A new order is created open. An order that already exists is replaced only while
    nothing has happened to it (still open, nothing received/picked); otherwise refused.
    """
    kind = ""
    number_col = party_col = date_col = price_col = ""
    order_model = line_model = party_model = None
    unknown_party = ""

    def validate(self, rows, present, check):
        parties = code_map(self.party_model)
        items = {i.sku: i for i in Item.select(Item.id, Item.sku, Item.uom, Item.decimals)}
        units = _units_by_item()
        orders: dict[str, list[Row]] = {}
        for row in rows:
            v = row.values
            if v.get(self.party_col) and v[self.party_col] not in parties:
                check.add(row.number, self.party_col, _(self.unknown_party).format(code=v[self.party_col]))
            if v.get("sku") and v["sku"] not in items:
                check.add(row.number, "sku", _("unknown item SKU {sku!r}: import items first").format(sku=v['sku']))
            elif v.get("sku"):
                _line_quantity(check, row, items[v["sku"]], units)
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
                        check.add(r.number, col, _("{kind} {number} has {column} {first} on row {row}, not {value}").format(
                            kind=self.number_col, number=number, column=col, first=first.values[col],
                            row=first.number, value=value))
        busy = self.busy_orders(list(orders))
        for number, reason in busy.items():
            check.add(orders[number][0].number, self.number_col,
                      _("{number} already exists and {reason}; it cannot be replaced by an import").format(
                          number=number, reason=reason))
        return orders

    def same_on_every_line(self, present):
        return [self.party_col]

    def write(self, orders, present, result, progress, ctx):
        parties = code_map(self.party_model)
        items = {sku: (iid, cost, price, decimals) for sku, iid, cost, price, decimals in
                 Item.select(Item.sku, Item.id, Item.unit_cost, Item.unit_price, Item.decimals).tuples()}
        existing = dict(self.order_model.select(self.order_model.number, self.order_model.id).tuples())
        result.details.append(ngettext("{n} order", "{n} orders", len(orders)).format(n=len(orders)))
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
    unknown_party = N_("unknown supplier {code!r}")

    def busy_orders(self, numbers):
        busy = {}
        for chunk in _chunks(numbers):
            for po in PurchaseOrder.select().where(PurchaseOrder.number.in_(chunk)):
                touched = (PurchaseOrderLine.select()
                           .where(PurchaseOrderLine.po == po.id,
                                  (PurchaseOrderLine.qty_received > 0) | (PurchaseOrderLine.qty_rejected > 0))
                           .exists())
                if touched:
                    busy[po.number] = _("has receipts")
                elif po.status not in ("open", "draft"):
                    busy[po.number] = _("is {status}").format(status=po.status)
        return busy

    def line_fk(self):
        return PurchaseOrderLine.po

    def header_fields(self, lines, parties, ctx):
        dates = [r.values.get("expected_date") for r in lines if r.values.get("expected_date")]
        return {"supplier": parties[lines[0].values["supplier"]], "status": "open",
                "expected_date": min(dates) if dates else None, "created_by": ctx["operator"]}

    def line_fields(self, order_id, line_no, row, items):
        v = row.values
        iid, cost, _unused, decimals = items[v["sku"]]
        unit = v.get("unit_row")
        default = unit.purchase_price if unit is not None and unit.purchase_price is not None else \
            _unit_price(cost, unit, decimals)
        return {"po": order_id, "line_no": line_no, "item": iid, "qty_ordered": v["qty"],
                "unit": unit.id if unit is not None else None,
                "unit_cost": v["unit_cost"] if v.get("unit_cost") is not None else default,
                "expected_date": v.get("expected_date"), "status": "open"}


class SalesOrdersImport(OrdersImport):
    kind = "sales-orders"
    number_col, party_col = "so", "customer"
    order_model, line_model, party_model = SalesOrder, SalesOrderLine, Customer
    unknown_party = N_("unknown customer {code!r}")

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
                    busy[so.number] = _("has picks")
                elif so.status != "open" or so.assigned_station:
                    busy[so.number] = (_("is being picked") if so.assigned_station
                                       else _("is {status}").format(status=so.status))
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
        iid, _unused, price, decimals = items[v["sku"]]
        unit = v.get("unit_row")
        default = unit.sales_price if unit is not None and unit.sales_price is not None else \
            _unit_price(price, unit, decimals)
        return {"so": order_id, "line_no": line_no, "item": iid, "qty_ordered": v["qty"],
                "unit": unit.id if unit is not None else None,
                "unit_price": v["unit_price"] if v.get("unit_price") is not None else default}


class StockImport:
    """Opening balances, each row one ledger posting from @GAIN (kind "opening").

    Each posting's idempotency key is made of the file's digest and the row number, so
    importing the very same file twice posts it once.
    """
    kind = "stock"

    def validate(self, rows, present, check):
        items = {i.sku: (i.id, i.lot_tracked, i.expiry_tracked, i) for i in
                 Item.select(Item.sku, Item.id, Item.lot_tracked, Item.expiry_tracked, Item.decimals, Item.uom)}
        locations = {code: (lid, kind, active) for code, lid, kind, active in
                     Location.select(Location.code, Location.id, Location.kind, Location.active).tuples()}
        lots = {(iid, code): exp for iid, code, exp in Lot.select(Lot.item, Lot.code, Lot.expiry).tuples()}
        file_lots: dict[tuple[int, str], tuple[dt.date | None, int]] = {}
        for row in rows:
            v = row.values
            item = items.get(v["sku"]) if v.get("sku") else None
            if v.get("sku") and item is None:
                check.add(row.number, "sku", _("unknown item SKU {sku!r}: import items first").format(sku=v['sku']))
            loc = locations.get(v["location"]) if v.get("location") else None
            if v.get("location"):
                if loc is None:
                    check.add(row.number, "location", _("unknown location {code!r}: import locations first").format(
                        code=v['location']))
                elif loc[1] not in PHYSICAL_KINDS:
                    check.add(row.number, "location", _("{code} is a virtual {kind} location: expected a physical "
                                                        "location").format(code=v['location'], kind=loc[1]))
                elif not loc[2]:
                    check.add(row.number, "location", _("location {code} is inactive").format(code=v['location']))
            if item is None:
                continue
            iid, lot_tracked, expiry_tracked, decimals = item
            stored_quantity(check, row, "qty", decimals)
            lot, expiry = v.get("lot"), v.get("expiry")
            if lot_tracked and not lot:
                check.add(row.number, "lot", _("{sku} is lot-tracked: a lot is required").format(sku=v['sku']))
            if not lot_tracked and lot:
                check.add(row.number, "lot", _("{sku} is not lot-tracked: expected no lot, got {lot!r}").format(
                    sku=v['sku'], lot=lot))
            if expiry and not expiry_tracked:
                check.add(row.number, "expiry", _("{sku} is not expiry-tracked: expected no expiry, got {expiry}").format(
                    sku=v['sku'], expiry=expiry))
            if not lot or not lot_tracked:
                continue
            known = lots.get((iid, lot), "new")
            earlier = file_lots.get((iid, lot))
            if expiry_tracked and not expiry and (known == "new" or known is None) and not (earlier and earlier[0]):
                check.add(row.number, "expiry", _("{sku} is expiry-tracked: an expiry date is required for lot {lot}").format(
                    sku=v['sku'], lot=lot))
            if known not in ("new", None) and expiry and known != expiry:
                check.add(row.number, "expiry", _("lot {lot} of {sku} expires {known}, not {expiry}").format(
                    lot=lot, sku=v['sku'], known=known, expiry=expiry))
            if earlier and expiry and earlier[0] and earlier[0] != expiry:
                check.add(row.number, "expiry", _("lot {lot} of {sku} has expiry {first} on row {row}, not {expiry}").format(
                    lot=lot, sku=v['sku'], first=earlier[0], row=earlier[1], expiry=expiry))
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
    "stock": StockImport(), "operators": OperatorsImport(), "units": UnitsImport(),
}


# Money and returns (db/io/money_io.py): kinds of their own, run by the same import_csv.
from db.io.money_io import HANDLERS as _MONEY_HANDLERS, SPECS as _MONEY_SPECS  # noqa: E402

SPECS.update(_MONEY_SPECS)
_HANDLERS.update(_MONEY_HANDLERS)
KINDS = _v.KINDS = tuple(SPECS)
