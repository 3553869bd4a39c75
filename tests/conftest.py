"""Shared fixtures: every XDG folder points into tmp_path; a real local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.httpserver import LocalServer

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_path(*parts: str) -> Path:
    """A path inside ../shared, or skip the test with a reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared ships only with the development workspace)")
    return path


@pytest.fixture(autouse=True)
def private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test ever touches the user's real data, config or cache."""
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = tmp_path / "xdg" / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(folder))
    return tmp_path


@pytest.fixture(autouse=True)
def no_store_calls_on_the_ui_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app in every test runs with a store that refuses calls on the UI thread."""
    from reader.core.database import Database
    from tests.uithread import guard

    monkeypatch.setattr(Database, "wrap", staticmethod(guard))


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def ttrss_instance() -> Iterator[Any]:
    """One private Tiny Tiny RSS for the session, shared by the CLI and the app's sync tests
    (installed first when missing, as CI runs)."""
    from tests.ttrss_server import TTRSS, ensure_installed

    reason = ensure_installed()
    if reason:
        pytest.skip(reason)
    instance = TTRSS().start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(params=["greader", pytest.param("ttrss", marks=pytest.mark.slow)])
def side(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A sync server: the Google Reader test server, or a user of the real TT-RSS."""
    from tests.sync_harness import GReaderSide, TTRSSSide

    if request.param == "greader":
        made: GReaderSide | TTRSSSide = GReaderSide()
    else:
        made = TTRSSSide(request.getfixturevalue("ttrss_instance"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(autouse=True)
def superseded_workers_count_as_done(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that a newer one of its exclusive group cancelled (a view change cancels a
    preview's story) has done its part: waiting for every worker takes it as finished, as
    the app does, instead of failing the test with WorkerCancelled. A worker that failed
    still fails the wait."""
    import asyncio

    from textual.worker import WorkerCancelled
    from textual.worker_manager import WorkerManager

    async def wait_for_complete(self: WorkerManager, workers: Any = None) -> None:
        for worker in list(workers or self):
            try:
                await worker.wait()
            except (WorkerCancelled, asyncio.CancelledError):
                pass

    monkeypatch.setattr(WorkerManager, "wait_for_complete", wait_for_complete)
