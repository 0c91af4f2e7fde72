"""`wh run`: the station app. Thin on purpose: it wires the scanner, the keyboard wedge and the
station queue to the screens. The jobs live in terminal/flows/, the rendering in screens/.

Threads: scanner sources call `station.submit_scan` from their own thread; the station's one
consumer thread runs the flows (and the store); both reach the UI only through
`post_message` / `call_from_thread`.
"""
from __future__ import annotations

from gettext import gettext as _

import logging
import threading
import time

from textual import events
from textual.app import App
from textual.reactive import reactive
from textual.screen import ModalScreen

from .memory import release_closed_screens, settle_memory
from .messages import FlowResult, ScannerStatus, StoreStatus, WaitingChanged
from .session import Session
from .station import Station

log = logging.getLogger("terminal.app")


class WarehouseApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "wh"
    ENABLE_COMMAND_PALETTE = False

    scanner_state = reactive("none")
    store_state = reactive("")
    waiting = reactive(0)
    operator_code = reactive("")

    def __init__(self, cfg, *, source=None, decode=None):
        super().__init__()
        from devices.wedge import Wedge
        self.cfg = cfg
        from db.money import settings as money_settings
        money_settings.configure_from(cfg)    # the credit limit is checked at every claim
        self.session = Session.from_config(cfg)
        # PostgreSQL sites: an offline journal (scans go on while the server is away).
        from .offline_station import attach_offline, offline_status
        attach_offline(self.session, on_change=lambda n: self.post_message(
            StoreStatus(offline_status(self.session))))
        if decode is None:
            from .resolver import make_decoder
            decode = make_decoder(cfg, offline=self.session.offline)
        self.station = Station(self.session, decode, _StationUI(self),
                               retry_pause_s=max(0.2, cfg.get("database.retry_delay_ms") / 1000))
        if source is None:
            from devices.sources import from_config
            source = from_config(cfg.section("scanner"))
        self.source = source
        self.wedge = Wedge.from_config(cfg.section("wedge"))
        self._wedge_timer = None
        self._held_on = None        # the screen the wedge's held keys were typed on
        self.station.typed_on = self._flow_typed_on

    # --- lifecycle ---------------------------------------------------------------------------

    def on_resize(self, event) -> None:
        from .flows.base import list_rows
        self.session.list_rows = list_rows(event.size.height)

    def on_mount(self) -> None:
        from .flows.base import list_rows
        from .flows.login import LoginFlow
        self.session.list_rows = list_rows(self.size.height)
        from .screens.login import LoginScreen
        self.scanner_state = self.source.status
        self.push_screen(LoginScreen(LoginFlow(self.session)))
        # Before the station's worker opens its connection: it must not checkpoint itself.
        self._checkpointer = None
        if self.cfg.get("database.sqlite_checkpoints") == "background":
            from db.core.checkpoint import background_checkpoints
            self._checkpointer = background_checkpoints()
        self.station.start()
        try:
            self.source.start(self.station.submit_scan,
                              lambda state: self.post_message(ScannerStatus(state)))
        except Exception as exc:  # a missing port must not stop the station: typing still works
            log.warning("scanner did not start: %s", exc)
            self.scanner_state = f"disconnected ({exc})"
        self.call_after_refresh(settle_memory)
        if not self.is_headless:
            from .hangup import terminal_fd, watch_terminal
            fd = terminal_fd()
            if fd is not None:
                watch_terminal(self, fd)

    def on_unmount(self) -> None:
        try:
            self.source.stop()
        finally:
            self.station.stop(timeout=2)
            from .offline_station import detach_offline
            detach_offline(self.session)
            from db.core.checkpoint import stop_background
            stop_background(getattr(self, "_checkpointer", None))

    # --- keys: the wedge sees every key before any widget ------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # A dialog that takes raw keys (the PIN) bypasses the wedge: fast digits are no scan.
        if isinstance(event, events.Key) and not event.is_forwarded and not getattr(self.screen, "raw_keys", False):
            was_holding, held_on = self.wedge.pending, self._held_on
            result = self.wedge.feed(event.key, event.character, event.time)
            for key in result.typed:
                await self._replay(key, held_on)
            if self.wedge.pending and (not was_holding or result.typed):
                self._held_on = self.screen
            if result.scan is not None:
                self.station.submit_scan(result.scan)
            if self.wedge.pending:
                self._arm_wedge_timer()
            if result.consumed or self._handle_now(event.key, event.character):
                event.stop()
                event.prevent_default()
                return
        await super().on_event(event)

    def _handle_now(self, key: str, character: str | None) -> bool:
        """Give a key to the screen at once, not through its message queue, so typed keys,
        Enter and scans reach the station queue in the order they were pressed."""
        handle = getattr(self.screen, "station_key", None)
        return bool(handle and handle(key, character))

    def _flow_typed_on(self):
        """The flow of the screen a key is typed on: asked on the UI thread only (a scanner's
        thread gets None: its scans go to whichever screen is shown when they are taken)."""
        if threading.get_ident() != self._thread_id:
            return None
        return self.current_flow()

    async def _replay(self, key, held_on) -> None:
        if held_on is not None and held_on is not self.screen:
            # Typed on a screen that has closed meanwhile: never into another one.
            self.bell()
            return
        if not self._handle_now(key.key, key.character):
            await App.on_event(self, events.Key(key.key, key.character))

    def _arm_wedge_timer(self) -> None:
        if self._wedge_timer is not None:
            self._wedge_timer.stop()
        self._wedge_timer = self.set_timer(self.wedge.hold_seconds + 0.01, self._flush_wedge)

    async def _flush_wedge(self) -> None:
        self._wedge_timer = None
        for key in self.wedge.flush(time.monotonic()):
            await self._replay(key, self._held_on)
        if self.wedge.pending:
            self._arm_wedge_timer()

    # --- messages from the background threads ------------------------------------------------

    def on_flow_result(self, message: FlowResult) -> None:
        fb = message.feedback
        screen = self.flow_screen()
        if screen is not None:
            if message.view is not None:
                screen.show_view(message.view)
            screen.show_feedback(fb)
        elif fb is not None and fb.level in ("error", "warn", "ok"):
            self.notify(fb.message, severity={"ok": "information", "warn": "warning"}.get(fb.level, "error"))
        if fb is not None and fb.level in ("error", "warn"):
            self.bell()
        if fb is not None and fb.level in ("ok", "error"):
            try:
                self.source.feedback(fb.level == "ok")
            except Exception:
                log.debug("scanner feedback failed", exc_info=True)
        self.operator_code = self.session.operator or ""

    def on_waiting_changed(self, message: WaitingChanged) -> None:
        self.waiting = max(0, message.count)

    def on_scanner_status(self, message: ScannerStatus) -> None:
        self.scanner_state = message.state

    def on_store_status(self, message: StoreStatus) -> None:
        self.store_state = message.text

    # --- screens -------------------------------------------------------------------------------

    def refresh_headers(self, _value=None) -> None:
        """Redraw the header of every open screen: the one under a job shows again after it."""
        from .widgets.header import StationHeader
        for screen in self.screen_stack:
            for header in screen.query(StationHeader):
                header.refresh_text()

    watch_scanner_state = watch_store_state = watch_waiting = watch_operator_code = refresh_headers

    def flow_screen(self):
        """The screen whose flow takes scans now: the topmost with a flow, looking through
        modals that let scans pass (F1 help)."""
        for screen in reversed(self.screen_stack):
            if getattr(screen, "flow", None) is not None:
                return screen
            if isinstance(screen, ModalScreen) and getattr(screen, "pass_scans", False):
                continue
            return None
        return None

    def current_flow(self):
        screen = self.flow_screen()
        return screen.flow if screen is not None else None

    async def open_screen(self, screen, replace: bool) -> None:
        if replace:
            await self.switch_screen(screen)
            release_closed_screens()
        else:
            await self.push_screen(screen)

    async def leave_flow(self, flow) -> None:
        screen = self.flow_screen()
        if screen is not None and screen.flow is flow and len(self.screen_stack) > 2:
            await self.pop_screen()
            release_closed_screens()

    async def log_out(self) -> None:
        from .screens.login import LoginScreen
        while len(self.screen_stack) > 2 and not isinstance(self.screen, LoginScreen):
            await self.pop_screen()
        self.operator_code = ""
        release_closed_screens()

    async def open_job_screen(self, job: str) -> None:
        """Count and Supervisor: screens of their own (not a generic flow screen)."""
        import importlib
        from .flows.jobs import JOB_SCREENS
        module, name = JOB_SCREENS[job]
        cls = getattr(importlib.import_module(module), name)
        await self.push_screen(cls())


class _StationUI:
    """The station's view of the app; every method runs on the consumer thread."""

    def __init__(self, app: WarehouseApp):
        self.app = app

    def current_flow(self):
        return self.app.call_from_thread(self.app.current_flow)

    def navigate(self, flow, target) -> None:
        from .flows.jobs import JOB_FLOWS, JOB_SCREENS, make_flow
        from .flows.menu import MenuFlow
        app = self.app
        name, args = target
        if name == "leave":
            app.call_from_thread(app.leave_flow, flow)
        elif name == "menu":
            from .screens.menu import MenuScreen
            menu = MenuFlow(app.session)
            app.call_from_thread(app.open_screen, MenuScreen(menu, None, menu.view()), False)
        elif name == "logout":
            from db.masterdata.security import audit
            operator = app.session.operator
            flow.call(audit, operator, app.session.station, "logout")
            app.session.logout()
            app.call_from_thread(app.log_out)
        elif name in JOB_FLOWS:
            from .screens.flow import FlowScreen
            new = make_flow(name, app.session, **args)
            feedback = new.start()
            screen = FlowScreen(new, feedback, new.view())
            # The offline screen goes on top: back online, the job it interrupted is still there.
            app.call_from_thread(app.open_screen, screen, not isinstance(flow, MenuFlow) and name != "offline")
        elif name in JOB_SCREENS:
            app.call_from_thread(app.open_job_screen, name)
        else:
            raise ValueError(_('unknown job {name!r}').format(name=name))

    def show(self, feedback, view) -> None:
        self.app.post_message(FlowResult(None, feedback, view))

    def waiting(self, count: int) -> None:
        self.app.post_message(WaitingChanged(count))

    def store_status(self, text: str) -> None:
        self.app.post_message(StoreStatus(text))
