"""Soak run: 4 stations over a one-hour shift, compressed in time. Not part of `make test`.

    python -m bench.soak                      # 4 stations, the hour in 5 minutes, SQLite
    python -m bench.soak --minutes 60         # the real hour
    python -m bench.soak --db postgresql://127.0.0.1:5432/test   # a private schema, dropped after
    python -m bench.soak --minutes 1 --json   # one JSON object on stdout

Each station is its own process running the real station pieces: the ordered Station queue,
the barcode decoder on the store, and the flows (receiving against its own purchase order,
transfers between shelves, lookups), with a headless UI in place of the screen. A shift is
`--scans` scans per station (default 1200: one every 3 s for an hour), paced evenly over
`--minutes`.

Reported per station: scan latency (submit → answered) in the first and the last tenth of
the shift and how it drifted, memory (RSS) at the start and the end and how it grew; then for
the store: movements posted, and `verify()`. A leak or a slowdown over a shift shows up as
growth or drift.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
import uuid

ITEMS = 20
SHELVES = 40


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def barcode(i: int) -> str:
    return ean13(f"40000000{i:04d}")


# --- the store ---------------------------------------------------------------------------------

def seed(url: str, stations: int, scans: int) -> None:
    from db.core.connection import open_database
    from db.ledger.posting import Posting, post
    from db.core.models import (VIRTUAL_CODES, Barcode, Item, Location, Operator, PurchaseOrder, PurchaseOrderLine,
                                Supplier, Warehouse)
    from db.core.schema import init_schema
    db = open_database(url)
    db.connect(reuse_if_open=True)
    init_schema()
    wh = Warehouse.create(code="WH1", name="Soak")
    Location.create(code="DOCK-1", kind="receiving", warehouse=wh, zone="DOCK")
    Location.create(code="QA-1", kind="quarantine", warehouse=wh, zone="QA")
    shelves = [Location.create(code=f"S-{n:03d}", warehouse=wh, zone="S", pick_sequence=n) for n in range(SHELVES)]
    sup = Supplier.create(code="SUP1", name="Supplier")
    gain = Location.get(Location.code == VIRTUAL_CODES["inventory-gain"])
    items = []
    for i in range(ITEMS):
        it = Item.create(sku=f"I{i:03d}", name=f"Item {i}", unit_cost=1)
        Barcode.create(code=barcode(i), item=it, pack_qty=1)
        items.append(it)
        for shelf in shelves[i::ITEMS][:2]:
            post(Posting(item=it, qty=100_000, from_location=gain, to_location=shelf, kind="opening", operator="SETUP"))
    for s in range(stations):
        Operator.create(code=f"W{s}", name=f"Worker {s}")
        po = PurchaseOrder.create(number=f"PO-{s}", supplier=sup)
        for n, it in enumerate(items, 1):
            PurchaseOrderLine.create(po=po, line_no=n, item=it, qty_ordered=scans * 10, unit_cost=1)
    db.close()


# --- one station -------------------------------------------------------------------------------

class HeadlessUI:
    def __init__(self, flow):
        self.flow = flow
        self.last = None

    def current_flow(self):
        return self.flow

    def navigate(self, flow, target):
        pass

    def show(self, feedback, view):
        self.last = feedback

    def waiting(self, count):
        pass

    def store_status(self, text):
        pass


def station(index: int, url: str, scans: int, seconds: float, start_at: float, out) -> None:
    import random
    from db.core.connection import open_database
    from terminal import config
    from terminal.flows.lookup import LookupFlow
    from terminal.flows.receiving import ReceivingFlow
    from terminal.flows.transfer import TransferFlow
    from terminal.resolver import make_decoder
    from terminal.session import Session
    from terminal.station import Station
    from devices.scan import make_scan

    cfg = config.load(None, url)
    cfg.values["station"]["id"] = f"SOAK-{index}"
    cfg.values["database"]["retry_delay_ms"] = 50
    open_database(url, synchronous=cfg.get("database.sqlite_synchronous")).connect(reuse_if_open=True)
    session = Session.from_config(cfg)
    session.login(f"W{index}", f"Worker {index}", "worker")
    rng = random.Random(index)
    flows = {"receive": ReceivingFlow(session), "transfer": TransferFlow(session), "lookup": LookupFlow(session)}
    for f in flows.values():
        f.start()
    ui = HeadlessUI(flows["receive"])
    st = Station(session, make_decoder(cfg), ui, retry_pause_s=0.05)
    st.start()

    def do(kind, text, flow):
        ui.flow = flow
        t0 = time.perf_counter()
        if kind == "scan":
            st.submit_scan(make_scan(text, "soak"))
        elif kind == "action":
            st.submit_action(text)
        else:
            st.submit_text(text)
        st.wait_idle(60)
        if st.blocked is not None:
            if len(messages) < 5:
                messages.append(st.blocked.message)
            st.acknowledge()
            errors[0] += 1
        return time.perf_counter() - t0

    errors = [0]
    messages: list[str] = []
    samples: list[tuple[float, float]] = []      # (fraction of the shift, latency)
    memory: list[tuple[float, int]] = []
    while time.time() < start_at:
        time.sleep(0.01)
    t_start = time.monotonic()
    do("scan", f"PO-{index}", flows["receive"])
    memory.append((0.0, rss_kib()))
    for n in range(scans):
        due = t_start + seconds * n / scans
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        frac = n / scans
        job = rng.random()
        i = rng.randrange(ITEMS)
        if job < 0.5:
            lat = do("scan", barcode(i), flows["receive"])
        elif job < 0.85:
            src = f"S-{i:03d}"
            dst = f"S-{(i + ITEMS * rng.randrange(1, SHELVES // ITEMS)) % SHELVES:03d}"
            if flows["transfer"].state != "source":      # Esc: back to "scan the source"
                do("action", "back", flows["transfer"])
            do("scan", src, flows["transfer"])
            do("scan", barcode(i), flows["transfer"])
            lat = do("scan", dst, flows["transfer"])
        else:
            lat = do("scan", barcode(i), flows["lookup"])
        samples.append((frac, lat))
        if n % max(1, scans // 20) == 0:
            memory.append((frac, rss_kib()))
    memory.append((1.0, rss_kib()))
    st.stop()
    out.put({"station": index, "samples": samples, "memory": memory, "errors": errors[0],
             "messages": messages, "wall_s": time.monotonic() - t_start})


# --- the run -----------------------------------------------------------------------------------

def _pct(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summarise(result: dict) -> dict:
    first = [l for f, l in result["samples"] if f < 0.1]
    last = [l for f, l in result["samples"] if f >= 0.9]
    mem = result["memory"]
    return {
        "station": result["station"], "scans": len(result["samples"]), "errors": result["errors"],
        "p50_first_ms": _pct(first, 0.5) * 1000, "p50_last_ms": _pct(last, 0.5) * 1000,
        "p95_first_ms": _pct(first, 0.95) * 1000, "p95_last_ms": _pct(last, 0.95) * 1000,
        "drift_p50_pct": ((_pct(last, 0.5) / _pct(first, 0.5)) - 1) * 100 if first and last and _pct(first, 0.5) else 0.0,
        "rss_start_mib": mem[0][1] / 1024, "rss_end_mib": mem[-1][1] / 1024,
        "rss_growth_mib": (mem[-1][1] - mem[0][1]) / 1024,
        "rss_after_warmup_growth_mib": (mem[-1][1] - next((m for f, m in mem if f >= 0.1), mem[0][1])) / 1024,
        "wall_s": result["wall_s"], "first_errors": result["messages"],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5.0, help="wall-clock length of the compressed hour (default 5)")
    p.add_argument("--stations", type=int, default=4)
    p.add_argument("--scans", type=int, default=1200, help="scans per station in the shift (default 1200)")
    p.add_argument("--db", metavar="URL", help="sqlite:///file or postgresql://host:port/db (a private schema is made)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)

    schema = None
    tmp = tempfile.mkdtemp(prefix="wh-soak-")
    if args.db and args.db.startswith("postgres"):
        import psycopg2
        from urllib.parse import urlsplit
        schema = f"soak_{uuid.uuid4().hex[:10]}"
        u = urlsplit(args.db)
        conn = psycopg2.connect(host=u.hostname, port=u.port or 5432, dbname=u.path.lstrip("/"), user=u.username)
        conn.autocommit = True
        conn.cursor().execute(f"CREATE SCHEMA {schema}")
        conn.close()
        url = f"{args.db}{'&' if '?' in args.db else '?'}schema={schema}"
    else:
        url = args.db or f"sqlite:///{tmp}/soak.db"
    try:
        seed(url, args.stations, args.scans)
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        start_at = time.time() + 3
        procs = [ctx.Process(target=station, args=(i, url, args.scans, args.minutes * 60, start_at, out))
                 for i in range(args.stations)]
        for proc in procs:
            proc.start()
        results = [out.get(timeout=args.minutes * 60 * 3 + 300) for _ in procs]
        for proc in procs:
            proc.join(60)
        from db.core.connection import open_database
        from db.ledger.posting import verify
        from db.core.models import Movement
        db = open_database(url)
        db.connect(reuse_if_open=True)
        check = verify()
        movements = Movement.select().count()
        db.close()
        rows = [summarise(r) for r in sorted(results, key=lambda r: r["station"])]
        report = {"minutes": args.minutes, "stations": args.stations, "scans_per_station": args.scans,
                  "store": "postgresql" if schema else "sqlite", "movements": movements,
                  "ledger_consistent": check.consistent, "stations_detail": rows}
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(f"soak: {args.stations} stations × {args.scans} scans over {args.minutes:g} min "
                  f"({report['store']}); {movements} movements; {check.summary()}")
            print(f"{'station':>7} {'scans':>6} {'err':>4} {'p50 first→last ms':>20} {'p95 first→last ms':>20} "
                  f"{'drift':>7} {'RSS start→end MiB':>19} {'growth':>7}")
            for r in rows:
                print(f"{r['station']:>7} {r['scans']:>6} {r['errors']:>4} "
                      f"{r['p50_first_ms']:>9.1f}→{r['p50_last_ms']:<9.1f} {r['p95_first_ms']:>9.1f}→{r['p95_last_ms']:<9.1f} "
                      f"{r['drift_p50_pct']:>6.0f}% {r['rss_start_mib']:>8.1f}→{r['rss_end_mib']:<9.1f} "
                      f"{r['rss_growth_mib']:>6.1f}")
                for m in r["first_errors"]:
                    print(f"        error: {m}")
        return 0 if check.consistent and all(r["errors"] == 0 for r in rows) else 1
    finally:
        if schema:
            import psycopg2
            from urllib.parse import urlsplit
            u = urlsplit(args.db)
            conn = psycopg2.connect(host=u.hostname, port=u.port or 5432, dbname=u.path.lstrip("/"), user=u.username)
            conn.autocommit = True
            conn.cursor().execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
