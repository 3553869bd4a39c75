"""A real terminal for the start-up and memory figures: a private tmux server, polled fast.

Like /work/shared/tools/tui, but in-process and polling every few milliseconds (the tool sleeps
0.1 s between looks, too coarse to time a start-up). The server runs on its own socket, with the
private environment it was started with, and is killed at the end.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence

POLL_SECONDS = 0.005


class TerminalTimeout(Exception):
    pass


def tmux_path() -> str | None:
    return shutil.which("tmux")


class Terminal:
    """tmux windows of `columns` x `rows` on a private socket."""

    def __init__(self, env: dict[str, str], *, columns: int = 120, rows: int = 40) -> None:
        self.socket = f"reader-bench-{os.getpid()}"
        self.env = env
        self.columns = columns
        self.rows = rows
        # A keeper session starts the server now, so no figure pays the server's start.
        self._tmux("new-session", "-d", "-s", "keeper", "-x", "80", "-y", "24", "cat")
        # tmux holds an Escape back escape-time ms (500 by default) to tell it from a key
        # sequence; the figures time the reader, so tmux passes it on at once.
        self._tmux("set-option", "-s", "escape-time", "0")

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env,
                              capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, name: str, command: Sequence[str], cwd: str | None = None) -> float:
        """Start `command` in a new window; returns the moment (perf_counter) it was asked."""
        line = shlex.join(command)
        if cwd:
            line = f"cd {shlex.quote(cwd)} && exec {line}"
        started = time.perf_counter()
        self._tmux("new-session", "-d", "-s", name, "-x", str(self.columns), "-y",
                   str(self.rows), "-e", "TERM=xterm-256color", line)
        self._tmux("set-option", "-t", name, "remain-on-exit", "on", check=False)
        return started

    def screen(self, name: str) -> str:
        return self._tmux("capture-pane", "-p", "-t", name, check=False)

    def wait_for(self, name: str, text: str, timeout: float = 30.0) -> float:
        """Poll until `text` is on the screen; returns the moment (perf_counter) it was seen."""
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.screen(name)
            now = time.perf_counter()
            if text in screen:
                return now
            if now > deadline:
                raise TerminalTimeout(f"{text!r} did not show within {timeout:g} s; "
                                      f"the screen:\n{screen}")
            time.sleep(POLL_SECONDS)

    def keys(self, name: str, *keys: str) -> None:
        self._tmux("send-keys", "-t", name, *keys)

    def alive(self, name: str) -> bool:
        dead = self._tmux("display-message", "-p", "-t", name, "#{pane_dead}", check=False)
        return dead.strip() == "0"

    def stop(self, name: str) -> None:
        self._tmux("kill-session", "-t", name, check=False)

    def close(self) -> None:
        self._tmux("kill-server", check=False)
