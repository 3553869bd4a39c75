"""The refresh's write path (issue 13): what crosses from the parsing workers comes back
whole, and the cheaper ways of storing it keep every item, mark and search hit."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from feeds.model import Enclosure
from reader.core.query import Query
from reader.refresh import Prepared, _Writer
from reader.store import ItemRecord, Store


def _record(number: int, **extra: object) -> ItemRecord:
    return ItemRecord(entry_id=f"e{number}", title=f"Title {number}", link=f"http://h/{number}",
                      author="An Author", published=1e9 + number, updated=None,
                      summary="<p>s</p>", content="<p>c</p>", text="words", **extra)


def test_a_workers_result_comes_back_equal_after_pickling() -> None:
    records = (
        _record(1),
        _record(2, related_links=("http://h/1",),
                enclosures=(Enclosure("http://h/a.mp3", "audio/mpeg", 10, 61),)),
    )
    prepared = Prepared("Feed", "http://h/", records, "1 item skipped", 3600, "en-US")
    back = ForkingPickler.loads(bytes(ForkingPickler.dumps(prepared)))
    assert back == prepared
    assert type(back.records[1]) is ItemRecord
    assert back.records[1].enclosures[0] == Enclosure("http://h/a.mp3", "audio/mpeg", 10, 61)
    assert Prepared("F", None, (), None) == ForkingPickler.loads(
        bytes(ForkingPickler.dumps(Prepared("F", None, (), None))))


def _counting_batches(store: Store) -> list[int]:
    """The size of each transaction `apply_many` makes (the real one still stores)."""
    sizes: list[int] = []
    real = store.apply_many

    def apply_many(batch):  # type: ignore[no-untyped-def]
        sizes.append(len(batch))
        return real(batch)

    store.apply_many = apply_many  # type: ignore[method-assign]
    return sizes


async def test_the_writer_waits_for_feeds_still_being_parsed(tmp_path: Path) -> None:
    store = Store(tmp_path / "reader.db")
    feeds = [store.add_feed(f"http://h/{number}") for number in range(3)]
    sizes = _counting_batches(store)
    writer = _Writer(store)
    writer.GATHER = 30.0  # the test says when parsing ends, not the clock
    try:
        writer.parsing(+1)  # a fourth feed is still in the parsers
        stored = [asyncio.ensure_future(writer.apply(feed, [_record(feed)])) for feed in feeds]
        while len(writer._applies) < 3:  # noqa: SLF001
            await asyncio.sleep(0.001)
        assert not any(task.done() for task in stored)
        writer.parsing(-1)  # it failed to parse: nothing more is coming
        stats = await asyncio.wait_for(asyncio.gather(*stored), 10)
    finally:
        writer.close()
    assert sizes == [3]
    assert [stat.new for stat in stats] == [1, 1, 1]
    assert store.count() == 3
    store.close()


async def test_the_writer_does_not_wait_when_nothing_is_being_parsed(tmp_path: Path) -> None:
    store = Store(tmp_path / "reader.db")
    feed = store.add_feed("http://h/1")
    writer = _Writer(store)
    writer.GATHER = 30.0
    started = time.monotonic()
    try:
        stats = await asyncio.wait_for(writer.apply(feed, [_record(1)]), 10)
    finally:
        writer.close()
    assert stats.new == 1
    assert time.monotonic() - started < 5
    store.close()


def test_a_store_of_the_previous_version_gets_the_larger_index_buffer(tmp_path: Path) -> None:
    """The full-text index's `hashsize` comes with a migration: a store made before it keeps
    its items and search, and writes its next segments the new way."""
    from reader.store import MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for script in MIGRATIONS[:-1]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    store = Store(path)
    feed = store.add_feed("http://h/")
    store.apply(feed, [_record(1)])
    assert dict(store.conn.execute("SELECT k, v FROM items_fts_config"))["hashsize"] == 8388608
    assert [row.title for row in store.search("words")] == ["Title 1"]
    store.close()


def test_search_finds_every_item_after_many_index_batches(tmp_path: Path) -> None:
    """Batches of index writes large and small (each `index_pending` a segment or more, then
    merges) leave every item findable by each of its words, and no deleted one."""
    store = Store(tmp_path / "reader.db")
    feed = store.add_feed("http://h/")
    words = [f"w{number:04d}x" for number in range(600)]
    for start in range(0, 600, 75):
        store.apply(feed, [
            ItemRecord(entry_id=f"e{n}", title=f"T{n}", link=None, author="", published=1e9 + n,
                       updated=None, summary="", content="",
                       text=" ".join([words[n], "shared", *words[(n * 7) % 600:][:40]]))
            for n in range(start, start + 75)])
        store.index_pending()
    assert store.count(Query(search="shared")) == 600
    for number in (0, 1, 299, 599):
        hits = {row.title for row in store.search(words[number], limit=1000)}
        holders = {f"T{n}" for n in range(600)
                   if words[number] in [words[n], *words[(n * 7) % 600:][:40]]}
        assert hits == holders
    store.prune(feed, max_items=300, delete_unread=True)
    assert store.count(Query(search="shared")) == 300
    store.close()


async def test_a_refresh_writes_with_a_larger_page_cache_and_gives_it_back(tmp_path: Path
                                                                           ) -> None:
    from reader.store import REFRESH_CACHE_KIB

    store = Store(tmp_path / "reader.db")
    feed = store.add_feed("http://h/1")
    default = store.conn.execute("PRAGMA cache_size").fetchone()[0]

    def cache() -> int:
        return store.conn.execute("PRAGMA cache_size").fetchone()[0]

    first, second = _Writer(store), _Writer(store)  # two at once: the app and a subscribe
    assert await first(cache) == -REFRESH_CACHE_KIB
    await first.apply(feed, [_record(1)])
    first.close()
    first.pool.shutdown(wait=True)
    assert await second(cache) == -REFRESH_CACHE_KIB  # the other still writes
    second.close()
    second.pool.shutdown(wait=True)
    assert cache() == default
    store.close()


async def test_a_refresh_stopped_early_gives_the_page_cache_back(tmp_path: Path) -> None:
    """A refresh closed before its end (the app's stop, a quit, a full disk) still hands the
    store's page cache back: on the app's thread path the store is the app's own, which
    otherwise kept 8 MiB of cache for good and counted every later refresh from one."""
    from reader.refresh import FeedDone, refresh
    from tests.feedgen import rss
    from tests.httpserver import LocalServer, Reply

    server = LocalServer().start()
    store = Store(tmp_path / "reader.db")
    default = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    try:
        for number in range(3):
            store.add_feed(server.route(f"/{number}.xml", Reply(200, rss(f"F{number}", 2))))
        events = refresh(store)
        async for event in events:
            if isinstance(event, FeedDone):
                break
        await events.aclose()
        deadline = time.monotonic() + 10
        while (store.conn.execute("PRAGMA cache_size").fetchone()[0] != default
               and time.monotonic() < deadline):
            await asyncio.sleep(0.02)
        assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == default
        assert store._refreshes == 0  # noqa: SLF001
    finally:
        server.stop()
        store.close()


async def test_the_writers_other_work_runs_between_batches(tmp_path: Path) -> None:
    """While feeds keep coming, the writer stores one batch, then lets the work queued
    behind it run (the search index's batches, errors) before the next: building the index
    only at the end put it on one core after everything else."""
    store = Store(tmp_path / "reader.db")
    feeds = [store.add_feed(f"http://h/{number}") for number in range(6)]
    order: list[str] = []
    real = store.apply_many
    # The first batch waits until the other work is queued: on a loaded machine the writer's
    # thread could otherwise store all three batches before the event loop queued it.
    other_work_queued = threading.Event()

    def apply_many(batch):  # type: ignore[no-untyped-def]
        order.append(f"batch of {len(batch)}")
        if len(order) == 1:
            other_work_queued.wait(10)
        return real(batch)

    store.apply_many = apply_many  # type: ignore[method-assign]
    writer = _Writer(store)
    writer.APPLY_FEEDS = 2
    writer.GATHER = 0.0
    try:
        stored = [asyncio.ensure_future(writer.apply(feed, [_record(feed)])) for feed in feeds]
        await asyncio.sleep(0)  # all six queued; the first batch is on its way
        indexed = asyncio.ensure_future(writer(lambda: order.append("other work")))
        await asyncio.sleep(0)  # the other work is handed to the writer's thread
        other_work_queued.set()
        await asyncio.wait_for(asyncio.gather(*stored, indexed), 10)
    finally:
        writer.close()
    assert order.index("other work") < len(order) - 1, order
    assert store.count() == 6
    store.close()
