"""Saving the ABC classes the ABC report works out (db.reports.abc) on the items, where count
plans read them. The report only reads; this is the write."""
from __future__ import annotations

from db.core.connection import write_transaction
from db.core.models import Item
from db.ledger import locks


def save_abc_classes(rows: list[dict]) -> int:
    """Write each row's class on its item, only where it changed (a re-run writes next to
    nothing). ROWS are the ABC report's rows (id, class, previous_class). Returns the number
    of items changed."""
    changed: dict[str, list[int]] = {}
    for r in rows:
        if r["class"] != r["previous_class"]:
            changed.setdefault(r["class"], []).append(r["id"])
    with write_transaction():
        # The items all at once, in the one order stations lock them (db/ledger/locks.py):
        # updated class by class they could deadlock with a shipment.
        locks.lock_items(i for ids in changed.values() for i in ids)
        for cls, ids in sorted(changed.items()):
            for start in range(0, len(ids), 500):
                Item.update(abc_class=cls).where(Item.id.in_(ids[start:start + 500])).execute()
    return sum(len(ids) for ids in changed.values())
