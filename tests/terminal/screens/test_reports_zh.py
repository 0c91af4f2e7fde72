"""The supervisor dashboard in zh_CN in the real app at 80×24: the title, the menu, the key bar
and every report's headers read in Chinese, each line within 80 cells, the headers over their
columns. Cell values are data (SKUs, names, the alert kinds): they are left as they are."""
from __future__ import annotations

import pytest
from rich.cells import cell_len

from tests import terminal_data as td
from tests.app_support import async_test, make_app, screen_text
from tests.terminal.flows.test_chinese_shift import left_in_english
from tests.terminal.screens.test_reports import SIZE, done, open_dashboard, press

pytestmark = pytest.mark.slow
DATA = ["below reorder point", "above max", "Widget", "Bolt M8", "Yoghurt", "Supplier SUP1", "Customer CUST1"]


@pytest.fixture
def dashboard(sqlite_warehouse, zh):
    return td.with_alerts_and_sales(sqlite_warehouse)


def english_left(text: str) -> list:
    """English words on the dashboard: below the station's header (its store URL is a path), and
    the menu's keys apart from their labels (a key is in reverse video: "aABC" reads a ABC)."""
    text = "\n".join(text.splitlines()[2:]).replace("aABC", "a ABC")
    for data in DATA:
        text = text.replace(data, "")
    return left_in_english([text])


@async_test
async def test_the_dashboard_reads_in_chinese_at_80x24(dashboard):
    app = make_app(dashboard["url"], dashboard["tmp"])
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, "S1")
        text = screen_text(app)
        assert "主管 · 库存预警 · 1 个低于再订货点 · 1 个高于最高库存" in text
        assert "1预警" in text and "r盘点差异" in text
        for key in ("1", "2", "3", "5", "6", "7", "8", "9", "0", "a", "c", "d"):
            await press(pilot, key)
            await done(pilot)
            text = screen_text(app)
            lines = text.splitlines()
            assert len(lines) <= 24 and all(cell_len(line) <= 80 for line in lines), key
            if key == "c":
                # The count report's rows are named by codes of db/reports/counts.py (accuracy,
                # settled, first count, pending): data. Its title and headers are Chinese.
                text = "\n".join(lines[:4])
            assert english_left(text) == [], (key, text)
        # The value report: each header over its column, the numbers right-aligned under it.
        await press(pilot, "7")
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "商品编码" in line)
        row = next(line for line in lines if "SKU-100" in line)
        assert cell_len(header[:header.index("商品编码")]) == cell_len(row[:row.index("SKU-100")])
        await press(pilot, "t")
        assert "按日销售额 · 最近 30 天" in screen_text(app)
        assert english_left(screen_text(app)) == []
