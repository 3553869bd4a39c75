"""The parsing workers of a refresh: where they come from, how they start, when they leave.

A refresh parses in worker processes forked from multiprocessing's forkserver (the app runs
threads, and forking a threaded process is unsafe). Kept apart from reader.refresh, which
loads asyncio: `reader refresh` starts the forkserver (`start_parsers_early`) before it loads
asyncio and the HTTP client, so the forkserver's Python start and imports run beside them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext

    from reader.store import Store

__all__ = ["PARSER_MODULES", "PARSER_NICENESS", "PROCESS_POOL_FROM", "exit_with",
           "parsing_context", "start_parsers_early", "start_process_helpers", "worker_count"]

PROCESS_POOL_FROM = 8  # feeds in one refresh from which parsing runs in worker processes
PARSER_NICENESS = 10  # the parsing workers yield the CPU to the reader's own process
# What a worker needs to parse (feedparser's submodules load lazily otherwise).
PARSER_MODULES = ("chardet", "feedparser", "feedparser.datetimes", "feedparser.mixin",
                  "feedparser.urls", "feeds.parse")


def worker_count() -> int:
    return min(os.cpu_count() or 1, 4)


def parsing_context() -> ForkServerContext:
    """forkserver: the app runs threads, and forking a threaded process is unsafe.

    What `reader.prepare.import_parsers` loads is imported once, in the forkserver, not in
    every worker (feedparser and chardet: ~30 ms each time). chardet's models are not: a
    worker reads them at its first undeclared document that is not UTF-8, which most
    subscriptions never have (feeds.parse_preload says why)."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["reader.forkserver_stderr", "feeds.parse",
                                    "feeds.parse_preload", "reader.prepare", *PARSER_MODULES])
    return context


def start_parsers_early(store: Store, feed_ids: Iterable[int] | None, *,
                        due_only: bool) -> bool:
    """For `reader refresh`, before it loads the HTTP client: when some feed is sure to need
    parsing (due, and never fetched or sent no validators), start the parsing workers'
    forkserver now. Its Python start and imports (~0.2 s of CPU) then run on another core
    while this process loads aiohttp and opens its first connections, instead of after
    (issue 13: the cold refreshes). Returns whether it started it."""
    if worker_count() < 2:
        return False
    due = store.feeds_due(feed_ids=feed_ids, due_only=due_only)
    if len(due) < PROCESS_POOL_FROM or all(etag or modified for _, _, etag, modified in due):
        return False
    try:
        parsing_context()
        start_process_helpers()
    except Exception:  # only a head start: `Parsers` copes without one
        return False
    return True


_HELPERS_STARTING = threading.Lock()  # one start of the helpers at a time


def start_process_helpers() -> None:
    """Start multiprocessing's forkserver and resource tracker, their standard error the
    reader's log file.

    They inherit this process's file descriptor 2 (sys.stderr only has to have a usable
    descriptor: multiprocessing keeps it open in the child, nothing more). The terminal's
    let the resource tracker's warnings (a "leaked semaphore" line, seen once under a test's
    two refreshes at once) land under a refresh's summary. So for the moment of their start,
    a command's descriptor 2 is the log file. Not the app's: Textual writes the screen to
    descriptor 2 (sys.__stderr__) from its own thread, and a frame written meanwhile would
    go to the log. Inside the app sys.stderr is a capture object without a usable
    descriptor, and starting them with it failed ("bad value(s) in fds_to_keep"). The
    forkserver points its own standard error at the log (reader.forkserver_stderr), for what
    its children print.
    """
    from multiprocessing import forkserver, resource_tracker

    with _HELPERS_STARTING:  # two at once: each kept the other's log as "the terminal"
        saved = sys.stderr
        log = _open_log()
        terminal: int | None = None
        if "textual.app" not in sys.modules:
            try:
                terminal = os.dup(2)
            except OSError:  # no descriptor 2 at all: the children inherit that
                terminal = None
        try:
            if terminal is not None:
                os.dup2(log, 2)
            elif log == 2:  # descriptor 2 was closed and the log took it: hand it on
                os.set_inheritable(2, True)
            sys.stderr = os.fdopen(log, "w", encoding="utf-8", closefd=False)
            resource_tracker.ensure_running()
            forkserver.ensure_running()
        finally:
            sys.stderr = saved
            if terminal is not None:
                os.dup2(terminal, 2)
                os.close(terminal)
            os.close(log)



def _open_log() -> int:
    """The reader's log file opened for appending (its folder made), else the null device."""
    from reader.locations import log_path

    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError:
        return os.open(os.devnull, os.O_WRONLY)


def exit_with(reader_pid: int) -> None:
    """In a parsing worker: leave when the reader is gone. A reader killed with SIGKILL
    cannot shut its pool down, and the workers (and the forkserver they keep alive through
    their inherited pipe) would otherwise wait for work forever.

    Ctrl-C is the reader's to handle: a terminal sends SIGINT to its whole process group,
    and each worker printed a KeyboardInterrupt traceback under the reader's one line. The
    reader shuts the pool down as it leaves (or the watch below notices it is gone)."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(reader_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # the pid now belongs to someone else's process
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-reader", daemon=True).start()
    # Parsing is batch work: on a small machine the reader's own process (the screen, the
    # keys; and fetching and storing, which every feed waits for) must win the CPU when both
    # want it. Measured for `reader refresh` too (issue 13): the workers at normal priority
    # made a cold refresh of 500 feeds take 4.0-4.5 s instead of 3.0-3.5 s.
    try:
        os.nice(PARSER_NICENESS)
    except OSError:
        pass
