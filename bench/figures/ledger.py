"""Figure 2: ledger throughput on SQLite (WAL) against raw sqlite3 doing the least a posting needs.

Both run in the same process, on the same store (this run's copy of the large one), with
the same pragmas, one transaction per posting, in alternating chunks so that a noisy
neighbour slows both alike. The postings follow goods through the warehouse (receipt to the
dock, put-away, pick, ship) over 50 items, so every posting is accepted.

The least SQL a posting needs (raw): BEGIN IMMEDIATE; read both balance rows; INSERT the
movement; UPDATE both balances; COMMIT. The ledger adds its checks, the idempotency key
look-up and the ORM around the same statements.

    python -m bench.figures.ledger --db PATH --postings N [--sync NORMAL|FULL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import time
from pathlib import Path

from bench.common import Measure, run_json

CHUNKS = 4
WARM_UP = 200
STEPS = (("receipt", "@SUPPLIER", "DOCK", 4), ("putaway", "DOCK", "HOME", 4),
         ("pick", "HOME", "SHIP", 3), ("ship", "SHIP", "@CUSTOMER", 3))


def run(ctx) -> list[Measure]:
    normal = run_json(["-m", "bench.figures.ledger", "--db", str(ctx.work), "--postings", str(ctx.postings),
                       "--sync", "NORMAL"])
    full = run_json(["-m", "bench.figures.ledger", "--db", str(ctx.work),
                     "--postings", str(max(400, ctx.postings // 5)), "--sync", "FULL"])
    ctx.log(f"ledger: {normal['ledger_per_s']:.0f} postings/s, raw {normal['raw_per_s']:.0f}/s (NORMAL); "
            f"FULL: {full['ledger_per_s']:.0f}/s, raw {full['raw_per_s']:.0f}/s")
    return [Measure("ledger_postings_per_s", normal["ledger_per_s"], "postings/s", normal["raw_per_s"],
                    "raw sqlite3, least SQL per posting, same store and pragmas",
                    {"min": 5000, "max_ratio": 4}, lower_is_better=False,
                    note="synchronous=NORMAL (WAL); with FULL every commit waits for fsync, see detail",
                    detail={"postings": normal["postings"],
                            "synchronous_full": {"ledger_per_s": round(full["ledger_per_s"]),
                                                 "raw_per_s": round(full["raw_per_s"]),
                                                 "ratio": round(full["raw_per_s"] / full["ledger_per_s"], 2)}})]


def _plan(n: int):
    """N postings (item, from, to, qty, kind) as codes, following goods through the warehouse."""
    from db.core.models import Balance, Item, Location
    import peewee as pw
    homes = (Balance.select(Balance.item, pw.fn.MIN(Balance.location))
             .join(Location, on=(Balance.location == Location.id))
             .join_from(Balance, Item, on=(Balance.item == Item.id))
             .where(Location.kind == "storage", Item.lot_tracked == False)  # noqa: E712
             .group_by(Balance.item).order_by(Balance.item).limit(50).tuples())
    homes = list(homes)
    dock = Location.get(Location.kind == "receiving").id
    ship = Location.get(Location.kind == "shipping").id
    virtual = {l.code: l.id for l in Location.select().where(Location.code.startswith("@"))}
    out = []
    k = 0
    while len(out) < n:
        item, home = homes[k % len(homes)]
        step = STEPS[(k // len(homes)) % len(STEPS)]
        ends = {"DOCK": dock, "SHIP": ship, "HOME": home, **virtual}
        out.append((item, ends[step[1]], ends[step[2]], step[3], step[0]))
        k += 1
    return out[:n]


def measure(db: Path, postings: int, sync: str) -> dict:
    from db.core.connection import database, open_database
    from db.ledger.posting import Posting, post
    from db.core.models import Item, Location
    from db.core.checkpoint import background_checkpoints, stop_background
    open_database(f"sqlite:///{db}", synchronous=sync).connect(reuse_if_open=True)
    # As in the station app (`wh run`): a thread checkpoints the log, for both sides alike.
    checkpointer = background_checkpoints()
    inline_pages = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    # Two plans over the same goods: the ledger's and raw's postings never collide on keys.
    plan = _plan(postings)
    items = {i.id: i for i in Item.select().where(Item.id.in_({p[0] for p in plan}))}
    locs = {l.id: l for l in Location.select()
            .where(Location.id.in_({p[1] for p in plan} | {p[2] for p in plan}))}
    raw = sqlite3.connect(str(db), isolation_level=None, timeout=10)
    for pragma in ("journal_mode=wal", "foreign_keys=1", "busy_timeout=10000", f"synchronous={sync}",
                   f"wal_autocheckpoint={inline_pages}"):
        raw.execute(f"PRAGMA {pragma}")
    stamp = time.strftime("%H%M%S")

    def ledger_side(chunk, tag):
        for n, (item, src, dst, qty, kind) in enumerate(chunk):
            post(Posting(item=items[item], qty=qty, from_location=locs[src], to_location=locs[dst], kind=kind,
                         operator="BENCH", station="ST-BENCH", key=f"bench-ledger:{stamp}:{sync}:{tag}:{n}"))

    def raw_side(chunk, tag):
        for n, (item, src, dst, qty, kind) in enumerate(chunk):
            raw_post(raw, item, src, dst, qty, kind, f"bench-raw:{stamp}:{sync}:{tag}:{n}")

    # Untimed warm-up of both sides: the statement caches, the pages of the 50 items' rows.
    ledger_side(plan[:WARM_UP], "warm")
    raw_side(plan[:WARM_UP], "warm")
    seconds = {ledger_side: 0.0, raw_side: 0.0}
    size = -(-postings // CHUNKS)
    for c in range(CHUNKS):
        chunk = plan[c * size:(c + 1) * size]
        # Each side goes first in half of the chunks: neither always meets the other's log.
        for side in ((ledger_side, raw_side) if c % 2 == 0 else (raw_side, ledger_side)):
            t0 = time.perf_counter()
            side(chunk, c)
            seconds[side] += time.perf_counter() - t0
    ledger_s, raw_s = seconds[ledger_side], seconds[raw_side]
    raw.close()
    stop_background(checkpointer)
    database.close()
    return {"postings": len(plan), "ledger_s": ledger_s, "raw_s": raw_s,
            "background_checkpoints": checkpointer.checkpoints,
            "ledger_per_s": len(plan) / ledger_s, "raw_per_s": len(plan) / raw_s}


def raw_post(conn: sqlite3.Connection, item: int, src: int, dst: int, qty: int, kind: str, key: str) -> int:
    """The least SQL that posts one movement and keeps both balances."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(" ")
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids = []
        for loc in (src, dst):
            row = conn.execute("SELECT id, qty FROM balance WHERE item_id = ? AND location_id = ? "
                               "AND lot_id IS NULL", (item, loc)).fetchone()
            if row is None:
                cur = conn.execute("INSERT INTO balance (item_id, location_id, lot_id, qty, allocated, updated_at) "
                                   "VALUES (?, ?, NULL, 0, 0, ?)", (item, loc, now))
                row = (cur.lastrowid, 0)
            ids.append(row)
        cur = conn.execute(
            "INSERT INTO movement (item_id, lot_id, from_location_id, to_location_id, qty, kind, operator, station, "
            "created_at, idempotency_key, document, reason) VALUES (?, NULL, ?, ?, ?, ?, 'BENCH', 'ST-BENCH', ?, ?, '', '')",
            (item, src, dst, qty, kind, now, key))
        conn.execute("UPDATE balance SET qty = qty - ?, updated_at = ? WHERE id = ?", (qty, now, ids[0][0]))
        conn.execute("UPDATE balance SET qty = qty + ?, updated_at = ? WHERE id = ?", (qty, now, ids[1][0]))
        conn.execute("COMMIT")
        return cur.lastrowid
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.figures.ledger")
    parser.add_argument("--db", required=True)
    parser.add_argument("--postings", type=int, default=20000)
    parser.add_argument("--sync", choices=("NORMAL", "FULL"), default="NORMAL")
    args = parser.parse_args(argv)
    print(json.dumps(measure(Path(args.db), args.postings, args.sync)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
