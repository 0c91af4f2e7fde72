"""Fuzzed CSV imports never write part of a file: a file is imported whole, or refused with a
clear error and the store left exactly as it was."""
from __future__ import annotations

import csv
import io
import shutil
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.core.connection import database, open_database
from db.core.errors import WarehouseError
from db.io.importer import SPECS, ImportFailed, import_csv
from db.ledger.posting import verify
from db.core.schema import all_models

KINDS = ["items", "barcodes", "locations", "stock", "purchase-orders", "operators", "suppliers"]

codes = st.sampled_from(["A1", "B2", "SKU-9", "LOC-1", "A-01", "DOCK", "SUP1", "WH1", "W9", "PO-7", "L1"])
garbage = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
numbers = st.one_of(st.integers(-5, 10 ** 6).map(str), st.sampled_from(["1.5", "1e3", "", " 7 ", "0", "∞"]))
dates = st.sampled_from(["2030-01-31", "31/01/2030", "2030-02-30", "", "tomorrow"])
values = {
    "sku": codes, "code": codes, "location": codes, "supplier": codes, "warehouse": codes, "po": codes,
    "lot": st.one_of(st.just(""), codes), "barcode": st.sampled_from(["4006381333931", "4006381333932", "12345670", "ABC-1", ""]),
    "name": st.one_of(st.just("Thing"), garbage), "qty": numbers, "pack_qty": numbers, "unit_cost": numbers,
    "unit_price": numbers, "reorder_point": numbers, "reorder_qty": numbers, "max_qty": numbers,
    "lead_time_days": numbers, "pick_sequence": numbers, "expected_date": dates, "expiry": dates,
    "lot_tracked": st.sampled_from(["", "yes", "no", "true", "maybe"]),
    "expiry_tracked": st.sampled_from(["", "0", "1", "x"]),
    "kind": st.sampled_from(["storage", "receiving", "virtual", ""]),
    "role": st.sampled_from(["worker", "supervisor", "admin", ""]),
}


@st.composite
def csv_file(draw):
    kind = draw(st.sampled_from(KINDS))
    names = SPECS[kind].names
    header = draw(st.one_of(st.just(names), st.lists(st.sampled_from(names + ["bogus"]), min_size=1,
                                                     max_size=len(names) + 1, unique=True)))
    rows = draw(st.lists(st.fixed_dictionaries({c: values.get(c, garbage) for c in header}), max_size=8))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r[c] for c in header])
    text = out.getvalue()
    mutation = draw(st.sampled_from(["none", "none", "truncate", "junk-line", "bad-utf8", "bom"]))
    if mutation == "truncate" and text:
        text = text[:draw(st.integers(0, len(text)))]
    elif mutation == "junk-line":
        text += draw(garbage) + "\n"
    data = text.encode("utf-8")
    if mutation == "bad-utf8":
        data += b"\xff\xfe,\x80\n"
    elif mutation == "bom":
        data = b"\xef\xbb\xbf" + data
    return kind, data


def _keyed():
    from db.core.models import Item, Location, Operator, Supplier
    return {"items": lambda: ("sku", Item.sku), "locations": lambda: ("code", Location.code),
            "suppliers": lambda: ("code", Supplier.code), "operators": lambda: ("code", Operator.code)}


KEYED = _keyed()
STATS: dict[str, int] = {}      # imports that went through, by kind (seen when debugging)


def snapshot() -> dict:
    """Every row of every table, for 'nothing changed' comparisons."""
    state = {}
    for model in all_models():
        state[model._meta.table_name] = sorted(map(repr, model.select().tuples()))
    return state


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from tests.conftest import make_sqlite_store
    from tests import factories as f
    path = tmp_path_factory.mktemp("import-fuzz")
    make_sqlite_store(path)
    f.warehouse("WH1")
    f.location("A-01")
    f.location("DOCK", kind="receiving")
    f.supplier("SUP1")
    it = f.item("A1", barcodes=[("4006381333931", 1)])
    f.item("L1", lot=True)
    f.give_stock(it, f.location("B-02"), 3)
    database.close()
    return path / "store.db"


@pytest.mark.slow
def test_fuzzed_imports_are_all_or_nothing(template, tmp_path):
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(csv_file())
    def check(case):
        kind, data = case
        copy = tmp_path / f"{uuid.uuid4().hex}.db"
        shutil.copy(template, copy)
        open_database(f"sqlite:///{copy}", synchronous="OFF").connect(reuse_if_open=True)
        try:
            before = snapshot()
            try:
                result = import_csv(kind, data, operator="FUZZ")
            except ImportFailed as exc:
                assert exc.errors and all(isinstance(e, str) and e for e in exc.errors)
                assert snapshot() == before, f"a refused {kind} import changed the store"
            except WarehouseError as exc:
                assert str(exc)
                assert snapshot() == before, f"a refused {kind} import changed the store"
            else:
                # the whole file is in: every row's key is in the store
                # Read as the importer reads (newline=""): a lone CR ends a row, as in old
                # Mac files, rather than being an error.
                rows = [r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
                        if any((v or "").strip() for v in r.values() if isinstance(v, str))]
                assert result.rows == len(rows)
                if kind in KEYED:
                    column, field = KEYED[kind]()
                    for r in rows:
                        assert field.model.select().where(field == r[column].strip()).exists(), (kind, r)
                STATS[kind] = STATS.get(kind, 0) + 1
            assert verify().consistent
        finally:
            database.close()
            copy.unlink()

    check()
    assert sum(STATS.values()) >= 1, "the fuzzer should let some files through"


def test_a_bad_row_anywhere_leaves_nothing(sqlite_store):
    """The last row of 500 is bad: not one of the 499 good ones is written."""
    from db.core.models import Item
    lines = ["sku,name,unit_cost"] + [f"S{i},Item {i},1.00" for i in range(499)] + ["S499,Item 499,not-money"]
    before = Item.select().count()
    with pytest.raises(ImportFailed) as failed:
        import_csv("items", "\n".join(lines).encode())
    assert any(e.startswith("row 501, column unit_cost") for e in failed.value.errors), failed.value.errors
    assert Item.select().count() == before
