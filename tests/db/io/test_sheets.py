"""Files as Chinese offices have them: GBK CSV, Excel workbooks, Chinese column headers."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from db.core.models import Item, Supplier
from db.io import exporter, sheets
from db.io.importer import ImportFailed, import_csv
from terminal.cli import main

GBK_ITEMS = ("商品编码,商品名称,单位,成本单价,销售单价\n"
             "6901234567892,康师傅红烧牛肉面 五连包,包,9.50,12.80\n"
             "6902538004045,青岛啤酒 500ml×12,箱,45.00,58.00\n")


def failed(kind, source, **kw):
    with pytest.raises(ImportFailed) as info:
        import_csv(kind, source, **kw)
    return info.value.errors


def test_a_gbk_csv_with_chinese_headers_imports(store, tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(GBK_ITEMS.encode("gbk"))
    assert import_csv("items", path).created == 2
    noodles = Item.get(Item.sku == "6901234567892")
    assert (noodles.name, noodles.uom, noodles.unit_cost, noodles.unit_price) == (
        "康师傅红烧牛肉面 五连包", "包", Decimal("9.50"), Decimal("12.80"))
    assert Item.get(Item.sku == "6902538004045").name == "青岛啤酒 500ml×12"


def test_encodings_detected_forced_and_refused(store):
    utf8 = GBK_ITEMS.encode("utf-8")
    assert sheets.decode(b"\xef\xbb\xbf" + utf8) == GBK_ITEMS        # UTF-8 with a BOM
    assert sheets.decode(utf8) == GBK_ITEMS                          # UTF-8 without
    assert sheets.decode(GBK_ITEMS.encode("gb18030")) == GBK_ITEMS   # GBK / GB18030
    # Forced UTF-8 on a GBK file: refused on the first row that is not UTF-8 (the header).
    assert failed("items", GBK_ITEMS.encode("gbk"), encoding="utf-8") == [
        "row 1: the file is not utf-8 text (byte 0xc9)"]
    # Neither UTF-8 nor GB18030 (0xff never starts a GB18030 character): refused with its row.
    assert failed("items", b"sku,name\nA1,ok\nB2,bad \xff\n") == [
        "row 3: the file is not UTF-8 or GBK/GB18030 text (byte 0xff); save it as CSV UTF-8 or CSV GBK"]
    assert failed("items", "sku,name\nA1,x\x00\n".encode()) == [
        "row 2: the file holds a NUL byte: it is not a text file"]
    assert Item.select().count() == 0


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_workbook_imports_with_numbers_as_numbers(store, tmp_path):
    path = tmp_path / "suppliers.xlsx"
    path.write_bytes(workbook([["供应商编码", "供应商名称", "交货天数", "联系人"],
                               ["GYS01", "杭州娃哈哈集团", 5, "张经理"],
                               ["GYS02", "青岛啤酒股份", 12.0, None]]))
    assert import_csv("suppliers", path).created == 2
    wahaha = Supplier.get(Supplier.code == "GYS01")
    assert (wahaha.name, wahaha.lead_time_days, wahaha.contact) == ("杭州娃哈哈集团", 5, "张经理")
    assert Supplier.get(Supplier.code == "GYS02").lead_time_days == 12


def test_a_bad_xlsx_row_names_row_and_column_and_imports_nothing(store):
    data = workbook([["sku", "name", "unit_cost"], ["A1", "苹果汁", 2.5], ["B2", "螺栓", "贵"],
                     ["C3", "", 1]])
    assert failed("items", data) == [
        "row 3, column unit_cost: expected an amount like 12.50, got '贵'",
        "row 4, column name: a value is required"]
    assert Item.select().count() == 0
    assert failed("items", b"PK\x03\x04 not really a zip") == [
        "row 1: the file is not a readable Excel workbook (BadZipFile)"]


def test_export_in_chinese_reimports_as_csv_and_xlsx(store, tmp_path):
    import_csv("items", GBK_ITEMS.encode("gbk"))
    out = io.StringIO()
    exporter.write("items", "csv", out, lang="zh_CN")
    text = out.getvalue()
    assert text.splitlines()[0].startswith("商品编码,商品名称,单位,成本单价,销售单价")
    path = tmp_path / "items.xlsx"
    assert exporter.write_xlsx("items", path, lang="zh_CN") == 2
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "商品编码" and sheet["B2"].value == "康师傅红烧牛肉面 五连包"
    assert sheet["A2"].data_type == "s"            # a code stays text (leading zeros kept)
    Item.update(name="changed").execute()
    assert import_csv("items", path).updated == 2
    assert Item.get(Item.sku == "6901234567892").name == "康师傅红烧牛肉面 五连包"
    Item.update(name="changed").execute()
    assert import_csv("items", text.encode("utf-8")).updated == 2
    assert Item.get(Item.sku == "6902538004045").unit_price == Decimal("58.00")


def test_a_name_like_a_formula_is_written_as_text(store, tmp_path):
    path = tmp_path / "s.xlsx"
    import_csv("suppliers", "code,name\nS1,=1+2\n".encode())
    exporter.write_xlsx("suppliers", path)
    cell = load_workbook(path).active["B2"]
    assert (cell.value, cell.data_type) == ("=1+2", "s")


def test_import_and_export_commands_with_xlsx(sqlite_store, tmp_path, capsys):
    url = sqlite_store
    src = tmp_path / "items.csv"
    src.write_bytes(GBK_ITEMS.encode("gbk"))
    assert main(["--db", url, "import", "items", str(src)]) == 0
    out = tmp_path / "out.xlsx"
    assert main(["--db", url, "export", "items", "--format", "xlsx", "-o", str(out), "--lang", "zh_CN"]) == 0
    assert "exported 2 items rows to" in capsys.readouterr().err
    assert load_workbook(out).active["A1"].value == "商品编码"
    assert main(["--db", url, "import", "items", str(out)]) == 0
    assert "imported items: 2 rows, 0 created, 2 updated" in capsys.readouterr().out
    assert main(["--db", url, "export", "items", "--format", "xlsx"]) == 2
    assert "-o FILE.xlsx" in capsys.readouterr().err
    assert main(["--db", url, "import", "items", str(src), "--encoding", "utf-8"]) == 1
    assert "row 1: the file is not utf-8 text" in capsys.readouterr().err


def test_cell_text_matches_what_a_csv_would_hold():
    assert [sheets.cell_text(v) for v in (None, 12.0, 2.99, 7, True, dt.date(2026, 12, 5),
                                           dt.datetime(2026, 12, 5), " 康 ")] == [
        "", "12", "2.99", "7", "true", "2026-12-05", "2026-12-05", "康"]
