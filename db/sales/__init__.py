"""Sales on the floor: claiming orders, allocation, picking, short picks and shipping."""
from __future__ import annotations

from db.core.statuses import CLOSED_SO_STATUSES
from .claiming import Allocation, remaining, next_sales_order, release_sales_order, release_place
from .picking import (PickTask, refresh_so_status, pick_list, pick, short_pick, open_sales_orders, orders_in_progress,
                      orders_to_ship, so_lines, open_so_lines_of_item, undo_short, unpickable)
from .shipping import ShipResult, ship
from .shortages import PickGap, blocked_places
