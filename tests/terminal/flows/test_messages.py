"""How flows quote what was scanned in their messages."""
from devices.scan import make_scan
from terminal.flows.base import scan_text


def test_scan_text_shows_gs_and_cuts_garbage():
    assert scan_text(make_scan("0101234\x1d10L1", "test")) == "'0101234<GS>10L1'"
    long = scan_text(make_scan("Z" * 10_000, "test"))
    assert long.endswith("… (10000 characters)") and len(long) < 80
