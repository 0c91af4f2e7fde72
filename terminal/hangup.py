"""The station's terminal went away (its window closed, an SSH session dropped): the app exits,
giving back the scanner port and the store, instead of running on unseen.

The kernel sends SIGHUP on a hang-up only to the terminal's foreground process group. A station
started by `make run` in tmux got none when tmux was killed: Textual's input thread then read
end-of-file in a busy loop, a third of a core for hours, with the scanner port and the store
still held. So besides SIGHUP the app checks once a second that its terminal is still there
(after a hang-up the descriptor is no longer a terminal: reads give end-of-file, writes EIO).
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

log = logging.getLogger("terminal.hangup")

CHECK_EVERY_S = 1.0


def terminal_fd() -> int | None:
    """The descriptor of the terminal the app reads its keys from, or None (no terminal)."""
    try:
        fd = sys.__stdin__.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd if os.isatty(fd) else None


def watch_terminal(app, fd: int, every_s: float = CHECK_EVERY_S) -> None:
    """Exit APP once the terminal FD hangs up, on SIGHUP or when it stops being a terminal."""
    stopping = []

    def gone(why: str) -> None:
        if stopping:
            return
        stopping.append(why)
        log.warning("the terminal went away (%s): the station app stops", why)
        app.exit(return_code=1)

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, gone, "hang-up signal")
    except (NotImplementedError, RuntimeError, ValueError) as exc:
        # Not the main thread, or no such signal here: the check below still notices.
        log.debug("no SIGHUP handler (%s); the terminal is checked every %g s", exc, every_s)
    app.set_interval(every_s, lambda: None if os.isatty(fd) else gone("the terminal is closed"))
