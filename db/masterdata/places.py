"""Where an operation may happen: a physical, active location; the station's warehouse."""
from __future__ import annotations

from gettext import gettext as _

from db.core.errors import RuleViolation
from db.core.models import Location, Station, Warehouse
from db.core.sql import row_by
from db.masterdata.lookup import default_warehouse, get_warehouse


def N_(text: str) -> str:
    """Mark TEXT for the catalogue; it is translated where it is shown."""
    return text


# The kinds of location as messages name them (the stored kind stays the English word).
KIND_WORDS = {
    "storage": N_("storage"), "receiving": N_("receiving"), "shipping": N_("shipping"),
    "quarantine": N_("quarantine"), "supplier": N_("supplier"), "customer": N_("customer"),
    "inventory-loss": N_("inventory-loss"), "inventory-gain": N_("inventory-gain"), "transit": N_("transit"),
}


def location_kind(kind: str) -> str:
    """KIND (a location's kind) in the chosen language."""
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def physical(loc: Location, purpose: str) -> Location:
    """LOC, if goods may be handled there for PURPOSE (a phrase, already translated: "a pick")."""
    if not loc.is_physical:
        raise RuleViolation(_("{purpose} needs a physical location: {code} is a virtual {kind} location").format(
            purpose=purpose, code=loc.code, kind=location_kind(loc.kind)))
    if not loc.active:
        raise RuleViolation(_("location {code} is inactive").format(code=loc.code))
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
