"""The stock ledger: posting (the one way stock changes), undo, verify, idempotency keys, the audit trail."""
from __future__ import annotations

from .posting import Posting, post, reverse, VerifyResult, verify, on_hand
from .keys import earlier_by_key, derived_key
from .audit_trail import audit_rows, recent_movements
