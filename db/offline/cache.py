"""The master data an offline station decodes scans with: barcodes, items, locations and
operators copied into the journal while the server answers, and a resolver that asks the live
store first and the copy when the store cannot be reached."""
from __future__ import annotations

import time
from typing import Any, Callable

from db.core.connection import reset_connection, store_unreachable
from db.offline.journal import Journal
from devices.gs1 import gtin14, is_gtin


def barcode_key(code: str) -> str:
    """One form per GTIN (GTIN-14), so EAN-13, UPC-A and GTIN-14 scans of one item meet."""
    code = code.strip()
    return gtin14(code) if is_gtin(code) else code


def refresh_cache(journal: Journal) -> int:
    """Copy barcodes, locations and operators of the main store into the journal's cache.
    Returns the number of rows cached."""
    from db.core.models import Barcode, Item, Location, Operator
    rows: list[tuple[str, str, dict]] = []
    for code, sku, pack, lots in (Barcode.select(Barcode.code, Item.sku, Barcode.pack_qty, Item.lot_tracked)
                                  .join(Item).tuples()):
        rows.append(("barcode", barcode_key(code), {"sku": sku, "pack_qty": pack, "lot_tracked": bool(lots)}))
    for sku, name, lots, decimals, uom in Item.select(Item.sku, Item.name, Item.lot_tracked, Item.decimals,
                                                      Item.uom).tuples():
        rows.append(("item", sku, {"name": name, "lot_tracked": bool(lots), "decimals": decimals or 0,
                                   "uom": uom or ""}))
    for code, kind, active in Location.select(Location.code, Location.kind, Location.active).tuples():
        rows.append(("location", code, {"kind": kind, "active": active}))
    for code, name, role, active in Operator.select(Operator.code, Operator.name, Operator.role,
                                                    Operator.active).tuples():
        rows.append(("operator", code, {"name": name, "role": role, "active": active}))
    journal.replace_cache(rows)
    return len(rows)


class CachedResolver:
    """The devices Resolver (find_barcode, is_location, is_operator, find_sku): the live store when it
    answers, the journal's cache when it does not."""

    def __init__(self, live, journal: Journal, *, retry_after_s: float = 5.0):
        self.live = live
        self.journal = journal
        # After a failure the cache answers alone for a while: on a dead network each live try
        # may hang for the connect timeout, and a scan must decode at once.
        self.retry_after_s = retry_after_s
        self._cache_until = 0.0

    def _ask(self, live_call: Callable[[], Any], cached_call: Callable[[], Any]):
        if time.monotonic() < self._cache_until:
            return cached_call()
        try:
            return live_call()
        except Exception as exc:
            if not store_unreachable(exc):
                raise
            reset_connection()
            self._cache_until = time.monotonic() + self.retry_after_s
            return cached_call()

    def find_barcode(self, code: str):
        def cached():
            hit = self.journal.cached("barcode", barcode_key(code))
            return (hit["sku"], hit["pack_qty"]) if hit else None
        return self._ask(lambda: self.live.find_barcode(code), cached)

    def is_location(self, code: str) -> bool:
        return self._ask(lambda: self.live.is_location(code),
                         lambda: self.journal.cached("location", code) is not None)

    def is_operator(self, code: str) -> bool:
        return self._ask(lambda: self.live.is_operator(code),
                         lambda: self.journal.cached("operator", code) is not None)

    def item_measure(self, sku: str):
        def cached():
            hit = self.journal.cached("item", sku)
            return (hit.get("decimals", 0), hit.get("uom", "")) if hit else None
        return self._ask(lambda: self.live.item_measure(sku), cached)

    def find_sku(self, code: str) -> str | None:
        # The journal caches barcodes, not SKUs: offline, a typed SKU is not known.
        return self._ask(lambda: self.live.find_sku(code), lambda: None)
