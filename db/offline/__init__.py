"""Offline stations (PostgreSQL sites): the journal, the cached look-ups, replay and its exceptions.

- journal.py     the local SQLite journal of queued postings (OPERATIONS, Queued, Journal)
- cache.py       master data copied for decoding offline (refresh_cache, CachedResolver)
- replay.py      running postings now or journaling them, and replaying in order (OfflineRunner)
- exceptions.py  refused replays for a supervisor (SyncException, list, resolve)
"""
from __future__ import annotations

from .journal import OPERATIONS, Journal, Queued, dumps, loads
from .cache import CachedResolver, barcode_key, refresh_cache
from .exceptions import SyncException, exception_row, list_exceptions, record_conflict, resolve_exception
from .replay import OfflineRunner, Outcome, ReplayReport, operation
