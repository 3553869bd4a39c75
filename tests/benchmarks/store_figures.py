"""Figures 7, 8 and 10 on the generated store: full-text search, `reader list --json`, and
related items. Absolute targets; no baseline (newsboat has neither search index nor related)."""

from __future__ import annotations

import json
import time

from reader.core.query import Query
from reader.store import Store
from tests.benchmarks.context import Bench
from tests.benchmarks.report import Row, median, seconds, spread
from tests.benchmarks.textgen import COMMON_WORD, RARE_WORD


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def search(bench: Bench) -> list[Row]:
    facts = bench.store()
    store = Store(facts.path)
    rows = []
    try:
        for word, kind in ((COMMON_WORD, "a word in ~1% of items"), (RARE_WORD, "a rare word")):
            hits = store.count(Query(search=word))
            times = []
            for _ in range(bench.sizes.search_runs):
                elapsed, found = _timed(store.search, word)
                times.append(elapsed)
            row = Row(f"search {facts.items // 1000}k items, {kind}", spread(times), "-", "-",
                      "<= 100 ms", median(times) <= 0.100)
            row.notes.append(f"`{word}`: {hits} matching items, {len(found)} returned "
                             f"(store.search, limit 50)")
            rows.append(row)
    finally:
        store.close()
    return rows


def list_json(bench: Bench) -> list[Row]:
    facts = bench.store()
    times = []
    for _ in range(bench.sizes.list_runs):
        elapsed, output = bench.run_reader(facts.data_dir, "list", "--json", "--limit", "50")
        document = json.loads(output)
        if len(document) != 50:
            raise RuntimeError(f"reader list --json --limit 50 printed {len(document)} items")
        times.append(elapsed)
    bench.log(f"list: {spread(times)}")
    return [Row(f"`reader list --json --limit 50`, {facts.items // 1000}k items",
                spread(times), "-", "-", "<= 0.3 s", median(times) <= 0.3,
                ["whole process wall time, Python start-up included"])]


def related(bench: Bench) -> list[Row]:
    facts = bench.store()
    store = Store(facts.path)
    try:
        sample = facts.related_sample[: bench.sizes.related_articles]
        warm_up, _ = _timed(store.related, facts.long_article_id)  # imports feeds.related
        times, found = [], []
        for item_id in sample:
            elapsed, result = _timed(store.related, item_id)
            times.append(elapsed)
            found.append(len(result))
    finally:
        store.close()
    bench.log(f"related: {spread(times)}")
    return [Row(f"related items, {facts.items // 1000}k items (median of {len(sample)})",
                spread(times), "-", "-", "<= 50 ms", median(times) <= 0.050,
                [f"store.related(id); {median(found):g} related items found (median); the "
                 f"first call in a process (imports) took {seconds(warm_up)}"])]
