"""The same sync scenarios against both servers: one small interface over the Google Reader
test server and a real Tiny Tiny RSS, and a device (a data folder driven by the CLI)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.feedgen import rss
from tests.greader_server import GReaderServer
from tests.ttrss_server import TTRSS

_users = itertools.count(1)


class GReaderSide:
    """The Google Reader test server, as the phone and the server see it."""

    kind = "greader"

    def __init__(self) -> None:
        self.server = GReaderServer().start()
        self.user, self.password = "alice", "alicepw"
        self.url = self.server.url

    def close(self) -> None:
        self.server.stop()

    def feed(self, name: str, count: int, folder: str = "") -> int:
        feed_id = self.server.add_feed(f"https://example.org/{name}.xml", name, folder)
        self.server.add_items(feed_id, count, prefix=name)
        return feed_id

    def more(self, feed_id: int, name: str, start: int, count: int) -> None:
        made = self.server.add_items(feed_id, count, prefix=name)
        for number, item_id in enumerate(made, start):
            self.server.items[item_id].title = f"{name} {number}"

    def bulk(self, feed_id: int, name: str, count: int) -> None:
        self.server.add_items(feed_id, count, prefix=name)

    def state(self, title: str) -> tuple[bool, bool]:
        item = self.server.item_by_title(title)
        return item.read, item.starred

    def set_state(self, title: str, *, read: bool | None = None,
                  starred: bool | None = None) -> None:
        item = self.server.item_by_title(title)
        if read is not None:
            item.read = read
        if starred is not None:
            item.starred = starred

    def feed_urls(self) -> set[str]:
        return {feed.url for feed in self.server.feeds.values()}

    def new_feed_url(self, name: str) -> str:
        return f"https://example.org/{name}.xml"

    def expire(self) -> None:
        self.server.salt += "-rotated"  # [F-src] the token hashes the salt: all void now

    def down(self) -> None:
        self.server.down = True

    def up(self) -> None:
        self.server.down = False

    def writes(self) -> int:
        return self.server.count("/edit-tag") + self.server.count("/mark-all-as-read")


class TTRSSSide:
    """A real Tiny Tiny RSS; each side has its own user so tests do not see each other."""

    kind = "ttrss"

    def __init__(self, instance: TTRSS) -> None:
        from reader.sync.ttrss import TTRSSClient

        self.instance = instance
        self.user = f"user{next(_users)}"
        self.password = f"{self.user}pw"
        instance.add_user(self.user, self.password)
        self.url = instance.url
        password = self.password

        async def again() -> str:
            return password

        self.client = TTRSSClient(self.url, self.user, password=again)
        self._run(self.client.login(self.password))
        self.served: dict[str, list[tuple[str, str]]] = {}

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run(self._fresh(coroutine))

    async def _fresh(self, coroutine: Any) -> Any:
        # each asyncio.run has its own loop: give the client a new connection pool
        from reader.sync.protocol import make_http_client

        self.client._http = make_http_client()
        try:
            return await coroutine
        finally:
            await self.client._http.aclose()

    def close(self) -> None:
        pass

    def _call(self, op: str, **params: Any) -> Any:
        return self._run(self.client._call(op, op, **params))

    def _serve(self, name: str) -> str:
        url = f"http://feeds.invalid/{self.user}/{name}.xml"
        items = self.served[name]
        self.instance.serve_feed(url, rss(name, items))
        return url

    def feed(self, name: str, count: int, folder: str = "") -> int:
        self.served[name] = [(f"{name}-{n}", f"{name} {n}") for n in range(count)]
        url = self._serve(name)
        feed_id = self._run(self.client.subscribe(url, None))
        if feed_id is None:
            feed_id = next(str(f.id) for f in self._run(self.client.subscriptions())
                           if f.url == url)
        self._run(self.client.update_feed(feed_id))
        return int(feed_id)

    def more(self, feed_id: int, name: str, start: int, count: int) -> None:
        self.served[name] = [(f"{name}-{n}", f"{name} {n}") for n in range(start + count)]
        self._serve(name)
        self._run(self.client.update_feed(str(feed_id)))

    def bulk(self, feed_id: int, name: str, count: int) -> None:
        self.instance.bulk_items(self.user, feed_id, count, name)

    def _headline(self, title: str) -> dict:
        skip = 0
        while True:
            rows = self._call("getHeadlines", feed_id="-4", view_mode="all_articles",
                              limit="200", skip=str(skip))
            for row in rows:
                if row["title"] == title:
                    return row
            if len(rows) < 200:
                raise KeyError(title)
            skip += 200

    def state(self, title: str) -> tuple[bool, bool]:
        row = self._headline(title)
        return not row["unread"], bool(row["marked"])

    def set_state(self, title: str, *, read: bool | None = None,
                  starred: bool | None = None) -> None:
        article = str(self._headline(title)["id"])
        if read is not None:
            self._run(self.client.mark_read([article], read))
        if starred is not None:
            self._run(self.client.mark_starred([article], starred))

    def feed_urls(self) -> set[str]:
        return {feed.url for feed in self._run(self.client.subscriptions())}

    def new_feed_url(self, name: str) -> str:
        self.served[name] = [(f"{name}-0", f"{name} 0")]
        return self._serve(name)

    def expire(self) -> None:
        """Every session the server gave ends (TT-RSS keeps them in ttrss_sessions)."""
        self.instance.psql("DELETE FROM ttrss_sessions")

    def down(self) -> None:
        self.instance.stop_web()

    def up(self) -> None:
        self.instance.start_web()

    def writes(self) -> int:
        return -1  # TT-RSS keeps no request log; scenarios check its state instead


class Device:
    """One data folder = one device, driven through the `reader` command line."""

    def __init__(self, data: Path, side: Any) -> None:
        self.data = data
        self.side = side
        self.name = f"{side.user}@{side.url.split('/')[2]}"

    def __call__(self, *args: str, code: int | None = 0, password: str | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items()
               if k not in ("READER_DEBUG", "READER_PASSWORD")}
        if password is not None:
            env["READER_PASSWORD"] = password
        done = subprocess.run(
            [sys.executable, "-m", "reader", "--data-dir", str(self.data), *args],
            capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        if code is not None:
            assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
        return done

    def add_account(self) -> None:
        self("account", "add", self.side.kind, self.side.url, "--user", self.side.user,
             password=self.side.password)

    def sync(self, code: int = 0) -> subprocess.CompletedProcess:
        return self("sync", code=code)

    def items(self) -> dict[str, dict]:
        return {item["title"]: item for item in json.loads(self("list", "--json").stdout)}

    def mark(self, title: str, how: str) -> None:
        self("mark", str(self.items()[title]["id"]), f"--{how}")

    def python(self, code: str) -> subprocess.CompletedProcess:
        """Run code with `store` open on this device's database (what the app does)."""
        script = ("import sys\nfrom reader.store import Store\n"
                  "from reader.core.query import Query\n"
                  f"store = Store({str(self.data / 'reader.db')!r})\n" + code)
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120)

    def queued(self) -> int:
        rows = json.loads(self("account", "list", "--json").stdout)
        return sum(row["queued"] for row in rows)
