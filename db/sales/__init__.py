"""Sales on the floor: claiming orders, allocation, picking, short picks and shipping."""
from __future__ import annotations

from db.core.statuses import CLOSED_SO_STATUSES
from .picking import (Allocation, PickTask, ShipResult, remaining, next_sales_order, release_sales_order,
                      refresh_so_status, pick_list, pick, short_pick, ship, open_sales_orders, orders_in_progress,
                      orders_to_ship, so_lines, open_so_lines_of_item, undo_short, unpickable,
                      release_place)
from .shortages import PickGap, blocked_places
