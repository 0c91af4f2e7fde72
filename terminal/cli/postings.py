"""`wh receive`, `wh po close`, `wh move`, `wh pick`, `wh pick-list`, `wh ship`, `wh adjust`,
`wh stock`: the domain operations for scripts and integrations (docs/operations.md)."""
from __future__ import annotations

from gettext import gettext as _

import sys

from db.core.quantities import format_line_qty, format_quantity

from .common import CliError, add_format, add_operator, command, emit, parse_date, qty_arg, station_of


def register(sub) -> None:
    p = command(sub, "receive", cmd_receive, "receive goods against a PO line (or without a PO, from a supplier)")
    p.add_argument("--po", metavar="PO", help="purchase order number; without it --supplier is required")
    p.add_argument("--supplier", metavar="CODE", help="supplier of a receipt with no PO")
    p.add_argument("--sku", required=True, metavar="SKU")
    p.add_argument("--qty", required=True, metavar="Q", help="accepted quantity (base unit, or --unit; decimals as "
                                                             "the item allows)")
    p.add_argument("--reject", default="0", metavar="Q", help="rejected quantity on top of --qty (to quarantine)")
    p.add_argument("--unit", metavar="U", help="--qty and --reject are in this unit of the item (e.g. a case)")
    p.add_argument("--reason", metavar="R", help="reason code of the rejected units (e.g. DAMAGED)")
    p.add_argument("--lot", metavar="L", help="lot code (required for lot-tracked items)")
    p.add_argument("--expiry", metavar="YYYY-MM-DD", help="expiry date (required for a new lot of an expiry-tracked item)")
    p.add_argument("--location", metavar="LOC", help="where accepted goods go (default: [receiving] default_dock, "
                                                     "else the warehouse's first receiving location)")
    p.add_argument("--warehouse", metavar="CODE", help="warehouse (default: [station] warehouse)")
    p.add_argument("--key", metavar="KEY", help="idempotency key: the same key posts once")
    p.add_argument("--override-by", metavar="SUPERVISOR", help="receive an expired or short-dated lot all the "
                   "same: the supervisor overriding (their PIN: --pin or $WH_PIN)")
    p.add_argument("--override-reason", metavar="TEXT", help="why the override (required with --override-by)")
    add_operator(p)

    p = command(sub, "quarantine", cmd_quarantine, "move expired stock to quarantine (supervisor)")
    p.add_argument("--expired", action="store_true", required=True,
                   help="every unit of an expired lot outside quarantine (the store's today)")
    p.add_argument("--warehouse", metavar="CODE", help="only this warehouse (default: all)")
    p.add_argument("--key", metavar="KEY", help="idempotency key: the same key moves once")
    add_operator(p)

    po = command(sub, "po", _no_subcommand, "purchase order actions", needs_db=False)
    po.set_defaults(group_parser=po)
    psub = po.add_subparsers(dest="po_command", metavar="COMMAND")
    p = command(psub, "close", cmd_po_close, "close a purchase order, backordering or cancelling the rest")
    p.add_argument("po", metavar="PO")
    rest = p.add_mutually_exclusive_group()
    rest.add_argument("--backorder", action="store_true", help="a new PO <PO>-BO<n> holds what has not arrived")
    rest.add_argument("--cancel-rest", action="store_true", help="cancel what has not arrived (the default)")
    p.add_argument("--operator", default="cli", metavar="OP", help="operator code recorded in the audit log (default cli)")

    p = command(sub, "move", cmd_move, "move stock between locations (through transit between warehouses)")
    p.add_argument("--sku", required=True, metavar="SKU")
    p.add_argument("--qty", required=True, metavar="Q", help="quantity (base unit, or --unit)")
    p.add_argument("--unit", metavar="U", help="--qty is in this unit of the item")
    p.add_argument("--from", dest="from_code", required=True, metavar="LOC")
    p.add_argument("--to", dest="to_code", required=True, metavar="LOC")
    p.add_argument("--lot", metavar="L", help="lot (default: the only lot of the item at --from)")
    p.add_argument("--key", metavar="KEY", help="idempotency key: the same key posts once")
    add_operator(p)

    p = command(sub, "pick", cmd_pick, "pick for a sales order to the shipping location (or record a short pick)")
    p.add_argument("--so", required=True, metavar="SO")
    p.add_argument("--sku", required=True, metavar="SKU")
    p.add_argument("--qty", required=True, metavar="Q", help="quantity picked (with --short: missing)")
    p.add_argument("--unit", metavar="U", help="--qty is in this unit of the item")
    p.add_argument("--from", dest="from_code", required=True, metavar="LOC")
    p.add_argument("--lot", metavar="L", help="lot picked (default: the only lot of the item at --from)")
    p.add_argument("--short", action="store_true", help="record a short pick: --qty units were not on the shelf")
    p.add_argument("--key", metavar="KEY", help="idempotency key: the same key posts once")
    add_operator(p)

    p = command(sub, "pick-list", cmd_pick_list, "what is still to pick for a sales order, in walking order")
    p.add_argument("so", metavar="SO")
    add_format(p)

    p = command(sub, "ship", cmd_ship, "ship what was picked; the rest goes to a backorder")
    p.add_argument("--so", required=True, metavar="SO")
    p.add_argument("--key", metavar="KEY", help="idempotency key: the same key ships once")
    add_operator(p)

    p = command(sub, "adjust", cmd_adjust, "adjust stock for damage, loss or found goods (supervisor)")
    p.add_argument("--sku", required=True, metavar="SKU")
    p.add_argument("--qty", required=True, metavar="±Q", help="positive: found; negative: lost (decimals as the "
                                                              "item allows)")
    p.add_argument("--location", required=True, metavar="LOC")
    p.add_argument("--reason", required=True, metavar="R", help="reason code (e.g. FOUND, LOSS, BREAKAGE)")
    p.add_argument("--lot", metavar="L")
    p.add_argument("--expiry", metavar="YYYY-MM-DD", help="expiry of a new lot found")
    p.add_argument("--key", metavar="KEY", help="idempotency key: the same key posts once")
    add_operator(p)

    p = command(sub, "stock", cmd_stock, "on hand, allocated and available by location and lot")
    p.add_argument("--item", metavar="SKU", help="only this item")
    p.add_argument("--location", metavar="CODE", help="only this location")
    p.add_argument("--warehouse", metavar="CODE", help="only this warehouse")
    add_format(p)


def _no_subcommand(args) -> int:
    args.group_parser.print_help()
    return 2


def _lot_text(movement) -> str:
    return _(" lot {lot}").format(lot=movement.lot.code) if movement.lot_id else ""


def _describe(m) -> str:
    return (f"movement {m.id}: {format_quantity(m.qty, m.item)} × {m.item.sku}{_lot_text(m)} "
            f"{m.from_location.code} → {m.to_location.code}")


def cmd_receive(args) -> int:
    from db.purchasing import receive
    if not args.po and not args.supplier:
        raise CliError(_('a receipt needs --po PO, or --supplier CODE when there is no purchase order; got '
                         'neither'), code=2)
    location = args.location or args.cfg.get("receiving.default_dock") or None
    qty = qty_arg(args.qty, args.sku, "--qty", args.unit, allow_zero=True)
    reject = qty_arg(args.reject, args.sku, "--reject", args.unit, allow_zero=True)
    if reject and not args.reason:
        raise CliError(_('--reject {reject} needs --reason (a reason code such as DAMAGED), got none').format(
                           reject=args.reject), code=2)
    result = receive(args.po, args.sku, qty, operator=args.operator, station=station_of(args),
                     reject=reject, reason=args.reason, lot=args.lot,
                     expiry=parse_date(args.expiry, "expiry"), location=location,
                     supplier=args.supplier, warehouse=args.warehouse or args.cfg.warehouse,
                     tolerance_pct=float(args.cfg.get("receiving.over_receipt_tolerance_pct")),
                     key=args.key, override_by=args.override_by, override_reason=args.override_reason)
    for warning in result.warnings:
        print(_('warning: {warning}').format(warning=warning), file=sys.stderr)
    if result.accepted:
        print(_('received {describe}').format(describe=_describe(result.accepted)))
    if result.rejected:
        print(_('rejected {describe} ({reason})').format(
                  describe=_describe(result.rejected), reason=result.rejected.reason))
    if result.po_line is not None:
        line = result.po_line
        print(_('{number} line {line_no}: {qty_received} accepted, {qty_rejected} rejected of {qty_ordered} '
                'ordered; order {status}').format(
                  number=line.po.number, line_no=line.line_no, qty_received=format_quantity(line.qty_received, line.item),
                  qty_rejected=format_quantity(line.qty_rejected, line.item),
                  qty_ordered=format_line_qty(line.qty_ordered, line), status=line.po.status))
    return 0


def cmd_quarantine(args) -> int:
    from db.inventory import quarantine_expired
    moved = quarantine_expired(operator=args.operator, station=station_of(args),
                               warehouse=args.warehouse, key=args.key)
    for m in moved:
        print(_('quarantined {describe} (lot expired {date})').format(
                  describe=_describe(m), date=m.lot.expiry.isoformat()))
    from db.core.text import plural
    print(_('{count} moved to quarantine in {count2}').format(
              count=plural(sum(m.qty for m in moved), 'expired unit'), count2=plural(len(moved), 'movement')))
    return 0


def cmd_po_close(args) -> int:
    from db.purchasing import close_po
    backorder = close_po(args.po, backorder=args.backorder, operator=args.operator, station=station_of(args))
    if backorder is not None:
        print(_('{po} closed; backorder {number} holds the rest').format(po=args.po, number=backorder.number))
    else:
        print(_('{po} closed; nothing was left to backorder').format(po=args.po) if args.backorder
              else _('{po} closed; the rest is cancelled').format(po=args.po))
    return 0


def cmd_move(args) -> int:
    from db.inventory import move
    qty = qty_arg(args.qty, args.sku, "--qty", args.unit)
    for m in move(args.sku, qty, args.from_code, args.to_code, lot=args.lot, operator=args.operator,
                  station=station_of(args), key=args.key):
        print(_('moved {describe}').format(
                  describe=_describe(m)) + (f" ({m.document})" if m.document else ""))
    return 0


def cmd_pick(args) -> int:
    from db.sales import pick, short_pick
    if args.short:
        s = short_pick(args.so, args.sku, args.from_code, qty_arg(args.qty, args.sku, "--qty", args.unit),
                       operator=args.operator, station=station_of(args))
        print(_('short pick recorded: {qty_short} × {sku} missing at {from_code} for {so}').format(
                  qty_short=format_quantity(s.qty_short, s.item), sku=args.sku, from_code=args.from_code,
                  so=args.so))
        return 0
    qty = qty_arg(args.qty, args.sku, "--qty", args.unit)
    m = pick(args.so, args.sku, qty, args.from_code, lot=args.lot, operator=args.operator,
             station=station_of(args), key=args.key, fefo=bool(args.cfg.get("picking.fefo")))
    from db.core.models import SalesOrderLine
    line = SalesOrderLine.get_by_id(m.so_line_id)
    print(_('picked {describe} for {document}; line {qty_picked} of {qty_ordered} picked').format(
              describe=_describe(m), document=m.document, qty_picked=format_quantity(line.qty_picked, line.item),
              qty_ordered=format_line_qty(line.qty_ordered, line)))
    return 0


def cmd_pick_list(args) -> int:
    from db.sales import pick_list
    rows = [{"line": t.line_no, "sku": t.sku, "name": t.name, "location": t.location, "lot": t.lot,
             "expiry": t.expiry, "qty": t.qty} for t in pick_list(args.so)]
    emit(rows, ["line", "sku", "name", "location", "lot", "expiry", "qty"], args.format, title=_('pick list '
                                                                                                 '{so}').format(
                                                                                                   so=args.so))
    return 0


def cmd_ship(args) -> int:
    from db.sales import ship
    result = ship(args.so, operator=args.operator, station=station_of(args), key=args.key)
    for m in result.movements:
        print(_('shipped {describe}').format(describe=_describe(m)))
    print(f"{result.so.number} {result.so.status}"
          + (_('; backorder {number} holds the rest').format(
                 number=result.backorder.number) if result.backorder else ""))
    return 0


def cmd_adjust(args) -> int:
    from db.inventory import adjust
    qty = qty_arg(args.qty, args.sku, "--qty", signed=True)
    m = adjust(args.sku, qty, args.location, reason=args.reason, operator=args.operator,
               station=station_of(args), lot=args.lot, key=args.key, expiry=parse_date(args.expiry, "expiry"))
    print(_('adjusted {describe} ({reason})').format(describe=_describe(m), reason=m.reason))
    return 0


def cmd_stock(args) -> int:
    from db.inventory import STOCK_COLUMNS, stock
    emit(stock(args.item, args.location, args.warehouse), STOCK_COLUMNS, args.format, title="stock")
    return 0
