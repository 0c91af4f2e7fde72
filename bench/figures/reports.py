"""Figure 3: the reports on the large store, each ≤ 1 s.

Each report runs as `wh report` runs it (`db.reports.catalog.run_report` with the config's
settings), with the period ending on the generated history's last day, so the defaults
(90 days of turnover, 365 days of ABC) cover real data whatever today's date is. "Stock by
location" is `db.inventory.stock()`, the whole `wh stock` listing (every item × location ×
lot holding stock).

Baseline: one full scan of the ledger in raw sqlite3 (`SELECT COUNT(*), SUM(qty) FROM
movement`): what reading every movement once costs on this machine, this run.

    python -m bench.figures.reports --db PATH [--repeats N]
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

from bench.common import Measure, median, run_json

ROOT = Path(__file__).resolve().parents[2]


def reports(end):
    """name -> function running that report as the CLI would."""
    from db.inventory import stock
    from db.reports.catalog import run_report
    from terminal import config as config_mod
    settings = config_mod.load(str(ROOT / "config.toml"), "sqlite:///unused.db").values
    return {
        "stock_by_location": lambda: (stock(warehouse="WH1"), None),
        "alerts": lambda: run_report("alerts", settings),
        "abc": lambda: run_report("abc", settings, None, end),
        "turnover": lambda: run_report("turnover", settings, None, end),
        "supplier_scorecard": lambda: run_report("suppliers", settings, today=end),
        "sales_by_month": lambda: run_report("sales", settings, by="month"),
    }


def measure(db: Path, repeats: int) -> dict:
    from bench.generate import END_DAY
    from db.core.connection import database, open_database
    open_database(f"sqlite:///{db}").connect(reuse_if_open=True)
    out = {}
    for name, fn in reports(END_DAY).items():
        times, rows = [], 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
            rows = len(result[0])
        out[name] = {"median_s": median(times), "first_s": times[0], "rows": rows}
    database.close()
    raw = sqlite3.connect(str(db))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        raw.execute("SELECT COUNT(*), SUM(qty) FROM movement").fetchone()
        times.append(time.perf_counter() - t0)
    raw.close()
    return {"reports": out, "baseline_s": median(times)}


def run(ctx) -> list[Measure]:
    res = run_json(["-m", "bench.figures.reports", "--db", str(ctx.work), "--repeats", str(ctx.repeats)])
    base = res["baseline_s"]
    out = []
    for name, r in res["reports"].items():
        ctx.log(f"report {name}: {r['median_s']:.3f} s ({r['rows']} rows)")
        out.append(Measure(f"report_{name}", r["median_s"], "s", base, "raw full scan of the ledger (COUNT, SUM)",
                           {"max": 1.0}, detail={"rows": r["rows"], "first_run_s": round(r["first_s"], 3)}))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.figures.reports")
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(measure(Path(args.db), args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
