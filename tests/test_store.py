"""The store: upserts keep read state, counts stay right, two processes can write at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reader.core.query import Query
from reader.store import SCHEMA_VERSION, ItemRecord, Store, StoreError


def record(entry_id: str, title: str = "", text: str = "", published: float = 1_641_800_000,
           content: str = "") -> ItemRecord:
    return ItemRecord(entry_id=entry_id, title=title or f"Title {entry_id}", link=None,
                      author="", published=published, updated=None, summary="",
                      content=content or f"<p>{text or entry_id}</p>", text=text or entry_id)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / "reader.db")


def test_a_new_file_gets_the_whole_schema(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "reader.db"
    Store(path).close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"feeds", "items", "items_fts", "settings"} <= tables
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_upsert_keeps_read_and_starred_and_counts(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    stats = store.apply(feed, [record(f"e{i}") for i in range(5)], title="Example")
    assert (stats.new, stats.updated) == (5, 0)
    ids = [row.id for row in store.headlines()]
    store.mark_read(ids[:2])
    store.set_starred([ids[0]])
    again = store.apply(feed, [record(f"e{i}") for i in range(5)])
    assert (again.new, again.updated) == (0, 0)
    rows = {row.id: row for row in store.headlines()}
    assert rows[ids[0]].read and rows[ids[0]].starred and rows[ids[1]].read
    assert store.feeds()[0].unread == 3 and store.feeds()[0].total == 5
    assert store.counts() == {"total": 5, "unread": 3, "starred": 1}


def test_a_changed_entry_updates_its_text_and_keeps_its_read_mark(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record("a", text="first words")])
    item_id = store.headlines()[0].id
    store.mark_read([item_id])
    stats = store.apply(feed, [record("a", title="New title", text="second words")])
    assert stats.updated == 1 and stats.new == 0
    item = store.item(item_id)
    assert item is not None
    assert item.title == "New title" and item.text == "second words" and item.read
    assert [h.id for h in store.search("second")] == [item_id]
    assert store.search("first") == []


def test_items_that_left_the_feed_are_kept(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record("a"), record("b")])
    store.apply(feed, [record("c")])
    assert store.count(Query(feed_id=feed)) == 3


def test_views_filter_and_page(store: Store) -> None:
    one = store.add_feed("http://one.example/feed", tags=["News"])
    two = store.add_feed("http://two.example/feed")
    store.apply(one, [record(f"a{i}", published=1_600_000_000 + i) for i in range(10)])
    store.apply(two, [record(f"b{i}", published=1_700_000_000 + i) for i in range(4)])
    everything = store.headlines()
    assert [row.published for row in everything] == sorted(
        (row.published for row in everything), reverse=True)
    assert len(store.headlines(Query(feed_id=one))) == 10
    assert len(store.headlines(Query(folder="News"))) == 10
    page = store.headlines(limit=5, offset=5)
    assert [row.id for row in page] == [row.id for row in everything[5:10]]
    store.mark_query_read(Query(feed_id=two))
    assert store.count(Query(unread=True)) == 10
    assert store.count(Query(feed_id=one, unread=True)) == 10


def test_next_unread_walks_in_list_order(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record(f"e{i}", published=1_600_000_000 + i) for i in range(4)])
    order = [row.id for row in store.headlines()]
    store.mark_read([order[1]])
    assert store.next_unread(None) == order[0]
    assert store.next_unread(order[0]) == order[2]
    assert store.next_unread(order[2], backwards=True) == order[0]
    assert store.next_unread(order[3]) is None


def test_search_never_lets_text_become_fts_syntax(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record("a", title="Protests over fuel prices", text="Almaty protests")])
    for query in ['"', "AND", "NEAR(", "a*", "^x", "title:fuel", ")(", "-", "fuel OR"]:
        store.search(query)  # must not raise
    assert len(store.search("fuel pri")) == 1  # the last word is a prefix


def test_a_failure_touches_nothing_but_the_error(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record("a"), record("b")], etag='"v1"')
    store.mark_read([store.headlines()[0].id])
    before = store.headlines()
    store.record_error(feed, "HTTP 500 Internal Server Error")
    assert store.headlines() == before
    assert store.feeds()[0].last_error == "HTTP 500 Internal Server Error"
    assert store.fetch_state(feed)["etag"] == '"v1"'


def test_removing_a_feed_removes_its_items_and_index(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record("a", text="unique zebra")])
    store.remove_feed(feed)
    assert store.headlines() == [] and store.search("zebra") == []
    assert store.integrity_ok()


def test_a_damaged_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "reader.db"
    garbage = b"this is not a database at all" * 100
    path.write_bytes(garbage)
    with pytest.raises(StoreError, match="damaged"):
        Store(path)
    assert path.read_bytes() == garbage


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "reader.db"
    store = Store(path)
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record(f"e{i}") for i in range(400)])
    ids = [row.id for row in store.headlines()]
    store.close()
    script = textwrap.dedent("""
        import sys
        from reader.store import Store
        store = Store(sys.argv[1])
        ids = [int(x) for x in sys.argv[2].split(",")]
        for item_id in ids:
            store.mark_read([item_id])
    """)
    halves = [ids[0::2], ids[1::2]]
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(path),
                          ",".join(map(str, half))], stderr=subprocess.PIPE)
        for half in halves
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    store = Store(path)
    assert store.count(Query(unread=True)) == 0
    assert store.integrity_ok()


def fts_consistent(store: Store) -> bool:
    try:
        # rank 1: compare the index with the items table, not only with itself
        store.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True


def test_the_index_follows_items_changed_or_removed_before_it_caught_up(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    other = store.add_feed("http://other.example/feed")
    store.apply(feed, [record("a", text="walrus"), record("b", text="narwhal")])
    store.apply(other, [record("z", text="ocelot")])
    store.apply(feed, [record("a", text="pelican"), record("b", text="narwhal")])  # unindexed
    store.remove_feed(other)  # its items leave before they were ever indexed
    assert store.search("walrus") == []
    assert [h.title for h in store.search("pelican")] == ["Title a"]
    assert store.search("ocelot") == []
    store.apply(feed, [record("a", text="heron")])  # indexed now: the trigger updates it
    assert store.search("pelican") == [] and len(store.search("heron")) == 1
    store.remove_feed(feed)
    assert store.search("heron") == [] and store.search("narwhal") == []
    assert fts_consistent(store)


def test_item_ids_are_never_reused(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record("a")])
    first = store.headlines()[0].id
    store.search("a")  # indexed
    store.remove_feed(feed)
    feed = store.add_feed("http://example.org/feed")
    store.apply(feed, [record("b", text="fresh")])
    assert store.headlines()[0].id > first
    assert len(store.search("fresh")) == 1 and fts_consistent(store)


def test_rename_tag_and_mark_a_feed_read(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed", "Original")
    other = store.add_feed("http://other.example/feed", "Other")
    store.apply(feed, [record("a"), record("b")], title="From the feed")
    store.apply(other, [record("z")])
    store.rename_feed(feed, "My name")
    store.set_tags(feed, ["News", "Daily"])
    row = store.feed(feed)
    assert row.title == "My name" and row.tags == ("News", "Daily")
    assert {h.feed_title for h in store.headlines(Query(feed_id=feed))} == {"My name"}
    store.apply(feed, [record("c")], title="From the feed again")  # a refresh keeps the name
    assert store.feed(feed).title == "My name"
    store.rename_feed(feed, None)
    assert store.feed(feed).title == "From the feed again"
    assert store.mark_feed_read(feed) == 3
    assert store.count(Query(unread=True)) == 1
    assert len(store.headlines(Query(folder="Daily"))) == 3


def test_several_feeds_stored_in_one_transaction_keep_read_marks(store: Store) -> None:
    """apply_many (a refresh's batch of feeds, issue 13): each feed's own stats, marks kept,
    validators stored; a batch that fails stores none of its feeds."""
    first = store.add_feed("http://example.org/a")
    second = store.add_feed("http://example.org/b")
    store.apply(first, [record("a1"), record("a2")])
    store.mark_read([store.headlines()[0].id])
    stats = store.apply_many([
        (first, [record("a1"), record("a2"), record("a3")], {"title": "A", "etag": '"x"'}),
        (second, [record("b1")], {"title": "B"}),
    ])
    assert [(s.new, s.updated) for s in stats] == [(1, 0), (1, 0)]
    assert store.counts() == {"total": 4, "unread": 3, "starred": 0}
    assert store.fetch_state(first)["etag"] == '"x"'
    assert {row.title for row in store.feeds()} == {"A", "B"}
    with pytest.raises(TypeError):  # a bad batch: nothing of it is stored
        store.apply_many([(second, [record("b2")], {}), (first, [record("a4")], {"nope": 1})])
    assert store.counts()["total"] == 4


def test_the_item_count_a_lookup_uses_follows_every_write(tmp_path: Path) -> None:
    """Related items weigh words by how many items the store holds: the count is kept between
    lookups, and counted again after a write of this connection or of another."""
    from tests.feedgen import rss
    from tests.test_app import fill

    one, other = Store(tmp_path / "r.db"), Store(tmp_path / "r.db")
    try:
        fill(one, "http://one.example/feed", rss("Alpha", 3))
        assert one._item_count() == 3 and other._item_count() == 3
        fill(other, "http://two.example/feed", rss("Beta", 4))
        assert one._item_count() == 7 and other._item_count() == 7
    finally:
        one.close()
        other.close()
