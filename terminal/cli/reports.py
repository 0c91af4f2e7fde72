"""`wh report ...` and `wh reorder`: the purchase-sales-inventory reports.

Every report takes --format table|csv|json, --from and --to; the numbers come from
db.reports.catalog.run_report, the same function the supervisor screens call.
"""
from __future__ import annotations

from gettext import gettext as _

from terminal.i18n import shown

from .common import CliError, add_format, add_operator, command, emit, parse_date, station_of

TITLES = {
    "alerts": "stock below the reorder point or above the maximum",
    "suppliers": "supplier scorecard from real receipts",
    "settlement": "what each supplier is owed: accepted units x PO price",
    "customers": "orders, fill rate and on-time shipping per customer",
    "sales": "sales by period, item, customer or operator",
    "value": "stock value at moving-average cost",
    "turnover": "turnover and days of supply per item",
    "dead-stock": "stock with no movement in N days",
    "ageing": "stock by age (lot receipt date, else first-in-first-out)",
    "abc": "ABC classification by consumption value (saved on the items)",
    "counts": "count variances and their value",
    "returns": "returns to suppliers by supplier and reason, or from customers by customer, item and reason",
    "payables": "per supplier: balance and ageing by due date (--to: as of that day)",
    "receivables": "per customer: balance, credit limit and ageing by due date (--to: as of that day)",
    "expiry": "lots expired or expiring within N days, with their value",
}


def register(sub) -> None:
    report = command(sub, "report", _no_report, "purchase, sales and inventory reports", needs_db=False)
    report.set_defaults(report_parser=report)
    rsub = report.add_subparsers(dest="report", metavar="REPORT")
    parsers = {}
    for name, help_text in TITLES.items():
        p = command(rsub, name, cmd_report, help_text)
        p.set_defaults(report_name=name)
        add_format(p)
        p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day of the period")
        p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day of the period")
        parsers[name] = p
    parsers["settlement"].add_argument("--supplier", metavar="CODE", help="only this supplier")
    parsers["settlement"].add_argument("--detail", action="store_true", help="one row per PO line")
    parsers["customers"].add_argument("--customer", metavar="CODE", help="the order history of one customer")
    parsers["sales"].add_argument("--by", choices=("day", "week", "month", "item", "customer", "operator"),
                                  default="day", help="grouping (default day)")
    parsers["returns"].add_argument("--by", choices=("supplier", "customer"), default="supplier",
                                    help="to suppliers (default) or from customers")
    parsers["sales"].add_argument("--top", type=int, metavar="N", help="only the first N rows (best sellers)")
    parsers["turnover"].add_argument("--days", type=int, metavar="N",
                                     help="period length when --from is not given (default [reports] window_days)")
    parsers["dead-stock"].add_argument("--days", type=int, metavar="N",
                                       help="days without movement (default [reports] dead_stock_days)")
    parsers["abc"].add_argument("--days", type=int, metavar="N",
                                help="period length when --from is not given (default [reports] abc_days)")
    parsers["expiry"].add_argument("--days", type=int, metavar="N",
                                   help="also list lots expiring within N days (default 30)")
    parsers["abc"].add_argument("--no-save", action="store_true", help="show the classes without saving them")

    p = command(sub, "reorder", cmd_reorder, "reorder suggestions, and draft POs made from them")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only show the suggestions (the default)")
    mode.add_argument("--create", action="store_true", help="create draft POs, one per supplier (supervisor)")
    p.add_argument("--release", action="store_true", help="with --create: make the POs open at once")
    add_operator(p, required=False)
    add_format(p)


def _no_report(args) -> int:
    args.report_parser.print_help()
    return 2


def _options(args) -> dict:
    name, opts = args.report_name, {}
    if name == "settlement":
        opts = {"supplier": args.supplier, "detail": args.detail}
    elif name == "customers":
        opts = {"customer": args.customer}
    elif name == "sales":
        opts = {"by": args.by, "top": args.top}
    elif name == "returns":
        opts = {"by": args.by}
    elif name == "expiry" and args.days is not None:
        if args.days < 0:
            raise CliError(_('--days must be 0 or more, got {days}').format(days=args.days), code=2)
        opts = {"days": args.days}
    elif name in ("turnover", "dead-stock", "abc") and args.days is not None:
        if args.days < 1:
            raise CliError(_('--days must be 1 or more, got {days}').format(days=args.days), code=2)
        opts = {"days": args.days}
    return opts


def cmd_report(args) -> int:
    from db.reports.catalog import REPORTS, run_report
    date_from, date_to = parse_date(args.date_from, "from"), parse_date(args.date_to, "to")
    if date_from and date_to and date_from > date_to:
        raise CliError(_('--from {date_from} is after --to {date_to}').format(
                           date_from=date_from, date_to=date_to), code=2)
    rows, columns = run_report(args.report_name, args.cfg.values, date_from, date_to, **_options(args))
    if args.report_name == "abc" and not args.no_save:
        from db.masterdata.abc_classes import save_abc_classes
        save_abc_classes(rows)
    # The title is translated before the dates join it: "Stock value 2026-01-01 to …" is no message.
    title = shown(REPORTS[args.report_name].title)
    if args.date_from or args.date_to:
        title = _("{title} {date_from} to {date_to}").format(title=title, date_from=date_from or "…",
                                                              date_to=date_to or "…")
    emit(rows, columns, args.format, title=title)
    if args.report_name == "abc" and args.format == "table":
        print(_('classes saved on the items') if not args.no_save else _('classes NOT saved (--no-save)'))
    return 0


def cmd_reorder(args) -> int:
    from db.reports.catalog import run_report
    from db.purchasing.reorder import create_draft_pos
    rows, columns = run_report("reorder", args.cfg.values)
    if args.release and not args.create:
        raise CliError(_('--release goes with --create'), code=2)
    if not args.create:
        emit(rows, columns, args.format, title=_('Reorder suggestions (dry run: nothing created)'))
        return 0
    if not args.operator:
        raise CliError(_('--create needs --operator SUPERVISOR'), code=2)
    if not rows:
        print(_('nothing to reorder: no item is below its reorder point'))
        return 0
    pos = create_draft_pos(rows, operator=args.operator, station=station_of(args), release=args.release)
    skipped = [r["sku"] for r in rows if not r["supplier"]]
    created = [{"po": po.number, "supplier": po.supplier.code, "status": po.status,
                "expected_date": po.expected_date, "lines": po.lines.count()} for po in pos]
    emit(created, ["po", "supplier", "status", "expected_date", "lines"], args.format,
         title=_('Purchase orders created'))
    if skipped and args.format == "table":
        print(_('no supplier known for {items}: set a preferred supplier to order them').format(
                  items=', '.join(skipped)))
    return 0
