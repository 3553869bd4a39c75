"""One refresh, many misbehaving servers: the good feeds update, the bad ones lose nothing.

Every feed first refreshes normally (items and read marks are stored); then each bad feed's route
is swapped for a server that misbehaves in one way, and ONE `reader refresh` runs over all of
them, in a subprocess, as a user would run it (`--timeout` ends the 1 byte/s server).
"""

from __future__ import annotations

import gzip
import sqlite3
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.e2e import FORBIDDEN_OUTPUT, db_rows, ok, reader_json, rss, run_reader
from tests.httpserver import LocalServer, Raw, Reply

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
INVALID_HOST_URL = "http://feed.invalid/feed.xml"


def _items(feed: str, count: int) -> list[tuple[str, str, str | None]]:
    return [(f"{feed}-{n}", f"{feed} story {n}", f"https://example.invalid/{feed}/{n}")
            for n in range(count)]


def _head(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _raw(data: bytes, then: Callable[[BaseHTTPRequestHandler], None] | None = None) -> Raw:
    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(data)
        if then is not None:
            then(handler)

    return Raw(write)


def _endless(handler: BaseHTTPRequestHandler) -> None:
    chunk = b"<item>" * 10_000
    while True:  # ends when the client hangs up (BrokenPipe is caught by the server)
        handler.wfile.write(chunk)


def _one_byte_a_second(handler: BaseHTTPRequestHandler) -> None:
    handler.wfile.write(_head("HTTP/1.1 200 OK", "Content-Length: 5000"))
    for byte in rss("slow", _items("slow", 9))[:60]:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(1)


def _gzip_bomb() -> bytes:
    return gzip.compress(b"<" * (64 * 1024 * 1024), compresslevel=9)  # ~64 KiB -> 64 MiB


# path -> (the misbehaving route, a word its one line must contain)
def _bad_routes(server: LocalServer) -> dict[str, tuple[Raw | Reply, str]]:
    ok_xml = rss("x", _items("x", 3))
    return {
        "/cut": (_raw(_head("HTTP/1.1 200 OK", "Content-Type: application/xml",
                            "Transfer-Encoding: chunked") + b"400\r\n" + ok_xml[:100]), "closed"),
        "/wrong-length": (_raw(_head("HTTP/1.1 200 OK", "Content-Length: 100000")
                               + ok_xml), "closed"),
        "/endless": (_raw(_head("HTTP/1.1 200 OK", "Connection: close"), _endless), "larger"),
        "/bad-gzip": (_raw(_head("HTTP/1.1 200 OK", "Content-Encoding: gzip",
                                 "Content-Length: 300") + b"\x1f\x8b\x08\x00" + b"\xff" * 296),
                      "gzip"),
        "/slow": (Raw(_one_byte_a_second), f"timed out after {TIMEOUT} s"),
        "/gzip-bomb": (Reply(200, _gzip_bomb(), headers={"Content-Encoding": "gzip"}), "larger"),
        "/loop": (Reply(302, b"", headers={"Location": server.url("/loop-b")}), "redirect"),
        "/to-file": (Reply(301, b"", headers={"Location": "file:///etc/passwd"}), "refused"),
        # 8-bit CSI and OSC in a header (latin-1): the one line quoting it must not carry them.
        "/to-evil": (Reply(302, b"", headers={"Location": "ftp://x/\x9b2J\x9d0;pwned\x9cclear"}),
                     "refused"),
        "/empty": (Reply(200, b""), "empty"),
        "/png": (Reply(200, PNG, content_type="image/png"), "png"),
        "/html": (Reply(200, b"<!doctype html><html><body><p>hi</p></body></html>",
                        content_type="text/html"), "html"),
        "/404": (Reply(404, b"gone away", content_type="text/plain"), "404"),
        "/500": (Reply(500, b"oops", content_type="text/plain"), "500"),
    }


GOOD = ("/good-1", "/good-2", "/good-3")
TIMEOUT = 3  # seconds: `reader refresh --timeout`, so the 1 byte/s server ends quickly


def _by_feed(listing: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for item in listing:
        grouped.setdefault(item["feed_url"], []).append(item)
    return {url: sorted(items, key=lambda i: i["id"]) for url, items in grouped.items()}


def test_one_refresh_with_every_kind_of_bad_server(tmp_path: Path,
                                                   http_server: LocalServer) -> None:
    data = tmp_path / "data"
    bad = _bad_routes(http_server)
    paths = list(GOOD) + list(bad) + ["/becomes-invalid"]
    for path in paths:  # first every feed is healthy: five items each
        http_server.route(path, Reply(200, rss(path, _items(path.strip("/"), 5))))
    http_server.route("/loop-b", Reply(302, b"", headers={"Location": http_server.url("/loop")}))
    urls_file = tmp_path / "urls"
    urls_file.write_text("\n".join(http_server.url(path) for path in paths) + "\n")
    ok(run_reader(data, "import", str(urls_file)))
    first = ok(run_reader(data, "refresh"))
    assert first.stderr == "", first.stderr
    listing = reader_json(data, "list")
    assert len(listing) == 5 * len(paths)
    read_ids = [str(item["id"]) for item in listing if item["title"].endswith((" 1", " 3"))]
    ok(run_reader(data, "mark", *read_ids, "--read"))
    ok(run_reader(data, "mark", str(listing[0]["id"]), "--star"))
    # A feed whose host stops resolving: its stored URL now names a .invalid host.
    conn = sqlite3.connect(data / "reader.db")
    with conn:
        conn.execute("UPDATE feeds SET url = ? WHERE url = ?",
                     (INVALID_HOST_URL, http_server.url("/becomes-invalid")))
    conn.close()

    before = _by_feed(reader_json(data, "list"))
    for path in GOOD:  # the good feeds now have two more items
        http_server.route(path, Reply(200, rss(path, _items(path.strip("/"), 7))))
    for path, (route, _) in bad.items():
        http_server.route(path, route)

    started = time.monotonic()
    result = ok(run_reader(data, "refresh", "--all", "--timeout", str(TIMEOUT), timeout=90))
    elapsed = time.monotonic() - started

    failing = {http_server.url(path): word for path, (_, word) in bad.items()}
    failing[INVALID_HOST_URL] = "not found"
    lines = result.stderr.splitlines()
    assert len(lines) == len(failing), result.stderr
    for url, word in failing.items():
        mine = [line for line in lines if line.startswith(f"reader: {url}: ")]
        assert len(mine) == 1, (url, result.stderr)
        assert word in mine[0].lower(), (word, mine[0])
    assert f"{len(failing)} failed" in result.stdout, result.stdout
    unsafe = [ch for ch in result.stdout + result.stderr if ch in FORBIDDEN_OUTPUT]
    assert not unsafe, f"unsafe characters printed: {unsafe}"
    assert "6 new items" in result.stdout, result.stdout

    after = _by_feed(reader_json(data, "list"))
    for url in failing:
        assert after[url] == before[url], url
    for path in GOOD:
        url = http_server.url(path)
        assert [item["title"] for item in after[url]] == [
            f"{path.strip('/')} story {n}" for n in range(7)]
        assert after[url][:5] == before[url]  # old items keep their ids, marks and stars
    feeds = {feed["url"]: feed for feed in reader_json(data, "feeds")}
    for url, word in failing.items():
        assert feeds[url]["last_error"] and word in feeds[url]["last_error"].lower(), feeds[url]
    for path in GOOD:
        assert feeds[http_server.url(path)]["last_error"] is None
    assert db_rows(data / "reader.db", "PRAGMA integrity_check") == [("ok",)]
    assert TIMEOUT <= elapsed < TIMEOUT + 10, f"the refresh took {elapsed:.1f} s"

