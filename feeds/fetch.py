"""Fetching feeds over HTTP (and from local files) without ever raising.

Every outcome is a `FetchResult`; failures become `FetchStatus.ERROR` with one line that names
the cause. The only exception that escapes is `asyncio.CancelledError`.

Servers are hostile or broken, so: a connect timeout and a total timeout per URL (headers and
body), a cap on the body that counts inflated bytes (a gzip bomb stops at the cap with little
memory), redirects followed by hand and only to http(s), conditional GET with ETag and
Last-Modified, and Retry-After respected for 429 and 503.

When a 429 or 503 carries no usable Retry-After, the reader waits `DEFAULT_RETRY_AFTER` (1 hour
after a 429, 15 minutes after a 503); any Retry-After is clamped to at most `MAX_RETRY_AFTER`
(7 days) so a server cannot silence a feed for ever.

The client is aiohttp (issue 13): its C-accelerated HTTP parser and connection pool take about
a third of httpx's CPU per request, which a refresh of hundreds of feeds answering 304 is made
of (500 conditional GETs to 140 hosts: ~0.21 s through this module, where httpx's transport
alone took ~0.45-0.57 s; `python -m tests.benchmarks --only steady` prints both). Decompression,
redirects, the size cap and the timeouts stay ours, so the client only moves bytes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http
import os
import re
import socket
import ssl
import time
import zlib
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from feeds.header_text import unsendable
from feeds.tls import import_aiohttp, trust_context

import_aiohttp()  # before `import aiohttp`: see feeds.tls

import aiohttp  # noqa: E402
from yarl import URL  # noqa: E402

from feeds import __version__  # noqa: E402
from feeds.model import (  # noqa: E402
    DEFAULT_MAX_BYTES,
    FetchLimits,
    FetchResult,
    FetchStatus,
    Validators,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETRY_AFTER",
    "FEED_ACCEPT",
    "FetchLimits",
    "MAX_RETRY_AFTER",
    "fetch",
    "fetch_all",
    "make_client",
    "parse_retry_after",
    "user_agent",
]

FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
# Only what `_Inflater` decodes itself (br/zstd would bypass the inflated-size cap).
ACCEPT_ENCODING = "gzip, deflate"

DEFAULT_RETRY_AFTER = {429: timedelta(hours=1), 503: timedelta(minutes=15)}
MAX_RETRY_AFTER = timedelta(days=7)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_MAX_MESSAGE = 300
_SMALL_BODY = 65_536  # a redirect's body up to this size is read so its connection is kept


class _Failed(Exception):
    """A failure already phrased for the user; `fetch` turns it into an ERROR result."""


def user_agent() -> str:
    """Names the reader and its version, so feed owners know who is asking."""
    return f"reader/{__version__} (terminal news reader; python-aiohttp)"


def make_client(limits: FetchLimits = FetchLimits(),  # noqa: B008
                connections: int | None = None) -> aiohttp.ClientSession:
    """A session set up for feeds: our headers and timeouts, no cookies, bytes as sent.

    Call it inside a running event loop (aiohttp binds the session to it). At most
    `connections` connections (default `limits.concurrency`); `fetch_all` applies the
    per-host limit itself, by host name. Proxies from the environment (HTTP(S)_PROXY,
    NO_PROXY) are applied by `_follow`, as httpx did; aiohttp's own `trust_env` would also
    read ~/.netrc, and both lookups cost a thread hop per request.
    """
    connector = aiohttp.TCPConnector(limit=max(1, connections or limits.concurrency),
                                     limit_per_host=0, ssl=trust_context())
    return aiohttp.ClientSession(
        connector=connector,
        headers={
            "User-Agent": user_agent(),
            "Accept": FEED_ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        timeout=_timeouts(limits),
        auto_decompress=False,  # `_Inflater` does it, within the size cap
        cookie_jar=aiohttp.DummyCookieJar(),
    )


async def fetch(
    url: str,
    validators: Validators | None = None,
    *,
    client: aiohttp.ClientSession | None = None,
    limits: FetchLimits = FetchLimits(),  # noqa: B008
    accept: str = FEED_ACCEPT,
    headers: Mapping[str, str] | None = None,
) -> FetchResult:
    """Fetch one feed (http(s) or a local file). Never raises, except on cancellation.

    `headers` (per-feed settings: User-Agent, Authorization) go to the feed's own host only.
    """
    started = time.monotonic()
    sent = _usable_validators(validators)
    trail = _Trail(url)
    try:
        local = _local_path(url)
        if local is not None:
            result = await _read_local(url, local, limits.max_bytes)
        else:
            _check_scheme(url)
            result = await _fetch_http(url, sent, trail, client, limits, accept, headers)
    except Exception as exc:  # the contract: never raise (CancelledError is not an Exception)
        result = FetchResult(
            url=url,
            status=FetchStatus.ERROR,
            final_url=trail.current,
            validators=sent,
            error=_one_line(_describe(exc, trail.current, limits)),
        )
    return replace(result, elapsed=time.monotonic() - started)


async def fetch_all(
    requests: Iterable[tuple[str, Validators | None]],
    *,
    limits: FetchLimits = FetchLimits(),  # noqa: B008
    client: aiohttp.ClientSession | None = None,
    headers_for: Callable[[str], Mapping[str, str] | None] | None = None,
) -> AsyncIterator[FetchResult]:
    """Fetch many feeds at once, yielding each result as it arrives (completion order).

    At most `limits.concurrency` requests run at once, and at most `limits.per_host` to one
    host. A URL's total timeout starts when it gets its turn, not while it waits. Closing the
    generator early (e.g. `contextlib.aclosing`) cancels what is still running.

    The requests run on `limits.concurrency` runners. A runner stays with its host while that
    host has requests waiting, asking them one after the other on the connection the last
    one left open; it takes a host not started yet next, and only when there is none does it
    join a host that still has requests waiting (up to the per-host limit). Started all at
    once, 500 conditional GETs to 140 hosts opened 438 connections (every request of a host
    at the same moment); this way they open about one a host. Without `client`, each host
    gets a small session of its own, closed after the host's last request, so the idle
    connections kept open stay about as many as the runners however many hosts there are.
    """
    pending: dict[str, deque[tuple[str, Validators | None]]] = {}
    for url, validators in requests:
        pending.setdefault(_host_key(url), deque()).append((url, validators))
    if not pending:
        return
    fresh = deque(pending)  # hosts not started yet, in order of first appearance
    started: dict[str, None] = {}  # hosts started that still have requests waiting
    running: Counter[str] = Counter()  # requests in flight, by host
    sessions: dict[str, aiohttp.ClientSession] = {}
    per_host = max(1, limits.per_host)
    arrived: asyncio.Queue[FetchResult] = asyncio.Queue()

    def next_host(current: str | None) -> str | None:
        if current is not None and pending[current]:
            return current
        while fresh:
            host = fresh.popleft()
            started[host] = None
            return host
        busiest = None  # the end of the list: help the host with the most still waiting
        for host in started:
            if running[host] < per_host and (busiest is None
                                             or len(pending[host]) > len(pending[busiest])):
                busiest = host
        return busiest

    def session_for(host: str) -> aiohttp.ClientSession:
        if client is not None:
            return client
        if host not in sessions:
            sessions[host] = make_client(limits, connections=per_host)
        return sessions[host]

    async def runner() -> None:
        host = None
        while (host := next_host(host)) is not None:
            url, validators = pending[host].popleft()
            if not pending[host]:
                started.pop(host, None)
            running[host] += 1
            try:
                try:
                    result = await fetch(url, validators, client=session_for(host),
                                         limits=limits,
                                         headers=headers_for(url) if headers_for else None)
                except Exception as exc:  # fetch never raises; this only guards odd input
                    message = _one_line(f"{type(exc).__name__}: {exc}")
                    result = FetchResult(url=str(url), status=FetchStatus.ERROR, error=message)
                arrived.put_nowait(result)
            finally:
                running[host] -= 1
                if not running[host] and not pending[host] and host in sessions:
                    with contextlib.suppress(Exception):
                        await sessions.pop(host).close()

    total = sum(len(queue) for queue in pending.values())
    tasks = [asyncio.create_task(runner())
             for _ in range(min(total, max(1, limits.concurrency)))]
    try:
        for _ in range(total):
            yield await arrived.get()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for own in list(sessions.values()):
            with contextlib.suppress(Exception):
                await own.close()


def parse_retry_after(value: str | None, status: int, now: datetime | None = None) -> datetime:
    """When to ask again after a 429/503: Retry-After (seconds or HTTP date) or a default."""
    now = now or datetime.now(UTC)
    default = now + DEFAULT_RETRY_AFTER.get(status, DEFAULT_RETRY_AFTER[503])
    text = (value or "").strip()
    when: datetime
    if not text:
        return default
    if text.isascii() and text.isdigit():
        seconds = min(int(text[:12]), int(MAX_RETRY_AFTER.total_seconds()))
        when = now + timedelta(seconds=seconds)
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        when = when.astimezone(UTC)
    return min(max(when, now), now + MAX_RETRY_AFTER)


# --- HTTP ---------------------------------------------------------------------------------


class _Trail:
    """Where a fetch has got to, so an error after a redirect reports the right URL."""

    __slots__ = ("current",)

    def __init__(self, url: str) -> None:
        self.current = url


async def _fetch_http(
    url: str,
    sent: Validators,
    trail: _Trail,
    client: aiohttp.ClientSession | None,
    limits: FetchLimits,
    accept: str,
    extra: Mapping[str, str] | None = None,
) -> FetchResult:
    http_client = client or make_client(limits)
    try:
        async with asyncio.timeout(limits.total_timeout):
            return await _follow(url, sent, trail, http_client, limits, accept, extra)
    finally:
        if client is None:
            await http_client.close()


async def _follow(
    url: str,
    sent: Validators,
    trail: _Trail,
    client: aiohttp.ClientSession,
    limits: FetchLimits,
    accept: str,
    extra: Mapping[str, str] | None = None,
) -> FetchResult:
    """Request `url`, following at most `limits.max_redirects` redirects to http(s) URLs."""
    headers = {**_request_headers(client, sent, accept), **(extra or {})}
    timeout = _timeouts(limits)
    hops = 0
    all_permanent = True
    while True:
        target_url = _request_url(trail.current)
        proxy, proxy_headers = _proxy_for(target_url)
        sent_headers = headers
        if proxy_headers and target_url.scheme == "http":  # the request itself goes to it
            sent_headers, proxy_headers = {**headers, **proxy_headers}, None
        response = await client.get(target_url, headers=sent_headers, allow_redirects=False,
                                    auto_decompress=False, timeout=timeout, proxy=proxy,
                                    proxy_headers=proxy_headers)
        try:
            status = response.status
            if status in _REDIRECTS:
                location = response.headers.get("location", "").strip()
                if not location:
                    raise _Failed(f"{_status_line(status)} without a Location header")
                target = _redirect_target(trail.current, location)
                hops += 1
                if hops > limits.max_redirects:
                    raise _Failed(f"too many redirects (more than {limits.max_redirects})")
                all_permanent = all_permanent and status in _PERMANENT
                if extra and _host_key(target) != _host_key(url):  # no credentials elsewhere
                    headers = _request_headers(client, sent, accept)
                await _drain(response)
                trail.current = target
                continue
            result = await _answer(url, trail.current, response, sent, limits.max_bytes)
        finally:
            # Back to the pool when the answer was read to its end, else the connection closes.
            response.release()
        moved = hops > 0 and all_permanent and trail.current != url
        if moved and result.status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED):
            result = replace(result, permanent_redirect=trail.current)
        return result


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read a redirect's small body, so its connection goes back to the pool: closing it
    unread makes the next request to that host reconnect."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) <= _SMALL_BODY:
        try:
            await response.content.read(_SMALL_BODY)
        except aiohttp.ClientError:
            pass  # the connection is dropped instead; the answer is already taken


async def _answer(
    url: str, final_url: str, response: aiohttp.ClientResponse, sent: Validators,
    max_bytes: int,
) -> FetchResult:
    """Turn a final (non-redirect) response into a result, reading the body only on 2xx."""
    status = response.status
    base = FetchResult(
        url=url,
        status=FetchStatus.ERROR,
        final_url=final_url,
        http_status=status,
        headers=_headers_of(response),
        validators=sent,
    )
    if 200 <= status < 300:
        body = await _read_body(response, max_bytes)
        return replace(base, status=FetchStatus.OK, body=body, validators=_validators_of(response))
    if status == 304:
        new = _validators_of(response)
        kept = Validators(
            etag=new.etag or sent.etag, last_modified=new.last_modified or sent.last_modified
        )
        return replace(base, status=FetchStatus.NOT_MODIFIED, validators=kept)
    if status == 410:
        return replace(base, status=FetchStatus.GONE, error="HTTP 410 Gone: the feed was removed")
    if status in DEFAULT_RETRY_AFTER:
        retry = parse_retry_after(response.headers.get("retry-after"), status)
        return replace(base, error=_status_line(status), retry_after=retry)
    return replace(base, error=_status_line(status))


def _headers_of(response: aiohttp.ClientResponse) -> dict[str, str]:
    """Header names in lower case; a repeated header's values joined with ", "."""
    headers: dict[str, str] = {}
    for name, value in response.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


async def _read_body(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The decoded body, streamed, stopping as soon as it would pass `max_bytes`."""
    inflater = _Inflater.for_encoding(response.headers.get("content-encoding", ""))
    declared = response.headers.get("content-length", "").strip()
    if inflater is None and declared.isdigit() and int(declared) > max_bytes:
        raise _Failed(_too_large(max_bytes))
    body = bytearray()
    content = response.content
    while chunk := await content.readany():
        room = max_bytes - len(body) + 1  # one byte more than allowed tells us it is too big
        piece = inflater.inflate(chunk, room) if inflater else chunk
        if len(body) + len(piece) > max_bytes:
            raise _Failed(_too_large(max_bytes))
        body += piece
    if inflater is not None:
        inflater.finish()
    return bytes(body)


class _Inflater:
    """Inflates gzip/deflate chunk by chunk, never producing more than asked for.

    A client's own decoder inflates a whole network read at once (64 KiB of a gzip bomb is
    64 MiB); `zlib`'s `max_length` keeps each step within the remaining room instead.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(self._wbits)
        self._started = False  # any input seen
        self._output = False  # any output produced

    @classmethod
    def for_encoding(cls, header: str) -> _Inflater | None:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if not codings:
            return None
        if len(codings) == 1 and codings[0] in ("gzip", "x-gzip"):
            return cls("gzip")
        if len(codings) == 1 and codings[0] == "deflate":
            return cls("deflate")
        raise _Failed(f"unsupported content encoding {', '.join(codings)!r}")

    def inflate(self, data: bytes, room: int) -> bytes:
        if not data:
            return b""
        self._started = True
        try:
            out = self._decompress(data, room)
            # Concatenated gzip members are one valid gzip body; trailing padding is not.
            while self._zlib.eof and self._zlib.unused_data[:2] == b"\x1f\x8b" and len(out) < room:
                rest = self._zlib.unused_data
                self._zlib = zlib.decompressobj(self._wbits)
                out += self._decompress(rest, room - len(out))
        except zlib.error:
            raise _Failed(f"invalid {self.encoding} data") from None
        return out

    def _decompress(self, data: bytes, room: int) -> bytes:
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error:
            if self.encoding != "deflate" or self._output:
                raise
            # "deflate" in the wild is often raw deflate without the zlib wrapper.
            self._wbits = -zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(self._wbits)
            out = self._zlib.decompress(data, room)
        self._output = self._output or bool(out)
        return out

    def finish(self) -> None:
        if self._started and not self._zlib.eof:
            raise _Failed(f"invalid {self.encoding} data: the compressed body ends too early")


def _request_url(url: str) -> URL:
    """The URL to ask for; one with spaces or control characters is refused, not guessed at."""
    if _UNSAFE_URL.search(url):
        raise _Failed(f"invalid URL: {url!r}")
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        raise _Failed(f"invalid URL: {url!r}") from None
    if not parsed.host:
        raise _Failed(f"invalid URL: {url!r} (no host)")
    return parsed


_UNSAFE_URL = re.compile(r"[\x00-\x20\x7f]")


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                    "NO_PROXY", "all_proxy", "ALL_PROXY")
_proxies: tuple[tuple[str | None, ...], dict[str, str]] | None = None


def _proxy_for(url: URL) -> tuple[URL | None, dict[str, str] | None]:
    """The proxy the environment names for `url` (http_proxy, https_proxy, all_proxy, with
    no_proxy's exceptions), and the header with its credentials; (None, None) for a direct
    connection."""
    global _proxies
    snapshot = tuple(os.environ.get(name) for name in _PROXY_VARIABLES)
    if _proxies is None or _proxies[0] != snapshot:
        from urllib.request import getproxies_environment

        found = getproxies_environment()
        found = {scheme: found.get(scheme) or found.get("all", "") for scheme in ("http", "https")}
        _proxies = (snapshot, {scheme: proxy for scheme, proxy in found.items() if proxy})
    proxy = _proxies[1].get(url.scheme)
    if not proxy or not url.host:
        return None, None
    from urllib.request import proxy_bypass_environment

    if proxy_bypass_environment(url.host):
        return None, None
    address = URL(proxy if "://" in proxy else "http://" + proxy)
    if not address.user:
        return address, None
    pair = f"{address.user}:{address.password or ''}"
    try:
        raw = pair.encode("latin-1")
    except UnicodeEncodeError:
        raw = pair.encode("utf-8")
    token = base64.b64encode(raw).decode("ascii")
    return address.with_user(None), {"Proxy-Authorization": f"Basic {token}"}


def _redirect_target(current: str, location: str) -> str:
    try:
        scheme = urlsplit(location).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            raise _Failed(f"redirect to a non-http(s) URL refused: {location}")
        if _UNSAFE_URL.search(location.strip()):
            raise ValueError(location)
        target = URL(current).join(URL(location))
    except (ValueError, TypeError):
        raise _Failed(f"redirect to an invalid URL refused: {location}") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise _Failed(f"redirect to a non-http(s) URL refused: {target}")
    return str(target)


def _request_headers(client: aiohttp.ClientSession, sent: Validators, accept: str
                     ) -> dict[str, str]:
    headers = {"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
    # Keep a User-Agent the caller chose for its session; replace aiohttp's own.
    if "user-agent" not in client.headers:
        headers["User-Agent"] = user_agent()
    if sent.etag:
        headers["If-None-Match"] = sent.etag
    if sent.last_modified:
        headers["If-Modified-Since"] = sent.last_modified
    return headers


def _validators_of(response: aiohttp.ClientResponse) -> Validators:
    return Validators(
        etag=_header_value(response.headers.get("etag")),
        last_modified=_header_value(response.headers.get("last-modified")),
    )


def _usable_validators(validators: Validators | None) -> Validators:
    """Validators we can send back: one line of Latin-1 without controls, else dropped."""
    if validators is None:
        return Validators()
    return Validators(
        etag=_header_value(validators.etag),
        last_modified=_header_value(validators.last_modified),
    )


def _header_value(value: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 1024:
        return None
    if unsendable(value):
        return None
    return value


def _timeouts(limits: FetchLimits) -> aiohttp.ClientTimeout:
    # The total timeout (asyncio.timeout around the whole request) is the one that matters;
    # aiohttp's connect and read timeouts only back it up.
    return aiohttp.ClientTimeout(total=None, sock_connect=limits.connect_timeout,
                                 sock_read=limits.total_timeout)


def _status_line(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _too_large(max_bytes: int) -> str:
    return f"response larger than {_size(max_bytes)}"


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def _host_key(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _check_scheme(url: str) -> None:
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        raise _Failed(f"invalid URL: {url}") from None
    if scheme in ("http", "https"):
        return
    if not scheme:
        raise _Failed(f"not a URL or a local path: {url} (expected http:// or https://)")
    raise _Failed(f"unsupported URL scheme {scheme!r}: only http(s) and local files")


# --- local files --------------------------------------------------------------------------


def _local_path(url: str) -> Path | None:
    """The path `url` names when it is a file:// URL or a plain local path, else None."""
    if url.startswith(("/", "./", "../", "~")):
        return Path(url).expanduser()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() != "file":
        return None
    if parts.netloc not in ("", "localhost"):
        raise _Failed(f"file URL with a host is not supported: {url}")
    return Path(unquote(parts.path))


async def _read_local(url: str, path: Path, max_bytes: int) -> FetchResult:
    body = await asyncio.to_thread(_read_file, path, max_bytes)
    return FetchResult(url=url, status=FetchStatus.OK, final_url=url, body=body)


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.exists():
            raise _Failed(f"file not found: {path}")
        if not path.is_file():  # a FIFO or a device could block or never end
            raise _Failed(f"not a regular file: {path}")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise _Failed(f"permission denied: {path}") from None
    except FileNotFoundError:
        raise _Failed(f"file not found: {path}") from None
    except OSError as exc:
        raise _Failed(f"could not read {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise _Failed(_too_large(max_bytes))
    return data


# --- errors as one line -------------------------------------------------------------------


def _describe(exc: Exception, url: str, limits: FetchLimits) -> str:
    """One line for the user that names the cause (and the host when it helps)."""
    host = _host(url)
    if isinstance(exc, _Failed):
        return str(exc)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"could not connect to {host}: timed out after {_seconds(limits.connect_timeout)}"
    if isinstance(exc, TimeoutError):  # our total timeout, or aiohttp's read timeout
        return f"timed out after {_seconds(limits.total_timeout)}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return _describe_tls(exc.certificate_error, host)
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return f"proxy error: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return _describe_tls(exc.os_error, host)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _describe_connect(exc, host)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "connection closed before the whole body arrived"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return f"{host} closed the connection without answering"
    if isinstance(exc, aiohttp.ClientResponseError):  # the answer is not HTTP
        return _describe_protocol(exc, host)
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return f"invalid URL: {exc}"
    if isinstance(exc, aiohttp.ClientOSError):  # reset, broken pipe
        return _describe_network(exc, host)
    if isinstance(exc, ssl.SSLError):
        return _describe_tls(exc, host)
    if isinstance(exc, ConnectionResetError):
        return f"connection to {host} was reset"
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _describe_connect(exc: Exception, host: str) -> str:
    """A connection that failed, in one line: aiohttp's ClientConnectorError, or httpx's
    ConnectError for `feeds.download` (enclosures stay on httpx, issue 13)."""
    os_error = getattr(exc, "os_error", None)
    for cause in (*((os_error,) if os_error is not None else ()), *_causes(exc)):
        if isinstance(cause, socket.gaierror):
            if cause.errno == socket.EAI_AGAIN:
                return f"{host}: host lookup failed (temporary DNS failure; offline?)"
            return f"{host}: host not found"
        if isinstance(cause, ssl.SSLError) and not isinstance(cause, aiohttp.ClientError):
            return _describe_tls(cause, host)
        if isinstance(cause, ConnectionRefusedError):
            return f"could not connect to {host}: connection refused"
    text = str(exc)
    if any(
        marker in text
        for marker in ("Name or service not known", "nodename nor servname", "No address")
    ):
        return f"{host}: host not found"
    strerror = os_error.strerror if isinstance(os_error, OSError) else None
    for cause in _causes(exc):
        if strerror:
            break
        if isinstance(cause, OSError):
            strerror = cause.strerror
    if strerror:
        return f"could not connect to {host}: {strerror[:1].lower()}{strerror[1:]}"
    return f"could not connect to {host}: {text or type(exc).__name__}"


def _describe_protocol(exc: aiohttp.ClientResponseError, host: str) -> str:
    text = (exc.message or "").split(":")[0].strip()
    for cause in _causes(exc):
        name = type(cause).__name__
        if name == "BadStatusLine":
            text = "illegal status line"
            break
        if name in ("TransferEncodingError", "ContentLengthError"):
            return "connection closed before the whole body arrived"
    return f"{host} sent a malformed HTTP response: {text or type(exc).__name__}"


def _describe_network(exc: aiohttp.ClientOSError, host: str) -> str:
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return _describe_tls(cause, host)
        if isinstance(cause, ConnectionResetError):
            return f"connection to {host} was reset"
    return f"connection to {host} failed: {exc.strerror or exc or type(exc).__name__}"


def _describe_tls(exc: BaseException, host: str) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{host}: TLS certificate rejected: {exc.verify_message or exc.reason}"
    reason = (getattr(exc, "reason", None) or str(exc) or type(exc).__name__)
    return f"{host}: TLS handshake failed: {reason.replace('_', ' ').lower()}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _one_line(text: str) -> str:
    from feeds.text import clean_line  # only on a failure: feeds.text costs ~8 ms to import

    line = clean_line(text) or "unknown error"
    if len(line) > _MAX_MESSAGE:
        line = line[: _MAX_MESSAGE - 1].rstrip() + "…"
    return line
