"""A station posting while other processes open the store, for the neighbour test
(tests/db/core/test_neighbours.py): it opens the store as `wh run` does (its synchronous
setting, its checkpoint thread) and moves one unit back and forth between two shelves for
SECONDS, then prints how many moves it posted. A SIGBUS kills it with exit code -7."""
from __future__ import annotations

import sys
import time


def main(url: str, seconds: float) -> None:
    from terminal import config
    from terminal.cli.common import open_store
    from db import inventory
    from db.core.checkpoint import background_checkpoints, stop_background
    cfg = config.load(None, url)
    open_store(cfg)
    checkpointer = background_checkpoints()       # as `wh run`: its defaults
    print("READY", flush=True)
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        there, back = ("A-01", "B-01") if n % 2 == 0 else ("B-01", "A-01")
        inventory.move(sku="A1", qty=1, from_code=there, to_code=back, operator="W1",
                       station="ST-N", key=f"neighbour-{n}")
        n += 1
    stop_background(checkpointer)
    print(f"POSTED {n} CHECKPOINTS {checkpointer.checkpoints}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
