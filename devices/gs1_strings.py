"""GS1 element strings and Digital Links: a parsed GS1 message's elements onto a Decoded.

biip parses; this adds what it leaves out: Digital Link convenience alphas, element-level errors
(a bad GLN), pairing rules ((02) needs (37)), a warning when a lot without its GS separator
swallowed the next element, and parse errors explained in one sentence.

Split out of devices/decode.py, which keeps what a scan means and its routing (prefixes, the
store, a plain GTIN): reading GS1 data is a subject of its own and made decode.py too long.
"""
from __future__ import annotations

import re
from decimal import Decimal
from gettext import gettext as _
from typing import TYPE_CHECKING

from .gs1 import check_digit_error
from .measure import MEASURE_AIS
from .scan import escape_gs

if TYPE_CHECKING:       # annotations only: decode imports this module
    from .decode import Decoded

GLN_AIS = {"410", "411", "412", "413", "414", "415", "416", "417"}
# Fixed-length, self-checking elements that are the usual victims of a missing GS.
SWALLOWABLE = re.compile(r"^(00|01|02|11|13|15|17|310\d)$")


def _try_message(body: str, seps: list[str]):
    from biip import ParseConfig, ParseError
    from biip.gs1_messages import GS1Message
    try:
        return GS1Message.parse(body, config=ParseConfig(separator_chars=seps))
    except ParseError:
        return None


def _message_errors(msg) -> list[str]:
    return [e for e in (_element_error(es) for es in msg.element_strings) if e]


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
