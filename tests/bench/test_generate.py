"""The benchmark's store generator at a tiny scale: deterministic, consistent with the ledger's
rules, and the sizes it promises."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest

from bench.generate import Plan, case_gtin, ean13, ensure_store, generate, read_meta

TINY = 0.002     # 200 items, 40 locations, 10,000 movements, 100 PO and 100 SO lines


def _digest(path) -> str:
    conn = sqlite3.connect(str(path))
    h = hashlib.sha256()
    for table in ("item", "barcode", "location", "lot", "movement", "balance", "purchase_order",
                  "purchase_order_line", "sales_order", "sales_order_line", "supplier", "customer"):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY id"):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from db.core.connection import database
    path = ensure_store(Plan.at(TINY), tmp_path_factory.mktemp("bench"))
    yield path
    database.close()


def test_same_plan_same_store(tiny, tmp_path):
    again = tmp_path / "again.db"
    generate(again, Plan.at(TINY))
    assert _digest(again) == _digest(tiny)


def test_another_seed_another_store(tiny, tmp_path):
    other = tmp_path / "other.db"
    generate(other, Plan.at(TINY, seed=2))
    assert _digest(other) != _digest(tiny)


def test_sizes_are_the_plan(tiny):
    plan = Plan.at(TINY)
    conn = sqlite3.connect(str(tiny))
    count = lambda t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: E731
    assert count("item") == plan.items == 200
    assert count("location") == plan.locations == 40
    assert count("movement") == plan.movements == 10_000
    assert count("purchase_order_line") == plan.po_lines == 100
    assert count("sales_order_line") == plan.so_lines == 100
    first, last = conn.execute("SELECT MIN(created_at), MAX(created_at) FROM movement").fetchone()
    assert first.startswith(str(plan.first_day)) and last.startswith("2026-10-31")
    assert read_meta(tiny)["counts"]["movement"] == 10_000
    conn.close()


def test_the_ledger_verifies(tiny):
    from db.core.connection import open_database
    from db.ledger.posting import verify
    open_database(f"sqlite:///{tiny}").connect(reuse_if_open=True)
    result = verify()
    assert result.consistent, result.mismatches[:5]
    assert result.movements == 10_000


def test_documents_match_their_movements(tiny):
    conn = sqlite3.connect(str(tiny))
    # Accepted units on each PO line = net receipts (receipts minus their undos).
    bad = conn.execute("""
        SELECT l.id FROM purchase_order_line l LEFT JOIN (
            SELECT po_line_id, SUM(CASE kind WHEN 'receipt' THEN qty WHEN 'undo' THEN -qty ELSE 0 END) AS net
            FROM movement WHERE po_line_id IS NOT NULL GROUP BY po_line_id) m ON m.po_line_id = l.id
        WHERE l.qty_received != COALESCE(m.net, 0)""").fetchall()
    assert bad == []
    bad = conn.execute("""
        SELECT l.id FROM sales_order_line l LEFT JOIN (
            SELECT so_line_id, SUM(CASE WHEN kind = 'ship' THEN qty ELSE 0 END) AS shipped
            FROM movement WHERE so_line_id IS NOT NULL GROUP BY so_line_id) m ON m.so_line_id = l.id
        WHERE l.qty_shipped != COALESCE(m.shipped, 0)""").fetchall()
    assert bad == []
    conn.close()


def test_barcodes_are_valid_gtins():
    from devices.gs1 import check_digit
    for n in (1, 42, 99_999):
        ean = ean13(n)
        assert len(ean) == 13 and ean[-1] == str(check_digit(ean[:-1]))
        case = case_gtin(ean)
        assert len(case) == 14 and case[-1] == str(check_digit(case[:-1]))


def test_the_cache_is_reused(tiny):
    stamp = tiny.stat().st_mtime_ns
    assert ensure_store(Plan.at(TINY), tiny.parent) == tiny
    assert tiny.stat().st_mtime_ns == stamp
