"""The store, off the UI thread: one writer connection, reader connections beside it.

A mark must never wait behind a long read (it waited 218-340 ms behind a full headline load
when both shared one connection and one lock), so writes have their own thread and
connection, and reads run on a small pool whose threads each open their own connection.
SQLite's WAL lets readers and the writer work at the same time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar, TypeVar

from reader.store import Store

T = TypeVar("T")


def _as_is(store: Store) -> Store:
    return store


class Database:
    """Runs store calls in worker threads and hands the results back to the event loop."""

    # Tests install a wrapper here that refuses every call made on the UI thread.
    wrap: ClassVar[Callable[[Store], Store]] = staticmethod(_as_is)

    def __init__(self, store: Store, *, readers: int = 2) -> None:
        self.path = store.path
        self.writer = type(self).wrap(store)
        self._writes = ThreadPoolExecutor(1, thread_name_prefix="reader-db-write")
        self._reads = ThreadPoolExecutor(readers, thread_name_prefix="reader-db-read")
        # What a key waits for (the item to open, the next unread) never queues behind the
        # panel's counts or a whole view being read: it has a thread of its own.
        self._urgent = ThreadPoolExecutor(1, thread_name_prefix="reader-db-urgent")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._readers: list[Store] = []
        self._closed = False
        self.writes = 0  # writes asked and done: what was read before either may be out of date

    def _reader(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = type(self).wrap(Store(self.path, index_on_read=False))
            self._local.store = store
            with self._lock:
                self._readers.append(store)
        return store

    async def read(self, call: Callable[[Store], T], *, urgent: bool = False) -> T:
        """Run `call(store)` on a reader connection; it sees every committed write.
        `urgent`: a short read a key is waiting for, on its own thread and connection."""
        loop = asyncio.get_running_loop()
        pool = self._urgent if urgent else self._reads
        return await loop.run_in_executor(pool, lambda: call(self._reader()))

    async def write(self, call: Callable[[Store], T]) -> T:
        """Run `call(store)` on the one writer connection, in submission order."""
        loop = asyncio.get_running_loop()
        self.writes += 1
        try:
            return await loop.run_in_executor(self._writes, call, self.writer)
        finally:
            self.writes += 1  # and done: a read made while it waited did not see it

    def close(self) -> None:
        """Wait for the calls under way (a mark in flight is committed), then close the
        reader connections. The writer's store belongs to whoever opened it."""
        if self._closed:
            return
        self._closed = True
        self._writes.shutdown(wait=True, cancel_futures=False)
        self._reads.shutdown(wait=True, cancel_futures=True)
        self._urgent.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for store in self._readers:
                try:
                    store.close()
                except Exception:  # noqa: BLE001 - closing must not fail the exit
                    pass
            self._readers.clear()
