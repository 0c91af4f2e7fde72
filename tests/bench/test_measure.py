"""How a figure is judged: ratio direction, targets, percentiles."""
from __future__ import annotations

from bench.common import Measure, percentile


def test_time_ratio_and_targets():
    m = Measure("x", 30.0, "ms", 15.0, "base", {"max": 20, "max_ratio": 2})
    assert m.ratio == 2.0
    assert not m.passed                       # 30 ms is over 20 ms
    assert Measure("x", 18.0, "ms", 10.0, "base", {"max": 20, "max_ratio": 2}).passed
    assert not Measure("x", 18.0, "ms", 8.0, "base", {"max": 20, "max_ratio": 2}).passed


def test_rate_ratio_is_time_ratio():
    # 1,000 postings/s against a raw 4,000/s takes 4× the raw time.
    m = Measure("r", 1000.0, "postings/s", 4000.0, "raw", {"min": 500, "max_ratio": 4}, lower_is_better=False)
    assert m.ratio == 4.0 and m.passed
    assert not Measure("r", 900.0, "postings/s", 4000.0, "raw", {"max_ratio": 4}, lower_is_better=False).passed


def test_json_has_every_field():
    out = Measure("x", 1.5, "s", 0.5, "base", {"max": 1.0}).as_json()
    assert out["value"] == 1.5 and out["baseline"] == 0.5 and out["ratio"] == 3.0
    assert out["target"] == {"max": 1.0} and out["pass"] is False


def test_percentile_nearest_rank():
    values = list(range(1, 2001))             # 1..2000
    assert percentile(values, 50) == 1000
    assert percentile(values, 99) == 1980
    assert percentile([5.0], 99) == 5.0


def test_peak_memory_of_a_child_is_its_own_not_its_big_parents():
    """The scan figure runs the app in a child of the bench, which may have just generated the
    store; the app's peak memory must not include what the parent held when it started it."""
    import subprocess
    import sys
    big = bytearray(300 * 1024 * 1024)
    for i in range(0, len(big), 4096):
        big[i] = 1
    out = subprocess.run([sys.executable, "-c", "from bench.figures.scan import peak_rss_mb; print(peak_rss_mb())"],
                         capture_output=True, text=True, check=True)
    child_mb = float(out.stdout)
    assert 5 < child_mb < 150, child_mb
    del big
