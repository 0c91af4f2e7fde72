"""Issue 15 §6: CSV cells a spreadsheet would run as a formula (= + - @ tab CR at the start)
are exported with a ' in front (OWASP), and an import reads them back to the very same text.
Only text: numbers in numeric columns stay numbers, a -5 stays -5."""
import csv
import io

from db.core.models import Item, Supplier
from db.core.text import neutralise_cell, unneutralise_cell
from db.io import exporter
from db.io.importer import import_csv
from terminal.cli.common import emit
from tests import factories as f

RISKY = ["=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")", "+41 22 555", "-minus", "@SUM(A1)",
         "\tTab", "\rCR", "'=quoted already", "''+two quotes", "'plain quote", "it's fine", "-", "=", ""]


def test_the_rule_round_trips_every_text():
    for text in RISKY:
        cell = neutralise_cell(text)
        assert unneutralise_cell(cell) == text
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert neutralise_cell("=1+1") == "'=1+1" and neutralise_cell("'=x") == "''=x"
    assert neutralise_cell("it's fine") == "it's fine" and neutralise_cell("'plain quote") == "'plain quote"


def export_text(kind):
    out = io.StringIO()
    exporter.write(kind, "csv", out)
    return out.getvalue()


def test_export_neutralises_text_and_import_reads_it_back(store):
    sup = f.supplier("-SUP")
    for n, name in enumerate(RISKY[:-1]):
        f.item(f"-{n}" if n % 2 else f"=S{n}", name=name, cost=1, preferred_supplier=sup)
    text = export_text("items")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["name"] for r in rows} >= {"'=1+1", "'+41 22 555", "'-minus", "'@SUM(A1)", "'\tTab", "'\rCR",
                                         "''=quoted already", "'''+two quotes", "'plain quote"}
    assert all(not r[c].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r)
    before = sorted((i.sku, i.name) for i in Item.select())
    # the very same text back: update in place from the export
    Item.update(name="changed").execute()
    import_csv("items", text.encode())
    assert sorted((i.sku, i.name) for i in Item.select()) == before
    assert Item.get(Item.name == "-minus").preferred_supplier_id == Supplier.get(code="-SUP").id


def test_numbers_stay_numbers_in_csv_output():
    out = io.StringIO()
    emit([{"name": "-5", "qty": -5, "value": -12.5}, {"name": "=x", "qty": 3, "value": 0}],
         ["name", "qty", "value"], "csv", out=out)
    assert out.getvalue() == "name,qty,value\n'-5,-5,-12.5\n'=x,3,0\n"
