"""GS1 and GTIN vectors through `wh decode --format json`.

Sources of the vectors (expected values typed from them, not computed by our code):
- GS1 General Specifications: SSCC 106141412345678908, GTIN 00614141123452 (company prefix
  0614141), check digit rule, day 00 = last day of the month, (02) with (37), invalid pairs.
- Wikipedia: EAN-13 5901234123457, EAN-8 96385074, UPC-A 036000291452, UPC-E 0425261
  (= 042100005264), ITF-14 15400141288763, GS1-128 (01)95012345678903(3103)000123.
- biip documentation: 7032069804988 and ]C1010703206980498815210526100329, Digital Links
  https://id.gs1.org/01/614141123452/lot/ABC1/ser/12345?exp=180426, ?3103=000195 and
  https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123.
- GS1 Digital Link examples (Dal Giardino risotto, GTIN 09506000134352) and the Solidsoft
  Reply GS1 Digital Link test suite (05412345000013, SSCC 998440410914660971, element strings
  010541234500001310ABC123<GS>17290331 and 31030001890105412345000013<GS>10XYZ).
- Check digits of the "bad" variants are stated by hand: the printed one plus the right one.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from terminal.cli import main
from tests import ROOT

# (raw as typed on the command line, expected fields, error substring or None, warning substring or None)
VECTORS = [
    # -- GTINs as EAN/UPC/ITF symbols
    ("5901234123457", {"kind": "item", "gtin": "05901234123457", "qty": 1}, None, None),
    ("]E05901234123457", {"kind": "item", "gtin": "05901234123457", "symbology": "]E0"}, None, None),
    ("5901234123458", {"kind": "item"}, "expected 7, got 8", None),
    ("96385074", {"kind": "item", "gtin": "00000096385074"}, None, None),
    ("]E496385075", {"kind": "item"}, "expected 4, got 5", None),
    ("036000291452", {"kind": "item", "gtin": "00036000291452"}, None, None),
    ("036000291453", {"kind": "item"}, "expected 2, got 3", None),
    ("]E00425261", {"kind": "item", "gtin": "00042100005264"}, None, None),
    ("]I115400141288763", {"kind": "item", "gtin": "15400141288763"}, None, None),
    ("7032069804988", {"kind": "item", "gtin": "07032069804988"}, None, None),
    ("09506000134352", {"kind": "item", "gtin": "09506000134352"}, None, None),
    # A valid EAN-13 starting 400 is a GTIN, not AI (400), unless the symbology says GS1-128.
    ("4001234567891", {"kind": "item", "gtin": "04001234567891", "order_number": None}, None, None),
    ("]C14001234567891", {"kind": "gs1", "order_number": "1234567891", "gtin": None}, None, None),
    ("4001234567890", {"kind": "item"}, "expected 1, got 0", "(400)1234567890"),
    # -- GS1 element strings
    ("]C1010703206980498815210526100329",
     {"kind": "gs1", "gtin": "07032069804988", "best_before": "2021-05-26", "expiry": "2021-05-26", "lot": "0329"},
     None, None),
    ("010541234500001310ABC123<GS>17290331",
     {"kind": "gs1", "gtin": "05412345000013", "lot": "ABC123", "expiry": "2029-03-31"}, None, None),
    ("]C110ABC123\\x1d0105412345000013",
     {"kind": "gs1", "gtin": "05412345000013", "lot": "ABC123"}, None, None),
    ("31030001890105412345000013<GS>10XYZ",
     {"kind": "gs1", "gtin": "05412345000013", "weight": "0.189", "lot": "XYZ"}, None, None),
    ("]C101950123456789033103000123", {"kind": "gs1", "gtin": "95012345678903", "weight": "0.123"}, None, None),
    ("]C10105412345000013<GS>3024", {"kind": "gs1", "gtin": "05412345000013", "count": 24, "qty": 24}, None, None),
    ("]d2010950600013435221SN-0001", {"kind": "gs1", "gtin": "09506000134352", "serial": "SN-0001"}, None, None),
    ("]C1<GS>0105412345000013", {"kind": "gs1", "gtin": "05412345000013"}, None, None),
    ("]C1400PO-1042", {"kind": "gs1", "order_number": "PO-1042"}, None, None),
    ("(01)09506000134352(17)250600(10)ABC", {"kind": "gs1", "gtin": "09506000134352", "expiry": "2025-06-30",
                                              "lot": "ABC"}, None, None),
    # -- dates: day 00 is the last day of the month (leap years too)
    ("]C1010541234500001317240200", {"kind": "gs1", "expiry": "2024-02-29"}, None, None),
    ("]C1010541234500001317250200", {"kind": "gs1", "expiry": "2025-02-28"}, None, None),
    ("]C1010541234500001317251200", {"kind": "gs1", "expiry": "2025-12-31"}, None, None),
    ("]C1010541234500001315240600", {"kind": "gs1", "best_before": "2024-06-30", "expiry": "2024-06-30"}, None, None),
    ("]C1010541234500001317241301", {"kind": "gs1"}, "invalid date in (17): 241301", None),
    ("]C1010541234500001317250231", {"kind": "gs1"}, "invalid date 250231", None),
    # -- missing GS: the lot swallowed what followed
    ("]C1010541234500001310ABC12317290331", {"kind": "gs1", "lot": "ABC12317290331", "expiry": None},
     None, "may have swallowed (17)290331"),
    ("]C1010703206980498810032915210526", {"kind": "gs1", "lot": "032915210526"}, None, "(15)210526"),
    ("0101234567890128101234517250500", {"kind": "gs1", "lot": "1234517250500"}, None, "(17)250500"),
    # -- element-level errors and pairing rules
    ("]C10105412345000014", {"kind": "gs1"}, "GTIN (01) 05412345000014: expected 3, got 4", None),
    ("]C14105412345000014", {"kind": "gs1"}, "GLN (410) 5412345000014: expected 3, got 4", None),
    ("]C14145412345000013", {"kind": "gs1"}, None, None),
    ("]C1020541234500001310ABC", {"kind": "gs1"}, "(02) content GTIN needs (37)", "(00)"),
    ("]C1020541234500001337 12".replace(" ", ""), {"kind": "gs1", "content_gtin": "05412345000013", "count": 12,
                                                     "qty": 12}, None, "(00)"),
    # -- SSCC
    ("]C100106141412345678908", {"kind": "sscc", "sscc": "106141412345678908"}, None, None),
    ("106141412345678908", {"kind": "sscc", "sscc": "106141412345678908"}, None, None),
    ("]C100106141412345678909", {"kind": "sscc"}, "SSCC (00) 106141412345678909: expected 8, got 9", None),
    ("]C100106141412345678908<GS>0200614141123452<GS>3725<GS>10ABC123",
     {"kind": "sscc", "sscc": "106141412345678908", "content_gtin": "00614141123452", "gtin": "00614141123452",
      "count": 25, "lot": "ABC123"}, None, None),
    # -- Digital Links, bare and in a plain QR
    ("https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123",
     {"kind": "sscc", "sscc": "106141412345678908", "content_gtin": "00614141123452", "count": 25, "lot": "ABC123"},
     None, None),
    ("https://id.gs1.org/01/614141123452/lot/ABC1/ser/12345?exp=180426",
     {"kind": "gs1", "gtin": "00614141123452", "lot": "ABC1", "serial": "12345", "expiry": "2018-04-26"}, None, None),
    ("https://id.gs1.org/01/614141123452?3103=000195", {"kind": "gs1", "gtin": "00614141123452", "weight": "0.195"},
     None, None),
    ("]Q1https://id.gs1.org/01/05412345000013/10/ABC123",
     {"kind": "gs1", "gtin": "05412345000013", "lot": "ABC123", "symbology": "]Q1"}, None, None),
    ("https://id.gs1.org/01/05412345000013/22/AJY3095721P49/10/ABC123/21/72292641703",
     {"kind": "gs1", "gtin": "05412345000013", "lot": "ABC123", "serial": "72292641703"}, None, None),
    ("https://id.gs1.org/00/998440410914660971", {"kind": "sscc", "sscc": "998440410914660971"}, None, None),
    ("]Q1https://id.gs1.org/01/09506000134352/10/ABC123?17=250600",
     {"kind": "gs1", "gtin": "09506000134352", "lot": "ABC123", "expiry": "2025-06-30"}, None, None),
    ("https://id.gs1.org/01/09506000134353", {"kind": "gs1"}, "GTIN (01) 09506000134353: expected 2, got 3", None),
]


def run_decode(raw, capsys):
    code = main(["decode", "--format", "json", raw])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize("raw, expected, error, warning", VECTORS, ids=[v[0][:48] for v in VECTORS])
def test_vector_through_wh_decode(raw, expected, error, warning, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                  # no config, no store: pure decoding
    code, out = run_decode(raw, capsys)
    for key, value in expected.items():
        assert out[key] == value, f"{key}: {out[key]!r} != {value!r}; whole result {out}"
    if error is None:
        assert out["error"] is None, out
        assert code == 0
    else:
        assert out["error"] and error in out["error"], out
        assert code == 1
    if warning is None:
        assert out["warnings"] == [], out
    else:
        assert any(warning in w for w in out["warnings"]), out


def test_there_are_at_least_40_gs1_and_gtin_vectors():
    assert len(VECTORS) >= 40
    assert sum(1 for v in VECTORS if v[2]) >= 8                                      # errors
    assert sum(1 for v in VECTORS if "://" in v[0]) >= 6                             # Digital Links
    assert sum(1 for v in VECTORS if v[3] and "swallowed" in v[3] or v[3] and v[3].startswith("(1")) >= 3


def test_json_has_the_contract_keys(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, out = run_decode("]C10105412345000013<GS>10L1<GS>21S1", capsys)
    for key in ("kind", "gtin", "sku", "lot", "expiry", "serial", "sscc", "qty", "error"):
        assert key in out


def test_wh_decode_as_a_real_subprocess_and_text_output(tmp_path):
    done = subprocess.run([sys.executable, "-m", "terminal.cli", "decode", r"]C10105412345000013\x1d10ABC123"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={"PYTHONPATH": str(ROOT),
                               "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "kind: gs1" in done.stdout
    assert "gtin: 05412345000013" in done.stdout
    assert "lot: ABC123" in done.stdout
    assert "hri: (01)05412345000013(10)ABC123" in done.stdout
    assert not (tmp_path / "warehouse.db").exists()      # decoding never creates a store
