"""Scanner garbage through the real serial source (a pty), the real decoder, the station queue and
a flow on a real store: random bytes, partial frames, 10 kB lines with no terminator and
wrong-baud noise. Nothing crashes, each bad scan gets a clear message, and the next good scan
works."""
from __future__ import annotations

import os
import random
import threading
import time
import tty

import pytest

from devices.sources import SerialSource
from terminal.flows.lookup import LookupFlow
from tests import terminal_data as td

FRAME_TIMEOUT = 0.1


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def line(sqlite_store):
    """A station running the lookup flow, fed by a SerialSource on a pty; an 'operator' thread
    acknowledges every error as it comes (Enter)."""
    td.seed()
    driver = td.FlowDriver(sqlite_store, LookupFlow)
    master, slave = os.openpty()
    tty.setraw(slave)
    source = SerialSource(os.ttyname(slave), terminator="CR", frame_timeout_s=FRAME_TIMEOUT,
                          reconnect_min_s=0.05)
    scans = []

    def on_scan(scan):
        scans.append(scan)
        driver.station.submit_scan(scan)

    source.start(on_scan)
    stop = threading.Event()

    def operator():
        while not stop.is_set():
            if driver.station.blocked is not None:
                driver.station.acknowledge()
            time.sleep(0.005)

    acker = threading.Thread(target=operator, daemon=True)
    acker.start()
    wait_for(lambda: source.status == "connected", what="the scanner port")
    yield dict(driver=driver, master=master, source=source, scans=scans)
    stop.set()
    acker.join(2)
    source.stop()
    driver.close()
    os.close(master)
    os.close(slave)


def write(master: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(master, view[:1024])
        view = view[n:]


def good_scan_works(line) -> None:
    """The next good scan decodes and the flow answers it."""
    driver = line["driver"]
    shown = len(driver.ui.shown)
    write(line["master"], td.WIDGET_EAN.encode() + b"\r")
    wait_for(lambda: any(fb is not None and "SKU-100" in fb.message and fb.level == "ok"
                         for fb, _ in driver.ui.shown[shown:]), what="the good scan's answer")


def settle(line) -> None:
    """Let a pending partial frame expire and the station work off its queue."""
    time.sleep(FRAME_TIMEOUT * 2.5)
    wait_for(lambda: line["driver"].station.idle, what="the station to go idle")


def no_internal_errors(line) -> list[str]:
    msgs = [fb.message for fb, _ in line["driver"].ui.shown if fb is not None]
    assert not [m for m in msgs if "internal error" in m], msgs
    assert line["driver"].station._thread.is_alive()
    return msgs


def test_random_bytes(line):
    rng = random.Random(1)
    before = len(line["scans"])
    for _ in range(20):
        write(line["master"], bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
    write(line["master"], b"\r")
    settle(line)
    assert len(line["scans"]) > before, "random bytes with CRs in them should make some frames"
    msgs = no_internal_errors(line)
    errors = [m for m in msgs if m != "acknowledged"]
    # each message names what was scanned: "nothing known as '<the scan>' ..." or "'<the scan>': <why>"
    assert errors and all(m.startswith("nothing known as") or m.startswith(("'", '"')) for m in errors), errors
    good_scan_works(line)


def test_partial_frames_are_dropped_after_a_pause(line):
    source = line["source"]
    before = source.framer.discarded
    write(line["master"], td.WIDGET_EAN[:7].encode())            # the cable is pulled mid-scan
    settle(line)
    write(line["master"], b"\x02" + td.BOLT_EAN[:5].encode())    # STX, then a half frame
    write(line["master"], b"\x02")                               # a new frame begins
    settle(line)
    assert source.framer.discarded >= before + 2
    # neither half became a scan
    assert not any(s.raw in (td.WIDGET_EAN[:7], td.BOLT_EAN[:5]) for s in line["scans"])
    good_scan_works(line)
    # and the good scan was not merged with the debris
    assert line["scans"][-1].raw == td.WIDGET_EAN
    no_internal_errors(line)


def test_ten_kilobyte_line_without_terminator(line):
    source = line["source"]
    before = source.framer.discarded
    write(line["master"], b"7" * 10_000)
    settle(line)
    assert source.framer.discarded == before + 1
    assert not any(len(s.raw) > 4096 for s in line["scans"])
    # the same, but the terminator comes at the end: skipped up to it, not a 10 kB scan
    write(line["master"], b"A" * 10_000 + b"\r")
    settle(line)
    assert not any(len(s.raw) > 4096 for s in line["scans"])
    good_scan_works(line)
    assert line["scans"][-1].raw == td.WIDGET_EAN
    no_internal_errors(line)


def wrong_baud(data: bytes, ratio: float, rng: random.Random) -> bytes:
    """What a UART at the wrong speed makes of DATA: each byte's bits resampled at RATIO, with
    framing lost (the typical 0x00/0x80/0xF8/0xFE bytes of a too-slow or too-fast reader)."""
    bits = []
    for byte in data:
        bits += [0] + [(byte >> i) & 1 for i in range(8)] + [1]       # start, 8 data, stop
    bits += [1] * 20
    out, pos = bytearray(), 0.0
    while pos < len(bits) - 10 * ratio:
        while pos < len(bits) and bits[int(pos)] == 1:                # wait for a start bit
            pos += ratio
        if pos >= len(bits) - 10 * ratio:
            break
        value = 0
        for i in range(8):
            pos += ratio
            value |= bits[min(int(pos), len(bits) - 1)] << i
        pos += 2 * ratio
        out.append(value ^ (rng.random() < 0.05))                     # and some line noise
    return bytes(out)


def test_wrong_baud_rate_noise(line):
    rng = random.Random(7)
    frame = (td.WIDGET_EAN + "\r").encode()
    noise = b"".join(wrong_baud(frame, ratio, rng) for ratio in (0.25, 0.5, 2.0, 4.0, 1.7) for _ in range(4))
    assert noise and noise != frame * 20
    write(line["master"], noise + b"\r")
    settle(line)
    msgs = no_internal_errors(line)
    assert all("SKU-100" not in m or "nothing known" in m for m in msgs), "noise must not read as a good scan"
    good_scan_works(line)
