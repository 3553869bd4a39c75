"""What crosses from the parsing workers (issue 13): `store.Records` carries the long texts as
the UTF-8 that SQLite stores. Storing them must give exactly the rows that ItemRecords give,
typed TEXT, with every mark, cached article and enclosure kept as before."""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest

from feeds.model import Enclosure, Entry, ParsedFeed
from reader.prepare import Prepared, prepare_or_error, prepared_from
from reader.store import ItemRecord, Records, Store

ITEM_COLUMNS = ("entry_id, title, link, author, published, updated, "
                "coalesce(published, updated, 'when stored'), summary, content, text, "
                "related_links, read, starred, article, "
                "typeof(summary), typeof(content), typeof(text)")


def _records(tag: str = "") -> list[ItemRecord]:
    """Texts ASCII and not (accents, CJK, an emoji beyond the BMP), empty ones, a text that
    is its summary, and enclosures kept and refused."""
    return [
        ItemRecord("e1", "Plain", "http://h/1", "A", 1e9, None, "<p>s</p>", "", "s" + tag),
        ItemRecord("e2", "Café “quoted” 東京", "http://h/2", "Zoë", 1e9 + 1, 1e9 + 2,
                   "résumé — 🎧", "<p>内容 🎧</p>" + tag, "内容 🎧" + tag,
                   related_links=("http://h/1",),
                   enclosures=(Enclosure("http://h/a.mp3", "audio/mpeg", 10, 61),
                               Enclosure("ftp://h/no", "x"),
                               Enclosure("https://h/b.mp4", "", 1 << 70, None))),
        ItemRecord("e3", "", None, "", None, None, "", "", ""),
        ItemRecord("e4", "Same", None, "", 5.0, None, "just words" + tag, "",
                   "just words" + tag),
        ItemRecord("e1", "A repeat of e1: the first one wins", None, "", 7.0, None, "", "",
                   "x"),
    ]


def _dump(store: Store) -> tuple[list, list]:
    items = store._query(f"SELECT {ITEM_COLUMNS} FROM items ORDER BY entry_id")  # noqa: SLF001
    enclosures = store._query(  # noqa: SLF001
        "SELECT items.entry_id, position, url, type, length, duration FROM enclosures "
        "JOIN items ON items.id = enclosures.item_id ORDER BY 1, 2")
    return items, enclosures


def _two_stores(tmp_path: Path) -> tuple[tuple[Store, int], tuple[Store, int]]:
    made = []
    for name in ("records", "wire"):
        store = Store(tmp_path / f"{name}.db")
        made.append((store, store.add_feed("http://h/feed")))
    return made[0], made[1]


def _wire(records: list[ItemRecord]) -> Records:
    """As a worker sends them: pickled and back."""
    return pickle.loads(ForkingPickler.dumps(Records.of(records)))


def test_records_from_a_worker_store_the_same_rows_as_item_records(tmp_path: Path) -> None:
    (plain, plain_feed), (wire, wire_feed) = _two_stores(tmp_path)
    first = [plain.apply(plain_feed, _records()), wire.apply(wire_feed, _wire(_records()))]
    assert first[0] == first[1] and first[0].new == 4
    rows, enclosures = _dump(wire)
    assert (rows, enclosures) == _dump(plain)
    assert {row[-3:] for row in rows} == {("text", "text", "text")}
    assert [row[2:] for row in enclosures] == [("http://h/a.mp3", "audio/mpeg", 10, 61),
                                               ("https://h/b.mp4", "", None, None)]
    assert wire.search("内容")[0].title == "Café “quoted” 東京"
    assert wire.search("cafe")[0].title == "Café “quoted” 東京"  # diacritics folded

    # The same fetch again changes nothing; a read mark and a cached article stay.
    for store in (plain, wire):
        [e2] = [h.id for h in store.headlines() if h.title.startswith("Café")]
        store.mark_read([e2])
        store.cache_article(e2, "the page", [], "page", None)
    again = [plain.apply(plain_feed, _records()), wire.apply(wire_feed, _wire(_records()))]
    assert again[0] == again[1] and (again[0].new, again[0].updated) == (0, 0)
    assert _dump(wire) == _dump(plain)
    assert wire._query("SELECT read, article FROM items WHERE entry_id = 'e2'") == [  # noqa: SLF001
        (1, "the page")]

    # Changed texts update the same rows the same way (and drop the changed article).
    changed = [plain.apply(plain_feed, _records("!")),
               wire.apply(wire_feed, _wire(_records("!")))]
    assert changed[0] == changed[1] and changed[0].updated == 2  # e1: only its text
    assert _dump(wire) == _dump(plain)
    assert wire._query("SELECT article FROM items WHERE entry_id = 'e2'") == [(None,)]  # noqa: SLF001
    plain.close()
    wire.close()


def test_records_read_as_item_records_and_pickle_back_equal() -> None:
    records = _records()
    wire = _wire(records)
    # What a worker drops on the way: enclosures that are not http(s), lengths past int64
    # (the store dropped both before, when it wrote them).
    assert wire[1].enclosures == (Enclosure("http://h/a.mp3", "audio/mpeg", 10, 61),
                                  Enclosure("https://h/b.mp4", "", None, None))
    records[1] = dataclasses.replace(records[1], enclosures=wire[1].enclosures)
    assert len(wire) == 5 and list(wire) == records and wire[1] == records[1]
    assert type(wire[1]) is ItemRecord and type(wire[1].enclosures[0]) is Enclosure
    assert wire == Records.of(records) and wire == records and wire != records[:2]
    assert pickle.loads(pickle.dumps(wire)) == wire
    prepared = Prepared("Feed", "http://h/", tuple(records[:1]), None, 60, "fr")
    back = ForkingPickler.loads(bytes(ForkingPickler.dumps(prepared)))
    assert back == prepared and isinstance(back.records, Records)
    with pytest.raises(TypeError):
        hash(wire)


def test_an_enclosure_pickles_as_its_values() -> None:
    for enclosure in (Enclosure("http://h/a.mp3"), Enclosure("http://h/b", "video/mp4", 1, 2)):
        assert pickle.loads(pickle.dumps(enclosure, protocol=4)) == enclosure
    assert Enclosure("http://h/a.mp3").__reduce__() == (Enclosure,
                                                        ("http://h/a.mp3", "", None, None))


def test_a_text_sqlite_could_not_store_fails_its_feed_where_it_was_parsed() -> None:
    """A lone surrogate is not UTF-8: the worker's encoding refuses it (one line for that
    feed), where SQLite's binding would have failed the writer's whole batch."""
    entry = Entry(id="e", title="t", summary_html="bad \udc80 text")
    with pytest.raises(UnicodeEncodeError):
        prepared_from(ParsedFeed(title="F", url="http://h/", entries=(entry,)))


def test_prepare_sends_records_ready_for_the_store(tmp_path: Path) -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>
      <item><guid>g1</guid><title>Caf\xc3\xa9</title><description>&lt;p&gt;Un caf\xc3\xa9
      &amp; du th\xc3\xa9&lt;/p&gt;</description>
      <enclosure url="http://h/e.mp3" type="audio/mpeg" length="5"/></item>
      </channel></rss>"""
    prepared = prepare_or_error(body, {"content-type": "application/rss+xml"}, "http://h/f")
    assert isinstance(prepared, Prepared) and isinstance(prepared.records, Records)
    [record] = prepared.records
    assert record.title == "Café" and record.text.split() == "Un café & du thé".split()
    assert record.enclosures == (Enclosure("http://h/e.mp3", "audio/mpeg", 5),)
    store = Store(tmp_path / "reader.db")
    feed = store.add_feed("http://h/f")
    assert store.apply(feed, prepared.records).new == 1
    [headline] = store.headlines()
    assert store.item(headline.id).text == record.text
    assert store.enclosures(headline.id) == list(record.enclosures)
    store.close()


def test_new_items_get_their_own_enclosures_after_ids_were_skipped(tmp_path: Path) -> None:
    """New items' ids are counted back from the last one inserted: deleted items (ids never
    reused) and a feed's earlier items in between must not shift them."""
    store = Store(tmp_path / "reader.db")
    feeds = [store.add_feed(f"http://h/{number}") for number in range(2)]

    def batch(prefix: str, count: int) -> Records:
        return Records.of([ItemRecord(f"{prefix}{n}", f"{prefix}{n}", None, "", 1e9 + n, None,
                                      "", "", "t",
                                      enclosures=(Enclosure(f"http://h/{prefix}{n}.mp3"),)
                                      if n % 3 else ())
                           for n in range(count)])

    store.apply(feeds[0], batch("a", 10))
    store.prune(feeds[0], max_items=2, delete_unread=True)
    store.apply_many([(feeds[1], batch("b", 7), {}), (feeds[0], batch("c", 5), {})])
    pairs = store._query(  # noqa: SLF001
        "SELECT items.entry_id, enclosures.url FROM enclosures "
        "JOIN items ON items.id = enclosures.item_id")
    assert pairs and all(url == f"http://h/{entry}.mp3" for entry, url in pairs)
    assert len(pairs) == sum(1 for prefix, count in (("b", 7), ("c", 5))
                             for n in range(count) if n % 3) + 1  # a8 or a9 kept one
    store.close()


def test_a_store_written_with_records_reads_in_plain_sqlite(tmp_path: Path) -> None:
    store = Store(tmp_path / "reader.db")
    feed = store.add_feed("http://h/")
    store.apply(feed, _wire(_records()))
    store.close()
    conn = sqlite3.connect(tmp_path / "reader.db")
    assert conn.execute("SELECT content FROM items WHERE entry_id = 'e2'").fetchone() == (
        "<p>内容 🎧</p>",)
    assert conn.execute("SELECT length(text) FROM items WHERE entry_id = 'e2'").fetchone() == (
        len("内容 🎧"),)
    conn.close()
