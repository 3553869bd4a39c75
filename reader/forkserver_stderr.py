"""Imported first in the forkserver of the parsing workers (and of the app's refresh and story
processes): their standard error goes to the reader's log file, not to the user's terminal.

A child of the forkserver can fail before any of our code runs in it: multiprocessing unpickles
its start-up data there, and when `reader refresh` has already finished (every feed failed
fast) and removed the pool's semaphores, that printed a FileNotFoundError traceback under the
summary line. In the app, anything a child writes to the terminal lands on the screen.
"""

from __future__ import annotations

import os


def _standard_error_to_log() -> None:
    from reader.locations import log_path

    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        target = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError:
        target = os.open(os.devnull, os.O_WRONLY)
    os.dup2(target, 2)
    os.close(target)


_standard_error_to_log()
