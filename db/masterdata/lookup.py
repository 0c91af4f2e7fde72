"""Finding master data and documents by the codes people type and scan.

ROW, where a function takes it, is the row already read (or None when there was none), e.g. by
`rows.rows_by`, which reads several in one statement.

Every lookup that fails raises NotFound with a sentence naming what was asked for, so the
terminal and the CLI can show it as it is.
"""
from __future__ import annotations

from gettext import gettext as _

from peewee import fn

from db.core.errors import NotFound
from db.core.models import (Barcode, Item, Location, Lot, PurchaseOrder, ReasonCode, SalesOrder, Supplier, Warehouse)
from db.core.sql import Prepared
from db.core.sql import LOOK_UP, row_by
from devices.gs1 import gtin_forms


def get_item(sku: str, row=LOOK_UP) -> Item:
    item = (row_by(Item, "sku", sku) if row is LOOK_UP else row)
    if item is None:
        raise NotFound(_("unknown item SKU {sku!r}").format(sku=sku))
    return item


def find_items(text: str, limit: int = 50) -> list[Item]:
    """Active items whose name holds TEXT anywhere, in any case ("beer" finds "Tsingtao Beer"),
    by SKU: LIKE on SQLite (which folds ASCII letters), ILIKE on PostgreSQL."""
    text = text.strip()
    if not text:
        return []
    return list(Item.select().where(Item.active == True, Item.name.contains(text))  # noqa: E712
                .order_by(Item.sku).limit(limit))


def get_location(code: str, row=LOOK_UP) -> Location:
    loc = (row_by(Location, "code", code) if row is LOOK_UP else row)
    if loc is None:
        raise NotFound(_("unknown location {code!r}").format(code=code))
    return loc


def get_warehouse(code: str) -> Warehouse:
    wh = row_by(Warehouse, "code", code)
    if wh is None:
        raise NotFound(_("unknown warehouse {code!r}").format(code=code))
    return wh


_FIRST_WAREHOUSE = Prepared(lambda: Warehouse.select().order_by(Warehouse.code).limit(1))


def default_warehouse(code: str | None = None) -> Warehouse:
    """The named warehouse, else the only (or first by code) one."""
    if code:
        return get_warehouse(code)
    wh = _FIRST_WAREHOUSE.first()
    if wh is None:
        raise NotFound(_("no warehouse is set up yet: expected at least one warehouse"))
    return wh


def get_supplier(code: str, row=LOOK_UP) -> Supplier:
    sup = (row_by(Supplier, "code", code) if row is LOOK_UP else row)
    if sup is None:
        raise NotFound(_("unknown supplier {code!r}").format(code=code))
    return sup


# Built once per number of forms (1 to 4): the decoder asks for every item scan.
_BARCODES = Prepared(lambda *forms: Barcode.select(Barcode, Item).join(Item).where(Barcode.code.in_(forms)))


def find_barcode(code: str) -> tuple[Item, int] | None:
    """Item and pack quantity of a scanned barcode, or None if nobody knows it."""
    code = code.strip()
    if not code:
        return None
    forms = gtin_forms(code)
    rows = {b.code: b for b in _BARCODES(*forms)}
    for form in forms:   # the exact form first
        if form in rows:
            return rows[form].item, rows[form].pack_qty
    return None


_MEASURE = Prepared(lambda sku: Item.select(Item.decimals, Item.uom).where(Item.sku == sku).limit(1))


def item_measure(sku: str) -> tuple[int, str] | None:
    """(decimals, uom) of item SKU, or None: how a scan's measure is read for it."""
    row = _MEASURE.first(sku)
    return (row.decimals or 0, row.uom or "") if row is not None else None


def item_units(item: Item) -> list:
    """ITEM's named units (箱 = 24 瓶), largest first: what a typed `2 箱` may name."""
    from db.core.models import ItemUnit
    return list(ItemUnit.select().where(ItemUnit.item == item.id).order_by(ItemUnit.factor.desc(), ItemUnit.name))


def get_reason(code: str, kind: str | None = None) -> ReasonCode:
    """The reason code CODE in any case ("damaged" is DAMAGED), of KIND (reject, adjust, count,
    short) when given: every path that takes a reason asks here, so none is stricter."""
    text = (code or "").strip()
    query = ReasonCode.select().where(fn.UPPER(ReasonCode.code) == text.upper())
    if kind is not None:
        query = query.where(ReasonCode.kind == kind)
    row = query.first()
    if row is None:
        known = ReasonCode.select().order_by(ReasonCode.code)
        if kind is not None:
            known = known.where(ReasonCode.kind == kind)
        listed = ", ".join(r.code for r in known)
        if kind:
            from db.ledger.keys import kind_word
            raise NotFound(_("unknown reason code {code!r}; {kind} reasons are {known}").format(
                code=code, kind=kind_word(kind), known=listed))
        raise NotFound(_("unknown reason code {code!r}; known reason codes: {known}").format(code=code, known=listed))
    return row


def reason_codes(*kinds: str) -> list[ReasonCode]:
    """The reason codes of KINDS (all of them when none is given), by kind then code: the
    list a station shows to choose from."""
    query = ReasonCode.select().order_by(ReasonCode.kind, ReasonCode.code)
    if kinds:
        query = query.where(ReasonCode.kind.in_(kinds))
    return list(query)


def get_po(number) -> PurchaseOrder:
    po = row_by(PurchaseOrder, "number", str(number))
    if po is None:
        raise NotFound(_("unknown purchase order {number!r}").format(number=str(number)))
    return po


def get_so(number) -> SalesOrder:
    so = row_by(SalesOrder, "number", str(number))
    if so is None:
        raise NotFound(_("unknown sales order {number!r}").format(number=str(number)))
    return so


_LOT = Prepared(lambda item_id, code: Lot.select().where(Lot.item == item_id, Lot.code == code).limit(1))


def find_lot(item: Item, code: str) -> Lot | None:
    """ITEM's lot CODE, or None when the store has not seen it yet."""
    return _LOT.first(item.id, code)


def get_lot(item: Item, code: str) -> Lot:
    lot = find_lot(item, code)
    if lot is None:
        raise NotFound(_("unknown lot {code!r} of item {sku}").format(code=code, sku=item.sku))
    return lot


_FIRST_OF_KIND = Prepared(lambda wh_id, kind: Location.select().where(
    Location.warehouse == wh_id, Location.kind == kind, Location.active == True)  # noqa: E712
    .order_by(Location.pick_sequence, Location.code).limit(1))


def warehouse_location(warehouse_code: str, kind: str) -> Location:
    """The first active location of KIND (receiving, shipping, quarantine) in the warehouse."""
    wh = get_warehouse(warehouse_code)
    loc = _FIRST_OF_KIND.first(wh.id, kind)
    if loc is None:
        from db.masterdata.places import location_kind
        raise NotFound(_("warehouse {code} has no active {what} location: expected one of kind {kind!r}").format(
            code=wh.code, what=location_kind(kind), kind=kind))
    return loc


def find_item(sku: str) -> Item | None:
    return row_by(Item, "sku", sku)


def find_po(number: str) -> PurchaseOrder | None:
    return row_by(PurchaseOrder, "number", str(number))


def find_so(number: str) -> SalesOrder | None:
    return row_by(SalesOrder, "number", str(number))


def lots_with_code(code: str) -> list[Lot]:
    """Every item's lot called CODE (lot codes are unique per item only)."""
    return list(Lot.select(Lot, Item).join(Item).where(Lot.code == code).order_by(Item.sku))


def skus(item_ids) -> list[str]:
    """The SKUs of ITEM_IDS, sorted."""
    return [sku for (sku,) in Item.select(Item.sku).where(Item.id.in_(list(item_ids))).order_by(Item.sku).tuples()]
