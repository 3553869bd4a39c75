"""Findings of a hands-on pass by a new user, each fixed and kept fixed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feeds.fetch import FetchLimits
from reader.app import ReaderApp
from reader.core.query import Query
from reader.rows import TimelineEntry
from reader.schedule import adopt_interval, refresh_settings
from reader.screens.dialogs import ConfirmDialog
from reader.screens.main import MainScreen
from reader.store import Store
from reader.widgets.timeline_pane import story_days
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply
from tests.test_app import fill


def make_app(store: Store, **config: object) -> ReaderApp:
    return ReaderApp(store, config=dict(config),
                     fetch_limits=FetchLimits(connect_timeout=2, total_timeout=3))


def screen_of(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reader.db")
    fill(store, "http://one.example/feed", rss("Alpha", 6, body="Alpha text about {title}."))
    fill(store, "http://two.example/feed", rss("Beta", 4, body="Beta words on {title}."))
    return store


async def test_panel_counts_leave_out_what_the_killfile_hides(store: Store) -> None:
    app = make_app(store, kill=[{"expr": 'title ~ "Alpha item 1"'}])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        listing = await app.core.feed_list()
        assert listing.totals["total"] == 9 and listing.totals["unread"] == 9
        alpha = next(feed for feed in listing.feeds if feed.title == "Alpha")
        assert alpha.unread == alpha.total == 5
        main = screen_of(app)
        assert len(main.headlines.rows) == 9


async def test_a_saved_view_can_be_removed_with_x(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert await app.core.save_view("Betas", "title ~ Beta") is None
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = screen_of(app)
        main.feed_panel.focus()
        main.feed_panel.select_key("view:Betas")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        assert [view.name for view in await app.core.saved_views()] == []
    assert store.feed_count() == 2


def test_a_lowered_interval_makes_every_feed_due_at_once(store: Store) -> None:
    settings = refresh_settings({"refresh": {"interval": "30m"}})
    assert adopt_interval(store, settings) is True
    store.conn.execute("UPDATE feeds SET next_due = ?", (time.time() + 1800,))
    assert store.feeds_due(due_only=True) == []
    assert adopt_interval(store, settings) is False  # unchanged: the due times stand
    assert adopt_interval(store, refresh_settings({"refresh": {"interval": "20s"}}))
    assert len(store.feeds_due(due_only=True)) == 2


async def test_r_on_a_folder_refreshes_only_its_feeds(tmp_path: Path,
                                                      http_server: LocalServer) -> None:
    store = Store(tmp_path / "r.db")
    inside = http_server.route("/in.xml", Reply(200, rss("In", 2)))
    outside = http_server.route("/out.xml", Reply(200, rss("Out", 2)))
    store.set_tags(store.add_feed(inside), ("Tech",))
    store.add_feed(outside)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = screen_of(app)
        main.feed_panel.focus()
        main.feed_panel.select_key("tag:Tech")
        await pilot.press("r")
        for _ in range(50):
            await pilot.pause(0.05)
            if not app.core.refresher.running:
                break
    assert len(http_server.requests_for("/in.xml")) == 1
    assert http_server.requests_for("/out.xml") == []


def test_the_story_chart_counts_the_open_articles_feed_once() -> None:
    from datetime import date

    day = date(2022, 1, 10)
    entries = [TimelineEntry("current", day, "day", "Open", feed_title="Wire", item_id=1),
               TimelineEntry("item", day, "day", "Other", feed_title="Wire", item_id=2)]
    (only,) = story_days(entries)
    assert (only.articles, only.feeds) == (2, 1)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_narrow_feeds_and_timeline_leave_the_list_its_titles(
        store: Store, size: tuple[int, int]) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        assert main.has_class("show-feeds") and not main.has_class("show-timeline")
        await pilot.press("escape", "t")
        await pilot.pause()
        assert main.has_class("show-timeline") and not main.has_class("show-feeds")
        assert main.headlines.size.width >= 40


async def test_keys_in_an_empty_view_say_so(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        main.set_view(Query(search="nothingmatcheshere"))
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in ("o", "y", "m", "s"):
            await pilot.press(key)
        said = [notification.message for notification in app._notifications]
        assert any("Highlight an item first, then press o" in text for text in said)
        assert any("no item here to mark" in text for text in said)
        assert any("no item here to star" in text for text in said)


async def test_a_download_from_a_host_that_does_not_exist_says_so_once(tmp_path: Path) -> None:
    from feeds.download import DownloadError, download

    started = time.monotonic()
    with pytest.raises(DownloadError) as failed:
        await download("http://no-such-host.invalid/episode.mp3", tmp_path, title="Episode")
    message = str(failed.value)
    assert "no-such-host.invalid: host not found" in message, message
    assert "retries" not in message and "Errno" not in message
    assert time.monotonic() - started < 5  # not retried five times


def test_a_small_refresh_parses_every_format_in_threads(tmp_path: Path,
                                                        http_server: LocalServer) -> None:
    """Fewer than 8 feeds are parsed in threads. Once, several threads loading the parsers
    (and feedparser's submodules, loaded lazily) at the same moment made importlib fail with
    _DeadlockError on 4 of 6 corpus feeds; the parsers are now loaded once, under a lock.
    The race is rare: this checks each format on the thread path in fresh processes."""
    from tests.e2e import run_reader

    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            '<entry><id>a1</id><title>Atom one</title><updated>2022-01-10T10:00:00Z</updated>'
            '<link href="http://a.example/1"/></entry></feed>')
    broken = ('<rss version="2.0"><channel><title>Broken</title><item><title>Loose & odd'
              '</title><guid>b1</guid><pubDate>10 Jan 2022</pubDate></item></channel>')
    json_feed = ('{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": '
                 '[{"id": "j1", "title": "Json one", "date_published": "2022-01-10T10:00:00Z"}]}')
    documents = [rss("One", 3), rss("Two", 2), atom, broken, json_feed, rss("Six", 1)]
    urls = [http_server.route(f"/f{n}", Reply(200, body.encode()))
            for n, body in enumerate(documents)]
    for attempt in range(3):
        data = tmp_path / f"data{attempt}"
        run_reader(data, "add", *urls)
        done = run_reader(data, "refresh", "--all")
        assert "could not be read" not in done.stderr, done.stderr
        assert "refreshed 6 feeds" in done.stdout and "failed" not in done.stdout, done.stdout
