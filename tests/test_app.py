"""The app driven with Pilot: every binding changes what it should, in the store and on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.fetch import FetchLimits
from feeds.parse import parse
from reader.app import ReaderApp
from reader.core.query import Query
from reader.refresh import prepared_from
from reader.screens.dialogs import AddFeedDialog, ConfirmDialog, HelpScreen, SearchDialog
from reader.screens.main import MainScreen
from reader.store import Store
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply

HOSTILE_TITLES = [
    "[/]",
    "[link=file:///etc/passwd]x[/link]",
    "[@click=app.quit]Click me[/]",
    "[bold red]not bold[/bold red]",
]

SIZES = [(120, 40), (80, 24)]


def fill(store: Store, url: str, document: str) -> int:
    feed_id = store.add_feed(url)
    prepared = prepared_from(parse(document.encode(), {}, url))
    store.apply(feed_id, prepared.records, title=prepared.title)
    return feed_id


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reader.db")
    fill(store, "http://one.example/feed", rss("Alpha", 30, body="Alpha text about {title}."))
    fill(store, "http://two.example/feed", rss("Beta", 5, body="Beta words on {title}."))
    return store


async def type_url(pilot, url: str) -> None:  # noqa: ANN001 - Pilot
    """Fill the add-feed field and press Enter (typing key by key costs 60 ms a key)."""
    from textual.widgets import Input

    pilot.app.screen.query_one("#url", Input).value = url
    await pilot.press("enter")


def make_app(store: Store) -> ReaderApp:
    return ReaderApp(store, fetch_limits=FetchLimits(connect_timeout=2, total_timeout=3))


def screen_of(app: ReaderApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


@pytest.mark.parametrize("size", SIZES)
async def test_moving_and_opening_marks_read(store: Store, size: tuple[int, int]) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = screen_of(app)
        rows = main.headlines.rows
        assert len(rows) == 35
        await pilot.press("j", "j", "down", "k")
        assert main.headlines.cursor_row == 2
        await pilot.press("G")
        assert main.headlines.cursor_row == 34
        await pilot.press("g")
        assert main.headlines.cursor_row == 0
        await pilot.press("pagedown")
        assert main.headlines.cursor_row > 0
        await pilot.press("g", "j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        opened = rows[1]
        assert store.item(opened.id).read
        assert main.article.meta is not None and main.article.meta.item_id == opened.id
        assert opened.title in main.article.text or "Alpha text" in main.article.text
        assert main.headlines.rows[1].read
        await pilot.press("escape")
        assert main.headlines.has_focus


async def test_toggle_read_star_and_counts(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        first = main.headlines.rows[0]
        await pilot.press("m")
        assert store.item(first.id).read and main.headlines.rows[0].read
        await pilot.press("m")
        assert not store.item(first.id).read
        await pilot.press("s")
        assert store.item(first.id).starred and main.headlines.rows[0].starred
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.counts()["starred"] == 1


async def test_next_unread_and_space(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        rows = main.headlines.rows
        store.mark_read([rows[0].id, rows[1].id])
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.open_item is not None and main.open_item.id == rows[2].id
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert main.open_item.id == rows[3].id
        store.mark_read([rows[2].id], False)  # opening read it; make it unread again
        await pilot.press("p")
        await app.workers.wait_for_complete()
        assert main.open_item.id == rows[2].id
        await pilot.press("space")  # short article: already at its end, so the next unread
        await app.workers.wait_for_complete()
        assert main.open_item.id == rows[4].id  # rows[3] was read when it was opened


async def test_mark_view_read_asks_when_more_than_a_screen(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert store.counts()["unread"] == 35
        await pilot.press("A")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.counts()["unread"] == 0
        assert all(row.read for row in screen_of(app).headlines.rows)


async def test_unread_only_timeline_feeds_and_help_toggle(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        store.mark_read([row.id for row in main.headlines.rows[:5]])
        await pilot.press("u")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(main.headlines.rows) == 30
        assert not main.timeline.display or not main.has_class("show-timeline")
        await pilot.press("t")
        assert main.has_class("show-timeline") and main.timeline.display
        await pilot.press("t")
        assert not main.has_class("show-timeline")
        await pilot.press("f")
        assert main.feed_panel.display and main.feed_panel.has_focus
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("tab")
        assert app.focused is not main.feed_panel


async def test_choosing_a_feed_and_searching(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await app.workers.wait_for_complete()
        main.feed_panel.focus()
        main.feed_panel.select_key(f"feed:{store.feed_id('http://two.example/feed')}")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert {row.feed_title for row in main.headlines.rows} == {"Beta"}
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, SearchDialog)
        await pilot.press(*"alpha", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.in_search and main.search_query == "alpha"
        assert len(main.headlines.rows) == 30
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.view == Query() and len(main.headlines.rows) == 35


async def test_open_and_copy_only_http_links(store: Store,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        link = main.headlines.rows[0].link
        await pilot.press("y")
        assert app.clipboard == link
        await pilot.press("o")
        await app.workers.wait_for_complete()
        assert opened == [link]
        main.open_url("javascript:alert(1)")
        main.open_url("file:///etc/passwd")
        await app.workers.wait_for_complete()
        assert opened == [link]


async def test_add_feed_dialog_adds_selects_and_refuses(store: Store,
                                                        http_server: LocalServer) -> None:
    good = http_server.route("/feed.xml", Reply(200, rss("Gamma", 4)))
    page = http_server.route("/page", Reply(200, "<html><body>no feed</body></html>",
                                            content_type="text/html"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        for bad, reason in [(page, "no feed link"), ("ftp://example.org/x", "not an http"),
                            (http_server.url("/missing"), "404"),
                            ("http://one.example/feed", "already subscribed")]:
            await pilot.press("a")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, AddFeedDialog)
            await type_url(pilot, bad)
            await dialog.workers.wait_for_complete()
            await pilot.pause()
            assert reason in str(dialog.query_one("#reason").render())
            await pilot.press("escape")
            await pilot.pause()
        assert store.feed_count() == 2
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        await type_url(pilot, good)
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert store.feed_count() == 3
        assert main.view.feed_id is not None
        assert {row.feed_title for row in main.headlines.rows} == {"Gamma"}


def notices(app: ReaderApp) -> list[str]:
    return [notification.message for notification in app._notifications]


@pytest.mark.parametrize("size", SIZES)
async def test_x_acts_only_on_a_highlighted_feed(store: Store, size: tuple[int, int]) -> None:
    """Issue 12.2: with All (or a folder) selected, x says what to select; it never offers
    to remove the open article's feed."""
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.press("escape", "x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("feeds panel" in text for text in notices(app))
        main.feed_panel.focus()
        main.feed_panel.select_key("all")
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("Highlight a feed" in text for text in notices(app))
        assert store.feed_count() == 2


async def test_remove_feed_after_confirm(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = screen_of(app)
        main.feed_panel.focus()
        main.feed_panel.select_key(f"feed:{main.headlines.highlighted.feed_id}")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.feed_count() == 1


async def test_refresh_with_a_failing_feed_keeps_everything(store: Store,
                                                           http_server: LocalServer) -> None:
    good = http_server.route("/good.xml", Reply(200, rss("Good", 2)))
    bad = http_server.route("/bad.xml", Reply(200, rss("Bad", 2)))
    fill(store, good, rss("Good", 1))
    bad_id = fill(store, bad, rss("Bad", 2))
    http_server.route("/bad.xml", Reply(500, b"no"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        before = store.headlines(Query(feed_id=bad_id))
        cursor_item = main.headlines.highlighted.id
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.feed(bad_id).last_error == "HTTP 500 Internal Server Error"
        assert store.headlines(Query(feed_id=bad_id)) == before
        assert main.headlines.highlighted.id == cursor_item
        assert any(row.title == "Good item 1" for row in main.headlines.rows)


async def test_read_marks_and_stars_survive_a_relaunch(tmp_path: Path) -> None:
    path = tmp_path / "relaunch.db"
    store = Store(path)
    fill(store, "http://one.example/feed", rss("Alpha", 5))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("m", "j", "s", "q")
    store.close()
    again = Store(path)
    rows = again.headlines()
    assert rows[0].read and rows[1].starred and not rows[1].read


@pytest.mark.parametrize("size", SIZES)
async def test_hostile_titles_show_literally(tmp_path: Path, size: tuple[int, int]) -> None:
    store = Store(tmp_path / "hostile.db")
    entries = [(f"h{i}", title) for i, title in enumerate(HOSTILE_TITLES)]
    fill(store, "http://evil.example/feed", rss("[b]Evil[/b] \x1b[31mFeed", entries))
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = screen_of(app)
        lines = [main.headlines.render_line(y).text for y in range(len(HOSTILE_TITLES))]
        for title in HOSTILE_TITLES:
            assert any(title[:12] in line for line in lines), (title, lines)
        for index in range(len(HOSTILE_TITLES)):
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.click("#headlines", offset=(10, index))
            await pilot.pause()
            await pilot.press("escape", "j")
        assert app.is_running
        assert "\x1b" not in "".join(lines)


async def test_keys_remap_from_config_and_actions_are_in_the_palette(store: Store) -> None:
    app = ReaderApp(store, config={"keys": {"toggle-star": "X", "toggle-read": "M"}})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        first = main.headlines.rows[0]
        await pilot.press("X", "M")
        assert store.item(first.id).starred and store.item(first.id).read
        names = {command.title for command in app.get_system_commands(main)}
        assert {"Star", "Read/unread", "Next unread", "Add feed", "Search"} <= names
        help_keys = {binding.id: binding.key for _, bindings in app.binding_sections()
                     for binding in bindings}
        assert help_keys["toggle-star"] == "X"
        assert app.unknown_binding_ids() == []


async def test_an_unknown_binding_id_in_the_config_is_reported(store: Store) -> None:
    app = ReaderApp(store, config={"keys": {"bogus-id": "Z", "toggle-star": "X"}})
    said: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.unknown_binding_ids() == ["bogus-id"]
        said = [notification.message for notification in app._notifications]
    assert any("bogus-id" in message for message in said)


def test_key_clashes_and_empty_keys_are_reported(store: Store) -> None:
    app = ReaderApp(store, config={"keys": {"toggle-star": "j", "quit": "", "next-unread": "n,N"}})
    problems = app.keymap_problems()
    assert "quit has no key" in problems
    assert '"j" is both headline-list.cursor-down and toggle-star' in problems
    assert not any("next-unread" in problem for problem in problems)
    assert ReaderApp(store, config={"keys": {"toggle-star": "X"}}).keymap_problems() == []


def test_counted_nouns() -> None:
    from reader.wording import count_of

    assert [count_of(n, "item") for n in (0, 1, 2)] == ["0 items", "1 item", "2 items"]


async def test_resting_cursor_previews_without_marking_read(store: Store) -> None:
    from reader.screens.main import PREVIEW_DELAY

    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("j", "j", "j")
        await pilot.pause(PREVIEW_DELAY + 0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        third = main.headlines.rows[3]
        assert main.article.meta is not None and main.article.meta.item_id == third.id
        assert not store.item(third.id).read
        assert main.headlines.has_focus


async def test_resizing_to_40x10_and_back_during_a_refresh(store: Store,
                                                           http_server: LocalServer) -> None:
    slow = [http_server.route(f"/slow{n}.xml", Reply(200, rss(f"Slow{n}", 3), delay=0.3))
            for n in range(6)]
    for url in slow:
        store.add_feed(url)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("R")
        await pilot.pause(0.1)
        assert main.refreshing
        await pilot.resize_terminal(40, 10)
        await pilot.pause(0.2)
        await pilot.press("j", "j")
        await pilot.resize_terminal(120, 40)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and not main.refreshing
        assert store.count() == 35 + 6 * 3
        before = main.headlines.cursor_row
        await pilot.press("j")
        assert main.headlines.cursor_row == before + 1


async def test_q_goes_back_from_an_article_then_quits(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert main.article.has_focus and main.has_class("reading")
        await pilot.press("q")
        assert app.is_running and main.headlines.has_focus
        assert not main.has_class("reading")
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_l_lists_the_article_links_and_opens_the_chosen_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.screens.dialogs import LinksDialog

    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url))
    store = Store(tmp_path / "links.db")
    body = ('Read <a href="https://one.example/a">this</a>, '
            '<a href="javascript:alert(1)">not this</a> and '
            '<a href="https://two.example/b">that</a>.')
    fill(store, "http://links.example/feed", rss("Links", 1, body=body))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LinksDialog)
        assert [link.url for link in app.screen.links] == ["https://one.example/a",
                                                           "https://two.example/b"]
        await pilot.press("down", "enter")
        await app.workers.wait_for_complete()
        assert opened == ["https://two.example/b"]


async def test_a_slow_page_fetch_is_not_cancelled_by_the_preview(
        tmp_path: Path, http_server: LocalServer) -> None:
    page = ("<html><head><title>Full story</title></head><body><article><h1>Full story</h1>"
            + "<p>The whole article text is here, long enough to be an article. </p>" * 30
            + "</article></body></html>")
    http_server.route("/story-0", Reply(200, page, content_type="text/html", delay=0.6))
    store = Store(tmp_path / "slow.db")
    fill(store, "http://slow.example/feed",
         rss("story", [("1", "Newer item"), ("0", "Short summary item")],
             link=http_server.url("/story-"), full=False))
    store.mark_read([store.headlines()[0].id])
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("n")  # moves the cursor (a Highlighted) and opens the item
        await pilot.pause(1.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "whole article text" in main.article.text
        assert store.item(main.open_item.id).article_source == "page"


async def test_add_dialog_follows_a_page_to_its_feeds(store: Store,
                                                     http_server: LocalServer) -> None:
    http_server.route("/one.xml", Reply(200, rss("Only", 2)))
    http_server.route("/a.xml", Reply(200, rss("First", 1)))
    http_server.route("/b.xml", Reply(200, rss("Second", 3)))
    single = http_server.route("/single", Reply(200, '<html><head><link rel="alternate" '
                               'type="application/rss+xml" href="/one.xml"></head></html>',
                               content_type="text/html"))
    double = http_server.route("/double", Reply(200, '<html><head>'
                               '<link rel="alternate" type="application/rss+xml" href="/a.xml">'
                               '<link rel="alternate" type="application/atom+xml" href="/b.xml">'
                               "</head></html>", content_type="text/html"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        await type_url(pilot, single)
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert store.feed_id(http_server.url("/one.xml")) is not None
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        await type_url(pilot, double)
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AddFeedDialog)  # two feeds: the user picks
        await pilot.press("down", "enter")
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        assert store.feed_id(http_server.url("/b.xml")) is not None
        assert store.feed_id(http_server.url("/a.xml")) is None


async def test_help_scrolls_with_keys_and_names_binding_ids(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        pane = help_screen.query_one("#help")
        assert pane.max_scroll_y > 0  # 60x20 cannot hold every key
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert pane.scroll_y == 3
        await pilot.press("G")
        await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert pane.scroll_y == 0
        first_id = help_screen.sections[0][1][0].id
        assert first_id and first_id in app.export_screenshot()  # ids are what [keys] takes
        await pilot.press("j", "j")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")  # kept between openings, shown from the top
        await pilot.pause()
        assert app.screen is help_screen and pane.scroll_y == 0
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_search_that_finds_nothing_says_so_and_clears_the_article(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("enter")  # open the first item
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.open_item is not None and main.article.meta is not None
        await pilot.press("escape", "slash")
        await pilot.pause()
        await pilot.press(*"zzzznothing", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.in_search and main.headlines.rows == []
        middle = main.headlines.scrollable_content_region.height // 2
        assert "Nothing matches" in main.headlines.render_line(middle).text
        assert main.open_item is None and main.article.meta is None
        assert main.timeline.entries == ()


async def test_removing_the_open_items_feed_clears_the_article(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.open_item is not None
        removed = main.open_item.feed_title
        main.feed_panel.focus()
        main.feed_panel.select_key(f"feed:{main.open_item.feed_id}")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # Nothing of the removed feed stays on screen (the preview may since have moved on
        # to the item now under the cursor: that is the cursor's item, not a stale one).
        assert main.open_item is None or main.open_item.feed_title != removed
        assert main.article.meta is None or main.article.meta.feed_title != removed
        assert main.headlines.rows
        assert all(row.feed_title != removed for row in main.headlines.rows)


async def test_open_link_without_a_browser_says_so(store: Store,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: False)  # what "none" returns
    app = make_app(store)
    said: list[tuple[str, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(app, "notify", lambda message, *a, severity="information", **k:
                            said.append((message, severity)))
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert said[0][0].startswith("Opening ")
    assert said[-1] == ("No web browser was found to open the link; y copies it.", "warning")


async def test_marks_and_items_from_another_process_show_up(store: Store, tmp_path: Path) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await app.workers.wait_for_complete()
        app.core.look_outside()  # the first look only learns the version
        await app.workers.wait_for_complete()
        ids = [row.id for row in main.headlines.rows[:3]]
        assert not any(row.read for row in main.headlines.rows[:3])
        other = Store(store.path)  # another connection, as `reader mark` would open
        try:
            other.mark_read(ids)
            other.set_starred([ids[0]])
        finally:
            other.close()
        app.core.look_outside()  # what the app does every OUTSIDE_CHECK seconds

        def shown() -> bool:
            rows = {row.id: row for row in main.headlines.rows}
            return all(rows[item].read for item in ids) and rows[ids[0]].starred

        for _ in range(100):  # the look, then the reload it starts: two workers in a row
            await app.workers.wait_for_complete()
            await pilot.pause()
            if shown():
                break
        assert shown()
        assert store.counts()["unread"] == 35 - 3


async def test_a_feed_with_two_tags_shows_in_both_folders(store: Store) -> None:
    feed_id = store.feed_id("http://two.example/feed")
    store.set_tags(feed_id, ("Tech", "Inner"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = screen_of(app).feed_panel
        keys = [option.id for option in panel.options]
        assert keys.index("tag:Inner") < keys.index(f"feed:{feed_id}") < keys.index("tag:Tech")
        assert f"feed:{feed_id}:Tech" in keys


@pytest.mark.parametrize("size", SIZES)
async def test_escape_in_the_feeds_panel_goes_back_to_the_list(store: Store,
                                                               size: tuple[int, int]) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = screen_of(app)
        if main.has_class("show-feeds"):
            main.feed_panel.focus()  # wide: the panel is there, Tab reaches it
        else:
            await pilot.press("f")  # narrow: f opens it
        await pilot.pause()
        assert main.feed_panel.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert main.headlines.has_focus
        before = main.headlines.cursor_row
        await pilot.press("j")
        assert main.headlines.cursor_row == before + 1
