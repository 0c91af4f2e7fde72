"""`wh … | head`: a reader that leaves early is not an error."""
import subprocess
import sys


def test_a_closed_pipe_ends_quietly(sqlite_store):
    from tests import factories as f
    for n in range(3000):
        f.item(f"P{n:05d}")
    proc = subprocess.Popen([sys.executable, "-m", "terminal.cli", "--db", sqlite_store, "export", "items"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"sku,")
    proc.stdout.close()           # like `head -1` leaving
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err
