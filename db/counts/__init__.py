"""Cycle counts: plans, blind counting with snapshots, recounts, and the supervisor's decisions.

The rules, in one place (docs/counts.md explains them to users):

- A plan (`create_count`) makes one task per location. Item-scoped plans (items, ABC class)
  count only those items at each location; the others count everything there.
- A location's books are snapshotted per (item, lot) at the moment its count is submitted.
  The variance is counted - snapshot, so picks and receipts posted between the count and the
  approval never show up as variances. Each count (CountEntry) keeps its own snapshot.
- A variance within tolerance waits for a supervisor's approval (or, with
  `[count] auto_approve = true`, is posted at once). Beyond tolerance the line needs a recount
  by an operator other than the one who made the latest count.
- Two counts settle a line when they are by different operators and find the same variance
  (against their own snapshots: with no movement in between, that is the same quantity). A
  recount that finds exactly the books settles the line with no variance. Counts that disagree
  ask for one more recount; the supervisor may set the quantity instead at any time.
- Only supervisors approve, order recounts (reject) or set quantities; every decision and
  every submission is written to the audit trail. Adjustments go through db.ledger.post to
  @GAIN / from @LOSS with kind "count", the count line's id and a reason code.

This package's __init__ only gathers the public names; the code lives in:

- policy.py     Tolerance, CountSettings ([count] in config.toml), DEFAULT_REASON, SCOPES
- variance.py   what a variance is worth (units × unit cost), open or posted
- plans.py      plan_locations, create_count, request_count, cancel_count, last_counted
- submit.py     counting at a location: Counted, SubmitResult, task_for_location, open_tasks,
                recount_lines, recount_blockers, count_scope, expected_lines,
                lot_needs_expiry, submit_count
- approval.py   the supervisor's decisions: Decision, approve, reject, set_quantity (a worker
                is refused there, by security.require_supervisor), and settle (posting a
                line's adjustment through the ledger)
- progress.py   a task's and its count's status after its lines change
- views.py      reading counts: line_dict, count_detail, list_counts, discrepancies
- upload.py     batch scanners: Meaning, resolve_code, parse_upload, UploadResult, upload_count
- lookup.py     get_count, get_line, balances_at (the books a count looks at)
- models.py     the tables; db/reports/counts.py is the counts report

Operators, the supervisor check (a worker is refused there) and the audit trail are
db.masterdata.security's; reason codes are looked up by db.masterdata.lookup.get_reason.
"""
from __future__ import annotations

from db.counts.approval import Decision, approve, keep_books, reject, set_quantity
from db.counts.plans import cancel_count, create_count, last_counted, plan_locations, request_count
from db.counts.policy import DEFAULT_REASON, SCOPES, CountSettings, Tolerance
from db.counts.submit import (Counted, SubmitResult, count_scope, expected_lines, lot_needs_expiry, open_tasks,
                              recount_blockers, recount_lines, submit_count, task_for_location)
from db.counts.lookup import balances_at, get_count, get_line
from db.counts.variance import posted_value, variance_value
from db.counts.upload import Meaning, UploadResult, parse_upload, resolve_code, upload_count
from db.counts.views import count_detail, discrepancies, line_dict, list_counts, open_found_goods

__all__ = [
    # policy
    "DEFAULT_REASON", "SCOPES", "Tolerance", "CountSettings",
    # shared look-ups
    "get_count", "get_line", "balances_at", "variance_value", "posted_value",
    # plans
    "last_counted", "plan_locations", "create_count", "request_count", "cancel_count",
    # counting at a location
    "Counted", "SubmitResult", "task_for_location", "open_tasks", "recount_lines",
    "recount_blockers", "count_scope", "expected_lines", "lot_needs_expiry", "submit_count",
    # the supervisor's decisions
    "Decision", "approve", "keep_books", "reject", "set_quantity",
    # reading counts
    "line_dict", "count_detail", "list_counts", "discrepancies", "open_found_goods",
    # batch scanners
    "Meaning", "resolve_code", "parse_upload", "UploadResult", "upload_count",
]
