"""Issue 16's figures on the generated 100k-item store: a saved view's unread count
(<= 20 ms), filtering (<= 100 ms), and what keeping token positions in the full-text index
(detail='full', for true phrase queries) would cost against today's detail='column'.

Run alone: `python -m tests.benchmarks.filter_figures [--quick] [--no-detail] [--mmap]`, or
with the others: `python -m tests.benchmarks --only filters --only fts-detail`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from reader.filters import parse_filter
from reader.filters.commands import count_matching, filtered_headlines
from reader.store import Store
from tests.benchmarks.context import FULL, QUICK, Bench
from tests.benchmarks.report import Row, median, seconds, spread
from tests.benchmarks.textgen import COMMON_WORD

RUNS = 7
# The schema before issue 16's migration (SCHEMA_COVERING_TIME in reader/store.py): the two
# time indexes without the covered columns, measured in the same run for the ratio.
NARROW_INDEXES = (
    "DROP INDEX items_unread",
    "CREATE INDEX items_unread ON items (sort_time DESC, id DESC) WHERE read = 0",
    "DROP INDEX items_by_time",
    "CREATE INDEX items_by_time ON items (sort_time DESC, id DESC)",
)
PAGE = 200  # headlines a list needs first (a screen is ~40)


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def _prepared_copy(bench: Bench) -> tuple[Path, dict[str, str]]:
    """A private copy of the store with 70% of items read and folders on the feeds, and the
    filters to time (words picked from the store so they match)."""
    facts = bench.store()
    folder = bench.fresh_dir("filter-store")
    path = folder / "reader.db"
    shutil.copyfile(facts.path, path)
    store = Store(path)
    try:
        with store.transaction() as conn:
            conn.execute("UPDATE items SET read = 1 WHERE id % 10 < 7")
            conn.execute("""UPDATE feeds SET tags = CASE id % 5 WHEN 0 THEN '["tech"]'
                            WHEN 1 THEN '["news", "tech"]' ELSE '["misc"]' END""")
            conn.execute("UPDATE items SET starred = 1 WHERE id % 97 = 0")
        store.index_pending()
        words = [row[0] for row in store.conn.execute(
            "SELECT term FROM items_vocab WHERE length(term) > 4 AND doc BETWEEN ? AND ? "
            "ORDER BY doc DESC LIMIT 2", (facts.items // 50, facts.items // 10))]
        text = store.conn.execute("SELECT text FROM items WHERE id = 1000").fetchone()[0]
        phrase = _phrase(text)
    finally:
        store.close()
    filters = {
        "issue example": (f'unread and folder:tech and (title ~ "{words[1]}" or '
                          f'text:"{phrase}") and age < 7d'),
        "folder + unread": "unread and folder:tech",
        "two words OR": f"{words[0]} OR {COMMON_WORD}",
        "phrase": f'text:"{phrase}"',
        "title contains": f'title ~ "{words[1][:4]}"',
        "not starred, 2 weeks": "not starred and age < 2w and feed:bench",
    }
    return path, filters


def _phrase(text: str) -> str:
    """Two neighbouring words from the middle of an item's text (common words, no names)."""
    words = [word.strip(".,").lower() for word in text.split()]
    return " ".join(words[30:32])


def filters(bench: Bench, *, mmap: bool = False) -> list[Row]:
    """Both ways: on today's schema (covering time indexes), then with the narrow indexes
    the schema had before. `mmap`: the store's connection maps the file (PRAGMA mmap_size),
    as a suggestion for the lead to weigh."""
    path, named = _prepared_copy(bench)
    rows = _filter_rows(bench, path, named, "covering indexes (today)", mmap)
    store = Store(path)
    try:
        for statement in NARROW_INDEXES:
            store.conn.execute(statement)
    finally:
        store.close()
    return rows + _filter_rows(bench, path, named, "narrow indexes (before)", mmap)


def _filter_rows(bench: Bench, path: Path, named: dict[str, str], schema: str,
                 mmap: bool) -> list[Row]:
    items = bench.sizes.store_items // 1000
    store = Store(path)
    if mmap:
        store.conn.execute("PRAGMA mmap_size = 1073741824")
        schema += ", mmap"
    rows: list[Row] = []
    try:
        count_times: dict[str, list[float]] = {}
        list_times: dict[str, list[float]] = {}
        page_times: dict[str, list[float]] = {}
        found: dict[str, tuple[int, int]] = {}
        for name, text in named.items():
            expr = parse_filter(text)
            count_matching(store, expr, unread_only=True)  # warm the page cache
            counts, pages, lists = [], [], []
            for _ in range(RUNS):
                elapsed, unread = _timed(count_matching, store, expr, unread_only=True)
                counts.append(elapsed)
                elapsed, _page = _timed(filtered_headlines, store, expr, limit=PAGE)
                pages.append(elapsed)
                elapsed, headlines = _timed(filtered_headlines, store, expr)
                lists.append(elapsed)
            count_times[name], page_times[name], list_times[name] = counts, pages, lists
            found[name] = (unread, len(headlines))
        worst_count = max(count_times, key=lambda n: median(count_times[n]))
        worst_list = max(list_times, key=lambda n: median(list_times[n]))
        row = Row(f"saved view unread count, {items}k items, {schema} (slowest of "
                  f"{len(named)} views)",
                  spread(count_times[worst_count]), "-", "-", "<= 20 ms",
                  median(count_times[worst_count]) <= 0.020)
        row.notes += [f"`{named[n]}`: {seconds(median(count_times[n]))}, {found[n][0]} unread"
                      for n in named]
        rows.append(row)
        worst_page = max(page_times, key=lambda n: median(page_times[n]))
        row = Row(f"filter the list, {items}k items, {schema}: first {PAGE} headlines + "
                  f"count (slowest of {len(named)})",
                  spread([p + c for p, c in zip(page_times[worst_page],
                                                count_times[worst_page], strict=True)]),
                  "-", "-", "<= 100 ms",
                  median(page_times[worst_page]) + median(count_times[worst_page]) <= 0.100)
        row.notes += [f"`{named[n]}`: first page {seconds(median(page_times[n]))}"
                      for n in named]
        rows.append(row)
        row = Row(f"filter the list, {items}k items, {schema}: every matching headline "
                  f"(slowest of {len(named)})", spread(list_times[worst_list]), "-", "-",
                  "measured", None)
        row.notes += [f"`{named[n]}`: {seconds(median(list_times[n]))}, {found[n][1]} rows"
                      for n in named]
        rows.append(row)
    finally:
        store.close()
    return rows


def fts_detail(bench: Bench) -> list[Row]:
    """Build the index both ways from the same rows: time and bytes; and a phrase query with
    positions against the word AND + substring check used with detail='column'."""
    facts = bench.store()
    results: dict[str, tuple] = {}
    for detail in ("column", "full", "column", "full"):  # twice each: the first warms caches
        folder = bench.fresh_dir(f"fts-{detail}")
        path = folder / "reader.db"
        shutil.copyfile(facts.path, path)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        before = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"""CREATE VIRTUAL TABLE probe_fts USING fts5 (title, text,
                         content='items', content_rowid='id', detail='{detail}',
                         tokenize='unicode61 remove_diacritics 2')""")
        started = time.perf_counter()
        with conn:
            conn.execute("INSERT INTO probe_fts (rowid, title, text) "
                         "SELECT id, title, text FROM items")
        build = time.perf_counter() - started
        size = (conn.execute("PRAGMA page_count").fetchone()[0] - before) * \
            conn.execute("PRAGMA page_size").fetchone()[0]
        text = conn.execute("SELECT text FROM items WHERE id = 1000").fetchone()[0]
        first, second = _phrase(text).split()
        if detail == "full":
            query = ('SELECT count(*) FROM items WHERE id IN (SELECT rowid FROM probe_fts '
                     'WHERE probe_fts MATCH ?)', [f'text : "{first} {second}"'])
        else:
            query = ("SELECT count(*) FROM items WHERE id IN (SELECT rowid FROM probe_fts WHERE "
                     "probe_fts MATCH ?) AND instr(lower(text), ?) > 0",
                     [f'text : "{first}" AND text : "{second}"', f"{first} {second}"])
        times, hits = [], 0
        for _ in range(RUNS):
            elapsed, answer = _timed(lambda q=query, c=conn: c.execute(*q).fetchone()[0])
            times.append(elapsed)
            hits = answer
        if detail not in results or build < results[detail][0]:
            results[detail] = (build, size, times, hits)
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)
    column, full = results["column"], results["full"]
    items = bench.sizes.store_items // 1000
    return [
        Row(f"full-text index build, {items}k items, detail=full vs column", seconds(full[0]),
            seconds(column[0]), f"{full[0] / column[0]:.2f}x", "measured", None,
            [f"index size: full {full[1] / 2**20:.0f} MiB, column {column[1] / 2**20:.0f} MiB "
             f"({full[1] / column[1]:.2f}x)"]),
        Row(f"phrase query, {items}k items: positions (full) vs words + substring (column)",
            spread(full[2]), spread(column[2]), f"{median(full[2]) / median(column[2]):.2f}x",
            "measured", None, [f"{full[3]} vs {column[3]} matching items (the substring "
                               "check is stricter: it also wants the same punctuation)"]),
    ]


def main(argv: list[str] | None = None) -> int:
    from tests.benchmarks.report import table

    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.filter_figures")
    parser.add_argument("--quick", action="store_true", help="10k items instead of 100k")
    parser.add_argument("--no-detail", action="store_true", help="skip the index build figure")
    parser.add_argument("--mmap", action="store_true", help="map the database file (PRAGMA "
                        "mmap_size = 1 GiB) on the connection that counts and filters")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="reader-filter-bench-"))
    bench = Bench(QUICK if args.quick else FULL, workdir)
    try:
        load = os.getloadavg()[0]
        rows = filters(bench, mmap=args.mmap) + ([] if args.no_detail else fts_detail(bench))
        print(f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, "
              f"{os.cpu_count()} CPUs")
    finally:
        bench.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
