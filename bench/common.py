"""What every figure shares: the Measure it reports, percentiles, timing and the run context.

A figure is a value measured on our code and a baseline measured in the same run on the
least code that could do the same job (raw sqlite3, a bare Textual app, a bare Python start).
The machines are shared and noisy, so the ratio value/baseline is what compares across runs;
the absolute value is printed beside it and checked against the issue's absolute target.
"""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_BASE = os.environ.get("WH_BENCH_PG", "postgresql://127.0.0.1:5432/test")


@dataclass
class Measure:
    """One figure. `ratio` is value ÷ baseline for times and baseline ÷ value for rates, so
    above 1 always means "slower than the baseline"."""
    name: str
    value: float
    unit: str
    baseline: float | None
    baseline_what: str
    target: dict                   # {"max": 20} {"min": 5000, "max_ratio": 4} ...
    lower_is_better: bool = True
    note: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or self.value in (None,):
            return None
        if self.lower_is_better:
            return self.value / self.baseline
        return self.baseline / self.value if self.value else None

    @property
    def passed(self) -> bool:
        ok = True
        if "max" in self.target:
            ok &= self.value <= self.target["max"]
        if "min" in self.target:
            ok &= self.value >= self.target["min"]
        if "max_ratio" in self.target:
            ok &= self.ratio is not None and self.ratio <= self.target["max_ratio"]
        return bool(ok)

    def target_text(self) -> str:
        parts = []
        if "max" in self.target:
            parts.append(f"≤ {self.target['max']:g} {self.unit}")
        if "min" in self.target:
            parts.append(f"≥ {self.target['min']:g} {self.unit}")
        if "max_ratio" in self.target:
            parts.append(f"ratio ≤ {self.target['max_ratio']:g}")
        return ", ".join(parts)

    def as_json(self) -> dict:
        ratio = self.ratio
        return {"value": _round(self.value), "unit": self.unit, "baseline": _round(self.baseline),
                "baseline_is": self.baseline_what, "ratio": _round(ratio), "target": self.target,
                "target_text": self.target_text(), "pass": self.passed,
                **({"note": self.note} if self.note else {}),
                **({"detail": self.detail} if self.detail else {})}


def _round(x):
    if x is None:
        return None
    if isinstance(x, float):
        return round(x, 4) if abs(x) < 100 else round(x, 1)
    return x


@dataclass
class Context:
    """What a figure gets: the run's settings and where the stores are."""
    quick: bool
    scale: float
    store: Path             # the cached generated store (read only)
    work: Path              # this run's copy of it (figures may write)
    tmp: Path               # scratch directory of this run
    scans: int
    postings: int
    stations: int
    station_seconds: float
    import_items: int
    repeats: int
    pg_url: str
    log: Callable[[str], None]
    plan: Any = None


# ---------------------------------------------------------------------------- numbers

def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 2,000 values is the 1,980th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-pct * len(ordered) // 100)) - 1))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


class Stopwatch:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


# ---------------------------------------------------------------------------- processes

def run_json(args: list[str], *, timeout: float = 900, env: dict | None = None) -> dict:
    """Run a Python module of the bench in a fresh process and parse the JSON it prints last."""
    proc = subprocess.run([PYTHON, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(args)} printed no JSON:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def copy_store(src: Path, dst: Path) -> None:
    """A private copy of a store, made by SQLite's backup API: nothing but SQLite opens a
    store's files (a copy of the file would miss its log, and closing a descriptor of a file
    drops the locks SQLite holds on it)."""
    for suffix in ("", "-wal", "-shm"):       # leftovers of an earlier run at DST: no one's store
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(str(src))
    copy = sqlite3.connect(str(dst))
    try:
        conn.backup(copy)
    finally:
        copy.close()
        conn.close()


# ---------------------------------------------------------------------------- the machine

def machine() -> dict:
    """nproc, memory, CPU, Python, SQLite and PostgreSQL versions, for RESULTS.md."""
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1])
        info["memory_gb"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(ln for ln in f if ln.startswith("model name")).split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    try:
        info["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        import importlib.metadata as md
        info["textual"] = md.version("textual")
        info["peewee"] = md.version("peewee")
    except Exception:
        pass
    try:
        import psycopg2
        from urllib.parse import urlsplit
        u = urlsplit(PG_BASE)
        conn = psycopg2.connect(host=u.hostname, port=u.port or 5432, dbname=u.path.lstrip("/"),
                                user=u.username, connect_timeout=3)
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgresql"] = cur.fetchone()[0]
        conn.close()
    except Exception as exc:
        info["postgresql"] = f"unreachable ({str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r})"
    return info
