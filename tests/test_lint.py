"""ruff (configured in pyproject.toml: pyflakes, pycodestyle, bugbear) finds nothing in the tree."""
import subprocess
import sys

from tests import ROOT


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
