"""One sync of one account: push the journal, then pull subscriptions, new items and the
unread/starred sets, with a fixed number of requests (never one per feed).

Order matters: the journal goes first, so the server holds our marks before we read its
state; the unread/starred sets are read before the new items, so an item arriving in between
is new (its state comes with it) rather than "known and not unread"; and a field with a change
still queued is never overridden (state.apply_states).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from reader.store import Store
from reader.sync import state
from reader.sync.protocol import AuthError, Client, SyncError
from reader.sync.state import Account, JournalEntry

FIRST_SYNC_LIMIT = 20_000  # items fetched by the first sync of an account (newest first)
MARK_ALL_MIN = 50  # read marks of one feed made by one statement: sent as one mark-all


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """What a sync is doing, for a progress line: `stage` is pushing, subscriptions,
    state, items or done; `done`/`total` count items where known."""

    account: str
    stage: str
    done: int = 0
    total: int | None = None


@dataclass
class SyncResult:
    account: str
    pushed: int = 0
    new_items: int = 0
    feeds_added: int = 0
    feeds_removed: int = 0
    read_changed: int = 0
    starred_changed: int = 0
    requests: int = 0
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"{self.account}: {self.error}"
        if not (self.pushed or self.new_items or self.feeds_added or self.feeds_removed
                or self.read_changed or self.starred_changed):
            return f"{self.account}: up to date (nothing to send, nothing new)"
        parts = [f"sent {self.pushed} change{'s' * (self.pushed != 1)}",
                 f"{self.new_items} new item{'s' * (self.new_items != 1)}"]
        if self.feeds_added or self.feeds_removed:
            parts.append(f"feeds +{self.feeds_added} -{self.feeds_removed}")
        if self.read_changed or self.starred_changed:
            parts.append(f"{self.read_changed + self.starred_changed} marks from the server")
        return f"{self.account}: " + ", ".join(parts)


ProgressCallback = Callable[[SyncProgress], None]


def password_from(account: Account) -> str | None:
    """READER_PASSWORD, else the account's password command's first line (argv, no shell)."""
    if os.environ.get("READER_PASSWORD"):
        return os.environ["READER_PASSWORD"]
    if not account.password_command:
        return None
    try:
        done = subprocess.run(account.password_command, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AuthError(f"the password command {account.password_command[0]!r} failed: "
                        f"{error}") from None
    if done.returncode != 0:
        raise AuthError(f"the password command {account.password_command[0]!r} exited with "
                        f"status {done.returncode}")
    lines = done.stdout.splitlines()
    return lines[0] if lines and lines[0] else None


def make_client(account: Account, token: str | None,
                http: httpx.AsyncClient | None = None) -> Client:
    async def password() -> str | None:
        return await asyncio.to_thread(password_from, account)

    if account.kind == "greader":
        from reader.sync.greader import GReaderClient

        return GReaderClient(account.url, account.username, token, password=password, http=http)
    from reader.sync.ttrss import TTRSSClient

    return TTRSSClient(account.url, account.username, token, password=password, http=http)


def _expired_hint(account: Account, error: SyncError) -> str:
    text = str(error)
    if isinstance(error, AuthError) and "no password is at hand" in text:
        return (f"the session with {account.url} expired: set READER_PASSWORD, or add the "
                f"account again with --password-command (reader account add {account.kind} "
                f"{account.url} --user {account.username})")
    return text


async def sync(store: Store, account: Account, progress: ProgressCallback | None = None, *,
               http: httpx.AsyncClient | None = None,
               first_limit: int = FIRST_SYNC_LIMIT) -> SyncResult:
    """Sync one account. Raises SyncError (one line) when the server cannot be used; what
    was applied before stays (one transaction per batch), what was not sent stays queued."""
    tell = progress or (lambda event: None)
    result = SyncResult(account.name)
    client = make_client(account, state.load_token(store, account.name), http)
    try:
        await _push(store, account, client, result, tell)
        tell(SyncProgress(account.name, "subscriptions"))
        remote = await client.subscriptions()
        feeds, result.feeds_added, result.feeds_removed = await asyncio.to_thread(
            state.apply_subscriptions, store, account, remote)
        tell(SyncProgress(account.name, "state"))
        unread = await client.unread_refs()
        starred = await client.starred_refs()
        cursor = dict(account.cursor)
        limit = first_limit if account.last_sync is None else max(first_limit, 100_000)
        stored: set[str] = set()

        def known(refs: Iterable[str]) -> set[str]:
            return state.known_refs(store, account.id, refs)

        tell(SyncProgress(account.name, "items", 0, None))
        async for batch in client.new_items(cursor, known, limit,
                                            extra=unread | starred):
            if batch:
                stored.update(await asyncio.to_thread(
                    state.apply_items, store, account, batch, feeds))
            tell(SyncProgress(account.name, "items", len(stored), None))
        result.new_items = len(stored)
        result.read_changed, result.starred_changed = await asyncio.to_thread(
            state.apply_states, store, account, unread, starred, stored)
        await asyncio.to_thread(store.index_pending)
        result.requests = client.requests
        state.record_result(store, account.id, error=None, cursor=cursor)
        tell(SyncProgress(account.name, "done", result.new_items, result.new_items))
        return result
    except SyncError as error:
        message = _expired_hint(account, error)
        result.error = message
        result.requests = client.requests
        state.record_result(store, account.id, error=message)
        raise SyncError(message) from None
    finally:
        if client.token:
            state.save_token(store, account.name, client.token)
        await client.aclose()


async def _push(store: Store, account: Account, client: Client, result: SyncResult,
                tell: ProgressCallback) -> None:
    """Send the journal in batches; each acknowledged batch leaves the journal at once."""
    total = state.queued_count(store, account.id)
    if not total:
        return
    tell(SyncProgress(account.name, "pushing", 0, total))
    while True:
        entries = state.pending(store, account.id)
        if not entries:
            return
        for group in _groups(store, account, entries):
            await group.send(client)
            state.sent(store, group.entries)
            result.pushed += len(group.entries)
            tell(SyncProgress(account.name, "pushing", result.pushed, total))


@dataclass
class _Group:
    """Journal entries sent by one kind of request."""

    field: str
    value: bool
    entries: list[JournalEntry] = field(default_factory=list)
    mark_all: tuple[str, int] | None = None  # (feed stream, boundary) for a mark-all

    async def send(self, client: Client) -> None:
        if self.mark_all is not None:
            await client.mark_all_read(*self.mark_all)  # type: ignore[attr-defined]
        elif self.field == "read":
            await client.mark_read([e.remote_id for e in self.entries], self.value)
        else:
            await client.mark_starred([e.remote_id for e in self.entries], self.value)


def _groups(store: Store, account: Account, entries: list[JournalEntry]) -> list[_Group]:
    """Stars and unread marks as id lists; read marks too, except that many marked at once in
    one feed (a mark-all) go as one mark-all-as-read up to the newest item marked, when the
    server speaks Google Reader and that boundary marks exactly those items."""
    groups: dict[tuple[str, bool], _Group] = {}
    together: dict[tuple[float, str | None], list[JournalEntry]] = {}
    for entry in entries:
        if entry.field == "read" and entry.value and account.kind == "greader":
            together.setdefault((entry.stamp, entry.feed_remote_id), []).append(entry)
            continue
        groups.setdefault((entry.field, entry.value), _Group(entry.field, entry.value)
                          ).entries.append(entry)
    result = []
    for (_, feed), marked in together.items():
        boundary = (state.mark_all_boundary(store, account.id, marked)
                    if feed and len(marked) >= MARK_ALL_MIN else None)
        if boundary is not None and feed is not None:
            result.append(_Group("read", True, marked, (feed, boundary)))
        else:
            groups.setdefault(("read", True), _Group("read", True)).entries.extend(marked)
    return list(groups.values()) + result


async def push(store: Store, account: Account, progress: ProgressCallback | None = None,
               *, http: httpx.AsyncClient | None = None) -> SyncResult:
    """Only send the queued marks (say, when the app closes): no pull. Raises SyncError;
    what was not acknowledged stays queued."""
    result = SyncResult(account.name)
    client = make_client(account, state.load_token(store, account.name), http)
    try:
        await _push(store, account, client, result, progress or (lambda event: None))
        result.requests = client.requests
        return result
    except SyncError as error:
        raise SyncError(_expired_hint(account, error)) from None
    finally:
        if client.token:
            state.save_token(store, account.name, client.token)
        await client.aclose()


async def sync_all(store: Store, progress: ProgressCallback | None = None
                   ) -> list[SyncResult]:
    """Every account, one after another; a failing account does not stop the others."""
    results = []
    for found in state.accounts(store):
        try:
            results.append(await sync(store, found, progress))
        except SyncError as error:
            results.append(SyncResult(found.name, error=str(error)))
    return results


async def check_login(account: Account, password: str,
                      http: httpx.AsyncClient | None = None) -> str:
    """Log in once (for `reader account add`); returns the token to keep."""
    client = make_client(account, None, http)
    try:
        return await client.login(password)
    finally:
        await client.aclose()


async def subscribe(store: Store, account: Account, url: str, folder: str | None = None,
                    http: httpx.AsyncClient | None = None) -> int:
    """Subscribe on the server (the `a` key / `reader add --account`), then follow its list;
    returns the local feed id. Its items come with the next sync (the server fetches it)."""
    client = make_client(account, state.load_token(store, account.name), http)
    try:
        remote_id = await client.subscribe(url, folder)
        remote = await client.subscriptions()
    finally:
        if client.token:
            state.save_token(store, account.name, client.token)
        await client.aclose()
    feeds, _, _ = state.apply_subscriptions(store, account, remote)
    if remote_id and remote_id in feeds:
        return feeds[remote_id]
    for feed in remote:
        if feed.url == url and feed.id in feeds:
            return feeds[feed.id]
    raise SyncError(f"the server accepted {url} but does not list it")


async def unsubscribe(store: Store, feed_id: int, http: httpx.AsyncClient | None = None
                      ) -> None:
    """Unsubscribe on the server (the `x` key / `reader remove` of an account's feed), then
    remove the feed here. When the server cannot be reached nothing changes."""
    owner = state.account_for_feed(store, feed_id)
    if owner is None:
        store.remove_feed(feed_id)
        return
    found, remote_id = owner
    client = make_client(found, state.load_token(store, found.name), http)
    try:
        await client.unsubscribe(remote_id)
    finally:
        if client.token:
            state.save_token(store, found.name, client.token)
        await client.aclose()
    store.remove_feed(feed_id)


def due(store: Store, interval: float, now: float | None = None) -> list[Account]:
    """Accounts whose last sync is older than `interval` seconds (for the refresh schedule)."""
    now = time.time() if now is None else now
    return [found for found in state.accounts(store)
            if found.last_sync is None or now - found.last_sync >= interval]
