"""What a scan means: an item, GS1 data, an SSCC, a location, an operator, a command, or unknown.

biip parses GS1 element strings, GTINs, UPCs, SSCCs and Digital Link URIs. This module adds
what biip leaves out: routing by the AIM symbology identifier, Digital Links inside a plain QR
(`]Q1https://…`), element-level errors (a bad GLN), pairing rules ((02) needs (37)), a warning
when a lot without its GS separator swallowed the next element, preferring a valid EAN-13 over
AI (400) when no identifier says otherwise, and the store lookups through a `Resolver`.

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

from .gs1 import MEASURE_AIS, MeasureError, check_digit_error, gtin14, measure_in
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
GLN_AIS = {"410", "411", "412", "413", "414", "415", "416", "417"}
# Fixed-length, self-checking elements that are the usual victims of a missing GS.
SWALLOWABLE = re.compile(r"^(00|01|02|11|13|15|17|310\d)$")


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


def _try_message(body: str, seps: list[str]):
    from biip import ParseConfig, ParseError
    from biip.gs1_messages import GS1Message
    try:
        return GS1Message.parse(body, config=ParseConfig(separator_chars=seps))
    except ParseError:
        return None


def _message_errors(msg) -> list[str]:
    return [e for e in (_element_error(es) for es in msg.element_strings) if e]


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


# -- GS1 element strings and Digital Links ------------------------------------------------------

# Convenience alphas of GS1 Digital Link 1.0 (`/gtin/…/lot/…?exp=…`), still printed on some
# packs; biip reads only the numeric AIs.
DL_ALPHAS = {"sscc": "00", "gtin": "01", "lot": "10", "ser": "21", "cpv": "22", "gln": "414", "exp": "17",
             "bbd": "15", "prod": "11", "pack": "13", "sell": "16", "gsrn": "8018", "grai": "8003",
             "giai": "8004", "glnx": "254"}


def _numeric_ais(uri: str) -> str:
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(uri)
    segments = parts.path.split("/")
    # Keys and values alternate from the primary key on; a path prefix before it stays as it is.
    for start, seg in enumerate(segments):
        if DL_ALPHAS.get(seg, seg) in ("00", "01", "414", "8003", "8004", "8018", "254"):
            for i in range(start, len(segments), 2):
                segments[i] = DL_ALPHAS.get(segments[i], segments[i])
            break
    query = "&".join(
        (DL_ALPHAS.get(k, k) + ("=" + v if sep else "")) for k, sep, v in
        (pair.partition("=") for pair in parts.query.split("&") if pair))
    return urlunsplit((parts.scheme, parts.netloc, "/".join(segments), query, parts.fragment))


def _digital_link(d: Decoded, uri: str) -> None:
    from biip import ParseError
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI
    d.kind = "gs1"
    uri = _numeric_ais(uri)
    try:
        link = GS1DigitalLinkURI.parse(uri)
    except ParseError as exc:
        d.kind = "unknown"
        d.error = _("not a GS1 Digital Link: {error}").format(error=exc)
        return
    except Exception as exc:  # biip raises plain errors on some malformed URLs
        d.kind = "unknown"
        d.error = _("not a GS1 Digital Link: {error}").format(error=exc)
        return
    _elements(d, link.element_strings)
    try:
        d.hri = link.as_gs1_message().as_hri()
    except Exception:
        d.hri = None


def _gs1_message(d: Decoded, body: str, seps: list[str], hri: bool = False) -> None:
    from biip import ParseConfig, ParseError
    from biip.gs1_messages import GS1Message
    d.kind = "gs1"
    try:
        if hri:
            msg = GS1Message.parse_hri(body)
        else:
            msg = GS1Message.parse(body, config=ParseConfig(separator_chars=seps))
    except ParseError as exc:
        d.error = _explain_parse_error(str(exc), body)
        return
    d.hri = msg.as_hri()
    _elements(d, msg.element_strings)


def _explain_parse_error(message: str, body: str) -> str:
    m = re.search(r"date/time from '(\d+)'", message)
    if m:
        value = m.group(1)
        return _("invalid date {value} (YYMMDD; day 00 means the end of the month): {message}").format(
            value=value, message=message)
    m = re.search(r"Failed to match '(.*)' with GS1 AI \((\d+)\) pattern", message)
    if m:
        ai = m.group(2)
        value = m.group(1)[len(ai):]
        if ai in ("11", "12", "13", "15", "16", "17"):
            return _("invalid date in ({ai}): {value} (YYMMDD, month 01-12, day 00-31; 00 means the end of the "
                     "month)").format(ai=ai, value=value)
        return _("({ai}) {value!r} does not fit the format of ({ai})").format(ai=ai, value=escape_gs(value))
    m = re.search(r"Failed to get GS1 Application Identifier from '(.*)'", message, re.DOTALL)
    if m:
        return _("not GS1 element strings: no known Application Identifier at {text!r}").format(text=m.group(1)[:40])
    return _("invalid GS1 data: {message}").format(message=message)


def _element_error(es) -> str | None:
    ai = es.ai.ai
    if ai in ("01", "02") and es.gtin_error:
        return check_digit_error(es.value, f"GTIN ({ai})") or f"({ai}) {es.gtin_error}"
    if ai == "00" and es.sscc_error:
        return check_digit_error(es.value, "SSCC (00)") or f"(00) {es.sscc_error}"
    if ai in GLN_AIS and es.gln_error:
        return check_digit_error(es.value, f"GLN ({ai})") or f"({ai}) {es.gln_error}"
    return None


def _elements(d: Decoded, elements) -> None:
    ais: list[str] = []
    errors: list[str] = []
    measures: list[str] = []
    for es in elements:
        ai, value = es.ai.ai, es.value
        ais.append(ai)
        err = _element_error(es)
        if err:
            errors.append(err)
        if ai == "00":
            d.sscc = value
        elif ai == "01":
            d.gtin = value
        elif ai == "02":
            d.content_gtin = value
        elif ai == "10":
            d.lot = value
        elif ai == "11":
            d.production_date = es.date
        elif ai == "15":
            d.best_before = es.date
        elif ai == "17":
            d.expiry = es.date
        elif ai == "21":
            d.serial = value
        elif ai in ("30", "37"):
            d.count = int(value)
        if ai[:3] in MEASURE_AIS and len(ai) == 4:
            measures.append(ai)
            d.measure, d.measure_unit = es.decimal, MEASURE_AIS[ai[:3]]
            if ai.startswith("310"):
                d.weight = es.decimal
        elif ai == "400":
            d.order_number = value
        if es.ai.separator_required:
            swallowed = _swallowed(value)
            if swallowed:
                d.warnings.append(_(
                    "({ai}) {value!r} may have swallowed {swallowed}: a GS separator is probably missing "
                    "after the {title}").format(ai=ai, value=value, swallowed=swallowed,
                                                 title=es.ai.data_title.lower()))
    if d.expiry is None and d.best_before is not None:
        d.expiry = d.best_before
    if len(measures) > 1:
        errors.append(_("{ais}: one measure per scan is expected").format(
            ais=_(" and ").join(f"({ai})" for ai in measures)))
    if d.measure is None and d.count is not None and "30" in ais:
        d.measure, d.measure_unit = Decimal(d.count), "count"
    _pairing(d, ais, errors)
    if "00" in ais:
        d.kind = "sscc"
        if d.gtin is None and d.content_gtin is not None:
            d.gtin = d.content_gtin
    elif d.gtin is None and d.content_gtin is not None:
        d.gtin = d.content_gtin
    if errors:
        d.error = "; ".join(errors)


def _pairing(d: Decoded, ais: list[str], errors: list[str]) -> None:
    """GS1 General Specifications 4.14: mandatory associations and invalid pairs we care about."""
    have = set(ais)
    if "02" in have and "37" not in have:
        errors.append(_("(02) content GTIN needs (37), the count of contained items"))
    if "02" in have and "01" in have:
        errors.append(_("(01) and (02) must not appear together"))
    if "37" in have and "02" not in have and "01" in have:
        d.warnings.append(_("(37) belongs with (02), not (01); it is read as the count of this GTIN"))
    if "02" in have and "00" not in have:
        d.warnings.append(_("(02) content GTIN normally comes with the SSCC (00) of its logistic unit"))
    if have & {"10", "21", "15", "17"} and not have & {"01", "02"}:
        d.warnings.append(_("lot, serial or date without a GTIN (01) or (02): which item they belong to "
                            "is not in this scan"))
    if "21" in have and "01" not in have and "02" in have:
        errors.append(_("(21) serial needs the GTIN (01) of the serialised item, not (02)"))


def _swallowed(value: str) -> str | None:
    """The first tail of VALUE that is itself complete, valid GS1 data starting with a fixed-length
    self-checking element: the sign of a missing GS separator."""
    from biip import ParseError
    from biip.gs1_messages import GS1Message
    for i in range(1, len(value) - 7):
        tail = value[i:]
        if not tail[:2].isdigit():
            continue
        try:
            msg = GS1Message.parse(tail)
        except ParseError:
            continue
        first = msg.element_strings[0] if msg.element_strings else None
        if first is None or not SWALLOWABLE.match(first.ai.ai) or _message_errors(msg):
            continue
        return msg.as_hri()
    return None


# -- the store ------------------------------------------------------------------------------

def _resolve(d: Decoded, resolver: Resolver | None, text: str) -> None:
    _resolve_item(d, resolver, text)
    if resolver is not None and d.sku and d.error is None and d.kind in ITEM_KINDS:
        _against_item(d, resolver)


def _against_item(d: Decoded, resolver: Resolver) -> None:
    """The measure as the item keeps it: only an item with decimals is sold by measure."""
    item_measure = getattr(resolver, "item_measure", None)
    found = item_measure(d.sku) if item_measure is not None else None
    if not found or not found[0]:
        return
    decimals, uom = found
    if d.measure is not None and d.measure_unit != "count":
        try:
            stored, exact = measure_in(d.measure, d.measure_unit, uom, decimals, d.sku)
        except MeasureError as exc:
            d.error, d.qty = str(exc), None
            return
        if exact is not None:
            shown = Decimal(stored).scaleb(-decimals)
            d.warnings.append(_("{measure} {unit} is {exact} {uom}, rounded half-up to {shown} {uom} "
                                "({decimals} decimals)").format(measure=d.measure, unit=d.measure_unit,
                                                                exact=exact.normalize(), uom=uom, shown=shown,
                                                                decimals=decimals))
        d.qty = stored
    elif d.count is None and (d.pack_qty or 1) <= 10 ** decimals:
        # Its own barcode (pack 1 stored unit, or one base unit as a barcodes file says it; a
        # named unit is never one base unit) without a measure: the quantity is not in the
        # scan. A unit's barcode (a roll of 500) counts its factor.
        d.measure_needed, d.qty = True, None


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
