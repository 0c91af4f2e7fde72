"""Figure 1: scan latency in the real app, and (figure 5) the app's peak memory.

The real `WarehouseApp` runs headless (`App.run_test`) on the large store. Scans enter
through a scanner source, exactly as a serial or file scanner delivers them: `source.submit`
puts the scan on the source's ordered delivery thread, which calls the station's
`submit_scan`; the station's consumer thread decodes it, runs the flow (and the store) and
posts the result to the app, which renders it. A scan's latency ends when a frame that painted
the banner after that result was drawn (the end of `App._display`).

The feeder is a thread playing the scanner: it sends the next scan only when the screen
showed the previous one, reading what to scan from the flow's own prompt (the pick task's
location, then its item), as an operator would.

Baseline: the same app class, the same source, station thread and message path, but the
screen's flow only returns a feedback for the banner (no decoding, no store, no view).

Run in a fresh process per mode, so each reports its own peak RSS:
    python -m bench.figures.scan --db PATH --mode app|baseline --scans N
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import sys
import threading
import time
from pathlib import Path

from bench.common import Measure, percentile, run_json

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30.0


# ---------------------------------------------------------------------------- in the orchestrator

def run(ctx) -> list[Measure]:
    scans = ctx.scans
    app = run_json(["-m", "bench.figures.scan", "--db", str(ctx.work), "--mode", "app", "--scans", str(scans)])
    base = run_json(["-m", "bench.figures.scan", "--db", str(ctx.work), "--mode", "baseline", "--scans", str(scans)])
    ctx.log(f"scan: app p50 {app['p50_ms']:.2f} ms p99 {app['p99_ms']:.2f} ms; "
            f"baseline p50 {base['p50_ms']:.2f} ms p99 {base['p99_ms']:.2f} ms; rss {app['rss_mb']:.0f} MB")
    detail = {"scans": app["scans"], "flows": app["flows"], "postings": app["postings"],
              "scan_to_result_p50_ms": round(app["processing_p50_ms"], 2),
              "result_to_repaint_p50_ms": round(app["repaint_p50_ms"], 2),
              "baseline_scan_to_result_p50_ms": round(base["processing_p50_ms"], 2),
              "baseline_result_to_repaint_p50_ms": round(base["repaint_p50_ms"], 2),
              "baseline_scans": base["scans"], "max_ms": app["max_ms"], "baseline_max_ms": base["max_ms"]}
    return [
        Measure("scan_latency_p50", app["p50_ms"], "ms", base["p50_ms"], "same app, banner-only handler: p50",
                {"max": 20, "max_ratio": 2}, detail=detail),
        Measure("scan_latency_p99", app["p99_ms"], "ms", base["p99_ms"], "same app, banner-only handler: p99",
                {"max": 50, "max_ratio": 2}),
        Measure("app_peak_rss", app["rss_mb"], "MB", base["rss_mb"], "same app, banner-only handler, no store",
                {"max": 200}, note=f"after {app['scans']} scans on the {ctx.scale:g}-scale store"),
    ]


# ---------------------------------------------------------------------------- in the subprocess

def _config(db: Path):
    from terminal import config as config_mod
    cfg = config_mod.load(str(ROOT / "config.toml"), f"sqlite:///{db}")
    cfg.values["station"]["id"] = "ST-BENCH"
    cfg.values["station"]["warehouse"] = "WH1"
    cfg.values["station"]["printer"] = ""
    cfg.values["scanner"]["type"] = "none"
    if os.environ.get("WH_BENCH_SYNC"):      # experiments: the same run at another synchronous
        cfg.values["database"]["sqlite_synchronous"] = os.environ["WH_BENCH_SYNC"]
    if os.environ.get("WH_BENCH_CHECKPOINTS"):
        cfg.values["database"]["sqlite_checkpoints"] = os.environ["WH_BENCH_CHECKPOINTS"]
    return cfg


def _open(cfg):
    from terminal.cli.common import open_store
    open_store(cfg)


def prepare_documents(receive_scans: int, pick_scans: int, run_id: str) -> dict:
    """A purchase order to receive and sales orders to pick, on items that have stock at one
    storage place. Returns what the feeder scans."""
    import peewee as pw
    from db.core.connection import write_transaction
    from db.core.models import (Barcode, Balance, Customer, Item, Location, PurchaseOrder, PurchaseOrderLine,
                                SalesOrder, SalesOrderLine, Supplier)
    # Items with a single storage place holding plenty: each pick task is one shelf.
    places = (Balance.select(Balance.item, pw.fn.MIN(Balance.location), pw.fn.SUM(Balance.qty))
              .join(Location, on=(Balance.location == Location.id))
              .join_from(Balance, Item, on=(Balance.item == Item.id))
              .where(Location.kind == "storage", Balance.qty > 0, Balance.allocated == 0,
                     Item.lot_tracked == False, Item.active == True)  # noqa: E712
              .group_by(Balance.item)
              .having(pw.fn.COUNT(Balance.id) == 1, pw.fn.SUM(Balance.qty) >= 30)
              .order_by(Balance.item).limit(400).tuples())
    items = [i for i, _, _ in places]
    if len(items) < 40:
        raise RuntimeError(f"the store has only {len(items)} items with stock at one place; need 40")
    eans = {}
    for code, item_id in (Barcode.select(Barcode.code, Barcode.item).where(Barcode.item.in_(items), Barcode.pack_qty == 1)
                          .order_by(Barcode.id).tuples()):
        eans.setdefault(item_id, code)
    items = [i for i in items if i in eans]
    recv_items, pick_items = items[:20], items[20:]
    supplier = Supplier.select().order_by(Supplier.id).first()
    customer = Customer.select().order_by(Customer.id).first()
    with write_transaction():
        po = PurchaseOrder.create(number=f"PO-BENCH-{run_id}", supplier=supplier, status="open",
                                  created_by="BENCH")
        per_line = math.ceil(receive_scans / len(recv_items)) + 2
        for n, item in enumerate(recv_items, 1):
            PurchaseOrderLine.create(po=po, line_no=n, item=item, qty_ordered=per_line, unit_cost=1)
        # Sales orders of 6 lines of 1-2 units: ~1 location scan per 1.5 item scans.
        orders, k, planned = [], 0, 0
        while planned < pick_scans + 20:
            so = SalesOrder.create(number=f"SO-BENCH-{run_id}-{len(orders) + 1:04d}", customer=customer,
                                   status="open", priority=1)
            for n in range(1, 7):
                item = pick_items[k % len(pick_items)]
                k += 1
                qty = 1 + (k % 2)
                SalesOrderLine.create(so=so, line_no=n, item=item, qty_ordered=qty, unit_price=2)
                planned += 1 + qty
            orders.append(so.number)
    return {"po": po.number, "receive": [eans[i] for i in recv_items],
            "so": orders, "ean": {Item.get_by_id(i).sku: eans[i] for i in pick_items}}


def _make_app(cfg, source, decode=None):
    from textual.app import App  # noqa: F401  (imported first so the app module's import cost is not measured)
    from terminal.app import WarehouseApp
    from terminal.messages import FlowResult
    from terminal.widgets.banner import Banner

    class ProbedBanner(Banner):
        """The banner, telling the probe when the compositor painted it."""
        probe = None

        def render_lines(self, crop):
            if self.probe is not None and self.probe.armed:
                self.probe.painted = True
            return super().render_lines(crop)

    class ProbedApp(WarehouseApp):
        """The real app plus two hooks: a scan's result arrived; a frame was drawn."""
        # Textual resolves a relative CSS_PATH next to the subclass; keep the app's own.
        CSS_PATH = str(Path(sys.modules[WarehouseApp.__module__].__file__).parent / WarehouseApp.CSS_PATH)
        probe = None

        def on_flow_result(self, message: FlowResult) -> None:
            # Runs before WarehouseApp.on_flow_result (Textual calls handlers along the MRO,
            # the subclass first), which updates the screen and the banner.
            if self.probe is not None and message.feedback is not None:
                self.probe.arrived(message)
                if not isinstance(self.screen.query_one(Banner), ProbedBanner):
                    raise RuntimeError("the screen's banner is not the probed one")

        def _display(self, screen, renderable) -> None:
            # The end of a frame: the compositor has rendered what changed. The scan is shown
            # once a frame painted the banner after its result arrived. (Not call_after_refresh:
            # it can run before a repaint of a widget reaches the screen: bench/RESULTS.md, fix 14.)
            super()._display(screen, renderable)
            if self.probe is not None and self.probe.armed and self.probe.painted:
                self.probe.shown()

    import terminal.screens.base as base
    base.Banner = ProbedBanner         # this subprocess only: screens compose the probed banner
    app = ProbedApp(cfg, source=source, decode=decode)
    return app, ProbedBanner


class Probe:
    """The feeder's side: send a scan, wait until the screen showed its result."""

    def __init__(self, source):
        self.source = source
        self.event = threading.Event()
        self.done_at = 0.0
        self.arrived_at = 0.0
        self.armed = False
        self.painted = False
        self.feedback = None
        self.split: list[tuple[float, float]] = []     # (scan -> result handled, handled -> repainted) ms

    def arrived(self, message) -> None:
        # Only a scan's own result counts: screens opened by navigation report no feedback.
        if self.event.is_set() or self.armed:
            return
        self.arrived_at = time.perf_counter()
        self.feedback = message.feedback
        self.painted = False
        self.armed = True

    def shown(self) -> None:
        self.done_at = time.perf_counter()
        self.armed = False
        self.event.set()

    def scan(self, raw: str) -> tuple[float, object]:
        from devices.scan import Scan
        self.event.clear()
        start = time.perf_counter()
        self.source.submit(Scan(raw=raw, source="bench"))
        if not self.event.wait(TIMEOUT_S):
            raise RuntimeError(f"no screen update {TIMEOUT_S} s after scanning {raw!r}")
        self.split.append(((self.arrived_at - start) * 1000.0, (self.done_at - self.arrived_at) * 1000.0))
        return (self.done_at - start) * 1000.0, self.feedback


def _wait(predicate, what: str, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def _settle(app) -> None:
    _wait(lambda: app.station.idle, "the station to go idle")
    time.sleep(0.05)


def _flow_named(app, name: str):
    flow = app.current_flow()
    return flow if flow is not None and type(flow).__name__ == name else None


def _check(fb, what: str) -> None:
    if fb is None or fb.level == "error":
        raise RuntimeError(f"{what}: {fb.message if fb else 'no feedback'}")


def feed_app(app, probe: Probe, docs: dict, receive_scans: int, pick_scans: int) -> dict:
    """The operator: log in, receive the PO, pick the sales orders. Returns latencies by flow."""
    out = {"receive": [], "pick": []}
    postings = {"receive": 0, "pick": 0}
    _wait(lambda: _flow_named(app, "LoginFlow") is not None, "the login screen")
    probe.scan("OP-BENCH")
    _wait(lambda: _flow_named(app, "MenuFlow") is not None, "the menu")
    _settle(app)
    # Receive.
    app.station.submit_action("open", "1")
    _wait(lambda: _flow_named(app, "ReceivingFlow") is not None, "the receive screen")
    _settle(app)
    ms, fb = probe.scan(docs["po"])
    _check(fb, "choosing the PO")
    out["receive"].append(ms)
    codes = docs["receive"]
    for n in range(receive_scans - 1):
        ms, fb = probe.scan(codes[n % len(codes)])
        _check(fb, "receiving")
        out["receive"].append(ms)
        postings["receive"] += 1
    app.station.submit_action("back")
    _settle(app)
    app.station.submit_action("back")
    _wait(lambda: _flow_named(app, "MenuFlow") is not None, "the menu after receiving")
    _settle(app)
    # Pick, order after order, following the flow's prompts.
    orders = list(docs["so"])
    flow = None
    while len(out["pick"]) < pick_scans:
        if flow is None or flow.state == "done":
            if flow is not None:
                app.station.submit_action("back")
                _wait(lambda: _flow_named(app, "MenuFlow") is not None, "the menu after an order")
                _settle(app)
            app.station.submit_action("open", "3")
            _wait(lambda: _flow_named(app, "PickingFlow") is not None, "the pick screen")
            _settle(app)
            flow = _flow_named(app, "PickingFlow")
            ms, fb = probe.scan(orders.pop(0))
            _check(fb, "claiming the sales order")
            out["pick"].append(ms)
            continue
        task = flow.task
        if flow.state == "location":
            ms, fb = probe.scan(task.location)
        elif flow.state in ("item", "qty"):
            ms, fb = probe.scan(docs["ean"][task.sku])
            if fb is not None and fb.message.startswith("picked"):
                postings["pick"] += 1
        else:
            raise RuntimeError(f"unexpected pick state {flow.state}: {flow.prompt}")
        _check(fb, f"picking ({flow.prompt})")
        out["pick"].append(ms)
    return {"latencies": out, "postings": postings}


def feed_baseline(app, probe: Probe, scans: int) -> dict:
    from terminal.flows.base import Feedback, Flow
    from terminal.screens.flow import FlowScreen

    class BannerOnlyFlow(Flow):
        title = "Baseline"

        def on_scan(self, scan, key=None):
            return Feedback.ok(f"scanned {scan.raw}")

        def view(self):
            return None

    _wait(lambda: _flow_named(app, "LoginFlow") is not None, "the login screen")
    app.call_from_thread(app.push_screen, FlowScreen(BannerOnlyFlow(app.session)))
    _wait(lambda: _flow_named(app, "BannerOnlyFlow") is not None, "the baseline screen")
    _settle(app)
    lat = []
    for n in range(scans):
        ms, fb = probe.scan(f"{4000000000000 + n}")
        _check(fb, "baseline scan")
        lat.append(ms)
    return {"latencies": {"baseline": lat}, "postings": {}}


async def _drive(db: Path, mode: str, scans: int) -> dict:
    from devices.sources.base import NullSource
    cfg = _config(db)
    _open(cfg)
    source = NullSource()
    if mode == "app":
        run_id = time.strftime("%H%M%S")
        receive_scans = scans // 2
        docs = prepare_documents(receive_scans, scans - receive_scans, run_id)
        app, banner = _make_app(cfg, source)
    else:
        app, banner = _make_app(cfg, source, decode=lambda scan: scan)
    probe = Probe(source)
    app.probe = banner.probe = probe
    loop = asyncio.get_running_loop()
    async with app.run_test(size=(100, 30)) as pilot:
        if mode == "app":
            result = await loop.run_in_executor(None, feed_app, app, probe, docs, receive_scans,
                                                scans - receive_scans)
        else:
            result = await loop.run_in_executor(None, feed_baseline, app, probe, scans)
        await pilot.pause()
    result["split"] = probe.split
    return result


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux carries
    that over from the parent through fork and exec, so a child of a big process (the bench
    after generating the store) reported the parent's 965 MB as its own."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.figures.scan")
    parser.add_argument("--db", required=True)
    parser.add_argument("--mode", choices=("app", "baseline"), required=True)
    parser.add_argument("--scans", type=int, default=2000)
    args = parser.parse_args(argv)
    result = asyncio.run(_drive(Path(args.db), args.mode, args.scans))
    every = [ms for lat in result["latencies"].values() for ms in lat]
    flows = {name: {"scans": len(lat), "p50_ms": round(percentile(lat, 50), 3),
                    "p99_ms": round(percentile(lat, 99), 3)} for name, lat in result["latencies"].items()}
    rss_mb = peak_rss_mb()
    work = [a for a, _ in result["split"]]
    paint = [b for _, b in result["split"]]
    print(json.dumps({"processing_p50_ms": percentile(work, 50), "repaint_p50_ms": percentile(paint, 50),
                      "mode": args.mode, "scans": len(every), "p50_ms": percentile(every, 50),
                      "p99_ms": percentile(every, 99), "max_ms": max(every), "flows": flows,
                      "postings": result["postings"], "rss_mb": rss_mb}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
