"""Money: the payables and receivables sub-ledgers (bills, debit notes, payments; invoices,
credit notes, receipts), applications, cancellations, statements, ageing and credit limits."""
from __future__ import annotations

from .models import MoneyDocument, MoneyLine, Application, CreditOverride, MODELS
from .settings import configure, configure_from, setting
from .documents import (cents, parse_amount, open_amount, balance, apply_later, cancel_document,
                        find_document, party)
from .notes import note_for_return
from .payables import Posted, bill, billable, terms_days
from .receivables import invoice, invoiceable
from .payments import MoneyIn, parse_applies, money_in, money_in_cli, pay, collect
from .statements import BUCKETS, statement, ageing, side_ageing
from .credit import CreditLimitExceeded, exposure, check_credit
