"""Numbering documents: backorders of purchase and sales orders."""
from __future__ import annotations


def backorder_number(model, original) -> str:
    """`<root>-BO1`, `-BO2`… counted over every backorder of the root document."""
    root = original
    while root.backorder_of_id is not None:
        root = root.backorder_of
    taken = {r.number for r in model.select(model.number).where(model.number.startswith(f"{root.number}-BO"))}
    n = 1
    while f"{root.number}-BO{n}" in taken:
        n += 1
    return f"{root.number}-BO{n}"
