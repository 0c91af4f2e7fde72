"""`wh count create|list|show|approve|reject|set|upload|cancel`: cycle counts from the command
line (docs/counts.md). The rules live in db/counts.py; this only parses and prints."""
from __future__ import annotations

from gettext import gettext as _, pgettext

import json
import sys
from pathlib import Path

from terminal.i18n import NC_

from .common import CliError, add_format, add_operator, command, emit, station_of

LINE_COLUMNS = ["line", "location", "sku", "lot", "expected", "first", "first_by", "second",
                "second_by", "variance", "value", "status", "note"]

TABLE_COLUMNS = ["line", "location", "sku", "lot", "exp", "1st", "2nd", "by", "var", "value", "status"]


def register(sub) -> None:
    group = command(sub, "count", _no_subcommand, "cycle counts: plans, counts, recounts and approvals",
                    needs_db=False)
    group.set_defaults(group_parser=group)
    csub = group.add_subparsers(dest="count_command", metavar="COMMAND")

    p = command(csub, "create", cmd_create, "create a count plan: one task per location (supervisor)")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--zones", metavar="Z1,Z2", help="every location of these zones")
    scope.add_argument("--locations", metavar="A,B", help="these locations")
    scope.add_argument("--items", metavar="SKU1,SKU2", help="these items, wherever they are in stock")
    scope.add_argument("--abc", metavar="CLASS", choices=("A", "B", "C", "a", "b", "c"),
                       help="items of this ABC class not counted within [count] frequency_<class>_days")
    scope.add_argument("--recent-shorts", action="store_true",
                       help="locations with a short pick or a count variance in the last --days days")
    scope.add_argument("--random", type=int, metavar="N", help="N random storage locations")
    p.add_argument("--days", type=int, default=30, metavar="N", help="look-back for --recent-shorts (default 30)")
    p.add_argument("--seed", type=int, metavar="N", help="seed for --random (repeatable samples)")
    p.add_argument("--warehouse", metavar="CODE", help="only locations of this warehouse")
    p.add_argument("--no-blind", action="store_true", help="show the counter the expected quantities")
    p.add_argument("--note", default="", metavar="TEXT")
    add_operator(p)
    add_format(p)

    p = command(csub, "list", cmd_list, "count plans and how far each has got")
    p.add_argument("--status", choices=("open", "closed", "cancelled", "all"), default="open")
    add_format(p)

    p = command(csub, "show", cmd_show, "a count's lines: expected, every count, variance and status")
    p.add_argument("count_id", type=int, metavar="ID")
    add_format(p)

    p = command(csub, "approve", cmd_approve,
                "post the adjustment of one line, or of every line waiting for approval (supervisor)")
    p.add_argument("count_id", type=int, metavar="ID")
    p.add_argument("--line", type=int, metavar="N", help="only this line (default: every line waiting for approval)")
    p.add_argument("--reason", default="COUNT", metavar="R", help="reason code (default COUNT)")
    add_operator(p)

    p = command(csub, "reject", cmd_reject, "order a recount of a line (supervisor)")
    p.add_argument("count_id", type=int, metavar="ID")
    p.add_argument("--line", type=int, required=True, metavar="N")
    p.add_argument("--note", default="", metavar="TEXT", help="why, for the audit trail")
    add_operator(p)

    p = command(csub, "set", cmd_set, "set a line's true quantity with a reason and post it (supervisor)")
    p.add_argument("count_id", type=int, metavar="ID")
    p.add_argument("--line", type=int, required=True, metavar="N")
    p.add_argument("--qty", required=True, metavar="Q", help="the quantity on the shelf at the count (base unit, "
                                                             "decimals as the item allows)")
    p.add_argument("--reason", required=True, metavar="R", help="reason code, e.g. MISCOUNT")
    add_operator(p)

    p = command(csub, "upload", cmd_upload,
                "count a location from a batch scanner file (lines of barcode[,qty])")
    p.add_argument("count_id", type=int, metavar="ID")
    p.add_argument("file", metavar="FILE", help="the scanner's dump; - reads standard input")
    p.add_argument("--location", required=True, metavar="LOC")
    add_operator(p)
    add_format(p, choices=("table", "json"))

    p = command(csub, "cancel", cmd_cancel, "cancel what is left of a count (supervisor)")
    p.add_argument("count_id", type=int, metavar="ID")
    add_operator(p)


def _json_value(value):
    import datetime as dt
    from decimal import Decimal
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _no_subcommand(args) -> int:
    args.group_parser.print_help()
    return 2


def _settings(args):
    from db.counts import CountSettings
    return CountSettings.from_config(args.cfg)


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise CliError(_('the list is empty: give codes separated by commas'), code=2)
    return parts


def cmd_create(args) -> int:
    from db import counts
    count = counts.create_count(
        operator=args.operator, station=station_of(args), zones=_split(args.zones),
        locations=_split(args.locations), items=_split(args.items), abc=args.abc,
        recent_shorts=args.recent_shorts, random_n=args.random, days=args.days,
        warehouse=args.warehouse, seed=args.seed, blind=False if args.no_blind else None,
        note=args.note, settings=_settings(args))
    tasks = [t.location.code for t in counts.open_tasks(count.id)]
    if args.format == "json":
        json.dump({"id": count.id, "document": count.document, "scope": count.scope,
                   "detail": count.scope_detail, "blind": count.blind, "locations": tasks,
                   "skipped": count.skipped}, sys.stdout, indent=2)
        print()
    elif args.format == "csv":
        emit([{"id": count.id, "location": loc} for loc in tasks], ["id", "location"], "csv")
    else:
        print(_('count {id} created ({scope}: {scope_detail}): {n_tasks} locations to count: {items}').format(
                  id=count.id, scope=scope_word(count.scope), scope_detail=count.scope_detail, n_tasks=len(tasks),
                  items=', '.join(tasks)))
        for note in count.skipped:
            print(_('  skipped: {note}').format(note=note))
    return 0


def cmd_list(args) -> int:
    from db.counts import list_counts
    rows = list_counts(args.status)
    emit(rows, ["id", "status", "scope", "detail", "locations", "to_count", "to_recount",
                "to_review", "done", "created_by", "created_at"], args.format, title=_('Counts'))
    return 0


# A count's scope as stored (data: JSON keeps it), in words where a message shows it; in a
# context of its own ("locations" is also a column: how many locations).
SCOPE = "count scope"
SCOPE_WORDS = (NC_("count scope", "zones"), NC_("count scope", "locations"), NC_("count scope", "items"),
               NC_("count scope", "abc"), NC_("count scope", "recent-shorts"), NC_("count scope", "random"),
               NC_("count scope", "request"))


def scope_word(scope: str) -> str:
    return pgettext(SCOPE, scope) if scope else scope
QUANTITY_KEYS = ("expected", "counted", "first", "second", "variance", "adjusted")


def _in_base_units(line: dict) -> dict:
    """A count line's quantities in the item's base unit (1.250 kg), not stored units."""
    from db.core.quantities import json_quantity
    out = dict(line)
    for key in QUANTITY_KEYS:
        if out.get(key) is not None:
            out[key] = json_quantity(out[key], line.get("decimals", 0))
    out["counts"] = [dict(c, qty=json_quantity(c["qty"], line.get("decimals", 0))) if c.get("qty") is not None else c
                     for c in line.get("counts", [])]
    return out


def cmd_show(args) -> int:
    from db.counts import count_detail
    detail = count_detail(args.count_id)
    detail = dict(detail, lines=[_in_base_units(line) for line in detail["lines"]])
    if args.format == "json":
        json.dump(detail, sys.stdout, indent=2, default=_json_value)
        print()
        return 0
    if args.format == "csv":
        emit(detail["lines"], LINE_COLUMNS + ["counted", "reason", "decided_by"], "csv")
        return 0
    print(_("count {id} · {scope}: {detail} · {status} · created by {by} at {at}").format(
              id=detail["id"], scope=scope_word(detail["scope"]), detail=detail["scope_detail"], status=_(detail["status"]),
              by=detail["created_by"], at=f"{detail['created_at']:%Y-%m-%d %H:%M}")
          + (_(" · blind") if detail["blind"] else ""))
    tasks = [dict(t, last_counted_at=f"{t['last_counted_at']:%Y-%m-%d %H:%M}" if t["last_counted_at"] else "")
             for t in detail["tasks"]]
    emit(tasks, ["location", "zone", "status", "rounds", "last_counted_by", "last_counted_at"],
         "table", title=_('Locations'))
    rows = [{"line": l["line"], "location": l["location"], "sku": l["sku"], "lot": l["lot"],
             "exp": l["expected"], "1st": l["first"], "2nd": l["second"],
             "by": "/".join(c["operator"] for c in l["counts"]), "var": l["variance"],
             "value": l["value"], "status": l["status"]} for l in detail["lines"]]
    emit(rows, TABLE_COLUMNS, "table", title=_('Lines'))
    from db.counts.notes import shown_note
    notes = [_("  line {line}: {note}").format(line=l["line"], note=shown_note(l["note"]))
             for l in detail["lines"] if l["note"]]
    if notes:
        print("\n".join(notes))
    if detail["found"]:
        emit(detail["found"], ["location", "barcode", "scans", "operator", "at"], "table",
             title=_('Found goods (unknown barcodes)'))
    return 0


def _describe(decision) -> str:
    line, m = decision.line, decision.movement
    where = f"line {line.line_no} ({line.task.location.code} {line.item.sku}" + \
            (_(" lot {lot}").format(lot=line.lot.code) if line.lot_id else "") + ")"
    if m is None:
        return f"{where}: no variance, nothing posted"
    from db.core.quantities import format_quantity
    qty = format_quantity(m.qty, line.item)
    direction = f"+{qty} from {m.from_location.code}" if m.to_location_id == line.task.location_id \
        else f"-{qty} to {m.to_location.code}"
    return f"{where}: {direction} (movement {m.id}, reason {m.reason})"


def cmd_approve(args) -> int:
    from db.counts import approve
    decisions = approve(args.count_id, args.line, operator=args.operator, station=station_of(args),
                        reason=args.reason)
    failed = 0
    for d in decisions:
        if d.error:
            failed += 1
            print(_('NOT approved: {error}').format(error=d.error), file=sys.stderr)
        else:
            print(_('approved {describe}').format(describe=_describe(d)))
    return 1 if failed else 0


def cmd_reject(args) -> int:
    from db.counts import reject
    line = reject(args.count_id, args.line, operator=args.operator, station=station_of(args), note=args.note)
    print(_('line {line_no} ({code} {sku}): recount ordered; it needs an operator other than the one who '
            'counted it last').format(line_no=line.line_no, code=line.task.location.code, sku=line.item.sku))
    return 0


def cmd_set(args) -> int:
    from db.core.quantities import parse_quantity
    from db.counts import set_quantity
    from db.counts.lookup import get_line
    qty = parse_quantity(args.qty, get_line(args.count_id, args.line).item, "--qty", allow_zero=True)
    d = set_quantity(args.count_id, args.line, qty, reason=args.reason, operator=args.operator,
                     station=station_of(args))
    print(_('set {describe}').format(describe=_describe(d)))
    return 0


def _resolver(cfg):
    """Read each code as a station would (GS1 lot, expiry and count included, the [barcodes]
    prefixes applied); codes the decoder cannot place fall back to the store's own reading
    (barcodes, SKUs, locations)."""
    from db.counts import Meaning, resolve_code
    from db.core.models import Item
    from devices.scan import make_scan, unescape_gs
    from terminal.resolver import make_decoder
    decode = make_decoder(cfg)

    def resolve(code: str) -> Meaning:
        # A dump may write the GS1 separator as <GS> or \x1d, as people type it.
        d = decode(make_scan(unescape_gs(code), "upload"))
        if d.kind in ("item", "gs1") and d.sku and not d.error:
            item = Item.get(Item.sku == d.sku)
            return Meaning("item", item=item, pack_qty=d.pack_qty or 1, lot=d.lot, expiry=d.expiry,
                           qty=d.qty)
        if d.kind == "location" and d.location:
            return Meaning("location", location=d.location)
        return resolve_code(code)

    return resolve


def cmd_upload(args) -> int:
    from db.counts import CountSettings, upload_count
    if args.file == "-":
        text = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CliError(_('scanner file {path} does not exist').format(path=path), code=2)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CliError(_('scanner file {path} is not UTF-8 text: {reason} at byte {start}; nothing was '
                             'uploaded').format(
                               path=path, reason=exc.reason, start=exc.start), code=1) from None
    result = upload_count(args.count_id, text, location=args.location, operator=args.operator,
                          station=station_of(args), resolve=_resolver(args.cfg), settings=CountSettings.from_config(args.cfg))
    sub = result.submit
    if args.format == "json":
        json.dump({"count": args.count_id, "location": args.location, "round": sub.round,
                   "lines_read": result.lines_read, "units": sub.units, "lines": len(sub.lines),
                   "to_recount": sub.to_recount, "to_review": sub.to_review,
                   "unknown": [{"barcode": b, "scans": n} for b, n in result.unknown.items()],
                   "ignored": sub.ignored}, sys.stdout, indent=2)
        print()
    else:
        print(sub.summary(blind=True))
        for b, n in result.unknown.items():
            print(_('  unknown barcode {b} ({n} scans): recorded as found goods for the supervisor').format(
                      b=b, n=n))
        for note in sub.ignored:
            print(_('  ignored: {note}').format(note=note))
    return 0


def cmd_cancel(args) -> int:
    from db.counts import cancel_count
    count = cancel_count(args.count_id, operator=args.operator, station=station_of(args))
    print(_('count {id} cancelled; adjustments already posted stay in the ledger').format(id=count.id))
    return 0
