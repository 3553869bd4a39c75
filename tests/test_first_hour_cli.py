"""Issue 12, a newsboat user's first hour: the command line's items (subprocesses, a real
HTTP server on 127.0.0.1, a real SQLite file)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from reader.store import Store
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply
from tests.test_cli import Reader, free_port

REPO = Path(__file__).resolve().parents[1]
REPEATED_IDS = rss("Dupes", [("same", "First"), ("same", "Again"), ("other", "Other")])


@pytest.fixture
def reader(tmp_path: Path) -> Reader:
    return Reader(tmp_path / "data")


# -- 5: a warning is not an error ---------------------------------------------------------


def test_a_refresh_warning_is_kept_apart_from_errors(reader: Reader,
                                                     http_server: LocalServer) -> None:
    url = http_server.route("/dupes.xml", Reply(200, REPEATED_IDS))
    added = reader("add", url)
    assert added.stdout.startswith("added Dupes (2 items)")
    [feed] = reader.json("feeds")
    assert feed["last_error"] is None
    assert "repeated" in feed["last_warning"], feed
    text = reader("feeds").stdout
    assert not text.startswith("!") and "last error" not in text
    assert f"warning: {feed['last_warning']}" in text
    http_server.route("/dupes.xml", Reply(500, b"down", content_type="text/plain"))
    reader("refresh", "--all")  # not due yet after the add: --all fetches it anyway
    [feed] = reader.json("feeds")
    assert feed["last_error"] == "HTTP 500 Internal Server Error"
    assert reader("feeds").stdout.startswith("!")
    http_server.route("/dupes.xml", Reply(200, rss("Dupes", 2)))
    reader("refresh", "--all")
    [feed] = reader.json("feeds")
    assert feed["last_error"] is None and feed["last_warning"] is None


def test_a_version_1_database_moves_its_warnings_out_of_last_error(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    from reader.store import SCHEMA_V1, _statements

    conn = sqlite3.connect(path)
    for statement in _statements(SCHEMA_V1):
        conn.execute(statement)
    conn.execute("INSERT INTO feeds (url, last_error, error_count, added) VALUES "
                 "('http://warned.example/', '1 entry was skipped', 0, 0), "
                 "('http://failed.example/', 'HTTP 500', 2, 0)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store(path)
    feeds = {feed.url: feed for feed in store.feeds()}
    assert (feeds["http://warned.example/"].last_error,
            feeds["http://warned.example/"].last_warning) == (None, "1 entry was skipped")
    assert (feeds["http://failed.example/"].last_error,
            feeds["http://failed.example/"].last_warning) == ("HTTP 500", None)


# -- 6: no scheme: https, then http ------------------------------------------------------


def test_add_without_a_scheme_falls_back_to_http_and_says_so(reader: Reader,
                                                            http_server: LocalServer) -> None:
    url = http_server.route("/feed.rss", Reply(200, rss("Plain HTTP", 2)))
    typed = url.removeprefix("http://")
    done = reader("add", typed)
    assert "used http" in done.stdout and url in done.stdout, done.stdout
    assert done.stdout.strip().endswith("added Plain HTTP (2 items)")
    assert [feed["url"] for feed in reader.json("feeds")] == [url]
    again = reader("add", typed, code=1)
    assert again.stderr.strip() == f"reader: {typed}: already subscribed to {url}"
    reader("refresh", typed)
    assert reader("remove", typed).stdout.strip() == f"removed {typed}"


def test_add_without_a_scheme_reports_both_failures_in_one_line(reader: Reader) -> None:
    typed = f"127.0.0.1:{free_port()}/feed.rss"
    done = reader("add", typed, code=1)
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"reader: {typed}: tried https and http") and "refused" in line


# -- 7: a page whose feed fails ----------------------------------------------------------


def test_a_page_whose_feed_fails_names_the_page_and_the_feed(reader: Reader,
                                                            http_server: LocalServer) -> None:
    feed = http_server.url("/gone.xml")
    page = http_server.route("/blog", Reply(
        200, '<html><head><link rel="alternate" type="application/rss+xml" '
        'href="/gone.xml"></head></html>', content_type="text/html"))
    done = reader("add", page, code=1)
    [line] = done.stderr.strip().splitlines()
    assert line == f"reader: {page}: the page {page} links {feed}, which failed: HTTP 404 Not Found"


def test_a_feed_linked_only_by_an_anchor_is_added(reader: Reader,
                                                 http_server: LocalServer) -> None:
    feed = http_server.route("/rss.xml", Reply(200, rss("Anchored", 1)))
    page = http_server.route("/home", Reply(
        200, '<html><body><a href="/about">About</a> <a href="/rss.xml">RSS</a></body></html>',
        content_type="text/html"))
    done = reader("add", page)
    assert f"found the feed {feed}" in done.stdout
    assert reader.json("feeds")[0]["url"] == feed


# -- 19: small command-line items ---------------------------------------------------------


@pytest.mark.parametrize("content", [
    '<?xml version="1.0"?>\n<opml><body><outline xmlUrl="http://a.example/f" text="A"',
    "\x00\x01binary",
])
def test_import_of_a_bad_file_prints_exactly_one_line(reader: Reader, tmp_path: Path,
                                                      content: str) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text(content)
    done = reader("import", str(bad), code=1)
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"reader: {bad}: ")


def test_export_after_a_newsboat_import_has_no_empty_text(reader: Reader,
                                                          tmp_path: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text('https://one.example/feed.xml news "~One News"\n'
                    "https://two.example/rss tech apple\n")
    reader("import", str(urls))
    opml = reader("export").stdout
    assert 'text=""' not in opml
    assert 'text="https://two.example/rss"' in opml and 'text="One News"' in opml
    exported = tmp_path / "out.opml"
    exported.write_text(opml)
    second = Reader(tmp_path / "second")
    second("import", str(exported))
    # the URL standing in for the text is not taken as the user's name for the feed
    titles = {feed["url"]: feed["title"] for feed in second.json("feeds")}
    assert titles == {"https://one.example/feed.xml": "One News",
                      "https://two.example/rss": "https://two.example/rss"}


def test_feeds_shows_folders(reader: Reader, tmp_path: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text("https://two.example/rss tech apple\nhttps://three.example/rss\n")
    reader("import", str(urls))
    tags = {feed["url"]: feed["tags"] for feed in reader.json("feeds")}
    assert tags == {"https://two.example/rss": ["tech", "apple"],
                    "https://three.example/rss": []}
    text = reader("feeds").stdout
    assert "<https://two.example/rss>  [tech, apple]" in text


def test_show_keeps_a_week_inside_its_date_column(reader: Reader,
                                                  http_server: LocalServer) -> None:
    body = ("Talks stalled last week, officials said. The vote is due on 12 January 2022, "
            "after a review in December 2021. {title}")
    reader("add", http_server.route("/week.xml", Reply(200, rss("Weekly", 1, body=body))))
    item = reader.json("list")[0]
    shown = reader("show", str(item["id"])).stdout
    timeline = shown.split("\nTimeline:\n", 1)[1].splitlines()[1:]
    assert any("week of" in line for line in timeline), timeline
    # every row's text starts in one column, whatever the length of its date
    date = r"(?:week of )?\d{1,2} [A-Z][a-z]{2} \d{4}|[A-Z][a-z]{2} \d{4}|\d{4}s?"
    starts = {re.match(rf"^[▶ ] (?:{date}) +(?:· )?", line).end() for line in timeline}
    assert len(starts) == 1, timeline


def test_refresh_toast_wording_names_a_lone_feed() -> None:
    from reader.wording import refresh_done

    assert refresh_done(1, 3, 0, feed="Alpha") == "Refreshed Alpha: 3 new items"
    assert refresh_done(1, 1, 0, feed="Alpha") == "Refreshed Alpha: 1 new item"
    assert refresh_done(1, 0, 1, feed="Alpha") == "Refreshing Alpha failed"
    assert refresh_done(2, 1, 1) == "Refreshed 2 feeds: 1 new item, 1 failed"
    assert refresh_done(1, 0, 0) == "Refreshed 1 feed: 0 new items"


def test_make_run_installs_only_what_running_needs() -> None:
    def planned(target: str) -> str:
        return subprocess.run(["make", "-n", "-B", target], cwd=REPO, capture_output=True,
                              text=True, timeout=30, check=True).stdout

    run = planned("run")
    assert "pip install" in run and "[test]" not in run, run
    assert "-e ." in run or "-e '.'" in run, run
    test = planned("test")
    assert "'.[test]'" in test and "pytest" in test, test
