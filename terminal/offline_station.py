"""Wiring the offline journal (db/offline/) into a station: PostgreSQL sites only.

    runner = attach_offline(session)      # None on SQLite (the store is the local file itself)

sets `session.offline` (the OfflineRunner the offline flow and the station use), fills the
journal's master-data cache from the store in the background, and replays the queue every few
seconds while anything is queued. `offline_status(session)` is the header text: "" when all is
well, else "OFFLINE · N queued".
"""
from __future__ import annotations

from gettext import gettext as _

import logging
import threading

log = logging.getLogger("terminal.offline")

REPLAY_EVERY_S = 5.0


def attach_offline(session, on_change=None):
    from db.core.connection import is_postgres
    if not is_postgres():
        session.offline = None
        return None
    from db.offline import Journal, OfflineRunner
    from db.masterdata.security import redact
    cfg = session.cfg
    journal = Journal(cfg.get("offline.journal"))
    if not journal.bind(redact(cfg.db_url, cfg.db_url)):
        log.error(_('offline journal %s holds %d postings for another store (%s); it is left alone and this '
                    'station works without an offline journal'), journal.path, journal.count(),
                  journal.store())
        journal.close()
        session.offline = None
        return None
    runner = OfflineRunner(journal, retries=cfg.get("database.retries"),
                           retry_delay_s=cfg.get("database.retry_delay_ms") / 1000, on_change=on_change)
    session.offline = runner

    def fill_cache():
        from db.core.connection import reset_connection
        try:
            runner.refresh_cache()
        except Exception as exc:   # no server at start-up: the cache of the last run stays
            log.warning("offline cache not refreshed: %s", exc)
        finally:
            reset_connection()

    threading.Thread(target=fill_cache, name="offline-cache", daemon=True).start()
    runner.start_replayer(REPLAY_EVERY_S)
    return runner


def detach_offline(session) -> None:
    runner = getattr(session, "offline", None)
    if runner is not None:
        runner.stop_replayer()
        runner.journal.close()
        session.offline = None


def offline_status(session) -> str:
    runner = getattr(session, "offline", None)
    if runner is None:
        return ""
    n = runner.queued
    return _("OFFLINE · {queued} queued").format(queued=n) if n or runner.away else ""
