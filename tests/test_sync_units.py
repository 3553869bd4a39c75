"""The sync parts one by one: protocol clients against the test server, the journal's
triggers and guard, the secrets file, the password command."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from reader.core.query import Query
from reader.store import Store
from reader.sync import greader, state
from reader.sync.engine import password_from
from reader.sync.greader import GReaderClient, ref_of
from reader.sync.protocol import AuthError, RemoteFeed, RemoteItem
from tests.greader_server import GReaderServer


@pytest.fixture(params=["freshrss", "miniflux"])
def server(request: pytest.FixtureRequest) -> Iterator[GReaderServer]:
    made = GReaderServer(flavor=request.param).start()
    try:
        yield made
    finally:
        made.stop()


def run(coroutine):  # noqa: ANN001, ANN201
    return asyncio.run(coroutine)


async def _client(server: GReaderServer, body):  # noqa: ANN001, ANN202
    async def password() -> str:
        return "alicepw"

    client = GReaderClient(server.url, "alice", password=password)
    try:
        return await body(client)
    finally:
        await client.aclose()


def test_both_id_forms_continuation_and_writes(server: GReaderServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(greader, "IDS_PAGE", 10)  # three pages for 25 items
    feed = server.add_feed("https://example.org/a.xml", "A", "Tech")
    made = server.add_items(feed, 25)

    async def body(client: GReaderClient):  # noqa: ANN202
        unread = await client.unread_refs()
        batches = [batch async for batch in client.new_items({}, lambda refs: set(), 100)]
        items = [item for batch in batches for item in batch]
        await client.mark_read([items[0].id], True)
        await client.mark_starred([items[1].id], True)
        return unread, items

    unread, items = run(_client(server, body))
    assert unread == {str(number) for number in made}  # the short (decimal) form
    assert len(items) == 25
    long_form = items[0].id
    assert long_form.startswith("tag:google.com,2005:reader/item/") and len(long_form) == 48
    assert ref_of(long_form) == items[0].ref and items[0].ref in unread
    assert server.items[int(items[0].ref)].read is True
    assert server.items[int(items[1].ref)].starred is True
    paged = [path for _, path in server.log if "stream/items/ids" in path]
    assert len(paged) >= 3 and any("c=" in path for path in paged)
    # read state is never asked as a stream (FreshRSS answers it with every id)
    streams = {value for path in paged for key, value in parse_qsl(urlsplit(path).query)
               if key == "s"}
    assert streams == {"user/-/state/com.google/reading-list"}


def test_a_stale_write_token_is_renewed_once(server: GReaderServer) -> None:
    feed = server.add_feed("https://example.org/a.xml", "A")
    made = server.add_items(feed, 1)

    async def body(client: GReaderClient):  # noqa: ANN202
        await client.login("alicepw")
        client._write_token = "stale"
        await client.mark_read([str(made[0])], True)

    run(_client(server, body))
    assert server.items[made[0]].read is True
    assert server.count("/edit-tag") == 2 and server.count("/reader/api/0/token") == 1


def test_an_expired_login_logs_in_again_or_says_so(server: GReaderServer) -> None:
    server.add_feed("https://example.org/a.xml", "A")

    async def body(client: GReaderClient):  # noqa: ANN202
        await client.login("alicepw")
        server.salt = "rotated"  # every token the server gave is void now
        return await client.subscriptions()

    assert [feed.title for feed in run(_client(server, body))] == ["A"]
    assert server.count("/accounts/ClientLogin") == 2

    async def without_password() -> None:
        client = GReaderClient(server.url, "alice", token="alice/expired")
        try:
            await client.subscriptions()
        finally:
            await client.aclose()

    with pytest.raises(AuthError, match="expired"):
        run(without_password())


def _account_store(tmp_path: Path) -> tuple[Store, state.Account, dict[str, int]]:
    store = Store(tmp_path / "reader.db")
    account = state.add_account(store, "x", "greader", "http://127.0.0.1:9/", "u", None)
    feeds, _, _ = state.apply_subscriptions(
        store, account, [RemoteFeed("feed/1", "https://example.org/a.xml", "A", None,
                                    ("Tech",))])
    items = [RemoteItem(f"tag:google.com,2005:reader/item/{n:016x}", str(n), "feed/1",
                        f"T{n}", "https://example.org/t", "", 1.0 + n, None, "<p>x</p>",
                        read=False, starred=False, crawled_usec=1000 + n) for n in range(5)]
    state.apply_items(store, account, items, feeds)
    return store, account, feeds


def test_every_write_path_lands_in_the_journal_and_server_marks_do_not(tmp_path: Path) -> None:
    store, account, feeds = _account_store(tmp_path)
    local = store.add_feed("https://local.example/feed.xml")
    with store.transaction() as conn:
        conn.execute("INSERT INTO items (feed_id, entry_id, title, sort_time, first_seen) "
                     "VALUES (?, 'l', 'local', 1, 1)", (local,))
    ids = {h.title: h.id for h in store.headlines()}
    assert state.queued_count(store) == 0
    store.mark_read([ids["T0"], ids["local"]])
    store.set_starred([ids["T1"]])
    marked = len(store.mark_query_read(Query(feed_id=feeds["feed/1"])))
    assert marked == 4
    entries = state.pending(store, account.id)
    assert len(entries) == 6 and all(e.feed_remote_id == "feed/1" for e in entries)
    assert {e.remote_id for e in entries} >= {"tag:google.com,2005:reader/item/0000000000000000"}
    mark_all = [e for e in entries if e.field == "read" and e.item_id != ids["T0"]]
    assert len({e.stamp for e in mark_all}) == 1  # one statement: one stamp (a mark-all)
    assert state.mark_all_boundary(store, account.id, mark_all) == 1004
    # the server's marks are applied under the guard: not journaled, and the guard is off
    state.apply_states(store, account, unread=set(), starred=set(), skip=set())
    assert state.queued_count(store) == 6
    assert store._query("SELECT applying FROM sync_guard")[0][0] == 0
    state.sent(store, entries)
    assert state.queued_count(store) == 0
    # remote text is cleaned like a feed's, and remote feeds are not polled by refresh
    assert [row[0] for row in store.feeds_due()] == [local]


def test_remote_text_is_hostile(tmp_path: Path) -> None:
    store, account, feeds = _account_store(tmp_path)
    hostile_feed = RemoteFeed("feed/2", "javascript:alert(1)", "\x1b]0;x\x07Evil", None,
                              ("[b]Folder\u202e",))
    feeds, _, _ = state.apply_subscriptions(
        store, account, [RemoteFeed("feed/1", "https://example.org/a.xml", "A"), hostile_feed])
    row = store.feed(feeds["feed/2"])
    assert row.url == "http://127.0.0.1:9#feed=feed/2" and "\x1b" not in row.title
    assert row.tags == ("[b]Folder",)
    evil = RemoteItem("e1", "e1", "feed/1", "\x1b[31m[@click=app.quit]title\u202e",
                      "javascript:alert(1)", "me\x07", 5.0, None,
                      "<script>alert(1)</script><p onclick='x'>hi</p>", False, False)
    state.apply_items(store, account, [evil], feeds)
    item = store.item(next(h.id for h in store.headlines() if "title" in h.title))
    assert "\x1b" not in item.title and "\u202e" not in item.title
    assert item.link is None and "<script" not in item.content and "onclick" not in item.content


def test_tokens_file_is_private_and_holds_no_password(tmp_path: Path) -> None:
    store, account, _ = _account_store(tmp_path)
    state.save_token(store, "x", "alice/abc")
    path = state.tokens_path(store)
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text()) == {"x": "alice/abc"}
    path.chmod(0o644)
    assert state.load_token(store, "x") == "alice/abc" and path.stat().st_mode & 0o777 == 0o600
    state.forget_token(store, "x")
    assert json.loads(path.read_text()) == {}


def test_the_password_command_runs_without_a_shell(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("READER_PASSWORD", raising=False)
    trap = tmp_path / "pwned"
    command = ["echo", f"secret; touch {trap}"]
    found = password_from(state.Account(0, "x", "greader", "u", "u", command))
    assert found == f"secret; touch {trap}" and not trap.exists()
    monkeypatch.setenv("READER_PASSWORD", "from-env")
    assert password_from(state.Account(0, "x", "greader", "u", "u", command)) == "from-env"


def test_sync_modules_load_no_textual() -> None:
    modules = ["reader.sync", "reader.sync.protocol", "reader.sync.greader",
               "reader.sync.ttrss", "reader.sync.state", "reader.sync.engine",
               "reader.sync.cli"]
    script = ("import importlib, json, sys\n"
              f"for name in {modules!r}:\n    importlib.import_module(name)\n"
              "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert not [name for name in json.loads(done.stdout) if name.split(".")[0] == "textual"]


def test_push_alone_sends_the_journal_and_pulls_nothing(tmp_path: Path) -> None:
    from reader.sync import engine

    server = GReaderServer().start()
    try:
        feed = server.add_feed("https://example.org/a.xml", "A")
        server.add_items(feed, 3)
        store = Store(tmp_path / "reader.db")
        account = state.add_account(store, "x", "greader", server.url, "alice", None)
        state.save_token(store, "x", server.auth_token("alice"))
        run(engine.sync(store, account))
        store.mark_read([store.headlines()[0].id])
        before = len(server.log)
        result = run(engine.push(store, state.account(store, "x")))
        assert result.pushed == 1 and state.queued_count(store) == 0
        assert [path.split("?")[0] for _, path in server.log[before:]] == [
            "/api/greader.php/reader/api/0/token", "/api/greader.php/reader/api/0/edit-tag"]
    finally:
        server.stop()
