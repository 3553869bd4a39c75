"""The start-up path (issue 11's start-up figure): `reader` and `reader --data-dir DIR` skip the
command parser, the first page is read while Textual is imported and the screen uses it, and the
cycle collector paused for the start is on again once the first frame is drawn."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from reader.app import ReaderApp
from reader.cli import FIRST_PAGE_ROWS, app_only, read_first_page
from reader.core.config import Config
from reader.screens.main import MainScreen
from reader.store import Store
from tests.feedgen import rss
from tests.test_app import fill


@pytest.mark.parametrize(("argv", "expected"), [
    ([], (True, None)),
    (["--data-dir", "/tmp/x"], (True, "/tmp/x")),
    (["--data-dir=/tmp/y"], (True, "/tmp/y")),
    (["--data-dir="], (False, None)),
    (["--data-dir", "--help"], (False, None)),
    (["list"], (False, None)),
    (["--help"], (False, None)),
    (["--data", "/tmp/x"], (False, None)),  # abbreviations go through argparse
])
def test_only_the_plain_launch_skips_the_parser(argv: list[str],
                                                expected: tuple[bool, str | None]) -> None:
    assert app_only(argv) == expected


async def test_the_screen_starts_with_the_page_read_before_the_app(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 7))
    page = read_first_page(store.path, Config())
    assert page.result(timeout=10).limit == FIRST_PAGE_ROWS
    assert len(page.result().rows) == 7
    app = ReaderApp(store, first_page=page)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert [row.id for row in main.headlines.rows] == [row.id for row in page.result().rows]
        assert app.take_first_page() is None  # used once


async def test_the_collector_is_on_again_after_the_first_frame(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db")
    fill(store, "http://one.example/feed", rss("Alpha", 3))
    app = ReaderApp(store)
    gc.disable()  # as reader.cli.launch_app does for the start
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
