"""Batch (memory) scanners: reading a scanner's dump of `barcode[,qty]` lines and submitting it
as the count of one location (unknown barcodes become found goods)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from gettext import gettext as _
from typing import Callable

from db.counts.policy import CountSettings
from db.counts.submit import (Counted, SubmitResult, recount_blockers, submit_count, task_for_location)
from db.counts.lookup import get_count
from db.core.errors import InvalidInput, PermissionDenied
from db.core.models import Item, Location


@dataclass
class Meaning:
    """What one code in an upload means."""
    kind: str                     # item, location, unknown
    item: Item | None = None
    pack_qty: int = 1
    lot: str | None = None
    expiry: dt.date | None = None
    qty: int | None = None        # units the code itself carries (GS1 count), else None
    location: str | None = None


def resolve_code(code: str) -> Meaning:
    """The store's own reading of a code: an item barcode (or SKU), a location, or unknown."""
    from db.masterdata.lookup import find_barcode
    hit = find_barcode(code)
    if hit is not None:
        return Meaning("item", item=hit[0], pack_qty=hit[1])
    loc = Location.get_or_none(Location.code == code)
    if loc is not None:
        return Meaning("location", location=loc.code)
    item = Item.get_or_none(Item.sku == code)
    if item is not None:
        return Meaning("item", item=item, pack_qty=1)
    return Meaning("unknown")


def parse_upload(text: str) -> list[tuple[int, str, int]]:
    """Lines of `barcode[,qty]` (or one barcode per line, repeated) -> (line number, barcode,
    scans). Every bad line is reported at once, with its number; nothing is returned then."""
    rows, errors = [], []
    # Split on newlines only and strip only blanks: str.splitlines() and str.strip() treat the
    # GS1 group separator (0x1D) as whitespace and would cut a GS1 scan apart.
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(" \t\r\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = [p.strip(" \t") for p in line.split(",")]
        if len(parts) > 2 or not parts[0]:
            errors.append(_at_line(n, _("expected barcode or barcode,qty, got {raw!r}").format(raw=raw.strip())))
            continue
        qty = 1
        if len(parts) == 2:
            if not parts[1].isdecimal() or int(parts[1]) <= 0:
                errors.append(_at_line(n, _("the quantity must be a positive whole number, got {qty!r}").format(
                    qty=parts[1])))
                continue
            qty = int(parts[1])
        rows.append((n, parts[0], qty))
    if errors:
        _refuse(errors)
    return rows


def _at_line(n: int, message: str) -> str:
    """MESSAGE about line N of a scanner file."""
    return _("line {n}: {message}").format(n=n, message=message)


def _refuse(errors: list[str]) -> None:
    """Refuse the whole file, naming its first ten bad lines."""
    shown = errors[:10] + ([_("... and {n} more").format(n=len(errors) - 10)] if len(errors) > 10 else [])
    raise InvalidInput(_("the scanner file has bad lines, nothing was uploaded: {errors}").format(
        errors="; ".join(shown)))


@dataclass
class UploadResult:
    submit: SubmitResult
    unknown: dict[str, int]
    lines_read: int


def upload_count(count_id: int, text: str, *, location: str, operator: str, station: str = "",
                 resolve: Callable[[str], Meaning] | None = None,
                 settings: CountSettings | None = None) -> UploadResult:
    """Count LOCATION from a batch scanner's dump. Each line stands for QTY scans (default 1)
    of its barcode; each scan adds the barcode's pack quantity (or the GS1 count it carries).
    Unknown barcodes become found goods. The upload is the recount when the location waits for
    one, and then must come from another operator. Bad lines refuse the whole file."""
    resolve = resolve or resolve_code
    rows = parse_upload(text)
    get_count(count_id)
    task = task_for_location(location, count_id)
    if task.status == "recount" and operator in recount_blockers(task):
        raise PermissionDenied(_("{location} needs a recount by another operator: {operator} made the "
                                 "latest count there; upload refused").format(location=location, operator=operator))
    counted: dict[tuple[int, str | None], Counted] = {}
    unknown: dict[str, int] = {}
    errors = []
    for n, code, scans in rows:
        m = resolve(code)
        if m.kind == "location":
            if m.location != location:
                errors.append(_at_line(n, _("{code} is location {found}, but this file is for {location}").format(
                    code=code, found=m.location, location=location)))
            continue
        if m.kind != "item" or m.item is None:
            unknown[code] = unknown.get(code, 0) + scans
            continue
        if m.item.lot_tracked and not m.lot:
            errors.append(_at_line(n, _("{sku} is lot-tracked but {code} carries no lot; scan the GS1 label "
                                        "with the lot").format(sku=m.item.sku, code=code)))
            continue
        units = scans * (m.qty if m.qty is not None else m.pack_qty)
        k = (m.item.id, m.lot)
        if k in counted:
            counted[k].qty += units
        else:
            counted[k] = Counted(item=m.item, qty=units, lot=m.lot, expiry=m.expiry)
    if errors:
        _refuse(errors)
    result = submit_count(task.id, list(counted.values()), operator=operator, station=station,
                          round_seen=task.rounds, found=unknown, source="upload", settings=settings)
    return UploadResult(submit=result, unknown=unknown, lines_read=len(rows))
