"""Related items and dated events, found in a process of their own.

Scoring related items is Python over term counts (50-400 ms for an article in a 100k-item
store on a 2-core machine). On a worker thread it held the GIL while the screen drew the
article and answered the next keys: the item to open waited 16-240 ms for its one-row read.
In a process of its own the screen keeps the GIL. One story at a time: when keys come faster
than stories, only the newest waits (Textual cancels the older workers, which then never
send theirs).

The process opens its own reader connection to the same SQLite file (WAL). Without
processes (a sandbox that refuses them), stories are found on a thread as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import BrokenExecutor, Executor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.store import Item, Store
    from reader.story import Story

log = logging.getLogger("reader.story")

STORY_NICENESS = 5  # below the screen, like the refresh

_store: Store | None = None  # in the story process: its connection


def _open(database: str, reader_pid: int) -> None:
    """In the story process, once: leave with the app, yield the CPU to it, connect."""
    from reader.core.refresh_process import leave_with
    from reader.store import Store

    global _store
    leave_with(reader_pid)
    try:
        os.nice(STORY_NICENESS)
    except OSError:
        pass
    _store = Store(Path(database), index_on_read=False)


def _story(item: Item, text: str) -> Story:
    from reader.story import story_for

    if _store is None:
        raise RuntimeError("the story process has no store")
    return story_for(_store, item, text)


class StoryFinder:
    """Finds stories in one worker process, started at the first story (never at start-up:
    the first screen does not pay for it)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self._pool: Executor | None = None
        self._unavailable = False
        self._lock: asyncio.Lock | None = None
        self.worker_pid: int | None = None

    async def story(self, item: Item, text: str) -> Story | None:
        """The story, or None when no process can be had (the caller uses a thread)."""
        if self._unavailable:
            return None
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one at a time; a cancelled waiter never submits
            if self._pool is None:
                # Starting the forkserver and the worker blocks: never on the UI thread.
                self._pool = await asyncio.to_thread(self._start)
                if self._pool is None:
                    return None
            try:
                future = await asyncio.to_thread(self._pool.submit, _story, item, text)
                return await asyncio.wrap_future(future)
            except (BrokenExecutor, OSError, RuntimeError) as failure:
                log.warning("story process failed (%s); using a thread from now on", failure)
                self._unavailable = True
                self.close()
                return None

    def _start(self) -> Executor | None:
        from concurrent.futures import ProcessPoolExecutor

        from reader.core.refresh_process import context

        try:
            pool = ProcessPoolExecutor(max_workers=1, mp_context=context(),
                                       initializer=_open,
                                       initargs=(str(self.database), os.getpid()))
            # The worker is up and connected (its pid tells tests where stories are found).
            self.worker_pid = pool.submit(os.getpid).result(timeout=30)
            return pool
        except Exception as failure:  # noqa: BLE001 - no processes here: a thread will do
            log.warning("no story process (%s: %s); using a thread", type(failure).__name__,
                        failure)
            self._unavailable = True
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
