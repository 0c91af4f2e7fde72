"""Reading and writing the files offices keep data in: CSV (UTF-8 or GB18030/GBK) and Excel.

Why detection and not "save it as CSV UTF-8": Chinese offices save CSV from Excel in GBK (the
code page Excel uses on a Chinese Windows) and keep most data in .xlsx workbooks. Every file
becomes the same thing, a list of rows of text cells, so the importer's checks and its
"row N, column C" messages are the same whatever the file was.

Encodings, in the order tried: a UTF-8 byte-order mark means UTF-8; else strict UTF-8; else
strict GB18030 (a superset of GBK and GB2312). A file that is neither is refused, naming the
row of the first byte that fits neither. `encoding=` forces one.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from decimal import Decimal
from gettext import gettext as _
from pathlib import Path
from typing import Any, Iterable

from db.core.errors import InvalidInput

XLSX_MAGIC = b"PK\x03\x04"          # an .xlsx workbook is a zip archive
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gbk", "gb2312": "gbk",
             "gb18030": "gb18030"}


class SheetError(InvalidInput):
    """The file cannot be read as rows; `row` is the row it stopped at (1 = the header)."""

    def __init__(self, row: int, message: str):
        self.row = row
        from db.io.validation import at_row
        super().__init__(at_row(row, None, message))


def _row_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def decode(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file's bytes, in ENCODING or the one detected."""
    if encoding:
        codec = ENCODINGS.get(encoding.lower().replace("_", "-"))
        if codec is None:
            raise InvalidInput(_("unknown encoding {encoding!r}: expected utf-8, gbk or gb18030").format(encoding=encoding))
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise SheetError(_row_of(data, exc.start),
                             _("the file is not {encoding} text (byte 0x{byte:02x})").format(
                                 encoding=encoding, byte=data[exc.start])) from None
        return _no_nul(text)
    if data.startswith(codecs.BOM_UTF8):
        return decode(data, "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SheetError(1, _("the file is UTF-16 text; save it as CSV (UTF-8 or GBK)"))
    try:
        return _no_nul(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        return _no_nul(data.decode("gb18030"))
    except UnicodeDecodeError as exc:
        raise SheetError(_row_of(data, exc.start),
                         _("the file is not UTF-8 or GBK/GB18030 text (byte 0x{byte:02x}); "
                           "save it as CSV UTF-8 or CSV GBK").format(byte=data[exc.start])) from None


def _no_nul(text: str) -> str:
    at = text.find("\x00")
    if at >= 0:
        raise SheetError(text[:at].count("\n") + 1, _("the file holds a NUL byte: it is not a text file"))
    return text


def is_xlsx(source: str | Path | bytes) -> bool:
    if isinstance(source, bytes):
        return source.startswith(XLSX_MAGIC)
    return str(source).lower().endswith((".xlsx", ".xlsm"))


def read(source: str | Path | bytes, encoding: str | None = None) -> tuple[list[list[str]], str]:
    """Every row of a CSV or xlsx file (its first sheet) as lists of text cells, and the file's
    text (a workbook's as the CSV it would save), which identifies the file's content."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if data.startswith(XLSX_MAGIC):
        rows = xlsx_rows(data)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return rows, out.getvalue()
    if is_xlsx(source):
        raise SheetError(1, _("the file is named .xlsx but is not an Excel workbook"))
    text = decode(data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        # A cell past the csv module's limit of 131,072 characters, say: no cell of ours is.
        raise SheetError(reader.line_num, _("cannot read this row: {error}; a cell holds at most 255 characters").format(
            error=exc)) from None
    return rows, text


def xlsx_rows(data: bytes) -> list[list[str]]:
    """The first sheet of a workbook, each cell as the text a CSV export of it would hold."""
    import zipfile
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetError(1, _("the file is not a readable Excel workbook ({error})").format(error=type(exc).__name__)) from None
    try:
        sheet = book.worksheets[0]
        return [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Excel keeps every number as a double: 12.0 is the whole number 12, 2.99 is 2.99.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep="T")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def write_xlsx(path: str | Path, header: list[str], rows: Iterable[list[Any]], title: str = "data") -> int:
    """A workbook of one sheet: HEADER then ROWS, numbers as numbers and text as text (never a
    formula: a name starting with '=' stays that name). Returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                value = float(value) if value == value.quantize(Decimal("0.0001")) else str(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    book.save(str(path))
    return count
