"""Retention (issue 15): keep-days and max-items, global and per feed; starred items are
never deleted, unread ones only when asked; a deleted entry does not come back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reader.core.query import Query
from reader.feed_settings import load
from reader.locations import ConfigError
from reader.retention import RetentionSettings, prune, retention_settings
from reader.store import ItemRecord, Store

DAY = 86400.0
NOW = time.time()  # items are first seen now


def records(prefix: str, count: int) -> list[ItemRecord]:
    """`count` items, one a day, the newest at NOW."""
    return [ItemRecord(f"{prefix}{n}", f"{prefix} {n}", None, "", NOW - n * DAY, None, "", "",
                       "text") for n in range(count)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "r.db")
    yield store
    store.close()


def titles(store: Store, feed: int) -> list[str]:
    return [h.title for h in store.headlines(Query(feed_id=feed))]


def test_keep_days_spares_starred_and_unread(store: Store) -> None:
    feed = store.add_feed("http://a/f")
    store.apply(feed, records("a", 10))
    by_title = {h.title: h.id for h in store.headlines()}
    store.mark_read(by_title.values())
    store.mark_read([by_title["a 8"]], read=False)
    store.set_starred([by_title["a 9"]])
    # first_seen is "now" for every item: nothing stored a moment ago is old yet.
    assert prune(store, RetentionSettings(keep_days=3), now=NOW) == 0
    removed = prune(store, RetentionSettings(keep_days=3), now=NOW + 400 * DAY)
    assert removed == 8 and titles(store, feed) == ["a 8", "a 9"]
    assert prune(store, RetentionSettings(keep_days=3, delete_unread=True),
                 now=NOW + 400 * DAY) == 1
    assert titles(store, feed) == ["a 9"]
    assert store.search("text") == [h for h in store.headlines()]  # index kept in step


def test_max_items_per_feed_and_deleted_entries_stay_deleted(store: Store) -> None:
    busy = store.add_feed("http://a/busy")
    quiet = store.add_feed("http://a/quiet")
    store.apply(busy, records("b", 10))
    store.apply(quiet, records("q", 10))
    store.mark_read(h.id for h in store.headlines())
    table = load({"feed": [{"url": "http://a/quiet", "max_items": 0}]})
    assert prune(store, RetentionSettings(max_items=4), table, now=NOW) == 6
    assert titles(store, busy) == ["b 0", "b 1", "b 2", "b 3"]
    assert len(titles(store, quiet)) == 10  # its own 0: no limit
    stats = store.apply(busy, records("b", 10))  # the feed still carries all ten
    assert stats.new == 0 and titles(store, busy) == ["b 0", "b 1", "b 2", "b 3"]
    store.apply(busy, records("b", 12))  # an entry never seen before is new
    assert "b 11" in titles(store, busy)


def test_nothing_is_deleted_by_default(store: Store) -> None:
    feed = store.add_feed("http://a/f")
    store.apply(feed, records("a", 5))
    store.mark_read(h.id for h in store.headlines())
    assert prune(store, RetentionSettings(), now=NOW + 1000 * DAY) == 0
    assert len(titles(store, feed)) == 5


def test_retention_settings() -> None:
    assert retention_settings({"retention": {"keep_days": 30, "max_items": 500,
                                             "delete_unread": True}}) == RetentionSettings(
        30, 500, True)
    for table, message in [({"keep_days": "30d"}, "retention.keep_days must be a number"),
                           ({"max_items": 1.5}, "retention.max_items must be a whole"),
                           ({"delete_unread": 1}, "retention.delete_unread must be true"),
                           ({"days": 3}, "unknown setting retention.days")]:
        with pytest.raises(ConfigError, match=message):
            retention_settings({"retention": table})
