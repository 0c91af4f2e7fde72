"""The test suite: folders mirror the packages; fixtures live in conftest.py and factories.py."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
