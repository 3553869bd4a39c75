"""Automatic refresh without the UI (issue 15): with `interval` set to a second the store
refreshes by itself, announces new items once per refresh, and a manual refresh asked for
during a scheduled one joins it (one request per feed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from reader.auto_refresh import AutoRefresh, RefreshOutcome
from reader.retention import RetentionSettings
from reader.schedule import RefreshSettings
from reader.store import Store
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply


def test_refreshes_by_itself_and_announces_once(tmp_path: Path,
                                                http_server: LocalServer) -> None:
    one = http_server.route("/one.xml", Reply(200, rss("One", 2)))
    two = http_server.route("/two.xml", Reply(200, rss("Two", 1)))
    store = Store(tmp_path / "r.db")
    store.add_feed(one)
    store.add_feed(two)
    said: list[str | None] = []
    outcomes: list[RefreshOutcome] = []

    def done(outcome: RefreshOutcome) -> None:
        outcomes.append(outcome)
        said.append(outcome.announcement)

    auto = AutoRefresh(store, RefreshSettings(interval=1), on_done=done,
                       retention=RetentionSettings())

    async def scenario() -> None:
        timer = asyncio.create_task(auto.run_forever())
        while len(outcomes) < 1:
            await asyncio.sleep(0.05)
        http_server.route("/one.xml", Reply(200, rss("One", 5)))
        while len(outcomes) < 3:
            await asyncio.sleep(0.05)
        timer.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 20))
    assert said[0] == "3 new items in 2 feeds"
    assert "3 new items in 1 feed" in said
    assert said.count("3 new items in 1 feed") == 1 and said[-1] is None
    assert all(outcome.scheduled for outcome in outcomes)
    assert store.count() == 6
    store.close()


def test_a_manual_refresh_joins_the_running_one(tmp_path: Path,
                                                http_server: LocalServer) -> None:
    slow = http_server.route("/slow.xml", Reply(200, rss("Slow", 1), delay=0.5))
    store = Store(tmp_path / "r.db")
    store.add_feed(slow)
    auto = AutoRefresh(store, RefreshSettings(interval=0, on_start=False))

    async def scenario() -> tuple[RefreshOutcome, RefreshOutcome]:
        first = asyncio.create_task(auto.refresh(due_only=True, scheduled=True))
        await asyncio.sleep(0.1)
        assert auto.busy
        second = await auto.refresh()  # the user's R while the timer's refresh runs
        return await first, second

    first, second = asyncio.run(scenario())
    assert first is second and first.new_items == 1
    assert len(http_server.requests_for("/slow.xml")) == 1
    assert not auto.busy
    store.close()


def test_interval_zero_never_refreshes_by_itself(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    auto = AutoRefresh(store, RefreshSettings(interval=0, on_start=False))
    asyncio.run(asyncio.wait_for(auto.run_forever(), 2))  # returns at once
    store.close()
