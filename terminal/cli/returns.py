"""`wh return supplier|customer|inspect|list|close`: returns both ways (docs/operations.md)."""
from __future__ import annotations

from .common import CliError, add_format, add_operator, command, emit, station_of


def register(sub) -> None:
    ret = command(sub, "return", _no_subcommand, "returns to suppliers (RTV) and from customers (RMA)", needs_db=False)
    ret.set_defaults(group_parser=ret)
    rsub = ret.add_subparsers(dest="return_command", metavar="COMMAND")

    p = command(rsub, "supplier", cmd_supplier, "send goods back to a supplier: one line, posted at once")
    p.add_argument("--supplier", required=True, metavar="CODE")
    p.add_argument("--sku", required=True, metavar="SKU")
    p.add_argument("--qty", required=True, metavar="Q", help="in the item's base unit (decimals as the item allows)")
    p.add_argument("--lot", metavar="L", help="lot (default: the only lot of the item at --from)")
    p.add_argument("--from", dest="from_code", required=True, metavar="LOC",
                   help="where the goods are: quarantine for rejects, or any physical location")
    p.add_argument("--po", metavar="PO", help="the purchase order the goods came on")
    p.add_argument("--reason", required=True, metavar="R", help="reason code (e.g. DAMAGED, QUALITY)")
    p.add_argument("--key", metavar="K", help="idempotency key: the same key posts once")
    add_operator(p)

    p = command(rsub, "customer", cmd_customer, "take goods back from a customer against a shipped sales order")
    p.add_argument("--so", required=True, metavar="SO")
    p.add_argument("--sku", required=True, metavar="SKU")
    p.add_argument("--qty", required=True, metavar="Q", help="in the item's base unit (decimals as the item allows)")
    p.add_argument("--lot", metavar="L", help="lot (default: the only lot shipped on the order)")
    p.add_argument("--reason", required=True, metavar="R", help="reason code (e.g. DAMAGED, WRONG-ITEM)")
    p.add_argument("--to", metavar="LOC", help="where the goods arrive (default: the warehouse's quarantine)")
    p.add_argument("--condition", default="", metavar="TEXT", help="what the goods look like")
    p.add_argument("--return", dest="document", metavar="RET", help="add the line to this open customer return")
    p.add_argument("--key", metavar="K", help="idempotency key: the same key posts once")
    add_operator(p)

    p = command(rsub, "inspect", cmd_inspect, "restock or scrap goods of a customer return")
    p.add_argument("--return", dest="document", required=True, metavar="RET")
    p.add_argument("--sku", required=True, metavar="SKU")
    p.add_argument("--qty", required=True, metavar="Q", help="in the item's base unit (decimals as the item allows)")
    p.add_argument("--decision", required=True, choices=("restock", "scrap"))
    p.add_argument("--to", metavar="LOC", help="restock: a storage location (default: where they were picked)")
    p.add_argument("--key", metavar="K", help="idempotency key: the same key posts once")
    add_operator(p)

    p = command(rsub, "list", cmd_list, "returns, newest first")
    p.add_argument("--open", action="store_true", help="only returns with work left")
    add_format(p)

    p = command(rsub, "close", cmd_close, "close a return (an RTV's unsent rest needs a supervisor)")
    p.add_argument("document", metavar="RET")
    add_operator(p)


def _qty(args) -> int:
    """--qty as the stored integer of the item's smallest unit (db.core.quantities)."""
    from db.core.quantities import parse_quantity
    from db.masterdata.lookup import get_item
    return parse_quantity(args.qty, get_item(args.sku), "--qty")


def _no_subcommand(args) -> int:
    args.group_parser.print_help()
    return 2


def _lot(line) -> str:
    return f" lot {line.lot.code}" if line.lot_id else ""


def _said(result, verb: str) -> None:
    m, line, doc = result.movement, result.line, result.document
    if result.replayed:
        print(f"already posted with this key: {doc.number} line {line.line_no}, movement {m.id}; nothing posted now")
        return
    from db.core.quantities import format_quantity
    print(f"{verb} {format_quantity(m.qty, line.item)} × {line.item.sku}{_lot(line)} "
          f"{m.from_location.code} → {m.to_location.code} "
          f"at {m.unit_cost:.4f} ({doc.number} line {line.line_no}, movement {m.id}); {doc.number} {doc.status}")


def cmd_supplier(args) -> int:
    from db.returns import return_to_supplier
    result = return_to_supplier(args.supplier, args.sku, _qty(args), args.from_code, reason=args.reason,
                                operator=args.operator, station=station_of(args), lot=args.lot, po=args.po,
                                key=args.key)
    _said(result, "returned to supplier")
    return 0


def cmd_customer(args) -> int:
    from db.returns import return_from_customer
    result = return_from_customer(args.so, args.sku, _qty(args), reason=args.reason, operator=args.operator,
                                  station=station_of(args), lot=args.lot, to=args.to, condition=args.condition,
                                  warehouse=args.cfg.warehouse, document=args.document, key=args.key)
    _said(result, "received from customer")
    return 0


def cmd_inspect(args) -> int:
    from db.returns import inspect_return
    if args.decision == "scrap" and args.to:
        raise CliError("--to goes with --decision restock: scrapped goods go to inventory loss", code=2)
    result = inspect_return(args.document, args.sku, _qty(args), decision=args.decision, operator=args.operator,
                            station=station_of(args), to=args.to, key=args.key)
    _said(result, "restocked" if args.decision == "restock" else "scrapped")
    return 0


def cmd_list(args) -> int:
    from db.returns import LIST_COLUMNS, list_returns
    emit(list_returns(open_only=args.open), LIST_COLUMNS, args.format, title="returns")
    return 0


def cmd_close(args) -> int:
    from db.returns import close_return
    doc = close_return(args.document, operator=args.operator, station=station_of(args))
    print(f"{doc.number} closed")
    return 0
