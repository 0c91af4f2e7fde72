"""Log in: scan an operator badge, or type the operator code and press Enter."""
from __future__ import annotations

from gettext import gettext as _

from .base import Feedback, Flow, scan_text
from terminal.i18n import N_

PROMPT = N_("Scan your operator badge, or type your operator code and press Enter")


class LoginFlow(Flow):
    title = N_("Log in")
    keys = ()

    def __init__(self, session):
        super().__init__(session)
        self.prompt = _(PROMPT)
        self.entry = "operator"
        self.info = [_("Station {station} · warehouse {warehouse} · store {store}").format(
            station=session.station, warehouse=session.warehouse, store=session.store)]

    def on_scan(self, scan, key=None) -> Feedback:
        if getattr(scan, "kind", None) == "operator":
            return self.login(scan.operator)
        return Feedback.error(_('expected an operator badge ({prefix}…), scanned {scan_text}').format(
                                  prefix=self._prefix(), scan_text=scan_text(scan)))

    def on_text(self, text: str, key=None) -> Feedback:
        code = text.strip()
        if not code:
            return Feedback.error(_('type your operator code, then press Enter'))
        prefix = self._prefix()
        if prefix and code.upper().startswith(prefix.upper()) and len(code) > len(prefix):
            code = code[len(prefix):]
        return self.login(code)

    def on_action(self, name, value=None, key=None) -> Feedback:
        return Feedback.error(_('log in first: {lower}').format(lower=self.prompt.lower()))

    def back(self) -> Feedback:
        return Feedback.info(_('log in first, or press Ctrl+Q to quit'))

    def login(self, code: str) -> Feedback:
        from db.masterdata.security import audit, get_operator, station_seen
        op = self.call(get_operator, code)
        self.session.login(op.code, op.name, op.role)
        self.call(audit, op.code, self.station, "login")
        self.call(station_seen, self.station, self.session.warehouse)
        self.next = ("menu", {})
        return Feedback.ok(_('Welcome, {value}').format(value=op.name or op.code))

    def _prefix(self) -> str:
        return self.session.cfg.get("barcodes.operator_prefix")
