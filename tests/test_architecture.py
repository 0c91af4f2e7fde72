"""The core stays free of the UI: db/ and devices/ never import textual."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_does_not_import_textual():
    code = (
        "import importlib, pkgutil, sys\n"
        "import db, devices\n"
        "for pkg in (db, devices):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"


def test_store_url_never_shows_a_password():
    from db.core.connection import describe_url
    shown = describe_url("postgresql://wh:s3cret@db.example:5433/stock")
    assert "s3cret" not in shown
    assert shown == "postgresql://wh@db.example:5433/stock"
