"""A supervisor's override at a worker's station: badge (or code), PIN when one is needed, and a
reason, asked one after the other in the flow that was refused. The store checks the role and
the PIN again (db.masterdata.security.require_supervisor) and audits the override; this only
gathers the answers.

    self.override = Override(self, "receive lot L17 although it expired on 2026-03-09")
    fb = self.override.start()          # asks for the badge
    ...on_text / on_scan: fb = self.override.answer(text); when self.override.done, post with
    override.supervisor, override.reason inside override.pin_scope()
"""
from __future__ import annotations

from gettext import gettext as _

from .base import Feedback

STEPS = {"badge": "operator", "pin": "pin", "reason": "reason"}


class Override:
    def __init__(self, flow, what: str):
        self.flow = flow
        self.what = what
        self.step = "badge"
        self.supervisor: str | None = None
        self.pin: str | None = None
        self.reason = ""
        self.done = False

    @property
    def entry(self) -> str:
        return STEPS[self.step]

    def prompt(self) -> str:
        if self.step == "badge":
            return _("Override: {what}. Supervisor, scan your badge or type your code").format(what=self.what)
        if self.step == "pin":
            return _("Supervisor {operator}: type your PIN and press Enter").format(operator=self.supervisor)
        return _("Supervisor {operator}: type the reason for the override and press Enter").format(
            operator=self.supervisor)

    def start(self) -> None:
        session = self.flow.session
        if session.is_supervisor:       # the supervisor is at the station already
            self.supervisor = session.operator
            self.pin = session.pin
            self.step = "pin" if self._needs_pin() else "reason"

    def answer(self, text: str) -> Feedback | None:
        from db.masterdata import security
        text = text.strip()
        if self.step == "badge":
            op = self.flow.call(security.get_operator, text)
            if not op.is_supervisor:
                return Feedback.error(_('operator {code} is a {role}; an override needs a supervisor').format(
                                          code=op.code, role=op.role))
            self.supervisor = op.code
            self.step = "pin" if self._needs_pin() else "reason"
            return None
        if self.step == "pin":
            # check_pin counts a wrong PIN and locks the supervisor out after too many.
            if not text or not self.flow.call(security.check_pin, self.supervisor, text,
                                              station=self.flow.station):
                return Feedback.error(_('wrong PIN for supervisor {supervisor}; nothing was overridden').format(
                                          supervisor=self.supervisor))
            self.pin = text
            if self.flow.session.operator == self.supervisor:
                self.flow.session.pin = text
            self.step = "reason"
            return None
        if not text:
            return Feedback.error(_('type the reason for the override, then press Enter'))
        self.reason = text
        self.done = True
        return None

    def _needs_pin(self) -> bool:
        from db.masterdata import security
        if self.pin is not None or not security.settings()["require_pin"]:
            return False
        return bool(self.flow.call(security.get_operator, self.supervisor).pin_hash)

    def pin_scope(self):
        from db.masterdata import security
        pin, me = self.pin, self.supervisor
        return security.pin_source(lambda code: pin if code == me else None)
