"""Wide text and small screens (Pilot): Chinese names at 80×24 keep every table row on one line
with the quantity column lined up; at 60×20, the smallest supported size, the key bar keeps
every key and a long list keeps its "and N more" line."""
from __future__ import annotations

import pytest
from rich.cells import cell_len

from db.core.models import Item
from tests import terminal_data as td
from tests.app_support import async_test, flat, login, make_app, scan, screen_text, type_
from tests.terminal.app.test_station import world  # noqa: F401  (the seeded store, as a fixture)

pytestmark = pytest.mark.slow
NAMES = {"SKU-100": "康师傅红烧牛肉面 五连包", "SKU-200": "青岛啤酒 Tsingtao Beer 500ml×12",
         "SKU-300": "农夫山泉 天然饮用水 550ml 整箱 24瓶 特惠装"}


def chinese_names() -> None:
    for sku, name in NAMES.items():
        Item.update(name=name).where(Item.sku == sku).execute()


def table_rows(text: str, skus=("SKU-100", "SKU-200", "SKU-300")) -> list[str]:
    """The table's body rows: indented under the header, the current one marked ▸."""
    return [line for line in text.splitlines() if any(s in line for s in skus)
            and (line.startswith("  ▸ ") or line.startswith("      "))]


@async_test
async def test_a_po_of_chinese_names_at_80x24_keeps_one_line_per_row_and_the_columns_aligned(world):
    chinese_names()
    td.purchase_order("PO-2000", lines=(("SKU-100", 24), ("SKU-200", 12), ("SKU-300", 6)))
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_(pilot, "1", enter=False)
        await scan(pilot, "PO-2000")
        await scan(pilot, td.WIDGET_EAN)
        text = screen_text(app)
        rows = table_rows(text)
        assert len(rows) == 3, text                     # one line each: nothing wrapped
        assert all(cell_len(r) <= 80 for r in rows)
        # The "Open" column ends in the same cell on every row (and under its title).
        header = next(line for line in text.splitlines() if "Ordered" in line)
        ends = {cell_len(r.rstrip()) for r in rows} | {cell_len(header.rstrip())}
        assert len(ends) == 1, (ends, text)
        # The long name is cut between characters, marked ~, never split mid-character.
        assert "农夫山泉" in text and "~" in rows[2]
        assert not any("×" in r for r in rows)         # no ambiguous-width × in a fixed column


@async_test
async def test_a_pick_list_of_chinese_names_lines_up_the_quantity(world):
    chinese_names()
    td.sales_order("SO-2000", lines=(("SKU-100", 4), ("SKU-200", 12), ("SKU-300", 2)), priority=0)
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_(pilot, "3", enter=False)
        await type_(pilot, "SO-2000")
        text = screen_text(app)
        rows = [r for r in table_rows(text) if "-0" in r]          # location rows (A-01-01…)
        assert len(rows) == 4, text                                 # 4 tasks, one line each
        assert len({cell_len(r.rstrip()) for r in rows}) == 1, text


@async_test
async def test_at_60x20_every_key_shows_and_a_long_list_keeps_its_more_line(world):
    for n in range(15):
        td.purchase_order(f"PO-3{n:03d}", lines=(("SKU-100", 1),))
    app = make_app(world["url"], world["tmp"])
    async with app.run_test(size=(60, 20)) as pilot:
        await login(pilot)
        await type_(pilot, "1", enter=False)
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) <= 20 and all(cell_len(line) <= 60 for line in lines)
        # 16 open POs; the list shows 9 and says how many more (20 rows less 11 of frame).
        assert " 9  PO-3" in text and "10  PO-3" not in text
        assert "… and 7 more open: scan or type a PO number" in flat(app)
        assert " ".join(lines[-1].split()) == "F1 Help F2 Type scan F9 Undo Esc Back"
        await scan(pilot, "PO-1042")
        keys = screen_text(app).splitlines()[-1]
        for k in ("F1", "F2", "F3 Qty", "F4 Reject", "F9 Undo", "F10 Done", "Esc"):
            assert k in keys, keys
