"""Sending a print job (ZPL labels, a packing list as text) to the station's printer target.

Targets, as `station.printer` or `--out` write them:
- `tcp://host:9100` (the port defaults to 9100): raw TCP, what Zebra and most network printers take;
- `serial:///dev/ttyUSB0?baud=9600` (also `&bytesize=8&parity=N&stopbits=1`), or `serial://COM3`;
- anything else is a file path (`file:///path` too); jobs are appended, like a spool.
"""
from __future__ import annotations

import socket
from gettext import gettext as _
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DEFAULT_TCP_PORT = 9100


class PrinterError(OSError):
    """The job did not reach the printer; the message names the target and the reason."""


def send(target: str, data: bytes, *, append: bool = True, timeout: float = 10.0) -> None:
    """Send DATA to TARGET. Raises PrinterError when it cannot; nothing is sent halfway silently."""
    if not target:
        raise PrinterError(_("no printer configured: set station.printer to a file, serial:///dev/… or tcp://host:9100"))
    if isinstance(data, str):
        data = data.encode("utf-8")
    lower = target.lower()
    if lower.startswith("tcp://"):
        _send_tcp(target, data, timeout)
    elif lower.startswith("serial://"):
        _send_serial(target, data, timeout)
    else:
        path = Path(target[len("file://"):] if lower.startswith("file://") else target)
        try:
            if path.parent and not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "ab" if append else "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise PrinterError(_("cannot write to the printer file {path}: {reason}").format(
                path=path, reason=exc.strerror or exc)) from None


def _send_tcp(target: str, data: bytes, timeout: float) -> None:
    parts = urlsplit(target)
    host, port = parts.hostname, parts.port or DEFAULT_TCP_PORT
    if not host:
        raise PrinterError(_("printer target {target!r} needs a host: tcp://host:9100").format(target=target))
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)     # tell the printer the job is complete
            # Wait for the printer to close its side, so the job is really taken.
            sock.settimeout(timeout)
            try:
                while sock.recv(4096):
                    pass
            except (socket.timeout, ConnectionResetError):
                pass
    except OSError as exc:
        raise PrinterError(_("cannot print to {host}:{port}: {reason}").format(
            host=host, port=port, reason=exc.strerror or exc)) from None


def _send_serial(target: str, data: bytes, timeout: float) -> None:
    import serial
    rest = target[len("serial://"):]
    path, _mark, query = rest.partition("?")
    options = {k: v[-1] for k, v in parse_qs(query).items()}
    settings = {
        "baudrate": int(options.get("baud", options.get("baudrate", 9600))),
        "bytesize": int(options.get("bytesize", 8)),
        "parity": options.get("parity", "N").upper(),
        "stopbits": float(options.get("stopbits", 1)),
    }
    if settings["stopbits"].is_integer():
        settings["stopbits"] = int(settings["stopbits"])
    if not path:
        raise PrinterError(_("printer target {target!r} needs a port: serial:///dev/ttyUSB0?baud=9600").format(
            target=target))
    try:
        port = serial.serial_for_url(path, write_timeout=timeout, **settings)
    except (serial.SerialException, ValueError) as exc:
        raise PrinterError(_("cannot open the printer port {path}: {error}").format(path=path, error=exc)) from None
    try:
        written = port.write(data)
        port.flush()
        if written is not None and written != len(data):
            raise PrinterError(_("the printer port {path} took {written} of {total} bytes").format(
                path=path, written=written, total=len(data)))
    except serial.SerialException as exc:
        raise PrinterError(_("cannot print to {path}: {error}").format(path=path, error=exc)) from None
    finally:
        port.close()
