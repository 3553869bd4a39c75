"""What both protocol clients share: the data they return, their errors, and one careful way
to call a JSON API over httpx (a size cap, and one clear line for HTML, 5xx or garbage)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # a page of contents is far smaller; a bomb is not
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class SyncError(Exception):
    """A sync that could not be done; the message is one line for the user."""


class AuthError(SyncError):
    """The server refused the user name, password or token."""


class ServerError(SyncError):
    """The server answered, but not as the protocol says (HTML, 5xx, not JSON...)."""


class Unreachable(SyncError):
    """The server did not answer at all (down, refused, timed out)."""


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    """A subscription on the server; `id` is the server's, kept as received."""

    id: str
    url: str
    title: str
    site_url: str | None = None
    folders: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """An item as the server sent it. `id` is the form to send back in writes; `ref` the form
    the server uses in id lists (Google Reader: long hex vs short decimal; TT-RSS: one form)."""

    id: str
    ref: str
    feed_id: str
    title: str
    link: str | None
    author: str
    published: float | None
    updated: float | None
    content: str
    read: bool
    starred: bool
    crawled_usec: int | None = None  # when the server got it (the mark-all-read boundary)


@dataclass
class Cursor:
    """Where the last sync stopped, kept per account between syncs (JSON in the database)."""

    values: dict[str, Any] = field(default_factory=dict)


class Client(Protocol):
    """What the engine needs from a protocol client."""

    requests: int
    token: str | None

    async def login(self, password: str) -> str: ...
    async def subscriptions(self) -> list[RemoteFeed]: ...
    async def unread_refs(self) -> set[str]: ...
    async def starred_refs(self) -> set[str]: ...
    def new_items(self, cursor: dict[str, Any], known: KnownRefs, limit: int,
                  extra: Iterable[str] = ()) -> AsyncIterator[list[RemoteItem]]: ...
    async def mark_read(self, ids: Sequence[str], read: bool) -> None: ...
    async def mark_starred(self, ids: Sequence[str], starred: bool) -> None: ...
    async def subscribe(self, url: str, folder: str | None) -> str | None: ...
    async def unsubscribe(self, feed_id: str) -> None: ...
    async def aclose(self) -> None: ...


class KnownRefs(Protocol):
    """Which of these refs the local database already holds (asked a page at a time)."""

    def __call__(self, refs: Iterable[str]) -> set[str]: ...


def make_http_client() -> httpx.AsyncClient:
    from feeds.fetch import user_agent

    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True,
                             headers={"User-Agent": user_agent()})


async def read_body(response: httpx.Response) -> bytes:
    """The body, refused past MAX_RESPONSE_BYTES (inflated)."""
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ServerError(f"the server sent more than {MAX_RESPONSE_BYTES >> 20} MiB "
                              "in one answer")
        chunks.append(chunk)
    return b"".join(chunks)


async def send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
               ) -> tuple[int, dict[str, str], bytes]:
    """One request: (status, headers, body). Network failures become Unreachable."""
    try:
        async with client.stream(method, url, **kwargs) as response:
            body = await read_body(response)
            return response.status_code, dict(response.headers), body
    except httpx.TimeoutException:
        raise Unreachable(f"{_host(url)} did not answer in time") from None
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        raise Unreachable(f"cannot reach {_host(url)}: {' '.join(reason.split())}") from None


def decode_json(body: bytes, headers: dict[str, str], what: str) -> Any:
    """JSON or a one-line ServerError saying what came instead."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        pass
    kind = headers.get("content-type", "").split(";")[0].strip()
    head = body[:200].lstrip().lower()
    if kind == "text/html" or head.startswith((b"<!doctype", b"<html")):
        raise ServerError(f"{what}: the server sent an HTML page, not the API's JSON "
                          "(is the URL the API address?)")
    raise ServerError(f"{what}: the server's answer is not JSON")


def status_error(status: int, what: str) -> ServerError:
    if status >= 500:
        return ServerError(f"{what}: the server failed (HTTP {status}); try again later")
    return ServerError(f"{what}: the server answered HTTP {status}")


def _host(url: str) -> str:
    return httpx.URL(url).host or url
