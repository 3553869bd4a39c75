"""Automatic refresh policy (issue 15): `[refresh]` settings, a feed's hints (<ttl>,
Cache-Control max-age, Expires) that delay it and never bring it forward, due times that
`reader refresh` honours unless --all or URLs are named, the announcement and the terminal
notification."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from feeds.model import FetchResult, FetchStatus, ParsedFeed
from reader.locations import ConfigError
from reader.notify import notification
from reader.refresh import prepared_from
from reader.schedule import (
    DEFAULT_INTERVAL,
    MAX_HINT,
    NewItems,
    RefreshSettings,
    announcement,
    check_period,
    delay_after,
    http_hint,
    parse_duration,
    refresh_settings,
)
from reader.store import Store
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply
from tests.test_cli import Reader, reader  # noqa: F401  (the fixture)


def write_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "reader" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("value,seconds", [
    (0, 0), (45, 45), (2.5, 2.5), ("90s", 90), ("30m", 1800), ("6h", 21600), ("1d", 86400),
    (" 15 M ", 900), ("120", 120)])
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value, "refresh.interval") == seconds


@pytest.mark.parametrize("value", ["soon", "-5m", -1, True, "5 weeks", "1e9", [], "nan"])
def test_bad_durations_name_the_key(value: object) -> None:
    with pytest.raises(ConfigError, match=r"^config.toml: refresh.interval must") as caught:
        parse_duration(value, "refresh.interval")
    assert "\n" not in str(caught.value)


def test_refresh_settings() -> None:
    assert refresh_settings({}) == RefreshSettings(DEFAULT_INTERVAL, True, "none")
    assert refresh_settings({"refresh": {"interval": "0", "on_start": False,
                                         "notify": "osc777"}}) == RefreshSettings(
        0, False, "osc777")
    assert check_period(RefreshSettings(interval=0)) is None
    assert check_period(RefreshSettings(interval=2)) == 1.0
    assert check_period(RefreshSettings()) == 60.0
    for table, message in [({"every": 3}, "unknown setting refresh.every"),
                           ({"on_start": "yes"}, "refresh.on_start must be true or false"),
                           ({"notify": "toast"}, "refresh.notify must be one of")]:
        with pytest.raises(ConfigError, match=message):
            refresh_settings({"refresh": table})


def test_http_hints() -> None:
    now = 1_000_000.0
    assert http_hint({"cache-control": "public, max-age=3600"}, now) == 3600
    assert http_hint({"cache-control": 'max-age="600", must-revalidate'}, now) == 600
    assert http_hint({"cache-control": "max-age=99999999999999"}, now) == MAX_HINT
    assert http_hint({"expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, now) == 0
    assert http_hint({"expires": "Sun, 11 Jan 1970 14:46:40 GMT",
                      "date": "Sun, 11 Jan 1970 13:46:40 GMT"}, now) == 3600
    assert http_hint({"expires": "garbage"}, now) is None
    assert http_hint({"cache-control": "no-cache"}, now) is None
    ok = FetchResult("u", FetchStatus.NOT_MODIFIED, headers={"cache-control": "max-age=60"})
    assert delay_after(1800, ok) == 1800  # a hint never brings a feed forward
    assert delay_after(30, ok) == 60
    failed = FetchResult("u", FetchStatus.ERROR, headers={"cache-control": "max-age=9999"})
    assert delay_after(30, failed) == 30


def test_a_feeds_ttl_delays_it_and_is_capped(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    feed = store.add_feed("http://example.org/f")
    prepared = prepared_from(ParsedFeed("T", "http://example.org/f", ttl_seconds=7200))
    assert prepared.ttl_seconds == 7200
    store.apply(feed, [], ttl_seconds=prepared.ttl_seconds)
    store.schedule_feeds([(feed, 1000.0, 60.0)])
    assert store.next_due(feed) == 1000.0 + 7200
    store.schedule_feeds([(feed, 1000.0, 9000.0)])
    assert store.next_due(feed) == 1000.0 + 9000
    store.apply(feed, [], ttl_seconds=10 ** 12)
    store.schedule_feeds([(feed, 1000.0, 60.0)])
    assert store.next_due(feed) == 1000.0 + MAX_HINT
    assert store.feeds_due(now=2000.0, due_only=True) == []
    assert [row[0] for row in store.feeds_due(now=2000.0)] == [feed]
    assert [row[0] for row in store.feeds_due(now=1000.0 + MAX_HINT, due_only=True)] == [feed]
    store.close()


def test_max_age_delays_a_feed_for_reader_refresh(reader: Reader,  # noqa: F811
                                                  http_server: LocalServer) -> None:
    write_config('[refresh]\ninterval = "1s"\n')
    cached = http_server.route("/cached.xml", Reply(200, rss("Cached", 1),
                                                    headers={"Cache-Control": "max-age=3600"}))
    plain = http_server.route("/plain.xml", Reply(200, rss("Plain", 1)))
    reader("add", cached, plain)
    reader("refresh")  # just added: both are due
    time.sleep(1.2)
    done = reader("refresh")
    assert done.stdout.strip() == "refreshed 1 feed: 0 new items"
    assert len(http_server.requests_for("/cached.xml")) == 2
    assert len(http_server.requests_for("/plain.xml")) == 3
    reader("refresh", "--all")
    assert len(http_server.requests_for("/cached.xml")) == 3
    reader("refresh", cached)  # a feed named is fetched, due or not
    assert len(http_server.requests_for("/cached.xml")) == 4


def test_rss_ttl_delays_a_feed_for_reader_refresh(reader: Reader,  # noqa: F811
                                                  http_server: LocalServer) -> None:
    from feeds.parse import parse

    document = rss("Slow", 1).replace("<description>test feed</description>",
                                      "<description>test feed</description><ttl>120</ttl>")
    assert parse(document.encode(), {}, "http://x/").ttl_seconds == 7200
    write_config('[refresh]\ninterval = "1s"\n')
    slow = http_server.route("/slow.xml", Reply(200, document))
    reader("add", slow)
    reader("refresh")
    time.sleep(1.2)
    assert reader("refresh").stdout.startswith("refreshed 0 feeds: 0 new items (none is due")
    assert len(http_server.requests_for("/slow.xml")) == 2


def test_a_per_feed_interval_overrides_the_global_one(reader: Reader,  # noqa: F811
                                                      http_server: LocalServer) -> None:
    often = http_server.route("/often.xml", Reply(200, rss("Often", 1)))
    rarely = http_server.route("/rarely.xml", Reply(200, rss("Rarely", 1)))
    write_config(f'[refresh]\ninterval = "1s"\n[[feed]]\nurl = "{rarely}"\nrefresh = "2h"\n')
    reader("add", often, rarely)
    reader("refresh")
    time.sleep(1.2)
    reader("refresh")
    assert len(http_server.requests_for("/often.xml")) == 3
    assert len(http_server.requests_for("/rarely.xml")) == 2


def test_a_bad_refresh_setting_is_one_line(reader: Reader) -> None:  # noqa: F811
    write_config('[refresh]\ninterval = "soon"\n')
    done = reader("refresh", code=1)
    assert done.stderr == ('reader: config.toml: refresh.interval must be seconds or a '
                           'duration such as "30m"\n')


def test_announcement() -> None:
    from reader.refresh import FeedDone, FeedFailed

    news = NewItems()
    for event in (FeedDone(1, "a", new=2), FeedDone(2, "b", new=0), FeedFailed(3, "c", "x"),
                  FeedDone(4, "d", new=1), FeedDone(1, "a", new=3)):
        news.add(event)
    assert news.announcement() == "6 new items in 2 feeds"
    assert NewItems().announcement() is None
    assert announcement(0, 0) is None
    assert announcement(1, 1) == "1 new item in 1 feed"
    assert announcement(12, 3) == "12 new items in 3 feeds"


def test_notifications_cannot_break_out_of_their_escape_sequence() -> None:
    hostile = "Title\x1b]0;owned\x07\x9c\x1b\\;next\nline\u202e"
    assert notification("none", hostile) == ""
    assert notification("bell", hostile) == "\a"
    osc9 = notification("osc9", hostile)
    assert osc9 == "\x1b]9;Title ]0;owned \\;next line\a"  # a lone "\\" ends nothing
    osc777 = notification("osc777", hostile, title="a;b")
    assert osc777 == "\x1b]777;notify;a b;Title ]0 owned \\ next line\a"
    for text in (osc9, osc777):
        body = text[1:-1]
        assert "\x1b" not in body and "\a" not in body and "\x9c" not in body
    assert len(notification("osc9", "x" * 5000)) < 220
