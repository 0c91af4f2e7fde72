"""Where an operation may happen: a physical, active location; the station's warehouse."""
from __future__ import annotations

from db.core.errors import RuleViolation
from db.core.models import Location, Station, Warehouse
from db.core.sql import row_by
from db.masterdata.lookup import default_warehouse, get_warehouse


def physical(loc: Location, purpose: str) -> Location:
    if not loc.is_physical:
        raise RuleViolation(f"{purpose} needs a physical location: {loc.code} is a virtual {loc.kind} location")
    if not loc.active:
        raise RuleViolation(f"location {loc.code} is inactive")
    return loc


def station_warehouse(station: str = "", warehouse: str | None = None) -> Warehouse:
    """The named warehouse, else the station's, else the only/first one."""
    if warehouse:
        return get_warehouse(warehouse)
    if station:
        row = row_by(Station, "code", station)
        if row is not None and row.warehouse_id:
            wh = row_by(Warehouse, "id", row.warehouse_id)
            if wh is not None:
                return wh
    return default_warehouse()
