"""`wh decode`, `wh scanner listen` and `wh labels locations|items`: scanners, barcodes, labels."""
from __future__ import annotations

from gettext import gettext as _

import sys
from typing import TYPE_CHECKING

from .common import CliError, command

if TYPE_CHECKING:
    from terminal.resolver import StoreResolver


def register(sub) -> None:
    p = command(sub, "decode", cmd_decode, "decode a scanned barcode (GS1, GTIN, SSCC, location, badge, command)",
                needs_db=False)
    p.add_argument("raw", metavar="RAW",
                   help="the scan as sent; <GS> or \\x1d stands for the GS1 separator, ]C1 etc. for the symbology")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--no-store", action="store_true", help="decode without looking codes up in the store")

    scanner = sub.add_parser("scanner", help="scanner set-up", description="scanner set-up")
    ssub = scanner.add_subparsers(dest="scanner_command", metavar="COMMAND")
    p = command(ssub, "listen", cmd_listen, "print each scan and its decoding, one per line, until Ctrl+C",
                needs_db=False)
    p.add_argument("--port", metavar="P", help="serial port or pyserial URL (default: [scanner] in the config)")
    p.add_argument("--baud", metavar="B", type=int, help="baud rate (default: scanner.baudrate)")
    p.add_argument("--terminator", choices=("CR", "LF", "CRLF", "ETX"), help="end of a scan (default: scanner.terminator)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--no-store", action="store_true", help="decode without looking codes up in the store")

    labels = sub.add_parser("labels", help="print barcode labels", description="print barcode labels")
    lsub = labels.add_subparsers(dest="labels_command", metavar="COMMAND")
    p = command(lsub, "locations", cmd_labels_locations, "labels for locations (Code 128)")
    p.add_argument("--zone", metavar="Z", help="only locations in this zone")
    p.add_argument("--warehouse", metavar="W", help="only locations of this warehouse")
    _label_output(p)
    p = command(lsub, "items", cmd_labels_items, "labels for items (EAN-13 / GS1-128 / Code 128)")
    p.add_argument("--sku", metavar="S", action="append", help="only this item (repeatable)")
    p.add_argument("--lot", metavar="LOT", help="put this lot on the label (GS1-128 (01)(17)(10))")
    _label_output(p)


def _label_output(p) -> None:
    p.add_argument("--format", choices=("zpl", "svg", "png", "pdf"), default="zpl", help="label format (default zpl)")
    p.add_argument("--out", metavar="PATH",
                   help="where the labels go: a file (svg/png: a directory, one file a label), or a printer "
                        "target serial:///dev/ttyUSB0?baud=9600 / tcp://host:9100 for zpl; default "
                        "station.printer for zpl")


# -- the store, for decoding ---------------------------------------------------------------------

def store_resolver(cfg, wanted: bool = True) -> tuple["StoreResolver | None", str | None]:
    """A resolver on the configured store, or (None, why not). Never creates a store: decoding
    a barcode must not leave an empty database file behind."""
    if not wanted:
        return None, None
    import os
    from urllib.parse import urlsplit
    url = cfg.db_url
    if urlsplit(url).scheme == "sqlite":
        path = url[len("sqlite:///"):]
        if not path or path == ":memory:" or not os.path.exists(path):
            return None, f"no store at {path or ':memory:'}"
    try:
        from terminal.resolver import StoreResolver
        from .common import open_store
        open_store(cfg)
        resolver = StoreResolver()
        resolver.is_location("")      # the tables exist
        return resolver, None
    except CliError as exc:
        return None, str(exc)
    except Exception as exc:  # a store without tables, a server that went away
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"the store cannot be read: {first}"


# -- wh decode -----------------------------------------------------------------------------------

def cmd_decode(args) -> int:
    import json
    from devices.decode import decode
    from devices.scan import unescape_gs
    resolver, why = store_resolver(args.cfg, not args.no_store)
    if why and args.format == "text":
        print(_('note: decoding without the store ({why})').format(why=why), file=sys.stderr)
    decoded = decode(unescape_gs(args.raw), resolver=resolver, prefixes=args.cfg.section("barcodes"))
    measure = _item_measure(resolver, decoded)
    from db.core.quantities import quantity_decimal
    if args.format == "json":
        from .common import screen_safe
        data = decoded.to_json_dict()
        if measure and measure[0]:
            # qty and pack_qty in the item's base unit, as every other output gives them (1.25 kg)
            for key in ("qty", "pack_qty"):
                if data.get(key) is not None:
                    data[key] = float(quantity_decimal(data[key], measure[0]))
        print(json.dumps(data, ensure_ascii=False), file=screen_safe(sys.stdout))
    else:
        _print_decoded(decoded, measure)
    return 0 if decoded.error is None else 1


def _item_measure(resolver, decoded) -> tuple[int, str] | None:
    """(decimals, uom) of the item a scan found, when the store was read."""
    ask = getattr(resolver, "item_measure", None)
    return ask(decoded.sku) if ask is not None and decoded.sku else None


def _print_decoded(d, measure=None) -> None:
    from types import SimpleNamespace
    from db.core.quantities import with_uom
    from db.core.text import printable
    from devices.scan import escape_gs
    print(_('kind: {kind}').format(kind=d.kind))
    print(_('raw: {escape_gs}').format(escape_gs=printable(escape_gs(d.raw))) + (_('  (symbology {symbology})').format(
        symbology=d.symbology) if d.symbology else ""))
    for name in ("hri", "command", "location", "operator", "sscc", "gtin", "content_gtin", "sku", "pack_qty", "lot",
                 "expiry", "best_before", "production_date", "serial", "count", "qty", "weight", "measure",
                 "measure_unit", "order_number"):
        value = getattr(d, name)
        if value is not None and name in ("qty", "pack_qty") and measure and measure[0]:
            value = with_uom(value, SimpleNamespace(decimals=measure[0], uom=measure[1]))   # 1.250 kg
        if value is not None:
            print(f"{name}: {printable(str(value))}")
    for w in d.warnings:
        print(_('warning: {w}').format(w=printable(w)))
    if d.error:
        print(_('error: {error}').format(error=printable(d.error)))


# -- wh scanner listen ---------------------------------------------------------------------------

def cmd_listen(args) -> int:
    import json
    import queue
    from devices.decode import decode
    from devices.scan import escape_gs, make_scan
    from devices.sources import SerialSource, from_config
    scfg = dict(args.cfg.section("scanner"))
    if args.port:
        scfg["type"], scfg["port"] = "serial", args.port
    if args.baud:
        scfg["baudrate"] = args.baud
    if args.terminator:
        scfg["terminator"] = args.terminator
    resolver, why = store_resolver(args.cfg, not args.no_store)
    if why:
        print(_('note: decoding without the store ({why})').format(why=why), file=sys.stderr, flush=True)
    prefixes = args.cfg.section("barcodes")
    events: queue.Queue = queue.Queue()
    try:
        source = from_config(scfg)
    except ValueError as exc:
        raise CliError(str(exc), code=2) from None
    where = scfg["port"] if isinstance(source, SerialSource) else scfg.get("file") or "keyboard (type or scan, then Enter)"
    source.start(lambda scan: events.put(scan), lambda status: events.put(status))
    if source.name in ("keyboard", "none"):
        _stdin_scans(events, make_scan)
    print(_('listening on {where}; Ctrl+C to stop').format(where=where), file=sys.stderr, flush=True)
    try:
        while True:
            try:
                event = events.get(timeout=0.5)
            except queue.Empty:
                continue
            if event is None:           # end of standard input
                break
            if isinstance(event, str):
                if event in ("connected", "disconnected"):
                    print(_('scanner {event}: {where}').format(
                              event=event, where=where), file=sys.stderr, flush=True)
                continue
            decoded = decode(event, resolver=resolver, prefixes=prefixes)
            if args.format == "json":
                row = decoded.to_json_dict()
                row["source"] = event.source
                print(json.dumps(row, ensure_ascii=False), flush=True)
            else:
                print(f"{escape_gs(event.text)}\t{decoded.summary()}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        source.stop()
    return 0


def _stdin_scans(events, make_scan) -> None:
    """A keyboard-wedge scanner types into this terminal: each line is a scan."""
    import threading

    def read() -> None:
        from devices.scan import unescape_gs
        for line in sys.stdin:
            text = unescape_gs(line.rstrip("\r\n"))
            if text.strip():
                events.put(make_scan(text, "keyboard"))
        events.put(None)

    threading.Thread(target=read, name="stdin-scans", daemon=True).start()


# -- wh labels -----------------------------------------------------------------------------------

def cmd_labels_locations(args) -> int:
    from db.core.models import Location, Warehouse
    from devices.labels import LocationLabel
    query = Location.select().where(Location.active == True, ~Location.code.startswith("@"))  # noqa: E712
    if args.zone:
        query = query.where(Location.zone == args.zone)
    if args.warehouse:
        query = query.join(Warehouse).where(Warehouse.code == args.warehouse)
    prefix = args.cfg.get("barcodes.location_prefix")
    labels = [LocationLabel(code=loc.code, barcode=prefix + loc.code, zone=loc.zone)
              for loc in query.order_by(Location.zone, Location.pick_sequence, Location.code)]
    if not labels:
        raise CliError(_('no locations match') + (_(' zone {zone!r}').format(
                                                   zone=args.zone) if args.zone else ""))
    return _write_labels(args, labels, "location")


def cmd_labels_items(args) -> int:
    from db.core.models import Barcode, Item, Lot
    from devices.labels import ItemLabel
    query = Item.select().where(Item.active == True)  # noqa: E712
    if args.sku:
        query = Item.select().where(Item.sku.in_(args.sku))
        missing = set(args.sku) - {i.sku for i in query}
        if missing:
            raise CliError(_('unknown item SKU {items}').format(items=', '.join(sorted(missing))))
    labels = []
    for item in query.order_by(Item.sku):
        codes = [b.code for b in Barcode.select().where(Barcode.item == item.id, Barcode.pack_qty == 1).order_by(Barcode.id)]
        lot = expiry = None
        if args.lot:
            found = Lot.get_or_none(Lot.item == item.id, Lot.code == args.lot)
            if found is None:
                raise CliError(_('unknown lot {lot!r} of item {sku}').format(lot=args.lot, sku=item.sku))
            lot, expiry = found.code, found.expiry
        labels.append(ItemLabel(sku=item.sku, name=item.name, barcode=_best_code(codes), lot=lot, expiry=expiry))
    if not labels:
        raise CliError(_('no items match'))
    return _write_labels(args, labels, "item")


def _best_code(codes: list[str]) -> str | None:
    """A GTIN if the item has one (it prints as EAN-13 or GS1-128), else its first code."""
    for code in codes:
        if code.isdigit() and len(code) in (8, 12, 13, 14):
            return code
    return codes[0] if codes else None


def _write_labels(args, labels, kind: str) -> int:
    from devices import labels as lab
    from devices.printers import PrinterError, send
    fmt = args.format
    try:
        if fmt == "zpl":
            data = "".join(lab.zpl(label) for label in labels).encode("utf-8")
            target = args.out or args.cfg.get("station.printer")
            if not target:
                raise CliError(_('no --out and no station.printer configured: say where the labels go'), code=2)
            send(target, data)
            print(_('{n_labels} {kind} label(s) sent to {target}').format(
                      n_labels=len(labels), kind=kind, target=target))
        elif fmt == "pdf":
            out = _need_out(args)
            lab.pdf_sheet(labels, out)
            print(_('{n_labels} {kind} label(s) written to {out}').format(
                      n_labels=len(labels), kind=kind, out=out))
        else:
            out = _need_out(args)
            files = lab.write_images(labels, out, fmt)
            print(_('{n_files} {kind} label(s) written to {out}').format(
                      n_files=len(files), kind=kind, out=out))
    except lab.LabelError as exc:
        raise CliError(str(exc)) from None
    except PrinterError as exc:
        raise CliError(str(exc)) from None
    return 0


def _need_out(args) -> str:
    if not args.out:
        raise CliError(_('--out PATH is needed for --format {format}').format(format=args.format), code=2)
    return args.out
