"""A refresh of many feeds in a process of its own, reporting its events through a pipe.

Run in the app's process, even on a thread and an event loop of its own, a refresh of
hundreds of feeds shares the GIL with the screen: HTTP, the store's inserts and the
bookkeeping of each feed are Python, and every time the UI thread gave the GIL up (to wait
for a key, a read, a frame) it waited for the refresh to hand it back. Keys took 150-500 ms
during a 300-feed refresh on a 2-core machine. In a process of its own (niced, so the screen
wins the CPU when both want it) the refresh costs the UI only the messages it sends.

The child opens its own connection to the same SQLite file (WAL: the app's marks and reads
go on beside it, as they do beside `reader refresh` run from cron) and sends each refresh
event, pickled, as it happens. Killing it loses nothing stored: each feed is one transaction.
This module imports no Textual: the child never loads the UI.
"""

from __future__ import annotations

import os
import signal
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext

    from feeds.model import FetchLimits
    from reader.feed_settings import FeedSettingsTable
    from reader.filters.rules import KillRule
    from reader.schedule import RefreshSettings

REFRESH_NICENESS = 5  # below the screen, above the parsing workers (10)
PRELOAD = ["reader.forkserver_stderr", "feeds.parse", "reader.refresh",
           "reader.core.refresh_process", "reader.story", "reader.core.story_process"]


@dataclass(frozen=True, slots=True)
class RefreshJob:
    """Everything the child needs, picklable: where the store is and what to refresh."""

    database: Path
    feed_ids: list[int] | None
    force: bool
    due_only: bool
    limits: FetchLimits
    refresh: RefreshSettings
    feeds: FeedSettingsTable
    kill: tuple[KillRule, ...]


# What the child sends, as (kind, payload) pairs:
#   ("problem", str)        a configuration problem of the plan, one line
#   ("event", RefreshEvent) a feed started, was stored or failed
#   ("failed", (str, str))  the refresh stopped: one line, and the traceback for the log
#   ("store", str)          the store refused (a full disk, a locked file): one line
#   ("done", None)          the end; nothing follows
# A SIGTERM from the app cancels the refresh: its clean-up is written, nothing is sent.


def context() -> ForkServerContext:
    """The forkserver, with the refresh's modules loaded once: a refresh starts by forking
    it (milliseconds), not by starting Python (a quarter of a second). Forking the app
    itself would copy a threaded process, which is unsafe."""
    import multiprocessing

    from reader.parse_workers import start_process_helpers

    forkserver: Any = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)
    start_process_helpers()
    return forkserver


def child_main(job: RefreshJob, pipe: Connection, reader_pid: int) -> None:
    """The child's body: refresh, sending every event; never raises into multiprocessing
    (whose traceback would go to a stderr the user sees under the app)."""
    import asyncio

    from reader.store import StoreError

    leave_with(reader_pid)
    try:
        os.nice(REFRESH_NICENESS)
    except OSError:
        pass
    try:
        asyncio.run(_refresh(job, pipe))
        pipe.send(("done", None))
    except asyncio.CancelledError:  # the app asked it to stop (SIGTERM): nothing to say
        pass
    except StoreError as failure:
        _send_quietly(pipe, ("store", str(failure)))
    except BaseException as failure:  # noqa: BLE001 - reported to the app, which goes on
        line = f"the refresh stopped: {type(failure).__name__}: {failure}".splitlines()[0]
        _send_quietly(pipe, ("failed", (line, traceback.format_exc())))
    finally:
        pipe.close()


def leave_with(reader_pid: int) -> None:
    """Exit when the app is gone (killed with SIGKILL, it cannot stop us)."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(reader_pid, 0)
            except (ProcessLookupError, PermissionError):  # gone, or the pid was reused
                os._exit(0)

    threading.Thread(target=watch, name="leave-with-reader", daemon=True).start()


def _send_quietly(pipe: Connection, message: tuple[str, Any]) -> None:
    try:
        pipe.send(message)
    except (OSError, ValueError):  # the app has gone: nobody to tell
        pass


async def _refresh(job: RefreshJob, pipe: Connection) -> None:
    import asyncio

    from reader.feed_settings import RefreshPlan
    from reader.filters.rules import Dropper
    from reader.refresh import refresh
    from reader.store import Store

    # Stopped by the app (a quit mid-refresh): SIGTERM cancels the refresh like a task, so
    # its own clean-up runs and the feeds already fetched keep their next due times, the
    # batched 304s and any Retry-After hold, as on the thread path.
    main = asyncio.current_task()
    if main is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    store = Store(job.database)
    try:
        plan = await asyncio.to_thread(RefreshPlan.build, store, job.refresh, job.feeds)
        for problem in plan.problems:
            pipe.send(("problem", problem))
        drop = Dropper(job.kill)
        async for event in refresh(store, job.feed_ids, force=job.force, limits=job.limits,
                                   due_only=job.due_only, plan=plan, drop=drop or None):
            pipe.send(("event", event))
    finally:
        store.close()
