"""What the other issues need from the parser: a feed's refresh hint, enclosure durations, and
no impossible dates. Each is checked on both paths: our lxml mapping and feedparser (for a
document that is not well-formed, and through `parse_both_ways`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.dates import (
    duration_seconds,
    parse_date,
    plausible,
    refresh_seconds,
    struct_to_datetime,
)
from feeds.model import ParsedFeed
from feeds.parse import parse, parse_both_ways

FEED_URL = "https://example.com/feed.xml"
NAMESPACES = (
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
)


def rss(channel: str = "", items: str = "", broken: bool = False) -> bytes:
    """An RSS 2.0 document; `broken` adds an undefined entity, so only feedparser reads it."""
    oops = "&nbsp;" if broken else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {NAMESPACES}><channel>'
            f"<title>Hints{oops}</title><link>https://example.com/</link>{channel}{items}"
            "</channel></rss>").encode()


def both(body: bytes) -> list[ParsedFeed]:
    ours, oracle = parse_both_ways(body, FEED_URL)
    assert ours is not None and oracle is not None
    return [ours, oracle]


@pytest.mark.parametrize("channel, seconds", [
    ("<ttl>60</ttl>", 3600),
    ("<ttl> 15 </ttl>", 900),
    ("<sy:updatePeriod>hourly</sy:updatePeriod>", 3600),
    ("<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>",
     21600),
    ("<sy:updateFrequency>2</sy:updateFrequency>", 43200),  # the period defaults to daily
    ("<ttl>30</ttl><sy:updatePeriod>daily</sy:updatePeriod>", 1800),  # <ttl> first
    ("<ttl>soon</ttl>", None),
    ("<sy:updatePeriod>fortnightly</sy:updatePeriod>", None),
    ("", None),
])
def test_the_feeds_refresh_hint_in_seconds(channel: str, seconds: int | None) -> None:
    for feed in both(rss(channel)):
        assert feed.ttl_seconds == seconds, feed.format
    assert parse(rss(channel, broken=True), {}, FEED_URL).ttl_seconds == seconds  # feedparser


def test_the_refresh_hint_of_atom_and_json_is_none() -> None:
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title></feed>'
    assert parse(atom, {}, FEED_URL).ttl_seconds is None
    assert refresh_seconds(None, None, None) is None


@pytest.mark.parametrize("text, seconds", [
    ("1:02:03", 3723), ("62:03", 3723), ("3723", 3723), ("00:45", 45), ("7.5", 7),
    ("12:60", None), ("abc", None), ("", None), (None, None), ("1:2:3:4", None),
])
def test_durations(text: str | None, seconds: int | None) -> None:
    assert duration_seconds(text) == seconds


def test_enclosure_durations_on_both_paths() -> None:
    items = (
        "<item><title>episode</title><guid>e1</guid>"
        '<enclosure url="https://example.com/e1.mp3" type="audio/mpeg" length="100"/>'
        "<itunes:duration>1:02:03</itunes:duration></item>"
        "<item><title>video</title><guid>e2</guid>"
        '<media:content url="https://example.com/e2.mp4" type="video/mp4" duration="95" '
        'fileSize="2048"/></item>'
        "<item><title>both</title><guid>e3</guid>"
        '<enclosure url="https://example.com/e3.mp3" type="audio/mpeg" length="5"/>'
        '<media:content url="https://example.com/e3.mp3" duration="61"/>'
        "<itunes:duration>10:00</itunes:duration></item>"
        "<item><title>none</title><guid>e4</guid>"
        '<enclosure url="https://example.com/e4.mp3" type="audio/mpeg"/></item>'
        "<item><title>cover</title><guid>e5</guid>"
        '<enclosure url="https://example.com/e5.mp3" type="audio/mpeg"/>'
        '<media:content url="https://example.com/e5.jpg" type="image/jpeg"/>'
        "<itunes:duration>45</itunes:duration></item>"
    )
    expected = [
        [("https://example.com/e1.mp3", 100, 3723)],
        [("https://example.com/e2.mp4", 2048, 95)],
        [("https://example.com/e3.mp3", 5, 61)],  # one file, its own duration
        [("https://example.com/e4.mp3", None, None)],
        [("https://example.com/e5.mp3", None, 45), ("https://example.com/e5.jpg", None, None)],
    ]
    feeds = both(rss(items=items)) + [parse(rss(items=items, broken=True), {}, FEED_URL)]
    for feed in feeds:
        got = [[(e.url, e.length, e.duration) for e in entry.enclosures]
               for entry in feed.entries]
        assert got == expected, feed.format


HUGO_NEVER = "Mon, 01 Jan 0001 00:00:00 +0000"


@pytest.mark.parametrize("written", [
    HUGO_NEVER, "0001-01-01T00:00:00Z", "Thu, 31 Dec 1969 23:59:59 GMT",
    (datetime.now(timezone.utc) + timedelta(days=400)).strftime("%a, %d %b %Y %H:%M:%S GMT"),
])
def test_an_impossible_date_is_no_date_on_both_paths(written: str) -> None:
    items = (f"<item><title>t</title><guid>g</guid><pubDate>{written}</pubDate>"
             f"<dc:date xmlns:dc='http://purl.org/dc/elements/1.1/'>{written}</dc:date></item>")
    feeds = both(rss(items=items)) + [parse(rss(items=items, broken=True), {}, FEED_URL)]
    for feed in feeds:
        (entry,) = feed.entries
        assert entry.published is None and entry.updated is None, (feed.format, written)
        assert entry.date_raw == written  # what the feed wrote is kept


def test_possible_dates_stay() -> None:
    items = "<item><title>t</title><guid>g</guid><pubDate>Thu, 01 Jan 1970 00:00:00 GMT" \
            "</pubDate></item>"
    for feed in both(rss(items=items)):
        assert feed.entries[0].published == datetime(1970, 1, 1, tzinfo=timezone.utc)
    soon = datetime.now(timezone.utc) + timedelta(days=300)
    assert plausible(soon) == soon


def test_json_feed_dates_follow_the_same_rule() -> None:
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": '
            b'[{"id": "1", "date_published": "0001-01-01T00:00:00Z", "attachments": '
            b'[{"url": "https://example.com/a.mp3", "mime_type": "audio/mpeg", '
            b'"duration_in_seconds": 61}]}]}')
    (entry,) = parse(body, {}, FEED_URL).entries
    assert entry.published is None
    assert [(e.url, e.type, e.duration) for e in entry.enclosures] == [
        ("https://example.com/a.mp3", "audio/mpeg", 61)]


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@st.composite
def written_dates(draw: st.DrawFn) -> str:
    """Dates in the spellings our quick reader takes, and near misses it must leave alone."""
    year = draw(st.sampled_from([1, 1969, 1970, 2000, 2024, 2026, 2027, 2099]))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 31))
    hour, minute = draw(st.sampled_from([0, 5, 23, 24])), draw(st.sampled_from([0, 59, 60]))
    second = draw(st.sampled_from([0, 30, 59, 60, 61]))
    if draw(st.booleans()):
        name = draw(st.sampled_from(["", *[f"{d}, " for d in DAYS]]))
        zone = draw(st.sampled_from(["GMT", "UTC", "UT", "Z", "+0000", "-0500", "+0530",
                                     "+1400", "EST", "PDT", "PST", "CDT", "ADT", "XST", "+05:00"]))
        return (f"{name}{day:02d} {MONTHS[month - 1]} {year:04d} "
                f"{hour:02d}:{minute:02d}:{second:02d} {zone}")
    zone = draw(st.sampled_from(["Z", "+00:00", "-05:00", "+05:30", "+14:00", "+0100", ""]))
    fraction = draw(st.sampled_from(["", ".5", ".123456"]))
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"


@settings(max_examples=600, deadline=None)
@given(written_dates())
def test_quick_dates_are_feedparsers_dates(text: str) -> None:
    from feedparser.datetimes import _parse_date

    reference = _parse_date(text)
    assert parse_date(text) == (struct_to_datetime(reference) if reference else None)
