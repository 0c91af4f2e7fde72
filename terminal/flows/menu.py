"""The numbered main menu, as on RF terminals."""
from __future__ import annotations

from .base import Feedback, Flow, scan_text

# number, job name (the app maps it to a screen), label
MENU = [
    ("1", "receive", "Receive"),
    ("2", "putaway", "Put away"),
    ("3", "pick", "Pick"),
    ("4", "ship", "Ship"),
    ("5", "transfer", "Transfer"),
    ("6", "count", "Count"),
    ("7", "lookup", "Lookup"),
    ("8", "supervisor", "Supervisor"),
    ("9", "exceptions", "Offline exceptions"),
    ("0", "logout", "Log out"),
]
# Jobs only a supervisor is offered: a worker's menu (and its F1 help) leaves them out.
SUPERVISOR_JOBS = {"supervisor", "exceptions"}


def menu_for(supervisor: bool) -> list[tuple[str, str, str]]:
    """The entries of the menu of a supervisor, or of a worker."""
    return [e for e in MENU if supervisor or e[1] not in SUPERVISOR_JOBS]


def job_numbers(supervisor: bool) -> str:
    """The job keys as F1 says them: "1–7" for a worker, "1–9" for a supervisor."""
    numbers = [n for n, job, _ in menu_for(supervisor) if job != "logout"]
    return f"{numbers[0]}–{numbers[-1]}"


class MenuFlow(Flow):
    title = "Main menu"
    keys = ()

    def __init__(self, session):
        super().__init__(session)
        self.prompt = "Press the number of a job"
        self.entry = "choice"

    def choose(self, number: str) -> Feedback:
        entries = menu_for(self.session.is_supervisor)
        for n, job, _ in entries:
            if n == number.strip():
                self.next = (job, {})
                return None
        return Feedback.error(f"no menu entry {number.strip()!r}: expected "
                              + ", ".join(n for n, _, _ in entries))

    def on_action(self, name, value=None, key=None) -> Feedback:
        if name == "open":
            return self.choose(str(value))
        if name == "undo":
            return self.undo(key)
        return Feedback.error("choose a job first: press its number")

    def on_text(self, text: str, key=None) -> Feedback:
        return self.choose(text)

    def on_scan(self, scan, key=None) -> Feedback:
        return Feedback.error(f"choose a job first (press its number); scanned {scan_text(scan)}")

    def back(self) -> Feedback:
        return Feedback.info("press 0 to log out")
