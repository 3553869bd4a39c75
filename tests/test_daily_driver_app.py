"""Issue 15 in the app, driven with Pilot against the local test server: enclosures in the
article pane, D downloads with progress, the app refreshes by itself and announces new items
once, v/b/|/W run exactly the configured argv whatever the title holds, per-feed
fetch_article is honoured, and e renames a feed and moves it between folders."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from textual.message import Message

from feeds.fetch import FetchLimits
from reader.app import ReaderApp
from reader.core import messages
from reader.core.query import Query
from reader.screens.feed_editor import FeedEditor, parse_folders
from reader.screens.main import MainScreen
from reader.store import Store
from reader.widgets.feed_panel import view_key
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply
from tests.test_app import fill

HOSTILE = "Ep \"1\"; $(touch pwned) `id` {url} --help 'x' [bold]a[/] && rm -rf ~"
PAYLOAD = bytes(range(256)) * 1200  # 300 KiB: several chunks, so several progress reports


def podcast(base: str, title: str = HOSTILE) -> str:
    """One episode with an audio enclosure on the test server, one plain item."""
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Cast</title>'
            "<link>http://example.org/</link><description>d</description>"
            f"<item><guid>ep-1</guid><title>{escape(title)}</title>"
            "<link>http://example.org/ep1</link>"
            "<pubDate>Mon, 10 Jan 2022 10:00:00 GMT</pubDate>"
            "<description>The first episode, with words.</description>"
            f"<enclosure url={quoteattr(base + '/ep1.mp3')} type=\"audio/mpeg\" "
            f"length=\"{len(PAYLOAD)}\"/>"
            "<itunes:duration xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\">"
            "42:10</itunes:duration></item>"
            "<item><guid>post-2</guid><title>A post</title>"
            "<link>http://example.org/post</link>"
            "<pubDate>Mon, 10 Jan 2022 09:00:00 GMT</pubDate>"
            "<description>No media here.</description></item>"
            "</channel></rss>")


def make_app(store: Store, config: dict[str, Any] | None = None,
             auto_refresh: bool = False) -> ReaderApp:
    """The episodes link example.org: no test contacts it (network only to 127.0.0.1)."""
    config = {"article": {"fetch_pages": False}} if config is None else config
    config.setdefault("article", {"fetch_pages": False})
    return ReaderApp(store, config=config, auto_refresh=auto_refresh,
                     fetch_limits=FetchLimits(connect_timeout=2, total_timeout=5))


def screen_of(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def notices(app: ReaderApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def settle(app: ReaderApp, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot: Any, done: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def podcast_store(tmp_path: Path, server: LocalServer) -> tuple[Store, str]:
    server.route("/ep1.mp3", Reply(200, PAYLOAD, content_type="audio/mpeg"))
    url = server.route("/cast.xml", Reply(200, podcast(server.url(""))))
    store = Store(tmp_path / "reader.db")
    store.add_feed(url)
    return store, url


async def refresh_in_app(app: ReaderApp, pilot: Any) -> None:
    await pilot.press("R")
    await wait_until(pilot, lambda: not app.core.refresher.running)
    await settle(app, pilot)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_podcast_episode_shows_its_enclosure_in_the_article(
        tmp_path: Path, http_server: LocalServer, size: tuple[int, int]) -> None:
    store, _ = podcast_store(tmp_path, http_server)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await refresh_in_app(app, pilot)
        main = screen_of(app)
        episode = next(row for row in main.headlines.rows if row.title == HOSTILE)
        main.headlines.move_to(episode.id)
        await pilot.press("enter")
        await settle(app, pilot)
        lines = [main.article.line_text(n) for n in range(main.article.line_count)]
        text = "\n".join(lines)
        assert "♪ audio/mpeg · 300.0 KiB · 42:10" in text
        assert http_server.url("/ep1.mp3") in text.replace("\n", "")
        assert "v plays it" in text
        assert lines[0].startswith('Ep "1"; $(touch pwned)')  # the title, literally
        post = next(row for row in main.headlines.rows if row.title == "A post")
        main.open_article(post.id)
        await settle(app, pilot)
        text = "\n".join(main.article.line_text(n) for n in range(main.article.line_count))
        assert "audio/mpeg" not in text and "v plays it" not in text


async def test_d_downloads_the_enclosure_with_progress(tmp_path: Path,
                                                       http_server: LocalServer) -> None:
    store, _ = podcast_store(tmp_path, http_server)
    folder = tmp_path / "downloads"
    seen: list[Message] = []
    app = make_app(store, {"download": {"folder": str(folder)}})
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        await refresh_in_app(app, pilot)
        main = screen_of(app)
        episode = next(row for row in main.headlines.rows if row.title == HOSTILE)
        main.headlines.move_to(episode.id)
        await pilot.press("D")
        await settle(app, pilot)
        files = list(folder.iterdir())
        assert len(files) == 1 and files[0].read_bytes() == PAYLOAD
        assert files[0].parent == folder and files[0].suffix == ".mp3"
        assert "/" not in files[0].name and not files[0].name.startswith(".")
        progress = [m for m in seen if isinstance(m, messages.DownloadProgress)]
        assert progress and progress[-1].done == len(PAYLOAD)
        assert progress[-1].total == len(PAYLOAD)
        assert any(text.startswith(f"Downloaded {files[0]}") for text in notices(app))
        assert not main.query_one("#download-progress").display
        # An item without an enclosure, and a server that fails: one line each.
        post = next(row for row in main.headlines.rows if row.title == "A post")
        main.headlines.move_to(post.id)
        await pilot.press("D")
        await settle(app, pilot)
        assert notices(app)[-1] == f"item {post.id} has no enclosure"
        http_server.route("/ep1.mp3", Reply(404, b"gone", content_type="text/plain"))
        main.headlines.move_to(episode.id)
        await pilot.press("D")
        await settle(app, pilot)
        assert "404" in notices(app)[-1] and "\n" not in notices(app)[-1]
        assert len(list(folder.iterdir())) == 1


async def test_the_app_refreshes_by_itself_and_announces_new_items_once(
        tmp_path: Path, http_server: LocalServer) -> None:
    store = Store(tmp_path / "reader.db")
    url = http_server.route("/a.xml", Reply(200, rss("Alpha", 3)))
    fill(store, url, rss("Alpha", 3))
    http_server.route("/a.xml", Reply(200, rss("Alpha", 5)))  # two new items on the server
    finished: list[messages.RefreshFinished] = []

    def hook(message: Message) -> None:
        # A message bubbles from the screen to the app: each is counted once.
        if isinstance(message, messages.RefreshFinished) and not any(
                message is seen for seen in finished):
            finished.append(message)

    app = make_app(store, {"refresh": {"interval": 1, "on_start": False}}, auto_refresh=True)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await settle(app, pilot)
        main = screen_of(app)
        # No key pressed: the schedule refreshes, then refreshes again with nothing new.
        # (a look that finds the feed not due yet fetches nothing, and says nothing too)
        await wait_until(pilot, lambda: any(event.summary.feeds for event in finished[1:]),
                         timeout=15)
        await settle(app, pilot)
        assert all(event.reason == "schedule" for event in finished)
        assert finished[0].announcement == "2 new items in 1 feed"
        assert all(event.announcement is None for event in finished[1:]), [
            (e.reason, e.announcement, e.summary) for e in finished]
        assert notices(app).count("2 new items in 1 feed") == 1
        assert not [text for text in notices(app) if "new item" in text and "2 new" not in text]
        assert len(main.headlines.rows) == 5
        assert len(http_server.requests_for("/a.xml")) >= 2


def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny program that appends its argv and stdin to a JSON-lines file."""
    record = tmp_path / "record.jsonl"
    script = tmp_path / "record.py"
    script.write_text(
        "import json, sys\n"
        "data = sys.stdin.read() if not sys.stdin.isatty() else None\n"
        f"with open({str(record)!r}, 'a', encoding='utf-8') as out:\n"
        "    out.write(json.dumps({'argv': sys.argv[1:], 'stdin': data}) + '\\n')\n",
        encoding="utf-8")
    return script, record


def records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_commands_get_exactly_the_configured_argv_with_a_hostile_title(
        tmp_path: Path, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = podcast_store(tmp_path, http_server)
    script, record = recorder(tmp_path)
    saved = tmp_path / "saved"
    py = sys.executable
    config = {"commands": {
        "player": [py, str(script), "player", "--", "{url}", "{title}", "{feed}"],
        "bookmark": [py, str(script), "bookmark", "{url}", "t={title}", "{feed}"],
        "pipe": [py, str(script), "pipe", "{title}"],
        "save": [py, str(script), "save", "{file}"],
        "save_dir": str(saved),
        "browser": [{"match": "http://example.org/*",
                     "argv": [py, str(script), "browser", "{url}"]}],
    }}
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    app = make_app(store, config)
    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await refresh_in_app(app, pilot)
        main = screen_of(app)
        episode = next(row for row in main.headlines.rows if row.title == HOSTILE)
        main.headlines.move_to(episode.id)
        enclosure = http_server.url("/ep1.mp3")
        for key in ("v", "b", "vertical_line", "W"):
            await pilot.press(key)
            await settle(app, pilot)
        await wait_until(pilot, lambda: len(records(record)) >= 4)
        got = {entry["argv"][0]: entry for entry in records(record)}
        assert got["player"]["argv"] == ["player", "--", enclosure, HOSTILE, "Cast"]
        assert got["bookmark"]["argv"] == ["bookmark", "http://example.org/ep1",
                                           f"t={HOSTILE}", "Cast"]
        assert got["pipe"]["argv"] == ["pipe", HOSTILE]
        assert got["pipe"]["stdin"].startswith(HOSTILE + "\nCast · 2022-01-10 10:00 UTC\n"
                                               "http://example.org/ep1\n\n")
        assert "The first episode, with words." in got["pipe"]["stdin"]
        assert got["player"]["stdin"] == ""  # no terminal of its own in a headless app
        files = list(saved.iterdir())
        assert len(files) == 1 and files[0].suffix == ".md"
        assert got["save"]["argv"] == ["save", str(files[0])]
        document = files[0].read_text(encoding="utf-8")
        assert "The first episode, with words." in document
        assert any(text == f"Saved to {files[0]}" for text in notices(app))
        assert not (tmp_path / "pwned").exists()
        # o through the browser rule for a matching URL; O also marks the item read.
        assert not next(r for r in main.headlines.rows if r.id == episode.id).read
        await pilot.press("O")
        await settle(app, pilot)
        await wait_until(pilot, lambda: "browser" in {e["argv"][0] for e in records(record)})
        browser = [e for e in records(record) if e["argv"][0] == "browser"]
        assert browser[-1]["argv"] == ["browser", "http://example.org/ep1"]
        assert next(r for r in main.headlines.rows if r.id == episode.id).read
        assert opened == []  # the rule matched: the system browser was not asked


async def test_a_command_that_cannot_run_is_one_line(tmp_path: Path,
                                                     http_server: LocalServer) -> None:
    store, _ = podcast_store(tmp_path, http_server)
    app = make_app(store, {"commands": {"bookmark": ["no-such-program-xyz", "{url}"]}})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await refresh_in_app(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        assert notices(app)[-1] == "commands.bookmark: program not found: no-such-program-xyz"
        await pilot.press("v")
        await settle(app, pilot)
        await pilot.press("vertical_line")
        await settle(app, pilot)
        said = notices(app)[-2:]
        assert said[0].startswith("no player: set commands.player")
        assert said[1] == "no pipe command: set commands.pipe"


async def test_fetch_article_false_keeps_the_site_uncontacted(
        tmp_path: Path, http_server: LocalServer) -> None:
    page = http_server.route("/page/1", Reply(200, "<html><body><article><p>"
                                                   + "Whole page words. " * 80
                                                   + "</p></article></body></html>",
                                              content_type="text/html"))
    feed = rss("Private", [("1", "Summary only")], link=page[:-1], full=False)
    store = Store(tmp_path / "reader.db")
    url = http_server.route("/private.xml", Reply(200, feed))
    fill(store, url, feed)
    app = make_app(store, {"feed": [{"url": url, "fetch_article": False}],
                           "article": {"fetch_pages": True}})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        main = screen_of(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert http_server.requests_for("/page/1") == []
        assert "w fetches the whole article" in main.article.note
        await pilot.press("w")  # asked for by name: fetched
        await settle(app, pilot)
        assert len(http_server.requests_for("/page/1")) == 1


async def test_e_renames_a_feed_and_moves_it_between_folders(
        tmp_path: Path, http_server: LocalServer) -> None:
    store = Store(tmp_path / "reader.db")
    url = http_server.route("/a.xml", Reply(200, rss("Alpha", 3)))
    alpha = fill(store, url, rss("Alpha", 3))
    store.set_tags(alpha, ["News"])
    fill(store, "http://two.example/feed", rss("Beta", 2))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        main = screen_of(app)
        await pilot.press("e")  # the list shows every feed: which one is not clear
        await pilot.pause()
        assert not isinstance(app.screen, FeedEditor)
        assert "feeds panel" in notices(app)[-1]
        beta = store.feed_id("http://two.example/feed")
        main.feed_panel.focus()
        main.feed_panel.select_key(view_key(Query(feed_id=beta)))
        await pilot.press("e")  # highlighted in the feeds panel
        await settle(app, pilot)
        assert isinstance(app.screen, FeedEditor) and app.screen.feed.id == beta
        await pilot.press("escape")
        await settle(app, pilot)
        main.headlines.focus()
        main.set_view(Query(feed_id=alpha))
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, FeedEditor)
        from textual.widgets import Input

        assert dialog.query_one("#feed-title", Input).value == ""
        assert dialog.query_one("#feed-folders", Input).value == "News"
        dialog.query_one("#feed-title", Input).value = "  My [b]Alpha[/b]  "
        dialog.query_one("#feed-folders", Input).value = "Tech, Later,, Tech "
        dialog.query_one("#feed-title", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        row = store.feed(alpha)
        assert row is not None and row.title == "My [b]Alpha[/b]"
        assert row.tags == ("Tech", "Later")
        assert {r.feed_title for r in main.headlines.rows} == {"My [b]Alpha[/b]"}
        # A refresh keeps the user's name and folders.
        await pilot.press("r")
        await wait_until(pilot, lambda: not app.core.refresher.running)
        await settle(app, pilot)
        assert len(http_server.requests_for("/a.xml")) == 1
        row = store.feed(alpha)
        assert row is not None and row.title == "My [b]Alpha[/b]" and row.tags == ("Tech", "Later")
        # Empty name: the feed's own again; Escape changes nothing.
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#feed-title", Input).value = ""
        app.screen.query_one("#feed-folders", Input).value = "Archive"
        await pilot.press("enter")
        await settle(app, pilot)
        row = store.feed(alpha)
        assert row is not None and row.title == "Alpha" and row.tags == ("Archive",)
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#feed-folders", Input).value = "Elsewhere"
        await pilot.press("escape")
        await settle(app, pilot)
        assert store.feed(alpha).tags == ("Archive",)  # type: ignore[union-attr]


def test_folder_lists_are_trimmed_and_deduplicated() -> None:
    assert parse_folders(" a, b ,, a,\x1b[31mc\u202e ") == ("a", "b", "c")
    assert parse_folders("") == ()


async def test_the_new_keys_are_in_help_and_the_palette(tmp_path: Path) -> None:
    store = Store(tmp_path / "reader.db")
    fill(store, "http://one.example/feed", rss("Alpha", 2))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        ids = {binding.id for _, section in app.binding_sections() for binding in section}
        assert {"play-enclosure", "download-enclosure", "bookmark", "pipe-article",
                "save-article", "open-link-read", "edit-feed"} <= ids
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Play", "Download", "Bookmark", "Pipe", "Save", "Open + read",
                "Edit feed"} <= titles
        from reader.screens.dialogs import _key_label

        assert _key_label("vertical_line") == "|"  # the help screen shows the key itself


async def test_items_a_refresh_adds_get_their_media_mark_without_reading_every_row(
        tmp_path: Path, http_server: LocalServer) -> None:
    """A refresh's new rows get their ♪ from a read of the new items alone; marks that did
    not change draw nothing again."""
    store, _ = podcast_store(tmp_path, http_server)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        main = screen_of(app)
        asked: list[int | None] = []
        row_marks = main.core.row_marks

        async def recording(after_id: int | None = None) -> Any:
            asked.append(after_id)
            return await row_marks(after_id)

        main.core.row_marks = recording  # type: ignore[method-assign]
        await refresh_in_app(app, pilot)
        episode = next(row for row in main.headlines.rows if row.title == HOSTILE)
        assert main.headlines.media_mark(episode.id) == "♪"
        assert asked and asked[-1] is not None  # the new items' marks only
        drawn = dict(main.headlines._strips)
        main.headlines.set_marks(dict(main.headlines._media), dict(main.headlines._lights),
                                 [rule.style for rule in main.core.config.highlights])
        assert dict(main.headlines._strips) == drawn  # the same marks: nothing redrawn
