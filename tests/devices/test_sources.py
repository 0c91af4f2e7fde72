"""Scanner sources driven for real: ptys written by another process, loop://, socket://, files
and FIFOs. No mocks: the bytes go through the kernel and pyserial."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import tty

import pytest

from devices.decode import decode
from devices.scan import GS, Scan, make_scan, split_symbology, unescape_gs
from devices.sources import (FileSource, KeyboardSource, NullSource, SerialSource, from_config)
from devices.sources.framing import Framer


def wait_for(predicate, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


class Collector:
    def __init__(self, delay: float = 0.0):
        self.scans: list[Scan] = []
        self.statuses: list[str] = []
        self.delay = delay
        self.threads: set[str] = set()

    def on_scan(self, scan: Scan) -> None:
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay)   # a busy app
        self.scans.append(scan)

    def on_status(self, status: str) -> None:
        self.statuses.append(status)


def open_pty():
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


def write_from_other_process(master: int, payload: bytes, *, chunks: int = 1, pause: float = 0.0) -> float:
    """A child process writes PAYLOAD into the pty master (the scanner's side); returns the
    seconds the child took."""
    code = (
        "import os, sys, time\n"
        f"fd = {master}\n"
        "data = sys.stdin.buffer.read()\n"
        f"n = {chunks}\n"
        "step = max(1, len(data) // n)\n"
        "t0 = time.monotonic()\n"
        "for i in range(0, len(data), step):\n"
        "    os.write(fd, data[i:i + step])\n"
        f"    time.sleep({pause})\n"
        "print(time.monotonic() - t0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=payload, pass_fds=(master,),
                          capture_output=True, check=True, timeout=30)
    return float(done.stdout.decode().strip())


# -- Scan ------------------------------------------------------------------------------------------

def test_symbology_identifier_is_split_off():
    assert split_symbology("]C10105412345000013") == ("]C1", "0105412345000013")
    assert split_symbology("]Q1https://id.gs1.org/01/09506000134352") == ("]Q1", "https://id.gs1.org/01/09506000134352")
    assert split_symbology("A-01-01") == (None, "A-01-01")
    scan = make_scan("]E05901234123457", "serial", 12.5)
    assert (scan.raw, scan.symbology, scan.source, scan.time) == ("5901234123457", "]E0", "serial", 12.5)
    assert scan.text == "]E05901234123457"
    assert unescape_gs("0105412345000013<GS>10A\\x1d21B") == f"0105412345000013{GS}10A{GS}21B"


# -- framing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("terminator, stream", [
    ("CR", b"AAA\rBBB\r"),
    ("LF", b"AAA\nBBB\n"),
    ("CRLF", b"AAA\r\nBBB\r\n"),
    ("ETX", b"\x02AAA\x03\x02BBB\x03"),
    ("CR", b"\x02AAA\r\x02BBB\r"),
])
def test_framer_cuts_frames_at_every_terminator_even_split_byte_by_byte(terminator, stream):
    framer = Framer(terminator)
    frames = []
    for i in range(len(stream)):
        frames += framer.feed(stream[i:i + 1], now=1.0)
    assert frames == [b"AAA", b"BBB"]
    assert not framer.pending


def test_framer_discards_a_stale_partial_frame_and_logs_it(caplog):
    framer = Framer("CR", idle_timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="devices.serial"):
        assert framer.feed(b"0105412", now=10.0) == []
        assert framer.feed(b"GOOD\r", now=11.0) == [b"GOOD"]
    assert framer.discarded == 1
    assert "discarded a partial frame of 7 bytes" in caplog.text


def test_framer_stx_starts_a_new_frame():
    framer = Framer("ETX")
    assert framer.feed(b"\x02BROKEN\x02GOOD\x03", now=1.0) == [b"GOOD"]
    assert framer.discarded == 1


# -- serial: pty written by another process --------------------------------------------------------

def test_pty_written_by_another_process_delivers_scans_in_order():
    master, slave, path = open_pty()
    got = Collector()
    source = SerialSource(path, terminator="CRLF", reconnect_min_s=0.05)
    source.start(got.on_scan, got.on_status)
    try:
        wait_for(lambda: source.status == "connected", what="connected")
        write_from_other_process(master, b"]C10105412345000013\x1d10ABC123\r\n\x02]E05901234123457\r\nLOC-1\r\n")
        wait_for(lambda: len(got.scans) == 3, what="3 scans")
    finally:
        source.stop()
        os.close(master)
        os.close(slave)
    assert [(s.symbology, s.raw) for s in got.scans] == [
        ("]C1", "0105412345000013\x1d10ABC123"), ("]E0", "5901234123457"), (None, "LOC-1")]
    assert all(s.source == "serial" for s in got.scans)
    assert got.scans[0].time <= got.scans[1].time <= got.scans[2].time <= time.monotonic()
    assert got.statuses[0] == "connected"
    # Callbacks come from the source's own delivery thread, never the caller's.
    assert got.threads and threading.current_thread().name not in got.threads


def test_burst_of_200_scans_within_a_second_none_lost_merged_or_reordered():
    master, slave, path = open_pty()
    got = Collector(delay=0.003)        # the app is slower than the scanner
    source = SerialSource(path, terminator="CR", reconnect_min_s=0.05)
    source.start(got.on_scan, got.on_status)
    expected = [f"]C10105412345000013\x1d10LOT{i:03d}\x1d21S{i}" for i in range(200)]
    try:
        wait_for(lambda: source.status == "connected", what="connected")
        took = write_from_other_process(master, b"".join(e.encode() + b"\r" for e in expected), chunks=200)
        assert took < 1.0
        wait_for(lambda: len(got.scans) >= 200, timeout=15, what="200 scans")
        time.sleep(0.05)
    finally:
        source.stop()
        os.close(master)
        os.close(slave)
    assert [s.text for s in got.scans] == expected
    assert source.framer.discarded == 0
    lots = [decode(s).lot for s in got.scans]
    assert lots == [f"LOT{i:03d}" for i in range(200)]


def test_unplug_and_replug_mid_stream(tmp_path, caplog):
    """The port is a stable name (like /dev/serial/by-id/…) for whichever pty is plugged in."""
    link = tmp_path / "scanner"
    master, slave, path = open_pty()
    os.symlink(path, link)
    got = Collector()
    source = SerialSource(str(link), terminator="CR", reconnect_min_s=0.05, reconnect_max_s=0.2)
    caplog.set_level(logging.INFO, logger="devices.serial")
    source.start(got.on_scan, got.on_status)
    try:
        wait_for(lambda: source.status == "connected", what="first connect")
        write_from_other_process(master, b"ONE\rTWO\rTHREE\rPART")
        wait_for(lambda: len(got.scans) == 3, what="3 scans before the unplug")
        time.sleep(0.05)
        os.close(master)           # unplugged mid-frame
        os.close(slave)
        wait_for(lambda: "disconnected" in got.statuses, what="disconnected")
        assert source.status == "disconnected"
        master, slave, path = open_pty()        # plugged in again: a new device node
        tmp = tmp_path / "scanner.new"
        os.symlink(path, tmp)
        os.replace(tmp, link)
        wait_for(lambda: source.connects == 2 and source.status == "connected", what="reconnect")
        write_from_other_process(master, b"FOUR\rFIVE\r")
        wait_for(lambda: len(got.scans) == 5, what="scans after the replug")
    finally:
        source.stop()
        for fd in (master, slave):
            try:
                os.close(fd)
            except OSError:
                pass
    assert [s.raw for s in got.scans] == ["ONE", "TWO", "THREE", "FOUR", "FIVE"]
    assert got.statuses[:3] == ["connected", "disconnected", "connected"]
    assert "discarded a partial frame of 4 bytes" in caplog.text
    assert "scanner disconnected" in caplog.text


def test_socket_scanner_server_stopped_and_restarted_reconnects():
    """socket:// to a scanner server (a serial-to-Ethernet box) that goes away and comes back."""
    source = None

    def serve(listener, payload, connects, keep_open):
        conn, _ = listener.accept()
        # pyserial empties the input when it opens the port: send once the source is connected.
        wait_for(lambda: source.connects == connects and source.status == "connected", what="open")
        conn.sendall(payload)
        keep_open.wait(5)
        conn.close()

    def listen(port=0):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        return sock

    listener = listen()
    port = listener.getsockname()[1]
    release = threading.Event()
    got = Collector()
    source = SerialSource(f"socket://127.0.0.1:{port}", reconnect_min_s=0.05, reconnect_max_s=0.1)
    t = threading.Thread(target=serve, args=(listener, b"A1\rA2\rhalf", 1, release), daemon=True)
    t.start()
    source.start(got.on_scan, got.on_status)
    try:
        wait_for(lambda: len(got.scans) == 2, what="first scans")
        release.set()
        t.join()
        listener.close()                          # the server is gone altogether
        wait_for(lambda: "disconnected" in got.statuses, what="disconnected")
        time.sleep(0.3)                           # reconnect attempts fail meanwhile
        listener = listen(port)
        release = threading.Event()
        t = threading.Thread(target=serve, args=(listener, b"B1\rB2\r", 2, release), daemon=True)
        t.start()
        wait_for(lambda: len(got.scans) == 4, what="scans after restart")
    finally:
        release.set()
        source.stop()
        listener.close()
    assert [s.raw for s in got.scans] == ["A1", "A2", "B1", "B2"]
    assert source.connects == 2
    assert source.framer.discarded == 1        # "half" was never completed


def test_loop_url_and_ten_kilobytes_of_garbage_then_a_good_scan(caplog):
    got = Collector()
    source = SerialSource("loop://", reconnect_min_s=0.05, frame_timeout_s=0.2)
    caplog.set_level(logging.WARNING, logger="devices.serial")
    source.start(got.on_scan, got.on_status)
    try:
        wait_for(lambda: source.serial is not None, what="loop:// open")
        source.serial.write(b"FIRST\r")
        wait_for(lambda: len(got.scans) == 1, what="first scan")
        source.serial.write(bytes(0x21 + (i * 7) % 90 for i in range(10 * 1024)))   # no CR, LF, STX or ETX
        time.sleep(0.35)
        source.serial.write(b"]C10105412345000013\x1d10ABC123\r")
        wait_for(lambda: len(got.scans) == 2, what="the good scan")
        # Framed scanners recover without a pause: STX starts a new frame.
        source.serial.write(b"x" * 10240 + b"\x02]E05901234123457\r")
        wait_for(lambda: len(got.scans) == 3, what="scan after garbage + STX")
    finally:
        source.stop()
    assert got.scans[0].raw == "FIRST"
    decoded = decode(got.scans[1])
    assert (decoded.kind, decoded.gtin, decoded.lot, decoded.error) == ("gs1", "05412345000013", "ABC123", None)
    assert decode(got.scans[2]).gtin == "05901234123457"
    assert "longer than 4096 bytes" in caplog.text


def test_host_feedback_bytes_reach_the_scanner():
    master, slave, path = open_pty()
    source = SerialSource(path, host_feedback=True, good_read="\\x1b7,", bad_read="\u001b8,")
    source.start(lambda s: None, lambda s: None)
    try:
        wait_for(lambda: source.status == "connected", what="connected")
        source.feedback(True)
        source.feedback(False)
        data = b""
        deadline = time.monotonic() + 5
        while len(data) < 6 and time.monotonic() < deadline:
            data += os.read(master, 100)
    finally:
        source.stop()
        os.close(master)
        os.close(slave)
    assert data == b"\x1b7,\x1b8,"


def test_host_feedback_is_off_by_default():
    master, slave, path = open_pty()
    source = SerialSource(path)
    source.start(lambda s: None, lambda s: None)
    try:
        wait_for(lambda: source.status == "connected", what="connected")
        source.feedback(True)
        os.write(master, b"")   # nothing to read: a non-blocking check
        os.set_blocking(master, False)
        time.sleep(0.05)
        with pytest.raises(BlockingIOError):
            os.read(master, 100)
    finally:
        source.stop()
        os.close(master)
        os.close(slave)


def test_missing_port_reports_disconnected_and_keeps_trying(tmp_path):
    got = Collector()
    source = SerialSource(str(tmp_path / "nothing"), reconnect_min_s=0.02, reconnect_max_s=0.05)
    source.start(got.on_scan, got.on_status)
    try:
        wait_for(lambda: "disconnected" in got.statuses, what="disconnected")
        master, slave, path = open_pty()
        os.symlink(path, tmp_path / "nothing")
        wait_for(lambda: source.status == "connected", what="connected once the port appears")
    finally:
        source.stop()
        os.close(master)
        os.close(slave)


# -- file and FIFO ---------------------------------------------------------------------------------

def test_file_source_reads_then_follows_appended_lines(tmp_path):
    path = tmp_path / "scans.txt"
    path.write_text("]C10105412345000013<GS>10ABC123\nA-01-01\n\n")
    got = Collector()
    source = FileSource(str(path))
    source.start(got.on_scan, got.on_status)
    try:
        wait_for(lambda: len(got.scans) == 2, what="file lines")
        with open(path, "a") as fh:
            fh.write("CMD-DONE\r\n")
        wait_for(lambda: len(got.scans) == 3, what="appended line")
    finally:
        source.stop()
    assert [s.text for s in got.scans] == ["]C10105412345000013\x1d10ABC123", "A-01-01", "CMD-DONE"]
    assert source.status == "file" and got.statuses == ["file"]


def test_fifo_written_by_other_processes(tmp_path):
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    got = Collector()
    source = FileSource(str(fifo))
    source.start(got.on_scan, got.on_status)
    try:
        time.sleep(0.1)
        for text in ("FIRST\nSECOND\n", "THIRD\n"):      # two writers, one after the other
            subprocess.run([sys.executable, "-c", f"open({str(fifo)!r}, 'w').write({text!r})"], check=True, timeout=10)
        wait_for(lambda: len(got.scans) == 3, what="fifo lines")
    finally:
        source.stop()
    assert [s.raw for s in got.scans] == ["FIRST", "SECOND", "THIRD"]


# -- factory ---------------------------------------------------------------------------------------

def test_from_config_builds_each_type(tmp_path):
    from terminal.config import defaults
    cfg = defaults()["scanner"]
    assert isinstance(from_config({**cfg, "type": "keyboard"}), KeyboardSource)
    assert from_config({**cfg, "type": "keyboard"}).status == "keyboard"
    assert from_config({**cfg, "type": "none"}).status == "none"
    assert isinstance(from_config({**cfg, "type": "none"}), NullSource)
    serial_source = from_config({**cfg, "type": "serial", "port": "loop://", "baudrate": 115200, "terminator": "ETX"})
    assert isinstance(serial_source, SerialSource)
    assert serial_source.settings["baudrate"] == 115200 and serial_source.framer.terminator == b"\x03"
    assert serial_source.good_read == b"\x1b7,"
    file_source = from_config({**cfg, "type": "file", "file": str(tmp_path / "x")})
    assert isinstance(file_source, FileSource) and file_source.status == "file"
    with pytest.raises(ValueError, match="scanner.file"):
        from_config({**cfg, "type": "file", "file": ""})


def test_submit_goes_through_the_same_ordered_delivery():
    got = Collector()
    source = KeyboardSource()
    source.start(got.on_scan, got.on_status)
    for i in range(5):
        source.submit(make_scan(f"K{i}", "keyboard"))
    wait_for(lambda: len(got.scans) == 5, what="submitted scans")
    source.stop()
    assert [s.raw for s in got.scans] == [f"K{i}" for i in range(5)]
    assert got.statuses == ["keyboard"]


def test_a_failing_callback_does_not_stop_later_scans():
    got = []

    def on_scan(scan):
        if scan.raw == "BAD":
            raise RuntimeError("app failed")
        got.append(scan.raw)

    source = SerialSource("loop://", reconnect_min_s=0.05)
    source.start(on_scan, lambda s: None)
    try:
        wait_for(lambda: source.serial is not None, what="open")
        source.serial.write(b"A\rBAD\rB\r")
        wait_for(lambda: len(got) == 2, what="scans after the failure")
    finally:
        source.stop()
    assert got == ["A", "B"]
