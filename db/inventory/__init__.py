"""Inventory: put-away, moves and transfers, corrections and undo, stock queries."""
from __future__ import annotations

from .transfers import move, move_all, suggest_putaway
from .corrections import adjust, undo_movement, undo_movements, last_movement_of
from .stock_query import stock, STOCK_COLUMNS
from .expiry import (EXPIRING_DAYS, check_not_expired, expired_lot, expired_message, expiry_rows, is_expired,
                     lot_expiry, quarantine_expired, receipt_check, receipt_problem)
