"""Escape answers in tens of milliseconds in a real terminal, not 100-200 ms.

A terminal sends the Escape key as the byte that also starts every key sequence (arrows,
function keys, Alt+key), so a program tells them apart by waiting a moment for more bytes:
Textual waits ESCDELAY (100 ms by default), and its input thread only looks at the clock after
each select() of up to 100 ms, so a lone Escape took 100-200 ms to arrive. Back in the list, out
of the help, out of a dialog: the key used most after j and Enter.

Here the wait is 25 ms (newsboat's and vim's choice; ESCDELAY in the environment still wins),
and while an Escape waits for that decision the input thread looks again every 5 ms instead of
every 100 ms; the rest of the time it sleeps as Textual has it (no wake-ups while idle).
This touches Textual's Linux driver (pinned in pyproject.toml) in two names of its module, for
this process only: the selector and the parser its input thread makes.
"""

from __future__ import annotations

import os
import selectors
from typing import Any

ESCAPE_DELAY_MS = "25"
PENDING_LOOK = 0.005  # seconds between looks while a lone Escape waits to be decided


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
            if waiting():
                timeout = PENDING_LOOK if timeout is None else min(timeout, PENDING_LOOK)
            return super().select(timeout)

    class PromptSelectors:
        """The `selectors` module as the driver's input thread sees it."""

        EVENT_READ = selectors.EVENT_READ
        SelectorKey = selectors.SelectorKey
        SelectSelector = PromptSelector

    class ReaderDriver(linux_driver.LinuxDriver):
        def run_input_thread(self) -> None:
            linux_driver.selectors = PromptSelectors  # type: ignore[assignment]
            linux_driver.XTermParser = WatchedParser  # type: ignore[misc]
            super().run_input_thread()

    return ReaderDriver
