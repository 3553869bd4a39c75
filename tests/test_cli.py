"""The command line end to end, in subprocesses with a temporary data folder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply


class Reader:
    """Runs `python -m reader --data-dir D ...` and keeps what it printed."""

    def __init__(self, data: Path) -> None:
        self.data = data

    def __call__(self, *args: str, code: int | None = 0) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "READER_DEBUG"}
        done = subprocess.run(
            [sys.executable, "-m", "reader", "--data-dir", str(self.data), *args],
            capture_output=True, text=True, timeout=60, env=env,
        )
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        if code is not None:
            assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
        return done

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def reader(tmp_path: Path) -> Reader:
    return Reader(tmp_path / "data")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_add_list_mark_show_search(reader: Reader, http_server: LocalServer) -> None:
    url = http_server.route("/feed.xml", Reply(200, rss("Wire", 3, body="Fuel {title}")))
    added = reader("add", url)
    assert added.stdout.strip() == "added Wire (3 items)"
    items = reader.json("list")
    assert [item["title"] for item in items] == ["Wire item 0", "Wire item 1", "Wire item 2"]
    assert set(items[0]) == {"id", "feed_url", "feed_title", "title", "link", "published",
                             "read", "starred"}
    assert items[0]["published"] == "2022-01-10T12:00:00Z" and items[0]["feed_url"] == url
    first = str(items[0]["id"])
    reader("mark", first, "--read")
    reader("mark", first, "--star")
    assert [item["id"] for item in reader.json("list", "--unread")] == [
        items[1]["id"], items[2]["id"]]
    assert [item["id"] for item in reader.json("list", "--starred")] == [items[0]["id"]]
    assert len(reader.json("list", "--limit", "2")) == 2
    shown = reader.json("show", first)
    assert shown["title"] == "Wire item 0" and "Fuel Wire item 0" in shown["body"]
    assert shown["read"] is True and isinstance(shown["related"], list)
    assert isinstance(shown["events"], list)
    found = reader.json("search", "fuel")
    assert len(found) == 3
    feeds = reader.json("feeds")
    assert feeds == [{"url": url, "title": "Wire", "unread": 2, "total": 3,
                      "last_error": None, "last_warning": None,
                      "last_fetched": feeds[0]["last_fetched"], "tags": []}]
    text = reader("show", first).stdout
    assert "Wire item 0" in text and "Timeline:" in text


def test_add_finds_a_feed_on_a_page(reader: Reader, http_server: LocalServer) -> None:
    feed = http_server.route("/feed.xml", Reply(200, rss("Blog", 1)))
    page = http_server.route("/blog", Reply(
        200, '<html><head><link rel="alternate" type="application/atom+xml" '
        'href="feed.xml"></head></html>', content_type="text/html"))
    done = reader("add", page)
    assert f"found the feed {feed}" in done.stdout
    assert reader.json("feeds")[0]["url"] == feed


@pytest.mark.parametrize("route, reply, message", [
    ("/page", Reply(200, "<html><body>hello</body></html>", content_type="text/html"),
     "not a feed: the server returned an HTML page with no feed link"),
    ("/missing", None, "HTTP 404"),
])
def test_add_refuses_what_is_not_a_feed(reader: Reader, http_server: LocalServer, route: str,
                                        reply: Reply | None, message: str) -> None:
    url = http_server.route(route, reply) if reply else http_server.url(route)
    done = reader("add", url, code=1)
    assert done.stderr.startswith("reader: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert reader.json("feeds") == []


def test_add_reports_a_refused_connection(reader: Reader) -> None:
    done = reader("add", f"http://127.0.0.1:{free_port()}/feed.xml", code=1)
    assert "connection refused" in done.stderr and done.stderr.startswith("reader: ")


def test_refresh_reports_failures_and_exits_zero(reader: Reader,
                                                 http_server: LocalServer) -> None:
    good = http_server.route("/good.xml", Reply(200, rss("Good", 2)))
    bad = http_server.route("/bad.xml", Reply(200, rss("Bad", 2)))
    reader("add", good, bad)
    reader("mark", str(reader.json("list")[0]["id"]), "--read")
    before = reader.json("list")
    http_server.route("/bad.xml", Reply(500, b"down", content_type="text/plain"))
    http_server.route("/good.xml", Reply(200, rss("Good", 3)))
    done = reader("refresh")
    assert done.stdout.strip() == "refreshed 2 feeds: 1 new item, 1 failed"
    assert done.stderr.strip() == f"reader: {bad}: HTTP 500 Internal Server Error"
    after = reader.json("list")
    kept = {item["id"]: item for item in after}
    assert all(kept[item["id"]] == item for item in before)
    errors = {feed["url"]: feed["last_error"] for feed in reader.json("feeds")}
    assert errors == {good: None, bad: "HTTP 500 Internal Server Error"}


def test_import_and_export_round_trip(reader: Reader, tmp_path: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text(
        "# my feeds\n"
        'https://one.example/feed.xml news "~One News"\n'
        "https://two.example/rss tech\n"
        '"exec:touch /tmp/never-run-by-reader" shell\n'
        '"query:Unread:unread = \\"yes\\""\n'
    )
    done = reader("import", str(urls))
    assert "imported 2 feeds" in done.stdout
    assert done.stderr.count("reader: ") == 1  # the exec: line; query: became a view
    assert '"Unread" = "unread = yes"' in done.stdout or "[views]" in done.stdout
    assert not Path("/tmp/never-run-by-reader").exists()
    opml = tmp_path / "out.opml"
    reader("export", str(opml))
    second = Reader(tmp_path / "other")
    second("import", str(opml))
    first_feeds = {(f["url"], f["title"]) for f in reader.json("feeds")}
    second_feeds = {(f["url"], f["title"]) for f in second.json("feeds")}
    assert first_feeds == second_feeds and len(first_feeds) == 2
    assert ("https://one.example/feed.xml", "One News") in first_feeds
    assert reader("export").stdout.startswith("<?xml")


def test_usage_errors_and_missing_things(reader: Reader) -> None:
    assert reader("list", "--limit", "zero", code=2).returncode == 2
    assert reader("frobnicate", code=2).returncode == 2
    missing = reader("show", "999", code=1)
    assert missing.stderr.strip() == "reader: no item with id 999"
    assert reader("remove", "http://nowhere.example/", code=1).stderr.startswith("reader: ")
    assert reader("import", "/nonexistent/file.opml", code=1).stderr.startswith(
        "reader: cannot read")


def test_commands_never_add_the_demo_by_themselves(reader: Reader) -> None:
    assert reader.json("feeds") == []
    assert reader.json("list") == []


def test_demo_command_adds_the_bundled_story(reader: Reader) -> None:
    done = reader("demo")
    assert done.stdout.startswith("added the demo story")
    feeds = reader.json("feeds")
    assert len(feeds) >= 2 and all(feed["last_error"] is None for feed in feeds)
    assert all(feed["total"] > 0 for feed in feeds)


def test_removed_demo_stays_removed_and_a_second_demo_says_so(reader: Reader) -> None:
    from reader.cli import offer_demo
    from reader.store import Store

    reader("demo")
    assert reader("demo").stdout.startswith("the demo story was already there: ")
    for feed in reader.json("feeds"):
        reader("remove", feed["url"])
    store = Store(reader.data / "reader.db")
    try:
        offer_demo(store)  # what the app's launch does
        assert store.feed_count() == 0
    finally:
        store.close()


def test_the_first_launch_offers_the_demo_once(tmp_path: Path) -> None:
    from reader.cli import offer_demo
    from reader.store import Store

    store = Store(tmp_path / "reader.db")
    try:
        offer_demo(store)
        demo = store.feeds()
        assert demo and all(feed.total > 0 for feed in demo)
        for feed in demo:
            store.remove_feed(feed.id)
        offer_demo(store)
        assert store.feed_count() == 0
    finally:
        store.close()


def test_list_does_not_import_textual(tmp_path: Path) -> None:
    code = ("import sys; from reader.cli import main; main(['--data-dir', sys.argv[1], "
            "'list']); print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_an_undated_item_has_published_null(reader: Reader, http_server: LocalServer) -> None:
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Undated</title>'
            "<link>http://example.org/</link><description>d</description>"
            "<item><guid>u1</guid><title>No date here</title></item></channel></rss>")
    reader("add", http_server.route("/undated.xml", Reply(200, body)))
    assert [item["published"] for item in reader.json("list")] == [None]


def test_add_says_at_once_when_a_feed_was_read_only_in_part(reader: Reader,
                                                           http_server: LocalServer) -> None:
    whole = rss("Cut", 2)
    broken = whole[:whole.rindex("</item>") + len("</item>")] + "<item><title>cut off"
    url = http_server.route("/cut.xml", Reply(200, broken))
    added = reader("add", url)
    assert added.stdout.startswith("added Cut (")
    warning = added.stderr.strip()
    assert warning.startswith(f"reader: {url}: ") and "\n" not in warning
    [feed] = reader.json("feeds")  # a warning, not an error: the feed was read
    assert feed["last_warning"] == warning.removeprefix(f"reader: {url}: ")
    assert feed["last_error"] is None


def test_names_from_an_imported_list_survive_refreshes(reader: Reader, tmp_path: Path,
                                                       http_server: LocalServer) -> None:
    named = http_server.route("/named.xml", Reply(200, rss("Feed Own Title", 2)))
    plain = http_server.route("/plain.xml", Reply(200, rss("Plain Feed", 1)))
    urls = tmp_path / "urls"
    urls.write_text(f'{named} tech "~My Own Name"\n{plain}\n')
    assert "imported 2 feeds" in reader("import", str(urls)).stdout
    reader("refresh")
    reader("refresh", "--all")
    titles = {feed["url"]: feed["title"] for feed in reader.json("feeds")}
    assert titles == {named: "My Own Name", plain: "Plain Feed"}


def test_show_fetches_the_page_within_the_configured_limits(
        reader: Reader, http_server: LocalServer, private_folders: Path) -> None:
    base = http_server.url("/p/")
    feed = http_server.route("/summary.xml", Reply(200, rss("Short", 1, link=base, full=False)))
    page = "<html><body><article>" + "<p>A long paragraph of page text.</p>" * 200
    http_server.route("/p/Short-0", Reply(200, page + "</article></body></html>",
                                          content_type="text/html"))
    reader("add", feed)
    config = private_folders / "xdg" / "xdg_config_home" / "reader" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[fetch]\nmax_bytes = 1000\n")
    item = reader.json("list")[0]
    shown = reader.json("show", str(item["id"]))
    assert "1000 bytes" in (shown["note"] or ""), shown["note"]
    assert "long paragraph" not in shown["body"]
    config.write_text("")
    whole = reader.json("show", str(item["id"]))
    assert whole["note"] is None and "long paragraph" in whole["body"]


def test_show_json_lists_an_undated_items_relative_events_as_undated(
        reader: Reader, http_server: LocalServer) -> None:
    """Issue 17: no date, no anchor: "On Wednesday" has no date, not the fetch week's."""
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Undated</title>'
            "<link>https://example.org/</link><description>d</description>"
            "<item><title>Old news</title><guid>old-1</guid>"
            "<description>On Wednesday the minister resigned. The treaty was signed on "
            "12 March 2015.</description></item></channel></rss>").encode()
    url = http_server.route("/undated.xml", Reply(200, feed, content_type="application/rss+xml"))
    reader("add", url)
    item = reader.json("list")[0]
    assert item["published"] is None
    shown = reader.json("show", str(item["id"]))
    assert shown["events"] == [
        {"date": "2015-03-12", "granularity": "day",
         "text": "The treaty was signed on 12 March 2015."},
        {"date": None, "granularity": "undated", "text": "On Wednesday the minister resigned."}]
