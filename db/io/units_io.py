"""CSV import of named units (箱 = 24 瓶), and the unit helpers the order and item imports share:
an order line's quantity in its unit, a unit's default price, the items whose precision is fixed.

Split out of db/io/importer.py (which keeps the registry and master data) to keep each module
to one subject; db/masterdata/units.py holds the rule, this is its file shape.
"""
from __future__ import annotations

from gettext import gettext as _

from db.core.models import Balance, Barcode, Item, ItemUnit, Movement, PurchaseOrderLine, SalesOrderLine
from db.io.validation import Checker, Row, stored_quantity

def _items_with_quantities() -> set[int]:
    """Items whose stored quantities would change meaning with their precision."""
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

