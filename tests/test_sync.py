"""Sync scenarios (issue 14): two data folders = two devices, plus the server, against the
Google Reader test server and a real Tiny Tiny RSS on 127.0.0.1 (the `side` and
`ttrss_instance` fixtures live in conftest.py, shared with the app's sync tests)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.feedgen import rss
from tests.greader_server import GReaderServer
from tests.httpserver import LocalServer, Reply
from tests.sync_harness import Device, GReaderSide, TTRSSSide


def devices(tmp_path: Path, side: GReaderSide | TTRSSSide) -> tuple[Device, Device]:
    first, second = Device(tmp_path / "a", side), Device(tmp_path / "b", side)
    first.add_account()
    second.add_account()
    return first, second


# 1 ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_marks_travel_between_devices(tmp_path: Path, side) -> None:
    side.feed("Wire", 3, folder="News")
    a, b = devices(tmp_path, side)
    a.sync()
    b.sync()
    assert set(a.items()) >= {"Wire 0", "Wire 1", "Wire 2"}
    assert len(json.loads(a("search", "Wire", "--json").stdout)) == 3  # indexed like any item
    assert [row["last_fetched"] is not None for row in json.loads(a("feeds", "--json").stdout)
            if row["title"] == "Wire"] == [True]
    a.mark("Wire 0", "read")
    a.mark("Wire 1", "star")
    assert a.queued() == 2
    a.sync()
    assert a.queued() == 0
    assert side.state("Wire 0") == (True, False) and side.state("Wire 1") == (False, True)
    b.sync()
    seen = b.items()
    assert seen["Wire 0"]["read"] is True and seen["Wire 1"]["starred"] is True
    assert seen["Wire 2"]["read"] is False
    b.mark("Wire 1", "unstar")
    b.sync()
    a.sync()
    assert a.items()["Wire 1"]["starred"] is False
    assert side.state("Wire 1") == (False, False)
    # marks that came from the server were never journaled back
    assert a.queued() == 0 and b.queued() == 0


# 2 ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_server_down_marks_stay_queued_across_restart_and_sigkill(tmp_path: Path, side) -> None:
    side.feed("Down", 4)
    a = Device(tmp_path / "a", side)
    a.add_account()
    a.sync()
    ids = {title: item["id"] for title, item in a.items().items()}
    side.down()
    try:
        a.mark("Down 0", "read")  # one process: the CLI, then it exits (an app restart)
        failed = a.sync(code=1)
        assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("reader: ")
        # the app marks, and is killed before it can do anything else
        killed = a.python(f"store.set_starred([{ids['Down 1']}], True)\n"
                          "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
        assert killed.returncode == -signal.SIGKILL
        assert a.queued() == 2
    finally:
        side.up()
    writes = side.writes()
    a.sync()
    assert a.queued() == 0
    assert side.state("Down 0") == (True, False) and side.state("Down 1") == (False, True)
    if writes >= 0:
        assert side.writes() - writes == 2  # one request for the read mark, one for the star
        a.sync()
        assert side.writes() - writes == 2  # nothing sent twice
    items = a.items()
    assert items["Down 0"]["read"] is True and items["Down 1"]["starred"] is True


# 3 ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_queued_local_change_wins_over_an_older_server_state(tmp_path: Path, side) -> None:
    side.feed("Race", 3)
    a = Device(tmp_path / "a", side)
    a.add_account()
    a.sync()
    side.set_state("Race 1", read=True)  # the phone reads it first...
    side.set_state("Race 2", starred=True)
    a.mark("Race 0", "read")  # ...then this device reads one, and opens one and keeps it
    a.mark("Race 1", "read")  # unread (m twice), and stars one and changes its mind
    a.mark("Race 1", "unread")
    a.mark("Race 2", "star")
    a.mark("Race 2", "unstar")
    a.sync()
    items = a.items()
    assert items["Race 0"]["read"] is True and items["Race 1"]["read"] is False
    assert side.state("Race 0")[0] is True and side.state("Race 1")[0] is False
    assert items["Race 2"]["starred"] is False and side.state("Race 2")[1] is False


def test_the_engine_never_overrides_a_change_queued_during_the_sync(tmp_path: Path) -> None:
    """apply_states skips a field with a journal row, even one made after the sync began."""
    from reader.store import Store
    from reader.sync import state
    from reader.sync.protocol import RemoteFeed, RemoteItem

    store = Store(tmp_path / "reader.db")
    account = state.add_account(store, "x", "greader", "http://127.0.0.1:9/", "u", None)
    feeds, _, _ = state.apply_subscriptions(store, account, [RemoteFeed("feed/1", "u", "T")])
    items = [RemoteItem(f"id{n}", f"r{n}", "feed/1", f"T{n}", None, "", 1.0, None, "",
                        read=False, starred=False) for n in range(2)]
    state.apply_items(store, account, items, feeds)
    assert state.queued_count(store) == 0  # applied from the server: not journaled
    local = {h.title: h.id for h in store.headlines()}
    store.mark_read([local["T0"]])  # queued
    changed = state.apply_states(store, account, unread={"r0"}, starred=set(), skip=set())
    assert changed == (1, 0)  # T1 became read (not in the unread set); T0 kept its mark
    assert store.headline(local["T0"]).read is True
    assert state.queued_count(store, account.id) == 1
    # a feed of an account is not polled by the reader's own refresh
    assert store.feeds_due() == []


# 4 ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_mark_all_read_leaves_items_never_seen_unread(tmp_path: Path, side) -> None:
    feed = side.feed("Flood", 60)
    a = Device(tmp_path / "a", side)
    a.add_account()
    a.sync()
    side.more(feed, "Flood", 60, 5)  # arrive on the server; this device has not seen them
    local = a.items()
    marked = a.python(
        f"item = store.item({local['Flood 0']['id']})\n"
        "print(store.mark_feed_read(item.feed_id))\n")  # the app's `A` on the feed
    assert marked.stdout.strip() == "60", marked.stderr
    before = side.writes()
    a.sync()
    if before >= 0:
        assert side.server.count("/mark-all-as-read") == 1  # one boundary, not 60 ids
        assert side.writes() - before == 1
    for number in range(60):
        assert side.state(f"Flood {number}")[0] is True
    for number in range(60, 65):
        assert side.state(f"Flood {number}")[0] is False
        assert a.items()[f"Flood {number}"]["read"] is False


# 5 ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_subscribe_and_unsubscribe_from_the_reader(tmp_path: Path, side,
                                                  http_server: LocalServer) -> None:
    local_url = http_server.route("/local.xml", Reply(200, rss("Local", 2)))
    a = Device(tmp_path / "a", side)
    a("add", local_url)
    a.add_account()
    url = side.new_feed_url("Fresh")
    added = a("add", url, "--account", a.name)
    assert "added" in added.stdout
    assert url in side.feed_urls()
    feeds = {row["url"] for row in json.loads(a("feeds", "--json").stdout)}
    assert url in feeds and local_url in feeds
    a("remove", url)
    assert url not in side.feed_urls()
    feeds = {row["url"]: row for row in json.loads(a("feeds", "--json").stdout)}
    assert url not in feeds and feeds[local_url]["total"] == 2
    a.sync()
    assert url not in {row["url"] for row in json.loads(a("feeds", "--json").stdout)}
    before = len(http_server.requests)
    a("refresh")  # local feeds still refresh; the account's are the server's business
    assert len(http_server.requests) == before + 1
    a("account", "remove", a.name)  # forgets the account here; the local feed stays
    assert [row["url"] for row in json.loads(a("feeds", "--json").stdout)] == [local_url]
    assert a.name not in (a.data / "sync-tokens.json").read_text()


# 6 ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bad_password_and_expired_token(tmp_path: Path, side) -> None:
    side.feed("Auth", 2)
    a = Device(tmp_path / "a", side)
    refused = a("account", "add", side.kind, side.url, "--user", side.user,
                password="wrong", code=1)
    assert refused.stderr.startswith("reader: ") and refused.stderr.count("\n") == 1
    assert json.loads(a("account", "list", "--json").stdout) == []
    a.add_account()
    tokens = a.data / "sync-tokens.json"
    assert tokens.stat().st_mode & 0o777 == 0o600
    assert side.password not in tokens.read_text()
    side.expire()  # the server ends the session
    expired = a("sync", code=1)  # no password at hand: one line saying what to do
    assert "READER_PASSWORD" in expired.stderr and expired.stderr.count("\n") == 1
    assert json.loads(a("account", "list", "--json").stdout)[0]["last_error"]
    a("sync", password=side.password)  # logs in again the same way
    assert "Auth 0" in a.items()
    tokens.write_text(json.dumps({a.name: "expired-token"}))  # a token the server never gave
    a("sync", password=side.password)
    assert json.loads(tokens.read_text())[a.name] != "expired-token"
    assert tokens.stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_password_command_is_run_without_a_shell(tmp_path: Path, side) -> None:
    side.feed("Cmd", 1)
    a = Device(tmp_path / "a", side)
    script = tmp_path / "pass.py"
    script.write_text(f"print({side.password!r})\n")
    a("account", "add", side.kind, side.url, "--user", side.user,
      "--password-command", f"{sys.executable} {script}")
    (a.data / "sync-tokens.json").write_text("{}")  # the token is gone: the command again
    a.sync()
    assert "Cmd 0" in a.items()


@pytest.mark.parametrize("fault", ["500", "html"])
def test_a_server_returning_500_or_html(tmp_path: Path, fault: str) -> None:
    side = GReaderSide()
    try:
        side.feed("Fault", 3)
        a = Device(tmp_path / "a", side)
        a.add_account()
        a.sync()
        a.mark("Fault 0", "read")
        if fault == "500":
            side.server.fail = 500
        else:
            side.server.html = True
        failed = a.sync(code=1)
        assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("reader: ")
        assert ("HTML" in failed.stderr) == (fault == "html")
        assert a.queued() == 1  # kept for the next sync
        listed = json.loads(a("account", "list", "--json").stdout)[0]
        assert listed["last_error"]
    finally:
        side.close()


@pytest.mark.parametrize("fault", ["500", "html"])
def test_ttrss_client_on_500_or_html(tmp_path: Path, fault: str) -> None:
    """A wrong address or a failing server in front of TT-RSS (a web server answering every
    path the same way) gives one line and adds no account."""
    server = GReaderServer(fail=500 if fault == "500" else None, html=fault == "html").start()
    try:
        url = f"http://127.0.0.1:{server.port}/tt-rss/"
        a = Device(tmp_path / "a", type("S", (), {"user": "u", "url": url})())
        failed = a("account", "add", "ttrss", url, "--user", "u", password="p", code=1)
        assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("reader: ")
        assert ("HTML" in failed.stderr) == (fault == "html")
        assert json.loads(a("account", "list", "--json").stdout) == []
    finally:
        server.stop()


@pytest.mark.slow
def test_a_very_large_first_sync_is_bounded_and_never_half_applied(tmp_path: Path,
                                                                   side) -> None:
    feed = side.feed("Big", 1)
    side.bulk(feed, "Bulk", 9_999)
    a = Device(tmp_path / "a", side)
    a.add_account()
    if isinstance(side, GReaderSide):
        # the server fails part-way: the batches stored so far are whole, nothing else is
        side.server.fail_after_contents = 8
        failed = a.sync(code=1)
        assert failed.stderr.count("\n") == 1
        count = len(a.items())
        assert count % 250 == 0 and 0 < count < 10_000
        side.server.fail_after_contents = None
    peak = tmp_path / "peak"
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.peak_rss", str(peak), "--", sys.executable,
         "-m", "reader", "--data-dir", str(a.data), "sync", "--json"],
        capture_output=True, text=True, timeout=600, cwd=Path(__file__).parents[1],
        env={k: v for k, v in os.environ.items() if k != "READER_PASSWORD"})
    kib, status = peak.read_text().split()
    assert status == "0", done.stderr
    assert int(kib) < 200 * 1024, f"peak memory {int(kib) >> 10} MiB"
    total = json.loads(a("feeds", "--json").stdout)
    assert sum(row["total"] for row in total) == 10_000
    started = time.monotonic()
    steady = json.loads(a("sync", "--json").stdout)[0]
    assert steady["new_items"] == 0 and steady["error"] is None
    assert time.monotonic() - started < 60
