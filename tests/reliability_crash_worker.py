"""A station in a burst of postings, for the crash test: it posts the fixed sequence of
operations from `--start`, printing each idempotency key after its transaction committed (the
station's acknowledgement). The test SIGKILLs it at random moments and starts it again."""
from __future__ import annotations

import sys


def operations(n: int):
    """The burst: receipts with a rejected unit (two movements and a PO line each) and moves
    between warehouses (two legs through transit each), in a fixed order."""
    for i in range(n):
        key = f"burst-{i}"
        if i % 3 == 0:
            yield key, "receive", dict(po="PO-1", sku="A1", qty=2, reject=1, reason="DAMAGED",
                                       location="DOCK", operator="W1", station="ST-CRASH")
        elif i % 3 == 1:
            yield key, "move", dict(sku="A1", qty=1, from_code="A-01", to_code="C-01",
                                    operator="W1", station="ST-CRASH")
        else:
            yield key, "move", dict(sku="A1", qty=1, from_code="C-01", to_code="A-01",
                                    operator="W1", station="ST-CRASH")


def main(url: str, n: int) -> None:
    from terminal import config
    from terminal.cli.common import open_store
    from db import inventory, purchasing
    cfg = config.load(None, url)
    open_store(cfg)     # the CLI's and the station's way: [database] sqlite_synchronous
    if cfg.get("database.sqlite_checkpoints") == "background":
        # As `wh run` does: a thread checkpoints the log, so a kill may land in a checkpoint.
        from db.core.checkpoint import background_checkpoints
        background_checkpoints(interval_s=0.005)
    for key, name, kwargs in operations(n):
        if name == "receive":
            purchasing.receive(kwargs.pop("po"), kwargs.pop("sku"), kwargs.pop("qty"), **kwargs, key=key)
        else:
            inventory.move(**kwargs, key=key)
        print(key, flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
