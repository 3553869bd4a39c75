"""The refresh figures: the corpus served cold, realistic feeds cold, with latency, and steady
(all 304); and parse throughput.

Ours is the whole `reader refresh` process after `reader import urls` (the import is timed
apart and shown in the notes); the baseline is `newsboat -x reload` with `reload-threads 8`, on
the same servers in the same run, runs interleaved so both see the same machine noise. Feeds
are spread over loopback addresses (127.0.0.2, 127.0.0.3, ...) as the corpus's feeds spread
over hosts: our per-host limit (4) applies per address, as it would per site.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from feeds.fetch import FetchLimits
from tests.benchmarks.baseline import NOT_INSTALLED, Newsboat, newsboat_path
from tests.benchmarks.context import REPO, Bench
from tests.benchmarks.feedgen import Document
from tests.benchmarks.report import Row, median, ratio, seconds, spread
from tests.benchmarks.server import MultiHostServer

_REFRESHED = re.compile(r"refreshed (\d+) feeds?: (\d+) new items?(?:, (\d+) failed)?")


def _check_counts(server: MultiHostServer, expected: dict[int, int], who: str) -> None:
    counts = server.counts()
    if counts != expected:
        raise RuntimeError(f"{who}: the servers answered {counts}, expected {expected}")


def _check_summary(output: str, feeds: int, new: int | None) -> None:
    """`new` None: a corpus run, where some documents are no feed and fail on purpose."""
    found = _REFRESHED.search(output)
    if (not found or int(found[1]) != feeds
            or (new is not None and (int(found[2]) != new or found[3]))):
        raise RuntimeError(f"reader refresh said {output.strip()!r}; expected {feeds} feeds, "
                           f"{new} new items, no failure")


def _judge(figure: str, ours: list[float], theirs: list[float], limit: float) -> Row:
    target = f"<= {limit:g}x newsboat"
    if not theirs:
        return Row(figure, spread(ours), "-", "-", target, None, [NOT_INSTALLED])
    share = median(ours) / median(theirs)
    return Row(figure, spread(ours), spread(theirs), ratio(median(ours), median(theirs)),
               target, share <= limit)


def _served(bench: Bench, documents: list[Document], latency: float = 0.0) -> MultiHostServer:
    hosts = bench.host_numbers(len(documents))
    return MultiHostServer(documents, hosts, latency=latency)


def _cold_runs(bench: Bench, server: MultiHostServer, documents: list[Document], runs: int,
               label: str, newsboat: Newsboat | None, *, corpus: bool = False
               ) -> tuple[list[float], list[float], list[float], Path, list[str]]:
    """`runs` cold refreshes each of newsboat, ours (and the `--compare` tree's, whose times
    and data folder go to `bench.compared[label]`)."""
    feeds = len(documents)
    items = None if corpus else sum(d.items for d in documents)
    urls_file = bench.workdir / f"{label}-urls"
    urls_file.write_text("\n".join(server.urls()) + "\n", encoding="utf-8")
    ours, theirs, imports, notes = [], [], [], []
    others: list[float] = []
    data = other_data = bench.workdir

    def reader_run(tree: Path | None, name: str) -> tuple[float, float, Path, str]:
        folder = bench.fresh_dir(name)
        server.reset_counts()
        imported, _ = bench.run_reader(folder, "import", str(urls_file), tree=tree)
        elapsed, output = bench.run_reader(folder, "refresh", tree=tree)
        _check_counts(server, {200: feeds}, "reader")
        _check_summary(output, feeds, items)
        return elapsed, imported, folder, output

    for run in range(runs):
        if newsboat is not None:
            newsboat.reset_cache()
            server.reset_counts()
            theirs.append(newsboat.reload())
            _check_counts(server, {200: feeds}, "newsboat")
            stored = newsboat.item_count()
            if items is not None and stored != items and run == 0:
                notes.append(f"newsboat stored {stored} items of {items}")
            bench.log(f"{label} run {run + 1}: newsboat {seconds(theirs[-1])} ({stored} items)")
        order = [None, bench.compare] if run % 2 == 0 else [bench.compare, None]
        for tree in order:
            if tree is None:
                elapsed, imported, data, output = reader_run(None, f"{label}-data-{run}")
                ours.append(elapsed)
                imports.append(imported)
                bench.log(f"{label} run {run + 1}: reader {seconds(elapsed)} "
                          f"(import {seconds(imported)}): {output.strip()[:80]}")
            elif bench.compare is not None:
                elapsed, _, other_data, _ = reader_run(tree, f"{label}-compare-data-{run}")
                others.append(elapsed)
                bench.log(f"{label} run {run + 1}: compared reader {seconds(elapsed)}")
    if bench.compare is not None:
        bench.compared[label] = (others, other_data)
        share = f" = {ratio(median(others), median(theirs))} of newsboat" if theirs else ""
        notes.append(f"the reader of {bench.compare}: {spread(others)}{share}")
    return ours, theirs, imports, data, notes


def _corpus_documents() -> list[Document]:
    from tests.benchmarks.corpus_mix import corpus_documents

    documents = []
    for name, body in corpus_documents():
        kind = ("application/json" if name.endswith(".json") else
                "application/atom+xml" if name.endswith(".atom") else "application/xml")
        documents.append(Document("/corpus/" + quote(name), body, kind, "corpus", 0))
    return documents


def corpus_refresh(bench: Bench) -> list[Row]:
    """The corpus itself, every file as it is, cold."""
    from tests.benchmarks.corpus_mix import NO_CORPUS

    documents = _corpus_documents()
    if not documents:
        return [Row("cold refresh, the corpus", "-", "-", "-", "<= 0.5x newsboat", None,
                    [NO_CORPUS])]
    with _served(bench, documents) as server:
        newsboat = (Newsboat(bench.workdir / "newsboat-corpus", server.urls())
                    if newsboat_path() else None)
        ours, theirs, imports, _, notes = _cold_runs(
            bench, server, documents, bench.sizes.corpus_runs, "corpus", newsboat, corpus=True)
    row = _judge(f"cold refresh, the corpus ({len(documents)} files)", ours, theirs, 0.5)
    row.notes += notes
    row.notes.append(f"{server.host_count} loopback hosts; `reader import` before it: "
                     f"{spread(imports)}; {sum(len(d.body) for d in documents) / 2**20:.1f} MiB, "
                     "files that are no feed fail in both")
    return [row]


def cold_and_steady(bench: Bench, *, cold: bool, steady: bool) -> list[Row]:
    """Realistic feeds cold; the steady runs start from the last cold state."""
    sizes = bench.sizes
    documents = bench.realistic(sizes.cold_feeds)
    feeds = len(documents)
    rows = []
    with _served(bench, documents) as server:
        newsboat = (Newsboat(bench.workdir / "newsboat-cold", server.urls())
                    if newsboat_path() else None)
        runs = sizes.cold_runs if cold else 1
        ours, theirs, imports, data, notes = _cold_runs(bench, server, documents, runs, "cold",
                                                        newsboat)
        if cold:
            items = sum(d.items for d in documents)
            row = _judge(f"cold refresh, {feeds} realistic feeds ({items} items)", ours, theirs,
                         0.4)
            row.notes += notes
            row.notes.append(f"{server.host_count} loopback hosts; `reader import` before it: "
                             f"{spread(imports)}; "
                             f"{sum(len(d.body) for d in documents) / 2**20:.0f} MiB of XML")
            rows.append(row)
        if steady:
            rows.append(_steady(bench, server, newsboat, data, feeds))
    return rows


def _steady(bench: Bench, server: MultiHostServer, newsboat: Newsboat | None, data: Path,
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
        notes.append("newsboat's cache ANALYZEd first")
    ours: list[float] = []
    others: list[float] = []
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
        if "cold" in bench.compared:
            server.reset_counts()
            elapsed, output = bench.run_reader(bench.compared["cold"][1], "refresh", "--all",
                                               tree=bench.compare)
            others.append(elapsed)
            _check_counts(server, {304: feeds}, "compared reader")
            bench.log(f"steady run {run + 1}: compared reader {seconds(elapsed)}")
    row = _judge(f"steady refresh, {feeds} feeds all 304", ours, theirs, 0.35)
    row.key = "steady"
    row.notes += notes
    if others:
        share = f" = {ratio(median(others), median(theirs))} of newsboat" if theirs else ""
        row.notes.append(f"the reader of {bench.compare}: {spread(others)}{share}")
    row.notes.append(_startup_floor(bench, runs, theirs))
    for client in ("fetch_all", "httpx", "aiohttp"):
        row.notes.append(_http_floor(bench, server, runs, theirs, client))
    return row


def _startup_floor(bench: Bench, runs: int, theirs: list[float]) -> str:
    """What every `reader refresh` pays before its first request: the interpreter and the
    modules of the refresh path (the command line, the store, the pipeline, the HTTP client)."""
    code = ("import reader.cli, reader.refresh, reader.schedule, reader.feed_settings, "
            "feeds.fetch")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([bench.python, "-c", code], env=bench.env, cwd=REPO, check=True,
                       timeout=60)
        times.append(time.perf_counter() - started)
    share = f" = {ratio(median(times), median(theirs))} of newsboat" if theirs else ""
    return (f"start-up alone (Python and the refresh path's imports, no store, no request): "
            f"{spread(times)}{share}")


def _http_floor(bench: Bench, server: MultiHostServer, runs: int, theirs: list[float],
                client: str) -> str:
    """The same conditional GETs through one HTTP client alone, in a process of its own."""
    pairs = [[url, etag] for url, (_, _, etag) in server.documents.items()]
    listing = bench.workdir / "steady-requests.json"
    listing.write_text(json.dumps(pairs))
    times = []
    for _ in range(runs):
        server.reset_counts()
        done = subprocess.run([bench.python, "-m", "tests.benchmarks.http_floor", client,
                               str(listing)], env=bench.env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            if f"No module named '{client}'" in done.stderr:
                return f"{client} is not installed: not measured (pip install {client})"
            return f"{client} alone: not measured ({done.stderr.strip()[-160:]})"
        times.append(float(done.stdout) / 1000)
        _check_counts(server, {304: len(pairs)}, f"{client} alone")
    share = f" = {ratio(median(times), median(theirs))} of newsboat" if theirs else ""
    what = {"fetch_all": "feeds.fetch.fetch_all (aiohttp's client and our checks)",
            "httpx": "httpx's transport (httpcore)",
            "aiohttp": "aiohttp's ClientSession"}[client]
    return (f"{what} alone, our limits, no start-up, store or parsing, the same {len(pairs)} "
            f"requests: {spread(times)}{share}")


def latency_refresh(bench: Bench) -> list[Row]:
    sizes = bench.sizes
    documents = bench.realistic(sizes.cold_feeds)[: sizes.latency_feeds]
    feeds = len(documents)
    limits = FetchLimits()
    with _served(bench, documents, latency=sizes.latency) as server:
        newsboat = (Newsboat(bench.workdir / "newsboat-latency", server.urls())
                    if newsboat_path() else None)
        ours, theirs, _, _, notes = _cold_runs(bench, server, documents, sizes.latency_runs,
                                               "latency", newsboat)
        wider: list[float] = []
        if limits.concurrency < 32:
            bench.write_config("[fetch]\nconcurrency = 32\nper_host = 4\n")
            try:
                wider, _, _, _, _ = _cold_runs(bench, server, documents, sizes.latency_runs,
                                               "latency-32", None)
            finally:
                bench.write_config("")
        hosts = server.host_count
    row = _judge(f"cold refresh, {feeds} feeds on {hosts} hosts, "
                 f"+{sizes.latency * 1000:.0f} ms per request", ours, theirs, 0.3)
    row.notes += notes
    busiest = max(bench.host_numbers(feeds).count(h) for h in set(bench.host_numbers(feeds)))
    row.notes.append(
        f"at our default {limits.concurrency} at once, {limits.per_host} per host, the latency "
        f"alone costs >= {seconds(feeds * sizes.latency / limits.concurrency)} (the busiest "
        f"host serves {busiest}); newsboat's 8 threads, >= {seconds(feeds * sizes.latency / 8)}")
    if wider:
        share = f" = {ratio(median(wider), median(theirs))} of newsboat" if theirs else ""
        row.notes.append(f"with `[fetch] concurrency = 32` (4 per host kept): "
                         f"{spread(wider)}{share}")
    return [row]


def parse_throughput(bench: Bench) -> list[Row]:
    """`feeds.parse.parse` over well-formed documents, in this process: MB of XML a second."""
    from feeds import parse as parsing
    from feeds import xmlfeed
    from tests.benchmarks.corpus_mix import corpus_documents

    sets: list[tuple[str, list[tuple[bytes, str]]]] = []
    corpus = []
    for _, body in corpus_documents():
        prepared, content_type, _ = parsing._transcode(body, "")
        prepared = parsing.strip_internal_subset(parsing._declaration_first(prepared))
        root = xmlfeed.tree(prepared)
        if root is not None and parsing._parse_lxml(root, prepared, "http://x/") is not None:
            corpus.append((body, ""))
    if corpus:
        sets.append((f"{len(corpus)} well-formed corpus documents", corpus))
    real = [(d.body, d.content_type) for d in bench.realistic(bench.sizes.cold_feeds)]
    sets.append((f"{len(real)} realistic feeds", real))
    rows = []
    for label, documents in sets:
        size = sum(len(body) for body, _ in documents)
        times = []
        for _ in range(bench.sizes.parse_runs):
            started = time.perf_counter()
            for body, content_type in documents:
                parsing.parse(body, {"content-type": content_type}, "https://example.com/f")
            times.append(time.perf_counter() - started)
        rate = size / median(times) / 1e6
        row = Row(f"parse throughput, {label}", f"{rate:.1f} MB/s", "-", "-", ">= 30 MB/s",
                  rate >= 30, [f"{size / 1e6:.1f} MB in {spread(times)}; one process, "
                               "sanitizing and cleaning included"])
        row.key = "parse"
        rows.append(row)
    rows[-1].notes.append(_parse_stages(sets[0][1]))
    return rows


def _parse_stages(documents: list[tuple[bytes, str]]) -> str:
    """Where parse time goes: lxml's tree, our mapping, the sanitizer and cleaning."""
    from feeds import parse as parsing
    from feeds import xmlfeed

    prepared = [parsing.strip_internal_subset(parsing._declaration_first(
        parsing._transcode(body, "")[0])) for body, _ in documents]
    size = sum(len(body) for body in prepared)
    started = time.perf_counter()
    trees = [xmlfeed.tree(body) for body in prepared]
    tree_time = time.perf_counter() - started
    started = time.perf_counter()
    read = [xmlfeed.read(root, b"xml:base" in body) for root, body in zip(trees, prepared,
                                                                             strict=True)]
    read_time = time.perf_counter() - started
    started = time.perf_counter()
    for document in read:
        if document is not None:
            parsing._from_dicts(document.version, document.feed, document.entries, [],
                                "https://example.com/f", ours=True)
    map_time = time.perf_counter() - started
    return (f"stages over the corpus documents: lxml tree {size / tree_time / 1e6:.0f} MB/s, "
            f"our mapping {size / read_time / 1e6:.0f} MB/s, entries (sanitize_html, clean, "
            f"dates) {size / map_time / 1e6:.0f} MB/s")
