"""A deterministic large warehouse for the benchmarks, written fast with raw sqlite3.

Full scale (scale 1.0): 100,000 items, 20,000 locations, 5,000,000 movements over two years,
50,000 purchase-order lines and 50,000 sales-order lines. `scale` shrinks every count in
proportion (0.01 for the quick run).

Why raw sqlite3 and not the ledger: posting 5 million movements one by one through
`db.ledger.post` would take hours. Instead the history is simulated day by day in memory
(balances included, so a pick never takes stock that is not there) and written with
`executemany` in big transactions; the movement and balance indexes are dropped during the
load and rebuilt after it (one sorted build is far faster than 5 million index inserts).
The schema itself comes from `db.schema.init_schema`, so the tables are exactly the app's.
The result satisfies `db.ledger.verify()`: every balance equals the sum of its movements.

Determinism: one `random.Random(seed)`, a fixed calendar (history ends on END_DAY, not
"today") and no iteration over string-keyed sets; the same scale and seed give the same
store byte for byte in its rows.

Shape of the history (documented in docs/bench.md):
- day 0: opening stock of every item at its home location (from @GAIN, kind "opening");
- purchase orders of 5 lines; each line is received on its due day (± jitter) in several
  case scans (receipt, supplier → dock), a few with a rejected scan (→ quarantine), a few
  receipts undone at once; then put away (dock → home location);
- sales orders of 4 lines, picked the day after they were taken in several scans
  (home → shipping bay) and shipped the same afternoon (shipping bay → @CUSTOMER);
- the rest of each day's budget: moves between an item's home and overflow locations,
  losses, found stock and count corrections;
- documents created near END_DAY stay open (POs not yet due, SOs not yet picked).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from devices.gs1 import check_digit

GENERATOR_VERSION = 2

FULL = {"items": 100_000, "locations": 20_000, "movements": 5_000_000,
        "po_lines": 50_000, "so_lines": 50_000}

END_DAY = dt.date(2026, 10, 31)     # the last day of history: fixed, so the data never drifts
DAYS = 730                          # two years
PO_LINES_PER_PO = 5
SO_LINES_PER_SO = 4
OTHER_SHARE = 0.10                  # moves, losses, found stock, counts
DATA_DIR = Path(__file__).resolve().parent / "data"

Log = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    scale: float
    seed: int
    items: int
    locations: int
    movements: int
    po_lines: int
    so_lines: int

    @classmethod
    def at(cls, scale: float, seed: int = 1) -> "Plan":
        if scale <= 0:
            raise ValueError(f"the scale must be above 0, got {scale}")
        n = {k: max(1, round(v * scale)) for k, v in FULL.items()}
        n["locations"] = max(n["locations"], 30)
        n["items"] = max(n["items"], 20)
        return cls(scale=scale, seed=seed, **n)

    @property
    def suppliers(self) -> int:
        return max(5, round(200 * self.scale))

    @property
    def customers(self) -> int:
        return max(10, round(2000 * self.scale))

    @property
    def first_day(self) -> dt.date:
        return END_DAY - dt.timedelta(days=DAYS - 1)

    def key(self) -> str:
        return f"s{self.scale:g}-seed{self.seed}-v{GENERATOR_VERSION}"


# ---------------------------------------------------------------------------- the cache

def store_path(plan: Plan, data_dir: Path = DATA_DIR) -> Path:
    return Path(data_dir) / f"store-{plan.key()}.db"


def ensure_store(plan: Plan, data_dir: Path = DATA_DIR, log: Log = lambda s: None) -> Path:
    """The cached store of PLAN, generated first if it is not there yet."""
    path = store_path(plan, data_dir)
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    counts = generate(tmp, plan, log)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    os.replace(tmp, path)
    meta.write_text(json.dumps({"plan": asdict(plan), "counts": counts}, indent=2))
    log(f"generated {path.name} in {counts['seconds']} s")
    return path


def read_meta(path: Path) -> dict:
    return json.loads(Path(path).with_suffix(".json").read_text())


# ---------------------------------------------------------------------------- helpers

def ean13(n: int) -> str:
    """A valid EAN-13 in the GS1 restricted-circulation range 2xxxxxxxxxxxx."""
    body = f"2{n:011d}"
    return body + str(check_digit(body))


def case_gtin(ean: str) -> str:
    """The GTIN-14 of a case holding the each of EAN (indicator digit 1)."""
    body = "1" + ean[:12]
    return body + str(check_digit(body))


def _ts(day: dt.date, seconds: int) -> str:
    """The text peewee stores for a naive datetime with whole seconds."""
    return (dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def _money(x: float) -> float:
    return round(x, 2)


# ---------------------------------------------------------------------------- the generator

def generate(path: Path, plan: Plan, log: Log = lambda s: None) -> dict:
    """Write a new store at PATH for PLAN. Returns the row counts."""
    from db.core.connection import database, open_database
    from db.core.schema import init_schema
    db = open_database(f"sqlite:///{path}")
    db.connect(reuse_if_open=True)
    init_schema()
    database.close()

    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        counts = _Builder(conn, plan, log).run()
    finally:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
    # The reports' per-day summary, as a store that has been running reports all along has it.
    from db.ledger import flow_summary
    db = open_database(f"sqlite:///{path}")
    db.connect(reuse_if_open=True)
    started = time.perf_counter()
    flow_summary.refresh()
    database.close()
    log(f"report summary filled in {time.perf_counter() - started:.1f} s")
    return counts


class _Builder:
    def __init__(self, conn: sqlite3.Connection, plan: Plan, log: Log):
        self.conn = conn
        self.plan = plan
        self.log = log
        self.rng = random.Random(plan.seed)
        self.virtual = dict(conn.execute("SELECT code, id FROM location WHERE code LIKE '@%'").fetchall())
        # (item, location, lot or 0) -> qty: the balances, kept while the history is written.
        self.bal: dict[tuple[int, int, int], int] = {}
        self.lots_at: dict[tuple[int, int], list[int]] = {}    # lot-tracked stock per place
        self.movements: list[tuple] = []
        self.next_movement = 1
        self.written = 0

    # --- master data ------------------------------------------------------------------------

    def run(self) -> dict:
        p, rng, c = self.plan, self.rng, self.conn
        t0 = time.perf_counter()
        c.execute("BEGIN")
        c.execute("INSERT INTO warehouse (id, code, name) VALUES (1, 'WH1', 'Main warehouse')")
        self.docks, self.ships, self.quarantine = [], [], None
        rows = []
        next_id = max(self.virtual.values()) + 1
        for n in range(4):
            rows.append((next_id, f"DOCK-{n + 1:02d}", 1, "DOCK", "receiving", n + 1))
            self.docks.append(next_id)
            next_id += 1
        for n in range(4):
            rows.append((next_id, f"SHIP-{n + 1:02d}", 1, "SHIP", "shipping", 10 + n))
            self.ships.append(next_id)
            next_id += 1
        rows.append((next_id, "QA-01", 1, "QA", "quarantine", 20))
        self.quarantine = next_id
        next_id += 1
        n_storage = p.locations - len(self.virtual) - len(rows)
        self.storage = []
        for n in range(n_storage):
            zone = chr(ord("A") + (n // 1000) % 26)
            aisle, rest = divmod(n % 1000, 40)
            bay, level = divmod(rest, 4)
            code = f"{zone}{n // 26000 or ''}-{aisle:02d}-{bay:02d}-{level + 1}"
            rows.append((next_id, code, 1, zone, "storage", 100 + n))
            self.storage.append(next_id)
            next_id += 1
        c.executemany("INSERT INTO location (id, code, warehouse_id, zone, kind, pick_sequence, active) "
                      "VALUES (?, ?, ?, ?, ?, ?, 1)", rows)
        self.location_codes = {r[0]: r[1] for r in rows}

        c.executemany("INSERT INTO supplier (id, code, name, lead_time_days, contact, active) VALUES (?, ?, ?, ?, ?, 1)",
                      [(s, f"SUP{s:04d}", f"Supplier {s}", rng.choice((2, 3, 5, 7, 10, 14)),
                        f"orders@sup{s}.example") for s in range(1, p.suppliers + 1)])
        c.executemany("INSERT INTO customer (id, code, name, contact, address, notes) VALUES (?, ?, ?, '', '', '')",
                      [(k, f"C{k:05d}", f"Customer {k}") for k in range(1, p.customers + 1)])
        ops = [(f"W{n:02d}", f"Worker {n}", "worker") for n in range(1, 41)]
        ops += [("S1", "Supervisor One", "supervisor"), ("S2", "Supervisor Two", "supervisor"),
                ("BENCH", "Benchmark operator", "worker")]
        c.executemany("INSERT INTO operator (code, name, role, failed_pin_attempts, active) VALUES (?, ?, ?, 0, 1)", ops)
        self.workers = [o[0] for o in ops if o[2] == "worker" and o[0] != "BENCH"]
        self.stations = [f"ST-{n:02d}" for n in range(1, 9)]

        items, barcodes = [], []
        self.cost, self.price, self.lot_tracked, self.pref_supplier = [0.0], [0.0], [False], [0]
        for i in range(1, p.items + 1):
            cost = _money(min(500.0, rng.lognormvariate(2.0, 1.0)))
            price = _money(cost * rng.uniform(1.2, 2.0))
            lot = rng.random() < 0.03
            sup = 1 + (i - 1) % p.suppliers
            rop = rng.choice((0, 5, 10, 20, 50))
            items.append((i, f"SKU-{i:06d}", f"Item {i} {rng.choice(_NOUNS)}", cost, price, rop,
                          rop * 3, rop * 10, sup, int(lot), int(lot)))
            self.cost.append(cost)
            self.price.append(price)
            self.lot_tracked.append(lot)
            self.pref_supplier.append(sup)
            ean = ean13(i)
            barcodes.append((ean, i, 1))
            if i % 3 == 0:
                barcodes.append((case_gtin(ean), i, 12))
        c.executemany("INSERT INTO item (id, sku, name, uom, unit_cost, unit_price, reorder_point, reorder_qty, "
                      "max_qty, preferred_supplier_id, lot_tracked, expiry_tracked, active) "
                      "VALUES (?, ?, ?, 'EA', ?, ?, ?, ?, ?, ?, ?, ?, 1)", items)
        c.executemany("INSERT INTO barcode (code, item_id, pack_qty) VALUES (?, ?, ?)", barcodes)
        c.execute("COMMIT")
        # Home location of each item (several items share a shelf); a fifth have an overflow.
        ns = len(self.storage)
        self.home = [0] + [self.storage[(i - 1) % ns] for i in range(1, p.items + 1)]
        self.overflow = [0] + [self.storage[(i * 7919) % ns] if i % 5 == 0 else 0 for i in range(1, p.items + 1)]
        self.log(f"master data: {p.items} items, {p.locations} locations in {time.perf_counter() - t0:.1f} s")

        movement_indexes = self._drop_indexes("movement")
        balance_indexes = self._drop_indexes("balance")
        self._history()
        t1 = time.perf_counter()
        self._write_balances()
        c.execute("BEGIN")
        for sql in movement_indexes + balance_indexes:
            c.execute(sql)
        c.execute("COMMIT")
        self.log(f"indexes rebuilt in {time.perf_counter() - t1:.1f} s")
        counts = {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in
                  ("item", "location", "barcode", "lot", "movement", "balance", "purchase_order",
                   "purchase_order_line", "sales_order", "sales_order_line")}
        return counts

    def _drop_indexes(self, table: str) -> list[str]:
        rows = self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                 "AND sql IS NOT NULL", (table,)).fetchall()
        for name, _ in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in rows]

    # --- documents ------------------------------------------------------------------------------

    def _skewed_item(self) -> int:
        """Popular items sell (and are bought) far more often: a few items carry most value."""
        n = self.plan.items
        return 1 + min(n - 1, int(n * self.rng.random() ** 2.2))

    def _plan_documents(self, scans_per_line: int) -> tuple[dict, dict]:
        """Purchase and sales orders, and which day each line's work happens on."""
        p, rng = self.plan, self.rng
        po_rows, pol_rows = [], []
        receive_on: dict[int, list] = {}
        n_po = -(-p.po_lines // PO_LINES_PER_PO)
        line_id = 0
        self.po_line_info: dict[int, list] = {}
        for po in range(1, n_po + 1):
            created = int(DAYS * (po - 1) / n_po) + rng.randrange(3)
            first = self._skewed_item()
            sup = self.pref_supplier[first]
            lead = 3 + (sup % 6) * 2
            due = created + lead
            po_rows.append([po, f"PO-{po:06d}", sup, "open", self._day(due), _ts(self._day(created), 9 * 3600),
                            rng.choice(("S1", "S2"))])
            arrival = due + rng.choice((-2, -1, 0, 0, 0, 1, 2, 5))
            for ln in range(1, PO_LINES_PER_PO + 1):
                if line_id >= p.po_lines:
                    break
                line_id += 1
                item = first if ln == 1 else self._skewed_item()
                pack = rng.choice((1, 6, 12))
                scans = max(1, scans_per_line + rng.randint(-3, 3))
                ordered = scans * pack
                cost = _money(self.cost[item] * rng.uniform(0.9, 1.1))
                pol_rows.append([line_id, po, ln, item, ordered, cost])
                self.po_line_info[line_id] = [po, item, ordered, cost, 0, 0, None, None]
                if arrival < DAYS:
                    receive_on.setdefault(arrival, []).append((line_id, item, pack, scans, po, ln))
        self.po_rows, self.pol_rows = po_rows, pol_rows

        so_rows, sol_rows = [], []
        pick_on: dict[int, list] = {}
        n_so = -(-p.so_lines // SO_LINES_PER_SO)
        line_id = 0
        self.so_line_info: dict[int, list] = {}
        for so in range(1, n_so + 1):
            created = int(DAYS * (so - 1) / n_so)
            customer = 1 + int(p.customers * rng.random() ** 1.5)
            so_rows.append([so, f"SO-{so:06d}", customer, "open", rng.randint(1, 9), self._day(created + 2),
                            _ts(self._day(created), 8 * 3600 + rng.randrange(8 * 3600))])
            for ln in range(1, SO_LINES_PER_SO + 1):
                if line_id >= p.so_lines:
                    break
                line_id += 1
                item = self._skewed_item()
                scans = max(1, scans_per_line + rng.randint(-3, 3))
                per_scan = rng.choice((1, 1, 2, 3))
                sol_rows.append([line_id, so, ln, item, scans * per_scan, self.price[item]])
                self.so_line_info[line_id] = [so, item, scans * per_scan, 0, 0]
                if created + 1 < DAYS:
                    pick_on.setdefault(created + 1, []).append((line_id, item, per_scan, scans, so, ln))
        self.so_rows, self.sol_rows = so_rows, sol_rows
        return receive_on, pick_on

    def _day(self, index: int) -> dt.date:
        return self.plan.first_day + dt.timedelta(days=index)

    # --- the history ------------------------------------------------------------------------------

    def _history(self) -> None:
        p, rng = self.plan, self.rng
        t0 = time.perf_counter()
        lines = p.po_lines + p.so_lines
        scans = max(1, int((p.movements * (1 - OTHER_SHARE) - p.items) / lines) - 2)
        receive_on, pick_on = self._plan_documents(scans)
        self.lot_rows: list[tuple] = []
        self.so_worked: set[int] = set()
        made = 0
        reserve = max(50, p.movements // 200)
        for d in range(DAYS):
            day = self._day(d)
            events: list[tuple] = []
            if d == 0:
                for item in range(1, p.items + 1):
                    events.append((6 * 3600, "opening", item))
            for line in receive_on.get(d, ()):
                start = 7 * 3600 + rng.randrange(6 * 3600)
                events.append((start, "receive", line))
            for line in pick_on.get(d, ()):
                start = 8 * 3600 + rng.randrange(7 * 3600)
                events.append((start, "pick", line))
            planned = len(events) and sum(1 if e[1] == "opening" else e[2][3] + 1 for e in events)
            # Keep a small reserve so the last day can top up to the exact count.
            target = ((p.movements - reserve) * (d + 1)) // DAYS
            others = max(0, target - made - planned)
            for _ in range(others):
                events.append((6 * 3600 + rng.randrange(16 * 3600), "other", None))
            events.sort(key=lambda e: e[0])
            before = self.next_movement
            for at, what, payload in events:
                if what == "opening":
                    self._opening(day, at, payload)
                elif what == "receive":
                    self._receive(day, at, payload)
                elif what == "pick":
                    self._pick(day, at, payload)
                else:
                    self._other(day, at)
            if d == DAYS - 1:
                while self.next_movement - 1 < p.movements:   # top up to the exact count
                    self._found(day, 23 * 3600 + 1800, self._skewed_item())
            made += self.next_movement - before
            if len(self.movements) >= 200_000:
                self._flush()
            if d % 73 == 72:
                self.log(f"history: day {d + 1}/{DAYS}, {self.next_movement - 1} movements, "
                         f"{time.perf_counter() - t0:.0f} s")
        self._flush()
        self._write_documents()
        self.log(f"history: {self.next_movement - 1} movements in {time.perf_counter() - t0:.1f} s")

    def _move(self, item, lot, src, dst, qty, kind, day, at, *, po_line=None, so_line=None, document="",
              reason="", cost=None, reverses=None, keyed=True) -> int:
        mid = self.next_movement
        self.next_movement += 1
        op = self.workers[(item + at) % len(self.workers)]
        station = self.stations[(item + at // 3600) % len(self.stations)]
        key = f"{station}:gen:{mid}:scan" if keyed else None
        self.movements.append((mid, item, lot or None, src, dst, qty, kind, op, station, _ts(day, at), key,
                               reverses, po_line, so_line, None, document, reason, cost))
        bal = self.bal
        k = (item, src, lot)
        bal[k] = bal.get(k, 0) - qty
        k = (item, dst, lot)
        bal[k] = bal.get(k, 0) + qty
        return mid

    def _opening(self, day, at, item) -> None:
        qty = self.rng.randint(20, 400)
        lot = 0
        if self.lot_tracked[item]:
            lot = self._new_lot(item, f"OPEN-{item}", day, 365)
            self._add_lot(item, self.home[item], lot)
        self._move(item, lot, self.virtual["@GAIN"], self.home[item], qty, "opening", day, at,
                   document="OPENING", reason="opening balance", cost=self.cost[item], keyed=False)

    def _new_lot(self, item, code, day, shelf_days) -> int:
        lot_id = len(self.lot_rows) + 1
        expiry = (day + dt.timedelta(days=shelf_days + self.rng.randrange(365))).isoformat()
        self.lot_rows.append((lot_id, item, code, expiry, _ts(day, 6 * 3600)))
        return lot_id

    def _receive(self, day, at, line) -> None:
        line_id, item, pack, scans, po, ln = line
        info = self.po_line_info[line_id]
        dock = self.docks[po % len(self.docks)]
        lot = self._new_lot(item, f"L{line_id}", day, 180) if self.lot_tracked[item] else 0
        doc = f"PO-{po:06d}/{ln}"
        cost = info[3]
        accepted = 0
        for n in range(scans):
            t = at + 15 * n
            if n == 1 and line_id % 53 == 0:   # one rejected case
                self._move(item, lot, self.virtual["@SUPPLIER"], self.quarantine, pack, "reject", day, t,
                           po_line=line_id, document=doc, reason="DAMAGED", cost=cost)
                info[5] += pack
                continue
            mid = self._move(item, lot, self.virtual["@SUPPLIER"], dock, pack, "receipt", day, t,
                             po_line=line_id, document=doc, cost=cost)
            accepted += pack
            if n == 2 and line_id % 97 == 0:   # scanned twice by mistake: undone at once
                self._move(item, lot, dock, self.virtual["@SUPPLIER"], pack, "undo", day, t + 5,
                           po_line=line_id, document=doc, reason="undo", cost=cost, reverses=mid)
                accepted -= pack
        info[4] += accepted
        info[6] = info[6] or _ts(day, at)
        info[7] = _ts(day, at + 15 * scans)
        if accepted > 0:
            home = self.home[item]
            self._move(item, lot, dock, home, accepted, "putaway", day, at + 15 * scans + 600, document=doc)
            if lot:
                self._add_lot(item, home, lot)

    def _add_lot(self, item, loc, lot) -> None:
        lots = self.lots_at.setdefault((item, loc), [])
        if lot not in lots:
            lots.append(lot)

    def _take(self, item, loc, want) -> list[tuple[int, int]]:
        """(lot, qty) pairs of up to WANT units at LOC: lot-tracked stock oldest lot first."""
        if not self.lot_tracked[item]:
            have = self.bal.get((item, loc, 0), 0)
            return [(0, min(want, have))] if have > 0 else []
        out = []
        lots = self.lots_at.get((item, loc), [])
        for lot in list(lots):
            have = self.bal.get((item, loc, lot), 0)
            if have <= 0:
                lots.remove(lot)
                continue
            take = min(want, have)
            out.append((lot, take))
            want -= take
            if want <= 0:
                break
        return out

    def _pick(self, day, at, line) -> None:
        line_id, item, per_scan, scans, so, ln = line
        info = self.so_line_info[line_id]
        self.so_worked.add(so)
        home = self.home[item]
        ship = self.ships[so % len(self.ships)]
        doc = f"SO-{so:06d}/{ln}"
        picked: dict[int, int] = {}
        for n in range(scans):
            for lot, qty in self._take(item, home, per_scan):
                if qty > 0:
                    self._move(item, lot, home, ship, qty, "pick", day, at + 20 * n, so_line=line_id, document=doc)
                    picked[lot] = picked.get(lot, 0) + qty
        total = sum(picked.values())
        info[3] += total
        for k, (lot, qty) in enumerate(sorted(picked.items())):
            self._move(item, lot, ship, self.virtual["@CUSTOMER"], qty, "ship", day, at + 20 * scans + 3600 + k,
                       so_line=line_id, document=doc, cost=self.cost[item])
        info[4] += total

    def _other(self, day, at) -> None:
        rng = self.rng
        item = self._skewed_item()
        r = rng.random()
        home, over = self.home[item], self.overflow[item]
        if r < 0.7 and over:
            src, dst = (home, over) if rng.random() < 0.5 else (over, home)
            taken = self._take(item, src, rng.randint(1, 20))
            if taken and taken[0][1] > 0:
                lot, qty = taken[0]
                self._move(item, lot, src, dst, qty, "move", day, at, document=f"TR-{day:%y%m%d}")
                if lot:
                    self._add_lot(item, dst, lot)
                return
        if r < 0.85:
            taken = self._take(item, home, rng.randint(1, 3))
            if taken and taken[0][1] > 0:
                lot, qty = taken[0]
                kind, reason = ("adjust", "BREAKAGE") if r < 0.8 else ("count", "COUNT")
                self._move(item, lot, home, self.virtual["@LOSS"], qty, kind, day, at, reason=reason,
                           document="ADJ", cost=self.cost[item])
                return
        self._found(day, at, item)

    def _found(self, day, at, item) -> None:
        home = self.home[item]
        lot = 0
        if self.lot_tracked[item]:
            lots = self.lots_at.get((item, home))
            if not lots:
                lot = self._new_lot(item, f"F{self.next_movement}", day, 90)
                self._add_lot(item, home, lot)
            else:
                lot = lots[0]
        self._move(item, lot, self.virtual["@GAIN"], home, self.rng.randint(1, 5), "count", day, at,
                   reason="FOUND", document="CNT", cost=self.cost[item])

    # --- writing ------------------------------------------------------------------------------

    def _flush(self) -> None:
        if not self.movements:
            return
        c = self.conn
        c.execute("BEGIN")
        c.executemany("INSERT INTO movement (id, item_id, lot_id, from_location_id, to_location_id, qty, kind, "
                      "operator, station, created_at, idempotency_key, reverses_id, po_line_id, so_line_id, "
                      "count_line, document, reason, unit_cost) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.movements)
        c.execute("COMMIT")
        self.written += len(self.movements)
        self.movements = []

    def _write_documents(self) -> None:
        c = self.conn
        end = _ts(END_DAY, 23 * 3600)
        c.execute("BEGIN")
        c.executemany("INSERT INTO lot (id, item_id, code, expiry, received_at) VALUES (?, ?, ?, ?, ?)", self.lot_rows)
        po_received: dict[int, list[bool]] = {}
        rows = []
        for line_id, po, ln, item, ordered, cost in self.pol_rows:
            _, _, _, _, accepted, rejected, first, last = self.po_line_info[line_id]
            done = accepted + rejected
            status = "received" if done >= ordered else ("partial" if done else "open")
            po_received.setdefault(po, []).append(done > 0)
            rows.append((line_id, po, ln, item, ordered, accepted, rejected, cost, None, first, last, status))
        c.executemany("INSERT INTO purchase_order_line (id, po_id, line_no, item_id, qty_ordered, qty_received, "
                      "qty_rejected, unit_cost, expected_date, first_received_at, last_received_at, status) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        rows = []
        for po, number, sup, _, due, created, by in self.po_rows:
            got = po_received.get(po, [])
            status = "closed" if got and all(got) else ("partial" if any(got) else "open")
            rows.append((po, number, sup, status, due.isoformat(), created, by,
                         end if status == "closed" else None))
        c.executemany("INSERT INTO purchase_order (id, number, supplier_id, status, expected_date, created_at, "
                      "created_by, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        so_done: dict[int, bool] = {}
        rows = []
        for line_id, so, ln, item, ordered, price in self.sol_rows:
            _, _, _, picked, shipped = self.so_line_info[line_id]
            so_done[so] = so in self.so_worked
            rows.append((line_id, so, ln, item, ordered, picked, shipped, 0, price))
        # A line picked short (the shelf ran dry) keeps its shortfall as qty_short.
        rows = [(i, so, ln, item, ordered, picked, shipped,
                 (ordered - picked) if so_done[so] else 0, price)
                for i, so, ln, item, ordered, picked, shipped, _, price in rows]
        c.executemany("INSERT INTO sales_order_line (id, so_id, line_no, item_id, qty_ordered, qty_picked, "
                      "qty_shipped, qty_short, unit_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        rows = []
        for so, number, customer, _, prio, due, created in self.so_rows:
            shipped = so_done[so]
            rows.append((so, number, customer, "shipped" if shipped else "open", prio, due.isoformat(), created,
                         _ts(due, 16 * 3600) if shipped else None))
        c.executemany("INSERT INTO sales_order (id, number, customer_id, status, priority, due_date, created_at, "
                      "shipped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        c.execute("COMMIT")

    def _write_balances(self) -> None:
        t0 = time.perf_counter()
        end = _ts(END_DAY, 23 * 3600)
        rows = [(item, loc, lot or None, qty, end) for (item, loc, lot), qty in self.bal.items()]
        rows.sort(key=lambda r: (r[0], r[1], r[2] or 0))
        c = self.conn
        c.execute("BEGIN")
        c.executemany("INSERT INTO balance (item_id, location_id, lot_id, qty, allocated, updated_at) "
                      "VALUES (?, ?, ?, ?, 0, ?)", rows)
        c.execute("COMMIT")
        self.log(f"{len(rows)} balances in {time.perf_counter() - t0:.1f} s")


_NOUNS = ("widget", "bolt M8", "cable 2 m", "gloves L", "tape 50 mm", "bulb E27", "filter", "valve",
          "hinge", "bracket", "sealant", "brush", "box 40x30", "label roll", "fuse 10 A", "pump")


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m bench.generate",
                                     description="generate (or find in the cache) the benchmark store")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1.0)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    args = parser.parse_args(argv)
    path = ensure_store(Plan.at(args.scale, args.seed), Path(args.data_dir), log=print)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
