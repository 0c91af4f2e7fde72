"""The station app under Pilot: a decimal quantity typed for a measured item."""
from __future__ import annotations

import datetime as dt

import pytest

from db.core.models import Item, PurchaseOrder, PurchaseOrderLine
from tests import factories as f
from tests.app_support import async_test, flat, key, login, make_app, scan, type_

pytestmark = pytest.mark.slow
SIZE = (80, 24)


@async_test
async def test_cable_received_by_a_typed_decimal_quantity(sqlite_warehouse):
    cable = f.item("CABLE", name="Cable", uom="m", decimals=1, barcodes=[("04012345678901", 1)])
    po = PurchaseOrder.create(number="PO-M1", supplier=f.supplier("SUP1"), expected_date=dt.date(2030, 1, 10))
    PurchaseOrderLine.create(po=po, line_no=1, item=cable, qty_ordered=1000, unit_cost=1)
    app = make_app(sqlite_warehouse["url"], sqlite_warehouse["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_(pilot, "1", enter=False)
        await scan(pilot, "PO-M1")
        await scan(pilot, "04012345678901")           # no measure on the label: asked
        assert "Type the measure of CABLE Cable: Quantity in m (up to 1 decimals)" in flat(app)
        await type_(pilot, "12.5")
        text = flat(app)
        assert "received 12.5 m × CABLE → DOCK-1; line 1: 12.5 m of 100.0 m" in text
        await key(pilot, "f3")
        await type_(pilot, "0.25")
        await scan(pilot, "04012345678901")
        assert "0.25 m of CABLE is more precise than it allows (up to 1 decimals)" in flat(app)
    assert PurchaseOrderLine.get(PurchaseOrderLine.po == po).qty_received == 125
    assert Item.get(sku="CABLE").decimals == 1
