"""The real program in a real terminal (tmux): what a new user sees on first launch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import shared_path


@pytest.fixture
def tui(tmp_path: Path) -> Iterator[tuple[Path, str, dict[str, str]]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    tool = shared_path("tools", "tui")
    env = dict(os.environ, TUI_SOCKET=f"reader-test-{os.getpid()}")
    name = "first-launch"
    yield tool, name, env
    subprocess.run([str(tool), "stop", name], env=env, check=False)


def run(tool: Path, env: dict[str, str], *args: str, check: bool = True) -> str:
    done = subprocess.run([str(tool), *args], env=env, capture_output=True, text=True,
                          timeout=60)
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


@pytest.mark.slow
def test_first_launch_shows_the_demo_story(tui, tmp_path: Path) -> None:
    tool, name, env = tui
    home = tmp_path / "home"
    folders = {f"XDG_{kind}_HOME": str(home / kind.lower())
               for kind in ("DATA", "CONFIG", "CACHE")}
    command = ["env", *(f"{key}={value}" for key, value in folders.items()),
               sys.executable, "-m", "reader"]
    run(tool, env, "start", name, "-x", "120", "-y", "40", "--", *command)
    run(tool, env, "wait", name, "Kazakhstan", "20")
    screen = run(tool, env, "screen", name)
    assert "Traceback" not in screen
    run(tool, env, "keys", name, "Enter")
    run(tool, env, "wait", name, "min read", "10")
    run(tool, env, "wait", name, "Story:", "10")
    screen = run(tool, env, "screen", name)
    assert "Story:" in screen and "min read" in screen
    run(tool, env, "keys", name, "q")  # from the open article: back to the list
    time.sleep(0.5)
    run(tool, env, "keys", name, "q")  # from the list: quit
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run([str(tool), "alive", name], env=env).returncode != 0:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the reader did not quit on q")
    assert (home / "data" / "reader" / "reader.db").exists()


@pytest.mark.slow
def test_the_app_ends_when_its_terminal_goes_away(tmp_path: Path) -> None:
    """A closed window or a dropped link whose hang-up signal never reached the reader
    (started from something that ignores it, as `make run` in a closed tmux window did): its
    input ends, and the app must end too, not read that end again and again at a third of a
    core with its refresh schedule running."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.benchmarks.terminal import Terminal

    home = tmp_path / "home"
    env = dict(os.environ, **{f"XDG_{kind}_HOME": str(home / kind.lower())
                              for kind in ("DATA", "CONFIG", "CACHE", "STATE")})
    terminal = Terminal(env, columns=100, rows=30)
    try:
        line = f"trap '' HUP; exec {sys.executable} -m reader"
        terminal.start("gone", ["sh", "-c", line], cwd=str(Path(__file__).parents[1]))
        terminal.wait_for("gone", "Kazakhstan", 30)
        pid = int(terminal._tmux("list-panes", "-t", "gone", "-F", "#{pane_pid}").split()[0])
        terminal.stop("gone")  # the window goes away; SIGHUP is ignored
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(pid, 9)
            pytest.fail("the reader kept running after its terminal went away")
    finally:
        terminal.close()
