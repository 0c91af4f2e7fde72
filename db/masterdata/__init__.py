"""Master data: look-ups by the codes people type and scan, operators, roles and PINs, places and lots."""
from __future__ import annotations

from .lookup import (get_item, get_location, get_warehouse, default_warehouse, get_supplier, find_barcode, get_po,
                     get_so, get_lot, get_reason, warehouse_location, find_item, find_po, find_so, find_lot,
                     lots_with_code, skus, reason_codes)
from .security import (configure, configure_from, settings, get_operator, require_supervisor, pin_required, hash_pin,
                       set_pin, unlock, locked_for, check_pin, pin_source, supervisor_pin, audit, station_seen, redact)
from .places import physical, station_warehouse
from .lots import lot_for, lot_at
from .units import units_of, find_unit, factor_of, set_unit
