"""Enclosures (issue 15): stored from a podcast feed, shown by `reader show`, marked in
`reader list`, updated when the feed changes them; only http(s) ever kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

from feeds.model import Enclosure
from reader.enclosures import describe, media_kind
from reader.store import SCHEMA_V1, ItemRecord, Store
from tests.httpserver import LocalServer, Reply
from tests.test_cli import Reader, reader  # noqa: F401  (the fixture)


def podcast(episodes: list[tuple[str, list[tuple[str, str, str]]]]) -> str:
    """RSS with <enclosure url type length> per episode: (title, [(url, type, length)])."""
    items = []
    for number, (title, enclosures) in enumerate(episodes):
        tags = "".join(f"<enclosure url={quoteattr(url)} type={quoteattr(kind)} "
                       f"length={quoteattr(length)}/>" for url, kind, length in enclosures)
        items.append(f"<item><guid>ep-{number}</guid><title>{title}</title>"
                     f"<pubDate>Mon, 10 Jan 2022 1{number}:00:00 GMT</pubDate>"
                     f"<description>Episode {number}</description>{tags}</item>")
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Cast</title>'
            "<link>http://example.org/</link><description>d</description>"
            + "".join(items) + "</channel></rss>")


def test_a_podcast_feeds_enclosures_appear_in_reader_show(reader: Reader,  # noqa: F811
                                                          http_server: LocalServer) -> None:
    feed = http_server.route("/cast.xml", Reply(200, podcast([
        ("Audio one", [("http://cdn.example.org/one.mp3", "audio/mpeg", "24117248")]),
        ("Video two", [("https://cdn.example.org/two.mp4", "video/mp4", "1000")]),
        ("Bad links", [("javascript:alert(1)", "audio/mpeg", "1"),
                       ("file:///etc/passwd", "audio/mpeg", "2"),
                       ("http://cdn.example.org/ok.ogg", "", "")]),
    ])))
    reader("add", feed)
    listing = {item["title"]: item for item in reader.json("list")}
    one = reader.json("show", str(listing["Audio one"]["id"]))
    assert one["enclosures"] == [{"url": "http://cdn.example.org/one.mp3",
                                  "type": "audio/mpeg", "length": 24117248}]
    bad = reader.json("show", str(listing["Bad links"]["id"]))
    assert bad["enclosures"] == [{"url": "http://cdn.example.org/ok.ogg", "type": "",
                                  "length": None}]
    text = reader("show", str(listing["Audio one"]["id"])).stdout
    assert "Enclosures:\n[1] audio/mpeg · 23.0 MiB  http://cdn.example.org/one.mp3" in text
    lines = reader("list").stdout.splitlines()
    marks = {line.split("  ")[-1] for line in lines}
    assert marks == {"Audio one [audio]", "Video two [video]", "Bad links [audio]"}
    assert set(reader.json("list")[0]) == {"id", "feed_url", "feed_title", "title", "link",
                                           "published", "read", "starred"}


def test_a_changed_enclosure_updates_the_item(reader: Reader,  # noqa: F811
                                              http_server: LocalServer) -> None:
    feed = http_server.route("/cast.xml", Reply(200, podcast([
        ("Episode", [("http://cdn.example.org/old.mp3", "audio/mpeg", "10")])])))
    reader("add", feed)
    [item] = reader.json("list")
    reader("mark", str(item["id"]), "--star")
    http_server.route("/cast.xml", Reply(200, podcast([
        ("Episode", [("http://cdn.example.org/new.mp3", "audio/mpeg", "20"),
                     ("http://cdn.example.org/new.pdf", "application/pdf", "5")])])))
    reader("refresh", feed)
    shown = reader.json("show", str(item["id"]))
    assert [e["url"] for e in shown["enclosures"]] == ["http://cdn.example.org/new.mp3",
                                                       "http://cdn.example.org/new.pdf"]
    assert shown["starred"] is True and shown["id"] == item["id"]
    http_server.route("/cast.xml", Reply(200, podcast([("Episode", [])])))
    reader("refresh", feed)
    assert reader.json("show", str(item["id"]))["enclosures"] == []


def test_apply_counts_an_enclosure_change_as_an_update(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    feed = store.add_feed("http://example.org/f")

    def record(*urls: str) -> ItemRecord:
        return ItemRecord("e1", "T", None, "", 1.0, None, "", "", "t",
                          enclosures=tuple(Enclosure(url, "audio/mpeg", 1 << 70)
                                           for url in urls))

    assert store.apply(feed, [record("http://a/1.mp3")]).new == 1
    [item_id] = [h.id for h in store.headlines()]
    assert store.enclosures(item_id) == [Enclosure("http://a/1.mp3", "audio/mpeg", None)]
    assert store.apply(feed, [record("http://a/1.mp3")]).updated == 0
    assert store.apply(feed, [record("http://a/2.mp3", "ftp://x/y")]).updated == 1
    assert [e.url for e in store.enclosures(item_id)] == ["http://a/2.mp3"]
    store.remove_feed(feed)
    assert store._query("SELECT count(*) FROM enclosures")[0][0] == 0  # cascades
    store.close()


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1 + "PRAGMA user_version = 1;")
    conn.execute("INSERT INTO feeds (url, added) VALUES ('http://example.org/f', 0)")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.feed_id("http://example.org/f") == 1
    assert store.next_due(1) is None and store.enclosures(1) == []
    store.close()


def test_enclosure_lines_and_kinds() -> None:
    assert describe(Enclosure("http://a/x.mp3", "audio/mpeg", 3 * 1024 * 1024, 3725)) == (
        "audio/mpeg · 3.0 MiB · 1:02:05")
    assert describe(Enclosure("http://a/x", "", None, 59)) == "file · 0:59"
    assert media_kind("", "http://a/show.M4A?x=1") == "audio"
    assert media_kind("video/webm") == "video"
    assert media_kind("application/pdf", "http://a/x.pdf") is None


def test_an_episodes_duration_is_kept() -> None:
    """itunes:duration (RSS) and duration_in_seconds (JSON Feed) give the article's
    "42:10"; a duration that is not one is left out."""
    import json

    from feeds.parse import parse

    def rss_with(duration: str) -> bytes:
        return ('<?xml version="1.0"?><rss version="2.0" '
                'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
                "<title>C</title><item><guid>1</guid><title>E</title>"
                '<enclosure url="http://cdn.example.org/e.mp3" type="audio/mpeg" '
                f'length="10"/><itunes:duration>{duration}</itunes:duration></item>'
                "</channel></rss>").encode()

    for given, seconds in [("42:10", 2530), ("1:02:03", 3723), ("2530", 2530),
                           ("soon", None), ("-5", None)]:
        found = parse(rss_with(given), {}, "http://example.org/feed").entries[0].enclosures
        assert found[0].duration == seconds, given
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "title": "E", "content_text": "x", "attachments": [
            {"url": "https://cdn.example.org/e.m4a", "mime_type": "audio/mp4",
             "duration_in_seconds": 61}]}]}
    found = parse(json.dumps(feed).encode(), {"content-type": "application/feed+json"},
                  "http://example.org/feed.json").entries[0].enclosures
    assert found[0].duration == 61
    assert describe(found[0]) == "audio/mp4 · 1:01"
