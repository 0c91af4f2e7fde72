"""Returns both ways: to suppliers (RTV) and from customers (RMA), their inspection and list."""
from __future__ import annotations

from .models import ReturnDocument, ReturnLine, MODELS
from .documents import ReturnResult, get_return, list_returns, LIST_COLUMNS
from .supplier import create_supplier_return, send_return_line, return_to_supplier, close_return
from .customer import return_from_customer, receive_customer_return, inspect_return, undo_inspection, shipped_lots
from .documents import check_reason
from .views import SendTask, send_tasks, ShippedLine, shipped_lines
