"""Figure 5: start-up. `wh run` to the login screen (≤ 1 s) and `wh --help` (≤ 0.3 s).

`wh run` starts in a real pseudo-terminal (100×30) on this run's copy of the large store;
the time ends when the login prompt ("operator badge") reaches the terminal, then Ctrl+Q
quits. Baseline: a bare Textual app showing one line, started the same way.

`wh --help` is timed to its exit; baseline: `python -c pass` (the interpreter alone).
Each is the median of several starts.
"""
from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, Measure, median

WH = str(Path(PYTHON).parent / "wh")
BARE_APP = ("from textual.app import App\nfrom textual.widgets import Static\n"
            "class Bare(App):\n    def compose(self):\n        yield Static('bare app ready')\n"
            "    def on_key(self, event):\n        if event.key == 'ctrl+q': self.exit()\n"
            "Bare().run()\n")


def time_to_text(argv: list[str], marker: bytes, timeout: float = 20.0) -> float:
    """Seconds from spawning ARGV in a pty until MARKER appears on its screen."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    env.pop("TEXTUAL", None)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
                            start_new_session=True)
    os.close(slave)
    seen = b""
    elapsed = None
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                seen += chunk
                if marker in seen:
                    elapsed = time.perf_counter() - start
                    break
            elif proc.poll() is not None:
                break
        if elapsed is None:
            raise RuntimeError(f"{' '.join(argv)}: {marker!r} not shown within {timeout} s; "
                               f"output ends {seen[-500:]!r}")
        os.write(master, b"\x11")          # Ctrl+Q
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        # Drain so the child never blocks writing its last frame.
        try:
            while select.select([master], [], [], 0)[0] and os.read(master, 65536):
                pass
        except OSError:
            pass
        os.close(master)
    return elapsed


def time_to_exit(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def run(ctx) -> list[Measure]:
    n = ctx.repeats
    db = f"sqlite:///{ctx.work}"
    run_argv = [WH, "--db", db, "run", "--scanner", "none"]
    bare_argv = [PYTHON, "-c", BARE_APP]
    time_to_text(run_argv, b"operator badge")       # warm the page cache and .pyc files once
    runs, bares = [], []
    for _ in range(n):
        runs.append(time_to_text(run_argv, b"operator badge"))
        bares.append(time_to_text(bare_argv, b"bare app ready"))
    helps, passes = [], []
    time_to_exit([WH, "--help"])
    for _ in range(max(n, 5)):
        helps.append(time_to_exit([WH, "--help"]))
        passes.append(time_to_exit([PYTHON, "-c", "pass"]))
    ctx.log(f"start-up: wh run {median(runs):.3f} s (bare Textual app {median(bares):.3f} s); "
            f"wh --help {median(helps):.3f} s (python -c pass {median(passes):.3f} s)")
    return [
        Measure("startup_wh_run", median(runs), "s", median(bares), "bare Textual app to its first screen",
                {"max": 1.0}, detail={"runs_s": [round(x, 3) for x in runs]}),
        Measure("startup_wh_help", median(helps), "s", median(passes), "python -c pass",
                {"max": 0.3}, detail={"runs_s": [round(x, 3) for x in helps]}),
    ]
