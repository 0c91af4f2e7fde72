"""Offline stations: the journal, the cached look-ups, replay and its exceptions."""
from __future__ import annotations

from .journal import (OPERATIONS, SyncException, reset_connection, store_unreachable, dumps, loads, Queued, Journal, refresh_cache, CachedResolver, Outcome, ReplayReport, operation, OfflineRunner, record_conflict, list_exceptions, exception_row, resolve_exception)
