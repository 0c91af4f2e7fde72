"""Quantities as the station takes and shows them: the one home of the typed-quantity rule.

Typed: `12.5` in the item's base unit (as many decimals as the item allows), a named unit
`2 箱`, or several added `2 箱 + 3 瓶`; each is turned into stored units by
db.core.quantities (parse_quantity, parse_in_unit), never by arithmetic of its own. Without
an item (a row number, a choice) only whole numbers are taken, as always.

Shown: an item that counts whole units in the default unit reads as it always did (`12`);
any other shows its unit (`1.250 kg`, `2 箱 (48 瓶)` for a PO or SO line in 箱).
"""
from __future__ import annotations

from gettext import gettext as _

import re
from decimal import Decimal, InvalidOperation

from db.core import quantities
from db.core.errors import InvalidInput
from terminal.i18n import N_

_TERM = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(\S.*?)?\s*$")


def precision_text(item) -> str:
    decimals = quantities.decimals_of(item)
    if decimals == 0:
        return _("whole numbers only")
    return _("up to {decimals} decimals").format(decimals=decimals)


def is_plain(item, line=None) -> bool:
    """ITEM counts whole units in the default unit and LINE (if any) has no unit of its own."""
    unit = getattr(line, "unit", None) if line is not None and getattr(line, "unit_id", None) is not None else None
    return (quantities.decimals_of(item) == 0 and (getattr(item, "uom", "") or "") in quantities.DEFAULT_UOM
            and unit is None)


def shown(stored: int, item, line=None):
    """STORED units of ITEM for a table cell or a message: the int as before for a plain item;
    else `1.250 kg`, or the line's unit with the base beside it (`2 箱 + 3 瓶 (51 瓶)`)."""
    if is_plain(item, line):
        return int(stored)
    if line is not None:
        return quantities.format_line_qty(stored, line)
    return quantities.with_uom(stored, item)


def units_of(item) -> list:
    from db.masterdata.lookup import item_units
    return item_units(item)


def qty_prompt(item, units=None) -> str:
    """`Quantity in kg (up to 3 decimals)`, and the item's other units when it has some."""
    text = _("Quantity in {uom} ({precision})").format(uom=getattr(item, "uom", "") or _("units"),
                                                       precision=precision_text(item))
    names = [u.name for u in (units if units is not None else units_of(item))]
    if names:
        text += _(", or in {units} (2 {unit} + 3 {uom})").format(units=", ".join(names), unit=names[0],
                                                                    uom=getattr(item, "uom", ""))
    return text


def check_number(text: str, what: str = N_("quantity")) -> str:
    """A quantity typed before its item is known (F3): a positive number, possibly with units;
    it is read against the item when the item is scanned (`parse_qty(..., item=item)`)."""
    t = text.strip()
    terms = [_TERM.match(part) for part in t.split("+")] if t else [None]
    if any(m is None for m in terms):
        raise InvalidInput(_("the {what} must be a number above 0 (or 2 箱 + 3 瓶), typed {text!r}").format(
            what=_(what), text=text))
    if sum(Decimal(m.group(1)) for m in terms) <= 0:
        raise InvalidInput(_("the {what} must be above 0, typed {text!r}").format(
            what=_(what), text=text))
    return t


def parse_qty(text: str, what: str = N_("quantity"), allow_zero: bool = False, *, item=None,
              units=None) -> int:
    """TEXT as stored units of ITEM; without an item a whole number (row numbers, choices).
    UNITS: the item's named units when the caller has them (offline, from no store: [])."""
    t = str(text).strip()
    if item is None:
        if not t.isdecimal() or (int(t) == 0 and not allow_zero):
            if allow_zero:
                raise InvalidInput(_("the {what} must be a whole number, typed {text!r}").format(
                    what=_(what), text=text))
            raise InvalidInput(_("the {what} must be a whole number above 0, typed {text!r}").format(
                what=_(what), text=text))
        return int(t)
    if not t and allow_zero:
        return 0
    terms = [_TERM.match(part) for part in t.split("+")]
    if not t or any(m is None for m in terms):
        raise InvalidInput(_("the {what} of {sku} must be a number in {uom} ({precision}), typed {text!r}").format(
            what=_(what), sku=item.sku, uom=item.uom, precision=precision_text(item), text=text))
    units = None
    total = 0
    for m in terms:
        number, unit = m.group(1), (m.group(2) or "").strip()
        if unit and unit != (item.uom or ""):
            units = units if isinstance(units, dict) else {u.name: u for u in (
                units if units is not None else units_of(item))}
            if unit not in units:
                raise InvalidInput(_("{unit!r} is not a unit of {sku}: expected {units}").format(
                    unit=unit, sku=item.sku, units=", ".join([item.uom, *units]) or item.uom))
            try:
                total += quantities.parse_in_unit(number, units[unit].factor, item, unit, allow_zero=True)
            except (InvalidInput, InvalidOperation):
                raise InvalidInput(_("{qty} {unit} of {sku} is not a whole number of {uom} ({precision})").format(
                    qty=number, unit=unit, sku=item.sku, uom=item.uom, precision=precision_text(item))) from None
            continue
        try:
            total += quantities.parse_quantity(number, item, allow_zero=True, allow_negative=True)
        except InvalidInput as exc:
            if "more precise" not in str(exc):
                raise
            raise InvalidInput(_("{qty} {uom} of {sku} is more precise than it allows ({precision})").format(
                qty=number, uom=item.uom, sku=item.sku, precision=precision_text(item))) from None
    if total < 0 or (total == 0 and not allow_zero):
        raise InvalidInput(_("the {what} of {sku} must be above 0, typed {text!r}").format(
            what=_(what), sku=item.sku, text=text) if not allow_zero else
            _("the {what} of {sku} must be zero or more, typed {text!r}").format(what=_(what), sku=item.sku,
                                                                                 text=text))
    return quantities.whole_quantity(total, allow_zero=allow_zero)


def typed_text(typed: str) -> str:
    """A quantity typed for the next scan, in a prompt: `5 units` as before, else as typed."""
    from db.core.text import plural
    return plural(int(typed), "unit") if typed.isdecimal() else typed


def scan_quantity(typed: str | None, scan, item) -> int | None:
    """Stored units a scan of ITEM stands for: the quantity typed for it (F3) read against the
    item, else the scan's own (pack, count or measure); None when a measured item came without
    its measure, and the flow must ask for it."""
    if typed:
        return parse_qty(typed, item=item)
    if getattr(scan, "measure_needed", False):
        return None
    return getattr(scan, "qty", None) or 1


def measure_prompt(item) -> str:
    """What a flow asks when a measured item was scanned without its measure."""
    return _("Type the measure of {sku} {name}: {prompt}").format(sku=item.sku, name=item.name,
                                                                  prompt=qty_prompt(item))


def signed(stored: int, item, line=None) -> str:
    """A difference (a count's variance): `+3` as before for a plain item, else `-0.250 kg`."""
    if is_plain(item, line):
        return f"{int(stored):+d}"
    text = shown(stored, item, line)
    return text if stored < 0 else f"+{text}"


def total_text(quantities_of) -> str:
    """What several (stored, item) come to, in words: `24 units` when every item is plain (as
    always); `13.5 m` when all are of one unit and precision; else nothing is added, as
    kilograms and metres do not add up, and the lines are counted: `3 lines`."""
    pairs = list(quantities_of)
    from db.core.text import plural
    if all(is_plain(item) for _stored, item in pairs):
        return plural(sum(stored for stored, _item in pairs), "unit")
    if adds_up(item for _stored, item in pairs):
        return shown(sum(stored for stored, _item in pairs), pairs[0][1])
    return plural(len(pairs), "line")


def adds_up(items) -> bool:
    """Quantities of ITEMS make one total: all plain, or all of one unit and precision."""
    kinds = {("", 0) if is_plain(item) else (getattr(item, "uom", "") or "", quantities.decimals_of(item))
             for item in items}
    return len(kinds) <= 1


class StockItem:
    """What shown() needs of an item, from a stock row (db.inventory.stock) or the offline cache."""
    __slots__ = ("sku", "uom", "decimals")

    def __init__(self, sku: str, uom: str, decimals: int):
        self.sku, self.uom, self.decimals = sku, uom or "", decimals

    def __repr__(self) -> str:
        return f"StockItem({self.sku!r}, {self.uom!r}, {self.decimals})"


STOCK_QUANTITIES = ("on_hand", "allocated", "available")


def stock_rows(rows: list[dict]) -> list[dict]:
    """db.inventory.stock's rows as the flows use them: on_hand, allocated and available back in
    stored units (what a move posts, a basket adds and the ledger compares) and `item` beside
    them for shown(). stock() gives an item with decimals its quantity as a Qty in base units
    made with the item's decimals (1.250), so its exponent is the precision: exact, no look-up."""
    out = []
    for r in rows:
        value = r["on_hand"]
        decimals = -value.as_tuple().exponent if isinstance(value, Decimal) else 0
        row = dict(r, item=StockItem(r["sku"], r.get("uom", ""), decimals))
        for k in STOCK_QUANTITIES:
            row[k] = quantities.parse_quantity(r[k], decimals, allow_zero=True, allow_negative=True)
        out.append(row)
    return out


def in_line_unit(stored: int, line):
    """A line's quantity in its own unit only (`5 箱`, `2 箱 + 3 瓶`): the ordered column."""
    unit = line.unit if line.unit_id is not None else None
    if unit is None:
        return shown(stored, line.item)
    return quantities.format_in_unit(stored, unit.factor, unit.name, line.item, base_too=False)
