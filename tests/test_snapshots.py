"""SVG snapshots of the main layout at 80x24 and 120x40, with frozen data and clock.

Update after an intended change of the look: `pytest tests/test_snapshots.py --snapshot-update`,
then look at the SVGs before committing them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.app import ReaderApp
from reader.screens.main import PREVIEW_DELAY, MainScreen
from reader.store import Store
from tests.feedgen import rss
from tests.test_app import fill

FROZEN_NOW = datetime(2022, 1, 12, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc_clock() -> Iterator[None]:
    """Dates render in UTC whatever the machine's zone, so snapshots match anywhere."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def snapshot_app(tmp_path: Path) -> ReaderApp:
    store = Store(tmp_path / "snapshot.db")
    fill(store, "http://one.example/feed",
         rss("Steppe Herald", 12, body="Protests over fuel prices spread. {title}."))
    fill(store, "http://two.example/feed",
         rss("Caspian Wire", 6, body="Markets and prices in the region. {title}."))
    store.mark_read([1, 2, 3])
    store.set_starred([4])
    return ReaderApp(store)


async def freeze(pilot) -> None:  # noqa: ANN001 - Pilot from the plugin
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    screen.headlines.clock = lambda: FROZEN_NOW
    screen.headlines.set_rows(screen.headlines.rows)
    await pilot.pause(PREVIEW_DELAY + 0.2)  # the highlighted item's preview
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_main_layout(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(tmp_path), terminal_size=size, run_before=freeze)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_article_open(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def open_article(pilot) -> None:  # noqa: ANN001
        await freeze(pilot)
        await pilot.press("j", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(snapshot_app(tmp_path), terminal_size=size, run_before=open_article)
