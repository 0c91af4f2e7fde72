"""CSV import of opening stock: each row one ledger posting from @GAIN.

Split out of db/io/importer.py (which keeps import_csv, the registry and master data): the one
import that posts to the ledger, with its lots, expiry and idempotency keys.
"""
from __future__ import annotations

import datetime as dt
from gettext import gettext as _

from db.core.models import PHYSICAL_KINDS, VIRTUAL_CODES, Item, Location, Lot, utcnow
from db.io.validation import stored_quantity
from db.ledger import locks

class StockImport:
    """Opening balances, each row one ledger posting from @GAIN (kind "opening").

    Each posting's idempotency key is made of the file's digest and the row number, so
    importing the very same file twice posts it once.
    """
    kind = "stock"

    def validate(self, rows, present, check):
        items = {i.sku: (i.id, i.lot_tracked, i.expiry_tracked, i) for i in
                 Item.select(Item.sku, Item.id, Item.lot_tracked, Item.expiry_tracked, Item.decimals, Item.uom)}
        locations = {code: (lid, kind, active) for code, lid, kind, active in
                     Location.select(Location.code, Location.id, Location.kind, Location.active).tuples()}
        lots = {(iid, code): exp for iid, code, exp in Lot.select(Lot.item, Lot.code, Lot.expiry).tuples()}
        file_lots: dict[tuple[int, str], tuple[dt.date | None, int]] = {}
        for row in rows:
            v = row.values
            item = items.get(v["sku"]) if v.get("sku") else None
            if v.get("sku") and item is None:
                check.add(row.number, "sku", _("unknown item SKU {sku!r}: import items first").format(sku=v['sku']))
            loc = locations.get(v["location"]) if v.get("location") else None
            if v.get("location"):
                if loc is None:
                    check.add(row.number, "location", _("unknown location {code!r}: import locations first").format(
                        code=v['location']))
                elif loc[1] not in PHYSICAL_KINDS:
                    check.add(row.number, "location", _("{code} is a virtual {kind} location: expected a physical "
                                                        "location").format(code=v['location'], kind=loc[1]))
                elif not loc[2]:
                    check.add(row.number, "location", _("location {code} is inactive").format(code=v['location']))
            if item is None:
                continue
            iid, lot_tracked, expiry_tracked, decimals = item
            stored_quantity(check, row, "qty", decimals)
            lot, expiry = v.get("lot"), v.get("expiry")
            if lot_tracked and not lot:
                check.add(row.number, "lot", _("{sku} is lot-tracked: a lot is required").format(sku=v['sku']))
            if not lot_tracked and lot:
                check.add(row.number, "lot", _("{sku} is not lot-tracked: expected no lot, got {lot!r}").format(
                    sku=v['sku'], lot=lot))
            if expiry and not expiry_tracked:
                check.add(row.number, "expiry", _("{sku} is not expiry-tracked: expected no expiry, got {expiry}").format(
                    sku=v['sku'], expiry=expiry))
            if not lot or not lot_tracked:
                continue
            known = lots.get((iid, lot), "new")
            earlier = file_lots.get((iid, lot))
            if expiry_tracked and not expiry and (known == "new" or known is None) and not (earlier and earlier[0]):
                check.add(row.number, "expiry", _("{sku} is expiry-tracked: an expiry date is required for lot {lot}").format(
                    sku=v['sku'], lot=lot))
            if known not in ("new", None) and expiry and known != expiry:
                check.add(row.number, "expiry", _("lot {lot} of {sku} expires {known}, not {expiry}").format(
                    lot=lot, sku=v['sku'], known=known, expiry=expiry))
            if earlier and expiry and earlier[0] and earlier[0] != expiry:
                check.add(row.number, "expiry", _("lot {lot} of {sku} has expiry {first} on row {row}, not {expiry}").format(
                    lot=lot, sku=v['sku'], first=earlier[0], row=earlier[1], expiry=expiry))
            if not earlier or (expiry and not earlier[0]):
                file_lots[(iid, lot)] = (expiry, row.number)
        return rows

    def write(self, rows, present, result, progress, ctx):
        from db.ledger.posting import Posting, post
        from db.core.models import Movement
        skus = {r.values["sku"] for r in rows}
        items = {i.sku: i for i in Item.select() if i.sku in skus}
        locations = {loc.code: loc for loc in Location.select()}
        gain = locations[VIRTUAL_CODES["inventory-gain"]]
        prefix = f"import:stock:{ctx['digest']}:"
        done_before = {k for (k,) in Movement.select(Movement.idempotency_key)
                       .where(Movement.idempotency_key.startswith(prefix)).tuples()}
        lots: dict[tuple[int, str], Lot] = {}
        total = len(rows)
        now = utcnow()
        locks.lock_items(item.id for item in items.values())     # all at once: db/ledger/locks.py
        for done, row in enumerate(rows, 1):
            if done % 500 == 0:
                progress("writing", done, total)
            key = f"{prefix}{row.number}"
            if key in done_before:
                result.skipped += 1
                continue
            v = row.values
            item = items[v["sku"]]
            lot = None
            if item.lot_tracked:
                lot = lots.get((item.id, v["lot"]))
                if lot is None:
                    lot = Lot.get_or_none(Lot.item == item.id, Lot.code == v["lot"])
                    if lot is None:
                        lot = Lot.create(item=item, code=v["lot"], expiry=v.get("expiry"), received_at=now)
                    elif lot.expiry is None and v.get("expiry"):
                        lot.expiry = v["expiry"]
                        lot.save()
                    lots[(item.id, v["lot"])] = lot
            post(Posting(item=item, qty=v["qty"], from_location=gain,
                         to_location=locations[v["location"]], lot=lot, kind="opening",
                         operator=ctx["operator"], station=ctx["station"], key=key,
                         document="IMPORT", reason="opening balance", unit_cost=item.unit_cost))
            result.created += 1
        progress("writing", total, total)

