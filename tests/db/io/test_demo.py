"""`wh demo`: deterministic, believable, and consistent with the ledger."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from collections import Counter, defaultdict

import peewee as pw
import pytest

from db.io import exporter
from db.core.connection import database
from db.io.demo import seed_demo
from db.ledger.posting import verify
from db.core.models import (Balance, Barcode, Item, Location, Movement, Operator, PurchaseOrder, PurchaseOrderLine,
                            SalesOrder, Supplier, Customer, Warehouse)
from tests import conftest

from tests import ROOT
TODAY = dt.date(2026, 3, 16)
KINDS = ["items", "barcodes", "locations", "suppliers", "customers", "operators",
         "purchase-orders", "sales-orders", "stock", "movements"]


def everything() -> dict[str, str]:
    out = {}
    for kind in KINDS:
        buf = io.StringIO()
        exporter.write(kind, "csv", buf)
        out[kind] = buf.getvalue()
    return out


def gs1_valid(code: str) -> bool:
    """GS1 mod-10, written out independently of the code under test."""
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    weights = [3 if i % 2 == 0 else 1 for i in range(len(body))][::-1]   # rightmost body digit ×3
    total = sum(d * w for d, w in zip(body, weights))
    return (10 - total % 10) % 10 == check


def test_check_digit_helper_knows_real_codes():
    assert gs1_valid("4006381333931") and not gs1_valid("4006381333932")
    assert gs1_valid("96385074") and gs1_valid("036000291452")


@pytest.mark.slow
def test_same_seed_same_warehouse_different_seed_different(tmp_path):
    stores = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        path = tmp_path / name
        path.mkdir()
        conftest.make_sqlite_store(path)
        seed_demo(seed=seed, today=TODAY)
        stores.append(everything())
        database.close()
    a, b, c = stores
    for kind in KINDS:
        assert a[kind] == b[kind], kind
    assert a["items"] != c["items"] and a["movements"] != c["movements"]


@pytest.mark.slow
def test_demo_contents_and_ledger_consistency(store):
    seed_demo(seed=42, today=TODAY)
    result = verify()
    assert result.consistent, result.mismatches[:5]

    # Places.
    assert [w.code for w in Warehouse.select().order_by(Warehouse.code)] == ["WH1", "WH2"]
    storage = Location.select().where(Location.kind == "storage")
    assert 180 <= storage.count() <= 230
    assert all(len(loc.code.split("-")) == 3 for loc in storage)
    for wh in ("WH1", "WH2"):
        kinds = {loc.code: loc.kind for loc in Location.select().join(Warehouse).where(Warehouse.code == wh)}
        assert kinds[f"{wh}-DOCK"] == "receiving" and kinds[f"{wh}-SHIP"] == "shipping"
        assert kinds[f"{wh}-QA"] == "quarantine"
        seqs = [loc.pick_sequence for loc in Location.select().join(Warehouse)
                .where(Warehouse.code == wh, Location.kind == "storage")]
        assert len(set(seqs)) == len(seqs)            # a pick walk visits each place once
    assert len({loc.zone for loc in storage}) >= 4

    # Items and barcodes.
    items = list(Item.select())
    assert 280 <= len(items) <= 320
    assert len({i.name for i in items}) == len(items)
    assert sum(i.expiry_tracked for i in items) >= 40 and sum(not i.lot_tracked for i in items) >= 100
    assert all(i.lot_tracked for i in items if i.expiry_tracked)
    assert all(i.unit_price > i.unit_cost > 0 for i in items)
    assert all(0 < i.reorder_point < i.max_qty and i.reorder_qty > 0 for i in items)
    assert all(i.preferred_supplier_id for i in items)
    by_item = defaultdict(list)
    for b in Barcode.select():
        by_item[b.item_id].append(b)
    for item in items:
        # Its own barcode counts one base unit; a weighed item's is a variable-measure GTIN-14 (9…).
        each = [b for b in by_item[item.id] if b.pack_qty == 10 ** item.decimals]
        assert len(each) == 1 and gs1_valid(each[0].code), item.sku
        assert len(each[0].code) == 13 or (item.decimals and each[0].code[0] == "9"), item.sku
        for case in (b for b in by_item[item.id] if b.pack_qty > 10 ** item.decimals):
            assert case.pack_qty in (6, 12, 24), case.code    # the roll of cable has no barcode
            assert len(case.code) == 14 and case.code[0] == "1" and gs1_valid(case.code)
            assert case.code[1:13] == each[0].code[:12]
    assert sum(len(v) > 1 for v in by_item.values()) > len(items) // 2

    # Parties.
    assert Supplier.select().count() == 8 and Customer.select().count() == 20
    assert len({s.lead_time_days for s in Supplier.select()}) >= 4
    ops = {o.code: o.role for o in Operator.select()}
    assert ops == {"W1": "worker", "W2": "worker", "S1": "supervisor"}

    # Stock: tracked items carry lots (with expiries where tracked), nothing negative.
    for bal in Balance.select(Balance, Item, Location).join(Item).switch(Balance).join(Location) \
            .where(Balance.qty != 0, Location.kind.in_(["storage", "receiving", "shipping", "quarantine"])):
        assert bal.qty > 0
        assert (bal.lot_id is not None) == bal.item.lot_tracked, bal.item.sku
        if bal.item.expiry_tracked:
            assert bal.lot.expiry is not None
    assert Balance.select().join(Location).where(Location.kind == "storage", Balance.qty > 0).count() > 250

    # Open work today: POs due soon and late (some partly received), SOs with priorities.
    open_pos = list(PurchaseOrder.select().where(PurchaseOrder.status.in_(["open", "partial"])))
    assert any(po.expected_date >= TODAY for po in open_pos)
    assert any(po.expected_date < TODAY for po in open_pos)
    open_sos = list(SalesOrder.select().where(SalesOrder.status == "open"))
    assert len(open_sos) >= 15 and len({so.priority for so in open_sos}) >= 3
    assert any(so.due_date < TODAY for so in open_sos) and any(so.due_date >= TODAY for so in open_sos)
    assert all(line.qty_picked == 0 for so in open_sos for line in so.lines)

    # History, and documents that agree with the ledger.
    kinds = Counter(m.kind for m in Movement.select(Movement.kind))
    assert kinds["receipt"] >= 30 and kinds["ship"] >= 150 and kinds["reject"] >= 3
    assert kinds["opening"] > 300 and kinds["transfer"] >= 2 and kinds["adjust"] >= 2
    first = Movement.select(pw.fn.MIN(Movement.created_at)).scalar()
    last = Movement.select(pw.fn.MAX(Movement.created_at)).scalar()
    assert (TODAY - first.date()).days >= 60 and last.date() < TODAY

    received = defaultdict(int)
    rejected = defaultdict(int)
    for m in Movement.select().where(Movement.po_line.is_null(False)):
        (received if m.kind == "receipt" else rejected)[m.po_line_id] += m.qty
    late = 0
    for line in PurchaseOrderLine.select():
        assert line.qty_received == received[line.id] and line.qty_rejected == rejected[line.id]
        if line.qty_received or line.qty_rejected:
            assert line.first_received_at <= line.last_received_at
            late += line.last_received_at.date() > line.expected_date
        done = line.qty_received + line.qty_rejected >= line.qty_ordered
        assert line.status == ("received" if done else "partial" if received[line.id] + rejected[line.id] else "open")
    assert late > 0
    for po in PurchaseOrder.select().where(PurchaseOrder.status == "received"):
        assert all(line.status == "received" for line in po.lines)

    shipped = defaultdict(int)
    picked = defaultdict(int)
    for m in Movement.select().where(Movement.so_line.is_null(False)):
        (shipped if m.kind == "ship" else picked)[m.so_line_id] += m.qty
    for so in SalesOrder.select().where(SalesOrder.status == "shipped"):
        assert so.shipped_at is not None and so.shipped_at.date() < TODAY
        for line in so.lines:
            assert line.qty_shipped == shipped[line.id] == picked[line.id] == line.qty_ordered


def test_demo_command_and_if_empty(sqlite_store):
    def wh(*args):
        return subprocess.run([sys.executable, "-m", "terminal.cli", "--db", sqlite_store, *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
    database.close()
    proc = wh("demo", "--seed", "3", "--today", "2026-03-16")
    assert proc.returncode == 0, proc.stderr
    assert "demo warehouse seeded (seed 3)" in proc.stdout and "2 warehouses" in proc.stdout
    proc = wh("verify")
    assert proc.returncode == 0 and proc.stdout.startswith("ledger consistent:")
    before = wh("export", "movements").stdout
    proc = wh("demo", "--if-empty")
    assert proc.returncode == 0 and "already has data" in proc.stdout
    proc = wh("demo")
    assert proc.returncode == 1 and "already has items" in proc.stderr
    assert wh("export", "movements").stdout == before


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.slow
def test_the_chinese_demo_is_a_chinese_warehouse(sqlite_store):
    summary = seed_demo(seed=42, today=TODAY, locale_name="zh_CN")
    assert "supervisor S1 has PIN 1234" in summary
    assert verify().consistent
    items = list(Item.select())
    assert 150 <= len(items) <= 200 and len({i.name for i in items}) == len(items)
    assert all(_cjk(i.name) for i in items)
    assert {i.uom for i in items} == {"袋", "盒", "个", "包", "瓶", "千克", "米"}      # 千克, 米: db/io/demo_units.py
    assert any(i.name == "康师傅红烧牛肉面 五连包" for i in items)
    for b in Barcode.select():
        assert gs1_valid(b.code) and b.code[1 if len(b.code) == 14 else 0:][:2] == "69", b.code
    assert all(_cjk(s.name) for s in Supplier.select()) and Supplier.select().count() == 8
    assert all(_cjk(c.name) and _cjk(c.address) for c in Customer.select())
    assert [w.name for w in Warehouse.select().order_by(Warehouse.code)] == ["主仓库", "北区分仓"]
    assert {o.code: o.name for o in Operator.select()} == {"W1": "李明", "W2": "王芳", "S1": "张伟"}
    assert Movement.select().count() > 1000


def test_demo_locale_is_checked():
    from db.core.errors import InvalidInput
    with pytest.raises(InvalidInput, match="unknown demo locale 'fr': expected one of en, zh_CN"):
        seed_demo(locale_name="fr")
