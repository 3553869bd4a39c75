"""A store wrapper that refuses every call made on the UI (main) thread.

The app core installs it through `Database.wrap` for every test (conftest.py), so the whole
Pilot suite proves that no store call happens on the UI thread: one that did would raise
here and fail its test.
"""

from __future__ import annotations

import threading
from typing import Any

from reader.store import Store


class StoreCalledOnUIThread(AssertionError):
    """The app called the database from the thread that draws the screen."""


class UIThreadGuard:
    """Forwards to a Store; a method called from the main thread raises instead."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value):
            return value

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                raise StoreCalledOnUIThread(f"Store.{name} was called on the UI thread")
            return value(*args, **kwargs)

        return guarded


def guard(store: Store) -> Store:
    return UIThreadGuard(store)  # type: ignore[return-value]
