"""The input thread of Textual's Linux driver, made prompt and hang-up safe.

Escape answers in tens of milliseconds in a real terminal, not 100-200 ms.

A terminal sends the Escape key as the byte that also starts every key sequence (arrows,
function keys, Alt+key), so a program tells them apart by waiting a moment for more bytes:
Textual waits ESCDELAY (100 ms by default), and its input thread only looks at the clock after
each select() of up to 100 ms, so a lone Escape took 100-200 ms to arrive. Back in the list, out
of the help, out of a dialog: the key used most after j and Enter.

Here the wait is 25 ms (newsboat's and vim's choice; ESCDELAY in the environment still wins),
and while an Escape waits for that decision the input thread looks again every 5 ms instead of
every 100 ms; the rest of the time it sleeps as Textual has it (no wake-ups while idle).
A terminal that went away (a closed window, a dropped ssh link) ends the app. Textual's input
thread takes an empty read for piped input and looks again at once: with the terminal gone
that is a loop at a third of a core, forever, whenever the hang-up signal did not reach the
process (`make run` in a window that was closed left such readers behind, with their refresh
schedule running).

Once the terminal is gone, nothing is written to it any more, and the app does not wake up
again for it: Textual's output goes through a queue of 30 writes to a thread that dies at the
first write to a hung-up terminal, and the app's shutdown (which writes the sequences that
leave the alternate screen) then waited on the full queue for ever; the SIGCONT a hang-up
also sends made Textual start its application mode again. Seen under load, about one closed
window in six, by tests/test_terminal.py.

This touches Textual's Linux driver (pinned in pyproject.toml) in three names of its module,
for this process only: the selector, the parser and `os` as its input thread sees them; and
the driver's `write`, `close` and SIGCONT handler, by subclassing.
"""

from __future__ import annotations

import logging
import os
import queue
import selectors
import time
from typing import Any

log = logging.getLogger("reader.terminal")
TERMINAL_GONE = 129  # the exit status of a program its terminal hung up on (128 + SIGHUP)

ESCAPE_DELAY_MS = "25"
PENDING_LOOK = 0.005  # seconds between looks while a lone Escape waits to be decided
WRITE_LOOK = 0.1  # seconds between looks at the terminal while Textual's output queue is full


def shorten_escape_delay() -> None:
    """Before Textual is imported (its constants read ESCDELAY once)."""
    os.environ.setdefault("ESCDELAY", ESCAPE_DELAY_MS)


def prompt_driver_class() -> type[Any] | None:
    """Textual's Linux driver with an input thread that decides a lone Escape promptly, or
    None where Textual uses another driver (Windows, the web, tests)."""
    if os.name != "posix":
        return None
    from textual.drivers import linux_driver

    base_parser = linux_driver.XTermParser
    parsers: list[Any] = []

    class WatchedParser(base_parser):  # type: ignore[misc, valid-type]
        """Textual's parser, made known to the selector below."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            parsers[:] = [self]

    def waiting() -> bool:
        """The parser waits for a timeout to decide (a lone Escape, so far)."""
        return bool(parsers) and getattr(parsers[0], "_timeout_time", None) is not None

    class PromptSelector(selectors.SelectSelector):
        def select(self, timeout: float | None = None) -> Any:
            if ended:  # nothing more will come: no spinning while the app shuts down
                time.sleep(0.1 if timeout is None else min(timeout, 0.1))
                return []
            if waiting():
                timeout = PENDING_LOOK if timeout is None else min(timeout, PENDING_LOOK)
            return super().select(timeout)

    class PromptSelectors:
        """The `selectors` module as the driver's input thread sees it."""

        EVENT_READ = selectors.EVENT_READ
        SelectorKey = selectors.SelectorKey
        SelectSelector = PromptSelector

    ended: list[bool] = []  # the terminal's input ended (its window or link is gone)

    class ReaderDriver(linux_driver.LinuxDriver):
        def write(self, data: str) -> None:
            """Textual's write, except that it gives up once the terminal is gone or its
            writer thread has died, instead of waiting on a full queue for ever."""
            writer = self._writer_thread
            if writer is None or ended:
                return
            while True:
                try:
                    writer._queue.put(data, timeout=WRITE_LOOK)  # noqa: SLF001
                    return
                except queue.Full:
                    if ended or not writer.is_alive():
                        return

        def close(self) -> None:
            writer = self._writer_thread
            if writer is not None and (ended or not writer.is_alive()):
                return  # nothing more can be written; the thread is a daemon
            super().close()

        def _sigcont_application(self, *args: Any) -> None:
            if not ended:  # a hang-up sends SIGCONT too: no application mode again
                super()._sigcont_application(*args)

        def run_input_thread(self) -> None:
            app = self._app

            def read(fd: int, size: int) -> bytes:
                data = os.read(fd, size)
                if not data and not ended:
                    ended.append(True)
                    log.warning("the terminal's input ended: quitting")
                    app.call_later(app.exit, None, TERMINAL_GONE)
                return data

            class InputOs:
                """`os` as the input thread sees it: reads note the end of input."""

                def __getattr__(self, name: str) -> Any:
                    return getattr(os, name)

                @staticmethod
                def read(fd: int, size: int) -> bytes:
                    return read(fd, size)

            linux_driver.selectors = PromptSelectors  # type: ignore[assignment]
            linux_driver.XTermParser = WatchedParser  # type: ignore[misc]
            linux_driver.os = InputOs()  # type: ignore[assignment]
            super().run_input_thread()

    return ReaderDriver
