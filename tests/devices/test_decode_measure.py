"""GS1 variable measure: (310n) kg, (311n) m, (314n) m², (315n) l, (320n) lb and (30) count,
read against the item's base unit and precision (decimals) as stored units."""
from __future__ import annotations

import json
from decimal import Decimal

from devices.decode import decode
from devices.gs1 import MeasureError, measure_in
from terminal.cli import main
from terminal.resolver import StoreResolver
from tests import factories as f

PREFIXES = {"location_prefix": "", "operator_prefix": "OP-", "command_prefix": "CMD-", "separator_chars": ["\x1d"]}
CHEESE = "95012345678903"     # a weighed cheese, kg with 3 decimals
CABLE = "04012345678901"      # cable by the metre, 1 decimal
SOAP = "05901234123457"       # whole units, no measure


def seed():
    f.warehouse()
    f.item("CHEESE", uom="kg", decimals=3, barcodes=[(CHEESE, 1)])
    f.item("CABLE", uom="m", decimals=1, barcodes=[(CABLE, 1), ("ROLL-50", 500)])
    f.item("FLOOR", uom="m²", decimals=2, barcodes=[("04012345678925", 1)])
    f.item("OIL", uom="L", decimals=2, barcodes=[("04012345678918", 1)])
    f.item("SOAP", barcodes=[(SOAP, 1)])


def dec(raw):
    return decode(raw, resolver=StoreResolver(), prefixes=PREFIXES)


def test_each_measure_ai_without_the_store():
    cases = {"(3103)001250": (Decimal("1.250"), "kg"), "(3112)001250": (Decimal("12.50"), "m"),
             "(3141)000125": (Decimal("12.5"), "m2"), "(3152)000150": (Decimal("1.50"), "l"),
             "(3202)000275": (Decimal("2.75"), "lb"), "(30)12": (Decimal(12), "count")}
    for tail, (measure, unit) in cases.items():
        d = decode(f"(01){CHEESE}{tail}")
        assert (d.measure, d.measure_unit, d.error) == (measure, unit, None), tail
        assert str(d.measure) == str(measure)       # exact, with the AI's decimals
    assert decode(f"(01){CHEESE}(3103)001250").weight == Decimal("1.250")
    js = decode(f"(01){CHEESE}(3202)000275").to_json_dict()
    assert (js["measure"], js["measure_unit"], js["gtin"]) == ("2.75", "lb", CHEESE)


def test_bad_measures_are_one_clear_error():
    d = decode(f"(01){CHEESE}(3109)001250")          # no such AI: n is 0-5
    assert d.error and "3109" in d.error
    d = decode(f"(01){CHEESE}(3103)0012A0")
    assert d.error and "(3103)" in d.error and "format" in d.error
    d = decode(f"(01){CHEESE}(3103)001250(3202)000275")
    assert d.error == "(3103) and (3202): one measure per scan is expected"


def test_weighed_cheese_is_stored_kg_thousandths(store):
    seed()
    d = dec(f"(01){CHEESE}(3103)001250")
    assert (d.sku, d.measure, d.qty, d.error, d.warnings) == ("CHEESE", Decimal("1.250"), 1250, None, [])
    # Fewer decimals on the label than the item has: 1.25 kg is 1250 all the same.
    assert dec(f"(01){CHEESE}(3102)000125").qty == 1250
    # The same unit is never rounded: 1.2505 kg does not fit 3 decimals.
    d = dec(f"(01){CHEESE}(3104)012505")
    assert d.qty is None
    assert d.error == "the measure 1.2505 kg of CHEESE is more precise than it allows (up to 3 decimals in kg)"


def test_pounds_convert_to_kg_rounded_half_up_with_a_warning(sqlite_store):
    seed()
    # 2.75 lb × 0.45359237 = 1.2473790175 kg -> 1.247 kg (1247 stored).
    d = dec(f"(01){CHEESE}(3202)000275")
    assert (d.qty, d.error) == (1247, None)
    assert d.warnings == ["2.75 lb is 1.2473790175 kg, rounded half-up to 1.247 kg (3 decimals)"]
    # 1 lb = 0.45359237 -> 0.454 (the 5th decimal rounds the 3rd up).
    assert dec(f"(01){CHEESE}(3200)000001").qty == 454


def test_length_area_volume_and_a_measure_of_the_wrong_kind(sqlite_store):
    seed()
    assert dec(f"(01){CABLE}(3111)000125").qty == 125                 # 12.5 m, 1 decimal
    assert dec("(01)04012345678925(3142)001250").qty == 1250           # 12.50 m² (item in m²)
    assert dec("(01)04012345678918(3152)000150").qty == 150            # 1.50 l (item in L)
    d = dec(f"(01){CHEESE}(3112)001250")                               # metres of cheese
    assert d.qty is None
    assert d.error == "the scan measures 12.50 m, a length, but CHEESE is kept in kg: it cannot be converted"


def test_measured_item_without_measure_needs_it_and_units_count_their_factor(sqlite_store):
    seed()
    d = dec(CHEESE)
    assert (d.sku, d.measure_needed, d.qty, d.error) == ("CHEESE", True, None, None)
    d = dec("CHEESE")                                   # the SKU typed by hand
    assert (d.sku, d.measure_needed, d.qty) == ("CHEESE", True, None)
    d = dec("ROLL-50")                                  # a roll of 50.0 m
    assert (d.sku, d.measure_needed, d.qty) == ("CABLE", False, 500)
    # (30) on a measured item counts its pack as before; a whole-unit item ignores a measure.
    d = dec(f"(01){SOAP}(3103)001250")
    assert (d.sku, d.qty, d.measure_needed, d.error) == ("SOAP", 1, False, None)
    d = dec(f"(01){SOAP}(30)7")
    assert (d.qty, d.measure, d.measure_unit) == (7, Decimal(7), "count")


def test_measure_in_converts_only_what_is_meaningful():
    assert measure_in(Decimal("1500"), "g", "kg", 3) == (1500, None)
    assert measure_in(Decimal("1.5"), "kg", "g", 0) == (1500, None)
    assert measure_in(Decimal("12.5"), "m2", "m²", 1) == (125, None)
    try:
        measure_in(Decimal("1"), "l", "kg", 3, "MILK")
    except MeasureError as exc:
        assert str(exc) == "the scan measures 1 l, a volume, but MILK is kept in kg: it cannot be converted"
    else:
        raise AssertionError("litres of a kg item converted")


def test_wh_decode_shows_the_measure(sqlite_store, capsys):
    seed()
    code = main(["--db", sqlite_store, "decode", "--format", "json", f"(01){CHEESE}(3103)001250"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["sku"], out["measure"], out["measure_unit"], out["qty"], out["weight"]) == \
        ("CHEESE", "1.250", "kg", 1.25, "1.250")       # qty in the item's base unit, as every output
    main(["--db", sqlite_store, "decode", f"(01){CHEESE}(3202)000275"])
    text = capsys.readouterr().out
    assert "measure: 2.75\n" in text and "measure_unit: lb\n" in text and "qty: 1.247 kg\n" in text
