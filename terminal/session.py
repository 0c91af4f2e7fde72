"""The station session: who is logged in, at which station, in which warehouse, on which store.

Every screen and flow reads it as `app.session` (screens) or `flow.session` (flows):

    session.cfg            the validated Config (terminal/config.py)
    session.station        [station] id, stamped on every posting
    session.warehouse      [station] warehouse (a warehouse code)
    session.store          the store as the header shows it (no password)
    session.operator       the logged-in operator code, or None before login
    session.operator_name  their name
    session.role           "worker" or "supervisor"
    session.is_supervisor  role == "supervisor"
    session.printer        [station] printer target ("" means none)
    session.next_key(what) a fresh idempotency key: "<station>:<run>:<n>:<what>"
    session.pin            the supervisor's PIN once checked this login (None before), so a
                           supervisor is asked once, not at every action; `pin_scope()` hands it
                           to db.masterdata.security for the store calls that need it
    session.on_retry       set by the app: called (attempt, exc) from a worker thread while a
                           posting is retried because the store went away

Why keys look like that: a scan keeps its key across retries (so a retry after a lost reply
posts at most once) and the run id keeps two runs of the same station from ever colliding.
"""
from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Session:
    cfg: object
    station: str
    warehouse: str
    store: str = ""
    operator: str | None = None
    operator_name: str = ""
    role: str = "worker"
    pin: str | None = field(default=None, repr=False)
    # How many documents a list shows (terminal/flows/base.list_rows of the screen's height),
    # set by the app as the terminal is resized; None: the 80×24 default.
    list_rows: int | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    on_retry: Callable[[int, Exception], None] | None = None
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_config(cls, cfg) -> "Session":
        from db.core.connection import describe_url
        return cls(cfg=cfg, station=cfg.station_id, warehouse=cfg.warehouse,
                   store=describe_url(cfg.db_url))

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def printer(self) -> str:
        return self.cfg.get("station.printer")

    def next_key(self, what: str = "scan") -> str:
        with self._lock:
            n = next(self._counter)
        return f"{self.station}:{self.run_id}:{n}:{what}"

    def login(self, code: str, name: str = "", role: str = "worker") -> None:
        self.operator, self.operator_name, self.role = code, name or code, role
        self.pin = None

    def logout(self) -> None:
        self.operator, self.operator_name, self.role = None, "", "worker"
        self.pin = None

    def pin_scope(self):
        """Supply this session's checked PIN to supervisor actions run inside the block."""
        from db.masterdata import security
        pin, me = self.pin, self.operator
        return security.pin_source(lambda code: pin if code == me else None)
