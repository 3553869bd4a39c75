"""Fetch -> parse -> store for many feeds, reporting progress as events.

Both the command line and the app consume the same events. A failing feed gets its error
recorded and nothing else: its items and read marks stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from feeds.model import (
    DiscoveredFeed,
    FetchLimits,
    FetchResult,
    FetchStatus,
    Validators,
)
from reader.parse_workers import (
    PROCESS_POOL_FROM,
    exit_with,
    parsing_context,
    start_process_helpers,
    worker_count,
)
from reader.prepare import (  # noqa: F401 - prepared_from: callers import it from here too
    Prepared,
    import_parsers,
    prepare,
    prepare_or_error,
    prepared_from,
)
from reader.store import ApplyStats, ItemRecord, Store, StoreError

if TYPE_CHECKING:
    from reader.feed_settings import RefreshPlan

T = TypeVar("T")

# (records, feed URL, feed tags) -> (records to store, how many were dropped)
DropHook = Callable[[Sequence[ItemRecord], str, Sequence[str]],
                    tuple[Sequence[ItemRecord], int]]


@dataclass(frozen=True, slots=True)
class RefreshStarted:
    total: int  # feeds that will be fetched
    skipped: int = 0  # gone, or held back by a 429/503


@dataclass(frozen=True, slots=True)
class FeedStarted:
    feed_id: int
    url: str


@dataclass(frozen=True, slots=True)
class FeedDone:
    feed_id: int
    url: str
    new: int = 0
    updated: int = 0
    not_modified: bool = False
    moved_to: str | None = None
    warning: str | None = None
    dropped: int = 0  # entries the killfile's drop rules kept out


@dataclass(frozen=True, slots=True)
class FeedFailed:
    feed_id: int
    url: str
    error: str
    gone: bool = False


RefreshEvent = RefreshStarted | FeedStarted | FeedDone | FeedFailed


@dataclass
class RefreshSummary:
    """What a whole refresh did, for the one-line summary."""

    feeds: int = 0
    new: int = 0
    updated: int = 0
    failures: list[FeedFailed] = field(default_factory=list)
    dropped: int = 0

    def add(self, event: RefreshEvent) -> None:
        if isinstance(event, FeedDone):
            self.feeds += 1
            self.new += event.new
            self.updated += event.updated
            self.dropped += event.dropped
        elif isinstance(event, FeedFailed):
            self.feeds += 1
            self.failures.append(event)

    def line(self) -> str:
        noun = "feed" if self.feeds == 1 else "feeds"
        items = "item" if self.new == 1 else "items"
        text = f"refreshed {self.feeds} {noun}: {self.new} new {items}"
        if self.dropped:
            text += f", {self.dropped} dropped by the killfile"
        if self.failures:
            text += f", {len(self.failures)} failed"
        return text


async def refresh(
    store: Store,
    feed_ids: Iterable[int] | None = None,
    *,
    limits: FetchLimits | None = None,
    force: bool = False,
    due_only: bool = False,
    plan: RefreshPlan | None = None,
    drop: DropHook | None = None,
) -> AsyncIterator[RefreshEvent]:
    """Refresh all feeds (or `feed_ids`), yielding an event as each one finishes.

    Feeds that are gone, or held back by a server's Retry-After, are skipped unless `force`
    (the user named them); with `due_only` (cron, the app's timer) so are feeds whose next
    due time has not come. `plan` holds the refresh interval and per-feed settings. Every
    store call runs in a worker thread, never on the event loop (in the app, that loop is
    the UI's); the writes go to one thread of their own, in order. `drop`
    (reader.filters.rules.Dropper) leaves out the entries the killfile never stores.
    """
    from feeds.fetch import fetch_all
    from reader.schedule import after_fetch

    limits = limits or FetchLimits()
    wanted = None if feed_ids is None else list(feed_ids)
    due = await asyncio.to_thread(store.feeds_due, feed_ids=wanted, include_held=force,
                                  due_only=due_only)
    considered = (await asyncio.to_thread(store.feed_count) if wanted is None
                  else len(set(wanted)))
    yield RefreshStarted(total=len(due), skipped=max(0, considered - len(due)))
    if not due:
        return
    tags = ({row.id: row.tags for row in await asyncio.to_thread(store.feeds)} if drop
            else {})
    by_url: dict[str, int] = {}
    requests = []
    for feed_id, url, etag, last_modified in due:
        by_url[url] = feed_id
        if plan is not None and plan.ignore_validators(feed_id):
            etag = last_modified = None
        requests.append((url, Validators(etag, last_modified)))
        yield FeedStarted(feed_id, url)
    headers = await asyncio.to_thread(plan.request_headers, due) if plan is not None else {}
    # A pipeline: feeds are fetched, parsed (in worker processes) and stored at the same
    # time, each event yielded as its feed is stored.
    events: asyncio.Queue[RefreshEvent] = asyncio.Queue()
    writer = _Writer(store)
    try:  # however it ends (a stop, a quit, a full disk): the store's cache comes back
        with Parsers(processes=len(due) >= PROCESS_POOL_FROM) as parsers:
            if any(not (sent.etag or sent.last_modified) for _, sent in requests):
                parsers.warm_up()  # a 200 is all but sure: start the workers now

            unindexed = 0
            left = len(due)  # feeds not stored yet
            answered = False  # every server has answered
            end_indexed = False  # the index's batch near the end has been made
            near_end = max(INDEX_NEAR_END, len(due) // 10)  # feeds left: near the end
            indexing: asyncio.Lock = asyncio.Lock()
            scheduled: list[tuple[int, float, float]] = []  # next due times, stored at the end

            async def store_one(result: FetchResult) -> None:
                nonlocal unindexed, left
                feed_id = by_url[result.url]
                event = await _store_result(store, feed_id, result, parsers, drop,
                                            tags.get(feed_id, ()), writer)
                scheduled.append(after_fetch(feed_id, result, plan))
                left -= 1
                await events.put(event)
                if isinstance(event, FeedDone):
                    unindexed += event.new
                # Index as we go, while the workers parse, so less is left for the end.
                if unindexed >= INDEX_BATCH or near_the_end():
                    await index_now()

            def near_the_end() -> bool:
                """Every answer is in and only the last few feeds are still being parsed:
                what is stored is indexed meanwhile, not after the last feed with one core
                idle (the latency row's 100 feeds had ~750 items left for the end). Not as
                soon as the answers are in: then a fast network leaves most feeds still to
                parse, and their items would all wait for the end. Once: the last few
                feeds' items are left for the end."""
                return not end_indexed and answered and unindexed > 0 and left <= near_end

            async def index_now() -> None:
                nonlocal unindexed, end_indexed
                if not indexing.locked():
                    async with indexing:
                        end_indexed = end_indexed or (answered and left <= near_end)
                        unindexed = 0
                        await writer(store.index_pending)

            async def fetch_and_store() -> None:
                nonlocal answered
                try:
                    async with asyncio.TaskGroup() as group:
                        async for result in fetch_all(requests, limits=limits,
                                                      headers_for=headers.get):
                            group.create_task(store_one(result))
                        answered = True
                        if near_the_end():
                            group.create_task(index_now())
                except BaseExceptionGroup as failures:  # a full disk: say that, not "a group"
                    first: BaseException = failures
                    while isinstance(first, BaseExceptionGroup):
                        first = first.exceptions[0]
                    raise first from None

            producer = asyncio.create_task(fetch_and_store())
            try:
                for _ in range(len(due)):
                    yield await _next_event(events, producer)
            finally:
                producer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await producer
                # Short transactions; lost on a full disk or a kill, which only makes those
                # feeds due again (and sends their old validators once more).
                await writer(writer.finish, scheduled)
        await writer(store.index_pending)
    finally:
        writer.close()


class _Writer:
    """A refresh's store writes, on one thread of their own and in order: one thread, not a
    pool of them waiting on the store's lock, and the 304 answers written in batches (a
    refresh where every server answers 304 is hundreds of one-row writes)."""

    NOT_MODIFIED_BATCH = 256
    # Feeds stored in one transaction at most (and items: a batch ends after the feed that
    # passes APPLY_ITEMS), so a mark made in the app beside `reader refresh` waits for
    # one short transaction, not for the refresh.
    APPLY_FEEDS = 32
    APPLY_ITEMS = 2000
    # While other feeds are being parsed, a batch smaller than that waits this long at most
    # for them before its transaction starts (no lock is held while it waits). A commit
    # writes every page the batch touched (the time indexes take rows all over), so fewer,
    # larger transactions cost the reader's process less: a cold refresh of 500 feeds
    # committed 214 transactions of ~2 feeds each without the wait.
    GATHER = 0.04

    def __init__(self, store: Store) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-store")
        self.not_modified: list[tuple[int, str | None, str | None]] = []
        # Parsed feeds waiting for the writer's thread, which stores every one queued by the
        # time it gets to them in one transaction (`Store.apply_many`): one commit for the
        # feeds that arrived together instead of one each.
        self._lock = threading.Condition()
        self._applies: list[tuple[int, Sequence[ItemRecord], dict[str, Any],
                                  asyncio.Future[ApplyStats]]] = []
        self._parsing = 0  # feeds in the parsers now: more to store is on its way
        self._scheduled = False  # an `_apply_queued` is queued or running on the thread
        self.pool.submit(store.refresh_cache, True)  # the store's lock: never on the loop

    def parsing(self, change: int) -> None:
        """A feed went to the parsers (+1) or came back (-1)."""
        with self._lock:
            self._parsing += change
            self._lock.notify_all()

    async def apply(self, feed_id: int, records: Sequence[ItemRecord], **fields: Any
                    ) -> ApplyStats:
        """`Store.apply` on the writer's thread, batched with the feeds queued with it."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[ApplyStats] = loop.create_future()
        with self._lock:
            self._applies.append((feed_id, records, fields, done))
            schedule = not self._scheduled
            self._scheduled = True
            self._lock.notify_all()
        if schedule:
            self.pool.submit(self._apply_queued, loop)
        return await done

    def _apply_queued(self, loop: asyncio.AbstractEventLoop) -> None:
        """In the writer's thread: store one bounded batch of the queued feeds, then queue
        itself again behind the writer's other work if more feeds wait. Looping here until
        the queue ran dry kept the search index's batches (`index_pending`) and the errors
        waiting for the whole refresh whenever feeds kept coming: the index was then built
        at the end, on one core, ~0.25 s for 500 feeds."""
        while True:
            with self._lock:
                self._gather()
                batch: list = []
                items = 0
                while (self._applies and len(batch) < self.APPLY_FEEDS
                       and items < self.APPLY_ITEMS):
                    batch.append(self._applies.pop(0))
                    items += len(batch[-1][1])
            if batch:
                try:
                    outcome: list[ApplyStats] | BaseException = self.store.apply_many(
                        [(feed_id, records, fields) for feed_id, records, fields, _ in batch])
                except Exception as error:  # StoreError (a full disk): each feed learns it
                    outcome = error
                for index, (*_, done) in enumerate(batch):
                    result = outcome if isinstance(outcome, BaseException) else outcome[index]
                    loop.call_soon_threadsafe(_settle, done, result)
            with self._lock:
                if not self._applies:
                    self._scheduled = False
                    return
            try:
                self.pool.submit(self._apply_queued, loop)
                return
            except RuntimeError:  # the writer is closing: store what is left here
                continue

    def _gather(self) -> None:
        """Under the lock: while feeds are being parsed, wait (GATHER at most) for the queue
        to fill a batch."""
        deadline = time.monotonic() + self.GATHER
        while self._applies and self._parsing > 0:
            if (len(self._applies) >= self.APPLY_FEEDS or sum(
                    len(queued[1]) for queued in self._applies) >= self.APPLY_ITEMS):
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._lock.wait(left)

    async def __call__(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, partial(function, *args, **kwargs))

    async def not_modified_answer(self, feed_id: int, validators: Validators) -> None:
        """Note a 304; written with the next batch (at the latest when the refresh ends)."""
        self.not_modified.append((feed_id, validators.etag, validators.last_modified))
        if len(self.not_modified) >= self.NOT_MODIFIED_BATCH:
            batch, self.not_modified = self.not_modified, []
            await self(self.store.record_not_modified_many, batch)

    def finish(self, scheduled: Sequence[tuple[int, float, float]]) -> None:
        """In the writer's thread: the 304s not yet written, then the next due times."""
        batch, self.not_modified = self.not_modified, []
        with contextlib.suppress(StoreError):
            self.store.record_not_modified_many(batch)
        with contextlib.suppress(StoreError):
            self.store.schedule_feeds(scheduled)

    def close(self) -> None:
        self.pool.submit(self.store.refresh_cache, False)  # after the writes still queued
        self.pool.shutdown(wait=False)


def _settle(done: asyncio.Future[T], result: T | BaseException) -> None:
    """On the event loop: hand a batched write's outcome to the feed waiting for it (unless
    the refresh stopped waiting)."""
    if done.done():
        return
    if isinstance(result, BaseException):
        done.set_exception(result)
    else:
        done.set_result(result)


async def _next_event(events: asyncio.Queue[RefreshEvent], producer: asyncio.Task) -> RefreshEvent:
    """The next stored feed's event; a crash of the producer is raised, not waited on."""
    getter = asyncio.ensure_future(events.get())
    done, _ = await asyncio.wait({getter, producer}, return_when=asyncio.FIRST_COMPLETED)
    if getter in done:
        return getter.result()
    getter.cancel()
    producer.result()  # raises what went wrong
    return await events.get()  # it finished cleanly: the queue holds the rest


INDEX_BATCH = 2000  # new items after which a refresh adds them to the full-text index
# Every answer in, and this many feeds left to store (or a tenth of them): index what is
# stored while they are parsed.
INDEX_NEAR_END = 8


class Parsers:
    """Where feeds are parsed: worker processes for a big refresh (parsing is pure Python
    and holds the GIL, so threads would not run two at once), else a thread."""

    def __init__(self, processes: bool) -> None:
        self.pool: Executor | None = None
        self._wanted = processes
        self._tried = False
        self._workers = 1
        self._spawning: asyncio.Future[bool] | None = None

    def _start_pool(self) -> None:
        """Start the workers at the first feed that needs parsing: a refresh in which every
        server answers 304 never pays for them (the forkserver alone costs a Python start
        and its imports)."""
        self._tried = True
        workers = self._workers = worker_count()
        if self._wanted and workers > 1:
            # concurrent.futures.process (and multiprocessing's pieces) load only here.
            from concurrent.futures import ProcessPoolExecutor

            try:
                context = parsing_context()
                start_process_helpers()
                self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                                initializer=exit_with,
                                                initargs=(os.getpid(),))
            except Exception:  # no processes to be had here: parse in a thread
                self.pool = None

    def warm_up(self) -> None:
        """Start the workers now, while the first feeds are being fetched, when some feed is
        sure to need parsing (one never fetched, or whose server sends no validators): the
        forkserver's Python start and imports then overlap the fetching."""
        if not self._tried:
            self._start_pool()
            self._spawn_soon()

    def _spawn_soon(self) -> None:
        """Spawn the workers in a thread: each spawn waits until the forkserver has imported
        the parsers (about 0.2 s), which would stop the event loop, and every fetch, as long."""
        pool = self.pool
        if pool is None:
            return

        def spawn() -> bool:
            try:
                for _ in range(self._workers):
                    pool.submit(import_parsers)  # one submit starts one worker
            except (BrokenExecutor, OSError, RuntimeError):
                return False
            return True

        self._spawning = asyncio.ensure_future(asyncio.to_thread(spawn))

    def __enter__(self) -> Parsers:
        return self

    def __exit__(self, *exc: object) -> None:
        """Waits for the workers to leave: a worker still starting when `reader refresh`
        ended (every feed failed fast) made multiprocessing's exit handler wait for it while
        it waited for its start-up data (a minute and more), or it found the pool's
        semaphores already gone and printed a traceback. A worker that is not parsing
        leaves at once; cancelled work is not waited for."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def prepare(self, body: bytes, headers: Mapping[str, str], url: str
                      ) -> Prepared | str:
        if not self._tried:
            self._start_pool()
            self._spawn_soon()
        if self._spawning is not None and not await asyncio.shield(self._spawning):
            self.pool = None  # the workers could not start: parse in a thread
        if self.pool is None:
            return await asyncio.to_thread(prepare_or_error, body, headers, url)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, prepare_or_error, body,
                                              dict(headers), url)
        except (BrokenExecutor, OSError, ValueError, RuntimeError):
            # A worker died (out of memory?) or could not start: parse here instead.
            self.pool = None
            return await asyncio.to_thread(prepare_or_error, body, headers, url)


async def _store_result(store: Store, feed_id: int, result: FetchResult,
                        parsers: Parsers | None = None, drop: DropHook | None = None,
                        tags: Sequence[str] = (), writer: _Writer | None = None
                        ) -> RefreshEvent:
    """Apply one fetch result; every failure becomes a FeedFailed, never an exception."""
    write = writer or asyncio.to_thread
    url = result.url
    moved = None
    if result.permanent_redirect and result.permanent_redirect != url:
        if await write(store.move_feed, feed_id, result.permanent_redirect):
            moved = url = result.permanent_redirect
    validators = result.validators
    if result.status is FetchStatus.NOT_MODIFIED:
        if writer is not None:
            await writer.not_modified_answer(feed_id, validators)
        else:
            await write(store.record_not_modified, feed_id, validators.etag,
                        validators.last_modified)
        return FeedDone(feed_id, url, not_modified=True, moved_to=moved)
    if result.status is FetchStatus.GONE:
        message = result.error or "HTTP 410 Gone: the feed was removed"
        await write(store.record_error, feed_id, message, gone=True)
        return FeedFailed(feed_id, url, message, gone=True)
    if result.status is FetchStatus.ERROR:
        message = result.error or "the fetch failed"
        not_before = result.retry_after.timestamp() if result.retry_after else None
        await write(store.record_error, feed_id, message, not_before=not_before)
        return FeedFailed(feed_id, url, message)
    parsers = parsers or Parsers(processes=False)
    if writer is not None:
        writer.parsing(+1)
    try:
        prepared = await parsers.prepare(result.body, result.headers, result.final_url or url)
    finally:
        if writer is not None:
            writer.parsing(-1)
    if isinstance(prepared, str):
        await write(store.record_error, feed_id, prepared)
        return FeedFailed(feed_id, url, prepared)
    records, dropped = drop(prepared.records, url, tags) if drop else (prepared.records, 0)
    fields: dict[str, Any] = dict(
        title=prepared.title, site_link=prepared.site_link, etag=validators.etag,
        last_modified=validators.last_modified, warning=prepared.warning,
        ttl_seconds=prepared.ttl_seconds, language=prepared.language)
    stats: ApplyStats = (await writer.apply(feed_id, records, **fields) if writer is not None
                         else await write(store.apply, feed_id, records, **fields))
    return FeedDone(feed_id, url, new=stats.new, updated=stats.updated, moved_to=moved,
                    warning=prepared.warning, dropped=dropped)


# -- subscribing -----------------------------------------------------------------------


class AddError(Exception):
    """Why a URL could not be subscribed to, in one line."""


class FetchFailed(AddError):
    """The URL could not be fetched at all (`http_status` None: no HTTP answer came)."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class AlreadySubscribed(AddError):
    def __init__(self, url: str, feed_id: int) -> None:
        super().__init__(f"already subscribed to {url}")
        self.url = url
        self.feed_id = feed_id


@dataclass(frozen=True, slots=True)
class Probe:
    """What a URL turned out to be: a feed (ready to store) or a page listing feeds."""

    url: str  # the feed's URL (after a permanent redirect, or as discovered)
    result: FetchResult
    prepared: Prepared | None = None
    discovered: tuple[DiscoveredFeed, ...] = ()
    scheme_note: str | None = None  # typed without a scheme: which one was used, and why


def normalize_url(text: str) -> str:
    """What the user typed, as a URL: a path that exists becomes file://, a bare host https://
    (`probe_typed` falls back to http:// when https cannot be reached)."""
    text = text.strip()
    if "://" in text:
        return text
    path = Path(text).expanduser()
    if text.startswith(("/", "./", "../", "~")) or path.exists():
        return path.resolve().as_uri()
    if text and " " not in text and "." in text.split("/")[0]:
        return "https://" + text
    return text


def without_scheme(text: str) -> bool:
    """Whether the user typed a bare host (`example.org/feed`), which `normalize_url` turns
    into https:// by guess."""
    text = text.strip()
    return "://" not in text and normalize_url(text) == "https://" + text


async def probe_typed(text: str, *, limits: FetchLimits | None = None) -> Probe:
    """`probe` what the user typed; with no scheme, https first, then http when https cannot
    be reached at all (no HTTP answer: refused, TLS error, timeout). The Probe says which."""
    url = normalize_url(text)
    if not without_scheme(text):
        return await probe(url, limits=limits)
    try:
        found = await probe(url, limits=limits)
    except FetchFailed as secure_error:
        if secure_error.http_status is not None:
            raise
        plain_url = "http://" + text.strip()
        try:
            found = await probe(plain_url, limits=limits)
        except AddError as plain_error:
            raise AddError(f"tried https and http: {url}: {secure_error}; "
                           f"{plain_url}: {plain_error}") from None
        note = f"no scheme given and https failed ({secure_error}): used http, {plain_url}"
    else:
        note = f"no scheme given: used https, {url}"
    return Probe(found.url, found.result, found.prepared, found.discovered, note)


async def probe(url: str, *, limits: FetchLimits | None = None) -> Probe:
    """Fetch a URL and say what it is. Raises AddError with the reason when it is no feed."""
    from feeds.discover import discover
    from feeds.fetch import fetch
    from feeds.parse import NotAFeed, ParseError

    limits = limits or FetchLimits()
    result = await fetch(url, limits=limits)
    if result.status is not FetchStatus.OK:
        raise FetchFailed(result.error or f"could not fetch {url}", result.http_status)
    feed_url = result.permanent_redirect or url
    try:
        prepared = await asyncio.to_thread(prepare, result.body, result.headers,
                                           result.final_url or url)
    except NotAFeed as error:
        if error.kind == "html":
            found = tuple(await asyncio.to_thread(discover, result.body,
                                                  result.final_url or url))
            if found:
                return Probe(feed_url, result, discovered=found)
            raise AddError("not a feed: the server returned an HTML page with no feed link"
                           ) from None
        raise AddError(str(error)) from None
    except ParseError as error:
        raise AddError(str(error)) from None
    return Probe(feed_url, result, prepared=prepared)


async def probe_linked(page: Probe, feed_url: str, *, limits: FetchLimits | None = None) -> Probe:
    """`probe` a feed that `page` links; a failure names the page and the link, not only
    the feed's own error ("the page P links F, which failed: HTTP 404")."""
    try:
        found = await probe(feed_url, limits=limits)
    except AddError as error:
        raise AddError(f"the page {page.url} links {feed_url}, which failed: {error}") from None
    if found.prepared is None:
        raise AddError(f"the page {page.url} links {feed_url}, which is not a feed either")
    return found


def store_probe(store: Store, probe_result: Probe, tags: Iterable[str] = ()) -> tuple[int,
                                                                                      ApplyStats]:
    """Subscribe to a probed feed and store its items in one go."""
    if probe_result.prepared is None:
        raise AddError("nothing to subscribe to")
    existing = store.feed_id(probe_result.url)
    if existing is not None:
        raise AlreadySubscribed(probe_result.url, existing)
    prepared = probe_result.prepared
    feed_id = store.add_feed(probe_result.url, prepared.title, tags)
    validators = probe_result.result.validators
    try:
        stats = store.apply(feed_id, prepared.records, title=prepared.title,
                            site_link=prepared.site_link, etag=validators.etag,
                            last_modified=validators.last_modified, warning=prepared.warning,
                            ttl_seconds=prepared.ttl_seconds, language=prepared.language)
    except BaseException:
        store.remove_feed(feed_id)  # a subscription is added whole or not at all
        raise
    return feed_id, stats


async def subscribe(store: Store, url: str, *, tags: Iterable[str] = (),
                    limits: FetchLimits | None = None, pick_first: bool = True
                    ) -> tuple[int, ApplyStats, Probe]:
    """Add a feed by URL: the one subscribe flow of the command line and the app.

    A page that links one feed is followed; a page that links several is followed to its
    first feed when `pick_first` (the command line), else returned with feed id -1 and its
    `discovered` feeds for the user to choose from (the app's dialog). A URL typed without
    a scheme tries https, then http (`Probe.scheme_note` says which). Every store call runs
    in a worker thread; the new items are indexed for search at once.
    """
    typed = url
    url = normalize_url(url)
    if not url.startswith(("http://", "https://", "file://")):
        raise AddError(f"not an http(s) URL: {url}")
    for candidate in (url, "http://" + typed.strip()) if without_scheme(typed) else (url,):
        existing = await asyncio.to_thread(store.feed_id, candidate)
        if existing is not None:
            raise AlreadySubscribed(candidate, existing)
    found = await probe_typed(typed, limits=limits)
    if found.prepared is None and found.discovered:
        if not pick_first and len(found.discovered) > 1:
            return -1, ApplyStats(), found
        page = found
        found = await probe_linked(page, page.discovered[0].url, limits=limits)
        found = Probe(found.url, found.result, found.prepared, page.discovered,
                      page.scheme_note)
    feed_id, stats = await asyncio.to_thread(store_probe, store, found, tags)
    await asyncio.to_thread(store.index_pending)
    return feed_id, stats, found
