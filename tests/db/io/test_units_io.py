"""Units in files: the items' `decimals`, the units CSV, PO and SO lines in a unit, stock and
barcodes with decimals; every export re-imports to the same store."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest

from db.core.models import Barcode, Item, ItemUnit, PurchaseOrderLine, SalesOrderLine
from db.io.exporter import write
from db.io.importer import ImportFailed, import_csv
from db.masterdata import find_barcode, set_unit
from tests import factories as f


def csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def exported(kind) -> str:
    out = io.StringIO()
    write(kind, "csv", out)
    return out.getvalue()


ITEMS = ("sku,name,uom,decimals,unit_cost,unit_price,reorder_point,max_qty\n"
         "RICE,Rice,kg,3,4.20,6.50,12.5,100.250\n"
         "COLA,Cola 330 ml,瓶,0,0.50,1.00,48,240\n"
         "CABLE,Cable 2.5 mm²,m,1,1.10,2.00,0,0\n")
UNITS = ("sku,unit,factor,barcode,purchase_price,sales_price\n"
         "COLA,箱,24,06901234567892,11.50,22.00\n"
         "COLA,pack,6,,,\n"
         "CABLE,roll,50,,52.00,\n")


def test_items_units_orders_and_stock_import_in_stored_units(store, tmp_path):
    f.supplier("SUP1"), f.customer("C1"), f.warehouse(), f.location("A-01")
    import_csv("items", csv(tmp_path, "items.csv", ITEMS))
    rice = Item.get(Item.sku == "RICE")
    assert (rice.decimals, rice.reorder_point, rice.max_qty) == (3, 12500, 100250)   # 12.5 kg, 100.250 kg
    assert import_csv("units", csv(tmp_path, "units.csv", UNITS)).created == 3
    case = ItemUnit.get(ItemUnit.name == "箱")
    assert case.factor == 24 and case.purchase_price == Decimal("11.50")
    assert ItemUnit.get(ItemUnit.name == "roll").factor == 500          # 50 m of a 1-decimal item
    item, pack = find_barcode("06901234567892")
    assert item.sku == "COLA" and pack == 24                            # a case scan counts 24 瓶

    import_csv("purchase-orders", csv(tmp_path, "po.csv",
               "po,supplier,sku,qty,unit\nPO1,SUP1,COLA,2,箱\nPO1,SUP1,CABLE,1.5,roll\nPO1,SUP1,RICE,2.5,\n"))
    lines = {ln.item.sku: ln for ln in PurchaseOrderLine.select()}
    assert lines["COLA"].qty_ordered == 48 and lines["COLA"].unit.name == "箱"
    assert lines["COLA"].unit_cost == Decimal("11.50")                 # the unit's own purchase price
    assert lines["CABLE"].qty_ordered == 750                           # 1.5 roll = 75.0 m
    assert lines["CABLE"].unit_cost == Decimal("52.00")
    assert lines["RICE"].qty_ordered == 2500 and lines["RICE"].unit is None
    assert lines["RICE"].unit_cost == Decimal("4.20")

    import_csv("sales-orders", csv(tmp_path, "so.csv", "so,customer,sku,qty,unit\nSO1,C1,COLA,3,pack\n"))
    line = SalesOrderLine.get()
    # 3 packs = 18 瓶; no sales price on the unit: the item's 1.00 a 瓶 × 6 = 6.00 a pack
    assert (line.qty_ordered, line.unit.name, line.unit_price) == (18, "pack", Decimal("6.0000"))

    f.operator("SUP", role="supervisor")
    import_csv("stock", csv(tmp_path, "stock.csv", "sku,location,qty\nRICE,A-01,1.250\nCABLE,A-01,12.5\n"),
               operator="SUP")
    from db.ledger.posting import on_hand
    from db.core.models import Location
    assert on_hand(rice, Location.get(Location.code == "A-01")) == 1250


def test_export_reimports_with_decimals_and_units(store, tmp_path):
    f.supplier("SUP1"), f.warehouse(), f.location("A-01")
    import_csv("items", csv(tmp_path, "items.csv", ITEMS))
    import_csv("units", csv(tmp_path, "units.csv", UNITS))
    import_csv("purchase-orders", csv(tmp_path, "po.csv",
               "po,supplier,sku,qty,unit\nPO1,SUP1,COLA,2,箱\nPO1,SUP1,RICE,0.125,\n"))
    items = exported("items")
    assert "RICE,Rice,kg,4.20,6.50,12.500,0.000,100.250," in items and items.splitlines()[3].endswith(",3")
    units = exported("units")
    assert "COLA,pack,6,,," in units and "CABLE,roll,50.0,,52.00," in units
    po = exported("purchase-orders")
    assert "PO1,SUP1,COLA,2,11.50,,箱" in po and "PO1,SUP1,RICE,0.125,4.20,," in po
    # The files read back into an empty store give the same rows.
    for kind, text in (("items", items), ("units", units)):
        import_csv(kind, csv(tmp_path, f"{kind}2.csv", text))
    assert exported("items") == items and exported("units") == units


@pytest.mark.parametrize("kind, text, where", [
    ("stock", "sku,location,qty\nRICE,A-01,1.2345\n", "row 2, column qty: qty 1.2345 of RICE (kg) is more precise"),
    ("stock", "sku,location,qty\nCOLA,A-01,2.5\n", "row 2, column qty: qty 2.5 of COLA (瓶) is more precise"),
    ("purchase-orders", "po,supplier,sku,qty,unit\nP9,SUP1,COLA,1,crate\n", "row 2, column unit: COLA has no unit 'crate'"),
    ("purchase-orders", "po,supplier,sku,qty,unit\nP9,SUP1,COLA,0.1,pack\n", "row 2, column qty: qty 0.1 pack of COLA"),
    ("units", "sku,unit,factor\nCOLA,瓶,1\n", "row 2, column unit: 瓶 is COLA's base unit already"),
    ("units", "sku,unit,factor\nRICE,sack,25.0001\n", "row 2, column factor"),
    ("units", "sku,unit,factor,barcode\nCOLA,tray,12,4006381333931\nRICE,bag,5,4006381333931\n",
     "row 3, column barcode: barcode 4006381333931 is already on row 2"),
    ("items", "sku,name,decimals\nX,X,4\n", "row 2, column decimals: decimals must be a whole number from 0 to 3"),
])
def test_bad_quantities_name_row_and_column_and_import_nothing(store, tmp_path, kind, text, where):
    f.supplier("SUP1"), f.warehouse(), f.location("A-01"), f.operator("SUP", role="supervisor")
    import_csv("items", csv(tmp_path, "items.csv", ITEMS))
    import_csv("units", csv(tmp_path, "units.csv", UNITS))
    before = (ItemUnit.select().count(), Barcode.select().count(), PurchaseOrderLine.select().count())
    with pytest.raises(ImportFailed) as info:
        import_csv(kind, csv(tmp_path, "bad.csv", text), operator="SUP")
    assert any(e.startswith(where) for e in info.value.errors), info.value.errors
    assert (ItemUnit.select().count(), Barcode.select().count(), PurchaseOrderLine.select().count()) == before


def test_precision_cannot_change_under_stored_quantities(store, tmp_path):
    f.warehouse()
    shelf = f.location("A-01")
    rice = f.item("RICE", uom="kg", decimals=3)
    f.give_stock(rice, shelf, 1500)
    with pytest.raises(ImportFailed) as info:
        import_csv("items", csv(tmp_path, "items.csv", "sku,name,decimals\nRICE,Rice,2\n"))
    assert info.value.errors == ["row 2, column decimals: RICE has stock, movements or order lines in 3 "
                                 "decimals: its precision cannot change to 2"]
    assert Item.get(Item.sku == "RICE").decimals == 3


def test_set_unit_keeps_the_barcode_row_in_step(store):
    f.item("COLA", uom="瓶")
    set_unit("COLA", "箱", "24", barcode="06901234567892")
    assert find_barcode("06901234567892")[1] == 24
    set_unit("COLA", "箱", "12", barcode="06901234567885")
    assert find_barcode("06901234567892") is None and find_barcode("06901234567885")[1] == 12
