"""CSV import: every kind, all-or-nothing, errors with spreadsheet row numbers, updates in place."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from db.io.importer import ImportFailed, import_csv
from db.ledger.posting import on_hand, verify
from db.core.models import (Barcode, Customer, Item, Location, Lot, Movement, Operator, PurchaseOrder,
                            PurchaseOrderLine, SalesOrder, SalesOrderLine, Supplier, Warehouse)
from tests import factories as f


def write(tmp_path, name, text, bom=False):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def failed(kind, path):
    with pytest.raises(ImportFailed) as info:
        import_csv(kind, path)
    return info.value.errors


ITEMS = ("sku,name,uom,unit_cost,unit_price,reorder_point,reorder_qty,max_qty,lot_tracked,expiry_tracked,supplier\n"
         "A1,Apple juice 1 L,EA,1.20,2.49,10,24,60,yes,TRUE,SUP1\n"
         "B2,Bolt M8,BX,0.15,0.40,100,500,1000,no,0,\n")


def test_items_import_then_reimport_updates_in_place(store, tmp_path):
    f.supplier("SUP1")
    result = import_csv("items", write(tmp_path, "items.csv", ITEMS, bom=True))
    assert (result.created, result.updated) == (2, 0)
    a1 = Item.get(Item.sku == "A1")
    assert a1.name == "Apple juice 1 L" and a1.unit_cost == Decimal("1.20") and a1.unit_price == Decimal("2.49")
    assert (a1.reorder_point, a1.reorder_qty, a1.max_qty) == (10, 24, 60)
    assert a1.lot_tracked and a1.expiry_tracked and a1.preferred_supplier.code == "SUP1"
    b2 = Item.get(Item.sku == "B2")
    assert not b2.lot_tracked and b2.preferred_supplier is None and b2.uom == "BX"

    # Columns in another order, only some of them: the rest of each row stays as it was.
    again = import_csv("items", write(tmp_path, "items2.csv", "name,sku,unit_price\nApple juice 1 litre,A1,2.99\n"))
    assert (again.created, again.updated) == (0, 1)
    assert Item.select().count() == 2
    a1 = Item.get(Item.sku == "A1")
    assert a1.name == "Apple juice 1 litre" and a1.unit_price == Decimal("2.99")
    assert a1.unit_cost == Decimal("1.20") and a1.reorder_point == 10 and a1.preferred_supplier.code == "SUP1"


def test_expiry_tracking_implies_lot_tracking(store, tmp_path):
    import_csv("items", write(tmp_path, "i.csv", "sku,name,expiry_tracked\nM1,Milk,yes\n"))
    milk = Item.get(Item.sku == "M1")
    assert milk.expiry_tracked and milk.lot_tracked


def test_every_error_is_listed_with_row_and_column_and_nothing_is_written(store, tmp_path):
    f.supplier("SUP1")
    text = ("sku,name,unit_cost,lot_tracked,supplier,reorder_point\n"
            "OK1,Fine item,1.00,no,SUP1,5\n"
            "X2,Bad cost,12;50,maybe,NOPE,-3\n"
            "\n"
            "OK1,Duplicate,1,no,,\n"
            ",,1,,,\n")
    errors = failed("items", write(tmp_path, "bad.csv", text))
    assert errors == [
        "row 3, column unit_cost: expected an amount like 12.50, got '12;50'",
        "row 3, column lot_tracked: expected true/false/yes/no/1/0, got 'maybe'",
        "row 3, column reorder_point: expected a quantity of 0 or more, got '-3'",
        "row 3, column supplier: unknown supplier 'NOPE': import suppliers first",
        "row 5, column sku: duplicate sku OK1: already on row 2",
        "row 6, column sku: a value is required",
        "row 6, column name: a value is required",
    ]
    assert Item.select().count() == 0


def test_header_problems(store, tmp_path):
    errors = failed("items", write(tmp_path, "h.csv", "sku,title,colour\nA,B,C\n"))
    assert "row 1, column title: unknown column for items; expected columns: sku,name,uom," in errors[0]
    assert errors[1].startswith("row 1, column colour: unknown column")
    assert errors[2].startswith("row 1, column name: required column is missing")
    assert failed("suppliers", write(tmp_path, "d.csv", "code,name,code\nS,N,S\n")) == [
        "row 1, column code: this column appears twice"]
    assert failed("customers", write(tmp_path, "e.csv", "")) == [
        "row 1: the file is empty: expected a header row code,name,contact,address,terms_days,credit_limit"]
    assert "row 2: the file is not UTF-8" in failed("customers", write_bytes(tmp_path, b"code,name\nC1,Caf\xe9\n"))[0]


def write_bytes(tmp_path, data):
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    return path


def test_a_row_with_too_many_cells(store, tmp_path):
    assert failed("suppliers", write(tmp_path, "s.csv", "code,name\nS1,Acme,extra\n")) == [
        "row 2: 3 cells but the header has 2 columns"]


def test_quoted_cells_and_unicode(store, tmp_path):
    text = 'code,name,contact,address\nC1,"Café ""Zum Löwen""","Jörg, +49 30 1","Main St 1\nBerlin"\n'
    import_csv("customers", write(tmp_path, "c.csv", text, bom=True))
    c = Customer.get(Customer.code == "C1")
    assert c.name == 'Café "Zum Löwen"' and c.contact == "Jörg, +49 30 1" and c.address == "Main St 1\nBerlin"


def test_barcodes_check_gtin_digits_and_reference_items(store, tmp_path):
    f.item("A1")
    text = ("barcode,sku,pack_qty\n"
            "4006381333931,A1,1\n"        # valid EAN-13
            "14006381333938,A1,12\n"      # valid GTIN-14 case
            "4006381333932,A1,1\n"        # wrong check digit
            "4.00638E+12,A1,1\n"          # spreadsheet damage
            "INT-77,NOPE,0\n")
    errors = failed("barcodes", write(tmp_path, "b.csv", text))
    assert errors == [
        "row 4, column barcode: GTIN 4006381333932 has a wrong check digit: expected 1, got 2",
        "row 5, column barcode: '4.00638E+12' looks like a number a spreadsheet turned into "
        "scientific notation; format the column as text and export again",
        "row 6, column pack_qty: expected a quantity above 0, got '0'",
        "row 6, column sku: unknown item SKU 'NOPE': import items first",
    ]
    good = "barcode,sku,pack_qty\n4006381333931,A1,1\n14006381333938,A1,12\nINT-77,A1,\n"
    import_csv("barcodes", write(tmp_path, "g.csv", good))
    assert {b.code: b.pack_qty for b in Barcode.select()} == {"4006381333931": 1, "14006381333938": 12, "INT-77": 1}
    # Re-import moves a barcode to another item in place.
    f.item("B2")
    import_csv("barcodes", write(tmp_path, "m.csv", "barcode,sku,pack_qty\nINT-77,B2,6\n"))
    moved = Barcode.get(Barcode.code == "INT-77")
    assert moved.item.sku == "B2" and moved.pack_qty == 6 and Barcode.select().count() == 3


def test_locations_create_warehouses_and_validate_kinds(store, tmp_path):
    text = ("code,warehouse,zone,kind,pick_sequence\n"
            "A-01-01,WH1,A,storage,10\n"
            "WH9-DOCK,WH9,DOCK,receiving,1\n"
            "X-1,,A,storage,3\n"
            "X-2,WH1,A,shelf,x\n")
    errors = failed("locations", write(tmp_path, "l.csv", text))
    assert errors == [
        "row 4, column warehouse: a storage location needs a warehouse",
        "row 5, column kind: expected one of storage, receiving, shipping, quarantine, supplier, "
        "customer, inventory-loss, inventory-gain, transit, got 'shelf'",
        "row 5, column pick_sequence: expected a whole number, got 'x'",
    ]
    assert Warehouse.select().count() == 0
    result = import_csv("locations", write(tmp_path, "ok.csv", "\n".join(text.splitlines()[:3]) + "\n"))
    assert "1 new warehouse" in result.summary() or "2 new warehouses" in result.summary()
    dock = Location.get(Location.code == "WH9-DOCK")
    assert dock.kind == "receiving" and dock.warehouse.code == "WH9" and dock.pick_sequence == 1
    import_csv("locations", write(tmp_path, "re.csv", "code,pick_sequence\nA-01-01,20\n"))
    a = Location.get(Location.code == "A-01-01")
    assert a.pick_sequence == 20 and a.warehouse.code == "WH1" and a.zone == "A"
    assert failed("locations", write(tmp_path, "v.csv", "code,kind\n@GAIN,storage\n")) == [
        "row 2, column warehouse: a storage location needs a warehouse",
        "row 2, column kind: @GAIN is a built-in inventory-gain location; its kind cannot become 'storage'"]


def test_suppliers_customers_operators(store, tmp_path):
    import_csv("suppliers", write(tmp_path, "s.csv", "code,name,lead_time_days,contact\nS1,Acme,5,a@acme.example\n"))
    import_csv("suppliers", write(tmp_path, "s2.csv", "code,name,lead_time_days\nS1,Acme Ltd,9\nS2,Beta,\n"))
    assert [(s.code, s.name, s.lead_time_days, s.contact) for s in Supplier.select().order_by(Supplier.code)] == [
        ("S1", "Acme Ltd", 9, "a@acme.example"), ("S2", "Beta", 7, "")]
    import_csv("operators", write(tmp_path, "o.csv", "code,name,role\nW1,Ana,worker\nS1,Sara,Supervisor\n"))
    assert Operator.get(Operator.code == "S1").role == "supervisor"
    assert failed("operators", write(tmp_path, "o2.csv", "code,name,role\nW3,Max,boss\n")) == [
        "row 2, column role: expected one of worker, supervisor, got 'boss'"]


def test_purchase_orders_grouped_by_number(store, tmp_path):
    f.supplier("SUP1"), f.supplier("SUP2"), f.item("A1", cost=3), f.item("B2", cost=4)
    text = ("po,supplier,sku,qty,unit_cost,expected_date\n"
            "PO-1,SUP1,A1,24,2.50,2030-05-02\n"
            "PO-1,SUP1,B2,12,,2030-05-01\n"
            "PO-2,SUP2,A1,6,,\n")
    result = import_csv("purchase-orders", write(tmp_path, "po.csv", text))
    assert result.created == 3
    po = PurchaseOrder.get(PurchaseOrder.number == "PO-1")
    assert po.supplier.code == "SUP1" and po.status == "open" and po.expected_date == dt.date(2030, 5, 1)
    lines = list(po.lines.order_by(PurchaseOrderLine.line_no))
    assert [(ln.line_no, ln.item.sku, ln.qty_ordered, ln.unit_cost) for ln in lines] == [
        (1, "A1", 24, Decimal("2.50")), (2, "B2", 12, Decimal("4"))]   # blank cost: the item's cost
    # Re-importing an untouched PO replaces its lines; no duplicates.
    import_csv("purchase-orders", write(tmp_path, "po2.csv", "po,supplier,sku,qty\nPO-1,SUP1,A1,30\n"))
    assert PurchaseOrder.select().count() == 2
    assert [(ln.item.sku, ln.qty_ordered) for ln in PurchaseOrder.get(PurchaseOrder.number == "PO-1").lines] == [("A1", 30)]


def test_purchase_order_errors(store, tmp_path):
    f.supplier("SUP1"), f.supplier("SUP2"), f.item("A1")
    text = ("po,supplier,sku,qty,expected_date\n"
            "PO-1,SUP1,A1,0,2030-02-30\n"
            "PO-1,SUP2,A1,5,\n"
            "PO-2,SUPX,ZZ,1.5,31/12/2030\n")
    assert failed("purchase-orders", write(tmp_path, "bad.csv", text)) == [
        "row 2, column qty: expected a quantity above 0, got '0'",
        "row 2, column expected_date: expected an ISO 8601 date like 2025-03-31, got '2030-02-30'",
        "row 3, column sku: duplicate po PO-1, sku A1: already on row 2",
        "row 3, column supplier: po PO-1 has supplier SUP1 on row 2, not SUP2",
        "row 4, column expected_date: expected an ISO 8601 date like 2025-03-31, got '31/12/2030'",
        "row 4, column supplier: unknown supplier 'SUPX'",
        "row 4, column sku: unknown item SKU 'ZZ': import items first",
    ]
    assert PurchaseOrder.select().count() == 0


def test_a_received_purchase_order_is_not_replaced(store, tmp_path):
    sup, it = f.supplier("SUP1"), f.item("A1")
    po = PurchaseOrder.create(number="PO-7", supplier=sup)
    PurchaseOrderLine.create(po=po, line_no=1, item=it, qty_ordered=10, qty_received=4)
    assert failed("purchase-orders", write(tmp_path, "p.csv", "po,supplier,sku,qty\nPO-7,SUP1,A1,10\n")) == [
        "row 2, column po: PO-7 already exists and has receipts; it cannot be replaced by an import"]


def test_sales_orders_with_priority(store, tmp_path):
    f.customer("C1"), f.item("A1", price=5), f.item("B2", price=7)
    text = ("so,customer,sku,qty,unit_price,due_date,priority\n"
            "SO-1,C1,A1,3,4.50,2030-01-10,2\n"
            "SO-1,C1,B2,1,,2030-01-10,\n"
            "SO-2,C1,B2,2,,,\n")
    import_csv("sales-orders", write(tmp_path, "so.csv", text))
    so1 = SalesOrder.get(SalesOrder.number == "SO-1")
    assert (so1.customer.code, so1.priority, so1.due_date, so1.status) == ("C1", 2, dt.date(2030, 1, 10), "open")
    assert [(ln.item.sku, ln.qty_ordered, ln.unit_price) for ln in so1.lines.order_by(SalesOrderLine.line_no)] == [
        ("A1", 3, Decimal("4.50")), ("B2", 1, Decimal("7"))]
    assert SalesOrder.get(SalesOrder.number == "SO-2").priority == 5
    bad = "so,customer,sku,qty,priority\nSO-3,C1,A1,1,0\nSO-4,C1,A1,1,2\nSO-4,C1,B2,1,3\n"
    assert failed("sales-orders", write(tmp_path, "b.csv", bad)) == [
        "row 2, column priority: expected a whole number of at least 1, got '0'",
        "row 4, column priority: so SO-4 has priority 2 on row 3, not 3"]


def test_stock_opening_balances_through_the_ledger(store, tmp_path):
    f.warehouse("WH1")
    shelf, qa = f.location("A-01"), f.location("QA", kind="quarantine")
    f.item("PLAIN"), f.item("MILK", expiry=True), f.item("PAINT", lot=True)
    f.operator("ADMIN", role="supervisor")
    text = ("sku,location,qty,lot,expiry\n"
            "PLAIN,A-01,10,,\n"
            "MILK,A-01,6,L1,2030-03-01\n"
            "MILK,QA,2,L1,\n"
            "PAINT,A-01,4,B7,\n")
    result = import_csv("stock", write(tmp_path, "stock.csv", text), operator="ADMIN")
    assert result.created == 4
    milk = Item.get(Item.sku == "MILK")
    lot = Lot.get(Lot.item == milk, Lot.code == "L1")
    assert lot.expiry == dt.date(2030, 3, 1)
    assert on_hand(milk, shelf, lot) == 6 and on_hand(milk, qa, lot) == 2
    assert on_hand(Item.get(Item.sku == "PLAIN"), shelf) == 10
    moves = list(Movement.select())
    assert {m.kind for m in moves} == {"opening"} and {m.from_location.code for m in moves} == {"@GAIN"}
    assert {m.operator for m in moves} == {"ADMIN"}
    assert verify().consistent
    # The very same file again posts nothing more.
    again = import_csv("stock", write(tmp_path, "stock.csv", text), operator="ADMIN")
    assert (again.created, again.skipped) == (0, 4)
    assert on_hand(Item.get(Item.sku == "PLAIN"), shelf) == 10 and Movement.select().count() == 4


def test_stock_errors(store, tmp_path):
    f.warehouse("WH1")
    f.location("A-01")
    milk, _ = f.item("MILK", expiry=True), f.item("PLAIN")
    f.lot(milk, "OLD", "2030-01-01")
    text = ("sku,location,qty,lot,expiry\n"
            "MILK,A-01,5,,\n"              # no lot
            "MILK,A-01,5,NEW,\n"           # a new lot of an expiry item needs an expiry
            "MILK,A-01,5,OLD,2031-01-01\n"  # the lot's expiry differs
            "PLAIN,@GAIN,5,X,2030-01-01\n"  # virtual location, lot and expiry on a plain item
            "PLAIN,NOWHERE,-1,,\n")
    assert failed("stock", write(tmp_path, "s.csv", text)) == [
        "row 2, column lot: MILK is lot-tracked: a lot is required",
        "row 3, column expiry: MILK is expiry-tracked: an expiry date is required for lot NEW",
        "row 4, column expiry: lot OLD of MILK expires 2030-01-01, not 2031-01-01",
        "row 5, column location: @GAIN is a virtual inventory-gain location: expected a physical location",
        "row 5, column lot: PLAIN is not lot-tracked: expected no lot, got 'X'",
        "row 5, column expiry: PLAIN is not expiry-tracked: expected no expiry, got 2030-01-01",
        "row 6, column qty: expected a quantity above 0, got '-1'",
        "row 6, column location: unknown location 'NOWHERE': import locations first",
    ]
    assert Movement.select().count() == 0 and Lot.select().count() == 1


def test_a_failure_while_writing_leaves_nothing(store, tmp_path):
    """Validation passed, then writing stopped half way (here: Ctrl-C after the first chunk)."""
    rows = "".join(f"S{i:05d},Item {i},1.00\n" for i in range(1500))
    path = write(tmp_path, "many.csv", "sku,name,unit_cost\n" + rows)
    calls = []

    def progress(stage, done, total):
        calls.append((stage, done, total))
        if stage == "writing" and done >= 500:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_csv("items", path, progress=progress)
    assert ("writing", 500, 1500) in calls
    assert Item.select().count() == 0
    # And the same file then imports whole.
    assert import_csv("items", path).created == 1500 and Item.select().count() == 1500


@pytest.mark.slow
def test_many_items_in_chunks_with_progress(store, tmp_path):
    f.supplier("SUP1")
    n = 2345
    rows = "".join(f"S{i:05d},Item {i},EA,{i % 50}.25,{i % 50 + 1}.5,1,2,3,{'yes' if i % 3 == 0 else 'no'},no,SUP1\n"
                   for i in range(n))
    path = write(tmp_path, "many.csv", ITEMS.splitlines()[0] + "\n" + rows)
    seen = []
    result = import_csv("items", path, progress=lambda s, d, t: seen.append((s, d, t)))
    assert result.created == n and Item.select().count() == n
    assert seen[-1] == ("writing", n, n) and ("checking", n, n) in seen
    last = Item.get(Item.sku == f"S{n - 1:05d}")
    assert last.unit_cost == Decimal(f"{(n - 1) % 50}.25") and last.lot_tracked == ((n - 1) % 3 == 0)
    assert last.preferred_supplier.code == "SUP1"
    result = import_csv("items", path)
    assert (result.created, result.updated) == (0, n) and Item.select().count() == n
