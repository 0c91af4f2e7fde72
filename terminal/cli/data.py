"""`wh import`, `wh export` and `wh demo`: data in and out of the store."""
from __future__ import annotations

import sys
from gettext import gettext as _, ngettext

from .common import CliError, command

IMPORT_KINDS = ("items", "barcodes", "units", "locations", "suppliers", "customers", "purchase-orders",
                "sales-orders", "stock", "operators", "opening-balances", "money-documents", "returns")
EXPORT_KINDS = IMPORT_KINDS + ("movements",)

# Show a progress bar on a non-terminal stderr only from this many bytes on.
LARGE_FILE_BYTES = 1_000_000


def register(sub) -> None:
    p = command(sub, "import", cmd_import,
                "import a CSV file (all or nothing; every bad row is listed with its row and column)")
    p.add_argument("kind", choices=IMPORT_KINDS, metavar="KIND", help=f"one of: {', '.join(IMPORT_KINDS)}")
    p.add_argument("file", metavar="FILE",
                   help="a CSV file (UTF-8 or GBK, detected) or an Excel .xlsx workbook, with a header row")
    p.add_argument("--encoding", choices=("utf-8", "gbk", "gb18030"), metavar="ENC",
                   help="read a CSV file in ENC (utf-8, gbk or gb18030) instead of detecting it")
    p.add_argument("--operator", default="IMPORT", metavar="OP",
                   help="operator code recorded in the audit trail and on stock postings (default IMPORT); "
                        "stock and operators need a supervisor")
    p.add_argument("--pin", metavar="PIN", help="the supervisor's PIN for stock and operators (else $WH_PIN, "
                   "else asked on a terminal)")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    p = command(sub, "export", cmd_export, "export data as CSV or JSON, in the shapes `wh import` reads")
    p.add_argument("kind", choices=EXPORT_KINDS, metavar="KIND", help=f"one of: {', '.join(EXPORT_KINDS)}")
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv",
                   help="output format (default csv; xlsx needs --out)")
    p.add_argument("-o", "--out", metavar="PATH", help="write to PATH instead of standard output")
    p.add_argument("--lang", dest="export_lang", choices=("en", "zh_CN"), metavar="LANG",
                   help="header language of a CSV or xlsx file: en (default) or zh_CN")

    p = command(sub, "demo", cmd_demo, "seed an empty store with a believable demo warehouse")
    p.add_argument("--seed", type=int, default=42, metavar="N",
                   help="random seed (default 42): the same seed gives the same warehouse")
    p.add_argument("--if-empty", action="store_true", help="do nothing when the store already has items")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="date the demo treats as today (default: today)")
    p.add_argument("--locale", choices=("en", "zh_CN"), default="en",
                   help="language of the demo's names: en (default) or zh_CN (a Chinese warehouse)")


def cmd_import(args) -> int:
    import os
    from db.io.importer import ImportFailed, import_csv
    if not os.path.isfile(args.file):
        raise CliError(_("no such file: {file}").format(file=args.file), code=2)
    size = os.path.getsize(args.file)
    show = not args.no_progress and (sys.stderr.isatty() or size >= LARGE_FILE_BYTES)
    try:
        if show:
            with _ProgressBar(args.kind) as bar:
                result = import_csv(args.kind, args.file, progress=bar.update, operator=args.operator,
                                    station=args.cfg.station_id, encoding=args.encoding)
        else:
            result = import_csv(args.kind, args.file, operator=args.operator, station=args.cfg.station_id,
                                encoding=args.encoding)
    except ImportFailed as exc:
        n = len(exc.errors)
        print(ngettext("error: {file}: {n} error; nothing was imported",
                       "error: {file}: {n} errors; nothing was imported", n).format(file=args.file, n=n),
              file=sys.stderr)
        from db.core.text import printable
        for line in exc.errors:
            print(f"  {printable(line)}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


class _ProgressBar:
    """rich.progress on stderr; the importer only calls update(stage, done, total)."""

    def __init__(self, kind: str):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        self.kind = kind
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=False,
                                 # the terminal itself: the bar's own escape codes are not a name's
                                 console=Console(file=getattr(sys.stderr, "stream", sys.stderr)))
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(f"{stage} {self.kind}", total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def cmd_export(args) -> int:
    from db.io.exporter import write, write_xlsx
    lang = args.export_lang or getattr(args, "lang", None)
    if args.format == "xlsx" and not args.out:
        raise CliError(_("--format xlsx writes a workbook: name it with -o FILE.xlsx"), code=2)
    if args.out:
        try:
            if args.format == "xlsx":
                count = write_xlsx(args.kind, args.out, lang)
            else:
                with open(args.out, "w", encoding="utf-8", newline="") as out:
                    count = write(args.kind, args.format, out, lang)
        except OSError as exc:
            raise CliError(_("cannot write {path}: {reason}").format(path=args.out, reason=exc.strerror)) from None
        print(ngettext("exported {n} {kind} row to {path}", "exported {n} {kind} rows to {path}", count)
              .format(n=count, kind=args.kind, path=args.out), file=sys.stderr)
    else:
        from .common import screen_safe
        try:
            write(args.kind, args.format, screen_safe(sys.stdout), lang)
            sys.stdout.flush()
        except BrokenPipeError:
            # `wh export movements | head`: the reader left; that is not an error.
            import os
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def cmd_demo(args) -> int:
    import time
    from db.io.demo import seed_demo, store_is_empty
    from .common import parse_date
    today = parse_date(args.today, "today")
    if not store_is_empty():
        if args.if_empty:
            print(_("the store already has data; demo not seeded"))
            return 0
        raise CliError(_("the store already has items: wh demo seeds an empty store only "
                       "(use --if-empty to skip quietly, or a new database)"))
    started = time.monotonic()
    summary = seed_demo(seed=args.seed, today=today, locale_name=args.locale)
    print(_("demo warehouse seeded (seed {seed}) in {seconds:.1f} s: {summary}").format(
        seed=args.seed, seconds=time.monotonic() - started, summary=summary))
    return 0
