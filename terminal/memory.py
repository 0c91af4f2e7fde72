"""Keeping the garbage collector out of a scan's way (bench/RESULTS.md).

A station app runs all day. Two things made it pause in the middle of scans: collections over
everything start-up made, and the screens a job leaves behind when it closes (thousands of
rendered lines, freed only by the collector, in one 70-140 ms pass during some later scan).
The first is frozen out of the collector once the first screen is up; the second is collected
when the screen closes, while the operator is choosing the next job, not scanning.
"""
from __future__ import annotations

import gc


def settle_memory() -> None:
    """Once the first screen is up: freeze what start-up made (Textual, the models, the
    screens that live as long as the app) out of the collector, and collect young objects
    less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def release_closed_screens() -> None:
    """After a screen closed: free it now.

    Textual 8 caches a style pair per widget renderer in a class-wide `lru_cache` keyed by the
    renderer itself (`StylesCache.get_inner_outer`), which keeps the last 1,024 renderers and
    every line they drew alive: about 6,500 objects per closed job screen, so full
    collections grew slower all day. The cache only saves recomputing two styles; it is
    emptied here, where it costs nothing."""
    try:
        from textual._styles_cache import StylesCache
        StylesCache.get_inner_outer.cache_clear()
    except (ImportError, AttributeError):     # another Textual: nothing of the kind to empty
        pass
    gc.collect()
