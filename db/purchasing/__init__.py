"""Purchasing: receiving against purchase orders, their status and closing."""
from __future__ import annotations

from db.core.statuses import OPEN_PO_STATUSES, RECEIVABLE_PO_STATUSES
from .receiving import (ReceiptResult, receive, po_with_supplier, po_lines_with_items, remove_from_average_cost,
                        refresh_po_status, close_po, open_purchase_orders, open_po_lines_of_item, check_receivable)
