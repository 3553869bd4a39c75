"""Parsing workers never outlive the reader, even one killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply


def children(pid: int) -> set[int]:
    """Every process whose parent is `pid`, and theirs, from /proc."""
    found: set[int] = set()
    parents = {pid}
    for _ in range(3):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) in parents:
                found.add(int(entry.name))
        parents = found | {pid}
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def imported(tmp_path: Path, urls: list[str], env: dict[str, str] | None = None) -> Path:
    """A data folder subscribed to `urls` by `reader import`, as a user would set one up."""
    data = tmp_path / "data"
    (tmp_path / "urls").write_text("\n".join(urls))
    subprocess.run([sys.executable, "-m", "reader", "--data-dir", str(data), "import",
                    str(tmp_path / "urls")], check=True, capture_output=True, env=env)
    return data


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`code` in a Python of its own from the repository, its log folder in `tmp_path`;
    it must succeed."""
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_workers_leave_when_the_reader_is_killed(tmp_path: Path,
                                                 http_server: LocalServer) -> None:
    urls = [http_server.route(f"/{n}.xml", Reply(200, rss(f"F{n}", 20), delay=0.2))
            for n in range(40)]
    data = imported(tmp_path, urls)
    reader = subprocess.Popen([sys.executable, "-m", "reader", "--data-dir", str(data),
                               "refresh"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    helpers: set[int] = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(helpers) < 3:  # forkserver and two workers
        helpers |= children(reader.pid)
        time.sleep(0.05)
    if os.cpu_count() == 1:
        pytest.skip("one CPU: refresh parses in a thread, there are no workers")
    assert helpers, "the refresh started no worker processes"
    os.kill(reader.pid, signal.SIGKILL)
    reader.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in helpers):
        time.sleep(0.1)
    assert not [pid for pid in helpers if alive(pid)], "workers outlived the reader"


def test_a_cold_refresh_starts_the_forkserver_before_the_http_client(
        tmp_path: Path, http_server: LocalServer) -> None:
    """`reader refresh` starts the parsing workers' forkserver (whose imports take ~0.2 s of
    CPU) before it loads asyncio and aiohttp, so they overlap; a refresh whose feeds all sent
    validators does not start it at all (every server may answer 304)."""
    urls = [http_server.route(f"/{n}.xml",
                              Reply(200, rss(f"F{n}", 3), headers={"ETag": f'"{n}"'}))
            for n in range(10)]
    data = imported(tmp_path, urls)
    probe = (
        "import sys, reader.parse_workers as r\n"
        "early = r.start_parsers_early\n"
        "def watched(*args, **kwargs):\n"
        "    started = early(*args, **kwargs)\n"
        "    print('early', started, 'aiohttp' in sys.modules, 'asyncio' in sys.modules,\n"
        "          flush=True)\n"
        "    return started\n"
        "r.start_parsers_early = watched\n"
        "from reader import cli\n"
        f"sys.exit(cli.main(['--data-dir', {str(data)!r}, 'refresh', '--all']))\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           timeout=60, check=True)
    expected = "True" if (os.cpu_count() or 1) > 1 else "False"
    assert f"early {expected} False False" in first.stdout
    assert "refreshed 10 feeds: 30 new items" in first.stdout
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           timeout=60, check=True)
    assert "early False False False" in again.stdout


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_ctrl_c_during_a_refresh_is_one_line(tmp_path: Path, http_server: LocalServer) -> None:
    """Ctrl-C in a terminal reaches the whole process group: the parsing workers too, which
    printed a KeyboardInterrupt traceback each under the reader's one line. They leave it to
    the reader (which shuts them down, or whose end they notice)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: refresh parses in a thread, there are no workers")
    urls = [http_server.route(f"/{n}.xml", Reply(200, rss(f"F{n}", 5), delay=1.0))
            for n in range(40)]
    data = imported(tmp_path, urls)
    reader = subprocess.Popen([sys.executable, "-m", "reader", "--data-dir", str(data),
                               "refresh"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, start_new_session=True)  # a group, as a terminal's
    try:
        helpers: set[int] = set()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(helpers) < 4:  # + the resource tracker
            helpers |= children(reader.pid)
            time.sleep(0.05)
        assert len(helpers) >= 4, "the refresh started no worker processes"
        time.sleep(0.3)  # the workers are waiting for feeds to parse
        os.killpg(reader.pid, signal.SIGINT)
        _, errors = reader.communicate(timeout=30)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert reader.returncode == 130
    assert errors.strip() == "reader: interrupted"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in helpers):
        time.sleep(0.1)
    assert not [pid for pid in helpers if alive(pid)], "workers outlived the reader"


def test_a_refresh_whose_feeds_all_fail_fast_prints_no_traceback(tmp_path: Path) -> None:
    """Every server refuses the connection: the refresh ends before its parsing workers have
    started, and a worker that starts after the reader removed its semaphores failed in
    multiprocessing's own start-up code, printing a traceback on the terminal. The workers'
    standard error is the reader's log file."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    urls = [f"http://127.0.0.1:{port}/{n}.xml" for n in range(20)]
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    data = imported(tmp_path, urls, env)
    for _ in range(3):
        done = subprocess.run([sys.executable, "-m", "reader", "--data-dir", str(data),
                               "refresh", "--all"], capture_output=True, text=True,
                              timeout=60, env=env)
        assert done.returncode == 0
        assert "refreshed 20 feeds: 0 new items, 20 failed" in done.stdout
        assert all(line.startswith("reader: ") for line in done.stderr.splitlines()), done.stderr


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_the_process_helpers_write_to_the_log_not_the_terminal(tmp_path: Path) -> None:
    """multiprocessing's resource tracker and forkserver get the reader's log file as their
    standard error: a warning of theirs (a "leaked semaphore" line) never lands under a
    refresh's summary or on the app's screen."""
    code = (
        "import os, sys\n"
        "from multiprocessing import forkserver, resource_tracker\n"
        "from reader.parse_workers import parsing_context, start_process_helpers\n"
        "parsing_context(); start_process_helpers()\n"
        "for pid in (resource_tracker._resource_tracker._pid,\n"
        "            forkserver._forkserver._forkserver_pid):\n"
        "    print(os.readlink(f'/proc/{pid}/fd/2'))\n"
    )
    done = run_python(code, tmp_path)
    log = tmp_path / "state" / "reader" / "reader.log"
    assert done.stdout.split() == [str(log), str(log)]
    assert log.stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_two_threads_starting_the_process_helpers_leave_standard_error_alone(
        tmp_path: Path) -> None:
    """Each start points descriptor 2 at the log for a moment and puts the terminal's back;
    two at once must not leave the log there (the second took the first's log for the
    terminal). The tracker's start is slowed to widen the window."""
    code = (
        "import os, threading, time\n"
        "import multiprocessing.resource_tracker as tracker\n"
        "real = tracker.ensure_running\n"
        "tracker.ensure_running = lambda: (time.sleep(0.2), real())\n"
        "from reader.parse_workers import parsing_context, start_process_helpers\n"
        "parsing_context()\n"
        "before = os.readlink('/proc/self/fd/2')\n"
        "threads = [threading.Thread(target=start_process_helpers) for _ in range(2)]\n"
        "threads[0].start(); time.sleep(0.05); threads[1].start()\n"
        "for thread in threads: thread.join()\n"
        "print(before == os.readlink('/proc/self/fd/2'))\n"
    )
    assert run_python(code, tmp_path).stdout.strip() == "True"
