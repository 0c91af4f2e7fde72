"""The supervisor's list of offline exceptions: postings journaled while the server was away
that the server refused on replay (db/offline/). Nothing is dropped silently: each stays
here until a supervisor has dealt with it (posted the right correction, or decided none is
needed) and marks it resolved. `wh exceptions` shows the same list.

    list   type the number of a row to mark it resolved; F6 reloads
    pin    the supervisor's PIN, once, when their record has one ([security] require_pin)
    note   what was done about it (Enter alone: no note)
"""
from __future__ import annotations

from gettext import gettext as _

from .base import Feedback, Flow, FlowKey, Table
from terminal.i18n import N_

REFRESH_KEY = FlowKey("f6", "refresh", N_("Reload"), N_("read the exceptions list again"))


class ExceptionsFlow(Flow):
    title = N_("Offline exceptions")
    keys = (REFRESH_KEY,)

    def __init__(self, session):
        super().__init__(session)
        self.rows: list[dict] = []
        self.chosen: dict | None = None
        self.pin: str | None = None
        self.to_list()

    def start(self) -> Feedback | None:
        self.refresh()
        if not self.session.is_supervisor:
            return Feedback.error(_('operator {operator} is a {role}: resolving offline exceptions needs a '
                                    'supervisor; you may look, not decide').format(
                                      operator=self.operator, role=self.session.role))
        return None

    def refresh(self) -> None:
        from db.offline import list_exceptions
        self.rows = self.call(list_exceptions)
        self.to_list()

    def to_list(self) -> None:
        self.state, self.entry, self.chosen = "list", "choice", None
        if self.rows:
            self.prompt = _('{n_rows} offline postings were refused: type a row number to mark it resolved').format(
                              n_rows=len(self.rows))
        else:
            self.prompt = _('No offline exception is waiting. Esc goes back')
        self.info = []

    def table(self):
        if not self.rows:
            return None
        return Table([N_("#"), N_("Queued"), N_("Station"), N_("Op"), N_("What"), N_("Why refused")],
                     [[n, r["queued_at"].strftime("%m-%d %H:%M"), r["station"], r["operator"],
                       f"{r['op']} {r['what']}", r["error"]] for n, r in enumerate(self.rows, 1)])

    def on_text(self, text: str, key=None) -> Feedback | None:
        t = text.strip()
        if self.state == "pin":
            return self.take_pin(t)
        if self.state == "note":
            return self.resolve(t)
        if not t.isdecimal() or not 1 <= int(t) <= len(self.rows):
            return Feedback.error(_('type a row number from 1 to {n_rows}, typed {text!r}').format(
                                      n_rows=len(self.rows), text=text)
                                  if self.rows else _('no offline exception is waiting'))
        if not self.session.is_supervisor:
            return Feedback.error(_('operator {operator} is a {role}: resolving offline exceptions needs a '
                                    'supervisor').format(operator=self.operator, role=self.session.role))
        self.chosen = self.rows[int(t) - 1]
        if self.needs_pin():
            self.state, self.entry = "pin", "pin"
            self.prompt = _('Type your PIN, then Enter (exception {id})').format(id=self.chosen['id'])
            return None
        return self.ask_note()

    def on_scan(self, scan, key=None) -> Feedback | None:
        return self.on_text(getattr(scan, "raw", "") or "", key)

    def on_action(self, name, value=None, key=None) -> Feedback | None:
        if name == "refresh":
            self.refresh()
            return Feedback.info(_('{n_rows} offline exceptions').format(n_rows=len(self.rows)))
        if name == "enter":
            return None
        return super().on_action(name, value, key)

    def needs_pin(self) -> bool:
        from db.masterdata import security
        return self.pin is None and self.call(security.pin_required, self.operator)

    def take_pin(self, pin: str) -> Feedback | None:
        from db.masterdata import security
        if not pin or not self.call(security.check_pin, self.operator, pin, station=self.station):
            self.to_list()
            return Feedback.error(_('wrong PIN for supervisor {operator}; nothing was resolved').format(
                                      operator=self.operator))
        self.pin = pin
        return self.ask_note()

    def ask_note(self) -> None:
        self.state, self.entry = "note", "reason"
        self.prompt = _('What was done about exception {id}? Type a note, then Enter').format(
                          id=self.chosen['id'])
        return None

    def resolve(self, note: str) -> Feedback:
        from db.masterdata import security
        from db.offline import resolve_exception
        chosen, pin, me = self.chosen, self.pin, self.operator
        with security.pin_source(lambda code: pin if code == me else None):
            self.call(resolve_exception, chosen["id"], operator=me, note=note, station=self.station)
        self.refresh()
        return Feedback.ok(_('offline exception {id} resolved').format(id=chosen['id']))

    def back(self) -> Feedback | None:
        if self.state in ("pin", "note"):
            self.to_list()
            return Feedback.info(_('cancelled: nothing was resolved'))
        return None
