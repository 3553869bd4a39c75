"""A Google Reader API client (FreshRSS, Miniflux, Inoreader, The Old Reader, BazQux).

No database code here. What the servers do, from their own documents:
- FreshRSS: https://freshrss.github.io/FreshRSS/en/developers/06_GoogleReader_API.html and
  its p/api/greader.php; Miniflux: https://miniflux.app/docs/google_reader.html and
  internal/googlereader/README.md.
- ClientLogin (POST Email, Passwd) answers `Auth=...`; reads send
  `Authorization: GoogleLogin auth=...`; writes also send `T`, the token from /token
  (Miniflux reads POSTs' auth from `T` only, FreshRSS from the header: we send both).
- A stale `T` gets 401 with `Google-Bad-Token` (FreshRSS) / `X-Reader-Google-Bad-Token`
  (Miniflux): fetch a new one and retry once. A 401 otherwise: the auth token expired.
- Item ids come in two forms: `tag:google.com,2005:reader/item/<16 hex>` from
  stream/items/contents and decimal from stream/items/ids. Each is kept as received; writes
  send back the long form received with the item.
- Read state is never asked as a stream: FreshRSS answers `s=user/-/state/com.google/read`
  with every id (ReadYou #1081), so read = known ids - unread ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpx

from reader.sync.protocol import (
    AuthError,
    KnownRefs,
    RemoteFeed,
    RemoteItem,
    ServerError,
    decode_json,
    make_http_client,
    send,
    status_error,
)

LONG_PREFIX = "tag:google.com,2005:reader/item/"
READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
IDS_PAGE = 10_000  # ids per stream/items/ids request (about 200 KB of JSON)
CONTENTS_BATCH = 250  # items per stream/items/contents request
EDIT_BATCH = 250  # ids per edit-tag request

PasswordSource = Callable[[], Awaitable[str | None]]


def ref_of(item_id: str) -> str:
    """The short (decimal) form of an item id, as stream/items/ids lists it."""
    if item_id.startswith(LONG_PREFIX):
        tail = item_id[len(LONG_PREFIX):]
        try:
            return str(int(tail, 16))
        except ValueError:
            return item_id
    return item_id


class GReaderClient:
    """One account on one server. `token` is the ClientLogin auth token (kept by the caller
    in the secrets file, never the password)."""

    def __init__(self, url: str, user: str, token: str | None = None, *,
                 password: PasswordSource | None = None,
                 http: httpx.AsyncClient | None = None) -> None:
        self.base = url.rstrip("/")
        self.user = user
        self.token = token
        self.requests = 0
        self._password = password
        self._write_token: str | None = None
        self._http = http or make_http_client()
        self._own_http = http is None

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    # -- authentication --------------------------------------------------------------------

    async def login(self, password: str) -> str:
        self.requests += 1
        status, headers, body = await send(
            self._http, "POST", f"{self.base}/accounts/ClientLogin",
            data={"Email": self.user, "Passwd": password})
        if status in (401, 403):
            raise AuthError(f"{self.base} refused the user name or password")
        if status != 200:
            raise status_error(status, "login")
        text = body.decode("utf-8", "replace")
        for line in text.splitlines():
            if line.startswith("Auth="):
                self.token = line[5:].strip()
                self._write_token = None
                return self.token
        if text.lstrip().lower().startswith(("<!doctype", "<html")):
            raise ServerError("login: the server sent an HTML page, not the API's answer "
                              "(is the URL the API address, e.g. .../api/greader.php?)")
        raise ServerError("login: the server's answer holds no Auth token")

    async def _relogin(self) -> None:
        password = await self._password() if self._password else None
        if not password:
            raise AuthError(f"the session with {self.base} expired and no password is at hand")
        await self.login(password)

    async def _call(self, method: str, path: str, what: str, *,
                    params: dict | list | None = None, data: dict | None = None,
                    json_answer: bool = True) -> Any:
        """One API call with the auth header (and `T` for writes), retried once after a
        fresh write token (stale T) or a fresh login (expired auth)."""
        if self.token is None:
            await self._relogin()
        fresh_token = fresh_login = False
        while True:
            form = dict(data or {})
            if method == "POST":
                form["T"] = await self._edit_token()
            self.requests += 1
            status, headers, body = await send(
                self._http, method, f"{self.base}/reader/api/0/{path}", params=params,
                data=form or None, headers={"Authorization": f"GoogleLogin auth={self.token}"})
            if status == 401:
                lowered = {k.lower(): v for k, v in headers.items()}
                bad_token = ("google-bad-token" in lowered
                             or "x-reader-google-bad-token" in lowered)
                if method == "POST" and bad_token and not fresh_token:
                    fresh_token = True
                    self._write_token = None
                    continue
                if not fresh_login:
                    fresh_login = True
                    await self._relogin()
                    continue
                raise AuthError(f"{self.base} refused the login token")
            if status != 200:
                raise status_error(status, what)
            if not json_answer:
                return body.decode("utf-8", "replace")
            return decode_json(body, headers, what)

    async def _edit_token(self, *, relogged: bool = False) -> str:
        if self._write_token is None:
            self.requests += 1
            status, headers, body = await send(
                self._http, "GET", f"{self.base}/reader/api/0/token",
                headers={"Authorization": f"GoogleLogin auth={self.token}"})
            if status == 401 and not relogged:
                await self._relogin()
                return await self._edit_token(relogged=True)
            if status == 401:
                raise AuthError(f"{self.base} refused the login token")
            if status != 200:
                raise status_error(status, "token")
            token = body.decode("utf-8", "replace").strip()
            if not token or _looks_html(token) or len(token) > 1000:
                raise ServerError("token: the server sent no write token (an HTML page or "
                                  "nothing: is the URL the API address?)")
            self._write_token = token
        return self._write_token

    # -- reading ---------------------------------------------------------------------------

    async def subscriptions(self) -> list[RemoteFeed]:
        answer = await self._call("GET", "subscription/list", "subscription list",
                                  params={"output": "json"})
        feeds = []
        for entry in _list(answer, "subscriptions"):
            if not isinstance(entry, dict) or not entry.get("id"):
                continue
            folders = tuple(
                str(category.get("label") or str(category.get("id", "")).rsplit("/", 1)[-1])
                for category in entry.get("categories") or () if isinstance(category, dict))
            feeds.append(RemoteFeed(
                id=str(entry["id"]), url=str(entry.get("url") or ""),
                title=str(entry.get("title") or ""),
                site_url=str(entry["htmlUrl"]) if entry.get("htmlUrl") else None,
                folders=tuple(folder for folder in folders if folder)))
        return feeds

    async def _ids(self, stream: str, *, exclude: str | None = None,
                   limit: int | None = None) -> AsyncIterator[list[str]]:
        """Pages of refs of a stream, newest first, following `continuation`."""
        continuation: str | None = None
        fetched = 0
        while True:
            params: list[tuple[str, str]] = [("output", "json"), ("s", stream),
                                             ("n", str(IDS_PAGE))]
            if exclude:
                params.append(("xt", exclude))
            if continuation:
                params.append(("c", continuation))
            answer = await self._call("GET", "stream/items/ids", "item ids", params=params)
            refs = [str(ref["id"]) for ref in _list(answer, "itemRefs")
                    if isinstance(ref, dict) and "id" in ref]
            fetched += len(refs)
            yield refs
            following = answer.get("continuation") if isinstance(answer, dict) else None
            if not following or not refs or (limit is not None and fetched >= limit):
                return
            if str(following) == continuation:
                return  # a server repeating itself must not loop us forever
            continuation = str(following)

    async def unread_refs(self) -> set[str]:
        found: set[str] = set()
        async for page in self._ids(READING_LIST, exclude=READ):
            found.update(page)
        return found

    async def starred_refs(self) -> set[str]:
        found: set[str] = set()
        async for page in self._ids(STARRED):
            found.update(page)
        return found

    async def new_items(self, cursor: dict[str, Any], known: KnownRefs, limit: int,
                        extra: Iterable[str] = ()) -> AsyncIterator[list[RemoteItem]]:
        """Items not known yet: the reading list newest first until a page reaches items
        already held (at most `limit`), plus `extra` refs (unread or starred ones not held,
        such as older items past a first sync's limit), in batches."""
        wanted: list[str] = []
        seen: set[str] = set()
        async for page in self._ids(READING_LIST, limit=limit):
            fresh = [ref for ref in page if ref not in seen]
            seen.update(fresh)
            held = known(fresh)
            wanted.extend(ref for ref in fresh if ref not in held)
            if held or len(wanted) >= limit:
                break
        wanted = wanted[:limit]
        extras = [ref for ref in dict.fromkeys(extra) if ref not in seen]
        held = known(extras)
        wanted.extend(ref for ref in extras if ref not in held)
        for start in range(0, len(wanted), CONTENTS_BATCH):
            chunk = wanted[start:start + CONTENTS_BATCH]
            answer = await self._call("POST", "stream/items/contents", "item contents",
                                      params={"output": "json"}, data={"i": chunk})
            items = [parsed for parsed in map(_item, _list(answer, "items")) if parsed]
            yield items

    # -- writing ---------------------------------------------------------------------------

    async def _edit_tag(self, ids: Sequence[str], tag: str, add: bool) -> None:
        for start in range(0, len(ids), EDIT_BATCH):
            chunk = list(ids[start:start + EDIT_BATCH])
            answer = await self._call("POST", "edit-tag", "marking items",
                                      data={"i": chunk, "a" if add else "r": tag},
                                      json_answer=False)
            _expect_ok(answer, "marking items")

    async def mark_read(self, ids: Sequence[str], read: bool) -> None:
        await self._edit_tag(ids, READ, read)

    async def mark_starred(self, ids: Sequence[str], starred: bool) -> None:
        await self._edit_tag(ids, STARRED, starred)

    async def mark_all_read(self, stream: str, boundary_usec: int) -> None:
        """Mark a stream read up to `boundary_usec` only: items the server got later (that
        this device never saw) stay unread. FreshRSS compares `ts` with its item ids, which
        are microseconds of arrival; Miniflux reads 16+ digits as microseconds."""
        answer = await self._call("POST", "mark-all-as-read", "mark all read",
                                  data={"s": stream, "ts": str(boundary_usec)},
                                  json_answer=False)
        _expect_ok(answer, "mark all read")

    async def subscribe(self, url: str, folder: str | None) -> str | None:
        data = {"ac": "subscribe", "s": f"feed/{url}"}
        if folder:
            data["a"] = f"user/-/label/{folder}"
        answer = await self._call("POST", "subscription/edit", "subscribe", data=data,
                                  json_answer=False)
        _expect_ok(answer, "subscribe")
        return None  # the feed's id comes with the next subscription list

    async def unsubscribe(self, feed_id: str) -> None:
        answer = await self._call("POST", "subscription/edit", "unsubscribe",
                                  data={"ac": "unsubscribe", "s": feed_id}, json_answer=False)
        _expect_ok(answer, "unsubscribe")


def _list(answer: Any, key: str) -> list:
    if not isinstance(answer, dict):
        raise ServerError(f"the server's answer has no {key!r} list")
    value = answer.get(key) or []
    if not isinstance(value, list):
        raise ServerError(f"the server's {key!r} is not a list")
    return value


def _looks_html(text: str) -> bool:
    return text.lstrip()[:200].lower().startswith(("<!doctype", "<html"))


def _expect_ok(answer: str, what: str) -> None:
    if answer.strip() == "OK":
        return
    if _looks_html(answer):
        raise ServerError(f"{what}: the server sent an HTML page, not the API's answer "
                          "(is the URL the API address?)")
    raise ServerError(f"{what}: the server did not answer OK")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 1e11 else None


def _item(entry: Any) -> RemoteItem | None:
    if not isinstance(entry, dict) or not entry.get("id"):
        return None
    item_id = str(entry["id"])
    categories = [str(c) for c in entry.get("categories") or () if isinstance(c, str)]
    links = [link.get("href") for link in entry.get("alternate") or ()
             if isinstance(link, dict) and link.get("href")]
    body = entry.get("content") if isinstance(entry.get("content"), dict) else None
    body = body or (entry.get("summary") if isinstance(entry.get("summary"), dict) else None)
    origin = entry.get("origin") if isinstance(entry.get("origin"), dict) else {}
    crawled = None
    try:
        if entry.get("timestampUsec"):
            crawled = int(entry["timestampUsec"])
        elif entry.get("crawlTimeMsec"):
            crawled = int(entry["crawlTimeMsec"]) * 1000
    except (TypeError, ValueError):
        crawled = None
    return RemoteItem(
        id=item_id, ref=ref_of(item_id), feed_id=str(origin.get("streamId") or ""),
        title=str(entry.get("title") or ""), link=str(links[0]) if links else None,
        author=str(entry.get("author") or ""), published=_number(entry.get("published")),
        updated=_number(entry.get("updated")),
        content=str((body or {}).get("content") or ""),
        read=any(c.endswith("/state/com.google/read") for c in categories),
        starred=any(c.endswith("/state/com.google/starred") for c in categories),
        crawled_usec=crawled)
