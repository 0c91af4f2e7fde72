"""Figure 6: importing 100,000 items from CSV (≤ 15 s), into a fresh store.

The CSV is written deterministically (every column of the items format, a preferred
supplier on each row) and imported with `db.importer.import_csv`, the function behind
`wh import items`: header and every cell checked, then all rows upserted in one transaction.

Baseline: the least work that gets the same rows in: `csv.reader` over the same file and
one `executemany` INSERT in raw sqlite3 into an identical fresh store.

    python -m bench.figures.importing --dir TMP --items N
"""
from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import time
from pathlib import Path

from bench.common import Measure, run_json

SUPPLIERS = 50
FULL_ITEMS = 100_000
TARGET_S = 15.0


def write_csv(path: Path, n: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "uom", "unit_cost", "unit_price", "reorder_point", "reorder_qty",
                    "max_qty", "lot_tracked", "expiry_tracked", "supplier"])
        for i in range(1, n + 1):
            cost = 1 + (i * 37 % 5000) / 100
            lot = "yes" if i % 30 == 0 else "no"
            w.writerow([f"IMP-{i:06d}", f"Imported item {i}", "EA", f"{cost:.2f}", f"{cost * 1.5:.2f}",
                        i % 50, (i % 50) * 3, (i % 50) * 10, lot, lot, f"S{i % SUPPLIERS:03d}"])


def _fresh(path: Path) -> None:
    from db.core.connection import database, open_database
    from db.core.schema import init_schema
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_database(f"sqlite:///{path}").connect(reuse_if_open=True)
    init_schema()
    database.close()


def measure(tmp: Path, n: int) -> dict:
    from db.core.connection import database, open_database
    from db.io.importer import import_csv
    tmp.mkdir(parents=True, exist_ok=True)
    items_csv, sup_csv = tmp / "items.csv", tmp / "suppliers.csv"
    write_csv(items_csv, n)
    with open(sup_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name"])
        w.writerows([f"S{s:03d}", f"Supplier {s}"] for s in range(SUPPLIERS))
    store, raw_store = tmp / "import.db", tmp / "import-raw.db"
    _fresh(store)
    _fresh(raw_store)
    open_database(f"sqlite:///{store}").connect(reuse_if_open=True)
    import_csv("suppliers", sup_csv)
    t0 = time.perf_counter()
    result = import_csv("items", items_csv)
    app_s = time.perf_counter() - t0
    database.close()
    if result.created != n:
        raise RuntimeError(f"import created {result.created} items, expected {n}")

    conn = sqlite3.connect(str(raw_store), isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executemany("INSERT INTO supplier (code, name, lead_time_days, contact, active) VALUES (?, ?, 7, '', 1)",
                     [(f"S{s:03d}", f"Supplier {s}") for s in range(SUPPLIERS)])
    t0 = time.perf_counter()
    sup = dict(conn.execute("SELECT code, id FROM supplier").fetchall())
    with open(items_csv, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        data = [(r[0], r[1], r[2], float(r[3]), float(r[4]), int(r[5]), int(r[6]), int(r[7]),
                 r[8] == "yes", r[9] == "yes", sup[r[10]]) for r in rows]
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO item (sku, name, uom, unit_cost, unit_price, reorder_point, reorder_qty, max_qty, "
                     "lot_tracked, expiry_tracked, preferred_supplier_id, active) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", data)
    conn.execute("COMMIT")
    raw_s = time.perf_counter() - t0
    conn.close()
    return {"items": n, "import_s": app_s, "raw_s": raw_s}


def run(ctx) -> list[Measure]:
    res = run_json(["-m", "bench.figures.importing", "--dir", str(ctx.tmp / "import"), "--items", str(ctx.import_items)])
    target = TARGET_S * res["items"] / FULL_ITEMS
    ctx.log(f"import: {res['items']} items in {res['import_s']:.2f} s (raw {res['raw_s']:.2f} s)")
    note = "" if res["items"] == FULL_ITEMS else \
        f"{res['items']} items; target scaled from 15 s for 100,000 items"
    return [Measure("import_items", res["import_s"], "s", res["raw_s"], "csv.reader + raw executemany INSERT",
                    {"max": round(target, 3)}, note=note, detail={"items": res["items"]})]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.figures.importing")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--items", type=int, default=FULL_ITEMS)
    args = parser.parse_args(argv)
    print(json.dumps(measure(Path(args.dir), args.items)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
