"""Sales on the floor: claiming orders, allocation, picking, short picks and shipping."""
from __future__ import annotations

from .picking import (Allocation, CLOSED_SO_STATUSES, PickTask, ShipResult, remaining, next_sales_order, release_sales_order, refresh_so_status, pick_list, pick, short_pick, ship, open_sales_orders, undo_short, unpickable, release_place)
from .shortages import PickGap, blocked_places
