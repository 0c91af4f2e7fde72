"""Approving counts: the supervisor's decisions on count lines: approve (post counted -
snapshot), reject (order a recount) and set the quantity. Each starts with
`require_supervisor` (db/masterdata/security.py), where a worker is refused and a supervisor's
PIN is checked, before anything is read or written. Adjustments go through db.ledger.post to
@GAIN / from @LOSS with kind "count"; every decision is written to the audit trail."""
from __future__ import annotations

from dataclasses import dataclass
from gettext import gettext as _

import peewee as pw

from db.core.connection import retry_conflicts, write_transaction
from db.counts import notes
from db.counts.models import Count, CountEntry, CountLine, LineStatus
from db.counts.policy import DEFAULT_REASON
from db.core.quantities import is_whole
from db.core.text import minute
from db.counts.lookup import get_count, get_line
from db.counts.progress import refresh_task
from db.masterdata.lookup import get_reason
from db.masterdata.security import N_, audit, require_supervisor
from db.core.errors import InsufficientStock, InvalidInput, RuleViolation
from db.ledger.posting import Posting, post
from db.core.sql import locked as _locked
from db.core.models import VIRTUAL_CODES, Balance, Item, Location, Lot, Movement, utcnow
from db.core.quantities import format_quantity as fq


def _virtual(kind: str) -> Location:
    return Location.get(Location.code == VIRTUAL_CODES[kind])


def settle(line: CountLine, variance: int, *, operator: str, station: str, reason: str,
            action: str, decided_by: str | None = None, key: str | None = None) -> Movement | None:
    """Post the adjustment of LINE through the ledger and close the line. Inside a transaction."""
    task = line.task
    loc, item = task.location, Item.get_by_id(line.item_id)
    lot = Lot.get_by_id(line.lot_id) if line.lot_id else None
    movement = None
    if variance:
        gain = variance > 0
        document = f"CNT-{line.count_id}/{line.line_no}"
        try:
            movement = post(Posting(
                item=item, qty=abs(variance), lot=lot,
                from_location=_virtual("inventory-gain") if gain else loc,
                to_location=loc if gain else _virtual("inventory-loss"),
                kind="count", operator=operator, station=station,
                key=key or f"count-line:{line.id}", count_line=line.id, document=document,
                reason=reason, unit_cost=item.unit_cost))
        except InsufficientStock:
            bal = Balance.get_or_none(Balance.key(item.id, loc.id, lot.id if lot else None))
            now, held = (bal.qty, bal.allocated) if bal else (0, 0)
            lot_txt = _(" lot {lot}").format(lot=lot.code) if lot else ""
            moved = (line.expected or 0) - now
            since = (_("; {moved} moved out since the count").format(moved=moved) if moved > 0 else "")
            alloc = (_("; {held} of them are allocated to orders being picked, release or pick those "
                       "first").format(held=held) if held else "")
            raise InsufficientStock(_(
                "cannot post the count loss of {qty} × {sku}{lot} at {location}: only {now} on hand now "
                "({expected} at the count){since}{alloc}; order a recount or set the quantity").format(
                    qty=-variance, sku=item.sku, lot=lot_txt, location=loc.code, now=now,
                    expected=line.expected, since=since, alloc=alloc)) from None
    line.status = LineStatus.APPROVED
    line.adjusted = variance
    line.reason = reason
    line.decided_by = decided_by or operator
    line.decided_at = utcnow()
    line.save()
    audit(operator, station, action, count=line.count_id, line=line.line_no, location=loc.code,
           sku=item.sku, lot=lot.code if lot else "", expected=line.expected, counted=line.counted,
           variance=variance, reason=reason, movement=movement.id if movement else None)
    return movement


@dataclass
class Decision:
    line: CountLine
    movement: Movement | None = None
    error: str = ""


def approve(count_id: int, line_no: int | None = None, *, operator: str, station: str = "",
            reason: str = DEFAULT_REASON) -> list[Decision]:
    """Approve one line (LINE_NO) or every line waiting for approval: post counted - snapshot.

    With one line, a refusal raises. With all lines, each line is its own transaction: lines
    that cannot be posted are returned with their error and the others are posted.
    """
    require_supervisor(operator, N_("approving a count"))
    reason = get_reason(reason).code    # any case: "loss" is LOSS
    count = get_count(count_id)
    if line_no is not None:
        line = get_line(count_id, line_no)
        return [Decision(line, _decide_approve(line.id, operator, station, reason))]
    lines = list(CountLine.select().where(CountLine.count == count.id, CountLine.status == "review")
                 .order_by(CountLine.line_no))
    if not lines:
        raise RuleViolation(_("count {count} has no line waiting for approval ({summary})").format(
            count=count_id, summary=_status_summary(count)))
    out = []
    for line in lines:
        try:
            out.append(Decision(line, _decide_approve(line.id, operator, station, reason)))
        except (InsufficientStock, RuleViolation) as exc:
            out.append(Decision(line, None, str(exc)))
    return out


def _status_summary(count: Count) -> str:
    rows = (CountLine.select(CountLine.status, pw.fn.COUNT(CountLine.id))
            .where(CountLine.count == count.id).group_by(CountLine.status).tuples())
    parts = [f"{n} {s}" for s, n in sorted(rows)]
    return _("lines: {parts}").format(parts=", ".join(parts)) if parts else _("no lines yet")


def _why_not(line: CountLine, doing: str) -> str:
    """Why LINE cannot be decided by DOING (a translated action: "approving")."""
    where = _("line {line} ({location} {sku})").format(line=line.line_no, location=line.task.location.code,
                                                       sku=Item.get_by_id(line.item_id).sku)
    if line.status == "pending":
        return _("{where} is not counted yet; {doing} needs a count").format(where=where, doing=doing)
    if line.status == "recount":
        return _("{where} is waiting for a recount ({note}); {doing} needs two agreeing counts or a set "
                 "quantity").format(where=where, note=line.note, doing=doing)
    if line.status == "ok":
        return _("{where} matched the books; there is nothing to {verb}").format(where=where, verb=doing.split()[0])
    return _("{where} was already decided by {by} at {at}").format(where=where, by=line.decided_by,
                                                                  at=minute(line.decided_at))


def _decidable(line_id: int, statuses: tuple[str, ...], doing: str) -> CountLine:
    """The line locked for a decision (in the caller's transaction): its count still open and
    its status one of STATUSES, else why not, naming DOING."""
    line = _locked(CountLine, line_id)
    if line.status != "approved" and line.count.status != "open":
        raise RuleViolation(_("count {count} is {status}: its lines can no longer be decided").format(
            count=line.count_id, status=line.count.status))
    if line.status not in statuses:
        raise RuleViolation(_why_not(line, doing))
    return line


@retry_conflicts
def _decide_approve(line_id: int, operator: str, station: str, reason: str) -> Movement | None:
    with write_transaction():
        line = _decidable(line_id, ("review",), _("approving"))
        movement = settle(line, line.variance, operator=operator, station=station, reason=reason,
                           action="count.approve")
        refresh_task(line.task)
    return movement


@retry_conflicts
def reject(count_id: int, line_no: int, *, operator: str, station: str = "", note: str = "") -> CountLine:
    """Order a recount of a line waiting for approval (supervisor only)."""
    require_supervisor(operator, N_("ordering a recount"))
    line = get_line(count_id, line_no)
    with write_transaction():
        line = _decidable(line.id, ("review",), _("ordering a recount"))
        line.status = "recount"
        line.note = (notes.RECOUNT_ORDERED_NOTE.format(operator=operator, note=note) if note
                     else notes.RECOUNT_ORDERED.format(operator=operator))
        line.save()
        refresh_task(line.task)
        audit(operator, station, "count.reject", count=count_id, line=line_no,
               location=line.task.location.code, sku=line.item.sku, variance=line.variance, note=note)
    return line


@retry_conflicts
def set_quantity(count_id: int, line_no: int, qty: int, *, reason: str, operator: str,
                 station: str = "") -> Decision:
    """The supervisor states the true quantity at the count; counted - snapshot is posted."""
    require_supervisor(operator, N_("setting a counted quantity"))
    if not is_whole(qty) or qty < 0:
        raise InvalidInput(_("the quantity must be a whole number of zero or more, got {qty!r}").format(qty=qty))
    if not reason:
        raise InvalidInput(_("setting a quantity needs a reason code"))
    reason = get_reason(reason).code    # any case: "loss" is LOSS
    line = get_line(count_id, line_no)
    with write_transaction():
        line = _decidable(line.id, ("recount", "review", "ok"), _("setting a quantity"))
        if line.status == "ok" and line.counted == qty:
            raise RuleViolation(_("line {line} already stands at {qty}, matching the books").format(
                line=line_no, qty=fq(qty, line.item)))
        last = line.entries.order_by(CountEntry.round.desc()).first()
        CountEntry.create(line=line, round=(last.round if last else 0) + 1, qty=qty,
                          expected=line.expected, operator=operator, station=station, source="set")
        line.counted, line.variance = qty, qty - line.expected
        line.note = notes.QUANTITY_SET.format(operator=operator)
        movement = settle(line, qty - line.expected, operator=operator, station=station,
                           reason=reason, action="count.set")
        refresh_task(line.task)
    return Decision(line, movement)


def keep_books(count_id: int, line_no: int, *, reason: str, operator: str, station: str = "") -> Decision:
    """Reject the count and keep the books: the line is decided with nothing posted (the
    supervisor knows the count was wrong, e.g. goods were in transit on the shelf). Needs a
    reason code; audited as count.keep_books."""
    require_supervisor(operator, N_("rejecting a count and keeping the books"))
    if not reason:
        raise InvalidInput(_("keeping the books needs a reason code"))
    reason = get_reason(reason).code
    line = get_line(count_id, line_no)
    with write_transaction():
        line = _decidable(line.id, ("recount", "review"), _("keeping the books"))
        line.note = notes.BOOKS_KEPT.format(operator=operator)
        settle(line, 0, operator=operator, station=station, reason=reason, action="count.keep_books")
        refresh_task(line.task)
    return Decision(line, None)
