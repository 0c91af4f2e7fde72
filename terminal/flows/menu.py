"""The numbered main menu, as on RF terminals."""
from __future__ import annotations

from gettext import gettext as _

from .base import Feedback, Flow, scan_text
from terminal.i18n import N_

# number, job name (the app maps it to a screen), label
MENU = [
    ("1", "receive", N_("Receive")),
    ("2", "putaway", N_("Put away")),
    ("3", "pick", N_("Pick")),
    ("4", "ship", N_("Ship")),
    ("5", "transfer", N_("Transfer")),
    ("6", "count", N_("Count")),
    ("7", "lookup", N_("Lookup")),
    ("8", "supervisor", N_("Supervisor")),
    ("9", "exceptions", N_("Offline exceptions")),
    ("R", "returns", N_("Returns (to suppliers, from customers)")),
    ("0", "logout", N_("Log out")),
]
# Jobs only a supervisor is offered: a worker's menu (and its F1 help) leaves them out.
SUPERVISOR_JOBS = {"supervisor", "exceptions"}


def menu_for(supervisor: bool) -> list[tuple[str, str, str]]:
    """The entries of the menu of a supervisor, or of a worker."""
    return [e for e in MENU if supervisor or e[1] not in SUPERVISOR_JOBS]


def job_numbers(supervisor: bool) -> str:
    """The job keys as F1 says them: "1–7" for a worker, "1–9" for a supervisor."""
    numbers = [n for n, job, _ in menu_for(supervisor) if job != "logout" and n.isdigit()]
    return f"{numbers[0]}–{numbers[-1]}"


class MenuFlow(Flow):
    title = N_("Main menu")
    keys = ()

    def __init__(self, session):
        super().__init__(session)
        self.prompt = _('Press the number of a job')
        self.entry = "choice"

    def choose(self, number: str) -> Feedback:
        entries = menu_for(self.session.is_supervisor)
        for n, job, _unused in entries:
            if n == number.strip().upper():
                self.next = (job, {})
                return None
        return Feedback.error(_('no menu entry {strip!r}: expected ').format(strip=number.strip())
                              + ", ".join(n for n, _, _ in entries))

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "open":
            return self.choose(str(value))
        if name == "undo":
            return self.undo(key)
        return Feedback.error(_('choose a job first: press its number'))

    def on_text(self, text: str, key=None) -> Feedback:
        return self.choose(text)

    def on_scan(self, scan, key=None) -> Feedback:
        return Feedback.error(_('choose a job first (press its number); scanned {scan_text}').format(
                                  scan_text=scan_text(scan)))

    def back(self) -> Feedback:
        return Feedback.info(_('press 0 to log out'))
