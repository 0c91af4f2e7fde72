"""`wh bill`, `wh pay`, `wh invoice`, `wh collect`, `wh apply`, `wh statement`, `wh cancel-document`:
the payables and receivables sub-ledgers (docs/operations.md, docs/reports.md)."""
from __future__ import annotations

import json
import sys
from gettext import gettext as _

from .common import CliError, _plain, add_format, add_operator, command, emit, parse_date, station_of


def register(sub) -> None:
    p = command(sub, "bill", cmd_bill, "bill what a PO accepted and nobody billed yet, at the PO price")
    p.add_argument("--po", required=True, metavar="PO")
    p.add_argument("--number", metavar="N", help="the supplier's bill number (unique per supplier)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="bill date (default today)")
    p.add_argument("--price", action="append", default=[], metavar="SKU=P",
                   help="the billed price of a line when it differs from the PO's (within [money] price_tolerance_pct)")
    p.add_argument("--key", metavar="K", help="idempotency key: the same key posts once")
    add_operator(p)

    p = command(sub, "invoice", cmd_invoice, "invoice what a sales order shipped and nobody invoiced yet")
    p.add_argument("--so", required=True, metavar="SO")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="invoice date (default today)")
    p.add_argument("--key", metavar="K", help="idempotency key: the same key posts once")
    add_operator(p)

    for name, party, target, help_text in (
            ("pay", "supplier", "BILL", "pay a supplier (supervisor): applied to bills, the rest an advance"),
            ("collect", "customer", "INVOICE",
             "money received from a customer (supervisor): applied to invoices, the rest an advance")):
        p = command(sub, name, cmd_money_in, help_text)
        p.set_defaults(side="payable" if party == "supplier" else "receivable")
        p.add_argument(f"--{party}", dest="party", required=True, metavar="CODE")
        p.add_argument("--amount", required=True, metavar="X")
        p.add_argument("--apply", action="append", default=[], metavar=f"{target}[=AMOUNT]",
                       help=f"apply to this {target.lower()} (default amount: what is open, up to what is left)")
        p.add_argument("--date", metavar="YYYY-MM-DD", help="date (default today)")
        p.add_argument("--reference", default="", metavar="R", help="bank reference, cheque number…")
        p.add_argument("--key", metavar="K", help="idempotency key: the same key posts once")
        add_operator(p)

    p = command(sub, "apply", cmd_apply, "apply an advance or a note to a bill or invoice of the same party (supervisor)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--supplier", metavar="CODE")
    who.add_argument("--customer", metavar="CODE")
    p.add_argument("--payment", "--receipt", dest="payment", required=True, metavar="P",
                   help="the payment, receipt or note whose money is applied")
    p.add_argument("--bill", "--invoice", dest="bill", required=True, metavar="B")
    p.add_argument("--amount", metavar="X", help="default: as much as both allow")
    p.add_argument("--date", metavar="YYYY-MM-DD")
    add_operator(p)

    p = command(sub, "statement", cmd_statement, "a supplier's or customer's statement: opening, documents, closing")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--supplier", metavar="CODE")
    who.add_argument("--customer", metavar="CODE")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    add_format(p)

    p = command(sub, "cancel-document", cmd_cancel, "reverse a posted money document by a cancelling one (supervisor)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--supplier", metavar="CODE")
    who.add_argument("--customer", metavar="CODE")
    p.add_argument("--document", required=True, metavar="N")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--date", metavar="YYYY-MM-DD")
    add_operator(p)


def _side(args) -> tuple[str, str]:
    return ("payable", args.supplier) if args.supplier else ("receivable", args.customer)


def _prices(specs: list[str]) -> dict:
    from db.money import parse_amount
    out = {}
    for spec in specs:
        sku, sep, price = spec.partition("=")
        if not sep or not sku.strip():
            raise CliError(_("--price takes SKU=PRICE, got {spec!r}").format(spec=spec), code=2)
        out[sku.strip()] = parse_amount(price, _("the price of {sku}").format(sku=sku.strip()))
    return out


def _kind(kind: str) -> str:
    """A stored document kind as the user's language says it (the money document context)."""
    from db.money.models import kind_name
    return kind_name(kind)


def _posted(result, what: str) -> None:
    doc = result.document
    for warning in result.warnings:
        print(_("warning: {warning}").format(warning=warning), file=sys.stderr)
    if result.replayed:
        print(_("already posted with this key: {kind} {number}; nothing posted now").format(
            kind=_kind(doc.kind), number=doc.number))
        return
    due = _(", due {date}").format(date=doc.due_date) if doc.due_date else ""
    print(_("{what} {number} of {amount:.2f} dated {date}{due}; {lines} lines").format(
        what=what, number=doc.number, amount=doc.amount, date=doc.date, due=due, lines=doc.lines.count()))


def cmd_bill(args) -> int:
    from db.money import bill
    result = bill(args.po, operator=args.operator, station=station_of(args), number=args.number,
                  date=parse_date(args.date), prices=_prices(args.price), key=args.key)
    _posted(result, _("bill for {po}:").format(po=args.po))
    return 0


def cmd_invoice(args) -> int:
    from db.money import invoice
    result = invoice(args.so, operator=args.operator, station=station_of(args), date=parse_date(args.date),
                     key=args.key)
    _posted(result, _("invoice for {so}:").format(so=args.so))
    return 0


def cmd_money_in(args) -> int:
    from db.money import money_in_cli
    result = money_in_cli(args.side, args.party, args.amount, operator=args.operator, station=station_of(args),
                          applies=args.apply, date=parse_date(args.date), reference=args.reference, key=args.key)
    doc = result.document
    if not result.replayed:
        print(_("{kind} {number} of {amount:.2f} dated {date}").format(
            kind=_kind(doc.kind), number=doc.number, amount=-doc.amount, date=doc.date))
        for a in result.applied:
            print(_("applied {amount:.2f} to {kind} {number}").format(
                amount=a.amount, kind=_kind(a.debit.kind), number=a.debit.number))
    for message in result.messages:
        print(message)
    return 0


def cmd_apply(args) -> int:
    from db.money import apply_later
    side, code = _side(args)
    a = apply_later(side, code, args.payment, args.bill, args.amount, operator=args.operator,
                    station=station_of(args), date=parse_date(args.date))
    print(_("applied {amount:.2f} of {credit_kind} {credit} to {debit_kind} {debit}").format(
        amount=a.amount, credit_kind=_kind(a.credit.kind), credit=a.credit.number,
        debit_kind=_kind(a.debit.kind), debit=a.debit.number))
    return 0


def cmd_statement(args) -> int:
    from db.money import statement
    side, code = _side(args)
    date_from, date_to = parse_date(args.date_from, "from"), parse_date(args.date_to, "to")
    if date_from and date_to and date_from > date_to:
        raise CliError(_("--from {date_from} is after --to {date_to}").format(date_from=date_from, date_to=date_to),
                       code=2)
    data = statement(side, code, date_from, date_to)
    if args.format == "json":
        payload = {k: _plain(v) for k, v in data.items() if k != "lines"}
        payload["lines"] = [{k: _plain(v) for k, v in line.items()} for line in data["lines"]]
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    # A table is read: its kinds in the user's language. CSV keeps the stored words (data).
    table = args.format == "table"
    opening = {"date": date_from, "kind": _("opening balance") if table else "opening balance", "document": "",
               "reference": "", "due_date": None, "amount": None, "balance": data["opening_balance"]}
    closing = {"date": date_to, "kind": _("closing balance") if table else "closing balance", "document": "",
               "reference": "", "due_date": None, "amount": None, "balance": data["closing_balance"]}
    lines = [{**line, "kind": _kind(line["kind"])} if table else line for line in data["lines"]]
    columns = ["date", "kind", "document", "reference", "due_date", "amount", "balance"]
    title = (_("statement of supplier {code} {name}") if side == "payable"
             else _("statement of customer {code} {name}")).format(code=code, name=data["name"])
    emit([opening, *lines, closing], columns, args.format, title=title.rstrip())
    return 0


def cmd_cancel(args) -> int:
    from db.money import cancel_document
    side, code = _side(args)
    result = cancel_document(side, code, args.document, reason=args.reason, operator=args.operator,
                             station=station_of(args), date=parse_date(args.date))
    print(_("{kind} {number} cancelled by {cancel} ({amount:+.2f}); {n} applications reversed").format(
        kind=_kind(result.original.kind), number=result.original.number, cancel=result.cancel.number,
        amount=result.cancel.amount, n=len(result.reversed_applications)))
    return 0
