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
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import re
import socket
import ssl
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from feeds import __version__
from feeds.model import DEFAULT_MAX_BYTES, FetchLimits, FetchResult, FetchStatus, Validators

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


class _Failed(Exception):
    """A failure already phrased for the user; `fetch` turns it into an ERROR result."""


def user_agent() -> str:
    """Names the reader and its version, so feed owners know who is asking."""
    return f"reader/{__version__} (terminal news reader; python-httpx)"


def make_client(limits: FetchLimits = FetchLimits(),  # noqa: B008
                connections: int | None = None,
                verify: ssl.SSLContext | bool = True,
                proxies: Mapping[str, str | None] | None = None) -> httpx.AsyncClient:
    """A client set up for feeds: our headers, our timeouts, no automatic redirects.

    `connections` caps its pool (default: `limits.concurrency`). For many clients at once,
    `verify` shares one TLS context (building one reads the CA bundle: about 50 ms) and
    `proxies` (`environment_proxies()`) the environment's proxies read once (httpx reads
    them for every client otherwise)."""
    connections = max(1, connections or limits.concurrency)
    pool = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    mounts: dict[str, httpx.AsyncBaseTransport | None] | None = None
    if proxies is not None:
        mounts = {pattern: None if proxy is None else
                  httpx.AsyncHTTPTransport(proxy=proxy, verify=verify, limits=pool)
                  for pattern, proxy in proxies.items()}
    return httpx.AsyncClient(
        verify=verify,
        headers={
            "User-Agent": user_agent(),
            "Accept": FEED_ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        timeout=_timeouts(limits),
        limits=pool,
        follow_redirects=False,
        max_redirects=limits.max_redirects,
        trust_env=proxies is None,
        mounts=mounts,
    )


def _tls_context() -> ssl.SSLContext:
    """The TLS context httpx builds for `verify=True` (certifi's bundle, SSL_CERT_FILE)."""
    create = getattr(httpx, "create_ssl_context", None)
    if create is not None:
        return create()
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def environment_proxies() -> dict[str, str | None] | None:
    """The proxies the environment names (http_proxy, https_proxy, all_proxy, no_proxy), as
    httpx reads them with trust_env; None where this httpx does not offer that reading."""
    try:
        from httpx._utils import get_environment_proxies
    except ImportError:
        return None
    return dict(get_environment_proxies())


async def fetch(
    url: str,
    validators: Validators | None = None,
    *,
    client: httpx.AsyncClient | None = None,
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
    client: httpx.AsyncClient | None = None,
    headers_for: Callable[[str], Mapping[str, str] | None] | None = None,
) -> AsyncIterator[FetchResult]:
    """Fetch many feeds at once, yielding each result as it arrives (completion order).

    At most `limits.concurrency` requests run at once, and at most `limits.per_host` to one
    host. A URL's total timeout starts when it gets its turn, not while it waits. Closing the
    generator early (e.g. `contextlib.aclosing`) cancels what is still running.
    """
    everyone = asyncio.Semaphore(max(1, limits.concurrency))
    per_host: dict[str, asyncio.Semaphore] = {}
    arrived: asyncio.Queue[FetchResult] = asyncio.Queue()
    # Without a client given: one small client per host (its pool holds that host's
    # connections only), sharing one TLS context, closed after that host's last request. A
    # host's requests are started together (the list is grouped by host, in order of first
    # appearance), so the clients open at once stay about as many as the requests running.
    # httpx's pool scans every connection for every waiting request: one pool for hundreds
    # of hosts made that the largest CPU cost of a refresh answered by 304s.
    requests = list(requests)
    hosts = [_host_key(url) for url, _ in requests]
    remaining = Counter(hosts)
    clients: dict[str, httpx.AsyncClient] = {}
    tls: ssl.SSLContext | None = None  # one TLS context and one reading of the proxies,
    proxies: dict[str, str | None] | None = None  # made for the first client

    def client_for(host: str) -> httpx.AsyncClient:
        nonlocal tls, proxies
        if client is not None:
            return client
        if host not in clients:
            if tls is None:
                tls, proxies = _tls_context(), environment_proxies()
            clients[host] = make_client(limits, connections=limits.per_host, verify=tls,
                                        proxies=proxies)
        return clients[host]

    async def one(url: str, validators: Validators | None, host: str) -> None:
        gate = per_host.setdefault(host, asyncio.Semaphore(max(1, limits.per_host)))
        try:
            try:
                async with gate, everyone:
                    result = await fetch(url, validators, client=client_for(host),
                                         limits=limits,
                                         headers=headers_for(url) if headers_for else None)
            except Exception as exc:  # fetch never raises; this only guards odd input
                message = _one_line(f"{type(exc).__name__}: {exc}")
                result = FetchResult(url=str(url), status=FetchStatus.ERROR, error=message)
            arrived.put_nowait(result)
        finally:
            remaining[host] -= 1
            if not remaining[host] and host in clients:
                with contextlib.suppress(Exception):
                    await clients.pop(host).aclose()

    first_seen = {host: index for index, host in reversed(list(enumerate(hosts)))}
    order = sorted(range(len(requests)), key=lambda index: first_seen[hosts[index]])
    tasks = [asyncio.create_task(one(*requests[index], hosts[index])) for index in order]
    try:
        for _ in tasks:
            yield await arrived.get()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for own in list(clients.values()):
            await own.aclose()


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
    client: httpx.AsyncClient | None,
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
            await http_client.aclose()


async def _follow(
    url: str,
    sent: Validators,
    trail: _Trail,
    client: httpx.AsyncClient,
    limits: FetchLimits,
    accept: str,
    extra: Mapping[str, str] | None = None,
) -> FetchResult:
    """Request `url`, following at most `limits.max_redirects` redirects to http(s) URLs."""
    headers = {**_request_headers(client, sent, accept), **(extra or {})}
    hops = 0
    all_permanent = True
    while True:
        request = client.build_request(
            "GET", trail.current, headers=headers, timeout=_timeouts(limits)
        )
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            status = response.status_code
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
                trail.current = target
                await _drain(response)
                continue
            result = await _answer(url, response, sent, limits.max_bytes)
            await _drain(response)
        finally:
            await response.aclose()
        moved = hops > 0 and all_permanent and trail.current != url
        if moved and result.status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED):
            result = replace(result, permanent_redirect=trail.current)
        return result


async def _drain(response: httpx.Response) -> None:
    """Read what is left of a response that has no body or a small one, so its connection
    goes back to the pool: closing it unread makes the next request to that host reconnect
    (500 feeds answering 304 took 1.25 s that way, 0.52 s with the connection kept)."""
    if response.is_stream_consumed:
        return
    declared = response.headers.get("content-length", "").strip()
    if response.status_code in (204, 304) or (declared.isdigit() and int(declared) <= 65_536):
        try:
            await response.aread()
        except httpx.HTTPError:
            pass  # the connection is dropped instead; the answer is already taken


async def _answer(
    url: str, response: httpx.Response, sent: Validators, max_bytes: int
) -> FetchResult:
    """Turn a final (non-redirect) response into a result, reading the body only on 2xx."""
    status = response.status_code
    base = FetchResult(
        url=url,
        status=FetchStatus.ERROR,
        final_url=str(response.url),
        http_status=status,
        headers={name.lower(): value for name, value in response.headers.items()},
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


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, streamed, stopping as soon as it would pass `max_bytes`."""
    inflater = _Inflater.for_encoding(response.headers.get("content-encoding", ""))
    declared = response.headers.get("content-length", "").strip()
    if inflater is None and declared.isdigit() and int(declared) > max_bytes:
        raise _Failed(_too_large(max_bytes))
    body = bytearray()
    async for chunk in response.aiter_raw():
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

    httpx's own decoders inflate a whole network read at once (64 KiB of a gzip bomb is
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


def _redirect_target(current: str, location: str) -> str:
    try:
        scheme = urlsplit(location).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            raise _Failed(f"redirect to a non-http(s) URL refused: {location}")
        target = httpx.URL(current).join(location)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise _Failed(f"redirect to an invalid URL refused: {location}") from None
    if target.scheme not in ("http", "https"):
        raise _Failed(f"redirect to a non-http(s) URL refused: {target}")
    return str(target)


def _request_headers(client: httpx.AsyncClient, sent: Validators, accept: str) -> dict[str, str]:
    headers = {"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
    # Keep a User-Agent the caller chose for its client; replace httpx's own.
    if client.headers.get("user-agent", "python-httpx").startswith("python-httpx"):
        headers["User-Agent"] = user_agent()
    if sent.etag:
        headers["If-None-Match"] = sent.etag
    if sent.last_modified:
        headers["If-Modified-Since"] = sent.last_modified
    return headers


def _validators_of(response: httpx.Response) -> Validators:
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
    if _UNSENDABLE.search(value):
        return None
    return value


# Characters that may not go back out in a header: controls, DEL, C1 and anything past Latin-1.
_UNSENDABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u0100-\U0010ffff]")


def _timeouts(limits: FetchLimits) -> httpx.Timeout:
    # The total timeout (asyncio.timeout around the whole request) is the one that matters;
    # httpx's read/write/pool timeouts only back it up.
    return httpx.Timeout(limits.total_timeout, connect=limits.connect_timeout)


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
    if isinstance(exc, TimeoutError):  # our total timeout
        return f"timed out after {_seconds(limits.total_timeout)}"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect to {host}: timed out after {_seconds(limits.connect_timeout)}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {_seconds(limits.total_timeout)}"
    if isinstance(exc, httpx.ConnectError):
        return _describe_connect(exc, host)
    if isinstance(exc, httpx.RemoteProtocolError):
        return _describe_protocol(exc, host)
    if isinstance(exc, httpx.NetworkError):  # ReadError, WriteError, CloseError
        return _describe_network(exc, host)
    if isinstance(exc, httpx.DecodingError):
        return "invalid compressed data"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects (more than {limits.max_redirects})"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return f"invalid URL: {exc}"
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {exc}"
    if isinstance(exc, httpx.LocalProtocolError):
        return f"could not send the request to {host}: {exc}"
    if isinstance(exc, ssl.SSLError):
        return _describe_tls(exc, host)
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _describe_connect(exc: httpx.ConnectError, host: str) -> str:
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            if cause.errno == socket.EAI_AGAIN:
                return f"{host}: host lookup failed (temporary DNS failure; offline?)"
            return f"{host}: host not found"
        if isinstance(cause, ssl.SSLError):
            return _describe_tls(cause, host)
        if isinstance(cause, ConnectionRefusedError):
            return f"could not connect to {host}: connection refused"
    text = str(exc)
    if any(
        marker in text
        for marker in ("Name or service not known", "nodename nor servname", "No address")
    ):
        return f"{host}: host not found"
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.strerror:
            return f"could not connect to {host}: {cause.strerror[:1].lower()}{cause.strerror[1:]}"
    return f"could not connect to {host}: {text or type(exc).__name__}"


def _describe_protocol(exc: httpx.RemoteProtocolError, host: str) -> str:
    text = str(exc).split(": bytearray(")[0]  # h11 appends the raw bytes it choked on
    if "without sending complete message body" in text or "incomplete chunked read" in text:
        return "connection closed before the whole body arrived"
    if "without sending a response" in text or "disconnected" in text.lower():
        return f"{host} closed the connection without answering"
    return f"{host} sent a malformed HTTP response: {text or type(exc).__name__}"


def _describe_network(exc: httpx.NetworkError, host: str) -> str:
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return _describe_tls(cause, host)
        if isinstance(cause, ConnectionResetError):
            return f"connection to {host} was reset"
    return f"connection to {host} failed: {exc or type(exc).__name__}"


def _describe_tls(exc: ssl.SSLError, host: str) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{host}: TLS certificate rejected: {exc.verify_message or exc.reason}"
    reason = (exc.reason or str(exc) or type(exc).__name__).replace("_", " ").lower()
    return f"{host}: TLS handshake failed: {reason}"


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
