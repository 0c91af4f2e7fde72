"""Export master data, documents, stock and the ledger in the shapes the importer reads.

Every importable kind is written with exactly the import header, so an export re-imports
cleanly. `movements` is the ledger itself (read-only: it is never imported).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from gettext import gettext as _
from typing import Any, Iterator, TextIO

import peewee as pw

from db.core.errors import InvalidInput
from db.core.quantities import Qty, json_quantity
from db.core.text import neutralise_cell
from db.io import headers, sheets
from db.io.importer import SPECS
from db.io.money_io import ROWS as MONEY_ROWS
from db.core.models import (VIRTUAL_KINDS, Barcode, Customer, Item, ItemUnit, Location, Lot, Movement, Operator, PurchaseOrder,
                            PurchaseOrderLine, SalesOrder, SalesOrderLine, Supplier, Warehouse, Balance, PHYSICAL_KINDS)

MOVEMENT_COLUMNS = ["id", "at", "sku", "lot", "from", "to", "qty", "kind", "operator", "station",
                    "document", "reason", "reverses"]

KINDS = tuple(SPECS) + ("movements",)


def columns(kind: str) -> list[str]:
    if kind == "movements":
        return list(MOVEMENT_COLUMNS)
    if kind not in SPECS:
        raise InvalidInput(_("unknown export kind {kind!r}: expected one of {items}").format(
            kind=kind, items=", ".join(KINDS)))
    return SPECS[kind].names


def rows(kind: str) -> Iterator[dict[str, Any]]:
    """The rows of KIND as dicts keyed by the export columns, in a stable order."""
    columns(kind)   # validates the kind
    yield from _ROWS[kind]()


def qty_cell(stored: int, decimals: int):
    """A stored quantity as a file shows it: an int for whole-unit items (as before), the exact
    text for items with decimals (`1.250`; a JSON float would not be exact)."""
    return json_quantity(stored, decimals)


def _items():
    sup = Supplier.alias()
    query = (Item.select(Item.sku, Item.name, Item.uom, Item.unit_cost, Item.unit_price,
                         Item.reorder_point, Item.reorder_qty, Item.max_qty, Item.lot_tracked,
                         Item.expiry_tracked, sup.code, Item.min_shelf_life_days, Item.decimals)
             .join(sup, pw.JOIN.LEFT_OUTER, on=(Item.preferred_supplier == sup.id))
             .order_by(Item.sku).tuples())
    names = SPECS["items"].names
    for t in query.iterator():
        row = dict(zip(names, t))
        for column in ("reorder_point", "reorder_qty", "max_qty"):
            row[column] = qty_cell(row[column], row["decimals"])
        yield row


def _barcodes():
    query = (Barcode.select(Barcode.code, Item.sku, Barcode.pack_qty, Item.decimals).join(Item)
             .order_by(Item.sku, Barcode.pack_qty, Barcode.code).tuples())
    for code, sku, pack, decimals in query.iterator():
        yield {"barcode": code, "sku": sku, "pack_qty": qty_cell(pack, decimals)}


def _units():
    query = (ItemUnit.select(Item.sku, ItemUnit.name, ItemUnit.factor, ItemUnit.barcode, ItemUnit.purchase_price,
                             ItemUnit.sales_price, Item.decimals).join(Item)
             .order_by(Item.sku, ItemUnit.factor, ItemUnit.name).tuples())
    for sku, name, factor, code, buy, sell, decimals in query.iterator():
        yield {"sku": sku, "unit": name, "factor": qty_cell(factor, decimals), "barcode": code,
               "purchase_price": buy, "sales_price": sell}


def _line_qty(stored: int, decimals: int, unit_name, factor):
    """An order line's quantity in its own unit, as the importer reads it back."""
    if unit_name is None:
        return qty_cell(stored, decimals)
    amount = Decimal(stored) / factor
    return int(amount) if amount == amount.to_integral_value() else Qty(amount.normalize())


def _locations():
    # The virtual locations are made by `wh init` in every store; they are not exported.
    query = (Location.select(Location.code, Warehouse.code, Location.zone, Location.kind,
                             Location.pick_sequence)
             .join(Warehouse, pw.JOIN.LEFT_OUTER).where(Location.kind.not_in(VIRTUAL_KINDS))
             .order_by(Warehouse.code, Location.pick_sequence, Location.code).tuples())
    for t in query.iterator():
        yield dict(zip(SPECS["locations"].names, t))


def _simple(model, fields, kind):
    def gen():
        query = model.select(*fields).order_by(model.code).tuples()
        for t in query.iterator():
            yield dict(zip(SPECS[kind].names, t))
    return gen


def _purchase_orders():
    query = (PurchaseOrderLine.select(PurchaseOrder.number, Supplier.code, Item.sku,
                                      PurchaseOrderLine.qty_ordered, PurchaseOrderLine.unit_cost,
                                      PurchaseOrderLine.expected_date, PurchaseOrder.expected_date,
                                      Item.decimals, ItemUnit.name, ItemUnit.factor)
             .join(PurchaseOrder).join(Supplier).switch(PurchaseOrderLine).join(Item)
             .switch(PurchaseOrderLine).join(ItemUnit, pw.JOIN.LEFT_OUTER)
             .order_by(PurchaseOrder.number, PurchaseOrderLine.line_no).tuples())
    for po, sup, sku, qty, cost, line_date, po_date, decimals, unit, factor in query.iterator():
        yield {"po": po, "supplier": sup, "sku": sku, "qty": _line_qty(qty, decimals, unit, factor),
               "unit_cost": cost, "expected_date": line_date or po_date, "unit": unit}


def _sales_orders():
    query = (SalesOrderLine.select(SalesOrder.number, Customer.code, Item.sku,
                                   SalesOrderLine.qty_ordered, SalesOrderLine.unit_price,
                                   SalesOrder.due_date, SalesOrder.priority,
                                   Item.decimals, ItemUnit.name, ItemUnit.factor)
             .join(SalesOrder).join(Customer).switch(SalesOrderLine).join(Item)
             .switch(SalesOrderLine).join(ItemUnit, pw.JOIN.LEFT_OUTER)
             .order_by(SalesOrder.number, SalesOrderLine.line_no).tuples())
    for so, cust, sku, qty, price, due, priority, decimals, unit, factor in query.iterator():
        yield {"so": so, "customer": cust, "sku": sku, "qty": _line_qty(qty, decimals, unit, factor),
               "unit_price": price, "due_date": due, "priority": priority, "unit": unit}


def _stock():
    query = (Balance.select(Item.sku, Location.code, Balance.qty, Lot.code, Lot.expiry, Item.decimals)
             .join(Item).switch(Balance).join(Location).switch(Balance).join(Lot, pw.JOIN.LEFT_OUTER)
             .where(Balance.qty > 0, Location.kind.in_(PHYSICAL_KINDS))
             .order_by(Item.sku, Location.code, Lot.code).tuples())
    for sku, loc, qty, lot, expiry, decimals in query.iterator():
        yield {"sku": sku, "location": loc, "qty": qty_cell(qty, decimals), "lot": lot, "expiry": expiry}


def _movements():
    src, dst = Location.alias(), Location.alias()
    query = (Movement.select(Movement.id, Movement.created_at, Item.sku, Lot.code, src.code, dst.code,
                             Movement.qty, Movement.kind, Movement.operator, Movement.station,
                             Movement.document, Movement.reason, Movement.reverses, Item.decimals)
             .join(Item).switch(Movement).join(Lot, pw.JOIN.LEFT_OUTER)
             .switch(Movement).join(src, on=(Movement.from_location == src.id))
             .switch(Movement).join(dst, on=(Movement.to_location == dst.id))
             .order_by(Movement.id).tuples())
    for t in query.iterator():
        row = dict(zip(MOVEMENT_COLUMNS, t[:-1]))
        row["qty"] = qty_cell(row["qty"], t[-1])
        yield row


_ROWS = {
    "items": _items,
    "barcodes": _barcodes,
    "units": _units,
    "locations": _locations,
    "suppliers": _simple(Supplier, [Supplier.code, Supplier.name, Supplier.lead_time_days, Supplier.contact,
                                    Supplier.terms_days], "suppliers"),
    "customers": _simple(Customer, [Customer.code, Customer.name, Customer.contact, Customer.address,
                                    Customer.terms_days, Customer.credit_limit], "customers"),
    "operators": _simple(Operator, [Operator.code, Operator.name, Operator.role], "operators"),
    "purchase-orders": _purchase_orders,
    "sales-orders": _sales_orders,
    "stock": _stock,
    "movements": _movements,
    **MONEY_ROWS,
}


# --- formatting ----------------------------------------------------------------------------

def money_text(value: Decimal) -> str:
    """12.5000 -> '12.50', 0.1234 -> '0.1234': two decimals at least, no noise after."""
    value = Decimal(value)
    two = value.quantize(Decimal("0.01"))
    if two == value:
        return f"{two:f}"
    return f"{value.normalize():f}"


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Qty):
        return str(value)
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):      # text, never numbers: a -5 stays a number
        return neutralise_cell(value)
    return str(value)


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class CsvWriter:
    """csv.writer with "\n" line ends that still quotes a cell holding a lone CR. The csv
    module quotes only the characters of its line terminator, so with "\n" a name holding "\r"
    went out bare, and a reader (ours too) took the CR for the end of the row. Each row is
    written with "\r\n", which quotes both, and ended with "\n"."""

    def __init__(self, out: TextIO):
        self.out = out
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def writerow(self, cells) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        self.out.write(self.buffer.getvalue()[:-2] + "\n")


def header(kind: str, lang: str | None = None) -> list[str]:
    """The header row: the column names, or in zh_CN the Chinese headers import also reads."""
    cols = columns(kind)
    if lang and lang.startswith("zh"):
        return [headers.chinese(kind, c) for c in cols]
    return cols


def write_xlsx(kind: str, path, lang: str | None = None) -> int:
    """Write KIND to the workbook PATH (one sheet named after the kind). Returns the rows."""
    cols = columns(kind)
    return sheets.write_xlsx(path, header(kind, lang), ([row[c] for c in cols] for row in rows(kind)), kind)


def write(kind: str, fmt: str, out: TextIO, lang: str | None = None) -> int:
    """Write KIND to OUT as csv or json. Returns the number of rows. LANG zh_CN writes a CSV's
    header in Chinese; JSON keys are always the column names."""
    cols = columns(kind)
    count = 0
    if fmt == "csv":
        writer = CsvWriter(out)
        writer.writerow(header(kind, lang))
        for row in rows(kind):
            writer.writerow([csv_cell(row[c]) for c in cols])
            count += 1
    elif fmt == "json":
        # Streamed as a list of objects, so a large ledger never sits in memory twice.
        out.write("[")
        for row in rows(kind):
            out.write(",\n  " if count else "\n  ")
            out.write(json.dumps({c: json_value(row[c]) for c in cols}, ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    else:
        raise InvalidInput(_("unknown export format {fmt!r}: expected csv or json").format(fmt=fmt))
    return count
