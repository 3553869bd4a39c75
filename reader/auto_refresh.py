"""Automatic refresh for the app core, without the UI: one refresh at a time (a manual one
asked for during a scheduled one joins it), due feeds checked on a timer from `[refresh]`,
retention after each refresh, and one outcome per refresh to announce.

The core owns an `AutoRefresh`, runs `run_forever()` as a task (or a Textual worker), calls
`refresh()` for the `R`/`r` keys, and turns `on_event` / `on_done` into its messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.schedule import RefreshSettings, announcement, check_period

if TYPE_CHECKING:
    from reader.feed_settings import FeedSettingsTable, RefreshPlan
    from reader.refresh import RefreshEvent
    from reader.retention import RetentionSettings
    from reader.store import Store


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What one refresh brought, for its single announcement."""

    feeds: int = 0  # feeds fetched
    new_items: int = 0
    feeds_with_new: int = 0
    failures: int = 0
    pruned: int = 0
    scheduled: bool = False  # started by the timer, not by the user

    @property
    def announcement(self) -> str | None:
        """"N new items in K feeds", or None when there is nothing new to say."""
        return announcement(self.new_items, self.feeds_with_new)


class AutoRefresh:
    """Single-flight refreshes, on a timer and on demand."""

    def __init__(
        self,
        store: Store,
        settings: RefreshSettings | None = None,
        *,
        limits: object | None = None,
        table: FeedSettingsTable | None = None,
        retention: RetentionSettings | None = None,
        on_event: Callable[[RefreshEvent], None] | None = None,
        on_done: Callable[[RefreshOutcome], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or RefreshSettings()
        self.limits = limits
        self.table = table
        self.retention = retention
        self.on_event = on_event
        self.on_done = on_done
        self.on_error = on_error
        self._running: asyncio.Future[RefreshOutcome] | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None and not self._running.done()

    def plan(self) -> RefreshPlan:
        from reader.feed_settings import RefreshPlan

        return RefreshPlan.build(self.store, self.settings, self.table)

    async def refresh(self, feed_ids: Iterable[int] | None = None, *, due_only: bool = False,
                      scheduled: bool = False) -> RefreshOutcome:
        """Refresh now; while a refresh runs, join it instead of starting another."""
        if self._running is None or self._running.done():
            ids = None if feed_ids is None else list(feed_ids)
            self._running = asyncio.ensure_future(self._once(ids, due_only, scheduled))
        return await asyncio.shield(self._running)

    async def _once(self, feed_ids: list[int] | None, due_only: bool,
                    scheduled: bool) -> RefreshOutcome:
        from reader.refresh import FeedDone, FeedFailed, refresh

        plan = await asyncio.to_thread(self.plan)
        feeds = new = with_new = failures = 0
        async for event in refresh(self.store, feed_ids, limits=self.limits,
                                   due_only=due_only, plan=plan):
            if isinstance(event, FeedDone):
                feeds += 1
                new += event.new
                with_new += event.new > 0
            elif isinstance(event, FeedFailed):
                feeds += 1
                failures += 1
            if self.on_event is not None:
                self.on_event(event)
        pruned = 0
        if self.retention is not None:
            from reader.retention import prune

            pruned = await asyncio.to_thread(prune, self.store, self.retention, self.table)
        outcome = RefreshOutcome(feeds, new, with_new, failures, pruned, scheduled)
        if self.on_done is not None:
            self.on_done(outcome)
        return outcome

    async def run_forever(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
                          ) -> None:
        """The timer: due feeds at start (`on_start`), then every check period while the
        interval is on. Cancel the task to stop it; a round that fails (a full disk) goes to
        `on_error` and the timer goes on."""
        if self.settings.on_start:
            await self._scheduled_round()
        period = check_period(self.settings)
        if period is None:
            return
        while True:
            await sleep(period)
            await self._scheduled_round()

    async def _scheduled_round(self) -> None:
        try:
            await self.refresh(due_only=True, scheduled=True)
        except Exception as error:  # one line for the user, through the core
            if self.on_error is not None:
                self.on_error(error)
