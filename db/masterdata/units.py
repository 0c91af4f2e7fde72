"""An item's named units besides its base unit: 箱 = 24 瓶, pack = 6 each, roll = 50 m.

A unit's factor is stored as an integer of the item's smallest unit (db/core/quantities.py).
Its barcode, if it has one, is also a Barcode row whose pack_qty is the factor, so every scan
path (find_barcode, the station, a batch file) counts a case as its bottles without knowing
about units. The two rows change together here and nowhere else.
"""
from __future__ import annotations

from gettext import gettext as _

from decimal import Decimal

from db.core.connection import write_transaction
from db.core.errors import InvalidInput, NotFound, RuleViolation
from db.core.models import Barcode, Item, ItemUnit
from db.core.quantities import parse_factor, scale
from db.masterdata.lookup import get_item

MAX_UNIT_NAME = 20


def units_of(item: Item) -> list[ItemUnit]:
    """The item's named units, smallest first."""
    return list(ItemUnit.select().where(ItemUnit.item == item.id).order_by(ItemUnit.factor, ItemUnit.name))


def find_unit(item: Item, name: str | None) -> ItemUnit | None:
    """The item's unit called NAME (any case); None for no name or the base unit's own name."""
    text = (name or "").strip()
    if not text or text.casefold() == (item.uom or "").casefold():
        return None
    for unit in units_of(item):
        if unit.name.casefold() == text.casefold():
            return unit
    known = ", ".join([item.uom] + [u.name for u in units_of(item)])
    raise NotFound(_("{sku} has no unit {text!r}; its units: {known}").format(sku=item.sku, text=text, known=known))


def factor_of(item: Item, unit: ItemUnit | None) -> int:
    """Stored units in one UNIT of ITEM (one base unit when UNIT is None)."""
    return unit.factor if unit is not None else scale(item)


def check_unit_name(item: Item, name: str) -> str:
    text = (name or "").strip()
    if not text:
        raise InvalidInput(_("a unit needs a name, got none"))
    if len(text) > MAX_UNIT_NAME or any(not ch.isprintable() for ch in text):
        raise InvalidInput(_("unit name {text!r} must be at most {most} printable characters").format(
            text=text, most=MAX_UNIT_NAME))
    if text.casefold() == (item.uom or "").casefold():
        raise InvalidInput(_("{text} is {sku}'s base unit already; a named unit is a multiple of it").format(
            text=text, sku=item.sku))
    return text


def set_unit(sku: str, name: str, factor, *, barcode: str | None = None,
             purchase_price: Decimal | None = None, sales_price: Decimal | None = None) -> ItemUnit:
    """Create or update the unit NAME of item SKU: FACTOR base units (text or number, as many
    decimals as the item allows), its barcode and prices. Refuses a factor change while order
    lines are in the unit (their quantities would change meaning) and a barcode of another item."""
    item = get_item(sku)
    text = check_unit_name(item, name)
    stored = parse_factor(factor, item, text)
    if stored == scale(item):
        raise InvalidInput(_("a {text} of {qty} {uom} is the base unit itself; "
                             "a named unit must hold more or less than one").format(
            text=text, qty=stored // scale(item), uom=item.uom))
    with write_transaction():
        unit = ItemUnit.get_or_none(ItemUnit.item == item.id, ItemUnit.name == text)
        if unit is not None and unit.factor != stored and _in_use(unit):
            raise RuleViolation(_("{sku} {text} is used on order lines: its factor stays {factor}").format(
                sku=item.sku, text=text, factor=unit.factor))
        if barcode:
            other = Barcode.get_or_none(Barcode.code == barcode)
            if other is not None and other.item_id != item.id:
                raise RuleViolation(_("barcode {barcode} belongs to {other}, not {sku}").format(
                    barcode=barcode, other=other.item.sku, sku=item.sku))
        if unit is None:
            unit = ItemUnit.create(item=item, name=text, factor=stored, barcode=barcode or None,
                                   purchase_price=purchase_price, sales_price=sales_price)
        else:
            if unit.barcode and unit.barcode != barcode:
                Barcode.delete().where(Barcode.code == unit.barcode, Barcode.item == item.id).execute()
            unit.factor, unit.barcode = stored, barcode or None
            unit.purchase_price, unit.sales_price = purchase_price, sales_price
            unit.save()
        if barcode:
            write_unit_barcode(item.id, barcode, stored)
    return unit


def write_unit_barcode(item_id: int, code: str, factor: int) -> None:
    """The unit's barcode as a scan knows it: a Barcode row with pack_qty = the factor."""
    (Barcode.insert(code=code, item=item_id, pack_qty=factor)
     .on_conflict(conflict_target=[Barcode.code], update={Barcode.pack_qty: factor, Barcode.item: item_id})
     .execute())


def _in_use(unit: ItemUnit) -> bool:
    from db.core.models import PurchaseOrderLine, SalesOrderLine
    return (PurchaseOrderLine.select().where(PurchaseOrderLine.unit == unit.id).exists()
            or SalesOrderLine.select().where(SalesOrderLine.unit == unit.id).exists())
