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
