"""The domain operations API (see docs/operations.md): one import for the terminal flows, the
CLI, counts, reports and the rest. The work lives in small modules, re-exported here."""
from __future__ import annotations

from .corrections import adjust, last_movement_of, undo_movement
from .picking import (Allocation, PickTask, ShipResult, next_sales_order, open_sales_orders,
                      pick, pick_list, release_sales_order, short_pick, ship)
from .receiving import ReceiptResult, close_po, open_purchase_orders, receive
from .stock_query import STOCK_COLUMNS, stock
from .transfers import move, move_all, suggest_putaway

__all__ = [
    "ReceiptResult", "receive", "close_po", "open_purchase_orders",
    "move", "move_all", "suggest_putaway",
    "PickTask", "ShipResult", "Allocation", "next_sales_order", "release_sales_order",
    "pick_list", "pick", "short_pick", "ship", "open_sales_orders",
    "adjust", "undo_movement", "last_movement_of",
    "stock", "STOCK_COLUMNS",
]
