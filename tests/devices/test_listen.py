"""`wh scanner listen` as a real process reading a pty that this test writes into."""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import tty

from tests import factories as f

from tests import ROOT


def lines_of(stream, q):
    for line in iter(stream.readline, ""):
        q.put(line.rstrip("\n"))
    q.put(None)


def wait_line(q, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = q.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if predicate(line):
            return line
    raise AssertionError(f"no matching line; saw {seen}")


def start_listen(tmp_path, *args, listen_args=()):
    master, slave = os.openpty()
    tty.setraw(slave)
    port = os.ttyname(slave)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "terminal.cli", *args, "scanner", "listen", "--port", port,
                             "--baud", "115200", *listen_args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env,
                            # Ctrl+C is what stops it: a suite started in the background (`make
                            # test &`) ignores SIGINT, and a child would inherit that.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    out, err = queue.Queue(), queue.Queue()
    threading.Thread(target=lines_of, args=(proc.stdout, out), daemon=True).start()
    threading.Thread(target=lines_of, args=(proc.stderr, err), daemon=True).start()
    return proc, master, slave, port, out, err


def test_listen_prints_each_scan_and_its_decoding(sqlite_store, tmp_path):
    f.warehouse()
    f.location("04-B-03-02")
    f.item("SOAP", barcodes=[("5901234123457", 1)])
    proc, master, slave, port, out, err = start_listen(tmp_path, "--db", sqlite_store)
    try:
        wait_line(err, lambda line: line.startswith("scanner connected"))
        os.write(master, b"]C10105901234123457\x1d10ABC123\x1d17260500\r")
        os.write(master, b"04-B-03-02\r")
        os.write(master, b"5901234123458\rCMD-DONE\r")
        first = wait_line(out, lambda line: True)
        second = wait_line(out, lambda line: True)
        third = wait_line(out, lambda line: True)
        fourth = wait_line(out, lambda line: True)
        proc.send_signal(signal.SIGINT)                 # Ctrl+C
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    assert first.startswith("]C10105901234123457<GS>10ABC123<GS>17260500\tgs1 ")
    assert "gtin=05901234123457" in first and "sku=SOAP" in first and "lot=ABC123" in first
    assert "expiry=2026-05-31" in first
    assert second == "04-B-03-02\tlocation location=04-B-03-02"
    assert "ERROR: wrong check digit in EAN-13 5901234123458: expected 7, got 8" in third
    assert fourth == "CMD-DONE\tcommand command=DONE"


def test_listen_json_written_by_another_process_without_a_store(tmp_path):
    proc, master, slave, port, out, err = start_listen(tmp_path, listen_args=("--format", "json"))
    try:
        wait_line(err, lambda line: line.startswith("scanner connected"))
        writer = subprocess.run([sys.executable, "-c", f"import os; os.write({master}, b'https://id.gs1.org/01/09506000134352/10/ABC123?17=250600\\r')"],
                                pass_fds=(master,), check=True, timeout=30)
        assert writer.returncode == 0
        line = json.loads(wait_line(out, lambda line: True))
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    assert (line["kind"], line["gtin"], line["lot"], line["expiry"]) == ("gs1", "09506000134352", "ABC123", "2025-06-30")
    assert line["source"] == "serial" and line["error"] is None
    assert not (tmp_path / "warehouse.db").exists()
