"""Small builders of master data for tests. They write straight to the models; stock only
ever enters through the ledger (`give_stock`)."""
from __future__ import annotations

import datetime as dt
import itertools

from db.ledger.posting import Posting, post
from db.core.models import (Barcode, Customer, Item, Location, Lot, Operator, Supplier, Warehouse, VIRTUAL_CODES)

_seq = itertools.count(1)


def warehouse(code="WH1"):
    return Warehouse.get_or_create(code=code, defaults={"name": f"Warehouse {code}"})[0]


def location(code, kind="storage", zone="A", seq=None, wh="WH1"):
    return Location.create(code=code, kind=kind, zone=zone, warehouse=warehouse(wh),
                           pick_sequence=next(_seq) if seq is None else seq)


def virtual(kind):
    return Location.get(Location.code == VIRTUAL_CODES[kind])


def supplier(code="SUP1", lead=5):
    return Supplier.get_or_create(code=code, defaults={"name": f"Supplier {code}", "lead_time_days": lead})[0]


def customer(code="CUST1"):
    return Customer.get_or_create(code=code, defaults={"name": f"Customer {code}"})[0]


def item(sku, name=None, lot=False, expiry=False, cost=1, price=2, barcodes=(), **kw):
    it = Item.create(sku=sku, name=name or f"Item {sku}", lot_tracked=lot or expiry,
                     expiry_tracked=expiry, unit_cost=cost, unit_price=price, **kw)
    for code, pack in barcodes:
        Barcode.create(code=code, item=it, pack_qty=pack)
    return it


def lot(it, code, expiry=None):
    if isinstance(expiry, str):
        expiry = dt.date.fromisoformat(expiry)
    return Lot.get_or_create(item=it, code=code, defaults={"expiry": expiry})[0]


def operator(code="W1", role="worker", name=None):
    return Operator.get_or_create(code=code, defaults={"name": name or code, "role": role})[0]


def give_stock(it, loc, qty, lot_=None, op="SETUP"):
    """Opening stock through the ledger, from inventory-gain."""
    return post(Posting(item=it, qty=qty, from_location=virtual("inventory-gain"), to_location=loc,
                        lot=lot_, kind="opening", operator=op))


def shop(*, locations=("A-01",), items=None, workers=("W1",), supervisors=(), stock=(), lots=()):
    """The small one-warehouse shop most db tests start from, built in one order: WH1, its
    LOCATIONS (a code, or (code, location() keywords)), ITEMS ({sku: item() keywords}; SOAP
    when None), operators (WORKERS, then SUPERVISORS), LOTS ((key, sku, code, expiry)), then
    STOCK ((sku, location, qty) or (sku, location, qty, lot key)) through the ledger.
    Returns everything by code: shop["A-01"], shop["SOAP"], shop["wh"], shop[lot key]."""
    out = {"wh": warehouse()}
    for spec in locations:
        code, kw = (spec, {}) if isinstance(spec, str) else spec
        out[code] = location(code, **kw)
    for sku, kw in (items if items is not None else {"SOAP": {}}).items():
        out[sku] = item(sku, **kw)
    for code in workers:
        operator(code, "worker")
    for code in supervisors:
        operator(code, "supervisor")
    for key, sku, code, expiry in lots:
        out[key] = lot(out[sku], code, expiry)
    for sku, loc, qty, *rest in stock:
        give_stock(out[sku], out[loc], qty, out[rest[0]] if rest else None)
    return out


def books_site() -> None:
    """The places and people the books' tests buy, sell and return with: W1 and BOSS, a
    supplier and a customer, a dock, a shelf, the shipping area and quarantine."""
    operator("W1")
    operator("BOSS", role="supervisor")
    supplier("SUP1")
    customer("C1")
    location("DOCK", kind="receiving", zone="D")
    location("A-01", seq=1)
    location("SHIP", kind="shipping", zone="S", seq=900)
    location("QA", kind="quarantine", zone="Q")
