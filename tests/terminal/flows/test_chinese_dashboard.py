"""The supervisor dashboard in zh_CN: every view, key, menu, help text, confirmation, chart title
and table header reads in Chinese, and every report's table lines up in 80 cells.

Texts are collected as the screen shows them (terminal/screens/supervisor.py: the menu and key
labels through shown(), the help through _()); codes and names are stripped with the Chinese
shift test's CODES and NAMES, and whatever English word is left fails. Cell values are data
(SKUs, names, "below reorder point" in the alert column): the headers are checked, not the cells.
"""
from __future__ import annotations

import pytest
from rich.cells import cell_len

from db.core.models import PurchaseOrder
from terminal.flows.report_table import HEADER_LINES, fit, header_lines, header_width
from terminal.flows.supervisor import SupervisorFlow
from terminal.flows.supervisor_reports import HELP, MENU, VIEW_KEYS
from terminal.i18n import shown
from terminal.screens.supervisor import menu_text
from tests import terminal_data as td
from tests.terminal.flows.test_chinese_shift import left_in_english
from tests.terminal.flows.test_supervisor import press, run

WIDTH = 78          # the table's cells at 80 columns (the screen keeps 2 for the scroll bar)


@pytest.fixture
def dash(warehouse, session_for, zh):
    td.with_alerts_and_sales(warehouse)
    return lambda code="S1": run(flow := SupervisorFlow(session_for(code)), flow.begin())


def test_headers_wrap_chinese_between_characters_never_halving_one():
    assert header_lines("再订货点", 4) == ["再订", "货点"]
    assert header_width("再订货点") == 4
    # On two lines as evenly as they go: 商品/编码 in 7 cells, not 商品编/码.
    assert header_lines("商品编码", 7) == ["商品", "编码"] and header_lines("商品编码", 8) == ["商品编码"]
    # Three cells hold one character a line: the rest is cut with "…", never half a character.
    assert header_lines("再订货点", 3) == ["再", "订…"]
    assert header_lines("ABC 分类", 4) == ["ABC", "分类"]
    assert header_lines("期末余额数量", 4) == ["期末", "余…"]
    assert header_lines("占比%", 4) == ["占", "比%"]        # 3 cells wide, not 4
    # English is broken between words only, as before.
    assert header_lines("reorder_point", 7) == ["reorder", "point"]
    assert header_width("projected") == 9


def test_a_report_table_shows_chinese_headers_lined_up_in_80_cells(zh):
    rows = [{"sku": "SKU-1", "name": "康师傅红烧牛肉面", "on_hand": 12, "reorder_point": 10, "max_qty": 40}]
    fitted = fit(list(rows[0]), rows, WIDTH)
    assert fitted.headers == ["商品编码", "名称", "库存", "再订货点", "最高库存"]
    # The widths are the Chinese headers' cells (商品编码 8 > SKU-1 5), not the English names'
    # ("on_hand" 7 > 库存 4): 8 + 16 + 4 + 8 + 8, and a cell's padding each, in 54 of 78 cells.
    assert fitted.widths == [8, 16, 4, 8, 8] and fitted.total == 54
    assert fitted.right == [False, False, True, True, True]


def collect(flow, texts, widths):
    """What the screen shows now: the title, keys, and the table's headers (checked to line up)."""
    texts.append(flow.heading())
    texts += [shown(label) for _key, label in flow.key_list()]
    fb = flow.take_feedback()
    if fb is not None:
        texts.append(fb.message)
    if flow.confirm is not None:
        texts.append(flow.confirm[0])
    table = flow.table(WIDTH)
    if table is not None:
        assert table.total <= WIDTH, (flow.view_name, table.widths)
        for header, width in zip(table.headers, table.widths):
            lines = header.split("\n")
            assert len(lines) <= HEADER_LINES and all(cell_len(line) <= width for line in lines), header
            texts.append(header)
        widths[flow.view_name] = table


def test_the_dashboard_in_chinese_shows_no_english_word(dash):
    flow = dash()
    assert flow.heading() == "主管 · 库存预警 · 1 个低于再订货点 · 1 个高于最高库存"
    texts, tables = [], {}
    texts += [shown(label) for line in MENU for _key, label in line] + [shown(text) for _key, text in HELP]
    texts += flow.dashboard + [shown(flow.title)]
    # The menu is two lines of at most 80 cells, in Chinese too.
    from rich.text import Text
    assert all(cell_len(line) <= 80 for line in Text.from_markup(menu_text(MENU)).plain.split("\n"))
    collect(flow, texts, tables)
    for key in VIEW_KEYS:
        press(flow, key)
        collect(flow, texts, tables)
    assert set(tables) >= {view for view, _title in VIEW_KEYS.values()} - {"drafts"}
    press(flow, "6")
    assert flow.heading().startswith("主管 · 按日销售 · 最近 30 天")
    press(flow, "b", "p")                       # by week, over 90 days
    assert flow.heading().startswith("主管 · 按周销售 · 最近 90 天")
    collect(flow, texts, tables)
    press(flow, "7", "p")                       # a snapshot: the period does not apply
    assert flow.take_feedback().message == "期间：最近 365 天（此报表反映当前状态）"
    press(flow, "t")
    assert flow.chart[0] == "按周销售额 · 最近 365 天" and sum(flow.chart[2]) == 50.0
    collect(flow, texts, tables)
    press(flow, "escape", "7", "h", "enter")    # the stock of the selected row's item
    assert flow.chart[0].startswith("SKU-100 的库存 · ") and " 至 " in flow.chart[0]
    collect(flow, texts, tables)
    press(flow, "escape", "5", "enter")         # a customer's order history
    assert flow.heading().startswith("主管 · CUST1 的订单历史")
    collect(flow, texts, tables)
    press(flow, "escape", "escape", "2", "n")
    assert flow.confirm[0] == "根据这些建议创建 1 张草稿采购单，共 1 行？"
    collect(flow, texts, tables)
    press(flow, "escape")
    assert flow.take_feedback().message == "已取消：未创建或下达任何单据"
    press(flow, "n", "enter")
    po = PurchaseOrder.get()
    assert flow.take_feedback().message == f"已创建 {po.number}（草稿：选中一张按 l 下达）"
    collect(flow, texts, tables)
    press(flow, "l")
    assert flow.confirm[0] == f"将 {po.number} 下达给 SUP1（1 行，37 件）？下达后可在终端收货。"
    collect(flow, texts, tables)
    press(flow, "enter")
    assert flow.take_feedback().message == f"{po.number} 已下达：可以收货"
    collect(flow, texts, tables)
    press(flow, "a", "s")
    collect(flow, texts, tables)
    press(flow, "h")
    flow.typing = "NO-SUCH-SKU"
    press(flow, "enter")
    assert flow.take_feedback().message.startswith("库存图：")
    assert left_in_english(texts) == []


def test_a_worker_is_refused_in_chinese(dash):
    flow = dash("W1")
    assert flow.take_feedback().message == "操作员 W1 是仓库员工；主管界面需要主管"
    assert flow.heading() == "主管：已拒绝"
    assert [shown(label) for _key, label in flow.key_list()] == ["确定", "返回"]
