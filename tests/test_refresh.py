"""Refresh against the real local HTTP server: 304, 301, 410, 429 and failures keep items."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.fetch import FetchLimits
from reader.core.query import Query
from reader.refresh import (
    AddError,
    AlreadySubscribed,
    FeedDone,
    FeedFailed,
    RefreshStarted,
    RefreshSummary,
    refresh,
    subscribe,
)
from reader.store import Store
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply, Request

FAST = FetchLimits(connect_timeout=2, total_timeout=3)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "reader.db")


async def run(store: Store, feed_ids: list[int] | None = None, force: bool = False) -> list:
    return [event async for event in refresh(store, feed_ids, limits=FAST, force=force)]


def conditional(body: str, etag: str = '"v1"') -> object:
    def reply(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"")
        return Reply(200, body, headers={"ETag": etag,
                                         "Last-Modified": "Mon, 10 Jan 2022 12:00:00 GMT"})
    return reply


async def test_not_modified_stores_nothing_new_and_keeps_validators(
        store: Store, http_server: LocalServer) -> None:
    url = http_server.route("/feed.xml", conditional(rss("Wire", 3)))
    feed = store.add_feed(url)
    first = await run(store)
    assert isinstance(first[0], RefreshStarted)
    assert [e.new for e in first if isinstance(e, FeedDone)] == [3]
    assert store.fetch_state(feed)["etag"] == '"v1"'
    second = await run(store)
    done = [e for e in second if isinstance(e, FeedDone)]
    assert done[0].not_modified and done[0].new == 0
    assert http_server.requests_for("/feed.xml")[-1].headers["if-none-match"] == '"v1"'
    assert store.fetch_state(feed)["etag"] == '"v1"'
    assert store.count() == 3


async def test_permanent_redirect_moves_the_feed_and_keeps_items(
        store: Store, http_server: LocalServer) -> None:
    new_url = http_server.route("/new.xml", Reply(200, rss("Moved", 2)))
    old_url = http_server.route("/old.xml", Reply(200, rss("Moved", 2)))
    feed = store.add_feed(old_url)
    await run(store)
    store.mark_read([row.id for row in store.headlines()])
    http_server.route("/old.xml", Reply(301, b"", headers={"Location": "/new.xml"}))
    events = await run(store)
    done = [e for e in events if isinstance(e, FeedDone)][0]
    assert done.moved_to == new_url
    assert store.fetch_state(feed)["url"] == new_url
    assert store.count() == 2 and store.count(Query(unread=True)) == 0


async def test_gone_marks_the_feed_and_stops_fetching_it(
        store: Store, http_server: LocalServer) -> None:
    url = http_server.route("/feed.xml", Reply(200, rss("Soon gone", 2)))
    feed = store.add_feed(url)
    await run(store)
    http_server.route("/feed.xml", Reply(410, b"gone"))
    events = await run(store)
    failed = [e for e in events if isinstance(e, FeedFailed)][0]
    assert failed.gone and store.feeds()[0].gone
    requests = len(http_server.requests_for("/feed.xml"))
    again = await run(store)
    assert again == [RefreshStarted(total=0, skipped=1)]
    assert len(http_server.requests_for("/feed.xml")) == requests
    assert store.count(Query(feed_id=feed)) == 2


async def test_too_many_requests_holds_the_feed_back(store: Store,
                                                     http_server: LocalServer) -> None:
    url = http_server.route("/feed.xml", Reply(429, b"", headers={"Retry-After": "3600"}))
    feed = store.add_feed(url)
    events = await run(store)
    assert [e for e in events if isinstance(e, FeedFailed)]
    assert store.fetch_state(feed)["not_before"] is not None
    assert (await run(store))[0] == RefreshStarted(total=0, skipped=1)
    forced = await run(store, [feed], force=True)
    assert len(forced) == 3  # started, feed started, failed again


@pytest.mark.parametrize("bad", [
    Reply(500, b"oops", content_type="text/plain"),
    Reply(404, b"missing", content_type="text/plain"),
    Reply(200, b"<html><body>not a feed</body></html>", content_type="text/html"),
    Reply(200, b""),
    Reply(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"),
])
async def test_a_failing_feed_keeps_its_items_and_marks(store: Store, http_server: LocalServer,
                                                        bad: Reply) -> None:
    url = http_server.route("/feed.xml", Reply(200, rss("Kept", 4)))
    other = http_server.route("/other.xml", Reply(200, rss("Other", 1)))
    feed = store.add_feed(url)
    store.add_feed(other)
    await run(store)
    ids = [row.id for row in store.headlines(Query(feed_id=feed))]
    store.mark_read(ids[:2])
    store.set_starred(ids[3:])
    before = store.headlines(Query(feed_id=feed))
    fetched_before = store.feed(feed).last_fetched
    state_before = store.fetch_state(feed)
    http_server.route("/feed.xml", bad)
    http_server.route("/other.xml", Reply(200, rss("Other", 3)))
    summary = RefreshSummary()
    for event in await run(store):
        summary.add(event)
    assert len(summary.failures) == 1 and "\n" not in summary.failures[0].error
    assert summary.new == 2
    assert store.headlines(Query(feed_id=feed)) == before
    assert store.feed(feed).last_error == summary.failures[0].error
    # The error and nothing else: the last fetch that worked and its validators stay.
    assert store.feed(feed).last_fetched == fetched_before is not None
    after = store.fetch_state(feed)
    assert (after["etag"], after["last_modified"]) == (state_before["etag"],
                                                       state_before["last_modified"])


async def test_subscribe_follows_a_page_to_its_feed(store: Store,
                                                    http_server: LocalServer) -> None:
    feed_url = http_server.route("/feed.xml", Reply(200, rss("Found", 2)))
    page = http_server.route("/", Reply(200, '<html><head><link rel="alternate" '
                                        'type="application/rss+xml" href="/feed.xml">'
                                        "</head><body>hi</body></html>",
                                        content_type="text/html"))
    feed_id, stats, found = await subscribe(store, page, limits=FAST)
    assert found.url == feed_url and stats.new == 2
    with pytest.raises(AlreadySubscribed):
        await subscribe(store, feed_url, limits=FAST)
    assert store.feed(feed_id).title == "Found"


async def test_subscribe_refuses_what_is_not_a_feed(store: Store,
                                                    http_server: LocalServer) -> None:
    page = http_server.route("/page", Reply(200, "<html><body>no feeds</body></html>",
                                            content_type="text/html"))
    with pytest.raises(AddError, match="HTML page with no feed link"):
        await subscribe(store, page, limits=FAST)
    with pytest.raises(AddError, match="404"):
        await subscribe(store, http_server.url("/missing"), limits=FAST)
    assert store.feed_count() == 0


async def test_a_refresh_where_every_feed_answers_304_starts_no_workers(
        store: Store, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes cost a Python start and their imports: only parsing pays for them."""
    from reader import refresh as refresh_module

    for number in range(refresh_module.PROCESS_POOL_FROM):
        store.add_feed(http_server.route(f"/{number}.xml", conditional(rss(f"W{number}", 2))))
    await run(store)  # the first refresh parses, so it starts them
    started: list[bool] = []
    original = refresh_module.Parsers._start_pool

    def spy(self: refresh_module.Parsers) -> None:
        started.append(True)
        original(self)

    monkeypatch.setattr(refresh_module.Parsers, "_start_pool", spy)
    events = await run(store)
    assert [e.not_modified for e in events if isinstance(e, FeedDone)] == [True] * 8
    assert started == []


async def test_many_304s_are_written_in_batches_and_all_land(
        store: Store, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh writes its 304s in batches (one transaction each), not one by one; each
    feed still gets its new validators, its fetch time and its error cleared."""
    from reader import refresh as refresh_module

    monkeypatch.setattr(refresh_module._Writer, "NOT_MODIFIED_BATCH", 4)
    feeds = []
    for number in range(10):
        etag = f'"e{number}"'

        def reply(request: Request, etag: str = etag, body: str = rss(f"B{number}", 1)
                  ) -> Reply:
            if request.headers.get("if-none-match") == etag:
                return Reply(304, b"", headers={"ETag": etag + "-new"})
            return Reply(200, body, headers={"ETag": etag})

        feeds.append(store.add_feed(http_server.route(f"/b{number}.xml", reply)))
    await run(store)
    store.record_error(feeds[0], "an old failure")

    def state(feed: int) -> tuple:  # etag, last fetched, last error
        return store.conn.execute("SELECT etag, last_fetched, last_error FROM feeds "
                                  "WHERE id = ?", (feed,)).fetchone()

    before = {feed: state(feed)[1] for feed in feeds}
    batches: list[int] = []
    original = Store.record_not_modified_many

    def spy(self: Store, answers: list) -> None:
        batches.append(len(answers))
        original(self, answers)

    monkeypatch.setattr(Store, "record_not_modified_many", spy)
    events = await run(store)
    assert [e.not_modified for e in events if isinstance(e, FeedDone)] == [True] * 10
    assert sum(batches) == 10 and max(batches) <= 4 and len(batches) <= 4
    for number, feed in enumerate(feeds):
        etag, fetched, error = state(feed)
        assert etag == f'"e{number}"-new'
        assert fetched > before[feed]
        assert error is None


async def test_workers_start_before_the_first_answer_only_when_a_200_is_sure(
        store: Store, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeds never fetched start the workers with the refresh (their start overlaps the
    fetching); feeds with validators wait for a body to parse."""
    from reader import refresh as refresh_module

    for number in range(refresh_module.PROCESS_POOL_FROM):
        store.add_feed(http_server.route(f"/w{number}.xml", conditional(rss(f"S{number}", 1))))
    warmed: list[bool] = []
    original = refresh_module.Parsers.warm_up

    def spy(self: refresh_module.Parsers) -> None:
        warmed.append(True)
        original(self)

    monkeypatch.setattr(refresh_module.Parsers, "warm_up", spy)
    first = await run(store)
    assert warmed == [True]
    assert sum(e.new for e in first if isinstance(e, FeedDone)) == refresh_module.PROCESS_POOL_FROM
    await run(store)  # every feed has validators now (and answers 304)
    assert warmed == [True]


async def test_a_refresh_keeps_the_feed_s_declared_language(
        store: Store, http_server: LocalServer) -> None:
    """It settles numeric dates (06/01/2022) in the timeline (issue 17); a feed that stops
    declaring it keeps the one it declared."""
    document = rss("Wire", 2).replace("<channel>", "<channel><language>en_us</language>", 1)
    url = http_server.route("/lang.xml", Reply(200, document))
    feed = store.add_feed(url)
    await run(store)
    assert store.feed_language(feed) == "en-US"
    http_server.route("/lang.xml", Reply(200, rss("Wire", 3)))
    await run(store, [feed], force=True)
    assert store.feed_language(feed) == "en-US"


def test_item_records_cross_to_the_workers_whole() -> None:
    """ItemRecord pickles as its values (issue 13: cheaper for the parsing workers' results);
    a field added to the class and not to `__reduce__` would be lost on the way."""
    import dataclasses
    import pickle

    from feeds.model import Enclosure
    from reader.store import ItemRecord

    record = ItemRecord(entry_id="e", title="t", link="https://a.example/1", author="me",
                        published=1.5, updated=2.5, summary="<p>s</p>", content="<p>c</p>",
                        text="c", related_links=("https://b.example/",),
                        enclosures=(Enclosure("https://a.example/x.mp3", "audio/mpeg", 3, 4),))
    assert all(getattr(record, f.name) != f.default for f in dataclasses.fields(ItemRecord))
    assert pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)) == record
    assert len(record.__reduce__()[1]) == len(dataclasses.fields(ItemRecord))


async def test_what_is_stored_when_the_last_answer_arrives_is_indexed_before_the_end(
        store: Store, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once every server has answered and only the last few feeds are left, the items stored
    so far are indexed while those are parsed and stored, and only theirs are left for the
    refresh's end (the index's batches are 2000 items: a small refresh never reached one
    before its end, and indexed everything after its last feed, one core idle)."""
    urls = [http_server.route(f"/quick/{n}.xml", Reply(200, rss(f"Quick {n}", 5)))
            for n in range(11)]
    urls.append(http_server.route("/slow.xml", Reply(200, rss("Slow", 5), delay=0.6)))
    for url in urls:
        store.add_feed(url)
    batches: list[int] = []
    index_pending = store.index_pending

    def recorded() -> int:
        indexed = index_pending()
        batches.append(indexed)
        return indexed

    monkeypatch.setattr(store, "index_pending", recorded)
    events = await run(store)
    assert sum(e.new for e in events if isinstance(e, FeedDone)) == 60
    assert sum(batches) == 60 and len([b for b in batches if b]) == 2, batches
    assert batches[0] >= 55  # the quick feeds' items, before the slow one's were stored
    assert store.search("Slow") and store.search("Quick")
