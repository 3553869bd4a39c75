"""CPU time of Store.apply for 300 feeds x 50 items (cold, then unchanged), optionally with
one enclosure per item: run it with PYTHONPATH pointing at two checkouts to compare them.

    PYTHONPATH=/work/main .venv/bin/python tests/benchmarks/apply_cost.py
    .venv/bin/python tests/benchmarks/apply_cost.py --enclosures

CPU time (process_time), not wall time: on a shared machine commits wait on the disk and
other processes, which hides a difference of this size.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from reader.store import ItemRecord, Store


def records(enclosures: bool) -> list[ItemRecord]:
    extra = {}
    result = []
    for i in range(50):
        if enclosures:
            from feeds.model import Enclosure

            extra = {"enclosures": (Enclosure(f"http://h/{i}.mp3", "audio/mpeg", 1000 + i),)}
        result.append(ItemRecord(f"e{i}", f"title {i}", f"http://h/{i}", "", 1e9 + i, None, "s",
                                 "c", "text words here " * 20, **extra))
    return result


def run(enclosures: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "r.db")
        feeds = [store.add_feed(f"http://h/{n}") for n in range(300)]
        batch = records(enclosures)
        started = time.process_time()
        for feed in feeds:
            store.apply(feed, batch)
        cold = time.process_time() - started
        started = time.process_time()
        for feed in feeds:
            store.apply(feed, batch)
        unchanged = time.process_time() - started
        store.close()
        return cold, unchanged


def main() -> None:
    enclosures = "--enclosures" in sys.argv
    runs = [run(enclosures) for _ in range(5)]
    cold = sorted(r[0] for r in runs)[2]
    unchanged = sorted(r[1] for r in runs)[2]
    label = " with an enclosure each" if enclosures else ""
    print(f"apply 300 feeds x 50 items{label}: cold {cold * 1000:.0f} ms, unchanged "
          f"{unchanged * 1000:.0f} ms CPU (median of 5)")


if __name__ == "__main__":
    main()
