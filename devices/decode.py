"""What a scan means: an item, GS1 data, an SSCC, a location, an operator, a command, or unknown.

biip parses GS1 element strings, GTINs, UPCs, SSCCs and Digital Link URIs. This module adds
what biip leaves out: routing by the AIM symbology identifier, Digital Links inside a plain QR
(`]Q1https://…`), element-level errors (a bad GLN), pairing rules ((02) needs (37)), a warning
when a lot without its GS separator swallowed the next element, preferring a valid EAN-13 over
AI (400) when no identifier says otherwise, and the store lookups through a `Resolver`. The GS1
reading lives in devices/gs1_strings.py, the measure rules in devices/measure.py.

    d = decode(scan_or_raw, resolver=store_resolver, prefixes=cfg.section("barcodes"))
    d.kind        # "item" | "gs1" | "sscc" | "location" | "operator" | "command" | "unknown"
    d.error       # None, or one sentence saying what is wrong and what was expected
    d.warnings    # things worth showing that do not stop the scan

Quantities: `count` is the (30)/(37) count as printed; `pack_qty` comes from the store's barcode;
`qty` is the units of the base item the scan stands for: count (1 if none) × pack_qty (1 if
unknown). `expiry` is (17), else the best-before date (15).

Variable measure: (310n) kg, (311n) m, (314n) m², (315n) l and (320n) lb give `measure` (the
exact Decimal, n decimals) and `measure_unit`; (30) alone gives its count as the measure in
"count". For an item sold by weight or measure (decimals > 0, asked through the resolver's
optional `item_measure`), `qty` is the measure as STORED units of the item's base unit
(1.250 kg of a 3-decimal kg item is 1250), converted where the unit differs (lb → kg, rounded
half-up to the item's precision, with a warning); such an item scanned without a measure has
`measure_needed` set and no `qty`: the station asks for it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from gettext import gettext as _
from typing import Any, Mapping, Protocol, runtime_checkable

from .gs1 import check_digit_error, gtin14
from .gs1_strings import _digital_link, _gs1_message, _message_errors, _try_message
from .measure import _against_item
from .scan import GS, Scan, escape_gs, split_symbology

COMMANDS = ("DONE", "UNDO", "SKIP", "SHORT", "CANCEL", "OK")
KINDS = ("item", "gs1", "sscc", "location", "operator", "command", "unknown")
# The kinds that name an item (a plain barcode, a GS1 string, a pallet's SSCC with its content).
ITEM_KINDS = ("item", "gs1", "sscc")


def N_(text: str) -> str:
    """Marks TEXT for the catalogue; translated where it is used."""
    return text


# AIM identifiers by what they carry.
GS1_SYMBOLOGIES = {"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1", "]Q5"}
GTIN_SYMBOLOGIES = {"]E0", "]E1", "]E2", "]E3", "]E4", "]I1", "]X0"}


@runtime_checkable
class Resolver(Protocol):
    """What decoding asks the store. The terminal and the CLI implement it on db/; devices never
    imports the store."""

    def find_barcode(self, code: str) -> tuple[str, int] | None:
        """(sku, pack_qty) of the item that carries CODE (a GTIN in any length, or an internal
        code), or None."""

    def is_location(self, code: str) -> bool: ...

    def is_operator(self, code: str) -> bool: ...

    def find_sku(self, code: str) -> str | None:
        """CODE as an item's SKU typed by hand (a torn label), or None. Asked last, when CODE is
        no barcode, location or operator. Optional: a resolver without it knows no SKUs."""

    def item_measure(self, sku: str) -> tuple[int, str] | None:
        """(decimals, uom) of item SKU: how its quantities are kept. Optional: without it every
        item counts whole units and a measure is only shown."""


@dataclass
class Decoded:
    kind: str = "unknown"
    raw: str = ""
    symbology: str | None = None
    gtin: str | None = None             # 14 digits
    content_gtin: str | None = None     # (02)
    sku: str | None = None
    pack_qty: int | None = None
    count: int | None = None            # (30) or (37)
    qty: int | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    best_before: dt.date | None = None
    production_date: dt.date | None = None
    serial: str | None = None
    sscc: str | None = None
    weight: Decimal | None = None       # kg, from (310n)
    measure: Decimal | None = None      # (310n) (311n) (314n) (315n) (320n), or the (30) count
    measure_unit: str | None = None     # kg, m, m2, l, lb, count
    measure_needed: bool = False        # a measured item scanned without its measure
    order_number: str | None = None     # (400)
    command: str | None = None          # DONE, UNDO, SKIP, SHORT, CANCEL, OK
    location: str | None = None
    operator: str | None = None
    hri: str | None = None              # (01)…(10)…
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("kind", "gtin", "sku", "lot", "expiry", "serial", "sscc", "qty", "error", "pack_qty",
                     "count", "content_gtin", "best_before", "production_date", "weight", "order_number",
                     "command", "location", "operator", "hri", "warnings", "raw", "symbology", "measure",
                     "measure_unit"):
            value = getattr(self, name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, list):
                value = list(value)
            out[name] = value
        return out

    def summary(self) -> str:
        """One line for people: `gs1 gtin=… lot=… expiry=…` plus the error or warnings."""
        parts = [self.kind]
        for name in ("command", "location", "operator", "sscc", "gtin", "content_gtin", "sku", "lot", "expiry",
                     "serial", "count", "pack_qty", "qty", "weight", "measure", "measure_unit", "order_number"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value.isoformat() if isinstance(value, dt.date) else value}")
        if self.error:
            parts.append(_("ERROR: {error}").format(error=self.error))
        for w in self.warnings:
            parts.append(_("warning: {warning}").format(warning=w))
        return " ".join(parts)


def decode(scan: Scan | str, *, resolver: Resolver | None = None,
           prefixes: Mapping[str, Any] | None = None) -> Decoded:
    """Decode a Scan or the raw text a scanner sent (an AIM identifier in front is understood).

    PREFIXES is the [barcodes] config section: location_prefix, operator_prefix,
    command_prefix and separator_chars (characters a scanner sends instead of GS).
    """
    prefixes = prefixes or {}
    if isinstance(scan, Scan):
        symbology, raw = scan.symbology, scan.raw
    else:
        symbology, raw = split_symbology(scan)
    d = Decoded(raw=raw, symbology=symbology)
    seps = [c for c in prefixes.get("separator_chars", [GS]) if c] or [GS]
    text = raw.strip("\r\n")
    if not text.strip():
        d.error = _("empty scan")
        return d
    if _by_prefix(d, text, resolver, prefixes):
        return d
    if resolver is not None and _by_store(d, text, resolver):
        if d.kind == "item":
            _against_item(d, resolver)
        return d
    body = text.lstrip("".join(seps)) if symbology in GS1_SYMBOLOGIES or symbology is None else text
    if re.match(r"^https?://", body, re.IGNORECASE) and symbology in (None, "]Q1", "]Q0", "]d1", "]d0"):
        _digital_link(d, body)
    elif symbology in GS1_SYMBOLOGIES:
        _gs1_message(d, body, seps)
    elif symbology in GTIN_SYMBOLOGIES:
        _plain_gtin(d, body, symbology)
    elif symbology is None:
        _guess(d, body, seps)
    else:
        # Code 128 without FNC1, Code 39, plain QR…: an internal code, looked up below.
        pass
    _resolve(d, resolver, text)
    return d


# -- routing ---------------------------------------------------------------------------------

def _by_prefix(d: Decoded, text: str, resolver: Resolver | None, prefixes: Mapping[str, Any]) -> bool:
    cmd = prefixes.get("command_prefix", "CMD-")
    if cmd and text.upper().startswith(cmd.upper()):
        d.kind = "command"
        name = text[len(cmd):].strip().upper()
        d.command = name
        if name not in COMMANDS:
            d.error = _("unknown command barcode {text!r}: expected one of {commands}").format(
                text=text, commands=", ".join(cmd + c for c in COMMANDS))
        return True
    for kind, prefix, exists, unknown in (
            ("operator", prefixes.get("operator_prefix", "OP-"), resolver and resolver.is_operator,
             N_("no operator {code} in the store (badge {text})")),
            ("location", prefixes.get("location_prefix", ""), resolver and resolver.is_location,
             N_("no location {code} in the store (scanned {text})"))):
        if prefix and text.startswith(prefix):
            d.kind = kind
            code = _known(text, prefix, exists or None)
            if resolver is not None and code is None:
                code = text[len(prefix):]
                d.error = _(unknown).format(code=code, text=text)
            setattr(d, kind, code)
            return True
    return False


def _known(text: str, prefix: str, exists) -> str | None:
    """The code behind a prefixed badge or label: without the prefix, or the whole text if the
    store knows it that way."""
    bare = text[len(prefix):]
    if exists is None:
        return bare
    for candidate in (bare, text):
        if candidate and exists(candidate):
            return candidate
    return None


def _by_store(d: Decoded, text: str, resolver: Resolver) -> bool:
    """An internal code the store knows exactly wins over any reading of its digits."""
    found = resolver.find_barcode(text) if not text.isdecimal() else None
    if found:
        d.kind = "item"
        d.sku, d.pack_qty = found
        d.qty = d.pack_qty
        return True
    if resolver.is_location(text):
        d.kind, d.location = "location", text
        return True
    if resolver.is_operator(text):
        d.kind, d.operator = "operator", text
        return True
    # Digits may still be a GTIN: a typed SKU of digits is asked for only once nothing reads them.
    return not text.isdecimal() and _typed_sku(d, text, resolver)


def _typed_sku(d: Decoded, text: str, resolver: Resolver) -> bool:
    """An SKU typed by hand is one unit of that item, as its printed barcode would be."""
    find_sku = getattr(resolver, "find_sku", None)
    sku = find_sku(text.strip()) if find_sku is not None else None
    if sku is None:
        return False
    d.kind, d.sku, d.pack_qty, d.qty = "item", sku, 1, 1
    return True


def _guess(d: Decoded, body: str, seps: list[str]) -> None:
    """No symbology identifier: digits of a GTIN length are a GTIN (a valid EAN-13 such as
    4001234567890 is not AI 400); 18 digits an SSCC; `(01)…` human-readable text and anything
    else that parses fully are GS1 element strings."""
    if body.isdecimal() and len(body) in (8, 12, 13, 14):
        _plain_gtin(d, body, None)
        if d.error and len(body) > 8:
            alt = _try_message(body, seps)
            if alt is not None and not _message_errors(alt):
                d.warnings.append(_("it could also be read as GS1 element strings {hri}").format(hri=alt.as_hri()))
        return
    if body.isdigit() and len(body) == 18:
        d.kind, d.sscc = "sscc", body
        d.error = check_digit_error(body, "SSCC")
        return
    if body.startswith("("):
        _gs1_message(d, body, seps, hri=True)
        return
    # Clearly meant as GS1 (a separator, or a GTIN/SSCC element up front): report its errors.
    if any(sep in body for sep in seps) or re.match(r"^(00\d{18}|0[12]\d{14})", body) \
            or (re.match(r"^\d{2}", body) and _try_message(body, seps) is not None):
        _gs1_message(d, body, seps)


# -- GTIN ------------------------------------------------------------------------------------

def _plain_gtin(d: Decoded, body: str, symbology: str | None) -> None:
    d.kind = "item"
    digits = body.strip()
    if not digits.isdigit():
        d.error = _("a GTIN has only digits, got {digits!r}").format(digits=digits)
        return
    if len(digits) in (6, 7):
        # UPC-E: expand to UPC-A through biip.
        from biip import ParseError
        from biip.upc import Upc
        try:
            digits = Upc.parse(digits).as_upc_a()
        except ParseError as exc:
            d.error = _("not a valid UPC-E: {error}").format(error=exc)
            return
    if len(digits) not in (8, 12, 13, 14):
        d.error = _("a GTIN has 8, 12, 13 or 14 digits, got {n} ({digits})").format(n=len(digits), digits=digits)
        return
    d.gtin = gtin14(digits)
    d.error = check_digit_error(digits, {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}[len(digits)])


# -- GS1 element strings and Digital Links: devices/gs1_strings.py --------------------------


# -- the store ------------------------------------------------------------------------------

def _resolve(d: Decoded, resolver: Resolver | None, text: str) -> None:
    _resolve_item(d, resolver, text)
    if resolver is not None and d.sku and d.error is None and d.kind in ITEM_KINDS:
        _against_item(d, resolver)


def _resolve_item(d: Decoded, resolver: Resolver | None, text: str) -> None:
    if d.kind == "unknown":
        if resolver is not None:
            found = resolver.find_barcode(text)
            if found:
                d.kind = "item"
                d.sku, d.pack_qty = found
                d.qty = d.pack_qty
                return
            if text.isdecimal() and _typed_sku(d, text, resolver):     # others were asked above
                return
        if d.error is None:
            shown = escape_gs(text)
            d.error = (_("unknown barcode {shown!r}: not an item, location, operator or command").format(shown=shown)
                       if resolver is not None else _("unknown barcode {shown!r}").format(shown=shown))
        return
    if d.kind in ITEM_KINDS and d.gtin:
        if resolver is not None and d.error is None:
            found = resolver.find_barcode(d.gtin)
            if found:
                d.sku, d.pack_qty = found
            elif d.kind == "sscc":
                d.warnings.append(_("no item carries the content GTIN {gtin}").format(gtin=d.gtin))
            else:
                d.error = _("no item carries GTIN {gtin}").format(gtin=d.gtin)
        if d.kind != "sscc" or d.count is not None:
            d.qty = (d.count if d.count is not None else 1) * (d.pack_qty or 1)
