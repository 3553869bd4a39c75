"""Keeping Python's cycle collector off the long-lived rows.

A view of 100k headlines is 100k objects that live until the next view. Python's full
collection walks every tracked object: 20-60 ms of the UI thread, at moments the collector
picks (more often while a refresh adds rows), which showed as the slowest keys.

Right after a view loads, what exists is frozen at once (`freeze_now`: only the young
generations are collected first, a millisecond), so the collector's later walks skip the
rows. The full collection that reclaims what was frozen as garbage waits until the screen
is quiet (`settle`: thaw, collect everything, freeze again). Frozen objects are still freed
by reference counting when a view is replaced; only cyclic garbage waits for `settle`.
"""

from __future__ import annotations

import gc


def freeze_now(*, collect_young: bool = True) -> None:
    """Exempt what exists from later collections, after a cheap collection of the young
    (`collect_young=False`: none at all, for a refresh's every batch of rows; the cyclic
    garbage frozen with them waits for `freeze_long_lived` after the refresh)."""
    if collect_young:
        gc.collect(1)
    gc.freeze()


def freeze_long_lived() -> None:
    """Collect what is garbage now (everything, the frozen included), then exempt all that
    survives from later collections (until the next call)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
