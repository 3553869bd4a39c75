"""Two refreshes and a reader marking items, all at once, on one database.

The marking side is both an app-like process (one long-lived Store, one transaction per mark,
as the Textual app does) and the `reader mark` command in a loop. No "database is locked" may
reach the user and no mark may be lost.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from reader.store import BUSY_TIMEOUT_MS, Store, StoreError
from tests.e2e import ROOT, child_env, describe, ok, reader_json, run_reader, spawn_reader
from tests.httpserver import LocalServer, Reply, Request

FEEDS = 60

# An app-like process: one Store kept open, each mark its own transaction, until told to stop.
MARKER = """
import json, random, sys, time
from pathlib import Path
from reader.store import Store
store = Store(sys.argv[1])
ids = json.loads(sys.argv[2])
stop = Path(sys.argv[3])
rng = random.Random(int(sys.argv[4]))
marked = []
while not stop.exists() or len(marked) < 20:
    item = rng.choice(ids)
    store.mark_read([item])
    marked.append(item)
    time.sleep(0.005)
store.close()
print(json.dumps(marked))
"""


def _document(feed: int, version: int) -> bytes:
    count = 5 if version == 1 else 10
    items = "".join(
        f"<item><guid>f{feed}-{n}</guid><title>v{version} item {n} of feed {feed}</title>"
        f"<description>text {n} {version}</description></item>" for n in range(count))
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>feed {feed}</title>"
            f"{items}</channel></rss>").encode()


def _no_database_trouble(stream: str) -> None:
    assert "locked" not in stream.lower(), stream
    assert "database" not in stream.lower(), stream
    assert "Traceback" not in stream and "internal error" not in stream, stream


def test_two_refreshes_and_marking_at_once(tmp_path: Path, http_server: LocalServer) -> None:
    data = tmp_path / "data"
    version = {"now": 1}

    def serve(request: Request) -> Reply:
        feed = int(request.path.rsplit("/", 1)[1].split(".")[0])
        return Reply(200, _document(feed, version["now"]), delay=0.01)

    urls = [http_server.route(f"/c/{n}.xml", serve) for n in range(FEEDS)]
    (tmp_path / "urls").write_text("\n".join(urls) + "\n")
    ok(run_reader(data, "import", str(tmp_path / "urls")))
    ok(run_reader(data, "refresh"))
    ids = [item["id"] for item in reader_json(data, "list")]
    assert len(ids) == FEEDS * 5

    version["now"] = 2  # the refreshes now update every title and add five items per feed
    stop = tmp_path / "stop"
    marker = subprocess.Popen(
        [sys.executable, "-c", MARKER, str(data / "reader.db"), json.dumps(ids), str(stop), "7"],
        cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    refreshes = [spawn_reader(data, "refresh", "--all") for _ in range(2)]
    rng = random.Random(11)
    cli_marked: set[int] = set()
    started = time.monotonic()
    while any(p.poll() is None for p in refreshes) or time.monotonic() - started < 1:
        picks = rng.sample(ids, 3)
        mark = run_reader(data, "mark", *map(str, picks), "--read")
        assert mark.returncode == 0, describe(mark)
        _no_database_trouble(mark.stderr)
        cli_marked.update(picks)
    stop.touch()
    outputs = [p.communicate(timeout=60) for p in refreshes]
    marker_out, marker_err = marker.communicate(timeout=60)

    for process, (out, err) in zip(refreshes, outputs, strict=True):
        assert process.returncode == 0, (out, err)
        assert err == "", err  # every feed is healthy: no line at all on stderr
        _no_database_trouble(out)
    assert marker.returncode == 0, marker_err
    _no_database_trouble(marker_err)
    app_marked = set(json.loads(marker_out))
    assert len(cli_marked) >= 6 and len(app_marked) >= 20

    listing = reader_json(data, "list")
    assert len(listing) == FEEDS * 10
    assert all(item["title"].startswith("v2 ") for item in listing)
    read = {item["id"] for item in listing if item["read"]}
    assert (cli_marked | app_marked) <= read, f"marks lost: {(cli_marked | app_marked) - read}"
    assert read <= set(ids)  # nothing else was marked
    conn = sqlite3.connect(data / "reader.db", timeout=BUSY_TIMEOUT_MS / 1000)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


def test_many_processes_open_a_new_database_at_once(tmp_path: Path,
                                                    http_server: LocalServer) -> None:
    """The first run creates the schema; six processes racing to do it must all succeed."""
    data = tmp_path / "data"
    url = http_server.route("/one.xml", Reply(200, _document(0, 1)))
    (tmp_path / "urls").write_text(url + "\n")
    commands = [("feeds",), ("list",), ("import", str(tmp_path / "urls")), ("feeds",),
                ("import", str(tmp_path / "urls")), ("list", "--unread")]
    processes = [spawn_reader(data, *command) for command in commands]
    for process, command in zip(processes, commands, strict=True):
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, (command, out, err)
        _no_database_trouble(err)
        assert err == "", (command, err)
    assert [feed["url"] for feed in reader_json(data, "feeds")] == [url]


def _open_together(path: Path, openers: int) -> list[str]:
    """Open `openers` stores on `path` from threads released at the same instant."""
    start = threading.Barrier(openers)
    errors: list[str] = []

    def open_store() -> None:
        start.wait()
        try:
            Store(path).close()
        except StoreError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=open_store) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_switching_a_new_database_to_wal_at_once(tmp_path: Path) -> None:
    """SQLite answers "locked" at once, without waiting, to a connection that asks for WAL
    while another is switching: the store retries, so none of eight openers fails."""
    for trial in range(40):
        path = tmp_path / f"race{trial}" / "reader.db"
        path.parent.mkdir()
        errors = _open_together(path, 8)
        assert errors == [], f"trial {trial}: {errors}"
