"""Tables of cycle counts: the plan, one task per location, the lines (item × lot) with every
count made of them, and the unknown barcodes found on the shelves.

Why a line keeps every count (CountEntry) with its own snapshot: stock moves while a count is
open, so each count is compared with what the books said at the moment it was made, never with
the books at approval time.
"""
from __future__ import annotations

from enum import StrEnum

import peewee as pw

from db.core.models import BaseModel, Item, Location, Lot, Warehouse, utcnow



class CountStatus(StrEnum):
    """A count plan: open until every line is settled, then closed; or cancelled."""
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    """One location: open (not counted yet), recount (some lines wait for another operator's
    count), review (counted; some lines wait for a supervisor), done."""
    OPEN = "open"
    RECOUNT = "recount"
    REVIEW = "review"
    DONE = "done"


class LineStatus(StrEnum):
    """One item × lot: pending (not counted), recount, review, ok (no variance, nothing to
    post), approved (the adjustment is posted, or the supervisor set a quantity)."""
    PENDING = "pending"
    RECOUNT = "recount"
    REVIEW = "review"
    OK = "ok"
    APPROVED = "approved"


class Count(BaseModel):
    """A count plan: what a supervisor asked to be counted."""
    warehouse = pw.ForeignKeyField(Warehouse, null=True)
    # zones, locations, items, abc, shorts, random, request (raised by a short pick)
    scope = pw.CharField()
    scope_detail = pw.CharField(default="")
    blind = pw.BooleanField(default=True)
    status = pw.CharField(default=CountStatus.OPEN, index=True)
    created_by = pw.CharField()
    created_at = pw.DateTimeField(default=utcnow)
    closed_at = pw.DateTimeField(null=True)
    note = pw.CharField(default="")

    class Meta:
        table_name = "cycle_count"

    @property
    def document(self) -> str:
        return f"CNT-{self.id}"


class CountTask(BaseModel):
    """One location to count within a plan."""
    count = pw.ForeignKeyField(Count, backref="tasks", on_delete="CASCADE")
    location = pw.ForeignKeyField(Location)
    status = pw.CharField(default=TaskStatus.OPEN, index=True)
    # How many times the location (or part of it) was submitted; a submission names the round
    # it started from, so a second station submitting the same round is refused.
    rounds = pw.IntegerField(default=0)
    # Item-scoped plans count only these item ids here (comma-separated); empty = everything.
    item_filter = pw.TextField(default="")
    last_counted_by = pw.CharField(default="")
    last_counted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "count_task"
        indexes = ((("count", "location"), True),)

    def item_ids(self) -> set[int]:
        return {int(x) for x in self.item_filter.split(",") if x}


class CountLine(BaseModel):
    """One item (and lot) at one location: the snapshot, the latest count and the outcome."""
    count = pw.ForeignKeyField(Count, backref="lines", on_delete="CASCADE")
    task = pw.ForeignKeyField(CountTask, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    item = pw.ForeignKeyField(Item)
    lot = pw.ForeignKeyField(Lot, null=True)
    # Latest snapshot of the books, latest count and their difference (count - snapshot).
    expected = pw.IntegerField(null=True)
    counted = pw.IntegerField(null=True)
    variance = pw.IntegerField(null=True)
    status = pw.CharField(default=LineStatus.PENDING, index=True)
    within_tolerance = pw.BooleanField(default=False)
    note = pw.CharField(default="")
    # The supervisor's decision (or the automatic approval within tolerance).
    reason = pw.CharField(default="")
    decided_by = pw.CharField(default="")
    decided_at = pw.DateTimeField(null=True)
    # The signed quantity posted to the ledger (gain > 0, loss < 0).
    adjusted = pw.IntegerField(null=True)

    class Meta:
        table_name = "count_line"
        indexes = ((("count", "line_no"), True),)


class CountEntry(BaseModel):
    """One count of one line: who counted, when, how many, and what the books said then."""
    line = pw.ForeignKeyField(CountLine, backref="entries", on_delete="CASCADE")
    round = pw.IntegerField()
    qty = pw.IntegerField()
    expected = pw.IntegerField()
    operator = pw.CharField()
    station = pw.CharField(default="")
    at = pw.DateTimeField(default=utcnow)
    # How it was counted: scan (a station), upload (a batch scanner file), empty (the
    # "location empty" key).
    source = pw.CharField(default="scan")

    class Meta:
        table_name = "count_entry"
        indexes = ((("line", "round"), True),)

    @property
    def variance(self) -> int:
        return self.qty - self.expected


class CountFound(BaseModel):
    """A barcode on the shelf that the store does not know: found goods for the supervisor."""
    task = pw.ForeignKeyField(CountTask, backref="found", on_delete="CASCADE")
    barcode = pw.CharField()
    scans = pw.IntegerField(default=1)
    operator = pw.CharField()
    station = pw.CharField(default="")
    at = pw.DateTimeField(default=utcnow)
    resolved = pw.BooleanField(default=False)

    class Meta:
        table_name = "count_found"


MODELS = [Count, CountTask, CountLine, CountEntry, CountFound]
