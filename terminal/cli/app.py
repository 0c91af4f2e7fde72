"""`wh run`: start the full-screen station app."""
from __future__ import annotations

from .common import command


def register(sub) -> None:
    p = command(sub, "run", cmd_run, "start the full-screen station app (keyboard only)")
    p.add_argument("--station", metavar="ID", help="station id, overriding [station] id")
    p.add_argument("--warehouse", metavar="CODE", help="warehouse code, overriding [station] warehouse")
    p.add_argument("--scanner", metavar="TYPE", choices=("serial", "keyboard", "file", "none"),
                   help="scanner type, overriding [scanner] type")
    p.add_argument("--port", metavar="PORT", help="serial port or pyserial URL, overriding [scanner] port")


def cmd_run(args) -> int:
    from terminal.app import WarehouseApp
    cfg = args.cfg
    if args.station:
        cfg.values["station"]["id"] = args.station
    if args.warehouse:
        cfg.values["station"]["warehouse"] = args.warehouse
    if args.scanner:
        cfg.values["scanner"]["type"] = args.scanner
    if args.port:
        cfg.values["scanner"]["port"] = args.port
    app = WarehouseApp(cfg)
    app.run()
    return app.return_code or 0
