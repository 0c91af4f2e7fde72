"""A receiver or the closer of one purchase order, for the close race test
(tests/db/purchasing/test_close_race.py). Receivers receive 1-3 units at a time from START_AT
until the order refuses them (no over-receipt tolerance, so the line never takes more than
ordered); the closer closes it with a backorder once DELAY of it (a share) has arrived.
Each prints one JSON line: what it posted (receivers) or the backorder's quantity (closer)."""
from __future__ import annotations

import json
import random
import sys
import time


def main(url: str, role: str, index: int, start_at: float, delay: float) -> None:
    from db.core.connection import open_database
    from db.core.errors import WarehouseError
    from db.purchasing import close_po, receive
    from db.core.models import PurchaseOrder, PurchaseOrderLine
    open_database(url).connect(reuse_if_open=True)
    time.sleep(max(0.0, start_at - time.time()))
    if role == "close":
        # Once the receipts are well under way (DELAY: the share of the order received).
        line = PurchaseOrderLine.get(PurchaseOrderLine.line_no == 1, PurchaseOrderLine.po ==
                                     PurchaseOrder.get(PurchaseOrder.number == "PO-1").id)
        while PurchaseOrderLine.get_by_id(line.id).qty_received < delay * line.qty_ordered:
            time.sleep(0.005)
        new = close_po("PO-1", backorder=True, operator="W1", station="ST-CLOSE")
        qty = sum(l.qty_ordered for l in PurchaseOrderLine.select().where(PurchaseOrderLine.po == new.id)) if new else 0
        print(json.dumps({"backordered": qty}), flush=True)
        return
    rng = random.Random(index)
    order = PurchaseOrder.get(PurchaseOrder.number == "PO-1")
    posted, refusal = 0, ""
    for n in range(400):
        qty = rng.randint(1, 3)
        try:
            receive("PO-1", "A1", qty, operator="W1", station=f"ST-{index}", location="DOCK",
                    key=f"race-{index}-{n}", tolerance_pct=0)
        except WarehouseError as exc:
            refusal = str(exc)
            if "closed" in refusal:
                break
            continue        # over-receipt refused: a smaller quantity may still fit
        posted += qty
        # A short pause: receivers that never let go of SQLite's write lock starved the closer.
        time.sleep(rng.uniform(0, 0.004))
        if n % 5 == 4 and PurchaseOrderLine.select().where(
                PurchaseOrderLine.po == order.id,
                PurchaseOrderLine.qty_received > 0.85 * PurchaseOrderLine.qty_ordered).exists():
            # Near the end, slower: on a loaded machine the closer (waiting for its share) could
            # be starved until the order was full, and the race this tests would not happen.
            time.sleep(0.05)
    print(json.dumps({"posted": posted, "refusal": refusal}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
