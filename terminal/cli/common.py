"""What every `wh` command shares: config, opening the store, errors, and table/csv/json output."""
from __future__ import annotations

from gettext import gettext as _

from terminal.i18n import N_, cell_word, shown

import datetime as dt
import json
import sys
from decimal import Decimal
from typing import Any, Iterable, Sequence

from db.core.quantities import Qty


# The column names of the tables the commands of terminal/cli print (report columns are marked in
# db/reports): marked here for the catalogue, translated where a table shows them (`_table`).
# CSV headers and JSON keys stay these English names: they are a contract.
CLI_COLUMNS = (
    N_("1st"),
    N_("2nd"),
    N_("action"),
    N_("active"),
    N_("at"),
    N_("barcode"),
    N_("by"),
    N_("created_at"),
    N_("created_by"),
    N_("detail"),
    N_("done"),
    N_("error"),
    N_("exp"),
    N_("expected"),
    N_("expected_date"),
    N_("expiry"),
    N_("first"),
    N_("first_by"),
    N_("id"),
    N_("last_counted_at"),
    N_("last_counted_by"),
    N_("line"),
    N_("lines"),
    N_("location"),
    N_("locations"),
    N_("locked_s"),
    N_("lot"),
    N_("name"),
    N_("note"),
    N_("op"),
    N_("operator"),
    N_("pin"),
    N_("po"),
    N_("qty"),
    N_("queued_at"),
    N_("role"),
    N_("rounds"),
    N_("scans"),
    N_("scope"),
    N_("second"),
    N_("second_by"),
    N_("sku"),
    N_("station"),
    N_("status"),
    N_("supplier"),
    N_("to_count"),
    N_("to_recount"),
    N_("to_review"),
    N_("value"),
    N_("var"),
    N_("variance"),
    N_("what"),
    N_("zone"),
)


class CliError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def command(sub, name: str, handler, help: str, needs_db: bool = True):
    """Add a subcommand whose handler is `handler(args) -> int | None`."""
    parser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(func=handler, needs_db=needs_db)
    return parser


def add_format(parser, choices=("table", "csv", "json"), default="table"):
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")


def add_operator(parser, required: bool = True):
    parser.add_argument("--operator", required=required, metavar="OP", help="operator code doing this")
    parser.add_argument("--pin", metavar="PIN", help="the supervisor's PIN, for supervisor actions when "
                        "the operator has one (else $WH_PIN, else asked on a terminal)")


def run_handler(args) -> int:
    from terminal import config as config_mod
    try:
        args.cfg = config_mod.load(args.config, args.db)
    except config_mod.ConfigError as exc:
        raise CliError(str(exc), code=2) from None
    from terminal import i18n
    i18n.set_language(args.lang or args.cfg.values["station"]["language"])
    from db.core.errors import WarehouseError
    try:
        if not getattr(args, "needs_db", True):
            return args.func(args) or 0
        open_store(args.cfg)
        from db.masterdata import security
        security.configure_from(args.cfg)
        from db.money import settings as money_settings
        money_settings.configure_from(args.cfg)
        # Supervisor actions of an operator with a PIN ask this source for it (db/masterdata/security.py).
        with security.pin_source(_pin_of(args), station=args.cfg.station_id):
            return args.func(args) or 0
    except WarehouseError as exc:
        raise CliError(str(exc), code=1) from None
    except RecursionError:
        raise CliError("the input nests too deeply to be read", code=1) from None
    except Exception as exc:
        import peewee
        from db.core.connection import is_conflict
        if is_conflict(exc):     # retried inside the operation already: say so, no traceback
            raise CliError("the store stayed busy with other stations' work (PostgreSQL broke a "
                           "deadlock); nothing was posted, try again", code=1) from None
        if isinstance(exc, (peewee.DatabaseError, peewee.InterfaceError)):
            # What the store itself refused (a value out of a column's range, say): its
            # transaction was rolled back.
            from db.masterdata.security import redact
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CliError(f"the store refused the operation ({redact(text, args.cfg.db_url)}); "
                           f"its transaction was rolled back", code=1) from None
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            # A path that cannot be made or read (too long, a folder, no permission).
            where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
            raise CliError(f"cannot use{where}: {exc.strerror or exc}", code=1) from None
        raise


def _pin_of(args):
    """A supervisor's PIN: --pin, else $WH_PIN, else asked (never echoed) on a terminal."""
    import os

    def source(code: str) -> str | None:
        pin = getattr(args, "pin", None) or os.environ.get("WH_PIN")
        if pin:
            return pin
        # Never prompt inside the full-screen app (`wh run`): it asks with its own dialog.
        if sys.stdin.isatty() and getattr(args, "command", None) != "run":
            import getpass
            return getpass.getpass(f"PIN of supervisor {code}: ")
        return None
    return source


def open_store(cfg):
    """Open the configured store. Errors never show the database password."""
    import peewee
    from db.core.connection import describe_url, open_database
    dbcfg = cfg.section("database")
    try:
        if dbcfg["pg_keepalive_s"] < 0 or dbcfg["pg_statement_timeout_ms"] < 0:
            raise ValueError(_('[database] pg_keepalive_s and pg_statement_timeout_ms must be 0 (off) or '
                               'more, got {pg_keepalive_s} and {pg_statement_timeout_ms}').format(
                                 pg_keepalive_s=dbcfg['pg_keepalive_s'],
                                 pg_statement_timeout_ms=dbcfg['pg_statement_timeout_ms']))
        db = open_database(dbcfg["url"], synchronous=dbcfg["sqlite_synchronous"],
                           busy_timeout_ms=dbcfg["busy_timeout_ms"], keepalive_s=dbcfg["pg_keepalive_s"],
                           statement_timeout_ms=dbcfg["pg_statement_timeout_ms"])
        db.connect(reuse_if_open=True)
    except ValueError as exc:
        raise CliError(str(exc), code=2) from None
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:
        from db.masterdata.security import redact
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CliError(_('cannot open the store {describe_url}: {redact}').format(
                           describe_url=describe_url(dbcfg['url']), redact=redact(first, dbcfg['url'])),
                       code=1) from None
    return db


def station_of(args) -> str:
    return args.cfg.station_id


def _plain(value: Any) -> Any:
    if isinstance(value, Qty):
        return float(value)          # JSON: 1.25 is exactly 1.250 (three decimals round-trip)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class ScreenSafe:
    """A terminal as a stream: each line written with control and format characters shown as
    escapes (db/core/text.py). CSV or JSON piped or written to a file stays the exact data."""

    def __init__(self, stream):
        # The stream underneath (Rich writes its own styling to it: table cells are escaped
        # before they reach Rich).
        self.stream = stream.stream if isinstance(stream, ScreenSafe) else stream

    def write(self, text: str) -> int:
        from db.core.text import printable
        # Tabs stay: they lay a message's fields out and move nothing else.
        self.stream.write("\n".join(printable(part, keep="\t") for part in text.split("\n")))
        return len(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def screen_safe(stream):
    """STREAM, or when it is a terminal, STREAM that shows names' escape sequences as text."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return ScreenSafe(stream) if tty and not isinstance(stream, ScreenSafe) else stream


def emit(rows: Sequence[dict], columns: Sequence[str], fmt: str = "table", *, title: str | None = None,
         out=None, extra: dict | None = None) -> None:
    """Print ROWS as a table, CSV or JSON. JSON is a list of objects, or, with EXTRA, an object
    holding EXTRA plus the rows under "rows"."""
    out = out or sys.stdout
    if fmt != "table":
        out = screen_safe(out)
    if fmt == "json":
        data = [{c: _plain(r.get(c)) for c in columns} for r in rows]
        if extra is not None:
            payload = {k: _plain(v) for k, v in extra.items()}
            payload["rows"] = data
            json.dump(payload, out, indent=2, ensure_ascii=False, default=str)
        else:
            json.dump(data, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
    elif fmt == "csv":
        from db.core.text import neutralise_cell
        from db.io.exporter import CsvWriter
        writer = CsvWriter(out)
        writer.writerow(columns)
        for r in rows:
            # Text cells that a spreadsheet would run as a formula get a ' (OWASP); numbers stay.
            writer.writerow(["" if r.get(c) is None else str(r[c]) if isinstance(r.get(c), Qty) else
                             neutralise_cell(v) if isinstance(v := _plain(r.get(c)), str) else v
                             for c in columns])
    else:
        # Rich writes its own styling to the stream underneath: the cells are escaped already.
        _table(rows, columns, title, out.stream if isinstance(out, ScreenSafe) else out)


# The table's frame per column: one space of padding each side, one between columns.
_COLUMN_FRAME = 3


def _table(rows: Sequence[dict], columns: Sequence[str], title: str | None, out) -> None:
    """ROWS as a table as wide as the terminal (piped, as wide as it needs), measured in
    terminal cells. Numbers, dates and codes (one word: a SKU, a lot, a location) are never
    wrapped nor cut; text with spaces (a name) wraps in its cell. When even that does not fit,
    text columns are left out, from the right, and a line under the table says which."""
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    console = Console(file=out)
    cells = {c: [_cell(cell_word(c, r.get(c))) for r in rows] for c in columns}
    unlimited = not console.is_terminal
    if unlimited:
        # Piped to a file or another program: no terminal to fit, so nothing is left out.
        console = Console(file=out, width=10_000)
    specs = []
    for c in columns:
        values = [r.get(c) for r in rows if r.get(c) is not None]
        numeric = any(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values)
        code = bool(values) and all(isinstance(v, str) and len(v.split()) <= 1 and len(v) <= 24 for v in values)
        whole = numeric or code or any(isinstance(v, (dt.date, dt.datetime)) for v in values)
        widest = max([cell_len(v) for v in cells[c]] or [0])
        # A whole column needs its widest value; a wrapping one at least 8 cells (or its widest).
        need = max(widest, cell_len(shown(c))) if whole else min(max(widest, cell_len(shown(c)), 1), 8)
        specs.append([c, numeric, whole, need])
    left_out = []
    while not unlimited and len(specs) > 1 and sum(s[3] + _COLUMN_FRAME for s in specs) > console.width:
        text = [s for s in specs if not s[1]]
        drop = next((s for s in reversed(text) if not s[2]), None) or (text[-1] if text else specs[-1])
        specs.remove(drop)
        left_out.append(drop[0])
    from rich.text import Text
    from db.core.text import printable
    # Titles and headers come from db/reports in English (marked N_ there): translated as shown;
    # CSV and JSON keep the English names (a contract).
    table = Table(title=Text(printable(shown(title))) if title else title, show_lines=False, header_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for c, numeric, whole, need in specs:
        table.add_column(shown(c), justify="right" if numeric else "left", no_wrap=whole, overflow="fold",
                         min_width=need if whole else None)
    for n in range(len(rows)):
        table.add_row(*[Text(cells[s[0]][n]) for s in specs])
    console.print(table)
    if left_out:
        console.print(_('(left out to fit {width} columns: {items}; a wider terminal or --format csv shows '
                        'them)').format(
                          width=console.width, items=', '.join(shown(c) for c in reversed(left_out))),
                      markup=False, highlight=False)
    if not rows:
        print(_("(none)"), file=out)


def _cell(value: Any) -> str:
    """A table cell: numbers rounded for display; text with control and format characters
    shown as escapes (a name may hold ESC sequences). `_table` adds it as plain text, never
    Rich markup."""
    if value is None:
        return ""
    if isinstance(value, Qty):
        return str(value)            # a quantity with its item's decimals: 1.250 kg, never 1.25
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    from db.core.text import printable
    return printable(str(_plain(value)))


def parse_date(text: str | None, name: str = "date") -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(_('--{name} must be a date as YYYY-MM-DD, got {text!r}').format(
                           name=name, text=text), code=2) from None


def lines(items: Iterable[str]) -> None:
    for line in items:
        print(line)


def qty_arg(text: str, sku: str, option: str = "--qty", unit: str | None = None, *,
            allow_zero: bool = False, signed: bool = False) -> int:
    """A quantity option as the stored integer of item SKU: in its base unit (as many decimals
    as the item allows: `--qty 1.25` of rice by the kg), or in its named UNIT (`--unit 箱`).
    A refusal names the item, the quantity and the precision."""
    from db.core.quantities import parse_in_unit, parse_quantity
    from db.masterdata import find_unit, get_item
    item = get_item(sku)
    named = find_unit(item, unit)
    text = str(text).strip()
    negative = signed and text.startswith("-")
    body = text[1:] if negative else text
    from db.core.errors import InvalidInput
    try:
        if named is None:
            stored = parse_quantity(body, item, option, allow_zero=allow_zero)
        else:
            stored = parse_in_unit(body, named.factor, item, named.name, option, allow_zero=allow_zero)
    except InvalidInput as exc:
        raise CliError(str(exc), code=2) from None      # a usage error, as argparse's own
    return -stored if negative else stored


def qty_text(stored: int, item) -> str:
    """A stored quantity as a message shows it: `1.250 kg`, `12 EA`."""
    from db.core.quantities import with_uom
    return with_uom(stored, item)
