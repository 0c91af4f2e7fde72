"""The one conversion between quantities as people type them and the stored integers."""
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from db.core.errors import InvalidInput
from db.core.quantities import (MAX_QTY, check_decimals, format_in_unit, format_quantity, json_quantity,
                                parse_in_unit, parse_quantity, quantity_decimal, stock_value)


class Kg:
    sku, uom, decimals = "CHEESE-1", "kg", 3


class Bottle:
    sku, uom, decimals = "DRINK-1", "瓶", 0


def test_parse_scales_to_the_smallest_unit():
    assert parse_quantity("1.25", Kg) == 1250
    assert parse_quantity("12.5", 1) == 125
    assert parse_quantity(7, 0) == 7
    assert parse_quantity(Decimal("0.001"), 3) == 1
    assert parse_quantity("2.000", 0) == 2          # trailing zeros are not precision


def test_too_many_decimals_names_item_quantity_and_precision():
    with pytest.raises(InvalidInput) as exc:
        parse_quantity("1.2345", Kg)
    message = str(exc.value)
    assert "1.2345" in message and "CHEESE-1" in message and "up to 3 decimals" in message
    with pytest.raises(InvalidInput, match="whole numbers only"):
        parse_quantity("2.5", Bottle)


@pytest.mark.parametrize("bad", ["", "abc", "NaN", "inf", "1e", True])
def test_not_a_number_is_refused(bad):
    with pytest.raises(InvalidInput, match="must be a number"):
        parse_quantity(bad, Kg)


def test_zero_and_negative_refused_unless_allowed():
    with pytest.raises(InvalidInput, match="positive"):
        parse_quantity("0", Kg)
    with pytest.raises(InvalidInput, match="positive"):
        parse_quantity("-0.5", Kg)
    assert parse_quantity("0", Kg, allow_zero=True) == 0
    assert parse_quantity("-0.5", Kg, allow_negative=True) == -500


def test_format_is_exact_with_the_items_decimals():
    assert format_quantity(125, 1) == "12.5"
    assert format_quantity(1250, Kg) == "1.250"
    assert format_quantity(-1, Kg) == "-0.001"
    assert format_quantity(48, Bottle) == "48"
    assert json_quantity(48, Bottle) == 48 and str(json_quantity(1250, Kg)) == "1.250"


def test_value_scales_once_per_base_unit():
    # 1.250 kg at 12.40 a kg = 15.50
    assert stock_value(1250, Kg, Decimal("12.40")) == Decimal("15.50")
    assert stock_value(3, 0, Decimal("1.10")) == Decimal("3.30")


def test_named_units_convert_exactly_and_show_both():
    assert parse_in_unit("2", 24, Bottle, "箱") == 48
    assert parse_in_unit("0.5", 24, Bottle, "箱") == 12
    with pytest.raises(InvalidInput, match="not a whole number"):
        parse_in_unit("0.3", 24, Bottle, "箱")
    assert format_in_unit(48, 24, "箱", Bottle) == "2 箱 (48 瓶)"
    assert format_in_unit(51, 24, "箱", Bottle) == "2 箱 + 3 瓶 (51 瓶)"
    assert format_in_unit(3, 24, "箱", Bottle) == "3 瓶"


def test_decimals_setting_is_0_to_3():
    assert check_decimals("3") == 3 and check_decimals(0) == 0
    for bad in ("4", "-1", "x", "1.5"):
        with pytest.raises(InvalidInput, match="0 to 3"):
            check_decimals(bad)


@given(st.integers(min_value=-MAX_QTY, max_value=MAX_QTY), st.integers(min_value=0, max_value=3))
def test_format_then_parse_is_the_identity(stored, decimals):
    text = format_quantity(stored, decimals)
    assert parse_quantity(text, decimals, allow_zero=True, allow_negative=True) == stored
    assert quantity_decimal(stored, decimals) == Decimal(text)


def test_a_quantity_past_the_store_bound_is_refused():
    """The store's quantity columns hold ±MAX_QTY stored units (issue 15)."""
    with pytest.raises(InvalidInput, match="out of range: at most 2147483647 stored units"):
        parse_quantity("2147483.648", 3)
    assert parse_quantity("2147483.647", 3) == MAX_QTY
