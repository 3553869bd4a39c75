"""SIGKILL in the middle of a refresh of 200 feeds, 20 times: nothing half-done, nothing lost.

Every feed has the entries a..e at first, then a..j, and in each later round the same ten entries
with titles that name the round. So after any kill, a feed's items must all come from ONE
refresh: 5 items from the first, or 10 items whose titles all name the same round (that round
or an older one). Read marks made between the runs must all survive.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from reader.store import BUSY_TIMEOUT_MS
from tests.e2e import ROOT, child_env, ok, reader_command, run_reader
from tests.httpserver import LocalServer, Reply, Request

FEEDS = 200
KILLS = 20
DELAY = 0.005  # seconds per response, so that fetching and storing overlap


def _document(feed: int, round_: int) -> bytes:
    letters = "abcde" if round_ == 0 else "abcdefghij"
    items = "".join(
        f"<item><guid>feed{feed}-{letter}</guid><title>round {round_} {letter}</title>"
        f"<link>https://example.invalid/{feed}/{letter}</link>"
        f"<description>feed {feed} entry {letter} as of round {round_}</description></item>"
        for letter in letters
    )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>feed {feed}</title>"
            f"{items}</channel></rss>").encode()


def _state(database: Path) -> dict[str, list[str]]:
    """Each feed URL's item titles, read after WAL recovery as the next reader would."""
    conn = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT feeds.url, items.title FROM items "
                            "JOIN feeds ON feeds.id = items.feed_id").fetchall()
    finally:
        conn.close()
    titles: dict[str, list[str]] = {}
    for url, title in rows:
        titles.setdefault(url, []).append(title)
    return titles


def _read_ids(database: Path) -> set[int]:
    conn = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM items WHERE read = 1")}
    finally:
        conn.close()


def _round_of(titles: list[str]) -> int:
    """The one refresh a feed's items came from; fails on a mix of two."""
    rounds = {int(title.split()[1]) for title in titles}
    assert len(rounds) == 1, f"items from several refreshes: {sorted(titles)}"
    [found] = rounds
    assert len(titles) == (5 if found == 0 else 10), sorted(titles)
    return found


@pytest.mark.slow
def test_sigkill_during_refresh_loses_nothing(tmp_path: Path, http_server: LocalServer) -> None:
    data = tmp_path / "data"
    database = data / "reader.db"
    current = {"round": 0}

    def serve(request: Request) -> Reply:
        feed = int(request.path.rsplit("/", 1)[1].split(".")[0])
        return Reply(200, _document(feed, current["round"]), delay=DELAY)

    urls = [http_server.route(f"/feeds/{n}.xml", serve) for n in range(FEEDS)]
    (tmp_path / "urls").write_text("\n".join(urls) + "\n")
    ok(run_reader(data, "import", str(tmp_path / "urls")))
    started = time.monotonic()
    ok(run_reader(data, "refresh", timeout=60))
    full_refresh = time.monotonic() - started
    rounds = {url: _round_of(titles) for url, titles in _state(database).items()}
    assert len(rounds) == FEEDS and set(rounds.values()) == {0}

    rng = random.Random(2024)
    marked: set[int] = set()
    killed_midway = mixed = 0
    for kill in range(1, KILLS + 1):
        ids = sorted(_read_ids(database) ^ set(range(1, FEEDS * 10 + 1)))
        picks = [str(item) for item in rng.sample(ids, 5) if item <= _max_id(database)]
        if picks:
            ok(run_reader(data, "mark", *picks, "--read"))
            marked.update(int(item) for item in picks)
        current["round"] = kill
        process = subprocess.Popen(reader_command(data, "refresh", "--all"), cwd=ROOT,
                                   env=child_env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full_refresh))
        if process.poll() is None:
            killed_midway += 1
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

        state = _state(database)
        assert set(state) == set(urls), "a feed lost all its items"
        now = {url: _round_of(titles) for url, titles in state.items()}
        for url, found in now.items():
            assert found in (rounds[url], kill), (url, rounds[url], found, kill)
        assert marked <= _read_ids(database), f"read marks lost: {marked - _read_ids(database)}"
        spread = Counter(found == kill for found in now.values())
        if spread[True] and spread[False]:
            mixed += 1  # killed while feeds were being stored: the interesting case
        rounds = now

    print(f"full refresh {full_refresh:.2f} s; {killed_midway}/{KILLS} kills mid-run, "
          f"{mixed} left some feeds new and some old; {len(marked)} marks kept")
    assert killed_midway >= KILLS * 3 // 4, "most kills must land while the refresh runs"
    assert mixed >= KILLS // 4, "too few kills landed while feeds were being stored"


def _max_id(database: Path) -> int:
    conn = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
    finally:
        conn.close()


def test_ctrl_c_during_refresh(tmp_path: Path, http_server: LocalServer) -> None:
    """SIGINT at random moments: "reader: interrupted", exit 130, no traceback, nothing lost."""
    data = tmp_path / "data"
    database = data / "reader.db"
    current = {"round": 1}

    def serve(request: Request) -> Reply:
        feed = int(request.path.rsplit("/", 1)[1].split(".")[0])
        return Reply(200, _document(feed, current["round"]), delay=DELAY)

    urls = [http_server.route(f"/int/{n}.xml", serve) for n in range(100)]
    (tmp_path / "urls").write_text("\n".join(urls) + "\n")
    ok(run_reader(data, "import", str(tmp_path / "urls")))
    ok(run_reader(data, "refresh", timeout=60))
    ok(run_reader(data, "mark", "3", "17", "250", "--read"))
    rng = random.Random(5)
    interrupted = 0
    for attempt in range(2, 6):
        current["round"] = attempt
        process = subprocess.Popen(reader_command(data, "refresh", "--all"), cwd=ROOT,
                                   env=child_env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.4, 1.2))
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)  # an interrupted refresh must not hang
        assert "Traceback" not in out + err, err
        if process.returncode == 0:
            continue  # it had finished already
        interrupted += 1
        assert (process.returncode, err) == (130, "reader: interrupted\n"), (out, err)
        for titles in _state(database).values():
            _round_of(titles)
        assert {3, 17, 250} <= _read_ids(database)
    assert interrupted >= 3
