"""The common shape of every job flow (receive, put away, pick, ship, transfer, lookup, count).

A flow is a plain state machine: no Textual, no threads, no I/O of its own beyond calling the
store's domain packages (db.purchasing, db.sales, db.masterdata...), never the ORM. The app
calls it from ONE worker thread, in scan order, and renders `flow.view()` after each call. So a
flow is tested without a screen:

    flow = ReceivingFlow(session)
    flow.start()
    fb = flow.on_scan(decode(Scan("PO-1042", ...), resolver), key="ST-01:run:1:scan")
    assert fb.level == "ok" and "Scan an item for PO-1042" in flow.prompt

The methods, all returning a Feedback:
    start()                      load what the first screen needs (open POs...)
    on_scan(decoded, key)        a decoded scan (devices.decode result); key = idempotency key
    on_text(text, key)           a line typed while `entry` is not ENTRY_SCAN (a quantity, a lot...)
    on_action(name, value, key)  a key or a command barcode: "done", "undo", "skip", "short",
                                 "cancel", "qty", "reject", "enter" (Enter on an empty line)...
    back()                       Esc: step back inside the flow; None means "leave the screen"

State the screen shows (read through `view()`, a snapshot, so the UI thread never sees a
half-updated flow): title, prompt (what to scan next, in words), entry (what a typed line
means: "scan", "qty", "lot"...), table, info lines, numbered choices.

Rules: change state only AFTER the store accepted the operation (a retry must find the flow
as it was), and call the store through `self.call(...)` so a store that went away is retried
with the same idempotency key.
"""
from __future__ import annotations

from gettext import gettext as _

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from devices import decode
from terminal.i18n import N_

# The typed-quantity rule lives in quantity.py; flows import it from here as they always did.
from .quantity import parse_qty  # noqa: F401

OK, WARN, ERROR, INFO = "ok", "warn", "error", "info"

# What a typed line means. ENTRY_SCAN: it is decoded like a scan (manual scan entry).
ENTRY_SCAN = "scan"

# Command barcodes (after the configured prefix, default "CMD-") and the action each triggers.
# CMD-OK acknowledges an error and is handled by the app, not the flow.
COMMANDS = {word: word.lower() for word in decode.COMMANDS}


# Documents listed to choose from by number: twelve and the line saying how many more fit an
# 80×24 screen. A longer list ran below it, where no key scrolls. A smaller terminal lists
# fewer (`list_rows`): the "and N more" line must stay on the screen.
LISTED = 12
# Rows of the screen a list of documents cannot have: header 2, title 1, prompt 2 (it wraps
# on a narrow screen), the "and N more" line 1, banner 3, entry 1, keys 1.
LIST_FRAME_ROWS = 11


def list_rows(screen_rows: int) -> int:
    """How many documents a list shows on a terminal SCREEN_ROWS high (3 at the least)."""
    return max(3, min(LISTED, screen_rows - LIST_FRAME_ROWS))


def listed(rows: list, line, status: str, what: str, limit: int = LISTED) -> tuple[list[str], list[str]]:
    """The choices for the first LIMIT of ROWS (LINE formats one), and the info line saying how
    many more are STATUS; those can still be scanned or typed (WHAT: "an SO number")."""
    shown = rows[:limit]
    more = len(rows) - len(shown)
    if not more:
        return [line(r) for r in shown], []
    # STATUS and WHAT are marked N_ by the callers: translated here, where they are shown.
    return [line(r) for r in shown], [_("… and {more} more {status}: scan or type {what}").format(
        more=more, status=_(status), what=_(what))]


# Document statuses as the screen says them (the store keeps the English keys, db/core/statuses.py).
STATUS_WORDS = {"draft": N_("draft"), "open": N_("open"), "partial": N_("partial"), "received": N_("received"),
                "closed": N_("closed"), "cancelled": N_("cancelled"), "backordered": N_("backordered"),
                "picking": N_("picking"), "picked": N_("picked"), "shipped": N_("shipped")}


def status_text(status: str, width: int = 0) -> str:
    """STATUS in the station's language, padded to WIDTH terminal cells."""
    from devices.text_cells import cell_len
    text = _(STATUS_WORDS.get(str(status), str(status)))
    return text + " " * max(0, width - cell_len(text))


@dataclass(frozen=True)
class Feedback:
    """What the banner shows after a scan or key. An error must be acknowledged."""
    level: str
    message: str

    @property
    def needs_ack(self) -> bool:
        return self.level == ERROR

    @classmethod
    def ok(cls, message: str) -> "Feedback":
        return cls(OK, message)

    @classmethod
    def warn(cls, message: str) -> "Feedback":
        return cls(WARN, message)

    @classmethod
    def error(cls, message: str) -> "Feedback":
        return cls(ERROR, message)

    @classmethod
    def info(cls, message: str) -> "Feedback":
        return cls(INFO, message)


@dataclass(frozen=True)
class FlowKey:
    """A key a flow offers: shown in the footer and in F1 help."""
    key: str        # Textual key name: "f3"
    action: str     # passed to on_action
    label: str      # "Qty"
    help: str = ""  # one line for F1


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    # Index of the row to highlight (the current line), or None.
    current: int | None = None


@dataclass
class View:
    """A snapshot of what the screen renders."""
    title: str
    prompt: str
    entry: str = ENTRY_SCAN
    table: Table | None = None
    info: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    done: bool = False


UNDO_KEY = FlowKey("f9", "undo", N_("Undo"), N_("reverse your last posting (also CMD-UNDO)"))
DONE_KEY = FlowKey("f10", "done", N_("Done"), N_("finish this job (also CMD-DONE)"))
# F3 in the jobs that take a quantity for the next item scan (receive, transfer, the offline move).
QTY_KEY = FlowKey("f3", "qty", N_("Qty"), N_("type the quantity for the next item scan"))


class Flow:
    title: ClassVar[str] = ""
    keys: ClassVar[tuple[FlowKey, ...]] = (UNDO_KEY,)

    def __init__(self, session):
        self.session = session
        self.prompt = ""
        self.entry = ENTRY_SCAN
        self.done = False
        self.info: list[str] = []
        self.choices: list[str] = []
        # Set by the flow to move on after this call: ("leave", {}) closes the screen;
        # ("putaway", {"dock": "D1"}) replaces it with that job; the app reads and clears it.
        self.next: tuple[str, dict] | None = None

    # --- the calls the app makes -------------------------------------------------------------

    def start(self) -> Feedback | None:
        return None

    def on_scan(self, scan, key: str | None = None) -> Feedback:
        return Feedback.error(_('this screen does not take scans; scanned {scan_text}').format(
                                  scan_text=scan_text(scan)))

    def on_text(self, text: str, key: str | None = None) -> Feedback:
        return Feedback.error(_('nothing to type here; typed {text!r}').format(text=text))

    def on_action(self, name: str, value: str | None = None, key: str | None = None) -> Feedback:
        if name == "undo":
            return self.undo(key)
        return Feedback.error(_('{upper} does nothing here').format(upper=name.upper()))

    def back(self) -> Feedback | None:
        """Esc. Return None to leave the screen; a Feedback when the flow stepped back."""
        return None

    def leave(self) -> None:
        """Called (in the worker) when the screen closes: give back what the flow holds."""

    def table(self) -> Table | None:
        return None

    def heading(self) -> str:
        """The title bar: the job, and the document being worked on."""
        return _(self.title)

    def view(self) -> View:
        return View(title=self.heading(), prompt=self.prompt, entry=self.entry, table=self.table(),
                    info=list(self.info), choices=list(self.choices), done=self.done)

    # --- helpers for subclasses --------------------------------------------------------------

    @property
    def operator(self) -> str:
        return self.session.operator or ""

    @property
    def station(self) -> str:
        return self.session.station

    def list_limit(self) -> int:
        """How many documents a list may show on this station's screen (set by the app)."""
        return getattr(self.session, "list_rows", None) or LISTED

    def call(self, fn: Callable[..., Any], *args, **kwargs) -> Any:
        """Call the store, retrying while it is unreachable (same arguments, same key)."""
        from db.core.connection import with_retry
        cfg = self.session.cfg
        return with_retry(lambda: fn(*args, **kwargs), retries=cfg.get("database.retries"),
                          delay_s=cfg.get("database.retry_delay_ms") / 1000,
                          on_retry=self.session.on_retry)

    def undo(self, key: str | None = None) -> Feedback:
        """Reverse this operator's last posting through the ledger."""
        from db import inventory
        last = self.call(inventory.last_movement_of, self.operator)
        if last is None:
            return Feedback.error(_('nothing to undo: operator {operator} has no posting left to reverse').format(
                                      operator=self.operator))
        rev = self.call(inventory.undo_movement, last.id, operator=self.operator,
                        station=self.station, key=key)
        self.after_undo(last)
        return Feedback.ok(_('undone: {describe_movement} (movement {id} reversed by {id2})').format(
                               describe_movement=describe_movement(last), id=last.id, id2=rev.id))

    def after_undo(self, movement) -> None:
        """Refresh what the flow shows after an undo (documents' counters changed)."""


SHOWN_SCAN_CHARS = 48


def scan_text(scan) -> str:
    """A scan as an error message quotes it: GS visible, and garbage cut to fit the banner."""
    raw = getattr(scan, "raw", None)
    if raw is None:
        return repr(scan)
    shown = raw.replace("\x1d", "<GS>")
    if len(shown) > SHOWN_SCAN_CHARS:
        return repr(shown[:SHOWN_SCAN_CHARS]) + f"… ({len(raw)} characters)"
    return repr(shown)


def describe_movement(m) -> str:
    lot = _(" lot {lot}").format(lot=m.lot.code) if m.lot_id else ""
    return f"{m.qty} × {m.item.sku}{lot} {m.from_location.code} → {m.to_location.code}"


# --- reading decoded scans (devices.decode.Decoded) ----------------------------------------------

ITEM_KINDS = decode.ITEM_KINDS


def describe_scan(scan) -> str:
    """What a scan turned out to be, in words, for error messages."""
    kind = getattr(scan, "kind", None)
    raw = scan_text(scan)
    if kind == "location":
        return _("location {code}").format(code=scan.location)
    if kind == "operator":
        return _("operator badge {code}").format(code=scan.operator)
    if kind == "command":
        return _("command {raw}").format(raw=scan.raw)
    if kind in ITEM_KINDS and getattr(scan, "sku", None):
        if getattr(scan, "lot", None):
            return _("item {sku} lot {lot}").format(sku=scan.sku, lot=scan.lot)
        return _("item {sku}").format(sku=scan.sku)
    if kind in ITEM_KINDS and getattr(scan, "gtin", None):
        return f"GTIN {scan.gtin}"
    return _("unknown barcode {raw}").format(raw=raw)


def expect_item(scan, what: str = N_("an item")):
    """The scan if it names an item of the store; else an error naming what was scanned."""
    from db.core.errors import InvalidInput
    if getattr(scan, "kind", None) in ITEM_KINDS:
        if scan.error:
            raise InvalidInput(_('bad barcode {scan_text}: {error}').format(
                                   scan_text=scan_text(scan), error=scan.error))
        if scan.sku:
            return scan
    raise InvalidInput(_('expected {what}, scanned {describe_scan}').format(
                           what=_(what), describe_scan=describe_scan(scan)))


def scan_warnings(scan) -> list[str]:
    return list(getattr(scan, "warnings", None) or [])


def parse_date(text: str, what: str = N_("date")):
    import datetime as dt
    from db.core.errors import InvalidInput
    t = text.strip()
    for fmt in ("%Y-%m-%d", "%y%m%d", "%Y%m%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            pass
    raise InvalidInput(_('the {what} must be a date as YYYY-MM-DD (or YYMMDD), typed {text!r}').format(
                           what=_(what), text=text))


def result(messages: list[str], warnings: list[str]) -> Feedback:
    """OK with the messages, or a warning when there is something to warn about."""
    text = "; ".join(messages)
    if warnings:
        return Feedback.warn(text + " — " + "; ".join(warnings))
    return Feedback.ok(text)
