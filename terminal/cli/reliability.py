"""`wh audit`, `wh exceptions`, `wh sync`, `wh backup`, `wh restore` and `wh operator`: the
trail, the offline queue, backups and PINs."""
from __future__ import annotations

from gettext import gettext as _, ngettext

import sys

from .common import CliError, add_format, add_operator, command, emit, parse_date, station_of

AUDIT_COLUMNS = ["at", "operator", "station", "action", "detail"]
EXCEPTION_COLUMNS = ["id", "queued_at", "station", "operator", "op", "what", "error"]


def register(sub) -> None:
    p = command(sub, "audit", cmd_audit, "the audit trail: every posting, approval, login and refusal")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD", help="first day (inclusive, UTC)")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help="last day (inclusive, UTC)")
    p.add_argument("--operator", metavar="OP", help="only this operator")
    p.add_argument("--action", metavar="ACTION", help="only this action (login, adjust, post receipt...)")
    add_format(p)

    p = command(sub, "exceptions", cmd_exceptions,
                "offline postings the server refused on replay; --resolve marks one dealt with")
    p.add_argument("--resolve", type=int, metavar="ID", help="mark exception ID resolved (supervisor)")
    p.add_argument("--note", default="", metavar="TEXT", help="what was done about it")
    p.add_argument("--all", action="store_true", help="include resolved exceptions")
    add_operator(p, required=False)
    add_format(p)

    command(sub, "sync", cmd_sync, "replay this station's offline journal ([offline] journal) now")

    # No connection needed: SQLite is copied with sqlite3 itself, PostgreSQL only gets advice.
    p = command(sub, "backup", cmd_backup, "copy the live SQLite store to PATH (online backup API); "
                                           "for PostgreSQL, print the pg_dump commands", needs_db=False)
    p.add_argument("path", metavar="PATH")

    p = command(sub, "restore", cmd_restore, "replace the SQLite store with the backup at PATH "
                                             "(supervisor; the current store is saved beside it first and "
                                             "its audit trail is kept)", needs_db=False)
    p.add_argument("path", metavar="PATH")
    add_operator(p)

    op = command(sub, "operator", _no_subcommand, "operator PINs: set-pin, clear-pin, unlock, pins",
                 needs_db=False)
    op.set_defaults(group_parser=op)
    osub = op.add_subparsers(dest="operator_command", metavar="COMMAND")
    p = command(osub, "set-pin", cmd_set_pin, "set an operator's PIN (asked twice, never echoed); "
                "an existing PIN needs the current one (--pin) or another supervisor's (--operator, --pin)")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--pin-stdin", action="store_true", help="read the new PIN from standard input (scripts)")
    _add_authority(p)
    p = command(osub, "clear-pin", cmd_clear_pin, "remove an operator's PIN (with the current PIN, or "
                "another supervisor's)")
    p.add_argument("code", metavar="CODE")
    _add_authority(p)
    p = command(osub, "unlock", cmd_unlock, "lift a lockout after wrong PINs (with another supervisor's PIN)")
    p.add_argument("code", metavar="CODE")
    _add_authority(p)
    p = command(osub, "pins", cmd_pins, "which operators have a PIN, and who is locked out")
    add_format(p)


def _add_authority(parser) -> None:
    parser.add_argument("--operator", metavar="SUPERVISOR", help="who vouches for the change: CODE itself "
                        "(the default, with its current PIN) or another supervisor (with theirs)")
    parser.add_argument("--pin", metavar="PIN", help="that operator's current PIN (else $WH_PIN, else asked "
                        "on a terminal)")


def _no_subcommand(args) -> int:
    args.group_parser.print_help()
    return 2


# --- wh audit ----------------------------------------------------------------------------------

def cmd_audit(args) -> int:
    from db.ledger.audit_trail import audit_rows
    start = parse_date(args.date_from, "from")
    end = parse_date(args.date_to, "to")
    if end < start:
        raise CliError(_('--to {end} is before --from {start}').format(end=end, start=start), code=2)
    rows = audit_rows(start, end, operator=args.operator, action=args.action)
    emit(rows, AUDIT_COLUMNS, args.format, title=_('Audit trail {start} – {end}').format(
                                                     start=start, end=end))
    return 0


# --- wh exceptions / wh sync -------------------------------------------------------------------

def _journal_path(args) -> str:
    return args.cfg.get("offline.journal")


def cmd_exceptions(args) -> int:
    import os
    from db.offline import Journal, list_exceptions, resolve_exception
    if args.resolve is not None:
        if not args.operator:
            raise CliError(_('--resolve needs --operator (a supervisor)'), code=2)
        e = resolve_exception(args.resolve, operator=args.operator, note=args.note, station=station_of(args))
        print(_('offline exception {id} resolved by {resolved_by}').format(
                  id=e.id, resolved_by=e.resolved_by))
        return 0
    rows = list_exceptions(include_resolved=args.all)
    columns = EXCEPTION_COLUMNS + (["resolved_at", "resolved_by", "note"] if args.all else [])
    emit(rows, columns, args.format, title=_('Offline exceptions'))
    path = _journal_path(args)
    if args.format == "table" and path and os.path.isfile(path):
        journal = Journal(path)
        try:
            n = journal.count()
        finally:
            journal.close()
        if n:
            print(ngettext('{n} posting still queued in {path}: `wh sync` replays them',
                           '{n} postings still queued in {path}: `wh sync` replays them',
                           n).format(n=n, path=path))
    return 0


def cmd_sync(args) -> int:
    import os
    from db.offline import Journal, OfflineRunner
    path = _journal_path(args)
    if not path or not os.path.isfile(path):
        print(_('no offline journal at {path}: nothing to replay').format(path=path))
        return 0
    from db.masterdata.security import redact
    journal = Journal(path)
    try:
        store = redact(args.cfg.db_url, args.cfg.db_url)
        if journal.store() not in (None, store):
            raise CliError(_('the journal {path} belongs to the store {store}, not {store2}: nothing was '
                             'replayed').format(path=path, store=journal.store(), store2=store), code=1)
        report = OfflineRunner(journal).replay()
    finally:
        journal.close()
    print(_('{posted} posted, {conflicts} refused (see `wh exceptions`), {left} still queued').format(
              posted=report.posted, conflicts=report.conflicts, left=report.left))
    return 0 if report.reached else 1


# --- backups -----------------------------------------------------------------------------------

def cmd_backup(args) -> int:
    from db.io.backup import backup_sqlite, pg_dump_advice, sqlite_path
    url = args.cfg.db_url
    if sqlite_path(url) is None:
        print(pg_dump_advice(url, args.path))
        return 2
    target = backup_sqlite(url, args.path)
    print(_('backup of {sqlite_path} written to {target}').format(
              sqlite_path=sqlite_path(url), target=target))
    return 0


def cmd_restore(args) -> int:
    from db.core.schema import init_schema
    from db.io.backup import check_backup, keep_before_restore, pg_dump_advice, restore_sqlite, sqlite_path
    url = args.cfg.db_url
    store = sqlite_path(url)
    if store is None:
        print(pg_dump_advice(url, args.path))
        return 2
    check_backup(args.path)                # before anything is touched: a refusal changes nothing
    if store.is_file():
        _require_restorer(args)            # a supervisor of the store being replaced, with the PIN
    saved = keep_before_restore(url)
    restore_sqlite(url, args.path)
    from .common import open_store
    open_store(args.cfg)
    init_schema()                          # a backup of an older version is brought up to date
    from db.io.backup import keep_audit_rows
    keep_audit_rows(saved if saved else args.path, store, operator=args.operator,
                    station=station_of(args), source=args.path)
    print(_('store {store} restored from {path}').format(
              store=store, path=args.path) + (_('; the previous store is saved as {saved}').format(
                                                            saved=saved) if saved else ""))
    return 0


def _require_restorer(args) -> None:
    """A restore replaces everyone's work: a supervisor of the store being replaced does it,
    with their PIN. The store is closed again before it is replaced."""
    from db.core.connection import database
    from db.core.errors import WarehouseError
    from db.masterdata import security
    from .common import _pin_of, open_store
    open_store(args.cfg)
    security.configure_from(args.cfg)
    try:
        with security.pin_source(_pin_of(args), station=station_of(args)):
            security.require_supervisor(args.operator, "restoring the store")
    except WarehouseError as exc:
        raise CliError(f"{exc}; nothing was restored", code=1) from None
    finally:
        database.close()


# --- operators and PINs ------------------------------------------------------------------------

def _read_pin(args) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    if not sys.stdin.isatty():
        raise CliError(_('no terminal to ask the PIN on: use --pin-stdin'), code=2)
    import getpass
    first = getpass.getpass(f"new PIN for {args.code}: ")
    if getpass.getpass("the same PIN again: ") != first:
        raise CliError(_('the two PINs differ: nothing changed'), code=1)
    return first


def cmd_set_pin(args) -> int:
    from db.masterdata.security import set_pin
    op = set_pin(args.code, _read_pin(args), by=args.operator or "", station=station_of(args))
    print(_('PIN set for {code} ({role})').format(code=op.code, role=op.role))
    return 0


def cmd_clear_pin(args) -> int:
    from db.masterdata.security import set_pin
    op = set_pin(args.code, None, by=args.operator or "", station=station_of(args))
    print(_('PIN removed for {code}').format(code=op.code))
    return 0


def cmd_unlock(args) -> int:
    from db.masterdata.security import unlock
    op = unlock(args.code, by=args.operator or "", station=station_of(args))
    print(_('{code} unlocked').format(code=op.code))
    return 0


def cmd_pins(args) -> int:
    from db.core.models import Operator
    from db.masterdata.security import locked_for
    rows = [{"operator": o.code, "name": o.name, "role": o.role, "pin": "yes" if o.pin_hash else "no",
             "locked_s": locked_for(o), "active": o.active}
            for o in Operator.select().order_by(Operator.code)]
    emit(rows, ["operator", "name", "role", "pin", "locked_s", "active"], args.format, title=_('Operators '
                                                                                               'and PINs'))
    return 0
