"""Keeping Python's cycle collector off the long-lived rows.

A view of 100k headlines is 100k objects that live until the next view. Python's full
collection walks every tracked object: 20-60 ms of the UI thread, at moments the collector
picks (more often while a refresh adds rows), which showed as the slowest keys. Once a view
is loaded and the screen is idle, what exists is collected once and then frozen: later
collections skip it. Frozen objects are still freed by reference counting when the view is
replaced; before the next freeze, the frozen set is thawed and collected, so cyclic garbage
cannot pile up across views.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect what is garbage now, then exempt everything that survives from later
    collections (until the next call)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
