"""Sync in the app (issue 14), driven with Pilot against the Google Reader test server and,
when it can run here, the real Tiny Tiny RSS: S, the add dialog's account choice, x and r on
an account's feed, the status bar, and failures as one line while the app goes on.

Every app here runs with the store that refuses UI-thread calls (conftest.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.widgets import Input, Select, Static

from reader.app import ReaderApp
from reader.core import messages
from reader.core.query import Query
from reader.screens.dialogs import AddFeedDialog, ConfirmDialog
from reader.screens.main import MainScreen
from reader.store import Store
from reader.sync import state
from tests.sync_harness import Device, GReaderSide


@pytest.fixture(autouse=True)
def no_password_at_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app logs in again only with what the user set up; tests say what they give."""
    monkeypatch.delenv("READER_PASSWORD", raising=False)


class Run:
    """One app on a device's database, with what it posted and what it said."""

    def __init__(self, data: Path) -> None:
        self.store = Store(data / "reader.db")
        self.app = ReaderApp(self.store)
        self.seen: list[Message] = []

    def hook(self, message: Message) -> None:
        self.seen.append(message)

    @property
    def main(self) -> MainScreen:
        screen = self.app.screen
        assert isinstance(screen, MainScreen)
        return screen

    def said(self) -> list[str]:
        return [str(note.message) for note in self.app._notifications]

    def status(self) -> str:
        return str(self.main.query_one("#status", Static).render())

    def titles(self) -> dict[str, Any]:
        return {row.title: row for row in self.main.headlines.rows}

    async def until(self, pilot: Any, check: Callable[[], Any], what: str,
                    timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await pilot.pause(0.05)

    async def finished(self, pilot: Any, press: str | None = None) -> messages.RefreshFinished:
        """Press `press` (S, r) and wait for the end of the flight it starts."""
        before = len(self.seen)
        if press:
            await pilot.press(press)
        await self.until(pilot, lambda: any(isinstance(m, messages.RefreshFinished)
                                            for m in self.seen[before:]), "the sync")
        await self.settle(pilot)
        return next(m for m in reversed(self.seen) if isinstance(m, messages.RefreshFinished))

    async def settle(self, pilot: Any) -> None:
        """Every worker ended, twice over (one may start another). Not
        `workers.wait_for_complete()`: it raises when an exclusive worker is replaced."""
        for _ in range(2):
            await self.until(pilot, lambda: all(w.is_finished for w in self.app.workers),
                             "the workers")
            await pilot.pause()

    def close(self) -> None:
        self.store.close()


async def off(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A server helper, off the test's event loop (the TT-RSS side runs its own)."""
    return await asyncio.to_thread(call, *args, **kwargs)


def device(tmp_path: Path, side: Any) -> Device:
    made = Device(tmp_path / "a", side)
    made.add_account()
    return made


def queued(data: Path) -> int:
    store = Store(data / "reader.db")
    try:
        return state.queued_count(store)
    finally:
        store.close()


async def test_S_without_an_account_says_how_to_add_one(tmp_path: Path) -> None:
    run = Run(tmp_path)
    async with run.app.run_test(size=(120, 40), message_hook=run.hook) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await run.settle(pilot)
        assert any("reader account add" in line for line in run.said())
        assert not any(isinstance(m, messages.RefreshStarted) for m in run.seen)
        names = {command.title for command in run.app.get_system_commands(run.main)}
        assert "Sync accounts now" in names  # and so in the palette
    run.close()


async def test_marks_made_in_the_app_reach_the_server_and_server_changes_come_back(
        tmp_path: Path, side: Any) -> None:
    feed = await off(side.feed, "Wire", 3)
    a = device(tmp_path, side)
    run = Run(a.data)
    async with run.app.run_test(size=(120, 40), message_hook=run.hook) as pilot:
        await pilot.pause()
        finished = await run.finished(pilot, "S")  # the first sync brings the items
        assert finished.error is None
        assert any(isinstance(m, messages.SyncProgress) for m in run.seen)
        assert {"Wire 0", "Wire 1", "Wire 2"} <= set(run.titles())
        line = run.said()[-1]
        assert line.startswith(f"{a.name}: ") and "3 new items" in line and "\n" not in line
        # the panel marks the account's feed; its view names the account
        wire = next(f for f in run.main._feed_rows if f.title == "Wire")
        assert wire.account == a.name
        assert "⇅" in run.main.feed_panel.get_option(f"feed:{wire.id}").prompt.render(40).plain
        # m and s on two items: queued, and the status bar says so
        rows = run.titles()
        run.main.headlines.move_to(rows["Wire 0"].id)
        await pilot.press("m")
        run.main.headlines.move_to(rows["Wire 1"].id)
        await pilot.press("s")
        await run.settle(pilot)
        assert "2 marks waiting to sync" in run.status()
        await run.finished(pilot, "S")
        assert await off(side.state, "Wire 0") == (True, False)
        assert await off(side.state, "Wire 1") == (False, True)
        assert "waiting to sync" not in run.status()
        assert run.said()[-1].startswith(f"{a.name}: sent 2 changes")
        # the phone reads one and a new item arrives on the server: S brings both
        await off(side.set_state, "Wire 2", read=True)
        await off(side.more, feed, "Wire", 3, 1)
        await run.finished(pilot, "S")
        rows = run.titles()
        assert rows["Wire 2"].read and "Wire 3" in rows and not rows["Wire 3"].read
        # r on the account's feed syncs its account (the server fetches the feed)
        run.main.set_view(Query(feed_id=wire.id))
        await run.settle(pilot)
        assert f"synced with {a.name}" in run.status()
        await off(side.more, feed, "Wire", 4, 1)
        finished = await run.finished(pilot, "r")
        assert finished.summary.feeds == 0 and finished.error is None
        assert "Wire 4" in run.titles()
        await pilot.press("j", "k")
        assert run.app.is_running
    run.close()


async def test_server_down_marks_stay_queued_across_a_restart_and_one_S_sends_them(
        tmp_path: Path, side: Any) -> None:
    await off(side.feed, "Down", 3)
    a = device(tmp_path, side)
    a.sync()
    await off(side.down)
    try:
        run = Run(a.data)
        async with run.app.run_test(size=(120, 40), message_hook=run.hook) as pilot:
            await pilot.pause()
            rows = run.titles()
            run.main.headlines.move_to(rows["Down 0"].id)
            await pilot.press("m")
            run.main.headlines.move_to(rows["Down 1"].id)
            await pilot.press("s")
            await run.settle(pilot)
            finished = await run.finished(pilot, "S")
            assert finished.error and a.name in finished.error
            line = run.said()[-1]
            assert line.startswith(f"{a.name}: ") and "\n" not in line
            assert "2 marks waiting to sync" in run.status()
            await pilot.press("j")  # the app goes on
            assert run.app.is_running
        run.close()
        assert queued(a.data) == 2  # the app is gone; the marks are in the database
    finally:
        await off(side.up)
    writes = side.writes()
    run = Run(a.data)
    async with run.app.run_test(size=(120, 40), message_hook=run.hook) as pilot:
        await pilot.pause()
        await run.settle(pilot)
        assert "2 marks waiting to sync" in run.status()
        finished = await run.finished(pilot, "S")
        assert finished.error is None
        assert "sent 2 changes" in run.said()[-1]
        assert "waiting to sync" not in run.status()
    run.close()
    assert await off(side.state, "Down 0") == (True, False)
    assert await off(side.state, "Down 1") == (False, True)
    assert queued(a.data) == 0
    if writes >= 0:
        assert side.writes() - writes == 2  # one request per kind of mark, nothing twice


async def test_a_subscribes_on_an_account_and_x_unsubscribes_there(
        tmp_path: Path, side: Any) -> None:
    await off(side.feed, "Kept", 1)
    a = device(tmp_path, side)
    a.sync()
    url = await off(side.new_feed_url, "Fresh")
    run = Run(a.data)
    async with run.app.run_test(size=(120, 40), message_hook=run.hook) as pilot:
        await pilot.pause()
        await pilot.press("a")
        dialog = run.app.screen
        assert isinstance(dialog, AddFeedDialog)
        where = dialog.query_one("#where", Select)
        await run.until(pilot, lambda: dialog.query_one("#where-row").display, "the choice")
        assert where.value == "here"  # this computer stays the default
        where.value = f"account:{a.name}"
        await pilot.pause()
        dialog.query_one("#url", Input).value = url
        await pilot.press("enter")
        await run.until(pilot, lambda: isinstance(run.app.screen, MainScreen), "the dialog")
        await run.settle(pilot)
        assert url in await off(side.feed_urls)
        fresh = next(f for f in run.main._feed_rows if f.account and f.id == run.main.view.feed_id)
        assert any(f"on {a.name}" in line for line in run.said())
        # x on it while the server is down: one line, nothing removed
        await off(side.down)
        try:
            run.main.feed_panel.focus()
            run.main.feed_panel.select_key(f"feed:{fresh.id}")
            await pilot.press("x")
            assert isinstance(run.app.screen, ConfirmDialog)
            await pilot.press("y")
            await run.settle(pilot)
            assert "was not removed" in run.said()[-1] and "\n" not in run.said()[-1]
            assert any(f.id == fresh.id for f in run.main._feed_rows)
        finally:
            await off(side.up)
        assert url in await off(side.feed_urls)
        run.main.feed_panel.select_key(f"feed:{fresh.id}")
        await pilot.press("x")
        question = run.app.screen
        assert isinstance(question, ConfirmDialog) and a.name in question.question
        await pilot.press("y")
        await run.settle(pilot)
        assert url not in await off(side.feed_urls)
        assert not any(f.id == fresh.id for f in run.main._feed_rows)
        assert any(f.title == "Kept" for f in run.main._feed_rows)
    run.close()


async def test_an_expired_token_or_a_bad_password_is_one_line_and_the_app_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    side = GReaderSide()
    try:
        await off(side.feed, "Auth", 2)
        a = device(tmp_path, side)
        a.sync()
        await off(side.expire)  # the server ends the session; no password at hand
        run = Run(a.data)
        async with run.app.run_test(size=(120, 40), message_hook=run.hook) as pilot:
            await pilot.pause()
            finished = await run.finished(pilot, "S")
            assert finished.error
            line = run.said()[-1]
            assert "READER_PASSWORD" in line and "\n" not in line
            assert f"! {a.name}:" in run.status()  # until a sync works again
            monkeypatch.setenv("READER_PASSWORD", "wrong")
            await run.finished(pilot, "S")
            line = run.said()[-1]
            assert line.startswith(f"{a.name}: ") and "\n" not in line
            assert "Traceback" not in line
            monkeypatch.setenv("READER_PASSWORD", side.password)  # logs in again
            finished = await run.finished(pilot, "S")
            assert finished.error is None
            assert f"! {a.name}" not in run.status()
            await pilot.press("j", "m")
            assert run.app.is_running
        run.close()
    finally:
        side.close()


async def test_the_refresh_at_start_syncs_by_itself_and_a_failure_is_one_warning(
        tmp_path: Path) -> None:
    side = GReaderSide()
    try:
        await off(side.feed, "Auto", 2)
        a = device(tmp_path, side)
        run = Run(a.data)
        run.app = ReaderApp(run.store, auto_refresh=True)  # as `reader` starts it
        async with run.app.run_test(size=(120, 40), message_hook=run.hook) as pilot:
            finished = await run.finished(pilot)
            assert finished.reason == "start" and finished.error is None
            assert {"Auto 0", "Auto 1"} <= set(run.titles())
            assert not any("sent" in line for line in run.said())  # automatic: quiet
            run.main.headlines.move_to(run.titles()["Auto 0"].id)
            await pilot.press("m")
            await run.settle(pilot)
            await off(side.down)
            before = len(run.seen)
            run.app.core.refresher.request(None, reason="schedule")  # the timer's call
            await run.until(pilot, lambda: any(isinstance(m, messages.RefreshFinished)
                                               for m in run.seen[before:]), "the schedule")
            await run.settle(pilot)
            warnings = [n for n in run.app._notifications if n.severity == "warning"]
            assert len(warnings) == 1 and warnings[0].message.startswith(f"{a.name}: ")
            assert "\n" not in warnings[0].message
            assert "1 mark waiting to sync" in run.status()
        run.close()
    finally:
        await off(side.up)
        side.close()


def test_a_sync_that_changed_nothing_says_so_in_words() -> None:
    from reader.sync.engine import SyncResult

    assert SyncResult("home").line() == "home: up to date (nothing to send, nothing new)"
    assert SyncResult("home", pushed=1).line() == "home: sent 1 change, 0 new items"
