"""CSV in and out for money and returns: opening balances, money documents and open returns to
supplier, each exported with exactly the header its import reads (db/io/importer.py runs them).

- opening-balances: what each supplier is owed or each customer owes as at a date (one row per
  party; negative = an advance). Exported as the balances now, so a new store starts from this
  one's. A party with an opening balance already (not cancelled) is refused.
- money-documents: every bill, note, payment, invoice, receipt, opening balance and
  cancellation with its amount (not its lines). A document the store has (same side, party and
  number) is skipped, so the export re-imports cleanly; a cancellation names the document it
  cancels, earlier in the file or in the store.
- returns: open returns to supplier with the units still to send, grouped by return number:
  the station's Return job sends them. A return the store has is skipped.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from gettext import gettext as _

from db.core.errors import WarehouseError
from db.core.models import Customer, Item, Location, PurchaseOrder, ReasonCode, Supplier, utcnow
from db.io.import_base import ImportFailed, code_map
from db.io.validation import CellError, Col, Spec, at_row, p_code, p_date, p_positive, p_text

MONEY_KINDS = {"payable": ("bill", "debit_note", "payment", "opening", "cancel"),
               "receivable": ("invoice", "credit_note", "receipt", "opening", "cancel")}


def p_amount(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("expected an amount like -12.50, got {value!r}").format(value=value)) from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise CellError(_("expected an amount in whole cents like -12.50, got {value!r}").format(value=value))
    return number


def p_side(value: str) -> str:
    if value not in MONEY_KINDS:
        raise CellError(_("expected payable or receivable, got {value!r}").format(value=value))
    return value


SPECS = {
    "opening-balances": Spec((
        Col("supplier", p_code), Col("customer", p_code), Col("date", p_date, True),
        Col("amount", p_amount, True), Col("due_date", p_date), Col("reference", p_text, default="")),
        ("supplier", "customer")),
    "money-documents": Spec((
        Col("side", p_side, True), Col("kind", p_text, True), Col("number", p_code, True),
        Col("supplier", p_code), Col("customer", p_code), Col("date", p_date, True), Col("due_date", p_date),
        Col("amount", p_amount, True), Col("reference", p_text, default=""), Col("cancels", p_code)),
        ("side", "supplier", "customer", "number")),
    "returns": Spec((
        Col("return", p_code, True), Col("supplier", p_code, True), Col("po", p_code), Col("sku", p_code, True),
        Col("lot", p_code), Col("from", p_code, True), Col("qty", p_positive, True), Col("reason", p_code, True)),
        ("return", "sku", "lot", "from")),
}


def _party(v: dict, row, check, suppliers, customers):
    """(side, party id) of a row naming exactly one supplier or customer."""
    sup, cust = v.get("supplier"), v.get("customer")
    if bool(sup) == bool(cust):
        check.add(row.number, "supplier", _("name a supplier or a customer (one of them), not both or neither"))
        return None, None
    if sup:
        if sup not in suppliers:
            check.add(row.number, "supplier", _("unknown supplier {code!r}: import suppliers first").format(code=sup))
            return None, None
        return "payable", suppliers[sup]
    if cust not in customers:
        check.add(row.number, "customer", _("unknown customer {code!r}: import customers first").format(code=cust))
        return None, None
    return "receivable", customers[cust]


class OpeningBalancesImport:
    def validate(self, rows, present, check):
        suppliers, customers = code_map(Supplier), code_map(Customer)
        plan = []
        for row in rows:
            side, party_id = _party(row.values, row, check, suppliers, customers)
            if side is None:
                continue
            if row.values.get("amount") == 0:
                check.add(row.number, "amount", _("an opening balance of 0 needs no row"))
            plan.append((row, side, party_id))
        return plan

    def write(self, plan, present, result, progress, ctx):
        from db.money.documents import create_document
        from db.money.models import MoneyDocument
        cancelled = MoneyDocument.select(MoneyDocument.cancels).where(MoneyDocument.cancels.is_null(False))
        for row, side, party_id in plan:
            v = row.values
            key = f"import:opening:{ctx['digest']}:{row.number}"
            if MoneyDocument.select().where(MoneyDocument.idempotency_key == key).exists():
                result.skipped += 1      # this very file was imported before
                continue
            column = MoneyDocument.supplier if side == "payable" else MoneyDocument.customer
            earlier = (MoneyDocument.select().where(MoneyDocument.side == side, column == party_id,
                                                    MoneyDocument.kind == "opening",
                                                    MoneyDocument.id.not_in(cancelled)).first())
            if earlier is not None:
                raise ImportFailed("opening-balances", [at_row(row.number, None, _(
                    "{number} is already the opening balance of {party}: cancel it first").format(
                        number=earlier.number, party=v.get('supplier') or v.get('customer')))])
            who = Supplier.get_by_id(party_id) if side == "payable" else Customer.get_by_id(party_id)
            create_document(side, "opening", who, amount=v["amount"], date=v["date"], operator=ctx["operator"],
                            station=ctx["station"], key=key, due_date=v.get("due_date") or v["date"],
                            reference=v.get("reference") or "opening balance")
            result.created += 1


class MoneyDocumentsImport:
    def validate(self, rows, present, check):
        from db.money.models import MoneyDocument
        suppliers, customers = code_map(Supplier), code_map(Customer)
        stored = {(d.side, d.supplier_id or d.customer_id, d.number): d for d in MoneyDocument.select()}
        seen: dict = {}
        plan = []
        for row in rows:
            v = row.values
            side = v.get("side")
            if side is None:
                continue
            party_side, party_id = _party(v, row, check, suppliers, customers)
            if party_side is None:
                continue
            if party_side != side:
                check.add(row.number, "side", _("a payable document names a customer") if side == "payable"
                          else _("a receivable document names a supplier"))
                continue
            kind, amount = v.get("kind"), v.get("amount")
            if kind not in MONEY_KINDS[side]:
                check.add(row.number, "kind", _("a {side} document is one of {items}, got {kind!r}").format(
                    side=side, items=", ".join(MONEY_KINDS[side]), kind=kind))
                continue
            if amount is not None and ((kind in ("bill", "invoice") and amount <= 0)
                                       or (kind in ("payment", "receipt", "debit_note", "credit_note") and amount >= 0)):
                text = (_("a {kind}'s amount is positive (its effect on the balance), got {amount}")
                        if kind in ('bill', 'invoice') else
                        _("a {kind}'s amount is negative (its effect on the balance), got {amount}"))
                check.add(row.number, "amount", text.format(kind=kind, amount=amount))
            key = (side, party_id, v["number"])
            existing = stored.get(key)
            if existing is not None and amount is not None and Decimal(existing.amount) != amount:
                check.add(row.number, "amount", _("{number} is in the store with amount {stored:.2f}, not {amount}").format(
                    number=v['number'], stored=existing.amount, amount=amount))
            if kind == "cancel":
                target = v.get("cancels")
                original = stored.get((side, party_id, target)) or seen.get((side, party_id, target))
                if not target or original is None:
                    check.add(row.number, "cancels", _("a cancellation names the document it cancels, earlier in the "
                                                       "file or in the store; got {target!r}").format(target=target))
                elif amount is not None and Decimal(original if isinstance(original, Decimal) else original.amount) != -amount:
                    check.add(row.number, "amount", _("a cancellation of {target} has the opposite amount").format(target=target))
            seen[key] = amount
            plan.append((row, side, party_id, existing is not None))
        return plan

    def write(self, plan, present, result, progress, ctx):
        from db.money.documents import create_document, party_filter
        from db.money.models import MoneyDocument
        for row, side, party_id, exists in plan:
            if exists:
                result.skipped += 1
                continue
            v = row.values
            who = Supplier.get_by_id(party_id) if side == "payable" else Customer.get_by_id(party_id)
            cancels = None
            if v["kind"] == "cancel":
                cancels = MoneyDocument.select().where(*party_filter(side, who), MoneyDocument.number == v["cancels"]).get()
            create_document(side, v["kind"], who, amount=v["amount"], date=v["date"], operator=ctx["operator"],
                            station=ctx["station"], number=v["number"], due_date=v.get("due_date"),
                            reference=v.get("reference") or "", cancels=cancels)
            result.created += 1


class ReturnsImport:
    def validate(self, rows, present, check):
        suppliers, items = code_map(Supplier), code_map(Item, "sku")
        locations = code_map(Location)
        reasons = {r.code for r in ReasonCode.select()}
        groups: dict[str, list] = {}
        for row in rows:
            v = row.values
            for column, known, what in (("supplier", suppliers, _("unknown supplier {code!r}")),
                                        ("sku", items, _("unknown item SKU {code!r}")),
                                        ("from", locations, _("unknown location {code!r}"))):
                if v.get(column) and v[column] not in known:
                    check.add(row.number, column, what.format(code=v[column]))
            if v.get("reason") and v["reason"] not in reasons:
                check.add(row.number, "reason", _("unknown reason code {code!r}").format(code=v['reason']))
            if v.get("po") and not PurchaseOrder.select().where(PurchaseOrder.number == v["po"]).exists():
                check.add(row.number, "po", _("unknown purchase order {code!r}").format(code=v['po']))
            group = groups.setdefault(v["return"], [])
            if group and (group[0].values.get("supplier"), group[0].values.get("po"), group[0].values.get("reason")) != \
                    (v.get("supplier"), v.get("po"), v.get("reason")):
                check.add(row.number, "return",
                          _("return {number} has another supplier, PO or reason on row {row}").format(
                              number=v['return'], row=group[0].number))
            group.append(row)
        return groups

    def write(self, groups, present, result, progress, ctx):
        from db.returns import ReturnDocument, create_supplier_return
        for number, rows in groups.items():
            if ReturnDocument.select().where(ReturnDocument.number == number).exists():
                result.skipped += len(rows)
                continue
            first = rows[0].values
            lines = [{"sku": r.values["sku"], "qty": r.values["qty"], "from": r.values["from"],
                      "lot": r.values.get("lot")} for r in rows]
            try:
                create_supplier_return(first["supplier"], lines, reason=first["reason"], po=first.get("po"),
                                       operator=ctx["operator"], station=ctx["station"], number=number)
            except WarehouseError as exc:
                raise ImportFailed("returns", [at_row(rows[0].number, None, _("return {number}: {error}").format(
                    number=number, error=exc))]) from None
            result.created += len(rows)


HANDLERS = {"opening-balances": OpeningBalancesImport(), "money-documents": MoneyDocumentsImport(),
            "returns": ReturnsImport()}


# --- export -------------------------------------------------------------------------------------

def _opening_balances():
    from db.money.documents import balance
    from db.money.models import MoneyDocument
    today = utcnow().date()
    for side, model in (("payable", Supplier), ("receivable", Customer)):
        field = MoneyDocument.supplier if side == "payable" else MoneyDocument.customer
        ids = {i for (i,) in MoneyDocument.select(field).where(MoneyDocument.side == side).distinct().tuples()}
        for who in model.select().where(model.id.in_(list(ids))).order_by(model.code):
            amount = balance(side, who)
            if amount:
                yield {"supplier": who.code if side == "payable" else None,
                       "customer": who.code if side == "receivable" else None, "date": today,
                       "amount": amount, "due_date": None, "reference": f"balance as at {today}"}


def _money_documents():
    from db.money.models import MoneyDocument
    for d in MoneyDocument.select().order_by(MoneyDocument.id):
        yield {"side": d.side, "kind": d.kind, "number": d.number,
               "supplier": d.supplier.code if d.supplier_id else None,
               "customer": d.customer.code if d.customer_id else None, "date": d.date,
               "due_date": d.due_date, "amount": Decimal(d.amount).quantize(Decimal("0.01")),
               "reference": d.reference, "cancels": d.cancels.number if d.cancels_id else None}


def _returns():
    from db.returns.models import ReturnDocument, ReturnLine
    query = (ReturnLine.select().join(ReturnDocument)
             .where(ReturnDocument.direction == "supplier", ReturnDocument.status == "open")
             .order_by(ReturnDocument.number, ReturnLine.line_no))
    for line in query:
        left = line.qty - line.qty_sent
        if left > 0:
            doc = line.document
            yield {"return": doc.number, "supplier": doc.supplier.code, "po": doc.po.number if doc.po_id else None,
                   "sku": line.item.sku, "lot": line.lot.code if line.lot_id else None,
                   "from": line.location.code, "qty": left, "reason": doc.reason}


ROWS = {"opening-balances": _opening_balances, "money-documents": _money_documents, "returns": _returns}
