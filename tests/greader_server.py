"""A Google Reader API server for tests: real HTTP on 127.0.0.1, state in memory.

No Google Reader server can be installed here, so this one follows what FreshRSS and Miniflux
publish. Each behaviour names its source:
  [F-doc]  https://freshrss.github.io/FreshRSS/en/developers/06_GoogleReader_API.html
  [F-src]  FreshRSS p/api/greader.php (github.com/FreshRSS/FreshRSS)
  [M-doc]  https://miniflux.app/docs/google_reader.html and Miniflux's
           internal/googlereader/README.md (github.com/miniflux/v2)
Where they differ, FreshRSS's behaviour is the default and `flavor="miniflux"` switches.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

LONG_PREFIX = "tag:google.com,2005:reader/item/"


@dataclass
class Item:
    id: int  # [F-src] entry ids are microseconds of arrival; dec2hex() gives the long form
    feed_id: int
    title: str
    link: str
    published: int
    content: str
    read: bool = False
    starred: bool = False


@dataclass
class Feed:
    id: int
    url: str
    title: str
    folder: str = ""


@dataclass
class GReaderServer:
    """Start with `start()`; `url` is the API base (like .../api/greader.php)."""

    users: dict[str, str] = field(default_factory=lambda: {"alice": "alicepw"})
    flavor: str = "freshrss"
    feeds: dict[int, Feed] = field(default_factory=dict)
    items: dict[int, Item] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of each request
    down: bool = False  # drop every connection without an answer
    fail: int | None = None  # answer every API call with this status
    html: bool = False  # answer every API call with a login page (a proxy, a wrong URL)
    salt: str = "first"  # changing it expires every token ([F-src] the token hashes it)
    fail_after_contents: int | None = None  # answer 500 once this many contents were sent

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._last_id = int(time.time() * 1_000_000)
        self._next_feed = 1
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/greader.php"

    def start(self) -> GReaderServer:
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- test helpers ------------------------------------------------------------------------

    def add_feed(self, url: str, title: str, folder: str = "") -> int:
        with self._lock:
            feed = Feed(self._next_feed, url, title, folder)
            self._next_feed += 1
            self.feeds[feed.id] = feed
            return feed.id

    def add_items(self, feed_id: int, count: int, *, prefix: str = "Item") -> list[int]:
        with self._lock:
            made = []
            for number in range(count):
                self._last_id = max(self._last_id + 1, int(time.time() * 1_000_000))
                item = Item(self._last_id, feed_id, f"{prefix} {number}",
                            f"https://example.org/{feed_id}/{self._last_id}",
                            self._last_id // 1_000_000, f"<p>{prefix} {number} body</p>")
                self.items[item.id] = item
                made.append(item.id)
            return made

    def item_by_title(self, title: str) -> Item:
        return next(item for item in self.items.values() if item.title == title)

    def count(self, path_part: str) -> int:
        return sum(1 for _, path in self.log if path_part in path)

    # -- protocol ------------------------------------------------------------------------------

    def auth_token(self, user: str) -> str:
        # [F-src] clientLogin(): Auth = user/sha1(salt . user . apiPasswordHash)
        digest = hashlib.sha1(f"{self.salt}{user}{self.users[user]}".encode()).hexdigest()
        return f"{user}/{digest}"

    def write_token(self, user: str) -> str:
        # [F-src] token(): the same hash padded to 57 characters with 'Z'; [M-doc] Miniflux's
        # /token returns the auth token itself.
        if self.flavor == "miniflux":
            return self.auth_token(user)
        digest = hashlib.sha1(f"{self.salt}{user}{self.users[user]}".encode()).hexdigest()
        return digest.ljust(57, "Z")

    def _user(self, headers: dict[str, str]) -> str | None:
        # [F-src] authorizationToUser(), [M-doc] "Authenticating API calls": the header
        # `Authorization: GoogleLogin auth=<token>`.
        value = headers.get("authorization", "")
        if not value.startswith("GoogleLogin auth="):
            return None
        token = value[len("GoogleLogin auth="):]
        user = token.split("/", 1)[0]
        return user if user in self.users and token == self.auth_token(user) else None

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        with self._lock:
            self.log.append((method, handler.path))
        if self.down:
            handler.close_connection = True
            try:
                handler.connection.shutdown(2)
            except OSError:
                pass
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        query = parse_qsl(split.query, keep_blank_values=True)
        form = parse_qsl(body, keep_blank_values=True) if method == "POST" else []
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if self.fail is not None:
            return self._reply(handler, self.fail, "Internal error", "text/plain")
        if self.html:
            return self._reply(handler, 200, "<!DOCTYPE html><html><body>Log in</body></html>",
                               "text/html")
        prefix = "/api/greader.php"
        path = split.path[len(prefix):] if split.path.startswith(prefix) else split.path
        with self._lock:
            status, text, kind, extra = self._route(method, path, query, form, headers)
        self._reply(handler, status, text, kind, extra)

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, text: str, kind: str,
               extra: dict[str, str] | None = None) -> None:
        data = text.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", f"{kind}; charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method: str, path: str, query: list, form: list, headers: dict
               ) -> tuple[int, str, str, dict[str, str] | None]:
        params = dict(query)
        posted = dict(form)
        if path == "/accounts/ClientLogin":
            # [F-src] clientLogin(): SID/LSID/Auth lines as text/plain; a wrong password is
            # 401. [M-doc] the same lines; 401 on failure.
            fields = {**params, **posted}
            user, password = fields.get("Email"), fields.get("Passwd")
            if user in self.users and self.users[user] == password:
                auth = self.auth_token(user)
                return 200, f"SID={auth}\nLSID=null\nAuth={auth}\n", "text/plain", None
            return 401, "Unauthorized!", "text/plain", None
        if not path.startswith("/reader/api/0/"):
            return 400, "Bad Request!", "text/plain", None
        user = self._user(headers)
        if user is None:
            # [F-src] unauthorized(): 401, text "Unauthorized!", header Google-Bad-Token.
            # [M-doc] 401 with X-Reader-Google-Bad-Token: true.
            return 401, "Unauthorized!", "text/plain", self._bad_token_header()
        endpoint = path[len("/reader/api/0/"):]
        if method == "POST" and posted.get("T") != self.write_token(user):
            # [F-src] checkToken(): a wrong T is unauthorized(); [M-doc] POSTs read T.
            return 401, "Unauthorized!", "text/plain", self._bad_token_header()
        if endpoint == "token":
            return 200, self.write_token(user) + "\n", "text/plain", None
        if endpoint == "subscription/list":
            return self._subscription_list(params)
        if endpoint == "stream/items/ids":
            return self._ids(query)
        if endpoint == "stream/items/contents" and method == "POST":
            if self.fail_after_contents is not None:
                if self.fail_after_contents <= 0:
                    return 500, "Internal error", "text/plain", None
                self.fail_after_contents -= 1
            # [F-src] streamContentsItems(): `i` repeated in the body, long or short form.
            return self._contents([value for key, value in form if key == "i"])
        if endpoint == "edit-tag" and method == "POST":
            return self._edit_tag(form)
        if endpoint == "mark-all-as-read" and method == "POST":
            return self._mark_all(posted)
        if endpoint == "subscription/edit" and method == "POST":
            return self._subscription_edit(form)
        return 400, "Bad Request!", "text/plain", None

    def _bad_token_header(self) -> dict[str, str]:
        if self.flavor == "miniflux":
            return {"X-Reader-Google-Bad-Token": "true"}
        return {"Google-Bad-Token": "true"}

    def _subscription_list(self, params: dict) -> tuple[int, str, str, None]:
        # [F-src] subscriptionList(): id feed/<number>, categories [{id, label}], url, htmlUrl;
        # [M-doc] the same shape; output=json is required.
        if params.get("output") != "json":
            return 501, "Not Implemented!", "text/plain", None
        subscriptions = []
        for feed in self.feeds.values():
            folder = feed.folder or "Uncategorized"
            subscriptions.append({
                "id": f"feed/{feed.id}", "title": feed.title,
                "categories": [{"id": f"user/-/label/{folder}", "label": folder}],
                "url": feed.url, "htmlUrl": "https://example.org/", "iconUrl": ""})
        return 200, json.dumps({"subscriptions": subscriptions}), "application/json", None

    def _ids(self, query: list) -> tuple[int, str, str, None]:
        params = dict(query)
        stream = params.get("s", "")
        excludes = [value for key, value in query if key == "xt"]
        count = int(params.get("n") or 20)  # [F-src] n defaults to 20
        chosen = sorted(self.items.values(), key=lambda item: item.id, reverse=True)
        if stream.endswith("/state/com.google/starred"):
            chosen = [item for item in chosen if item.starred]
        elif stream.startswith("feed/"):
            chosen = [item for item in chosen if f"feed/{item.feed_id}" == stream]
        # [F-src] streamContentsItemsIds(): any other stream, the read state included, is
        # the whole reading list: `s=user/-/state/com.google/read` answers every id, read or
        # not (the quirk behind ReadYou #1081). Clients must compute read = known - unread.
        if any(value.endswith("/state/com.google/read") for value in excludes):
            chosen = [item for item in chosen if not item.read]  # [F-src] xt=read: unread
        continuation = params.get("c", "")
        if self.flavor == "miniflux":
            # [M-doc] `c` is a numeric offset, returned as a JSON string.
            offset = int(continuation or 0)
            page = chosen[offset:offset + count]
            answer: dict = {"itemRefs": [{"id": str(item.id)} for item in page]}
            if offset + count < len(chosen):
                answer["continuation"] = str(offset + count)
        else:
            # [F-src] continuation is the last id sent; the next page starts after it.
            if continuation.isdigit():
                chosen = [item for item in chosen if item.id < int(continuation)]
            page = chosen[:count]
            answer = {"itemRefs": [{"id": str(item.id)} for item in page]}  # 64-bit decimal
            if len(page) >= count and page:
                answer["continuation"] = page[-1].id
        return 200, json.dumps(answer), "application/json", None

    def _find(self, given: str) -> Item | None:
        # [F-src] ids with a '/' are long form: hex2dec(basename(id)); else decimal.
        # [M-doc] long form, short prefixed hex, bare 16-hex, or decimal.
        if "/" in given:
            try:
                number = int(given.rsplit("/", 1)[1], 16)
            except ValueError:
                return None
        elif given.isdigit():
            number = int(given)
        else:
            return None
        return self.items.get(number)

    def _contents(self, given: list[str]) -> tuple[int, str, str, None]:
        items = []
        for value in given:
            item = self._find(value)
            if item is None:
                continue
            feed = self.feeds.get(item.feed_id)
            categories = ["user/-/state/com.google/reading-list"]
            if feed and feed.folder:
                categories.append(f"user/-/label/{feed.folder}")
            if item.read:
                categories.append("user/-/state/com.google/read")
            if item.starred:
                categories.append("user/-/state/com.google/starred")
            # [F-src] entriesToArray(): id in long form (16 hex digits), crawlTimeMsec,
            # timestampUsec, published, title, summary.content, alternate, origin.streamId.
            items.append({
                "id": f"{LONG_PREFIX}{item.id:016x}",
                "crawlTimeMsec": str(item.id // 1000), "timestampUsec": str(item.id),
                "published": item.published, "title": item.title,
                "summary": {"content": item.content},
                "alternate": [{"href": item.link}], "categories": categories,
                "origin": {"streamId": f"feed/{item.feed_id}",
                           "title": feed.title if feed else ""}})
        answer = {"id": "user/-/state/com.google/reading-list", "updated": int(time.time()),
                  "items": items}
        return 200, json.dumps(answer), "application/json", None

    def _edit_tag(self, form: list) -> tuple[int, str, str, None]:
        # [F-src] editTag(): a/r = read or starred state, `i` repeated; answers OK.
        posted = dict(form)
        ids = [value for key, value in form if key == "i"]
        for value in ids:
            item = self._find(value)
            if item is None:
                continue
            for key, flag in (("a", True), ("r", False)):
                tag = posted.get(key, "")
                if tag.endswith("/state/com.google/read"):
                    item.read = flag
                elif tag.endswith("/state/com.google/starred"):
                    item.starred = flag
        return 200, "OK", "text/plain", None

    def _mark_all(self, posted: dict) -> tuple[int, str, str, None]:
        # [F-src] markAllAsRead($streamId, $ts): `ts` is compared with entry ids (arrival in
        # microseconds): only items that arrived by then are marked. [M-doc] 16+ digits are
        # microseconds. Streams: feed/<id>, user/-/label/<name>, the reading list.
        stream = posted.get("s", "")
        boundary = int(posted.get("ts") or 0) if (posted.get("ts") or "0").isdigit() else 0
        if boundary and len(str(boundary)) < 16:
            boundary *= 1_000_000
        for item in self.items.values():
            if boundary and item.id > boundary:
                continue
            feed = self.feeds.get(item.feed_id)
            if (stream == f"feed/{item.feed_id}"
                    or stream.endswith("/state/com.google/reading-list")
                    or (feed and stream == f"user/-/label/{feed.folder}")):
                item.read = True
        return 200, "OK", "text/plain", None

    def _subscription_edit(self, form: list) -> tuple[int, str, str, None]:
        # [F-src] subscriptionEdit(): ac=subscribe with s=feed/<url> (a=user/-/label/X puts
        # it in a folder), ac=unsubscribe with s=feed/<id>; answers OK, else 400.
        # [M-doc] the same two forms of `s`.
        posted = dict(form)
        action = posted.get("ac")
        streams = [value for key, value in form if key == "s"]
        for stream in streams:
            if not stream.startswith("feed/"):
                return 400, "Bad Request!", "text/plain", None
            target = stream[5:]
            if action == "subscribe":
                if target.isdigit():
                    continue
                folder = posted.get("a", "")
                folder = folder[len("user/-/label/"):] if folder.startswith(
                    "user/-/label/") else ""
                if not any(feed.url == target for feed in self.feeds.values()):
                    self.add_feed(target, target.rsplit("/", 1)[-1], folder)
            elif action == "unsubscribe":
                if not target.isdigit() or int(target) not in self.feeds:
                    return 400, "Bad Request!", "text/plain", None
                del self.feeds[int(target)]
                for key in [k for k, item in self.items.items() if item.feed_id == int(target)]:
                    del self.items[key]
            else:
                return 400, "Bad Request!", "text/plain", None
        return 200, "OK", "text/plain", None
