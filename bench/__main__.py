"""`python -m bench` (and `make bench`): measure the station against its targets.

    python -m bench                 the full run on the full-size store (generated once, cached)
    python -m bench --quick --json  a run of under a minute on a small store, one JSON object out

See docs/bench.md for every flag and bench/RESULTS.md for the latest results.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from .common import PG_BASE, Context, Measure, copy_store, machine
from .generate import DATA_DIR, Plan, ensure_store, read_meta

FIGURES = ("startup", "import", "ledger", "reports", "scan", "stations")


def _figure(name: str):
    from .figures import importing, ledger, reports, scan, startup, stations
    return {"startup": startup, "import": importing, "ledger": ledger, "reports": reports,
            "scan": scan, "stations": stations}[name]


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description="benchmark the station against its targets")
    p.add_argument("--quick", action="store_true", help="small store and short runs: under a minute")
    p.add_argument("--json", action="store_true", help="print one JSON object (progress goes to stderr)")
    p.add_argument("--scale", type=float, help="store size as a fraction of full (default 1, or 0.01 with --quick)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--only", metavar="FIG[,FIG]", help=f"run only these figures: {', '.join(FIGURES)}")
    p.add_argument("--scans", type=int, help="scans in the app (default 2000, quick 200)")
    p.add_argument("--postings", type=int, help="ledger postings per side (default 20000, quick 8000)")
    p.add_argument("--stations", type=int, default=16, help="PostgreSQL station processes (default 16)")
    p.add_argument("--seconds", type=float, help="how long the stations run (default 30, quick 3)")
    p.add_argument("--import-items", type=int, help="items in the CSV import (default 100000, quick 10000)")
    p.add_argument("--repeats", type=int, help="runs per report and start-up time (default 3)")
    p.add_argument("--pg", default=PG_BASE, metavar="URL", help=f"PostgreSQL database (default {PG_BASE})")
    p.add_argument("--data-dir", default=str(DATA_DIR), help="where generated stores are cached")
    p.add_argument("--out", metavar="FILE", help="also write the JSON result to FILE")
    p.add_argument("--keep", action="store_true", help="keep this run's working copy of the store")
    args = p.parse_args(argv)
    q = args.quick
    args.scale = args.scale if args.scale is not None else (0.01 if q else 1.0)
    args.scans = args.scans or (200 if q else 2000)
    args.postings = args.postings or (8000 if q else 20000)
    args.seconds = args.seconds or (3.0 if q else 30.0)
    args.import_items = args.import_items or (10_000 if q else 100_000)
    args.repeats = args.repeats or 3
    args.only = [f.strip() for f in args.only.split(",")] if args.only else list(FIGURES)
    unknown = [f for f in args.only if f not in FIGURES]
    if unknown:
        p.error(f"unknown figure {', '.join(unknown)}; figures are {', '.join(FIGURES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    out = sys.stderr if args.json else sys.stdout

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {text}", file=out, flush=True)

    plan = Plan.at(args.scale, args.seed)
    data_dir = Path(args.data_dir)
    store = ensure_store(plan, data_dir, log=log)
    run_dir = data_dir / f"run-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir.mkdir(parents=True, exist_ok=True)
    work = run_dir / "work.db"
    copy_store(store, work)
    # Bring the copy to the current schema as a site does after upgrading (`wh init`): a store
    # cached by an older version gets the newer indexes here.
    subprocess.run([str(Path(sys.executable).parent / "wh"), "--db", f"sqlite:///{work}", "init"],
                   check=True, capture_output=True)
    log(f"store {store.name} copied for this run and upgraded with `wh init`")
    ctx = Context(quick=args.quick, scale=args.scale, store=store, work=work, tmp=run_dir, scans=args.scans,
                  postings=args.postings, stations=args.stations, station_seconds=args.seconds,
                  import_items=args.import_items, repeats=args.repeats, pg_url=args.pg, log=log, plan=plan)
    measures: list[Measure] = []
    errors: dict[str, str] = {}
    try:
        for name in args.only:
            # Each figure starts on a quiet disk: the ledger figure alone leaves hundreds of MB
            # for the kernel to write back, which the next figure's fsyncs would wait behind.
            os.sync()
            log(f"figure: {name}")
            try:
                measures.extend(_figure(name).run(ctx))
            except Exception as exc:  # one broken figure must not hide the others
                errors[name] = f"{type(exc).__name__}: {exc}"
                log(f"figure {name} FAILED: {errors[name]}")
                if not args.json:
                    traceback.print_exc()
    finally:
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    result = {
        "quick": args.quick, "scale": args.scale, "store": read_meta(store)["counts"],
        "seconds": round(time.perf_counter() - started, 1), "machine": machine(),
        "figures": {m.name: m.as_json() for m in measures},
        "errors": errors,
        "passed": not errors and all(m.passed for m in measures),
    }
    text = json.dumps(result, indent=None if args.json else 2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        print(text)
    else:
        print(table(measures, errors))
        print(f"\n{'ALL TARGETS MET' if result['passed'] else 'SOME TARGETS MISSED'} "
              f"({result['seconds']} s, scale {args.scale:g})")
    return 1 if errors else 0


def table(measures: list[Measure], errors: dict[str, str]) -> str:
    lines = [f"{'figure':<28} {'value':>12} {'baseline':>12} {'ratio':>7}  {'target':<26} result",
             "-" * 96]
    for m in measures:
        r = m.ratio
        lines.append(f"{m.name:<28} {m.value:>12.4g} {m.baseline if m.baseline is not None else '-':>12.4} "
                     f"{(f'{r:.2f}' if r is not None else '-'):>7}  {m.target_text() or '-':<26} "
                     f"{'pass' if m.passed else 'MISS'}")
    for name, err in errors.items():
        lines.append(f"{name:<28} ERROR {err}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
