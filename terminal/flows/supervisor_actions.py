"""The supervisor dashboard's actions: the PIN (asked once per login, for costs and for every
write), draft and open purchase orders from the reorder suggestions, releasing a draft, and
saving the ABC classes. Each returns `Task`s, the store calls the screen runs off the UI thread.

Split out of terminal/flows/supervisor.py, which keeps the views, keys and charts: the actions
that write are a subject of their own. `SupervisorActions` is a mixin of SupervisorFlow; it uses
the flow's state (session, settings, view_name, rows, cursor, confirm, pin_needed, asking_pin,
after_pin) and its say/open/period/selected/hidden_costs.
"""
from __future__ import annotations

from gettext import gettext as _
from dataclasses import dataclass
from typing import Any, Callable

from db.core.text import plural
from terminal.i18n import N_

from .base import Feedback

Steps = list["Task"]


@dataclass(frozen=True)
class Task:
    """A store call for the screen to run off the UI thread; `done(result)` returns more tasks."""
    what: str
    call: Callable[[], Any]
    done: Callable[[Any], Steps]
    writes: bool = False


class SupervisorActions:
    """The PIN and the writing actions of the dashboard (a mixin of SupervisorFlow)."""

    # --- the PIN ---------------------------------------------------------------------------

    def _pin_needed(self) -> bool:
        from db.masterdata.security import pin_required
        return pin_required(self.session.operator)

    def _pin_known(self, needed: bool) -> Steps:
        self.pin_needed = needed
        return []

    @property
    def costs_visible(self) -> bool:
        return self.session.pin is not None or self.pin_needed is False

    def show_costs(self) -> Steps:
        if not self.hidden_costs():
            return []
        return self.with_pin(lambda: self.open(self.view_name), _("Costs and margins need your PIN, once per login."))

    def with_pin(self, then: Callable[[], Steps], why: str) -> Steps:
        """THEN once the supervisor's PIN is known: asked once per login, only of one who has it."""
        if self.session.pin is not None or self.pin_needed is False:
            return then()
        if self.pin_needed is None:
            return [Task(N_("PIN"), self._pin_needed, lambda needed: self._pin_known(needed) + self.with_pin(then, why))]
        self.asking_pin, self.after_pin = why, then
        return []

    def pin_entered(self, pin: str | None) -> Steps:
        then, self.after_pin, self.asking_pin = self.after_pin, None, None
        if not pin or then is None:
            self.say(Feedback.error(_("cancelled: this needs your supervisor PIN")))
            return []
        from db.masterdata import security
        session = self.session

        def checked(ok: bool) -> Steps:
            if not ok:
                self.say(Feedback.error(_("wrong PIN for {operator}").format(operator=session.operator)))
                return []
            session.pin = pin
            return then()
        return [Task(N_("PIN"), lambda: security.check_pin(session.operator, pin, station=session.station),
                     checked, writes=True)]

    # --- actions that write ----------------------------------------------------------------

    def reorder(self, release: bool) -> Steps:
        if self.view_name != "reorder":
            return []
        lines = [r for r in self.rows if r.get("supplier_id") and r["qty"] > 0]
        if not lines:
            self.say(Feedback.info(_("nothing to order: no suggestion has a supplier")))
            return []
        suppliers = len({r["supplier_id"] for r in lines})
        # Both words are counted by plural() (db/core/text.py), which says them in the user's language.
        orders = "open (receivable at once) purchase order" if release else "draft purchase order"
        self.confirm = (_("Create {orders} with {lines} from these suggestions?").format(
                            orders=plural(suppliers, orders), lines=plural(len(lines), "line")),
                        lambda: self.make_pos(release))
        return []

    def make_pos(self, release: bool) -> Steps:
        from db.reports.catalog import run_report
        from db.purchasing.reorder import create_draft_pos
        session = self.session

        def call():
            rows, _columns = run_report("reorder", self.settings)
            if not rows:
                return []
            with session.pin_scope():
                return create_draft_pos(rows, operator=session.operator, station=session.station,
                                        release=release)

        def done(pos) -> Steps:
            if not pos:
                self.say(Feedback.info(_("nothing to reorder: no item is below its reorder point")))
                return []
            state = _("open: ready to receive") if release else _("drafts: press l on one to release it")
            self.say(Feedback.ok(_("created {numbers} ({state})").format(
                numbers=", ".join(p.number for p in pos), state=state)))
            return self.open("reorder" if release else "drafts")
        return [Task("", call, done, writes=True)]

    def release_selected(self) -> Steps:
        if self.view_name != "drafts":
            return []
        number = self.selected("po")
        if not number:
            self.say(Feedback.error(_("no draft purchase order selected")))
            return []
        row = self.rows[self.cursor]
        self.confirm = (_("Release {number} to {supplier} ({lines}, {units})? It becomes open, receivable at a "
                          "station.").format(number=number, supplier=row["supplier"],
                                             lines=plural(row["lines"], "line"), units=plural(row["units"], "unit")),
                        lambda: self.release(number))
        return []

    def release(self, number: str) -> Steps:
        from db.purchasing.reorder import release_po
        session = self.session

        def call():
            with session.pin_scope():
                return release_po(number, operator=session.operator, station=session.station)

        def done(_po) -> Steps:
            self.say(Feedback.ok(_("{number} released: open, ready to receive").format(number=number)))
            return self.open("drafts")
        return [Task("", call, done, writes=True)]

    def save_abc(self) -> Steps:
        if self.view_name != "abc":
            return []
        from db.reports.catalog import run_report
        period = self.period()

        def save():
            from db.masterdata.abc_classes import save_abc_classes
            rows, _columns = run_report("abc", self.settings, *period)
            save_abc_classes(rows)
            return rows

        def done(rows) -> Steps:
            counts = {c: sum(1 for r in rows if r["class"] == c) for c in "ABC"}
            self.say(Feedback.ok(_("ABC classes saved: {counts}").format(
                counts=", ".join(f"{n} {c}" for c, n in counts.items()))))
            return self.open("abc")
        return [Task("", save, done, writes=True)]
