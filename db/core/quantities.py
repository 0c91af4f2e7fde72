"""Quantities at the edges of the store: the one place that turns what is typed, scanned or
imported into the stored integer, and the stored integer back into text and value.

Every quantity in the store (movements, balances, allocations, order lines, counts) is an
INTEGER of the item's smallest unit: stored = quantity x 10^decimals, where `Item.decimals`
(0-3) is the item's precision in its base unit (`Item.uom`). 1.250 kg of an item with 3
decimals is stored as 1250; an item with 0 decimals stores whole units as it always did. The
ledger therefore keeps its integer arithmetic, and exactness comes from converting only here.

A precision argument is either an item (anything with `.decimals` and `.sku`) or an int.

Bounds. Every quantity column is a 32-bit integer on PostgreSQL, so one bound serves both
backends: a stored quantity, and any balance it makes, lies within ±MAX_QTY. Without it a
SQLite balance past 2^63 silently became a float (and `wh verify` broke) and PostgreSQL refused
past 2^31 − 1 with a traceback. Amounts (costs, prices) fit the Money column: 16 digits, 4
after the point, so below MAX_MONEY.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from gettext import gettext as _
from gettext import ngettext

from db.core.errors import InvalidInput

MAX_DECIMALS = 3
# The unit an item has when nobody named one (Item.uom's default): `12` says it, `12 EA` only
# adds noise, so quantities in it are shown bare.
DEFAULT_UOM = ("", "EA")
MAX_QTY = 2_147_483_647
MAX_MONEY = Decimal("999999999999.9999")


def is_whole(value) -> bool:
    """VALUE is a whole number: an int, and not a bool (True is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _not_positive(name: str, value, allow_zero: bool) -> InvalidInput:
    if allow_zero:
        return InvalidInput(_("{name} must be zero or more, got {value}").format(name=name, value=value))
    return InvalidInput(_("{name} must be positive, got {value}").format(name=name, value=value))


def whole_quantity(value, name: str | None = None, *, allow_zero: bool = False) -> int:
    """A stored quantity (an integer of the smallest unit) handed to a db/ operation. NAME: the
    quantity as the message calls it, already translated (default "quantity")."""
    name = name or _("quantity")
    if not is_whole(value):
        raise InvalidInput(_("{name} must be a whole number, got {value!r}").format(name=name, value=value))
    if value < 0 or (value == 0 and not allow_zero):
        raise _not_positive(name, value, allow_zero)
    if value > MAX_QTY:
        raise InvalidInput(_("{name} must be at most {maximum}, got {value}").format(
            name=name, maximum=MAX_QTY, value=value))
    return value


def decimals_of(precision) -> int:
    """The number of decimals of an item (or an int given as such)."""
    if isinstance(precision, int) and not isinstance(precision, bool):
        return precision
    return getattr(precision, "decimals", 0) or 0


def scale(precision) -> int:
    """How many stored units make one base unit: 10^decimals."""
    return 10 ** decimals_of(precision)


def check_decimals(value, name: str = "decimals") -> int:
    """An item's precision as typed or imported: a whole number 0-3. NAME: the column's name
    (a file's header, kept as it is)."""
    def refused() -> InvalidInput:
        return InvalidInput(_("{name} must be a whole number from 0 to {maximum}, got {value!r}").format(
            name=name, maximum=MAX_DECIMALS, value=value))
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise refused() from None
    if isinstance(number, bool) or not 0 <= number <= MAX_DECIMALS:
        raise refused()
    return number


def _not_a_number(name: str, value) -> InvalidInput:
    return InvalidInput(_("{name} must be a number, got {value!r}").format(name=name, value=value))


def to_decimal(value, name: str | None = None) -> Decimal:
    """A typed, imported or decoded quantity as an exact Decimal; never a float's error."""
    name = name or _("quantity")
    if isinstance(value, bool):
        raise _not_a_number(name, value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))     # the shortest text that is this float: what was typed
    else:
        text = str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _not_a_number(name, text) from None
    if not number.is_finite():
        raise _not_a_number(name, value)
    return number


def precision_words(precision) -> str:
    decimals = decimals_of(precision)
    if decimals == 0:
        return _("whole numbers only")
    return ngettext("up to {decimals} decimal", "up to {decimals} decimals", decimals).format(decimals=decimals)


def _sku(precision) -> str:
    sku = getattr(precision, "sku", None)
    return f"{sku} " if sku else ""


def parse_quantity(value, precision, name: str | None = None, *, allow_zero: bool = False,
                   allow_negative: bool = False) -> int:
    """A quantity in the item's base unit (text, int or Decimal) as the stored integer.

    Refuses more decimals than the item allows, naming the item, the quantity and the
    precision: `1.2345 of RICE-1 (kg) is more precise than it allows (up to 3 decimals)`.
    """
    name = name or _("quantity")
    number = to_decimal(value, name)
    stored = number.scaleb(decimals_of(precision))
    if stored != stored.to_integral_value():
        uom = getattr(precision, "uom", "")
        sku = _sku(precision).strip()
        of = ((_(" of {sku} ({uom})") if uom else _(" of {sku}")).format(sku=sku, uom=uom) if sku else "")
        raise InvalidInput(_("{name} {value}{of} is more precise than it allows ({precision})").format(
            name=name, value=value, of=of, precision=precision_words(precision)))
    if abs(stored) > MAX_QTY:
        raise InvalidInput(_("{name} {value} is out of range: at most {maximum} stored units").format(
            name=name, value=value, maximum=MAX_QTY))
    stored_int = int(stored)
    if stored_int < 0 and not allow_negative:
        raise _not_positive(name, value, allow_zero)
    if stored_int == 0 and not allow_zero:
        raise _not_positive(name, value, False)
    return stored_int


class Qty(Decimal):
    """A quantity in base units on its way out (a report row, `wh stock`, an export): exact,
    and shown with the item's decimals (`1.250`), never as money's two. Tables print it as
    str(), CSV as str(), JSON as a number (float() of three decimals is exact as text).
    Arithmetic on it gives plain Decimals."""
    __slots__ = ()


def quantity_decimal(stored: int, precision) -> Qty:
    """A stored integer as the exact quantity in the base unit, with the item's decimals."""
    return Qty(Decimal(int(stored)).scaleb(-decimals_of(precision)))


def format_quantity(stored: int, precision) -> str:
    """A stored integer as text: `12` (0 decimals), `12.5` (1), `1.250` (3). Exact, never
    rounded; a negative difference keeps its sign (`-0.001`)."""
    decimals = decimals_of(precision)
    if decimals == 0:
        return str(int(stored))
    return f"{quantity_decimal(stored, decimals):.{decimals}f}"


def json_quantity(stored: int, precision):
    """A stored integer for output rows: an int for whole-unit items (as before), a Qty for
    items with decimals (shown `1.250` in tables and CSV)."""
    if decimals_of(precision) == 0:
        return int(stored)
    return quantity_decimal(stored, precision)


def with_uom(stored: int, item) -> str:
    """`12.5 m`: the quantity and the item's base unit."""
    uom = getattr(item, "uom", "") or ""
    text = format_quantity(stored, item)
    return text if uom in DEFAULT_UOM else f"{text} {uom}"


def stock_value(stored: int, precision, unit_cost) -> Decimal:
    """The value of a stored quantity at a cost per BASE unit: the one scaling every report
    and costing uses. Exact: Decimal(stored) / 10^decimals x cost (round once, for display)."""
    return quantity_decimal(stored, precision) * Decimal(unit_cost)


def cost_per_base_unit(amount, stored: int, precision) -> Decimal:
    """The cost of one base unit when STORED units cost AMOUNT in all (unrounded)."""
    return Decimal(amount) / quantity_decimal(stored, precision)


# --- named units (a case of 24, a roll of 50 m) --------------------------------------------
# A unit's factor is kept as an integer of the smallest unit: 箱 = 24 瓶 of a 0-decimal item is
# 24; a roll of 50 m of an item with 1 decimal is 500. Conversions are then integer products.

def parse_factor(value, precision, unit: str = "unit") -> int:
    """A unit's factor in base units (`24`, `0.5`) as an integer of the smallest unit."""
    return parse_quantity(value, precision, _("the factor of {unit}").format(unit=unit))


def parse_in_unit(value, factor: int, precision, unit: str = "", name: str | None = None, *,
                  allow_zero: bool = False) -> int:
    """A quantity in a named unit (factor = stored units per unit) as the stored integer.
    It may have decimals as long as the result is a whole number of the smallest unit."""
    name = name or _("quantity")
    number = to_decimal(value, name)
    stored = number * factor
    if stored != stored.to_integral_value():
        raise InvalidInput(_("{name} {value} {unit} of {sku} is not a whole number of its smallest unit "
                             "({precision} in {uom})").format(
            name=name, value=value, unit=unit, sku=_sku(precision).strip() or _("the item"),
            precision=precision_words(precision), uom=getattr(precision, "uom", "") or _("the base unit")))
    stored_int = int(stored)
    if stored_int < 0 or (stored_int == 0 and not allow_zero):
        raise _not_positive(name, value, allow_zero)
    return stored_int


def format_in_unit(stored: int, factor: int, unit: str, item, *, base_too: bool = True) -> str:
    """A stored quantity in a named unit with the base quantity beside it: `2 箱 (48 瓶)`;
    what is not a whole number of the unit is added in base units: `2 箱 + 3 瓶 (51 瓶)`.
    BASE_TOO=False leaves the part in brackets out (a narrow column: `2 箱 + 3 瓶`)."""
    base = with_uom(stored, item)
    if factor <= 0 or not unit:
        return base
    whole, rest = divmod(abs(int(stored)), factor)
    sign = "-" if stored < 0 else ""
    if whole == 0:
        return f"{sign}{base.lstrip('-')}"
    head = f"{sign}{whole} {unit}"
    if rest:
        head += f" + {with_uom(rest, item)}"
    return f"{head} ({base})" if base_too else head


# --- order lines in a unit ------------------------------------------------------------------
# A PO or SO line may be in any unit of its item (`line.unit`, None = the base unit). Its
# quantities are stored units like every other; its PRICE (PurchaseOrderLine.unit_cost,
# SalesOrderLine.unit_price) is per the LINE's unit, as the supplier quotes it (12.00 per 箱),
# so a line's amount is exact: stored ÷ factor × price. With no unit the factor is
# 10^decimals and everything reads as before (price per base unit).

def line_factor(line) -> int:
    """Stored units in one of the line's unit: the unit's factor, or 10^decimals."""
    unit = getattr(line, "unit", None) if getattr(line, "unit_id", True) is not None else None
    return unit.factor if unit is not None else scale(line.item)


def line_amount(stored: int, price, factor: int) -> Decimal:
    """What STORED units cost at PRICE per unit of FACTOR stored units (unrounded, exact)."""
    return Decimal(int(stored)) * Decimal(price) / factor


def price_per_base(price, factor: int, precision) -> Decimal:
    """A price per unit of FACTOR stored units as a price per BASE unit (the costing's and the
    ledger's unit), to the costing's 10 decimals: 12.00 per 箱 of 24 瓶 = 0.50 per 瓶."""
    from decimal import ROUND_HALF_UP
    return (Decimal(price) * scale(precision) / factor).quantize(Decimal("1E-10"), rounding=ROUND_HALF_UP)


def format_line_qty(stored: int, line) -> str:
    """A line's quantity as the station and reports show it: `2 箱 (48 瓶)`, or `12.5 m`."""
    unit = getattr(line, "unit", None) if getattr(line, "unit_id", True) is not None else None
    if unit is None:
        return with_uom(stored, line.item)
    return format_in_unit(stored, unit.factor, unit.name, line.item)
