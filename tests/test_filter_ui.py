"""The filter language in the app (issue 16): the F bar, `/` with OR, saved views in the
feeds panel, highlight colours and media marks on rows. Pilot, a real SQLite file, a store
that refuses UI-thread calls (conftest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.color import Color
from textual.message import Message
from textual.widgets import Input

from feeds.fetch import FetchLimits
from reader.app import ReaderApp
from reader.core import messages
from reader.core.query import ALL
from reader.filters.condition import Narrowed
from reader.screens.dialogs import SearchDialog
from reader.screens.filter_bar import FilterBar
from reader.screens.main import MainScreen
from reader.store import Store
from tests.feedgen import rss
from tests.test_app import fill
from tests.test_enclosures import podcast


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reader.db")
    fill(store, "http://one.example/feed", rss("Alpha", 6, body="Slow words on {title}."))
    fill(store, "http://two.example/feed", rss("Beta", 4, body="Armcrest text on {title}."))
    fill(store, "http://cast.example/feed", podcast([
        ("Loud episode", [("http://cast.example/1.mp3", "audio/mpeg", "100")]),
        ("Moving episode", [("http://cast.example/2.mp4", "video/mp4", "100")]),
        ("Quiet note", []),
    ]))
    return store


def make_app(store: Store, config: dict | None = None) -> ReaderApp:
    return ReaderApp(store, config=config,
                     fetch_limits=FetchLimits(connect_timeout=2, total_timeout=3))


def main_of(app: ReaderApp) -> MainScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, MainScreen)
    return screen


async def settle(pilot, app: ReaderApp) -> None:  # noqa: ANN001 - Pilot
    await workers_done(app)
    await pilot.pause()
    await workers_done(app)
    await pilot.pause()


async def workers_done(app: ReaderApp) -> None:
    """Every worker ended. One cancelled meanwhile (an exclusive worker a newer one
    replaced, as a preview's story when the view changes) is normal, not a failure: the
    read-ahead made previews fast enough to start their story before the view changed."""
    from textual.worker import WorkerCancelled

    for _ in range(50):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def type_filter(pilot, app: ReaderApp, text: str) -> FilterBar:  # noqa: ANN001
    """Open the bar with F and put `text` in it (typing key by key is slow)."""
    await pilot.press("F")
    await pilot.pause()
    bar = app.screen
    assert isinstance(bar, FilterBar)
    await app.workers.wait_for_complete()  # the history has loaded
    bar.query_one("#filter-input", Input).value = text
    return bar


async def test_f_narrows_the_view_errors_stay_in_the_bar_and_esc_clears(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        assert len(main.headlines.rows) == 13
        bar = await type_filter(pilot, app, "title ~ (")
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is bar  # still open, nothing applied, no crash
        assert bar.error is not None and "(column 9)" in bar.error
        assert "\n" not in bar.error
        assert main.view == ALL
        bar.query_one("#filter-input", Input).value = "feed:Beta or Slow"
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(main.view.filter, Narrowed)
        assert len(main.headlines.rows) == 10
        await pilot.press("F")
        await pilot.pause()
        assert app.screen.query_one("#filter-input", Input).value  # what F typed shows
        await pilot.press("escape")
        await settle(pilot, app)
        assert main.view == ALL and len(main.headlines.rows) == 13


async def test_f_on_a_feed_keeps_the_feed_and_a_second_f_replaces_the_first(
        store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        alpha = store.feed_id("http://one.example/feed")
        main.feed_panel.focus()
        main.feed_panel.select_key(f"feed:{alpha}")
        await pilot.press("enter")
        await settle(pilot, app)
        await type_filter(pilot, app, 'title ~ "item 1"')
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.view.feed_id == alpha
        assert [row.title for row in main.headlines.rows] == ["Alpha item 1"]
        await type_filter(pilot, app, "Armcrest")
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.view.feed_id == alpha and main.headlines.rows == []
        assert main.view.filter.base is None  # replaced, not stacked
        await pilot.press("escape")  # the list's Esc also gives the view back
        await settle(pilot, app)
        assert main.view.feed_id == alpha and main.view.filter is None
        assert len(main.headlines.rows) == 6


async def test_the_bar_walks_its_history_which_is_kept_in_the_database(
        store: Store, tmp_path: Path) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        for text in ("Slow", "Armcrest", "has-enclosure"):
            await type_filter(pilot, app, text)
            await pilot.press("enter")
            await settle(pilot, app)
        bar = await type_filter(pilot, app, "draft")
        field = bar.query_one("#filter-input", Input)
        await pilot.press("up")
        assert field.value == "has-enclosure"
        await pilot.press("up", "up")
        assert field.value == "Slow"
        await pilot.press("up")  # the oldest stays
        assert field.value == "Slow"
        await pilot.press("down", "down", "down")
        assert field.value == "draft"
        await pilot.press("escape")
        await settle(pilot, app)
    history = json.loads(store.settings_get("filter_history") or "[]")
    assert history == ["has-enclosure", "Armcrest", "Slow"]


async def test_save_as_view_shows_it_in_the_panel_with_its_count(store: Store) -> None:
    seen: list[Message] = []
    app = make_app(store)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        bar = await type_filter(pilot, app, "feed:Beta and unread")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert bar.naming is not None and app.screen is bar
        bar.query_one("#filter-input", Input).value = "Betas"
        seen.clear()
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is main
        assert any(isinstance(message, messages.FeedsChanged) for message in seen)
        assert main.feed_panel.view_for("view:Betas") is not None
        assert main.feed_panel.saved_count("Betas") == 4
        assert isinstance(main.view.filter, Narrowed) and len(main.headlines.rows) == 4
        # Choosing it in the panel shows it.
        await pilot.press("escape")
        await settle(pilot, app)
        main.feed_panel.focus()
        main.feed_panel.select_key("view:Betas")
        await pilot.press("enter")
        await settle(pilot, app)
        assert {row.feed_title for row in main.headlines.rows} == {"Beta"}
    stored = json.loads(store.settings_get("saved_views") or "[]")
    assert stored == [["Betas", "feed:Beta and unread"]]


async def test_a_config_view_counts_unread_and_follows_a_mark(store: Store) -> None:
    app = make_app(store, {"views": {"Slow ones": "Slow and unread", "Media": "has-enclosure"}})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        assert main.feed_panel.saved_count("Slow ones") == 6
        assert main.feed_panel.saved_count("Media") == 2
        keys = [option.id for option in main.feed_panel.options]
        assert keys.index("view:Slow ones") < keys.index("view:Media")
        assert keys.index("starred") < keys.index("view:Slow ones")
        row = next(r for r in main.headlines.rows if r.feed_title == "Alpha")
        main.set_read([row.id], True)
        await settle(pilot, app)
        assert main.feed_panel.saved_count("Slow ones") == 5


async def test_slash_searches_with_or_and_esc_leaves_the_search(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, SearchDialog)
        app.screen.query_one("#query", Input).value = "Slow OR Armcrest"
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.in_search and main.search_query == "Slow OR Armcrest"
        assert "Search: Slow OR Armcrest" in str(main.query_one("#status").render())
        assert len(main.headlines.rows) == 10
        assert main.feed_panel.current_key == "search"
        # A mistake: one line, and the search opens again with the text.
        await pilot.press("slash")
        await pilot.pause()
        app.screen.query_one("#query", Input).value = "Slow OR"
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, SearchDialog)
        assert app.screen.query_one("#query", Input).value == "Slow OR"
        await pilot.press("escape")
        await pilot.pause()
        assert main.in_search and len(main.headlines.rows) == 10
        await pilot.press("escape")
        await settle(pilot, app)
        assert not main.in_search and main.view == ALL and len(main.headlines.rows) == 13


async def test_highlight_styles_and_media_marks_on_rows(store: Store) -> None:
    hostile = "[bold red]x[/]"
    fill(store, "http://three.example/feed", rss("Gamma", [("g-1", hostile)]))
    config = {"highlight": [{"expr": "feed:Beta", "style": "bold magenta"},
                            {"expr": "title ~ episode", "style": "black on cyan"}]}
    app = make_app(store, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        rows = main.headlines.rows
        lines = {row.title: main.headlines._draw_row(row, 100, False) for row in rows}

        def title_style(title: str):  # noqa: ANN202
            strip = lines[title]
            return next(seg.style for seg in strip if title in seg.text)

        assert title_style("Beta item 0").color == Color.parse("magenta")
        assert title_style("Beta item 0").bold
        assert title_style("Loud episode").color == Color.parse("black")
        assert title_style("Alpha item 0").color != Color.parse("magenta")
        assert lines["Loud episode"].text.startswith("●")
        assert "♪" in lines["Loud episode"].text[:3]
        assert "▶" in lines["Moving episode"].text[:3]
        assert "♪" not in lines["Quiet note"].text and "▶" not in lines["Quiet note"].text
        assert hostile in lines[hostile].text  # feed text is never markup
        # New items take their marks too.
        other = Store(store.path)  # another connection, as a refresh's writer would be
        fill(other, "http://four.example/feed", podcast([
            ("Fresh episode", [("http://cast.example/3.mp3", "audio/mpeg", "1")])]))
        other.close()
        main.post_message(messages.ItemsAdded(frozenset()))
        await settle(pilot, app)
        fresh = next(row for row in main.headlines.rows if row.title == "Fresh episode")
        assert "♪" in main.headlines._draw_row(fresh, 100, False).text[:3]


def test_a_highlight_style_rich_cannot_read_is_a_config_error() -> None:
    from reader.core.config import Config, ConfigError

    with pytest.raises(ConfigError, match=r"highlight\[1\]\.style"):
        Config.from_toml({"highlight": [{"expr": "starred", "style": "bold nocolour"}]})


async def test_review5_a_new_episode_keeps_its_mark_when_a_full_marks_read_lands_after(
        store: Store) -> None:
    """A refresh's new episode gets its ♪ (load_new_marks) while a read of every row's
    marks, begun before the episode was stored, is still under way; that read lands last
    and replaced all marks. It then took in the new items' marks again only when the
    view's newest id had grown, and a batch read right after a commit does not grow it
    (the newest id was read before the rows): the episode showed no ♪ until the view
    changed."""
    import asyncio

    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        core = main.core
        row_marks, newest_id = core.row_marks, core.newest_id
        gate = asyncio.Event()
        full_read = asyncio.Event()

        async def held(after_id: int | None = None):  # noqa: ANN202
            found = await row_marks(after_id)
            if after_id is None:  # the whole store's marks, read before the episode
                full_read.set()
                await gate.wait()
            return found

        core.row_marks = held  # type: ignore[method-assign]
        main.load_marks()
        await asyncio.wait_for(full_read.wait(), 5)
        before = main._newest_id
        await core.db.write(lambda writer: fill(writer, "http://fresh.example/feed", podcast([
            ("Fresh episode", [("http://fresh.example/1.mp3", "audio/mpeg", "1")])])))

        async def read_before_the_commit() -> int:
            return before

        core.newest_id = read_before_the_commit  # type: ignore[method-assign]
        main.take_in_new_items()
        for _ in range(100):
            fresh = next((row for row in main.headlines.rows if row.title == "Fresh episode"),
                         None)
            if fresh is not None and main.headlines.media_mark(fresh.id) == "♪":
                break
            await pilot.pause(0.02)
        assert fresh is not None and main.headlines.media_mark(fresh.id) == "♪"
        core.newest_id = newest_id  # type: ignore[method-assign]
        gate.set()  # the full read lands last
        await settle(pilot, app)
        assert main.headlines.media_mark(fresh.id) == "♪"


async def test_highlight_rules_are_checked_again_for_every_row_when_a_refresh_ends(
        store: Store) -> None:
    """During a refresh only the new rows' marks are read; a rule on age is checked again
    for all rows at its end (an item no longer "new" loses its colour)."""
    from reader.refresh import RefreshSummary

    config = {"highlight": [{"expr": "feed:Beta", "style": "bold magenta"}]}
    app = make_app(store, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        asked: list[object] = []
        row_marks = main.core.row_marks

        async def recording(after_id: int | None = None):  # noqa: ANN202
            asked.append(after_id)
            return await row_marks(after_id)

        main.core.row_marks = recording  # type: ignore[method-assign]
        main.post_message(messages.RefreshFinished(RefreshSummary(), reason="schedule"))
        await settle(pilot, app)
        assert None in asked  # every row's marks, read again
