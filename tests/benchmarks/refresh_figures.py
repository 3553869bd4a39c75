"""Figures 1-3: cold refresh, cold refresh with latency, steady (all 304) refresh.

Ours is the whole `reader refresh` process after `reader import urls` (the import is timed
apart and shown in the notes); the baseline is `newsboat -x reload` with `reload-threads 8`, on
the same server in the same run, runs interleaved so both see the same machine noise.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from feeds.fetch import FetchLimits
from tests.benchmarks.baseline import NOT_INSTALLED, Newsboat, newsboat_path
from tests.benchmarks.context import REPO, Bench
from tests.benchmarks.report import Row, median, ratio, seconds, spread
from tests.benchmarks.server import FeedServer

_REFRESHED = re.compile(r"refreshed (\d+) feeds?: (\d+) new items?(?:, (\d+) failed)?")


def _check_counts(server: FeedServer, expected: dict[int, int], who: str) -> None:
    counts = server.counts()
    if counts != expected:
        raise RuntimeError(f"{who}: the server answered {counts}, expected {expected}")


def _check_summary(output: str, feeds: int, new: int) -> None:
    found = _REFRESHED.search(output)
    if not found or int(found[1]) != feeds or int(found[2]) != new or found[3]:
        raise RuntimeError(f"reader refresh said {output.strip()!r}; expected {feeds} feeds, "
                           f"{new} new items, no failure")


def _judge(figure: str, ours: list[float], theirs: list[float], limit: float) -> Row:
    target = f"<= {limit:g}x newsboat"
    if not theirs:
        return Row(figure, spread(ours), "-", "-", target, None, [NOT_INSTALLED])
    share = median(ours) / median(theirs)
    return Row(figure, spread(ours), spread(theirs), ratio(median(ours), median(theirs)),
               target, share <= limit)


def _cold_runs(bench: Bench, server: FeedServer, feeds: int, items: int, runs: int,
               label: str, newsboat: Newsboat | None) -> tuple[list[float], list[float],
                                                            list[float], Path]:
    urls_file = bench.workdir / f"{label}-urls"
    urls_file.write_text("\n".join(server.urls()) + "\n", encoding="utf-8")
    ours, theirs, imports = [], [], []
    data = bench.workdir
    for run in range(runs):
        if newsboat is not None:
            newsboat.reset_cache()
            server.reset_counts()
            theirs.append(newsboat.reload())
            _check_counts(server, {200: feeds}, "newsboat")
            stored = newsboat.item_count()
            if stored != feeds * items:
                raise RuntimeError(f"newsboat stored {stored} items, expected {feeds * items}")
            bench.log(f"{label} run {run + 1}: newsboat {seconds(theirs[-1])}")
        data = bench.fresh_dir(f"{label}-data-{run}")
        server.reset_counts()
        imported, _ = bench.run_reader(data, "import", str(urls_file))
        imports.append(imported)
        elapsed, output = bench.run_reader(data, "refresh")
        ours.append(elapsed)
        _check_counts(server, {200: feeds}, "reader")
        _check_summary(output, feeds, feeds * items)
        bench.log(f"{label} run {run + 1}: reader {seconds(elapsed)} "
                  f"(import {seconds(imported)})")
    return ours, theirs, imports, data


def cold_and_steady(bench: Bench, *, cold: bool, steady: bool) -> list[Row]:
    """Figures 1 and 3 share one server: the steady runs start from the last cold state."""
    sizes = bench.sizes
    feeds, items = sizes.cold_feeds, sizes.cold_items
    documents = bench.feeds(feeds, items)
    rows = []
    with FeedServer(documents) as server:
        newsboat = (Newsboat(bench.workdir / "newsboat-cold", server.urls())
                    if newsboat_path() else None)
        runs = sizes.cold_runs if cold else 1
        ours, theirs, imports, data = _cold_runs(bench, server, feeds, items, runs, "cold",
                                                 newsboat)
        if cold:
            row = _judge(f"cold refresh, {feeds} feeds x {items} items", ours, theirs, 0.5)
            row.notes.append(f"`reader import` before it: {spread(imports)}; "
                             f"{sum(len(d.body) for d in documents) / 2**20:.0f} MiB of XML")
            rows.append(row)
        if steady:
            rows.append(_steady(bench, server, newsboat, data, feeds))
    return rows


def _steady(bench: Bench, server: FeedServer, newsboat: Newsboat | None, data: Path,
            feeds: int) -> Row:
    runs = bench.sizes.steady_runs
    theirs: list[float] = []
    notes = []
    if newsboat is not None:
        # newsboat 2.21 sends its validators only from the second reload after a cold one.
        for _attempt in range(3):
            server.reset_counts()
            newsboat.reload()
            if server.counts() == {304: feeds}:
                break
        else:
            raise RuntimeError(f"newsboat never got all 304s: {server.counts()}")
        newsboat.analyze()
        notes.append("newsboat's cache ANALYZEd first, as the issue asks")
    ours = []
    for run in range(runs):
        if newsboat is not None:
            server.reset_counts()
            theirs.append(newsboat.reload())
            _check_counts(server, {304: feeds}, "newsboat")
        server.reset_counts()
        elapsed, output = bench.run_reader(data, "refresh", "--all")
        ours.append(elapsed)
        _check_counts(server, {304: feeds}, "reader")
        _check_summary(output, feeds, 0)
        bench.log(f"steady run {run + 1}: reader {seconds(elapsed)}"
                  + (f", newsboat {seconds(theirs[-1])}" if theirs else ""))
    row = _judge(f"steady refresh, {feeds} feeds all 304", ours, theirs, 0.25)
    row.key = "steady"
    row.notes += notes
    row.notes.append(_http_floor(bench, server, runs, theirs))
    return row


def _http_floor(bench: Bench, server: FeedServer, runs: int, theirs: list[float]) -> str:
    """The same conditional GETs through httpx's transport alone, in a process of its own."""
    pairs = [[server.url(path), etag] for path, (_, _, etag) in server.documents.items()]
    listing = bench.workdir / "steady-requests.json"
    listing.write_text(json.dumps(pairs))
    times = []
    for _ in range(runs):
        server.reset_counts()
        done = subprocess.run([bench.python, "-m", "tests.benchmarks.http_floor", str(listing)],
                              env=bench.env, cwd=REPO, capture_output=True, text=True,
                              check=True, timeout=300)
        times.append(float(done.stdout) / 1000)
        _check_counts(server, {304: len(pairs)}, "httpcore alone")
    share = f" = {ratio(median(times), median(theirs))} of newsboat" if theirs else ""
    return (f"httpx's transport (httpcore) alone, the same {len(pairs)} requests with our "
            f"limits, no start-up, store or parsing: {spread(times)}{share}")


def latency_refresh(bench: Bench) -> list[Row]:
    sizes = bench.sizes
    feeds, items = sizes.latency_feeds, sizes.latency_items
    documents = bench.feeds(feeds, items)
    with FeedServer(documents, latency=sizes.latency) as server:
        newsboat = (Newsboat(bench.workdir / "newsboat-latency", server.urls())
                    if newsboat_path() else None)
        ours, theirs, _, _ = _cold_runs(bench, server, feeds, items, sizes.latency_runs,
                                        "latency", newsboat)
    row = _judge(f"cold refresh, {feeds} feeds, +{sizes.latency * 1000:.0f} ms per request",
                 ours, theirs, 0.3)
    limits = FetchLimits()
    row.notes.append(f"all feeds are on one host (127.0.0.1): at our default "
                     f"{limits.per_host} requests per host the latency alone costs >= "
                     f"{seconds(feeds * sizes.latency / limits.per_host)}; newsboat's 8 "
                     f"threads, >= {seconds(feeds * sizes.latency / 8)}; even with every "
                     f"feed on its own host, {limits.concurrency} at once cost >= "
                     f"{seconds(feeds * sizes.latency / limits.concurrency)}")
    return [row]
