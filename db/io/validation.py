"""CSV row validation: what each import kind's columns are and how every cell is checked.

The header must name known columns of the kind (English or Chinese, db/io/headers.py), every
required one, none twice. Each cell is parsed by its column's parser; a blank cell takes the
column's default (or is an error in a required column). Duplicate keys inside one file are
refused. Every problem is collected as "row N, column C: message", with row numbers as a
spreadsheet shows them (the header is row 1), so one run reports them all.

References to the store (an item's SKU, a supplier's code) are checked by the importer, which
knows what is already there (db/io/importer.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from gettext import gettext as _
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from db.core.models import LOCATION_KINDS, ROLES
from db.core.errors import InvalidInput
from db.core.quantities import MAX_MONEY, MAX_QTY, check_decimals, decimals_of, parse_in_unit, parse_quantity
from db.core.text import hidden_characters, unneutralise_cell
from db.io import headers
from devices.gs1 import check_digit

Progress = Callable[[str, int, int], None]

MAX_TEXT = 255       # CharField is varchar(255); PostgreSQL refuses longer values


class CellError(ValueError):
    """A cell that does not parse; the message says what was expected."""


# --- cell parsers --------------------------------------------------------------------------

def p_text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise CellError(_("at most {max_text} characters, got {length}").format(max_text=MAX_TEXT, length=len(value)))
    if "\x00" in value:      # PostgreSQL cannot store it; no text needs it
        raise CellError(_("text without NUL characters, got {value!r}").format(value=value))
    return value


def p_code(value: str) -> str:
    value = p_text(value)
    bad = hidden_characters(value)
    if bad:
        raise CellError(_("a code of visible characters only, got {value!r} (holds {bad})").format(
            value=value, bad=", ".join(bad)))
    return value


def p_int(value: str, minimum: int = 0) -> int:
    if len(value) > 40:        # no number of ours is that long; Decimal of a huge exponent is slow
        raise CellError(_("expected a whole number of at most {max_qty}, got {start!r}… ({length} characters)").format(
            max_qty=MAX_QTY, start=value[:20], length=len(value)))
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("expected a whole number, got {value!r}").format(value=value)) from None
    if not number.is_finite():
        raise CellError(_("expected a whole number, got {value!r}").format(value=value))
    if number.adjusted() > 15:
        raise CellError(_("expected a whole number of at most {max_qty}, got {value!r}").format(max_qty=MAX_QTY, value=value))
    if number != number.to_integral_value():
        raise CellError(_("expected a whole number, got {value!r}").format(value=value))
    number = int(number)
    if number < minimum:
        raise CellError(_("expected a whole number of at least {minimum}, got {value!r}").format(minimum=minimum, value=value))
    if number > MAX_QTY:
        raise CellError(_("expected a whole number of at most {max_qty}, got {value!r}").format(max_qty=MAX_QTY, value=value))
    return number


def p_positive(value: str) -> int:
    return p_int(value, minimum=1)


def p_quantity(value: str) -> Decimal:
    """A quantity as typed in a sheet (`12`, `1.250`): an exact Decimal above 0. Its precision
    is checked against the item by the importer (`stored_quantity`), which knows the item."""
    number = _decimal_quantity(value)
    if number <= 0:
        raise CellError(_("expected a quantity above 0, got {value!r}").format(value=value))
    return number


def p_quantity0(value: str) -> Decimal:
    """A quantity of 0 or more (reorder point, maximum)."""
    number = _decimal_quantity(value)
    if number < 0:
        raise CellError(_("expected a quantity of 0 or more, got {value!r}").format(value=value))
    return number


def _decimal_quantity(value: str) -> Decimal | int:
    if value.isdigit() and len(value) <= 10:
        return int(value)          # a whole number, exact: the common case, read fast
    if len(value) > 40:
        raise CellError(_("expected a quantity like 12 or 1.250, got {start!r}… ({length} characters)").format(
            start=value[:20], length=len(value)))
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("expected a quantity like 12 or 1.250, got {value!r}").format(value=value)) from None
    if not number.is_finite():
        raise CellError(_("expected a quantity like 12 or 1.250, got {value!r}").format(value=value))
    if number.adjusted() > 9:
        raise CellError(_("expected a quantity of at most {max_qty}, got {value!r}").format(max_qty=MAX_QTY, value=value))
    return number


def p_decimals(value: str) -> int:
    try:
        return check_decimals(value)
    except InvalidInput as exc:
        raise CellError(str(exc)) from None


def stored_quantity(check: "Checker", row: "Row", column: str, precision, factor: int | None = None,
                    unit: str = "", *, allow_zero: bool = False) -> int | None:
    """ROW's COLUMN (a Decimal from p_quantity) as the stored integer of the item PRECISION,
    in the named unit of FACTOR stored units when given; an error on the row and None when it
    has more decimals than the item (or the unit) allows. Writes the stored value back."""
    value = row.values.get(column)
    if value is None:
        return None
    if factor is None and type(value) is int:
        # The common case, a whole number (p_quantity reads digits as an int): exact, no message
        # to build unless it is out of bounds.
        places = decimals_of(precision)
        stored = value * 10 ** places if places else value
        if (stored > 0 or allow_zero) and stored <= MAX_QTY:
            row.values[column] = stored
            return stored
    try:
        if factor is None:
            stored = parse_quantity(value, precision, column, allow_zero=allow_zero)
        else:
            stored = parse_in_unit(value, factor, precision, unit, column, allow_zero=allow_zero)
        if stored > MAX_QTY:
            raise InvalidInput(_("{column} {value} is out of range: at most {max_qty} stored units").format(
                column=column, value=value, max_qty=MAX_QTY))
    except InvalidInput as exc:
        check.add(row.number, column, str(exc))
        row.values[column] = None
        return None
    row.values[column] = stored
    return stored


def p_money(value: str) -> Decimal:
    if len(value) > 40:
        raise CellError(_("expected an amount like 12.50, got {start!r}… ({length} characters)").format(
            start=value[:20], length=len(value)))
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("expected an amount like 12.50, got {value!r}").format(value=value)) from None
    if not number.is_finite() or number < 0:
        raise CellError(_("expected an amount of 0 or more like 12.50, got {value!r}").format(value=value))
    if number > MAX_MONEY:
        raise CellError(_("expected an amount of at most {max_money}, got {value!r}").format(max_money=MAX_MONEY, value=value))
    if number != number.quantize(Decimal("0.0001")):
        raise CellError(_("expected at most 4 decimal places, got {value!r}").format(value=value))
    return number


_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def p_bool(value: str) -> bool:
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise CellError(_("expected true/false/yes/no/1/0, got {value!r}").format(value=value))


def p_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CellError(_("expected an ISO 8601 date like 2025-03-31, got {value!r}").format(value=value)) from None
    if moment.time() != dt.time(0):
        raise CellError(_("expected a date without a time of day, got {value!r}").format(value=value))
    return moment.date()


def p_kind(value: str) -> str:
    if value not in LOCATION_KINDS:
        raise CellError(_("expected one of {items}, got {value!r}").format(items=", ".join(LOCATION_KINDS), value=value))
    return value


def p_role(value: str) -> str:
    low = value.lower()
    if low not in ROLES:
        raise CellError(_("expected one of {items}, got {value!r}").format(items=", ".join(ROLES), value=value))
    return low


def p_priority(value: str) -> int:
    number = p_int(value, minimum=1)
    if number > 9:
        raise CellError(_("expected a priority from 1 (most urgent) to 9, got {value!r}").format(value=value))
    return number


def p_barcode(value: str) -> str:
    value = p_code(value)
    if "E+" in value.upper() and value.replace(".", "").replace("E+", "").replace("e+", "").isdigit():
        raise CellError(_("{value!r} looks like a number a spreadsheet turned into scientific "
                          "notation; format the column as text and export again").format(value=value))
    # All-digit codes of a GTIN length are GTINs: a wrong check digit is a typing error.
    if value.isdigit() and len(value) in (8, 12, 13, 14):
        want = str(check_digit(value[:-1]))
        if value[-1] != want:
            raise CellError(_("GTIN {value} has a wrong check digit: expected {want}, got {last}").format(
                value=value, want=want, last=value[-1]))
    return value


@dataclass(frozen=True)
class Col:
    name: str
    parse: Callable[[str], Any] = p_text
    required: bool = False       # the header must have it and no cell may be blank
    default: Any = None          # value of a blank cell


@dataclass(frozen=True)
class Spec:
    columns: tuple[Col, ...]
    key: tuple[str, ...]         # duplicate keys inside one file are refused

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


SPECS: dict[str, Spec] = {
    "items": Spec((
        Col("sku", p_code, True), Col("name", p_text, True), Col("uom", p_text, default="EA"),
        Col("unit_cost", p_money, default=Decimal(0)), Col("unit_price", p_money, default=Decimal(0)),
        Col("reorder_point", p_quantity0, default=Decimal(0)), Col("reorder_qty", p_quantity0, default=Decimal(0)),
        Col("max_qty", p_quantity0, default=Decimal(0)), Col("lot_tracked", p_bool, default=False),
        Col("expiry_tracked", p_bool, default=False), Col("supplier", p_code),
        Col("min_shelf_life_days", p_int, default=0), Col("decimals", p_decimals, default=0)), ("sku",)),
    "barcodes": Spec((
        Col("barcode", p_barcode, True), Col("sku", p_code, True),
        Col("pack_qty", p_quantity, default=Decimal(1))), ("barcode",)),
    "units": Spec((
        Col("sku", p_code, True), Col("unit", p_code, True), Col("factor", p_quantity, True),
        Col("barcode", p_barcode), Col("purchase_price", p_money), Col("sales_price", p_money)),
        ("sku", "unit")),
    "locations": Spec((
        Col("code", p_code, True), Col("warehouse", p_code), Col("zone", p_text, default=""),
        Col("kind", p_kind, default="storage"), Col("pick_sequence", p_int, default=0)), ("code",)),
    "suppliers": Spec((
        Col("code", p_code, True), Col("name", p_text, True),
        Col("lead_time_days", p_int, default=7), Col("contact", p_text, default=""),
        Col("terms_days", p_int)), ("code",)),
    "customers": Spec((
        Col("code", p_code, True), Col("name", p_text, True), Col("contact", p_text, default=""),
        Col("address", p_text, default=""), Col("terms_days", p_int),
        Col("credit_limit", p_money, default=Decimal(0))), ("code",)),
    "purchase-orders": Spec((
        Col("po", p_code, True), Col("supplier", p_code, True), Col("sku", p_code, True),
        Col("qty", p_quantity, True), Col("unit_cost", p_money), Col("expected_date", p_date),
        Col("unit", p_code)),
        ("po", "sku")),
    "sales-orders": Spec((
        Col("so", p_code, True), Col("customer", p_code, True), Col("sku", p_code, True),
        Col("qty", p_quantity, True), Col("unit_price", p_money), Col("due_date", p_date),
        Col("priority", p_priority), Col("unit", p_code)), ("so", "sku")),
    "stock": Spec((
        Col("sku", p_code, True), Col("location", p_code, True), Col("qty", p_quantity, True),
        Col("lot", p_code), Col("expiry", p_date)), ("sku", "location", "lot")),
    "operators": Spec((
        Col("code", p_code, True), Col("name", p_text, True),
        Col("role", p_role, default="worker")), ("code",)),
}

KINDS = tuple(SPECS)


@dataclass
class Row:
    number: int                  # spreadsheet row number (header is 1)
    values: dict[str, Any]       # parsed values of the columns present in the file


def at_row(row: int, column: str | None, message: str) -> str:
    """MESSAGE about ROW (and COLUMN) of a file: "row N, column C: message", the one place the
    prefix is built (the sheet reader, the importers and the checks all say it this way)."""
    if column:
        return _("row {row}, column {column}: {message}").format(row=row, column=column, message=message)
    return _("row {row}: {message}").format(row=row, message=message)


class Checker:
    """Collects errors as 'row N, column C: message' (at_row), remembering each one's row so
    they sort as the user fixes them, top to bottom, in whichever language they read."""

    def __init__(self):
        self.errors: list[str] = []
        self.row_of: dict[str, int] = {}

    def add(self, row: int, column: str | None, message: str) -> None:
        text = at_row(row, column, message)
        self.errors.append(text)
        self.row_of.setdefault(text, row)

    def sort(self) -> None:
        """The errors by row number (stable: a row's errors keep the order they were found)."""
        self.errors.sort(key=lambda text: self.row_of.get(text, 0))


# --- reading the rows ------------------------------------------------------------------------

def parse_rows(kind: str, records: list[list[str]], check: Checker,
               progress: Progress | None = None) -> tuple[list[str], list[Row]]:
    """Header check and per-cell parsing. Returns the columns present and the parsed rows.
    A header may be the column's English name or its Chinese one (db/io/headers.py)."""
    spec = SPECS[kind]
    if not records or not any(c.strip() for c in records[0]):
        check.add(1, None, _("the file is empty: expected a header row {columns}").format(columns=",".join(spec.names)))
        return [], []
    header = [headers.canonical(kind, c.strip(), spec.names) for c in records[0]]
    by_name = {c.name: c for c in spec.columns}
    seen: set[str] = set()
    for name in header:
        if name not in by_name:
            shown = name if name else _("(blank)")
            check.add(1, shown, _("unknown column for {kind}; expected columns: {columns}").format(
                kind=kind, columns=",".join(spec.names)))
        elif name in seen:
            check.add(1, name, _("this column appears twice"))
        seen.add(name)
    for col in spec.columns:
        if col.required and col.name not in seen:
            check.add(1, col.name, _("required column is missing; expected columns: {columns}").format(
                columns=",".join(spec.names)))
    if check.errors:
        return header, []

    cols = [by_name[name] for name in header]
    rows: list[Row] = []
    total = len(records) - 1
    for offset, record in enumerate(records[1:]):
        number = offset + 2
        if progress and offset % 5000 == 0:
            progress("checking", offset, total)
        if not any(cell.strip() for cell in record):
            continue                       # blank line: spreadsheets leave these at the end
        if len(record) > len(cols) and any(c.strip() for c in record[len(cols):]):
            check.add(number, None, _("{cells} cells but the header has {columns} columns").format(
                cells=len(record), columns=len(cols)))
            continue
        values: dict[str, Any] = {}
        for i, col in enumerate(cols):
            cell = record[i].strip() if i < len(record) else ""
            if cell[:1] == "'":      # a cell an export neutralised ('=…) reads back as it was
                cell = unneutralise_cell(cell)
            if cell == "":
                if col.required:
                    check.add(number, col.name, _("a value is required"))
                values[col.name] = col.default
                continue
            try:
                values[col.name] = col.parse(cell)
            except CellError as exc:
                check.add(number, col.name, str(exc))
                values[col.name] = None
        rows.append(Row(number, values))
    if progress:
        progress("checking", total, total)
    return header, rows


def check_duplicates(kind: str, rows: list[Row], check: Checker) -> None:
    key = SPECS[kind].key
    first: dict[tuple, int] = {}
    for row in rows:
        value = tuple(row.values.get(k) for k in key)
        if any(v is None for k, v in zip(key, value) if SPECS[kind].columns[SPECS[kind].names.index(k)].required):
            continue
        if value in first:
            shown = ", ".join(f"{k} {v!s}" for k, v in zip(key, value) if v is not None)
            check.add(row.number, key[-1] if len(key) > 1 else key[0],
                      _("duplicate {shown}: already on row {row}").format(shown=shown, row=first[value]))
        else:
            first[value] = row.number
