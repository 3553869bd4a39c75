"""Issue 12, a newsboat user's first hour: the panes hold their shape (Pilot, 80x24 and 120x40).

Borders are checked the way a terminal draws the line: each character's width from Unicode
(a variation selector and a joiner take no cell, a skin-tone modifier two, as in tmux and
xterm), not from Rich, which counts "✈️" as 2 cells where tmux draws 1.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from feeds.parse import parse
from reader.app import ReaderApp
from reader.refresh import prepared_from
from reader.screens.main import MainScreen
from reader.store import Store
from tests.feedgen import rss

SIZES = [(80, 24), (120, 40)]
EMOJI = ["✈️ Flights resume", "Thumbs 👍🏽 up", "Family 👨‍👩‍👧 day", "Love ❤️ and ☀️ sun",
         "Keycap #️⃣ tag", "Mixed ✈️👍🏾❤️ news"]


def fill(store: Store, url: str, document: str) -> int:
    feed_id = store.add_feed(url)
    prepared = prepared_from(parse(document.encode(), {}, url))
    store.apply(feed_id, prepared.records, title=prepared.title)
    return feed_id


def terminal_width(char: str) -> int:
    """Cells a terminal gives one code point (wcwidth's rules, as tmux 3.3 and xterm)."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cells_as_drawn(line: str) -> dict[int, str]:
    """Column -> the character a terminal starts there."""
    columns: dict[int, str] = {}
    column = 0
    for char in line:
        width = terminal_width(char)
        if width:
            columns[column] = char
        column += width
    columns[-1] = str(column)  # the line's drawn width
    return columns


def screen_lines(app: ReaderApp) -> list[str]:
    return ["".join(segment.text for segment in strip)
            for strip in app.screen._compositor.render_strips()]


def assert_borders_hold(app: ReaderApp, main: MainScreen, width: int) -> None:
    lines = screen_lines(app)
    borders = []  # (column, first row, last row) of each visible vertical border
    if main.feed_panel.display and main.feed_panel.region.width:
        region = main.feed_panel.region
        borders.append((region.right - 1, region.y, region.bottom))
    if main.timeline.display and main.timeline.region.width:
        region = main.timeline.region
        borders.append((region.x, region.y, region.bottom))
    assert borders, "no bordered pane is showing"
    for y, line in enumerate(lines):
        drawn = cells_as_drawn(line)
        assert drawn[-1] == str(width), f"line {y} is drawn {drawn[-1]} cells wide: {line!r}"
        for column, top, bottom in borders:
            if top <= y < bottom:
                assert drawn.get(column) in ("▏", "▕", "│", "┃", "▎", "▌", "▐"), (
                    f"line {y}: the border at column {column} moved: {line!r}")


@pytest.fixture
def emoji_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reader.db")
    entries = [(f"e{n}", title) for n, title in enumerate(EMOJI * 3)]
    fill(store, "http://emoji.example/feed", rss("Emoji ✈️ 👍🏽 Wire", entries,
                                                  body="Body ✈️ with 👨‍👩‍👧 and {title}."))
    fill(store, "http://plain.example/feed", rss("Plain ❤️ Feed", 4))
    return store


@pytest.mark.parametrize("size", SIZES)
async def test_emoji_never_move_a_pane_border(emoji_store: Store, size: tuple[int, int]) -> None:
    app = ReaderApp(emoji_store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        if not main.feed_panel.display:
            await pilot.press("f")  # narrow: the feeds panel opens over the list
            await pilot.pause()
        assert_borders_hold(app, main, size[0])
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")  # open an article: the timeline shows beside it
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not main.timeline.display:
            await pilot.press("t")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert_borders_hold(app, main, size[0])


@pytest.fixture
def many_feeds(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reader.db")
    for n in range(45):
        title = f"Feed {n:02d} with a long name that cannot fit"
        fill(store, f"http://f{n}.example/feed", rss(title, 7 + n * 37))
    store.set_tags(store.feed_id("http://f3.example/feed"), ("Tech", "News"))
    return store


@pytest.mark.parametrize("size", SIZES)
async def test_unread_counts_never_drop_or_wrap_with_a_scrollbar(many_feeds: Store,
                                                                  size: tuple[int, int]) -> None:
    app = ReaderApp(many_feeds)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = app.screen
        assert isinstance(main, MainScreen)
        if not main.feed_panel.display:
            await pilot.press("f")
        await pilot.pause()
        panel = main.feed_panel
        assert panel.show_vertical_scrollbar, "the test needs a panel with a scrollbar"
        width = panel.scrollable_content_region.width
        expected = {}
        for feed in many_feeds.feeds():
            expected[f"Feed {int(feed.url[8:].split('.')[0]):02d}"] = feed.unread
        for row in range(panel.option_count):
            panel.highlighted = row  # scrolls it into view
            await pilot.pause()
        seen = 0
        for top in range(0, panel.option_count, panel.scrollable_content_region.height):
            panel.scroll_to(y=top, animate=False, force=True)
            await pilot.pause()
            for y in range(panel.scrollable_content_region.height):
                line = panel.render_line(y).text
                name = next((key for key in expected if key in line), None)
                if name is None:
                    continue
                seen += 1
                assert line.rstrip().endswith(f"… {expected[name]}"), line
                assert len(line.rstrip()) <= width
        assert seen >= len(expected)
        assert panel.virtual_size.height == panel.option_count + 1  # one line each (+ rule)


# -- 13: the link picker ------------------------------------------------------------------

LINKED = ('<p>Read <a href="https://one.example/report">the full <b>report</b></a>, then '
          '<a href="https://two.example/">the reply</a>.</p><p>More on '
          '<a href="https://three.example/x?a=1&amp;b=2">[bold]a hostile[/bold] text</a>.</p>')


def linked_feed(items: list[tuple[str, str, str]]) -> str:
    """An RSS document whose items carry their own HTML (escaped) as content."""
    from xml.sax.saxutils import escape

    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://site.example/{guid}"
        f"</link><pubDate>Mon, 10 Jan 2022 12:00:00 GMT</pubDate>"
        f"<content:encoded>{escape(html)}</content:encoded></item>"
        for guid, title, html in items)
    return ('<?xml version="1.0"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Links</title><link>https://site.example/</link>{body}</channel></rss>")


@pytest.fixture
def links_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reader.db")
    fill(store, "http://links.example/feed", linked_feed([
        ("with-links", "Three links", LINKED),
        ("no-links", "Nothing to follow", "<p>Plain words only, and nothing to follow.</p>"),
    ]))
    return store


async def open_item(app: ReaderApp, pilot, title: str) -> MainScreen:  # noqa: ANN001
    main = app.screen
    assert isinstance(main, MainScreen)
    main.headlines.move_to(next(row.id for row in main.headlines.rows if row.title == title))
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return main


@pytest.mark.parametrize("size", SIZES)
async def test_link_picker_moves_with_j_k_picks_by_digit_and_shows_texts(
        links_store: Store, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import OptionList

    from reader.screens.dialogs import LinksDialog

    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    app = ReaderApp(links_store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = await open_item(app, pilot, "Three links")
        main.article.focus()
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, LinksDialog)
        options = dialog.query_one("#links", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert prompts[0].startswith("[1] ") and "report" in prompts[0]
        assert "https://one.example/report" in prompts[0]
        assert "the reply" in prompts[1] and "https://two.example/" in prompts[1]
        assert "[bold]a hostile[/bold] text" in prompts[2]  # literal, never markup
        assert options.highlighted == 0
        await pilot.press("j", "j")
        assert options.highlighted == 2
        await pilot.press("k")
        assert options.highlighted == 1
        await pilot.press("j", "j", "j")
        assert options.highlighted == 2
        await pilot.press("2")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert not isinstance(app.screen, LinksDialog)
        assert opened == ["https://two.example/"]
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("k", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert opened == ["https://two.example/", "https://one.example/report"]


async def test_link_picker_says_when_an_article_has_no_links(links_store: Store) -> None:
    from textual.notifications import Notify

    from reader.screens.dialogs import LinksDialog

    said: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            said.append(str(message.notification.message))

    app = ReaderApp(links_store)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await pilot.pause()
        main = await open_item(app, pilot, "Nothing to follow")
        main.article.focus()
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(app.screen, LinksDialog)
        assert any("this article has no links" in line.lower() for line in said), said


async def test_link_picker_names_links_by_their_text_when_the_article_gives_it(
        links_store: Store) -> None:
    """With `Article.link_texts` passed on, the picker shows each link's exact text."""
    from feeds.text import html_to_text
    from reader.screens.dialogs import LinksDialog, link_prompt
    from reader.widgets.article_view import ArticleMeta

    rendered = html_to_text(LINKED)
    assert rendered.link_texts == ("the full report", "the reply", "[bold]a hostile[/bold] text")
    app = ReaderApp(links_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one("#article")
        view.show(ArticleMeta(1, "t", "f", "", None, None), rendered.text, rendered.links,
                  link_texts=rendered.link_texts)
        links = view.numbered_links
    assert [link.text for link in links] == list(rendered.link_texts)
    assert link_prompt(links[0]).plain == "[1] the full report\n    https://one.example/report"
    assert LinksDialog(["https://a.example/"]).links[0].number == 1  # plain URLs still work


# -- 5: a warning in the feeds panel -------------------------------------------------------


async def test_the_panel_marks_a_warning_apart_from_an_error(tmp_path: Path) -> None:
    from reader.widgets.feed_panel import ERROR_MARK, WARNING_MARK

    store = Store(tmp_path / "reader.db")
    warned = store.add_feed("http://warned.example/feed", "Warned")
    store.apply(warned, [], title="Warned", warning="2 entries repeated an earlier entry's id")
    failed = store.add_feed("http://failed.example/feed", "Failed")
    store.record_error(failed, "HTTP 500")
    app = ReaderApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        panel = main.feed_panel
        lines = [panel.render_line(y).text for y in range(panel.option_count + 1)]
        warned_line = next(line for line in lines if "Warned" in line)
        failed_line = next(line for line in lines if "Failed" in line)
        assert f"{WARNING_MARK} Warned" in warned_line and ERROR_MARK not in warned_line
        assert f"{ERROR_MARK} Failed" in failed_line


# -- 6 and 7 in the add-feed dialog ---------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_add_dialog_falls_back_to_http_and_names_a_pages_failing_feed(
        tmp_path: Path, size: tuple[int, int]) -> None:
    from textual.notifications import Notify
    from textual.widgets import Input

    from reader.screens.dialogs import AddFeedDialog
    from tests.httpserver import LocalServer, Reply

    said: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            said.append(str(message.notification.message))

    server = LocalServer().start()
    try:
        url = server.route("/feed.rss", Reply(200, rss("Bare Host", 3)))
        page = server.route("/blog", Reply(200, '<html><body><a href="/gone.rss">RSS</a>'
                                           "</body></html>", content_type="text/html"))
        store = Store(tmp_path / "reader.db")
        app = ReaderApp(store)
        async with app.run_test(size=size, message_hook=hook) as pilot:
            await pilot.pause()
            for typed in (page, url.removeprefix("http://")):
                await pilot.press("a")
                await pilot.pause()
                dialog = app.screen
                assert isinstance(dialog, AddFeedDialog)
                dialog.query_one("#url", Input).value = typed
                await pilot.press("enter")
                await dialog.workers.wait_for_complete()
                await pilot.pause()
                if typed == page:
                    reason = str(dialog.query_one("#reason").render())
                    assert reason == (f"the page {page} links {server.url('/gone.rss')}, "
                                      "which failed: HTTP 404 Not Found"), reason
                    await pilot.press("escape")
                    await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert [feed.url for feed in store.feeds()] == [url]
            assert any("used http" in line for line in said), said
    finally:
        server.stop()
