"""Decoding against a real store: items by any GTIN length, pack quantities, internal codes,
locations, operator badges, commands and unknown codes."""
from __future__ import annotations

import json

from devices.decode import decode
from devices.scan import make_scan
from terminal.cli import main
from terminal.resolver import StoreResolver
from tests import factories as f

PREFIXES = {"location_prefix": "", "operator_prefix": "OP-", "command_prefix": "CMD-", "separator_chars": ["\x1d"]}


def seed():
    f.warehouse()
    f.location("04-B-03-02", zone="B")
    f.item("SOAP", barcodes=[("5901234123457", 1), ("15901234123454", 12), ("INT-SOAP", 1)])
    f.item("RICE", barcodes=[("00614141123452", 1)])
    f.item("MILK", barcodes=[("96385074", 1)])
    f.operator("W1")


def wh_decode(url, raw, capsys, *extra):
    code = main(["--db", url, "decode", "--format", "json", *extra, raw])
    return code, json.loads(capsys.readouterr().out)


def test_ean13_found_by_its_gtin14_and_pack_barcodes(store, capsys):
    seed()
    r = StoreResolver()
    d = decode("]E05901234123457", resolver=r, prefixes=PREFIXES)
    assert (d.kind, d.sku, d.pack_qty, d.qty, d.error) == ("item", "SOAP", 1, 1, None)
    # The case barcode, a GTIN-14 with indicator 1: 12 soaps.
    d = decode("]C10115901234123454<GS>10L7".replace("<GS>", "\x1d"), resolver=r, prefixes=PREFIXES)
    assert (d.kind, d.sku, d.pack_qty, d.lot, d.qty) == ("gs1", "SOAP", 12, "L7", 12)
    # 3 cases by (30) count: 36 units.
    d = decode("]C10115901234123454\x1d303", resolver=r, prefixes=PREFIXES)
    assert (d.count, d.qty) == (3, 36)
    # Stored as GTIN-14, scanned as UPC-A (12 digits); stored as EAN-8, scanned inside (01).
    assert decode("614141123452", resolver=r, prefixes=PREFIXES).sku == "RICE"
    assert decode("]C10100000096385074", resolver=r, prefixes=PREFIXES).sku == "MILK"


def test_valid_gtin_that_no_item_carries_says_so(sqlite_store):
    seed()
    d = decode("4001234567891", resolver=StoreResolver(), prefixes=PREFIXES)
    assert d.kind == "item" and d.sku is None
    assert d.error == "no item carries GTIN 04001234567891"


def test_internal_code_location_operator_and_command(sqlite_store):
    seed()
    r = StoreResolver()
    d = decode(make_scan("]C0INT-SOAP", "serial"), resolver=r, prefixes=PREFIXES)
    assert (d.kind, d.sku, d.qty) == ("item", "SOAP", 1)
    d = decode("04-B-03-02", resolver=r, prefixes=PREFIXES)
    assert (d.kind, d.location, d.error) == ("location", "04-B-03-02", None)
    d = decode("OP-W1", resolver=r, prefixes=PREFIXES)
    assert (d.kind, d.operator, d.error) == ("operator", "W1", None)
    d = decode("OP-NOBODY", resolver=r, prefixes=PREFIXES)
    assert d.kind == "operator" and "no operator NOBODY" in d.error
    d = decode("CMD-SHORT", resolver=r, prefixes=PREFIXES)
    assert (d.kind, d.command, d.error) == ("command", "SHORT", None)
    d = decode("CMD-LUNCH", resolver=r, prefixes=PREFIXES)
    assert d.kind == "command" and "CMD-DONE" in d.error
    d = decode("WHAT-IS-THIS", resolver=r, prefixes=PREFIXES)
    assert d.kind == "unknown" and "not an item, location, operator or command" in d.error


def test_location_prefix_from_config(sqlite_store):
    seed()
    prefixes = {**PREFIXES, "location_prefix": "L:"}
    d = decode("L:04-B-03-02", resolver=StoreResolver(), prefixes=prefixes)
    assert (d.kind, d.location, d.error) == ("location", "04-B-03-02", None)
    d = decode("L:99-Z", resolver=StoreResolver(), prefixes=prefixes)
    assert d.kind == "location" and d.error == "no location 99-Z in the store (scanned L:99-Z)"


def test_substitute_separator_from_config():
    d = decode("]C10105412345000013|10ABC|17290331", prefixes={**PREFIXES, "separator_chars": ["\x1d", "|"]})
    assert (d.gtin, d.lot, d.expiry.isoformat(), d.error) == ("05412345000013", "ABC", "2029-03-31", None)


def test_wh_decode_uses_the_store(sqlite_store, capsys):
    seed()
    code, out = wh_decode(sqlite_store, "]C10115901234123454<GS>10L7<GS>17260500", capsys)
    assert code == 0
    assert (out["sku"], out["pack_qty"], out["qty"], out["lot"], out["expiry"]) == ("SOAP", 12, 12, "L7", "2026-05-31")
    code, out = wh_decode(sqlite_store, "4001234567891", capsys)
    assert code == 1 and out["error"] == "no item carries GTIN 04001234567891"
    code, out = wh_decode(sqlite_store, "4001234567891", capsys, "--no-store")
    assert code == 0 and out["sku"] is None


def test_wh_decode_without_a_reachable_store_still_decodes(tmp_path, capsys):
    code = main(["--db", "postgresql://nobody@127.0.0.1:1/none", "decode", "5901234123457"])
    captured = capsys.readouterr()
    assert code == 0
    assert "gtin: 05901234123457" in captured.out
    assert "decoding without the store" in captured.err


def test_an_sku_typed_by_hand_is_one_unit_of_that_item(sqlite_store):
    """A torn label: the worker types the SKU printed on the box. A location named like an
    item keeps its meaning, and an unknown code is still an error."""
    seed()
    f.item("04-B-03-02")                      # an SKU that is also a location code
    r = StoreResolver()
    d = decode("RICE", resolver=r, prefixes=PREFIXES)
    assert (d.kind, d.sku, d.qty, d.error) == ("item", "RICE", 1, None)
    assert decode("04-B-03-02", resolver=r, prefixes=PREFIXES).kind == "location"
    assert decode("RICE-2", resolver=r, prefixes=PREFIXES).kind == "unknown"


def test_a_typed_sku_costs_no_query_on_other_scans(sqlite_store):
    """The SKU is asked for last: scanning a location, an operator or a product's GTIN never
    pays the extra look-up."""
    seed()
    asked = []

    class Counting(StoreResolver):
        def find_sku(self, code):
            asked.append(code)
            return super().find_sku(code)

    r = Counting()
    for raw in ("04-B-03-02", "OP-W1", "5901234123457", "INT-SOAP"):
        assert decode(raw, resolver=r, prefixes=PREFIXES).error is None
    assert asked == []
    f.item("123456")                          # an SKU of digits, no GTIN length
    assert decode("123456", resolver=r, prefixes=PREFIXES).sku == "123456"
    assert asked == ["123456"]
