"""feeds.fetch against a real local HTTP server: statuses, validators, redirects, limits."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import aiohttp
import pytest

import feeds
from feeds.fetch import (
    DEFAULT_RETRY_AFTER,
    FEED_ACCEPT,
    MAX_RETRY_AFTER,
    FetchLimits,
    fetch,
    fetch_all,
    make_client,
    parse_retry_after,
    user_agent,
)
from feeds.model import FetchResult, FetchStatus, Validators
from tests.httpserver import LocalServer, Reply, Request

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def one_line(result: FetchResult) -> str:
    """The error, checked to be a single non-empty line."""
    assert result.error, result
    assert "\n" not in result.error and "\r" not in result.error
    return result.error


# --- 200 and conditional GET ----------------------------------------------------------------


async def test_200_returns_body_headers_and_validators_on_first_fetch(
    http_server: LocalServer,
) -> None:
    url = http_server.route(
        "/feed.xml",
        Reply(
            200,
            FEED,
            headers={
                "ETag": '"v1"',
                "Last-Modified": "Tue, 01 Oct 2024 10:00:00 GMT",
                "X-Custom-Header": "Yes",
            },
        ),
    )
    result = await fetch(url)
    assert result.status is FetchStatus.OK and result.ok
    assert result.http_status == 200
    assert result.body == FEED
    assert result.url == url and result.final_url == url
    assert result.validators == Validators('"v1"', "Tue, 01 Oct 2024 10:00:00 GMT")
    assert result.headers["x-custom-header"] == "Yes"
    assert result.headers["content-type"] == "application/xml"
    assert all(name == name.lower() for name in result.headers)
    assert result.error is None and result.permanent_redirect is None
    assert 0 < result.elapsed < 5


async def test_200_without_validators_returns_empty_validators(http_server: LocalServer) -> None:
    url = http_server.route("/plain.xml", Reply(200, FEED))
    result = await fetch(url, Validators('"old"', "Mon, 01 Jan 2024 00:00:00 GMT"))
    assert result.ok
    assert result.validators == Validators()


async def test_304_sends_validators_and_returns_them(http_server: LocalServer) -> None:
    sent = Validators('"abc"', "Tue, 01 Oct 2024 10:00:00 GMT")

    def conditional(request: Request) -> Reply:
        if request.headers.get("if-none-match") == sent.etag:
            return Reply(304, b"")
        return Reply(200, FEED, headers={"ETag": '"abc"'})

    url = http_server.route("/cond.xml", conditional)
    result = await fetch(url, sent)
    assert result.status is FetchStatus.NOT_MODIFIED
    assert result.http_status == 304
    assert result.body == b""
    assert result.validators == sent
    assert result.error is None
    seen = http_server.requests_for("/cond.xml")[-1].headers
    assert seen["if-none-match"] == '"abc"'
    assert seen["if-modified-since"] == "Tue, 01 Oct 2024 10:00:00 GMT"


async def test_304_with_new_validators_returns_the_new_ones(http_server: LocalServer) -> None:
    url = http_server.route("/cond2.xml", Reply(304, b"", headers={"ETag": '"new"'}))
    result = await fetch(url, Validators('"old"', "Tue, 01 Oct 2024 10:00:00 GMT"))
    assert result.status is FetchStatus.NOT_MODIFIED
    assert result.validators == Validators('"new"', "Tue, 01 Oct 2024 10:00:00 GMT")


async def test_no_conditional_headers_without_validators(http_server: LocalServer) -> None:
    url = http_server.route("/first.xml", Reply(200, FEED))
    await fetch(url)
    seen = http_server.requests_for("/first.xml")[0].headers
    assert "if-none-match" not in seen and "if-modified-since" not in seen


async def test_validators_with_line_breaks_are_not_sent(http_server: LocalServer) -> None:
    url = http_server.route("/inject.xml", Reply(200, FEED))
    result = await fetch(url, Validators('"a"\r\nX-Evil: 1', "Tue, 01 Oct 2024 10:00:00 GMT"))
    assert result.ok
    seen = http_server.requests_for("/inject.xml")[0].headers
    assert "if-none-match" not in seen and "x-evil" not in seen
    assert seen["if-modified-since"] == "Tue, 01 Oct 2024 10:00:00 GMT"


async def test_user_agent_accept_and_encoding_headers(http_server: LocalServer) -> None:
    url = http_server.route("/ua.xml", Reply(200, FEED))
    await fetch(url)
    seen = http_server.requests_for("/ua.xml")[0].headers
    assert seen["user-agent"] == user_agent()
    assert seen["user-agent"].startswith(f"reader/{feeds.__version__} (")
    assert seen["accept"] == FEED_ACCEPT
    assert seen["accept-encoding"] == "gzip, deflate"


async def test_shared_client_without_our_headers_still_sends_user_agent(
    http_server: LocalServer,
) -> None:
    url = http_server.route("/ua2.xml", Reply(200, FEED))
    async with aiohttp.ClientSession() as client:
        result = await fetch(url, client=client, accept="text/html")
    assert result.ok
    seen = http_server.requests_for("/ua2.xml")[0].headers
    assert seen["user-agent"] == user_agent()
    assert seen["accept"] == "text/html"


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_is_reported(http_server: LocalServer, status: int) -> None:
    target = http_server.route("/new.xml", Reply(200, FEED))
    old = http_server.route("/old.xml", Reply(status, b"", headers={"Location": "/new.xml"}))
    result = await fetch(old)
    assert result.ok and result.body == FEED
    assert result.url == old
    assert result.final_url == target
    assert result.permanent_redirect == target


async def test_temporary_redirect_is_not_permanent(http_server: LocalServer) -> None:
    target = http_server.route("/here.xml", Reply(200, FEED))
    start = http_server.route("/tmp.xml", Reply(302, b"", headers={"Location": target}))
    result = await fetch(start)
    assert result.ok
    assert result.final_url == target
    assert result.permanent_redirect is None


@pytest.mark.parametrize("chain", [(301, 302), (302, 301), (308, 307)])
async def test_mixed_chain_is_not_permanent(
    http_server: LocalServer, chain: tuple[int, int]
) -> None:
    target = http_server.route("/end.xml", Reply(200, FEED))
    http_server.route("/hop2.xml", Reply(chain[1], b"", headers={"Location": "/end.xml"}))
    start = http_server.route("/hop1.xml", Reply(chain[0], b"", headers={"Location": "/hop2.xml"}))
    result = await fetch(start)
    assert result.ok and result.final_url == target
    assert result.permanent_redirect is None


async def test_chain_of_permanent_redirects_is_permanent(http_server: LocalServer) -> None:
    target = http_server.route("/p3.xml", Reply(200, FEED))
    http_server.route("/p2.xml", Reply(308, b"", headers={"Location": "/p3.xml"}))
    start = http_server.route("/p1.xml", Reply(301, b"", headers={"Location": "/p2.xml"}))
    result = await fetch(start)
    assert result.permanent_redirect == target


async def test_permanent_redirect_to_an_error_does_not_move_the_feed(
    http_server: LocalServer,
) -> None:
    start = http_server.route("/moved.xml", Reply(301, b"", headers={"Location": "/missing"}))
    result = await fetch(start)
    assert result.status is FetchStatus.ERROR
    assert one_line(result) == "HTTP 404 Not Found"
    assert result.final_url == http_server.url("/missing")
    assert result.permanent_redirect is None


async def test_redirects_within_the_limit_are_followed(http_server: LocalServer) -> None:
    http_server.route("/r3", Reply(200, FEED))
    for index in (2, 1, 0):
        http_server.route(f"/r{index}", Reply(302, b"", headers={"Location": f"/r{index + 1}"}))
    assert (await fetch(http_server.url("/r0"), limits=FetchLimits(max_redirects=3))).ok
    too_many = await fetch(http_server.url("/r0"), limits=FetchLimits(max_redirects=2))
    assert one_line(too_many) == "too many redirects (more than 2)"


async def test_redirect_without_location_is_an_error(http_server: LocalServer) -> None:
    url = http_server.route("/nowhere.xml", Reply(302, b""))
    result = await fetch(url)
    assert one_line(result) == "HTTP 302 Found without a Location header"


# --- error statuses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "HTTP 404 Not Found"),
        (500, "HTTP 500 Internal Server Error"),
        (403, "HTTP 403 Forbidden"),
        (599, "HTTP 599"),
    ],
)
async def test_error_statuses(http_server: LocalServer, status: int, message: str) -> None:
    url = http_server.route("/err.xml", Reply(status, b"<html>error page</html>"))
    result = await fetch(url, Validators('"keep"'))
    assert result.status is FetchStatus.ERROR
    assert one_line(result) == message
    assert result.http_status == status
    assert result.body == b""
    assert result.retry_after is None
    assert result.validators == Validators('"keep"')


async def test_410_is_gone(http_server: LocalServer) -> None:
    url = http_server.route("/gone.xml", Reply(410, b"bye"))
    result = await fetch(url)
    assert result.status is FetchStatus.GONE
    assert one_line(result) == "HTTP 410 Gone: the feed was removed"
    assert result.http_status == 410


async def test_429_with_retry_after_seconds(http_server: LocalServer) -> None:
    url = http_server.route("/busy.xml", Reply(429, b"", headers={"Retry-After": "120"}))
    before = datetime.now(UTC)
    result = await fetch(url)
    after = datetime.now(UTC)
    assert result.status is FetchStatus.ERROR
    assert one_line(result) == "HTTP 429 Too Many Requests"
    assert result.retry_after is not None and result.retry_after.tzinfo is not None
    assert before + timedelta(seconds=120) <= result.retry_after <= after + timedelta(seconds=120)


async def test_429_with_retry_after_http_date(http_server: LocalServer) -> None:
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    url = http_server.route(
        "/busy2.xml", Reply(429, b"", headers={"Retry-After": format_datetime(when, usegmt=True)})
    )
    result = await fetch(url)
    assert result.retry_after == when
    assert result.retry_after.utcoffset() == timedelta(0)


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_default_without_header(http_server: LocalServer, status: int) -> None:
    url = http_server.route("/down.xml", Reply(status, b""))
    before = datetime.now(UTC)
    result = await fetch(url)
    after = datetime.now(UTC)
    expected = DEFAULT_RETRY_AFTER[status]
    assert one_line(result).startswith(f"HTTP {status} ")
    assert result.retry_after is not None
    assert before + expected <= result.retry_after <= after + expected


async def test_503_with_retry_after(http_server: LocalServer) -> None:
    url = http_server.route("/maint.xml", Reply(503, b"", headers={"Retry-After": "30"}))
    before = datetime.now(UTC)
    result = await fetch(url)
    assert one_line(result) == "HTTP 503 Service Unavailable"
    assert result.retry_after is not None
    assert timedelta(seconds=29) <= result.retry_after - before <= timedelta(seconds=32)


def test_parse_retry_after_rules() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("0", 429, now) == now
    assert parse_retry_after(" 90 ", 503, now) == now + timedelta(seconds=90)
    assert parse_retry_after("Wed, 01 Jan 2025 13:00:00 GMT", 429, now) == now + timedelta(hours=1)
    # A date in the past means "now"; absurd values are clamped; garbage gets the default.
    assert parse_retry_after("Mon, 01 Jan 2024 00:00:00 GMT", 429, now) == now
    assert parse_retry_after("9" * 40, 429, now) == now + MAX_RETRY_AFTER
    assert parse_retry_after("soon", 429, now) == now + DEFAULT_RETRY_AFTER[429]
    assert parse_retry_after("-5", 503, now) == now + DEFAULT_RETRY_AFTER[503]
    assert parse_retry_after(None, 503, now) == now + DEFAULT_RETRY_AFTER[503]


# --- time and size limits -------------------------------------------------------------------


async def test_slow_server_hits_the_total_timeout(http_server: LocalServer) -> None:
    url = http_server.route("/slow.xml", Reply(200, FEED, delay=1.5))
    started = time.monotonic()
    result = await fetch(url, limits=FetchLimits(total_timeout=0.3))
    took = time.monotonic() - started
    assert result.status is FetchStatus.ERROR
    assert one_line(result) == "timed out after 0.3 s"
    assert 0.25 < took < 1.2
    assert 0.25 < result.elapsed < 1.2


async def test_body_over_the_cap(http_server: LocalServer) -> None:
    url = http_server.route("/big.xml", Reply(200, b"x" * 5000))
    result = await fetch(url, limits=FetchLimits(max_bytes=1024))
    assert result.status is FetchStatus.ERROR
    assert one_line(result) == "response larger than 1 KiB"
    assert result.body == b""


async def test_body_exactly_at_the_cap_is_fine(http_server: LocalServer) -> None:
    url = http_server.route("/fits.xml", Reply(200, b"y" * 1024))
    result = await fetch(url, limits=FetchLimits(max_bytes=1024))
    assert result.ok and len(result.body) == 1024
    over = await fetch(url, limits=FetchLimits(max_bytes=1023))
    assert one_line(over) == "response larger than 1023 bytes"


async def test_gzip_cap_counts_inflated_bytes(http_server: LocalServer) -> None:
    url = http_server.route("/zipped-big.xml", Reply(200, b"a" * 50_000, gzip=True))
    result = await fetch(url, limits=FetchLimits(max_bytes=4096))
    assert one_line(result) == "response larger than 4 KiB"
    fits = await fetch(url, limits=FetchLimits(max_bytes=50_000))
    assert fits.ok and fits.body == b"a" * 50_000


# --- encodings ------------------------------------------------------------------------------


async def test_gzip_response_is_decoded(http_server: LocalServer) -> None:
    url = http_server.route("/gz.xml", Reply(200, FEED, gzip=True))
    result = await fetch(url)
    assert result.ok
    assert result.body == FEED
    assert result.headers["content-encoding"] == "gzip"


async def test_concatenated_gzip_members_are_decoded(http_server: LocalServer) -> None:
    body = gzip.compress(b"<rss>") + gzip.compress(b"</rss>")
    url = http_server.route("/two.xml", Reply(200, body, headers={"Content-Encoding": "gzip"}))
    assert (await fetch(url)).body == b"<rss></rss>"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
async def test_deflate_zlib_and_raw_are_decoded(http_server: LocalServer, wbits: int) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = packer.compress(FEED) + packer.flush()
    headers = {"Content-Encoding": "deflate"}
    url = http_server.route("/deflate.xml", Reply(200, body, headers=headers))
    result = await fetch(url)
    assert result.ok and result.body == FEED


async def test_unknown_content_encoding_is_refused(http_server: LocalServer) -> None:
    url = http_server.route("/br.xml", Reply(200, b"\x1b\x00", headers={"Content-Encoding": "br"}))
    result = await fetch(url)
    assert one_line(result) == "unsupported content encoding 'br'"


# --- local files and schemes ----------------------------------------------------------------


async def test_file_url_and_local_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "local feed.xml"
    path.write_bytes(FEED)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for url in (
        path.as_uri(),
        f"file://localhost{path.as_uri()[len('file://') :]}",
        str(path),
        "./local feed.xml",
        "~/local feed.xml",
    ):
        result = await fetch(url)
        assert result.status is FetchStatus.OK, (url, result.error)
        assert result.body == FEED
        assert result.url == url and result.final_url == url


async def test_local_file_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    result = await fetch(str(missing))
    assert result.status is FetchStatus.ERROR
    assert one_line(result) == f"file not found: {missing}"
    assert one_line(await fetch(missing.as_uri())) == f"file not found: {missing}"
    assert one_line(await fetch(str(tmp_path))) == f"not a regular file: {tmp_path}"
    big = tmp_path / "big.xml"
    big.write_bytes(b"z" * 3000)
    assert one_line(await fetch(str(big), limits=FetchLimits(max_bytes=2048))) == (
        "response larger than 2 KiB"
    )
    remote = await fetch("file://example.org/etc/passwd")
    assert (
        one_line(remote) == "file URL with a host is not supported: file://example.org/etc/passwd"
    )


ONLY_HTTP = "only http(s) and local files"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/feed.xml", f"unsupported URL scheme 'ftp': {ONLY_HTTP}"),
        ("javascript:alert(1)", f"unsupported URL scheme 'javascript': {ONLY_HTTP}"),
        (
            "example.org/feed",
            "not a URL or a local path: example.org/feed (expected http:// or https://)",
        ),
    ],
)
async def test_unsupported_schemes(url: str, message: str) -> None:
    result = await fetch(url)
    assert result.status is FetchStatus.ERROR
    assert one_line(result) == message


async def test_invalid_http_url_is_one_line() -> None:
    result = await fetch("http://exa mple.org/\nfeed")
    assert result.status is FetchStatus.ERROR
    assert one_line(result).startswith("invalid URL")


# --- many feeds at once ---------------------------------------------------------------------


class ConcurrencyProbe:
    """A route that counts how many requests it serves at once, per Host header and overall."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.total_now = 0
        self.total_peak = 0

    def __call__(self, request: Request) -> Reply:
        host = request.headers["host"].split(":")[0]
        with self.lock:
            self.now[host] = self.now.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.now[host])
            self.total_now += 1
            self.total_peak = max(self.total_peak, self.total_now)
        time.sleep(self.hold)
        with self.lock:
            self.now[host] -= 1
            self.total_now -= 1
        return Reply(200, request.path.encode())


@pytest.mark.parametrize(("concurrency", "per_host"), [(3, 2), (8, 3)])
async def test_fetch_all_honours_global_and_per_host_limits(
    http_server: LocalServer, concurrency: int, per_host: int
) -> None:
    probe = ConcurrencyProbe(hold=0.1)
    requests: list[tuple[str, Validators | None]] = []
    for index in range(30):
        path = f"/many/{index}"
        http_server.route(path, probe)
        url = http_server.url(path)
        if index % 2:
            url = url.replace("127.0.0.1", "localhost")
        requests.append((url, None))
    limits = FetchLimits(concurrency=concurrency, per_host=per_host)
    results = [result async for result in fetch_all(requests, limits=limits)]
    assert sorted(r.url for r in results) == sorted(url for url, _ in requests)
    assert all(r.ok and r.body == r.url.split(str(http_server.port))[1].encode() for r in results)
    assert set(probe.peak) == {"127.0.0.1", "localhost"}
    assert max(probe.peak.values()) <= per_host
    assert probe.total_peak <= concurrency
    # The limits were actually reached, so the assertions above could have failed.
    assert probe.total_peak == min(concurrency, 2 * per_host)
    assert max(probe.peak.values()) == per_host


async def test_fetch_all_yields_in_completion_order(http_server: LocalServer) -> None:
    delays = {"/late": 0.6, "/middle": 0.3, "/early": 0.0}
    for path, delay in delays.items():
        http_server.route(path, Reply(200, path.encode(), delay=delay))
    requests = [(http_server.url(path), None) for path in delays]
    arrived: list[tuple[str, float]] = []
    started = time.monotonic()
    async for result in fetch_all(requests):
        arrived.append((result.url, time.monotonic() - started))
    assert [url for url, _ in arrived] == [
        http_server.url("/early"),
        http_server.url("/middle"),
        http_server.url("/late"),
    ]
    # Each result was handed over as it came (0.3 s apart), not all together at the end.
    times = [at for _, at in arrived]
    assert times[1] - times[0] > 0.15 and times[2] - times[1] > 0.15


async def test_fetch_all_closing_early_cancels_the_rest(http_server: LocalServer) -> None:
    http_server.route("/quick", Reply(200, b"q"))
    http_server.route("/forever", Reply(200, b"f", delay=2.0))
    requests = [(http_server.url("/forever"), None), (http_server.url("/quick"), None)]
    started = time.monotonic()
    async with aclosing(fetch_all(requests)) as results:
        first = await anext(results)
    assert first.url == http_server.url("/quick")
    assert time.monotonic() - started < 1.5


async def test_fetch_all_with_a_shared_client_leaves_it_open(http_server: LocalServer) -> None:
    http_server.route("/s1", Reply(200, b"1"))
    async with make_client() as client:
        results = [r async for r in fetch_all([(http_server.url("/s1"), None)], client=client)]
        assert results[0].ok
        assert not client.closed
        assert (await fetch(http_server.url("/s1"), client=client)).ok


async def test_fetch_all_of_nothing() -> None:
    assert [r async for r in fetch_all([])] == []


async def test_fetch_all_passes_validators(http_server: LocalServer) -> None:
    http_server.route("/v", Reply(304, b""))
    results = [r async for r in fetch_all([(http_server.url("/v"), Validators('"e"'))])]
    assert results[0].status is FetchStatus.NOT_MODIFIED
    assert http_server.requests_for("/v")[0].headers["if-none-match"] == '"e"'


async def test_cancelling_fetch_raises_cancelled(http_server: LocalServer) -> None:
    url = http_server.route("/stuck", Reply(200, b"x", delay=2.0))
    task = asyncio.create_task(fetch(url))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# --- proxies from the environment -----------------------------------------------------------


async def test_http_proxy_from_the_environment_is_used(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """http_proxy names the proxy (here the test server, which sees the absolute URL) and
    no_proxy its exceptions; the proxy's credentials go to the proxy."""
    target = "http://feeds.example.invalid/proxied.xml"
    http_server.route(target, Reply(200, FEED))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", http_server.url("").replace("http://", "http://me:pw@"))
    monkeypatch.setenv("no_proxy", "bypassed.example.invalid")
    result = await fetch(target)
    assert result.ok and result.body == FEED
    seen = http_server.requests_for(target)[0].headers
    assert seen["proxy-authorization"] == "Basic bWU6cHc="  # me:pw
    bypassed = await fetch("http://bypassed.example.invalid/x.xml",
                           limits=FetchLimits(total_timeout=5))
    assert one_line(bypassed).startswith("bypassed.example.invalid: host ")  # asked directly
    # fetch_all's own clients (one per host) read the same environment.
    http_server.requests.clear()
    many = [r async for r in fetch_all([(target, None), ("http://bypassed.example.invalid/y",
                                                         None)],
                                       limits=FetchLimits(total_timeout=5))]
    by_url = {r.url: r for r in many}
    assert by_url[target].ok and by_url[target].body == FEED
    assert http_server.requests_for(target)[0].headers["proxy-authorization"] == "Basic bWU6cHc="
    assert one_line(by_url["http://bypassed.example.invalid/y"]).startswith(
        "bypassed.example.invalid: host ")


async def test_fetch_all_asks_a_host_again_on_the_connection_it_left_open(
    http_server: LocalServer,
) -> None:
    """While other hosts keep the runners busy, a host's requests go one after the other on
    one kept-alive connection (issue 13: the steady refresh opened a connection per request)
    instead of opening up to `per_host` connections at once. The test server serves each
    connection on a thread of its own, so threads count connections."""
    seen: dict[str, set[int]] = {}
    lock = threading.Lock()

    def route(request: Request) -> Reply:
        with lock:
            seen.setdefault(request.headers["host"].split(":")[0], set()).add(
                threading.get_ident())
        time.sleep(0.02)
        return Reply(200, FEED)

    requests: list[tuple[str, Validators | None]] = []
    for index in range(8):
        http_server.route(f"/kept/{index}", route)
        url = http_server.url(f"/kept/{index}")
        requests.append((url.replace("127.0.0.1", "localhost") if index >= 4 else url, None))
    limits = FetchLimits(concurrency=2, per_host=4)  # the two first requests: one host
    results = [result async for result in fetch_all(requests, limits=limits)]
    assert len(results) == 8 and all(result.ok for result in results)
    assert {host: len(threads) for host, threads in seen.items()} == {"127.0.0.1": 1,
                                                                      "localhost": 1}
