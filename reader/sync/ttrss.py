"""A Tiny Tiny RSS JSON API client (https://tt-rss.org/wiki/ApiReference). No database code.

Seen on Debian's tt-rss 21~git20210204 (its classes/api.php):
- every call is a POST of one JSON object to URL/api/ with `op` and `sid`;
  answers are `{"seq", "status": 0|1, "content"}`; a bad or expired session answers
  status 1 with `{"error": "NOT_LOGGED_IN"}`: log in again and retry once.
- getHeadlines returns at most 200 per call; `since_id` and `skip` page; feed ids -4 all,
  -1 starred; `view_mode` all_articles / unread.
- updateArticle: `article_ids` a comma list, `mode` 0 false / 1 true, `field` 0 starred /
  2 unread (numbers sent as strings: some versions read 0 as false in odd places).
- getCompactHeadlines is a third-party plugin (UNKNOWN_METHOD here): ids come from
  getHeadlines without content.
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

PAGE = 200  # getHeadlines' own maximum
EDIT_BATCH = 200

PasswordSource = Callable[[], Awaitable[str | None]]


class TTRSSClient:
    """One account; `token` is the session id (kept by the caller, never the password)."""

    def __init__(self, url: str, user: str, token: str | None = None, *,
                 password: PasswordSource | None = None,
                 http: httpx.AsyncClient | None = None) -> None:
        url = url.rstrip("/")
        self.endpoint = url if url.endswith("/api") else url + "/api"
        self.endpoint += "/"
        self.user = user
        self.token = token
        self.requests = 0
        self._password = password
        self._http = http or make_http_client()
        self._own_http = http is None

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def _post(self, what: str, body: dict[str, Any]) -> Any:
        self.requests += 1
        status, headers, raw = await send(self._http, "POST", self.endpoint, json=body)
        if status != 200:
            raise status_error(status, what)
        answer = decode_json(raw, headers, what)
        if not isinstance(answer, dict) or "status" not in answer:
            raise ServerError(f"{what}: the answer is not Tiny Tiny RSS's API")
        return answer

    async def login(self, password: str) -> str:
        answer = await self._post("login", {"op": "login", "user": self.user,
                                            "password": password})
        content = answer.get("content") or {}
        if answer["status"] != 0:
            error = content.get("error") if isinstance(content, dict) else None
            if error == "API_DISABLED":
                raise AuthError(f"the API is off for {self.user}: turn on 'Enable API' in "
                                "Tiny Tiny RSS's preferences")
            raise AuthError(f"{self.endpoint} refused the user name or password")
        if not isinstance(content, dict) or not content.get("session_id"):
            raise ServerError("login: the answer holds no session id")
        self.token = str(content["session_id"])
        return self.token

    async def _call(self, op: str, what: str, **params: Any) -> Any:
        """One call with the session; NOT_LOGGED_IN logs in again and retries once."""
        if self.token is None:
            await self._relogin()
        for attempt in range(2):
            answer = await self._post(what, {"op": op, "sid": self.token, **params})
            content = answer.get("content")
            if answer["status"] == 0:
                return content
            error = content.get("error") if isinstance(content, dict) else None
            if error == "NOT_LOGGED_IN" and attempt == 0:
                await self._relogin()
                continue
            if error == "NOT_LOGGED_IN":
                raise AuthError(f"{self.endpoint} refused the session")
            raise ServerError(f"{what}: the server answered {error or 'an error'}")
        raise AssertionError("unreachable")

    async def _relogin(self) -> None:
        password = await self._password() if self._password else None
        if not password:
            raise AuthError(f"the session with {self.endpoint} expired and no password "
                            "is at hand")
        await self.login(password)

    # -- reading ---------------------------------------------------------------------------

    async def subscriptions(self) -> list[RemoteFeed]:
        categories = await self._call("getCategories", "categories")
        names = {str(c.get("id")): str(c.get("title") or "") for c in _rows(categories)}
        feeds = await self._call("getFeeds", "feeds", cat_id="-3")
        found = []
        for feed in _rows(feeds):
            if feed.get("id") is None or int(feed.get("id") or 0) <= 0:
                continue
            folder = names.get(str(feed.get("cat_id")), "")
            found.append(RemoteFeed(
                id=str(feed["id"]), url=str(feed.get("feed_url") or ""),
                title=str(feed.get("title") or ""), site_url=None,
                folders=(folder,) if folder and folder != "Uncategorized" else ()))
        return found

    async def _headlines(self, feed_id: str, view_mode: str, *, content: bool,
                         since_id: int = 0, limit: int | None = None
                         ) -> AsyncIterator[list[dict]]:
        skip = 0
        while True:
            rows = _rows(await self._call(
                "getHeadlines", "headlines", feed_id=feed_id, view_mode=view_mode,
                limit=str(PAGE), skip=str(skip), since_id=str(since_id),
                show_content="true" if content else "false", show_excerpt="false"))
            yield rows
            skip += len(rows)
            if len(rows) < PAGE or (limit is not None and skip >= limit):
                return

    async def _ids(self, feed_id: str, view_mode: str) -> set[str]:
        found: set[str] = set()
        async for rows in self._headlines(feed_id, view_mode, content=False):
            found.update(str(row["id"]) for row in rows if row.get("id") is not None)
        return found

    async def unread_refs(self) -> set[str]:
        return await self._ids("-4", "unread")

    async def starred_refs(self) -> set[str]:
        return await self._ids("-1", "all_articles")

    async def new_items(self, cursor: dict[str, Any], known: KnownRefs, limit: int,
                        extra: Iterable[str] = ()) -> AsyncIterator[list[RemoteItem]]:
        """Articles above the last seen id (`since_id`), 200 a page, at most `limit`; the
        cursor's `since_id` moves to the newest id seen once every page is through."""
        since = int(cursor.get("since_id") or 0)
        newest = since
        async for rows in self._headlines("-4", "all_articles", content=True, since_id=since,
                                          limit=limit):
            items = [item for item in map(_item, rows) if item]
            newest = max([newest, *(int(item.id) for item in items)])
            fresh = known(item.ref for item in items)
            yield [item for item in items if item.ref not in fresh]
        cursor["since_id"] = newest

    # -- writing ---------------------------------------------------------------------------

    async def _update(self, ids: Sequence[str], field: str, mode: str, what: str) -> None:
        for start in range(0, len(ids), EDIT_BATCH):
            chunk = ids[start:start + EDIT_BATCH]
            await self._call("updateArticle", what, article_ids=",".join(chunk),
                             mode=mode, field=field)

    async def mark_read(self, ids: Sequence[str], read: bool) -> None:
        await self._update(ids, "2", "0" if read else "1", "marking items")

    async def mark_starred(self, ids: Sequence[str], starred: bool) -> None:
        await self._update(ids, "0", "1" if starred else "0", "starring items")

    async def subscribe(self, url: str, folder: str | None) -> str | None:
        category = "0"
        if folder:
            for row in _rows(await self._call("getCategories", "categories")):
                if str(row.get("title")) == folder and int(row.get("id") or 0) > 0:
                    category = str(row["id"])
        answer = await self._call("subscribeToFeed", "subscribe", feed_url=url,
                                  category_id=category)
        status = answer.get("status") if isinstance(answer, dict) else None
        code = status.get("code") if isinstance(status, dict) else None
        # Feeds::subscribe_to_feed: 0 ok, 1 already subscribed; 2 invalid URL, 3 no feed in
        # the page, 4 several feeds found, 5 cannot download.
        if code not in (0, 1):
            reasons = {2: "the URL is not valid", 3: "no feed at that URL",
                       4: "the page links several feeds: give the feed's own URL",
                       5: "the server could not download it"}
            raise ServerError(f"subscribe: {reasons.get(code, 'the server refused it')}")
        feed = status.get("feed_id") if isinstance(status, dict) else None
        return str(feed) if feed else None

    async def unsubscribe(self, feed_id: str) -> None:
        try:
            await self._call("unsubscribeFeed", "unsubscribe", feed_id=feed_id)
        except ServerError as error:
            if "FEED_NOT_FOUND" not in str(error):  # already gone there: done
                raise

    async def update_feed(self, feed_id: str) -> None:
        """Ask the server to fetch one feed now (tests; TT-RSS's daemon does it otherwise)."""
        await self._call("updateFeed", "update feed", feed_id=feed_id)


def _rows(content: Any) -> list[dict]:
    if not isinstance(content, list):
        raise ServerError("the server's answer is not a list")
    return [row for row in content if isinstance(row, dict)]


def _item(row: dict) -> RemoteItem | None:
    if row.get("id") is None:
        return None
    article = str(row["id"])
    try:
        updated = float(row.get("updated") or 0) or None
    except (TypeError, ValueError):
        updated = None
    return RemoteItem(
        id=article, ref=article, feed_id=str(row.get("feed_id") or ""),
        title=str(row.get("title") or ""), link=str(row["link"]) if row.get("link") else None,
        author=str(row.get("author") or ""), published=updated, updated=updated,
        content=str(row.get("content") or ""), read=not row.get("unread"),
        starred=bool(row.get("marked")), crawled_usec=None)
