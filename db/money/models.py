"""The two sub-ledgers (payables to suppliers, receivables from customers) as documents.

One table of documents for both sides: a bill, debit note, payment (payables) or an invoice,
credit note, receipt (receivables), an opening balance, or a cancellation (红冲) pointing at
the document it reverses. `amount` is the document's signed effect on the balance: what we owe
the supplier, or what the customer owes us; so a balance is a plain sum, and a statement's
closing balance is its opening plus its lines by construction. Documents are never updated or
deleted; applications (核销) of money to bills and invoices are rows of their own, reversed by
rows of the opposite sign.
"""
from __future__ import annotations

from gettext import pgettext

import peewee as pw

from db.core.models import (BaseModel, Customer, Item, Money, PurchaseOrder, PurchaseOrderLine,
                            SalesOrder, SalesOrderLine, Supplier, utcnow)
from db.returns.models import ReturnLine

SIDES = ("payable", "receivable")
# kind -> the sign of its amount (+ raises the balance).
KINDS = {"bill": 1, "invoice": 1, "debit_note": -1, "credit_note": -1, "payment": -1,
         "receipt": -1, "opening": 0, "cancel": 0}


def N_(text: str) -> str:
    """Marks TEXT for the catalogue; translated where it is shown (db/ cannot import terminal/)."""
    return text


# The kinds as messages name them: the stored kind is data and stays English; a message shows
# it through kind_name(), which translates it in the context "money document": a money
# "receipt" (收款单) is not the goods receipt (收货) of a movement, nor "opening" the same word.
CONTEXT = "money document"


def NC_(context: str, text: str) -> str:
    """Marks TEXT in CONTEXT for the catalogue (pgettext's words, extracted as such)."""
    return text


# Each kind marked once with its context, so `make messages` keeps their translations.
KIND_WORDS = (NC_("money document", "bill"), NC_("money document", "invoice"),
              NC_("money document", "debit_note"), NC_("money document", "credit_note"),
              NC_("money document", "payment"), NC_("money document", "receipt"),
              NC_("money document", "opening"), NC_("money document", "cancel"))


def kind_name(kind: str) -> str:
    """KIND (a stored document kind) as the user's language says it."""
    return pgettext(CONTEXT, kind) if kind in KINDS else kind


class MoneyDocument(BaseModel):
    side = pw.CharField()
    kind = pw.CharField()
    # Our number (PAY-000001...), or the supplier's own for a bill.
    number = pw.CharField()
    supplier = pw.ForeignKeyField(Supplier, null=True, backref="money_documents")
    customer = pw.ForeignKeyField(Customer, null=True, backref="money_documents")
    date = pw.DateField()
    due_date = pw.DateField(null=True)
    amount = Money()
    reference = pw.CharField(default="")
    po = pw.ForeignKeyField(PurchaseOrder, null=True)
    so = pw.ForeignKeyField(SalesOrder, null=True)
    cancels = pw.ForeignKeyField("self", null=True, backref="cancelled_by")
    note = pw.TextField(default="")
    idempotency_key = pw.CharField(null=True, unique=True)
    created_by = pw.CharField(default="")
    station = pw.CharField(default="")
    created_at = pw.DateTimeField(default=utcnow)


class MoneyLine(BaseModel):
    document = pw.ForeignKeyField(MoneyDocument, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    item = pw.ForeignKeyField(Item, null=True)
    qty = pw.IntegerField(default=0)
    unit_price = Money(default=0)
    amount = Money()                         # qty × price, rounded once to the cent
    po_line = pw.ForeignKeyField(PurchaseOrderLine, null=True)
    so_line = pw.ForeignKeyField(SalesOrderLine, null=True)
    return_line = pw.ForeignKeyField(ReturnLine, null=True)
    flag = pw.CharField(default="")          # e.g. a billed price within the tolerance


class Application(BaseModel):
    """AMOUNT of a credit document (payment, receipt, note) set against a debit one (bill,
    invoice). A reversal is a row of the opposite sign pointing at the row it reverses."""
    credit = pw.ForeignKeyField(MoneyDocument, backref="applied_from")
    debit = pw.ForeignKeyField(MoneyDocument, backref="applied_to")
    amount = Money()
    date = pw.DateField()
    reverses = pw.ForeignKeyField("self", null=True)
    created_by = pw.CharField(default="")
    created_at = pw.DateTimeField(default=utcnow)


class CreditOverride(BaseModel):
    """A supervisor let ORDER go over its customer's credit limit (audited too)."""
    so = pw.ForeignKeyField(SalesOrder, backref="credit_overrides")
    by = pw.CharField()
    exposure = Money()
    credit_limit = Money()
    at = pw.DateTimeField(default=utcnow)


# A number is one document per side and party: a supplier's bill number is unique per supplier
# (COALESCE: one of the two parties is always NULL). One cancellation per document.
MoneyDocument.add_index(pw.SQL('CREATE UNIQUE INDEX IF NOT EXISTS money_document_number ON money_document '
                               '(side, COALESCE(supplier_id, 0), COALESCE(customer_id, 0), number)'))
MoneyDocument.add_index(MoneyDocument.cancels, unique=True, where=MoneyDocument.cancels.is_null(False))

MODELS = [MoneyDocument, MoneyLine, Application, CreditOverride]
