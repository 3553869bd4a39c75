"""The app core (issue 11): refresh as a single-flight service, new items taken in without
re-reading the view, marks that never wait on the UI thread, and the composable Query."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from feeds.fetch import FetchLimits
from reader.app import ReaderApp
from reader.core import messages
from reader.core.database import Database
from reader.core.query import ALL, Query
from reader.screens.main import MainScreen
from reader.store import Store
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply
from tests.test_app import fill
from tests.uithread import UIThreadGuard, guard


def make_app(store: Store) -> ReaderApp:
    return ReaderApp(store, fetch_limits=FetchLimits(connect_timeout=2, total_timeout=3))


def test_the_guard_refuses_a_store_call_on_the_ui_thread(tmp_path: Path) -> None:
    """The Pilot suite runs with this guard (conftest): it must really refuse."""
    store = Store(tmp_path / "r.db")
    guarded = UIThreadGuard(store)
    with pytest.raises(AssertionError, match="Store.feed_count was called on the UI thread"):
        guarded.feed_count()
    answers: list[int] = []
    worker = threading.Thread(target=lambda: answers.append(guarded.feed_count()))
    worker.start()
    worker.join()
    assert answers == [0]


async def test_the_app_runs_with_the_guard_installed(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 3))
    app = make_app(store)
    assert Database.wrap is guard or getattr(Database.wrap, "__func__", None) is guard
    assert isinstance(app.core.db.writer, UIThreadGuard)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen) and len(main.headlines.rows) == 3


def test_a_query_composes_and_binds_every_value() -> None:
    query = Query(feed_id=3, starred=True, search='rust" OR x', unread=True,
                  since=10.0, until=20.0)
    condition, params = query.where()
    assert "rust" not in condition and condition.count("?") == len(params)
    assert params == [3, '"rust" AND "OR" AND "x"*', 10.0, 20.0]  # words, never FTS syntax
    assert Query().where() == ("1", [])
    assert Query(folder="Tech").but(unread=True).describe() == "Folder Tech · unread only"
    assert Query(unread=True).describe() == "Unread"
    assert Query(feed_id=2, search="x").describe({2: "Alpha"}) == "Alpha · Search: x"
    assert "a to add a feed" in ALL.empty_message()
    assert "s stars" in Query(starred=True).empty_message()
    assert "Esc" in Query(search="zz").empty_message()


def test_feed_and_starred_and_search_together(tmp_path: Path) -> None:
    """The combination View(kind) could not say."""
    store = Store(tmp_path / "r.db")
    one = fill(store, "http://one.example/feed", rss("Alpha", 6, body="rust and {title}"))
    fill(store, "http://two.example/feed", rss("Beta", 6, body="rust and {title}"))
    rows = store.headlines(Query(feed_id=one))
    store.set_starred([rows[0].id, rows[1].id])
    store.set_starred([store.headlines(Query(feed_id=one + 1))[0].id])
    found = store.headlines(Query(feed_id=one, starred=True, search="rust"))
    assert {row.id for row in found} == {rows[0].id, rows[1].id}
    assert store.count(Query(feed_id=one, starred=True, search="nothingmatches")) == 0


def test_mark_all_read_stops_at_what_the_view_showed(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    feed = fill(store, "http://one.example/feed", rss("Alpha", 4))
    shown_upto = store.max_item_id()
    fill(store, "http://two.example/feed", rss("Beta", 3))  # arrives after the view was read
    changed = store.mark_query_read(ALL, upto_id=shown_upto)
    assert len(changed) == 4
    assert store.count(Query(unread=True)) == 3
    assert store.count(Query(feed_id=feed, unread=True)) == 0


def test_next_unread_wraps_to_the_top(tmp_path: Path) -> None:
    """Issue 12.3: at the bottom, n goes on from the top (newsboat's habit)."""
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 4))
    order = [row.id for row in store.headlines()]
    store.mark_read([order[1], order[2]])
    assert store.next_unread(order[3]) is None
    assert store.next_unread(order[3], wrap=True) == order[0]
    store.mark_read([order[0], order[3]])
    assert store.next_unread(order[3], wrap=True) is None


async def test_new_items_appear_without_reading_the_view_again(
        tmp_path: Path, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "r.db")
    url = http_server.route("/a.xml", Reply(200, rss("Alpha", 5)))
    fill(store, url, rss("Alpha", 3))
    old_dates = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Old</title>'
                 "<item><guid>old-1</guid><title>Old item</title>"
                 "<link>http://old.example/1</link>"
                 "<pubDate>Mon, 03 Jan 2000 10:00:00 +0000</pubDate></item></channel></rss>")
    http_server.route("/a.xml", Reply(200, rss("Alpha", 5)))
    old = http_server.route("/old.xml", Reply(200, old_dates))
    store.add_feed(old)
    reads: list[dict] = []
    original = Store.headlines

    def counting(self: Store, *args: object, **kwargs: object) -> object:
        reads.append(dict(kwargs))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "headlines", counting)
    seen: list[object] = []
    app = make_app(store)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = app.screen
        assert isinstance(main, MainScreen)
        main.headlines.cursor_row = 1
        highlighted = main.headlines.highlighted
        reads.clear()
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        titles = [row.title for row in main.headlines.rows]
        assert "Old item" == titles[-1] and len(titles) == 3 + 2 + 1
        assert main.headlines.highlighted == highlighted  # the cursor never jumps
        assert reads and all(read.get("after_id") is not None for read in reads)
    kinds = [type(message) for message in seen]
    assert messages.RefreshStarted in kinds and messages.RefreshFinished in kinds
    assert messages.ItemsAdded in kinds


async def test_a_second_refresh_joins_the_running_one(tmp_path: Path,
                                                      http_server: LocalServer) -> None:
    store = Store(tmp_path / "r.db")
    slow = http_server.route("/slow.xml", Reply(200, rss("Slow", 2), delay=1.0))
    feed = store.add_feed(slow)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.core.refresh() == "started"
        assert app.core.refresh() == "joined"
        assert app.core.refresh(reason="schedule") == "joined"
        assert app.core.refresh([feed]) == "queued"
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert not app.core.refresher.running
        assert store.count(Query(feed_id=feed)) == 2


async def test_the_schedule_refreshes_by_itself(tmp_path: Path,
                                                http_server: LocalServer) -> None:
    store = Store(tmp_path / "r.db")
    url = http_server.route("/a.xml", Reply(200, rss("Alpha", 2)))
    feed = store.add_feed(url)
    finished: list[messages.RefreshFinished] = []
    app = make_app(store)
    async with app.run_test(size=(120, 40), message_hook=lambda m: finished.append(m)
                            if isinstance(m, messages.RefreshFinished) else None) as pilot:
        await pilot.pause()
        app.core.refresher.schedule(0.2)
        for _ in range(100):
            await pilot.pause(0.05)
            if len(finished) >= 2:
                break
        assert len(finished) >= 2
        assert store.count(Query(feed_id=feed)) == 2


async def test_a_step_runs_after_the_local_feeds_and_its_failure_is_one_line(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    ran: list[int] = []
    finished: list[messages.RefreshFinished] = []

    async def sync_step(summary: object) -> None:
        ran.append(1)
        raise RuntimeError("the server said no\nsecond line")

    app = make_app(store)
    async with app.run_test(size=(120, 40), message_hook=lambda m: finished.append(m)
                            if isinstance(m, messages.RefreshFinished) else None) as pilot:
        await pilot.pause()
        app.core.refresher.add_step("sync", sync_step)
        app.core.refresh()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert ran == [1]
    assert finished and finished[-1].error == "sync: the server said no"


async def test_a_refresh_of_all_feeds_runs_in_a_process_of_its_own(
        tmp_path: Path, http_server: LocalServer) -> None:
    """Its HTTP, parsing and inserts never share the GIL with the screen; its commits come
    in as new rows, not as an outside change that reads the whole view again."""
    import os

    store = Store(tmp_path / "r.db")
    for number in range(9):
        store.add_feed(http_server.route(f"/f{number}.xml", Reply(200, rss(f"F{number}", 3))))
    seen: list[object] = []
    app = make_app(store)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = app.screen
        assert isinstance(main, MainScreen) and len(main.headlines.rows) == 27
        app.core.look_outside()  # what the timer does: the child's commits are not news
        await app.workers.wait_for_complete()
        await pilot.pause()
        pid = app.core.refresher.child_pid
        assert pid is not None and pid != os.getpid()
    kinds = [type(message) for message in seen]
    assert messages.ItemsAdded in kinds and messages.OutsideChange not in kinds


async def test_quitting_during_a_refresh_ends_its_process(
        tmp_path: Path, http_server: LocalServer) -> None:
    import asyncio
    import os
    import time

    store = Store(tmp_path / "r.db")
    for number in range(9):
        store.add_feed(http_server.route(f"/s{number}.xml",
                                         Reply(200, rss(f"S{number}", 2), delay=2.5)))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        deadline = time.monotonic() + 20
        while app.core.refresher.child_pid is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        pid = app.core.refresher.child_pid
        assert pid is not None
        app.exit()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the refresh process outlived the app")


async def test_a_story_is_found_in_a_process_of_its_own(tmp_path: Path) -> None:
    import os

    from feeds.demo import demo_urls  # the demo story: related items to find
    from reader.refresh import refresh

    store = Store(tmp_path / "r.db")
    ids = [store.add_feed(url) for url in demo_urls()]
    async for _event in refresh(store, ids, force=True):
        pass
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            main = app.screen
            assert isinstance(main, MainScreen)
            if main.timeline.entries:
                break
        finder = app.core._stories
        assert finder is not None and finder.worker_pid not in (None, os.getpid())
        assert any(entry.kind == "item" for entry in main.timeline.entries)


async def test_the_rows_are_frozen_out_of_the_collector_only_between_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The collection before the freeze holds the UI thread: a key resets the wait."""
    import reader.memory
    from reader.screens import main as main_module

    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 300))
    frozen: list[float] = []
    monkeypatch.setattr(reader.memory, "freeze_long_lived",
                        lambda: frozen.append(__import__("time").monotonic()))
    monkeypatch.setattr(main_module, "SETTLE_AFTER", 1.0)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        started = __import__("time").monotonic()
        for _ in range(12):  # keys every 0.1 s: never quiet for a second
            await pilot.press("j")
            await pilot.pause(0.1)
        ended = __import__("time").monotonic()
        assert not frozen or frozen[0] >= ended  # (a very slow machine may have paused)
        main = app.screen
        assert isinstance(main, MainScreen) and main._last_key > started
        await pilot.pause(1.6)
        assert len(frozen) == 1


async def test_enter_holds_frames_only_until_its_article_is_shown(tmp_path: Path) -> None:
    """The focus move and the article come in one frame; the hold never outlives the
    article, and a slow read cannot freeze the screen (50 ms at most)."""
    import asyncio

    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 5))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.article.has_focus and main.article.meta is not None
        assert main._hold_timer is None and app._batch_count == 0
        # A read slower than the hold: the screen draws again after 50 ms anyway.
        slow_read = main.core.item_details

        async def slow(item_id: int):  # noqa: ANN202 - the core's own type
            await asyncio.sleep(0.3)
            return await slow_read(item_id)

        main.core.item_details = slow  # type: ignore[method-assign]
        await pilot.press("escape", "j", "enter")
        await asyncio.sleep(0.12)
        assert app._batch_count == 0 and main._hold_timer is None
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.article.meta is not None and main.article.meta.item_id == \
            main.headlines.highlighted.id


async def test_the_highlighted_item_is_read_ahead_and_enter_uses_it(tmp_path: Path) -> None:
    """Resting on a headline reads its details on a reader thread; Enter then opens it with
    no trip to the urgent reader. A write of ours (a mark) makes what was read ahead
    unusable."""
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 5))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = app.screen
        assert isinstance(main, MainScreen)
        core = main.core
        urgent: list[int] = []
        read = core.db.read

        async def counting(call, **options):  # noqa: ANN001, ANN202
            if options.get("urgent"):
                urgent.append(1)
            return await read(call, **options)

        core.db.read = counting  # type: ignore[method-assign]
        await pilot.press("j")
        await pilot.pause()
        await pilot.pause()
        highlighted = main.headlines.highlighted
        assert highlighted is not None
        ahead = core._ahead
        assert ahead is not None and ahead.item_id == highlighted.id
        await asyncio.wait_for(asyncio.shield(ahead.task), 5)
        await pilot.pause()
        assert ahead.usable(highlighted.id, core.db.writes)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.article.meta is not None and main.article.meta.item_id == highlighted.id
        assert urgent == []  # opened from what was read ahead
        assert store.item(highlighted.id).read  # and marked read as any open
        assert not ahead.usable(highlighted.id, core.db.writes)  # the mark was a write


async def _rest_on_second_row(app: ReaderApp, pilot) -> tuple[MainScreen, int]:  # noqa: ANN001
    """Move to the second headline and wait until its details were read ahead."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    main = app.screen
    assert isinstance(main, MainScreen)
    await pilot.press("j")
    await pilot.pause()
    await pilot.pause()
    highlighted = main.headlines.highlighted
    assert highlighted is not None
    ahead = main.core._ahead
    assert ahead is not None and ahead.item_id == highlighted.id
    await asyncio.wait_for(asyncio.shield(ahead.task), 5)
    await pilot.pause()
    return main, highlighted.id


async def test_review5_enter_marks_read_an_item_another_process_marked_unread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync or `reader mark` in another process marks the highlighted item unread after
    its details were read ahead: Enter still leaves it read (it stayed unread, bold in the
    list, because the details read ahead said it was read already)."""
    from reader.core import app_core

    monkeypatch.setattr(app_core, "AHEAD_FRESH", 60.0)  # the race, without the clock
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 5))
    store.mark_read([row.id for row in store.headlines()], True)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        main, item_id = await _rest_on_second_row(app, pilot)
        elsewhere = Store(tmp_path / "r.db")
        elsewhere.mark_read([item_id], False)
        elsewhere.close()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.article.meta is not None and main.article.meta.item_id == item_id
        assert store.item(item_id).read


async def test_review5_enter_after_a_mark_still_being_written_leaves_the_item_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """m (unread) waits behind a busy writer; the cursor leaves and comes back, so the
    item's details are read ahead before the mark is committed; Enter then found "read" in
    them and did not mark the opened item read: it stayed unread."""
    from reader.core import app_core

    monkeypatch.setattr(app_core, "AHEAD_FRESH", 60.0)
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 5))
    store.mark_read([row.id for row in store.headlines()], True)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        main, item_id = await _rest_on_second_row(app, pilot)
        core = main.core
        gate = threading.Event()
        busy = asyncio.ensure_future(core.db.write(lambda _store: gate.wait(10)))
        await pilot.press("m")  # unread, queued behind the busy writer
        await pilot.pause()
        await pilot.press("k", "j")
        await pilot.pause()
        await pilot.pause()
        ahead = core._ahead
        assert ahead is not None and ahead.item_id == item_id
        await asyncio.wait_for(asyncio.shield(ahead.task), 5)
        assert ahead.task.result().item.read  # read before the mark was committed
        gate.set()
        await busy
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not store.item(item_id).read  # the m landed
        assert not ahead.usable(item_id, core.db.writes)  # read before it: out of date
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.article.meta is not None and main.article.meta.item_id == item_id
        assert store.item(item_id).read


class _Junk:
    """A cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


async def test_review5_what_a_syncing_refresh_froze_is_collected_once_quiet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows a refresh adds are frozen with whatever cyclic garbage exists then; the
    refresh's end lets a quiet moment collect it. A refresh that also synced an account
    ended without that: with automatic refresh and a sync account, memory grew at every
    refresh until the next view change."""
    import gc
    import weakref

    from reader.refresh import RefreshSummary
    from reader.screens import main as main_module

    monkeypatch.setattr(main_module, "SETTLE_AFTER", 0.1)
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 5))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)  # the first view's settle is done
        main = app.screen
        assert isinstance(main, MainScreen)
        gc.disable()  # no collection of the cycle on its own before the freeze
        try:
            junk = _Junk()
            gone = weakref.ref(junk)
            gc.collect()  # the cycle is old: the young collection before a freeze leaves it
            del junk
            await main.core.db.write(lambda writer: fill(writer, "http://two.example/feed",
                                                         rss("Beta", 3)))
            main.take_in_new_items()
            await app.workers.wait_for_complete()
            await pilot.pause()
        finally:
            gc.enable()
        assert len(main.headlines.rows) == 8 and gone() is not None  # frozen with the rows
        main.post_message(messages.SyncFinished(lines=("example: nothing new",)))
        main.post_message(messages.RefreshFinished(RefreshSummary(), reason="schedule"))
        await pilot.pause(0.5)
        await pilot.pause()
        assert gone() is None
