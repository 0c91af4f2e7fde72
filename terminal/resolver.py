"""The store side of barcode decoding: what devices.decode asks the store (its Resolver).

devices/ never imports db/; this small adapter answers for it. Called on the station's
consumer thread, one scan at a time.
"""
from __future__ import annotations

from typing import Callable


class StoreResolver:
    def __init__(self):
        # (decimals, uom) of the item the last barcode found: decoding asks item_measure right
        # after find_barcode, and the join has already read it.
        self._measure: tuple[str, tuple[int, str]] | None = None

    def find_barcode(self, code: str) -> tuple[str, int] | None:
        from db.masterdata.lookup import find_barcode
        found = find_barcode(code)
        if found is None:
            return None
        item, pack_qty = found
        self._measure = (item.sku, (item.decimals or 0, item.uom or ""))
        return item.sku, pack_qty

    def item_measure(self, sku: str) -> tuple[int, str] | None:
        if self._measure is not None and self._measure[0] == sku:
            return self._measure[1]
        from db.masterdata.lookup import item_measure
        return item_measure(sku)

    def find_sku(self, code: str) -> str | None:
        from db.core.models import Item
        from db.core.sql import row_by
        item = row_by(Item, "sku", code)
        return item.sku if item is not None else None

    def is_location(self, code: str) -> bool:
        from db.core.models import Location
        return Location.select().where(Location.code == code).exists()

    def is_operator(self, code: str) -> bool:
        from db.core.models import Operator
        return Operator.select().where(Operator.code == code).exists()


def make_decoder(cfg, offline=None) -> Callable:
    """decode(scan) -> devices.decode.Decoded, with this store and the [barcodes] prefixes.
    With OFFLINE (an OfflineRunner), the journal's cache answers while the server is away."""
    from devices.decode import decode
    resolver = StoreResolver()
    if offline is not None:
        from db.offline import CachedResolver
        resolver = CachedResolver(resolver, offline.journal)
    prefixes = cfg.section("barcodes")

    def decode_scan(scan):
        return decode(scan, resolver=resolver, prefixes=prefixes)

    return decode_scan
