"""The demo's goods sold by other units: a drink bought by the case, a cheese weighed on a GS1
label, cable by the metre and by the roll. Each has an open purchase order (the drink's line in
cases) and one open sales order wants some of each, so a first shift can receive, put away,
pick and ship them in the units people use (README: "Units").

The cheese's barcode is the GS1 variable-measure label of the README:
`(01)95012345678903(3103)001250` is 1.250 kg of it (`(01)96901234567895(3103)001250` in the
Chinese demo).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from db.core.models import Barcode, Item, ItemUnit, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine

# (sku, English name, Chinese name, base unit en/zh, decimals, cost, price, GTIN of the base unit,
#  reorder point, reorder quantity, maximum: in stored units)
GOODS = (
    ("DRINK-500", "Sparkling water 500 ml", "苏打水 500毫升", ("bottle", "瓶"), 0, "0.5000", "0.99", "6901234567892",
     48, 120, 240),
    ("CHEESE-KG", "Gouda cheese, by weight", "高达奶酪 称重", ("kg", "千克"), 3, "18.0000", "29.90", "95012345678903",
     2000, 5000, 10000),
    ("CABLE-25", "Cable 3×2.5 mm²", "电缆 3×2.5平方", ("m", "米"), 1, "1.1000", "2.20", "6901234567885",
     500, 1000, 2000),
)
# (sku, unit en/zh, factor in base units, barcode, purchase price per unit)
UNITS = (
    ("DRINK-500", ("case", "箱"), 24, "16901234567899", Decimal("12.00")),
    ("CABLE-25", ("roll", "卷"), 50, None, Decimal("52.00")),
)
WORDS = {"en": 0, "zh_CN": 1}
# A weighed item's GTIN-14 starts with 9 (variable measure); the Chinese demo's with 969 (China).
ZH_GTIN = {"CHEESE-KG": "96901234567895"}


def make_unit_goods(sim, locale_name: str) -> None:
    """Create the three items, their units, a PO and an SO (SIM is the demo's simulation)."""
    lang = WORDS.get(locale_name, 0)
    supplier = next(iter(sim.suppliers.values()))
    items = {}
    for sku, en, zh, uoms, decimals, cost, price, gtin, point, again, most in GOODS:
        items[sku] = Item.create(sku=sku, name=zh if lang else en, uom=uoms[lang], decimals=decimals,
                                 unit_cost=Decimal(cost), unit_price=Decimal(price), preferred_supplier=supplier,
                                 reorder_point=point, reorder_qty=again, max_qty=most)
        # The item's own barcode counts one base unit; a weighed item's asks for the measure.
        Barcode.create(code=ZH_GTIN.get(sku, gtin) if lang else gtin, item=items[sku], pack_qty=10 ** decimals)
    units = {}
    for sku, names, factor, code, buy in UNITS:
        stored = factor * 10 ** items[sku].decimals
        units[sku] = ItemUnit.create(item=items[sku], name=names[lang], factor=stored, barcode=code,
                                     purchase_price=buy)
        if code:
            Barcode.create(code=code, item=items[sku], pack_qty=stored)
    po = PurchaseOrder.create(number=f"PO-{sim.po_seq}", supplier=supplier, status="open",
                              expected_date=sim.today, created_by="S1")
    sim.po_seq += 1
    # 5 cases of water at 12.00 a case; 5.000 kg of cheese at 18.00 a kg; 2 rolls of cable.
    PurchaseOrderLine.create(po=po, line_no=1, item=items["DRINK-500"], unit=units["DRINK-500"], qty_ordered=120,
                             unit_cost=Decimal("12.00"), expected_date=sim.today)
    PurchaseOrderLine.create(po=po, line_no=2, item=items["CHEESE-KG"], qty_ordered=5000,
                             unit_cost=Decimal("18.00"), expected_date=sim.today)
    PurchaseOrderLine.create(po=po, line_no=3, item=items["CABLE-25"], unit=units["CABLE-25"], qty_ordered=1000,
                             unit_cost=Decimal("52.00"), expected_date=sim.today)
    so = SalesOrder.create(number=f"SO-{sim.so_seq}", customer=sim.customers[0], status="open", priority=3,
                           due_date=sim.today + dt.timedelta(days=1), created_at=sim.at(0, 7))
    sim.so_seq += 1
    # 1 case of water at 22.00 a case; 0.750 kg of cheese; 12.5 m of cable.
    SalesOrderLine.create(so=so, line_no=1, item=items["DRINK-500"], unit=units["DRINK-500"], qty_ordered=24,
                          unit_price=Decimal("22.00"))
    SalesOrderLine.create(so=so, line_no=2, item=items["CHEESE-KG"], qty_ordered=750, unit_price=Decimal("29.90"))
    SalesOrderLine.create(so=so, line_no=3, item=items["CABLE-25"], qty_ordered=125, unit_price=Decimal("2.20"))
