"""The refresh's write path (issue 13): what crosses from the parsing workers comes back
whole, and the cheaper ways of storing it keep every item, mark and search hit."""

from __future__ import annotations

import asyncio
import time
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from feeds.model import Enclosure
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
