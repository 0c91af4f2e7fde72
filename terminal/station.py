"""The station's one ordered input queue and its single consumer thread.

Why one queue for everything: scans, typed lines and job keys (Done, Undo, Esc...) must be
applied in the order the operator made them. Ten quick scans followed by F10 are ten postings
and then a finish, never fewer, never merged, never reordered. The consumer is ONE thread, so
the flows need no locks and the UI never waits for the store.

After an error the queue holds (the error must be acknowledged with Enter or CMD-OK); scans
that arrive meanwhile wait in order, and the screen shows how many. A store that went away
keeps the entry at the head of the queue and retries it with the same idempotency key.

No Textual here: the app plugs in a `StationUI` whose methods it runs on its own thread.
"""
from __future__ import annotations

from gettext import gettext as _

import collections
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from .flows.base import COMMANDS, ENTRY_SCAN, Feedback, Flow, View

log = logging.getLogger("terminal.station")


@dataclass
class Entry:
    """One input of the operator. `key` is its idempotency key, kept across retries."""
    kind: str            # "scan", "text" or "action"
    value: Any           # a devices Scan, the typed text, or the action name
    key: str
    arg: Any = None      # the action's value
    at: float = field(default_factory=time.monotonic)
    flow: Any = None     # the flow of the screen a key was typed on (None: a scanner's scan)


class StationUI(Protocol):
    """What the consumer needs from the screen side. Called from the consumer thread."""

    def current_flow(self) -> Flow | None: ...
    def navigate(self, flow: Flow, target: tuple) -> None: ...
    def show(self, feedback: Feedback | None, view: View | None) -> None: ...
    def waiting(self, count: int) -> None: ...
    def store_status(self, text: str) -> None: ...


class Station:
    def __init__(self, session, decode: Callable[[Any], Any], ui: StationUI, *,
                 retry_pause_s: float = 2.0):
        self.session = session
        self.decode = decode
        self.ui = ui
        self.retry_pause_s = retry_pause_s
        self._queue: collections.deque[Entry] = collections.deque()
        self._cond = threading.Condition()
        self._blocked: Feedback | None = None     # the error awaiting acknowledgement
        self._waiting_lock = threading.Lock()
        self._shown_waiting = 0                   # the waiting count the screen shows
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._command_prefix = session.cfg.get("barcodes.command_prefix")
        session.on_retry = self._on_retry
        # Set by the app: the flow of the screen shown now, asked when a key is queued (on the
        # UI thread). A key waits behind an error or a slow posting; it must never be applied
        # to a screen other than the one it was typed on.
        self.typed_on: Callable[[], Any] | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="station-consumer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # --- inputs, from any thread -------------------------------------------------------------

    def submit_scan(self, scan) -> None:
        """A scan from any source. CMD-OK acknowledges at once: it must not wait behind the
        scans it unblocks."""
        if getattr(scan, "raw", None) == f"{self._command_prefix}OK":
            self.acknowledge()
            return
        self._put(Entry("scan", scan, self.session.next_key("scan")))

    def submit_text(self, text: str) -> None:
        self._put(Entry("text", text, self.session.next_key("text"), flow=self._typed_on()))

    def submit_action(self, name: str, value: Any = None) -> None:
        self._put(Entry("action", name, self.session.next_key(name), arg=value, flow=self._typed_on()))

    def _typed_on(self):
        return self._safe(self.typed_on) if self.typed_on is not None else None

    def acknowledge(self) -> bool:
        """Enter or CMD-OK: release the queue after an error. False if nothing was held."""
        with self._cond:
            held = self._blocked is not None
            if held:
                # Shown before the queue moves on: else the answer to the next waiting input
                # could be drawn first and then covered by "acknowledged".
                self.ui.show(Feedback.info(_("acknowledged")), None)
            self._blocked = None
            self._cond.notify_all()
        return held

    def hold(self, feedback: Feedback) -> None:
        """An error a screen found itself (a report that failed, a wrong PIN): held and shown
        like a flow's, so it is acknowledged the same way (Enter or CMD-OK) on every screen."""
        with self._cond:
            self._blocked = feedback
        self.ui.show(feedback, None)

    # --- state, from any thread --------------------------------------------------------------

    @property
    def blocked(self) -> Feedback | None:
        return self._blocked

    @property
    def waiting(self) -> int:
        """Entries not yet taken up (the one being processed is not counted)."""
        with self._cond:
            return len(self._queue) - (1 if self._busy else 0)

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._queue and not self._busy

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every entry was processed or an error holds the queue (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (self._queue or self._busy) and not (self._blocked and not self._busy):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    # --- the consumer ------------------------------------------------------------------------

    def _put(self, entry: Entry) -> None:
        with self._cond:
            self._queue.append(entry)
            self._cond.notify_all()
            # Into an idle queue the entry is taken at once: it never waits, nothing to show.
            idle = not self._busy and self._blocked is None and len(self._queue) == 1
        if not idle:
            self._report_waiting()

    def _report_waiting(self) -> None:
        # Only a change reaches the screen: every header update is a layout and a repaint,
        # and a scan into an idle queue would otherwise flash "waiting: 1" and back to 0,
        # two repaints competing with the scan itself (bench/RESULTS.md).
        with self._waiting_lock:      # count and report as one step: threads report in order
            count = self.waiting
            if count == self._shown_waiting:
                return
            self._shown_waiting = count
            try:
                self.ui.waiting(count)
            except Exception:  # the screen may be closing; the count is only informative
                log.debug("waiting count not shown", exc_info=True)

    def _run(self) -> None:
        from db.core.errors import StoreUnavailable, WarehouseError
        while True:
            with self._cond:
                while not self._stopping and (not self._queue or self._blocked is not None):
                    self._cond.wait()
                if self._stopping:
                    return
                entry = self._queue[0]
                self._busy = True
            self._report_waiting()
            try:
                feedback = self._process(entry)
            except StoreUnavailable as exc:
                if self._can_go_offline():
                    feedback = self._go_offline(exc)
                else:
                    # Keep the entry at the head: it is retried with the same key.
                    with self._cond:
                        self._busy = False
                    self._safe(self.ui.store_status, _("store unreachable, retrying: {exc}").format(exc=exc))
                    with self._cond:
                        self._cond.wait(self.retry_pause_s)
                    continue
            except WarehouseError as exc:
                feedback = Feedback.error(str(exc))
            except Exception as exc:  # a bug must not kill the station: show it, keep going
                log.exception("processing %r failed", entry)
                feedback = Feedback.error(_('internal error ({name}): {exc}').format(
                                              name=type(exc).__name__, exc=exc))
            if feedback is not None and feedback.needs_ack:
                with self._cond:
                    self._blocked = feedback
            self._safe(self.ui.store_status, self._store_text())
            flow = self._safe(self.ui.current_flow)
            view = self._safe(flow.view) if flow is not None else None
            self._safe(self.ui.show, feedback, view)
            with self._cond:
                self._queue.popleft()
                self._busy = False
                self._cond.notify_all()
            self._report_waiting()

    # --- offline (PostgreSQL sites with a journal: terminal/offline_station.py) ---------------

    def _store_text(self) -> str:
        from .offline_station import offline_status
        return offline_status(self.session)

    def _can_go_offline(self) -> bool:
        return getattr(self.session, "offline", None) is not None and bool(self.session.operator)

    def _go_offline(self, exc) -> Feedback:
        """The server went away: open the offline flow (moves are journaled there) instead of
        waiting. The input that failed was not posted, and the operator is told so."""
        from .flows.offline import OfflineFlow
        self.session.offline.mark_away()
        flow = self._safe(self.ui.current_flow)
        if not isinstance(flow, OfflineFlow):
            self._safe(self.ui.navigate, flow, ("offline", {}))
        return Feedback.error(_('the store cannot be reached ({exc}): that input was NOT posted. The '
                                'station is OFFLINE: moves are journaled and post when the server is back').format(
                                  exc=exc))

    def _safe(self, fn, *args):
        try:
            return fn(*args)
        except Exception:
            log.debug("UI call failed", exc_info=True)
            return None

    def _process(self, entry: Entry) -> Feedback | None:
        flow = self.ui.current_flow()
        if entry.flow is not None and entry.flow is not flow:
            log.info("dropped %s %r: typed on a screen that is gone", entry.kind, entry.value)
            return Feedback.info(f"not applied here: a key typed on the screen before ({getattr(entry.flow, 'title', '')})")
        if flow is None:
            return Feedback.error(_('this screen takes no scans or keys of a job; press Esc to go back'))
        if entry.kind == "scan":
            feedback = self._scan(flow, entry.value, entry.key)
        elif entry.kind == "text":
            if flow.entry == ENTRY_SCAN:
                from devices.scan import make_scan, unescape_gs
                feedback = self._scan(flow, make_scan(unescape_gs(entry.value), "manual"), entry.key)
            else:
                feedback = flow.on_text(entry.value, entry.key)
        elif entry.value == "back":
            feedback = flow.back()
            if feedback is None:
                flow.leave()
                flow.next = ("leave", {})
        elif entry.value == "typed-scan":
            # F2: a scan typed by hand, whatever the entry line expects.
            from devices.scan import make_scan, unescape_gs
            feedback = self._scan(flow, make_scan(unescape_gs(entry.arg), "manual"), entry.key)
        else:
            feedback = flow.on_action(entry.value, entry.arg, entry.key)
        target = getattr(flow, "next", None)
        if target:
            flow.next = None
            self.ui.navigate(flow, target)
        return feedback

    def _scan(self, flow: Flow, scan, key: str) -> Feedback | None:
        decoded = self.decode(scan)
        command = getattr(decoded, "command", None)
        if getattr(decoded, "kind", None) == "command" and command:
            action = COMMANDS.get(command.upper())
            if action == "ok":
                return Feedback.info(_('nothing to acknowledge'))
            if action is None:
                return Feedback.error(decoded.error or _("unknown command barcode {raw!r}").format(raw=scan.raw))
            if action == "cancel":
                back = flow.back()
                if back is None:
                    flow.leave()
                    flow.next = ("leave", {})
                return back
            return flow.on_action(action, None, key)
        if getattr(decoded, "kind", None) == "unknown" and (
                getattr(flow, "entry", None) in TEXT_ENTRIES
                or (getattr(flow, "entry", None) == "qty" and is_number_text(scan.raw))):
            # Text typed fast enough to pass for a scan (wedge timing) answers the prompt it was
            # typed into: a reason, a note, a PIN; a quantity (no barcode of ours is a short number).
            return flow.on_text(scan.raw, key)
        return flow.on_scan(decoded, key)

    def _on_retry(self, attempt: int, exc: Exception) -> None:
        self._safe(self.ui.store_status, _("store unreachable, retrying (attempt {attempt})").format(attempt=attempt))


# Prompts that take words, never a barcode: what arrives there as an unknown "scan" was typed.
TEXT_ENTRIES = ("reason", "keepreason", "note", "pin")


def is_number_text(text: str) -> bool:
    """`12.5`, `3`: what a quantity prompt takes (at most 7 characters, one decimal point)."""
    t = (text or "").strip()
    return 0 < len(t) <= 7 and t.replace(".", "", 1).isdigit()
