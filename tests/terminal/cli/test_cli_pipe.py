"""`wh … | head`: a reader that leaves early is not an error."""
import subprocess
import sys


def test_a_closed_pipe_ends_quietly(sqlite_store):
    from tests import factories as f
    shelf = f.location("A-01")
    for n in range(3000):
        f.give_stock(f.item(f"P{n:05d}"), shelf, 1)
    proc = subprocess.Popen([sys.executable, "-m", "terminal.cli", "--db", sqlite_store, "stock", "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"sku,")
    proc.stdout.close()           # like `head -1` leaving
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err
