"""CPU time the reader's own process spends storing a cold refresh (issue 13), without the
fetching and the parsing: the feeds are fetched and parsed once, as the workers would, and
their pickled results are then unpickled and stored into a fresh store the way the refresh's
writer does (batches of feeds in one transaction, the full-text index every 2,000 items).

    python tests/benchmarks/store_replay.py URLS_FILE [RUNS] [--feeds-per-batch N]
                                            [--index-batch N]

URLS_FILE: one feed URL a line on 127.0.0.0/8 (a corpus or realistic feeds served by
tests.benchmarks.server). Prints the best of RUNS (5) for each phase, CPU time (process_time:
commits wait on the disk and other processes, which hides differences of this size), and the
median of the whole. Run it with PYTHONPATH pointing at another checkout to compare the two
(the feeds are parsed and pickled by that checkout too). `--index-batch` tries another
`reader.refresh.INDEX_BATCH`.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from reader.refresh import INDEX_BATCH, Prepared, prepare_or_error
from reader.store import Store

Captured = list[tuple[str, bytes]]


def capture(urls: list[str]) -> Captured:
    """Each feed's result as a parsing worker pickles it."""
    def get(url: str) -> tuple[str, bytes, dict[str, str]]:
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (loopback)
            return url, answer.read(), dict(answer.headers)

    with ThreadPoolExecutor(8) as pool:
        fetched = list(pool.map(get, urls))
    return [(url, bytes(ForkingPickler.dumps(prepare_or_error(body, headers, url))))
            for url, body, headers in fetched]


def replay(captured: Captured, folder: Path, feeds_per_batch: int,
           index_batch: int = INDEX_BATCH) -> tuple[float, ...]:
    """(unpickle, store, index) CPU seconds; the store's close (its last checkpoint) counts
    with the store."""
    store = Store(folder / "reader.db")
    if hasattr(store, "refresh_cache"):  # as the refresh's writer does (not in older trees)
        store.refresh_cache(True)
    ids = {url: store.add_feed(url) for url, _ in captured}
    started = time.process_time()
    results = [(url, pickle.loads(blob)) for url, blob in captured]
    unpickled = time.process_time()
    indexing = 0.0
    batch: list = []
    items = unindexed = 0

    def index() -> None:
        nonlocal indexing, unindexed
        begun = time.process_time()
        store.index_pending()
        indexing += time.process_time() - begun
        unindexed = 0

    for url, result in results:
        if not isinstance(result, Prepared):
            continue
        batch.append((ids[url], result.records, {
            "title": result.title, "site_link": result.site_link, "warning": result.warning,
            "ttl_seconds": result.ttl_seconds, "language": result.language}))
        items += len(result.records)
        unindexed += len(result.records)
        if len(batch) >= feeds_per_batch or items >= 2000:
            store.apply_many(batch)
            batch, items = [], 0
            if unindexed >= index_batch:
                index()
    store.apply_many(batch)
    index()
    store.close()
    stored = time.process_time() - unpickled - indexing
    return unpickled - started, stored, indexing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", type=Path)
    parser.add_argument("runs", type=int, nargs="?", default=5)
    parser.add_argument("--feeds-per-batch", type=int, default=28,
                        help="feeds in one transaction (a cold refresh of 500 feeds: ~28)")
    parser.add_argument("--index-batch", type=int, default=INDEX_BATCH,
                        help=f"new items per full-text index batch (now {INDEX_BATCH})")
    args = parser.parse_args()
    captured = capture(args.urls.read_text(encoding="utf-8").split())
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)  # as `reader refresh` runs (reader.cli.cmd_refresh)
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            runs.append(replay(captured, Path(folder), args.feeds_per_batch,
                               args.index_batch))
    best = [min(run[phase] for run in runs) * 1000 for phase in range(3)]
    total = min(sum(run) for run in runs) * 1000
    print(f"{len(captured)} feeds, {sum(len(blob) for _, blob in captured) / 2**20:.1f} MiB "
          f"pickled: unpickle {best[0]:.0f} ms, store {best[1]:.0f} ms, index {best[2]:.0f} ms,"
          f" all {total:.0f} ms CPU (best of {args.runs}; median all "
          f"{statistics.median(sum(run) for run in runs) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
