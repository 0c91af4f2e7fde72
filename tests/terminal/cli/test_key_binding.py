"""Issue 15 §6: an idempotency key is bound to its operation and its data. After `wh move
--key K1`, `wh receive/adjust/pick/ship/undo --key K1` and a move of other data with K1 are
refused with a message naming what K1 posted; the same move again replays it."""
import pytest

from db.core.models import (Movement, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine)
from db.ledger.posting import verify
from terminal.cli import main
from tests import factories as f


@pytest.fixture
def wh(store, tmp_path, capsys):
    f.warehouse()
    a1 = f.location("A-01")
    f.location("A-02")
    f.location("DOCK", kind="receiving", zone="R")
    f.location("SHIP", kind="shipping", zone="S")
    soap = f.item("SOAP")
    f.give_stock(soap, a1, 50)
    f.operator("W1")
    f.operator("S1", role="supervisor")
    po = PurchaseOrder.create(number="PO-1", supplier=f.supplier())
    PurchaseOrderLine.create(po=po, line_no=1, item=soap, qty_ordered=10, unit_cost=1)
    so = SalesOrder.create(number="SO-1", customer=f.customer())
    SalesOrderLine.create(so=so, line_no=1, item=soap, qty_ordered=5, unit_price=2)
    cfg = tmp_path / "cli.toml"
    cfg.write_text('[station]\nid = "ST-K"\nwarehouse = "WH1"\n')

    def run(*argv):
        code = main(["--db", store, "--config", str(cfg), *argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_a_key_is_bound_to_its_operation_and_data(wh):
    code, out, err = wh("move", "--sku", "SOAP", "--qty", "3", "--from", "A-01", "--to", "A-02",
                        "--operator", "W1", "--key", "K1")
    assert code == 0, err
    first = Movement.get(Movement.idempotency_key == "K1")
    count = Movement.select().count()
    named = f"key 'K1' was already used for a move of 3 × SOAP A-01 → A-02, movement {first.id}"
    for argv in (("receive", "--po", "PO-1", "--sku", "SOAP", "--qty", "3", "--operator", "W1"),
                 ("adjust", "--sku", "SOAP", "--qty", "3", "--location", "A-02", "--reason", "FOUND",
                  "--operator", "S1"),
                 ("pick", "--so", "SO-1", "--sku", "SOAP", "--qty", "3", "--from", "A-01", "--operator", "W1"),
                 ("ship", "--so", "SO-1", "--operator", "W1"),
                 ("undo", str(first.id), "--operator", "W1"),
                 ("move", "--sku", "SOAP", "--qty", "4", "--from", "A-01", "--to", "A-02", "--operator", "W1"),
                 ("move", "--sku", "SOAP", "--qty", "3", "--from", "A-02", "--to", "A-01", "--operator", "W1")):
        code, out, err = wh(*argv, "--key", "K1")
        assert code == 1, (argv, out, err)
        assert named in err and "give a new key" in err and "Traceback" not in err, (argv, err)
        assert err.count("\n") == 1 and out == "", (argv, out, err)
    assert Movement.select().count() == count
    # the same move with the same key replays it: same movement, nothing new
    code, out, err = wh("move", "--sku", "SOAP", "--qty", "3", "--from", "A-01", "--to", "A-02",
                        "--operator", "W1", "--key", "K1")
    assert code == 0 and f"movement {first.id}:" in out, err
    assert Movement.select().count() == count and verify().consistent


def test_receipt_and_pick_keys_replay_only_themselves(wh):
    assert wh("receive", "--po", "PO-1", "--sku", "SOAP", "--qty", "4", "--operator", "W1", "--key", "R1")[0] == 0
    assert wh("receive", "--po", "PO-1", "--sku", "SOAP", "--qty", "4", "--operator", "W1", "--key", "R1")[0] == 0
    code, _, err = wh("receive", "--po", "PO-1", "--sku", "SOAP", "--qty", "5", "--operator", "W1", "--key", "R1")
    assert code == 1 and "key 'R1' was already used for a receipt of 4 × SOAP" in err
    assert PurchaseOrderLine.get().qty_received == 4
    assert wh("pick", "--so", "SO-1", "--sku", "SOAP", "--qty", "2", "--from", "A-01", "--operator", "W1",
              "--key", "P1")[0] == 0
    code, _, err = wh("move", "--sku", "SOAP", "--qty", "2", "--from", "A-01", "--to", "SHIP",
                      "--operator", "W1", "--key", "P1")
    assert code == 1 and "key 'P1' was already used for a pick of 2 × SOAP A-01 → SHIP (SO-1/1)" in err
    assert SalesOrderLine.get().qty_picked == 2 and verify().consistent
