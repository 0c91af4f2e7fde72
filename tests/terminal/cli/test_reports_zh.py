"""`wh --lang zh_CN report …` and the money commands in Chinese: a report's title is translated
before its dates join it, and a statement reads in Chinese (title, opening and closing rows, the
documents' kinds); CSV keeps the stored words."""
from __future__ import annotations

import datetime as dt

import pytest

from db.core.clock import today
from db.core.models import PurchaseOrder, PurchaseOrderLine
from terminal import i18n
from terminal.cli import main
from tests import factories as f
from tests.terminal.cli.test_reports import CONFIG, build
from tests.terminal.flows.test_chinese_shift import left_in_english


@pytest.fixture
def english_after():
    yield
    i18n.set_language("en")


def test_a_report_title_with_dates_is_translated_then_dated(sqlite_store, capsys, english_after):
    build()
    args = ["--config", CONFIG, "--db", sqlite_store]
    assert main([*args, "--lang", "zh_CN", "report", "sales", "--by", "item",
                 "--from", "2025-01-01", "--to", "2025-01-31"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].strip() == "销售 2025-01-01 至 2025-01-31"
    assert "商品编码" in out and "9.00" in out          # B: 2 sold × 4.50
    assert main([*args, "--lang", "zh_CN", "report", "value", "--from", "2025-01-01"]) == 0
    assert capsys.readouterr().out.splitlines()[0].strip() == "库存金额 2025-01-01 至 …"
    i18n.set_language("en")
    assert main([*args, "report", "sales", "--by", "item", "--from", "2025-01-01", "--to", "2025-01-31"]) == 0
    assert capsys.readouterr().out.splitlines()[0].strip() == "Sales 2025-01-01 to 2025-01-31"


@pytest.fixture
def money_cli(sqlite_store, tmp_path, english_after):
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-CLI"\nwarehouse = "WH1"\n\n[money]\nsupplier_terms_days = 10\n')
    f.operator("W1")
    f.operator("S1", role="supervisor")
    f.location("DOCK", kind="receiving", zone="D", seq=100)
    item = f.item("A1")
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier("SUP1"))
    PurchaseOrderLine.create(po=po, line_no=1, item=item, qty_ordered=10, unit_cost="2.50")
    return lambda *argv: main(["--config", str(cfg), "--db", sqlite_store, "--lang", "zh_CN", *argv])


def test_a_statement_and_the_money_commands_in_chinese(money_cli, capsys):
    day = today()
    assert money_cli("receive", "--po", "PO-1", "--sku", "A1", "--qty", "10", "--location", "DOCK",
                     "--operator", "W1") == 0
    capsys.readouterr()
    # 10 × 2.50 = 25.00, due 10 days after the bill's date ([money] supplier_terms_days).
    assert money_cli("bill", "--po", "PO-1", "--number", "B-7", "--operator", "W1") == 0
    assert capsys.readouterr().out.strip() == \
        f"PO-1 的应付单：B-7，金额 25.00，日期 {day}，到期日 {day + dt.timedelta(days=10)}；1 行"
    assert money_cli("pay", "--supplier", "SUP1", "--amount", "30", "--apply", "B-7", "--operator", "S1") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [f"付款单 PAY-000001，金额 30.00，日期 {day}", "已核销 25.00 到应付单 B-7"]
    assert money_cli("statement", "--supplier", "SUP1") == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.strip()]
    assert " ".join(rows[0]) == "供应商对账单 SUP1 Supplier SUP1"
    assert rows[1] == ["日期", "类型", "单据", "摘要", "截止日期", "金额", "余额"]
    # Opening 0.00; the bill +25.00 (balance 25.00); the payment -30.00 (balance -5.00); closing -5.00.
    assert [r for r in rows[2:] if not set("".join(r)) <= set("─ ")] == [
        ["期初余额", "0.00"],
        [str(day), "应付单", "B-7", str(day + dt.timedelta(days=10)), "25.00", "25.00"],
        [str(day), "付款单", "PAY-000001", "-30.00", "-5.00"],
        ["期末余额", "-5.00"]]
    assert left_in_english([out]) == []
    # CSV is data: the stored kinds, in English, whatever the language.
    assert money_cli("statement", "--supplier", "SUP1", "--format", "csv") == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == "date,kind,document,reference,due_date,amount,balance"
    assert csv_lines[1].startswith(",opening balance,") and ",bill,B-7," in csv_lines[2]
    assert money_cli("cancel-document", "--supplier", "SUP1", "--document", "PAY-000001", "--reason", "typo",
                     "--operator", "S1") == 0
    assert capsys.readouterr().out.strip() == "付款单 PAY-000001 已由 CX-P-000001 红冲（+30.00）；撤销 1 笔核销"
