"""Quantities with decimals and in named units through `wh`: receive 2 箱 and 3 瓶, 1.250 kg,
12.5 m; move and pick by another unit; `wh stock` shows base units exactly in every format."""
import json

from db.core.models import Item, ItemUnit, PurchaseOrder, PurchaseOrderLine
from db.masterdata import set_unit
from tests import factories as f
from tests.terminal.cli.test_postings import verify_ok, wh  # noqa: F401  (the fixture)


def test_units_and_decimals_through_the_cli(wh):  # noqa: F811
    sup = f.supplier()
    cola = f.item("COLA", uom="瓶", cost="0.50")
    f.item("CHEESE", uom="kg", decimals=3)
    f.item("CABLE", uom="m", decimals=1)
    set_unit("COLA", "箱", "24")
    po = PurchaseOrder.create(number="PO-1", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=cola, qty_ordered=120, unit=ItemUnit.get(), unit_cost="12.00")

    code, out, err = wh("receive", "--po", "PO-1", "--sku", "COLA", "--qty", "2", "--unit", "箱", "--operator", "W1")
    assert code == 0, err
    assert "received movement 1: 48 × COLA" in out and "48 accepted, 0 rejected of 5 箱 (120 瓶) ordered" in out
    code, out, err = wh("receive", "--po", "PO-1", "--sku", "COLA", "--qty", "3", "--operator", "W1")
    assert code == 0 and "51 accepted" in out, err
    assert wh("receive", "--supplier", "SUP1", "--sku", "CHEESE", "--qty", "1.250", "--operator", "W1")[0] == 0
    assert wh("receive", "--supplier", "SUP1", "--sku", "CABLE", "--qty", "12.5", "--operator", "W1")[0] == 0
    code, _, err = wh("receive", "--supplier", "SUP1", "--sku", "CHEESE", "--qty", "1.2345", "--operator", "W1")
    assert code == 2 and "--qty 1.2345 of CHEESE (kg) is more precise than it allows (up to 3 decimals)" in err
    code, _, err = wh("move", "--sku", "COLA", "--qty", "1", "--unit", "crate", "--from", "DOCK", "--to", "A-01",
                      "--operator", "W1")
    assert code == 1 and "COLA has no unit 'crate'; its units: 瓶, 箱" in err

    # Put away 2 箱 of the 51 瓶 and 0.5 kg of the cheese.
    assert wh("move", "--sku", "COLA", "--qty", "2", "--unit", "箱", "--from", "DOCK", "--to", "A-01",
              "--operator", "W1")[0] == 0
    code, out, err = wh("move", "--sku", "CHEESE", "--qty", "0.5", "--from", "DOCK", "--to", "A-01", "--operator", "W1")
    assert code == 0 and "movement 6: 0.500 × CHEESE" in out, err

    code, out, _ = wh("stock", "--format", "json")
    rows = {(r["sku"], r["location"]): r for r in json.loads(out)}
    assert rows[("COLA", "DOCK")]["on_hand"] == 3 and rows[("COLA", "A-01")]["on_hand"] == 48
    assert rows[("CHEESE", "DOCK")]["on_hand"] == 0.75 and rows[("CHEESE", "A-01")]["on_hand"] == 0.5
    assert rows[("CABLE", "DOCK")]["on_hand"] == 12.5 and rows[("CABLE", "DOCK")]["uom"] == "m"
    code, out, _ = wh("stock", "--item", "CHEESE", "--format", "csv")
    assert "CHEESE,Item CHEESE,A-01,WH1,A,,,0.500,0.000,0.500,kg" in out
    code, out, _ = wh("stock", "--item", "CHEESE")
    assert "0.750" in out and "0.500" in out
    assert Item.get(Item.sku == "CHEESE").decimals == 3
    verify_ok(wh)
