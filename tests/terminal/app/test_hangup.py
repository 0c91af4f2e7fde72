"""A station whose terminal goes away (window closed, SSH dropped, tmux killed) stops, giving
back the scanner port and the store, instead of spinning on end-of-file unseen."""
from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time

from tests import ROOT


def _drain(fd: int, seen: list[bytes], stop: threading.Event) -> None:
    # Never blocked in read(): a descriptor closed while another thread reads it stays open
    # until that read returns, and the terminal would not hang up.
    while not stop.is_set():
        if not select.select([fd], [], [], 0.1)[0]:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        seen.append(data)


def test_the_app_exits_when_its_terminal_hangs_up(sqlite_store, tmp_path):
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "COLUMNS": "80", "LINES": "24"}
    # Its own session, with the terminal not its controlling one: as under tmux or a wrapper,
    # no SIGHUP reaches it when the terminal closes; only the terminal itself tells.
    proc = subprocess.Popen([sys.executable, "-m", "terminal.cli", "--db", sqlite_store, "run",
                             "--scanner", "none"], stdin=slave, stdout=slave, stderr=slave,
                            cwd=tmp_path, env=env, start_new_session=True)
    os.close(slave)
    seen: list[bytes] = []
    stop = threading.Event()
    reader = threading.Thread(target=_drain, args=(master, seen, stop), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while b"operator" not in b"".join(seen) and time.monotonic() < deadline:
            assert proc.poll() is None, b"".join(seen).decode(errors="replace")[-2000:]
            time.sleep(0.1)
        assert b"operator" in b"".join(seen), "the login screen never showed"
        stop.set()
        reader.join()
        os.close(master)                      # the terminal goes away
        master = None
        assert proc.wait(timeout=15) == 1     # it stops, and says so in its exit status
    finally:
        stop.set()
        if master is not None:
            reader.join()
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
