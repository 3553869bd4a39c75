"""Refresh as a service of the app core: one at a time, on request or on a schedule.

Single flight: a request while a refresh runs joins it (all feeds) or is queued to run right
after it (some feeds), never refused and never run twice at once. Steps registered with
`add_step` (sync accounts, retention) run in the same flight after the local feeds, so a
scheduled refresh and a sync never race. Progress, new items and the end are messages to
the screen.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from reader.core import messages
from reader.store import StoreError

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.worker import Worker

    from reader.core.app_core import AppCore
    from reader.refresh import RefreshEvent, RefreshSummary

log = logging.getLogger("reader.refresh")

FEEDS_CHANGED_EVERY = 2.0  # seconds between "counts changed" messages during a refresh
CHILD_FROM = 8  # feeds named in one refresh from which it runs in a process of its own
STOP_WAIT = 5.0  # seconds a stopped refresh process gets to write what it fetched

Step = Callable[["RefreshSummary"], Awaitable[None]]


class _NoChild(Exception):
    """No process could be started for the refresh."""


class _ChildFailed(Exception):
    """The refresh process stopped on an error (its traceback is in the log)."""


class _Progress:
    """Turns refresh events into the screen's messages, wherever the refresh runs."""

    def __init__(self, core: AppCore, reason: str, summary: RefreshSummary) -> None:
        from reader.schedule import NewItems

        self.core, self.reason, self.summary = core, reason, summary
        self.news = NewItems()
        self.stored = self.total = 0
        self.last_counts = 0.0

    def add(self, event: RefreshEvent) -> None:
        from reader.refresh import FeedDone, FeedFailed, RefreshStarted

        self.summary.add(event)
        self.news.add(event)
        if isinstance(event, RefreshStarted):
            self.total = event.total
            self.core.post(messages.RefreshStarted(self.total, self.reason))
        elif isinstance(event, FeedDone | FeedFailed):
            self.stored += 1
            self.core.post(messages.RefreshProgress(self.stored, self.total))
            if isinstance(event, FeedDone) and event.new:
                self.core.post(messages.ItemsAdded(frozenset({event.feed_id})))
            now = time.monotonic()
            if now - self.last_counts > FEEDS_CHANGED_EVERY:
                self.last_counts = now
                self.core.post(messages.FeedsChanged())


class RefreshService:
    """Owns the one running refresh; `request` starts, joins or queues one."""

    def __init__(self, core: AppCore) -> None:
        self.core = core
        # A refresh of CHILD_FROM feeds or more runs in a process of its own; the app's
        # own writer then sees its commits as another process's (`child_writing`).
        self.use_child = True
        self.child_writing = False
        self.child_pid: int | None = None  # the last refresh process (tests and the log)
        self._worker: Worker[None] | None = None
        self._running_all = False
        self._queued: set[int] | None = None  # feed ids asked for while one ran
        self._queued_all = False
        self._queued_steps = False
        self._steps: list[tuple[str, Step]] = []
        self._timer: Timer | None = None
        self._cancel = threading.Event()
        self.last_finished: float | None = None

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.is_finished

    def add_step(self, name: str, step: Step) -> None:
        """Run `step(summary)` after the local feeds in every full refresh (sync plugs in
        here); a failing step is reported and the others still run."""
        self._steps.append((name, step))

    def schedule(self, interval: float, *, on_start: bool = False) -> None:
        """The scheduler hook: refresh every due feed every `interval` seconds (0 or less:
        never), and once now when `on_start`. A scheduled refresh that finds one running
        joins it; the feeds' own due times decide which are fetched."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if interval > 0:
            self._timer = self.core.app.set_interval(
                interval, lambda: self.request(None, reason="schedule"))
        if on_start:
            self.request(None, reason="start")

    def request(self, feed_ids: list[int] | None = None, *, reason: str = "manual",
                steps_only: bool = False) -> str:
        """Refresh every due feed (None) or the named ones (forced); `steps_only` runs just
        the steps (a sync). Returns "started", "joined" (the running refresh covers it) or
        "queued" (runs when this one ends)."""
        if self.running:
            if self._running_all and (feed_ids is None or steps_only or reason != "manual"):
                return "joined"
            if steps_only:
                self._queued_steps = True
            elif feed_ids is None:
                self._queued_all = True
            else:
                self._queued = (self._queued or set()) | set(feed_ids)
            return "queued"
        self._start(feed_ids, reason, steps_only=steps_only)
        return "started"

    def _start(self, feed_ids: list[int] | None, reason: str, *,
               steps_only: bool = False) -> None:
        self._running_all = feed_ids is None and not steps_only
        self._worker = self.core.spawn(self._run(feed_ids, reason, steps_only),
                                       group="refresh")

    async def _run(self, feed_ids: list[int] | None, reason: str, steps_only: bool) -> None:
        from reader.refresh import RefreshSummary  # paid at the first refresh, not at start

        summary = RefreshSummary()
        error: str | None = None
        announcement: str | None = None
        try:
            if steps_only:
                self.core.post(messages.RefreshStarted(0, reason))
            else:
                announcement = await self._refresh_feeds(feed_ids, reason, summary)
            if feed_ids is None or steps_only or await self._any_remote(feed_ids):
                error = await self._run_steps(summary)
        except (StoreError, _ChildFailed) as failure:
            error = str(failure)
        except Exception as failure:  # noqa: BLE001 - a bug must not end the app
            log.exception("refresh failed")
            error = f"the refresh stopped: {type(failure).__name__}: {failure}".splitlines()[0]
        titles = await self._titles(summary)
        self.core.post(messages.FeedsChanged())
        self.core.post(messages.RefreshFinished(summary, titles, error, reason, announcement))
        if announcement is not None:
            self.core.announce(announcement)
        self.last_finished = time.time()
        self._worker = None
        self._next_queued()

    async def _refresh_feeds(self, feed_ids: list[int] | None, reason: str,
                             summary: RefreshSummary) -> str | None:
        """The local feeds: a refresh of many in a process of its own (the screen keeps the
        GIL and the CPU), a few (`r` on a feed) on a thread, where nothing has to start
        first. Messages cross back with post_message, which is thread-safe; `stop` reaches
        the other side through a flag."""
        self._cancel = threading.Event()
        progress = _Progress(self.core, reason, summary)
        if self.use_child and (feed_ids is None or len(feed_ids) >= CHILD_FROM):
            self.child_writing = True
            try:
                return await asyncio.to_thread(self._refresh_in_child, feed_ids, reason,
                                               progress, self._cancel)
            except _NoChild as why:
                log.warning("refresh: no process could be started (%s); refreshing on a "
                            "thread", why)
            finally:
                await self.core.absorb_own_writes()
                self.child_writing = False
        return await self._refresh_on_thread(feed_ids, reason, progress)

    async def _refresh_on_thread(self, feed_ids: list[int] | None, reason: str,
                                 progress: _Progress) -> str | None:
        """On an event loop of its own in a worker thread: HTTP, gzip and the pipeline's
        bookkeeping never share the UI's loop."""
        cancel = self._cancel

        async def guarded() -> str | None:
            task = asyncio.ensure_future(self._refresh_feeds_here(feed_ids, reason, progress))
            while not task.done():
                if cancel.is_set():
                    task.cancel()
                await asyncio.wait({task}, timeout=0.1)
            return task.result()

        return await asyncio.to_thread(asyncio.run, guarded())

    async def _refresh_feeds_here(self, feed_ids: list[int] | None, reason: str,
                                  progress: _Progress) -> str | None:
        """Fetched, parsed and stored here, with progress; returns the announcement."""
        from reader.feed_settings import RefreshPlan
        from reader.filters.rules import Dropper
        from reader.refresh import refresh

        config = self.core.config
        store = self.core.db.writer
        plan = await asyncio.to_thread(RefreshPlan.build, store, config.refresh, config.feeds)
        for problem in plan.problems:
            self.core.post(messages.CoreError(problem))
        drop = Dropper(config.kill)
        async for event in refresh(store, feed_ids, force=feed_ids is not None,
                                   limits=config.fetch,
                                   due_only=reason in ("schedule", "start"),
                                   plan=plan, drop=drop or None):
            progress.add(event)
        return progress.news.announcement()

    def _refresh_in_child(self, feed_ids: list[int] | None, reason: str,
                          progress: _Progress, cancel: threading.Event) -> str | None:
        """Start the child, pass its events on as they come, and wait for its end (on a
        worker thread: every call here blocks)."""
        from reader.core.refresh_process import RefreshJob, child_main, context

        config = self.core.config
        job = RefreshJob(database=self.core.db.path, feed_ids=feed_ids,
                         force=feed_ids is not None,
                         due_only=reason in ("schedule", "start"), limits=config.fetch,
                         refresh=config.refresh, feeds=config.feeds, kill=tuple(config.kill))
        try:
            forkserver = context()
            receiving, sending = forkserver.Pipe(duplex=False)
            child = forkserver.Process(target=child_main, args=(job, sending, os.getpid()),
                                       name="reader-refresh")
            child.start()
            self.child_pid = child.pid
        except Exception as failure:  # noqa: BLE001 - no processes here: a thread will do
            raise _NoChild(f"{type(failure).__name__}: {failure}") from None
        sending.close()
        try:
            while True:
                if cancel.is_set():
                    child.terminate()  # the child cancels itself and writes its schedule
                    child.join(STOP_WAIT)
                    if child.is_alive():  # stuck in a write: what it stored stays stored
                        child.kill()
                    return None
                if not receiving.poll(0.1):
                    if not child.is_alive() and not receiving.poll(0):
                        raise RuntimeError(f"the refresh process ended early (exit code "
                                           f"{child.exitcode})")
                    continue
                try:
                    kind, payload = receiving.recv()
                except EOFError:
                    child.join(5)
                    raise RuntimeError(f"the refresh process ended early (exit code "
                                       f"{child.exitcode})") from None
                if kind == "event":
                    progress.add(payload)
                elif kind == "problem":
                    self.core.post(messages.CoreError(payload))
                elif kind == "store":
                    raise StoreError(payload)
                elif kind == "failed":
                    line, details = payload
                    log.error("refresh process failed:\n%s", details)
                    raise _ChildFailed(line)
                elif kind == "done":
                    return progress.news.announcement()
        finally:
            receiving.close()
            child.join(5)
            if child.is_alive():
                child.kill()
                child.join(1)

    async def _any_remote(self, feed_ids: list[int]) -> bool:
        """Whether `r` named a sync account's feed: the server fetches those, so a sync is
        what refreshes them."""
        from reader.sync import state

        store = self.core.db.writer

        def check() -> bool:
            return any(state.account_for_feed(store, feed_id) for feed_id in feed_ids)

        return await asyncio.to_thread(check)

    async def _run_steps(self, summary: RefreshSummary) -> str | None:
        errors = []
        for name, step in self._steps:
            try:
                await step(summary)
            except Exception as failure:  # noqa: BLE001 - one line, the rest goes on
                log.exception("refresh step %s failed", name)
                errors.append(f"{name}: {failure}".splitlines()[0])
        return "; ".join(errors) or None

    async def _titles(self, summary: RefreshSummary) -> dict[int, str]:
        """Names of the feeds a one-line summary may mention (a single feed, failures)."""
        ids = {failure.feed_id for failure in summary.failures}
        try:
            rows = await self.core.db.read(lambda store: store.feeds())
        except StoreError:
            return {}
        return {row.id: row.title for row in rows if not ids or row.id in ids or
                summary.feeds == 1}

    def _next_queued(self) -> None:
        if self._queued_all:
            self._queued_all, self._queued = False, None
            self._start(None, "manual")
        elif self._queued:
            wanted, self._queued = sorted(self._queued), None
            self._start(wanted, "manual")
        elif self._queued_steps:
            self._queued_steps = False
            self._start([], "manual", steps_only=True)

    def stop(self) -> None:
        """Cancel a running refresh (at exit); what was stored stays stored."""
        self._queued, self._queued_all, self._queued_steps = None, False, False
        if self._timer is not None:
            self._timer.stop()
        self._cancel.set()  # the refresh's own loop, in its thread
        if self._worker is not None:
            self._worker.cancel()
