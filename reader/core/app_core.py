"""The app core: owns the database, runs refresh (and sync) as services, tells the UI.

Screens call these coroutines from their workers and render what comes back, or what the
core posts to the listening screen (`reader.core.messages`). No store call ever runs on the
UI thread: reads and writes go through `Database`, fetching and parsing through the refresh
pipeline's threads and processes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from feeds.model import Article, Enclosure
from reader.core import messages
from reader.core.config import Config
from reader.core.database import Database
from reader.core.query import ALL, Query
from reader.core.refresh_service import RefreshService
from reader.rows import FeedRow, Headline, HeadlineRows
from reader.store import Item, Store, StoreError

if TYPE_CHECKING:
    from textual.app import App
    from textual.message import Message
    from textual.message_pump import MessagePump
    from textual.worker import Worker

    from feeds.download import DownloadResult
    from reader.core.story_process import StoryFinder
    from reader.filters.rules import SavedView
    from reader.refresh import Probe
    from reader.story import Story

log = logging.getLogger("reader.core")

OUTSIDE_CHECK = 2.0  # seconds between looks for commits by other processes
PAGE_RETRY_AFTER = 600.0  # seconds a failed article page is not fetched again on open


@dataclass(frozen=True, slots=True)
class FeedList:
    """The feeds panel's data: every feed with counts, and the totals above them."""

    feeds: tuple[FeedRow, ...]
    totals: dict[str, int]

    def titles(self) -> dict[int, str]:
        return {feed.id: feed.title for feed in self.feeds}


@dataclass(frozen=True, slots=True)
class ItemDetails:
    """An item to show, with what the article pane adds: its enclosures, and whether its
    feed's settings let opening it fetch the page."""

    item: Item
    enclosures: tuple[Enclosure, ...] = ()
    fetch_article: bool = True  # [[feed]] fetch_article (config.article is checked apart)
    stored: Article | None = None  # the text the store holds, made in the same read


@dataclass(frozen=True, slots=True)
class FeedNames:
    """What the feed editor shows: the feed's own title, the user's name and folders."""

    id: int
    url: str
    own_title: str
    user_title: str | None
    folders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar says about sync accounts (nothing when there are none)."""

    accounts: tuple[str, ...] = ()
    queued: int = 0  # read/star marks not yet sent to a server
    errors: dict[str, str] = field(default_factory=dict)  # account -> its last sync's error


def with_accounts(store: Store, rows: Iterable[FeedRow]) -> tuple[FeedRow, ...]:
    """The rows, each feed of a sync account carrying the account's name."""
    if not _has_accounts(store):
        return tuple(rows)
    from reader.sync import state

    owners = state.feed_accounts(store)
    if not owners:
        return tuple(rows)
    return tuple(replace(row, account=owners[row.id]) if row.id in owners else row
                 for row in rows)


def _done(value: ItemDetails | None) -> asyncio.Future[ItemDetails | None]:
    future: asyncio.Future[ItemDetails | None] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


def _has_accounts(store: Store) -> bool:
    """Whether any sync account exists: without one, the sync package (and its HTTP client)
    is never imported, so a reader without accounts does not pay for it at start."""
    return bool(store._query("SELECT 1 FROM sync_accounts LIMIT 1"))


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The outcome of `AppCore.subscribe`: a new feed, or a page's feeds to choose from."""

    feed: FeedRow | None
    page: Probe | None = None
    error: str | None = None  # why nothing was subscribed, in one line
    note: str | None = None  # e.g. which scheme was used for a URL typed without one


AHEAD_FRESH = 1.0  # seconds an item's details read ahead are used for (other processes mark)


@dataclass
class _Ahead:
    """An item's details read before a key asked for them, and what they were read after."""

    item_id: int
    writes: int  # the database's write count when the read started
    task: asyncio.Future[ItemDetails | None]
    done_at: float | None = None

    def usable(self, item_id: int, writes: int) -> bool:
        """Read for this item, with no write of ours since, a moment ago, and it worked."""
        return (self.item_id == item_id and self.writes == writes and self.task.done()
                and self.done_at is not None
                and time.monotonic() - self.done_at <= AHEAD_FRESH
                and not self.task.cancelled() and self.task.exception() is None)


class AppCore:
    """The layer between the store and the screens (see the module docstring)."""

    def __init__(self, app: App[Any], store: Store, config: Config | None = None) -> None:
        self.app = app
        self.config = config or Config()
        self.db = Database(store)
        self.refresher = RefreshService(self)
        self._listener: MessagePump | None = None
        self._data_version: int | None = None
        self._marks_seen: int | None = None  # the marks counter at the last look
        self._stories: StoryFinder | None = None  # started at the first story
        self._failed_pages: dict[int, tuple[float, str]] = {}  # item id -> (when, why)
        self._feed_pages: dict[int, bool] = {}  # feed id -> its [[feed]] fetch_article
        self._ahead: _Ahead | None = None  # the highlighted item's details, read ahead

    # -- plumbing -----------------------------------------------------------------------

    def listen(self, node: MessagePump) -> None:
        """Send the core's messages to `node` (the main screen)."""
        self._listener = node

    def post(self, message: Message) -> None:
        if self._listener is not None:
            self._listener.post_message(message)

    def spawn(self, job: Coroutine[Any, Any, Any], *, group: str) -> Worker[Any]:
        """Run a background job as an app worker (so tests and exit can wait for it)."""
        return self.app.run_worker(job, group=f"core-{group}", exit_on_error=False)

    def start(self) -> None:
        """Begin the services: the look for other processes' commits, and the steps every
        full refresh runs after the local feeds (sync accounts, then retention)."""
        self.app.set_interval(OUTSIDE_CHECK, self.look_outside)
        self.refresher.add_step("sync", self._sync_step)
        if self.config.retention.keep_days or self.config.retention.max_items:
            self.refresher.add_step("retention", self._retention_step)

    def start_schedule(self) -> None:
        """Automatic refresh as `[refresh]` says (interval, on_start); the feeds' own hints
        decide which are due at each look."""
        from reader.schedule import check_period

        self.spawn(self._start_schedule(check_period(self.config.refresh) or 0),
                   group="schedule")

    async def _start_schedule(self, period: float) -> None:
        from reader.schedule import adopt_interval

        settings = self.config.refresh
        await self.db.write(lambda store: adopt_interval(store, settings))
        self.refresher.schedule(period, on_start=settings.on_start)

    def announce(self, text: str) -> None:
        """New items, once per refresh: the toast is the screen's; a terminal bell or a
        desktop notification (OSC 9/777) when `[refresh] notify` asks for one."""
        mode = self.config.refresh.notify
        if mode == "none":
            return
        from reader.notify import notification

        driver = getattr(self.app, "_driver", None)
        if driver is not None:
            driver.write(notification(mode, text))

    # -- sync and retention: steps of a full refresh -----------------------------------------

    async def _sync_step(self, summary: object) -> None:
        """Every sync account: push queued marks, pull feeds, items and state. The engine
        runs on its own event loop in a worker thread, so none of it touches the UI's."""
        import asyncio

        from reader.sync import engine, state

        store = self.db.writer
        if not await asyncio.to_thread(state.accounts, store):
            return

        def progress(event: Any) -> None:
            self.post(messages.SyncProgress(event.account, event.stage, event.done,
                                            event.total))

        results = await asyncio.to_thread(asyncio.run, engine.sync_all(store, progress))
        self.post(messages.ItemsAdded(frozenset()))
        self.post(messages.FeedsChanged())
        failed = [f"{result.account}: {result.error}" for result in results if result.error]
        self.post(messages.SyncFinished(
            tuple(result.line() for result in results if not result.error), tuple(failed),
            any(r.read_changed or r.starred_changed or r.feeds_removed for r in results)))
        if failed:
            raise RuntimeError("; ".join(failed))

    async def _retention_step(self, summary: object) -> None:
        from reader.retention import prune

        settings, table = self.config.retention, self.config.feeds
        await self.db.write(lambda store: prune(store, settings, table))

    async def accounts(self) -> list[str]:
        """The names of the sync accounts (for the add dialog's choice)."""
        from reader.sync import state

        return await self.db.read(lambda store: [a.name for a in state.accounts(store)])

    async def sync_status(self) -> SyncStatus:
        """The accounts, the marks still queued for their servers and their last errors,
        for the status bar (one count over the journal: cheap)."""
        def read(store: Store) -> SyncStatus:
            if not _has_accounts(store):
                return SyncStatus()
            from reader.sync import state

            found = state.accounts(store)
            if not found:
                return SyncStatus()
            return SyncStatus(tuple(a.name for a in found), state.queued_count(store),
                              {a.name: a.last_error for a in found if a.last_error})

        return await self.db.read(read)

    def sync_now(self) -> str:
        """S: push and pull every account now (joins a running refresh, which syncs too)."""
        return self.refresher.request(None, reason="manual", steps_only=True)

    # -- what the killfile hides, what the list marks -----------------------------------------

    def scoped(self, query: Query) -> Query:
        """Every view leaves out what the killfile hides."""
        if query.exclude is None and self.config.kill:
            from reader.filters.condition import Killfile  # not paid without [[kill]] rules

            return query.but(exclude=Killfile.of(self.config.kill))
        return query

    async def row_marks(self, after_id: int | None = None
                        ) -> tuple[dict[int, str], dict[int, int]]:
        """Item id -> "audio"/"video" for items carrying media, and item id -> highlight
        rule index for headlines a `[[highlight]]` rule colours. Read once per view, from
        the few rows that have them, not per headline; `after_id`: only for the items a
        refresh just added (ids above it), not the whole store again."""
        from reader.enclosures import media_kind
        from reader.filters.rules import highlight_sql

        rules = self.config.highlights
        floor = -1 if after_id is None else after_id

        def read(store: Store) -> tuple[dict[int, str], dict[int, int]]:
            media: dict[int, str] = {}
            for item_id, kind, url in store._query(
                    "SELECT item_id, type, url FROM enclosures WHERE item_id > ? "
                    "ORDER BY item_id, position", (floor,)):
                found = media_kind(kind, url)
                if found and item_id not in media:
                    media[item_id] = found
            lights: dict[int, int] = {}
            compiled = highlight_sql(rules, time.time()) if rules else None
            if compiled is not None:
                case, params = compiled
                lights = {row[0]: row[1] for row in store._query(
                    f"SELECT id, {case} AS rule FROM items WHERE id > ? AND rule IS NOT NULL",
                    [*params, floor])}
            return media, lights

        return await self.db.read(read)

    def close(self) -> None:
        self.refresher.stop()
        if self._stories is not None:
            self._stories.close()
        self.db.close()

    def look_outside(self) -> None:
        """Check for commits by other processes (every OUTSIDE_CHECK seconds)."""
        self.spawn(self._check_outside(), group="outside")

    async def _check_outside(self) -> None:
        """Another process (`reader mark`, a refresh from cron, a second reader) committed:
        the screen reads again. The writer connection's data_version moves only for other
        connections' commits, so the app's own writes cost nothing here. While the app's own
        refresh process writes, data_version moves all the time; its new rows arrive as
        ItemsAdded, and only marks made elsewhere (the marks counter) read the view again."""
        ours = self.refresher.child_writing
        seen = self._marks_seen

        def look(store: Store) -> tuple[int, int, bool]:
            marks, elsewhere = store.marks_changed_elsewhere(seen)
            return store.data_version(), marks, elsewhere

        try:
            version, marks, marked_elsewhere = await self.db.write(look)
        except StoreError:
            return  # the next look will tell; a refresh reports database trouble itself
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        self._marks_seen = marks
        if changed and (marked_elsewhere or not (ours or self.refresher.child_writing)):
            self.post(messages.OutsideChange())
            self.post(messages.FeedsChanged())

    async def absorb_own_writes(self) -> None:
        """The refresh process has ended: what it committed is ours, not an outside
        change to read the whole view again for."""
        try:
            self._data_version = await self.db.write(lambda store: store.data_version())
        except (StoreError, RuntimeError):  # RuntimeError: closing at exit, nothing to do
            pass

    # -- reading ------------------------------------------------------------------------

    async def _ready(self, query: Query) -> Query:
        """The query as every view runs it (the killfile applied), with the full-text index
        brought up to date by the writer first when it searches (readers never index)."""
        query = self.scoped(query)
        if query.needs_index:
            await self.db.write(lambda store: store.index_pending())
        return query

    async def headlines(self, query: Query = ALL, *, limit: int | None = None,
                        after_id: int | None = None) -> HeadlineRows:
        """The view's rows, with their ids as a set made on the reader thread."""
        query = await self._ready(query)
        return await self.db.read(lambda store: HeadlineRows(
            store.headlines(query, limit=limit, after_id=after_id)))

    async def newest_id(self) -> int:
        return await self.db.read(lambda store: store.max_item_id())

    async def feed_list(self) -> FeedList:
        """Every feed with its counts; with [[kill]] rules, counted without what they hide,
        as the list shows it (one grouped scan, only when there are rules)."""
        hidden = self.scoped(ALL).exclude

        def read(store: Store) -> FeedList:
            rows = with_accounts(store, store.feeds())
            totals = store.counts()
            if hidden is None:
                return FeedList(rows, totals)
            import dataclasses
            import time

            condition, params = hidden.sql(time.time())
            per_feed = {feed_id: (total, unread) for feed_id, total, unread in store._query(
                "SELECT feed_id, count(*), sum(read = 0) FROM items "
                f"WHERE NOT ({condition}) GROUP BY feed_id", params)}
            starred = store._query(
                f"SELECT count(*) FROM items WHERE starred = 1 AND NOT ({condition})",
                params)[0][0]
            rows = tuple(dataclasses.replace(row, total=per_feed.get(row.id, (0, 0))[0],
                                             unread=per_feed.get(row.id, (0, 0))[1] or 0)
                         for row in rows)
            totals = {"total": sum(row.total for row in rows),
                      "unread": sum(row.unread for row in rows), "starred": starred}
            return FeedList(rows, totals)

        return await self.db.read(read)

    async def feed(self, feed_id: int) -> FeedRow | None:
        def read(store: Store) -> FeedRow | None:
            row = store.feed(feed_id)
            return with_accounts(store, [row])[0] if row is not None else None

        return await self.db.read(read)

    async def item(self, item_id: int) -> Item | None:
        return await self.db.read(lambda store: store.item(item_id), urgent=True)

    async def headline(self, item_id: int) -> Headline | None:
        return await self.db.read(lambda store: store.headline(item_id), urgent=True)

    async def next_unread(self, after: int | None, query: Query, *,
                          backwards: bool = False, wrap: bool = True) -> int | None:
        query = await self._ready(query)
        return await self.db.read(
            lambda store: store.next_unread(after, query, backwards=backwards, wrap=wrap),
            urgent=True)

    # -- read state ---------------------------------------------------------------------

    async def set_read(self, item_ids: Iterable[int], read: bool) -> list[Headline]:
        """Committed at once; returns the changed rows (none when nothing changed)."""
        ids = list(item_ids)

        def write(store: Store) -> list[Headline]:
            return store.headlines_by_id(ids) if store.mark_read(ids, read) else []

        rows = await self.db.write(write)
        if rows:
            self.post(messages.FeedsChanged())
        return rows

    async def set_starred(self, item_ids: Iterable[int], starred: bool) -> list[Headline]:
        ids = list(item_ids)

        def write(store: Store) -> list[Headline]:
            return store.headlines_by_id(ids) if store.set_starred(ids, starred) else []

        rows = await self.db.write(write)
        if rows:
            self.post(messages.FeedsChanged())
        return rows

    async def mark_query_read(self, query: Query, upto_id: int | None) -> list[int]:
        """Mark a view read up to the newest item it showed; returns the ids changed."""
        query = await self._ready(query)
        ids = await self.db.write(lambda store: store.mark_query_read(query, upto_id=upto_id))
        if ids:
            self.post(messages.FeedsChanged())
        return ids

    # -- feeds --------------------------------------------------------------------------

    async def remove_feed(self, feed_id: int) -> str | None:
        """Unsubscribe: a sync account's feed on its server first (nothing changes when
        the server cannot be reached), a local one here. Returns why it failed, or None."""
        import asyncio

        from reader.sync import engine
        from reader.sync.protocol import SyncError

        store = self.db.writer
        try:
            await asyncio.to_thread(asyncio.run, engine.unsubscribe(store, feed_id))
        except (SyncError, StoreError) as error:
            return str(error)
        self.post(messages.FeedsChanged())
        return None

    async def subscribe(self, url: str, tags: Iterable[str] = (), *,
                        account: str | None = None) -> Subscribed:
        """The one subscribe flow (`reader.refresh.subscribe`), for the add dialog; with an
        `account`, on that sync account's server (its items come with the sync)."""
        from reader.refresh import AddError, subscribe

        if account is not None:
            return await self._subscribe_remote(url, account)

        try:
            feed_id, _stats, found = await subscribe(
                self.db.writer, url, tags=tuple(tags), limits=self.config.fetch,
                pick_first=False)
        except (AddError, StoreError) as error:
            return Subscribed(None, error=str(error))
        if feed_id < 0:
            return Subscribed(None, page=found, note=found.scheme_note)
        self.post(messages.FeedsChanged())
        self.post(messages.ItemsAdded(frozenset({feed_id})))
        return Subscribed(await self.feed(feed_id), note=found.scheme_note)

    async def _subscribe_remote(self, url: str, account: str) -> Subscribed:
        import asyncio

        from reader.sync import engine, state
        from reader.sync.protocol import SyncError

        store = self.db.writer

        def find() -> Any:
            return next((a for a in state.accounts(store) if a.name == account), None)

        found = await asyncio.to_thread(find)
        if found is None:
            return Subscribed(None, error=f"there is no sync account named {account}")
        try:
            feed_id = await asyncio.to_thread(asyncio.run, engine.subscribe(store, found, url))
        except (SyncError, StoreError) as error:
            return Subscribed(None, error=str(error))
        self.post(messages.FeedsChanged())
        self.refresher.request(None, steps_only=True)  # its items come with a sync
        return Subscribed(await self.feed(feed_id), note=f"subscribed on {account}")

    # -- articles -----------------------------------------------------------------------

    def may_fetch_page(self, item: Item) -> bool:
        """Whether opening `item` may contact its site: the privacy setting allows it and
        its page did not fail a moment ago (a failure is remembered for a while, so every
        open does not wait for the same timeout again)."""
        return (self.config.article.fetch_pages and self.feed_fetches_pages(item)
                and self.failed_page(item.id) is None)

    def failed_page(self, item_id: int) -> str | None:
        """Why the page of `item_id` failed, if it did within PAGE_RETRY_AFTER seconds."""
        import time

        failed = self._failed_pages.get(item_id)
        if failed is None or time.monotonic() - failed[0] > PAGE_RETRY_AFTER:
            return None
        return failed[1]

    def forget_failed_page(self, item_id: int) -> None:
        self._failed_pages.pop(item_id, None)

    async def article(self, item: Item, *, fetch_page: bool) -> Article:
        """The article's text: what the store holds, or (when `fetch_page` and the feed gave
        only a summary) the linked page, extracted once and kept."""
        import asyncio

        from feeds import article as articles
        from reader.story import needs_page, stored_article

        if not fetch_page or not needs_page(item):
            return await asyncio.to_thread(stored_article, item)
        loaded = await articles.load(item.link, item.summary, item.content,
                                     limits=self.config.fetch)
        if loaded.source == "page":
            await self.db.write(lambda store: store.cache_article(
                item.id, loaded.text, loaded.links, loaded.source, loaded.note,
                published=loaded.published))
        else:
            import time

            why = loaded.note or "the article's page could not be loaded"
            self._failed_pages[item.id] = (time.monotonic(), f"{why} (w tries again)")
        return loaded

    async def story(self, item: Item, text: str) -> Story:
        """Related items and dated events for the timeline pane."""
        from reader.story import story_for

        await self.db.write(lambda store: store.index_pending())  # related reads the index
        if self._stories is None:
            from reader.core.story_process import StoryFinder

            self._stories = StoryFinder(self.db.path)
        found = await self._stories.story(item, text)
        if found is not None:
            return found
        return await self.db.read(lambda store: story_for(store, item, text))

    # -- refresh ------------------------------------------------------------------------

    def refresh(self, feed_ids: list[int] | None = None, *, reason: str = "manual") -> str:
        return self.refresher.request(feed_ids, reason=reason)

    # -- filters, saved views (issue 16) ------------------------------------------------

    async def filter_history(self) -> list[str]:
        """The filters typed last (newest first, at most FILTER_HISTORY), for the filter
        bar's Up/Down; kept in the database so they survive a restart."""
        return await self.db.read(lambda store: _json_list(store.settings_get(HISTORY_KEY)))

    async def remember_filter(self, text: str) -> list[str]:
        """Put `text` first in the history (once), keep the newest FILTER_HISTORY."""
        text = text.strip()

        def write(store: Store) -> list[str]:
            history = [entry for entry in _json_list(store.settings_get(HISTORY_KEY))
                       if entry != text]
            history = ([text] + history)[:FILTER_HISTORY] if text else history
            store.settings_set(HISTORY_KEY, json.dumps(history, ensure_ascii=False))
            return history

        return await self.db.write(write)

    async def saved_views(self) -> list[SavedView]:
        """`[views]` of config.toml, then the views saved from the filter bar (a name the
        config also has shows once, the config's). A stored one that no longer parses is
        left out, never an error."""
        from reader.filters.parser import FilterSyntaxError, parse_filter
        from reader.filters.rules import SavedView

        stored = await self.db.read(lambda store: store.settings_get(VIEWS_KEY))
        views = list(self.config.views)
        names = {view.name for view in views}
        for name, source in _json_pairs(stored):
            if name in names:
                continue
            try:
                views.append(SavedView(name, source, parse_filter(source)))
            except FilterSyntaxError:
                continue
            names.add(name)
        return views

    async def delete_view(self, name: str) -> str | None:
        """Remove a view saved from the filter bar; returns why not (one line), or None.
        A view of config.toml stays: it is the user's file to edit."""
        if any(view.name == name for view in self.config.views):
            return f"{name} is defined in config.toml ([views]); remove it there."

        def write(store: Store) -> bool:
            pairs = _json_pairs(store.settings_get(VIEWS_KEY))
            kept = [pair for pair in pairs if pair[0] != name]
            store.settings_set(VIEWS_KEY, json.dumps(kept, ensure_ascii=False))
            return len(kept) != len(pairs)

        if not await self.db.write(write):
            return f"There is no saved view named {name}."
        self.post(messages.FeedsChanged())
        return None

    async def save_view(self, name: str, source: str) -> str | None:
        """Store a view made in the filter bar; returns why not (one line), or None. The
        feeds panel hears FeedsChanged and shows it with its count."""
        from reader.filters.parser import FilterSyntaxError, parse_filter

        name = " ".join(name.split())
        if not name:
            return "A view needs a name."
        if any(view.name == name for view in self.config.views):
            return f"config.toml already has a view named {name}."
        try:
            parse_filter(source)
        except FilterSyntaxError as error:
            return str(error)

        def write(store: Store) -> None:
            pairs = [pair for pair in _json_pairs(store.settings_get(VIEWS_KEY))
                     if pair[0] != name]
            pairs.append((name, source))
            store.settings_set(VIEWS_KEY, json.dumps(pairs, ensure_ascii=False))

        await self.db.write(write)
        self.post(messages.FeedsChanged())
        return None

    async def view_counts(self, views: Iterable[SavedView]) -> dict[str, int]:
        """Each saved view's unread count, the killfile left out: one SQL count per view on
        a reader connection (issue 16 measures <= 20 ms each at 100k items)."""
        from reader.filters.commands import count_matching

        chosen = list(views)
        if not chosen:
            return {}
        await self.db.write(lambda store: store.index_pending())
        kill = self.config.kill

        def read(store: Store) -> dict[str, int]:
            return {view.name: count_matching(store, view.expr, unread_only=True, kill=kill)
                    for view in chosen}

        return await self.db.read(read)


    # -- issue 15: enclosures, per-feed settings, editing a feed -------------------------------

    async def item_details(self, item_id: int) -> ItemDetails | None:
        """The item, its enclosures, its feed's `fetch_article` and its stored text, in one
        read (none at all when `read_ahead` already made it)."""
        ahead = self._ahead
        if ahead is not None and ahead.usable(item_id, self.db.writes):
            details = ahead.task.result()
        else:
            writes = self.db.writes
            details = await self.db.read(partial(self._details, item_id), urgent=True)
            self._ahead = _Ahead(item_id, writes, _done(details), time.monotonic())
        if details is not None:
            self._feed_pages[details.item.feed_id] = details.fetch_article
        return details

    def read_ahead(self, item_id: int) -> None:
        """Read the highlighted item's details before Enter asks for them. On a busy machine
        the trip to a reader thread and back cost an open 5-20 ms; made while the cursor
        rests, the open finds them read. Never on the thread a key's read waits for."""
        ahead = self._ahead
        if ahead is not None and ahead.item_id == item_id and ahead.writes == self.db.writes \
                and (not ahead.task.done() or ahead.usable(item_id, self.db.writes)):
            return
        task = asyncio.ensure_future(self.db.read(partial(self._details, item_id)))
        started = _Ahead(item_id, self.db.writes, task)

        def finished(task: asyncio.Future[ItemDetails | None]) -> None:
            started.done_at = time.monotonic()
            if not task.cancelled() and task.exception() is not None:
                log.debug("reading item %s ahead failed: %r", item_id, task.exception())

        task.add_done_callback(finished)
        self._ahead = started

    def _details(self, item_id: int, store: Store) -> ItemDetails | None:
        from reader.story import stored_article

        item = store.item(item_id)
        if item is None:
            return None
        enclosures = tuple(store.enclosures(item_id))
        fetch = True
        table = self.config.feeds
        if table.rules:
            tags = store.feed_tags().get(item.feed_id, ())
            fetch = table.for_feed(item.feed_url, tags).fetch_article is not False
        # The stored text is made in the same trip to a worker thread: on a busy machine
        # each trip waits for the scheduler twice (~10 ms or more each).
        return ItemDetails(item, enclosures, fetch, stored_article(item))

    def feed_fetches_pages(self, item: Item) -> bool:
        """Whether the item's feed allows fetching its pages on open (`[[feed]]
        fetch_article = false` says no); known from `item_details`, else by URL rules."""
        known = self._feed_pages.get(item.feed_id)
        if known is not None:
            return known
        return self.config.feeds.for_feed(item.feed_url).fetch_article is not False

    async def enclosures(self, item_id: int) -> list[Enclosure]:
        return await self.db.read(lambda store: store.enclosures(item_id))

    async def download(self, item_id: int, *, index: int = 0) -> DownloadResult:
        """Download the item's enclosure into `[download] folder`, posting DownloadProgress.
        Raises NoEnclosure or DownloadError (one line each)."""
        from reader.enclosures import NoEnclosure, download_enclosure

        def read(store: Store) -> tuple[Headline | None, list[Enclosure]]:
            return store.headline(item_id), store.enclosures(item_id)

        headline, enclosures = await self.db.read(read)
        if headline is None:
            raise NoEnclosure("this item is gone")
        title = headline.title

        def progress(done: int, total: int | None) -> None:
            self.post(messages.DownloadProgress(item_id, done, total, title))

        return await download_enclosure(item_id, title, enclosures, self.config.download,
                                        index=index, progress=progress)

    async def feed_names(self, feed_id: int) -> FeedNames | None:
        def read(store: Store) -> FeedNames | None:
            rows = store._query("SELECT url, title, user_title FROM feeds WHERE id = ?",
                                (feed_id,))
            if not rows:
                return None
            url, own, user = rows[0]
            tags = store.feed_tags().get(feed_id, ())
            return FeedNames(feed_id, url, own or "", user, tags)

        return await self.db.read(read)

    async def edit_feed(self, feed_id: int, title: str | None,
                        folders: Iterable[str]) -> FeedRow | None:
        """Rename a feed (None or "": its own title again) and set its folders. Kept in the
        user's columns, which no refresh touches."""
        name = (title or "").strip() or None
        tags = tuple(folders)

        def write(store: Store) -> FeedRow | None:
            store.rename_feed(feed_id, name)
            store.set_tags(feed_id, tags)
            return store.feed(feed_id)

        row = await self.db.write(write)
        self.post(messages.FeedsChanged())
        return row


FILTER_HISTORY = 50  # filters the filter bar remembers
HISTORY_KEY = "filter_history"  # settings keys: a JSON list of strings,
VIEWS_KEY = "saved_views"  # and a JSON list of [name, filter] pairs


def _json_list(text: str | None) -> list[str]:
    """A settings value holding a JSON list of strings; anything else is an empty list."""
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) \
        else []


def _json_pairs(text: str | None) -> list[tuple[str, str]]:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [(pair[0], pair[1]) for pair in value if isinstance(pair, list) and len(pair) == 2
            and isinstance(pair[0], str) and isinstance(pair[1], str)]
