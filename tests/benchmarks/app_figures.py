"""Figures 4, 5, 6 and 9: the app with the generated store.

Start-up and memory run the real `reader` in a real terminal (tmux); keys and the article run
the app headless under Pilot in this process, as the brief asks, with keys put on the driver's
queue all at once the way a terminal delivers a burst of typed keys.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual import events

from reader.app import ReaderApp
from reader.store import Store
from reader.widgets.article_view import ArticleView
from reader.widgets.headline_list import HeadlineList
from tests.benchmarks.context import REPO, Bench
from tests.benchmarks.minimal_app import READY_TEXT
from tests.benchmarks.report import Row, median, ratio, seconds, spread
from tests.benchmarks.textgen import FIRST_HEADLINE, LAST_HEADLINE, LONG_ARTICLE_MARK

NO_TMUX = "tmux not installed: not measured"
SCREEN = (120, 40)


# -- start-up in a real terminal -----------------------------------------------------------


def startup(bench: Bench) -> list[Row]:
    facts = bench.store()
    terminal = bench.terminal()
    figure = f"start to first headline, {facts.items // 1000}k items (tmux)"
    target = "<= 2x minimal app and < 1 s"
    if terminal is None:
        return [Row(figure, "-", "-", "-", target, None, [NO_TMUX])]
    first = FIRST_HEADLINE.split()[0]
    ours, theirs = [], []
    for run in range(bench.sizes.startup_runs):
        for who, command, text, times in (
            ("minimal", [bench.python, "-m", "tests.benchmarks.minimal_app"], READY_TEXT,
             theirs),
            ("reader", bench.reader_command("--data-dir", str(facts.data_dir)), first, ours),
        ):
            name = f"start-{who}-{run}"
            started = terminal.start(name, command, cwd=str(REPO))
            try:
                seen = terminal.wait_for(name, text, timeout=30)
            finally:
                terminal.stop(name)
            times.append(seen - started)
        bench.log(f"start-up run {run + 1}: reader {seconds(ours[-1])}, "
                  f"minimal app {seconds(theirs[-1])}")
    share = median(ours) / median(theirs)
    return [Row(figure, spread(ours), spread(theirs) + " (minimal Textual app)",
                ratio(median(ours), median(theirs)), target,
                share <= 2 and median(ours) < 1.0,
                [f"terminal {SCREEN[0]}x{SCREEN[1]}; time from tmux new-session until the "
                 "text shows in capture-pane (polled every 5 ms)"])]


# -- peak memory after scrolling end to end --------------------------------------------------


def memory(bench: Bench) -> list[Row]:
    facts = bench.store()
    terminal = bench.terminal()
    figure = f"peak memory, {facts.items // 1000}k items, G then g"
    if terminal is None:
        return [Row(figure, "-", "-", "-", "<= 150 MiB", None, [NO_TMUX])]
    peaks = []
    for run in range(bench.sizes.memory_runs):
        out = bench.workdir / f"peak-{run}.txt"
        out.unlink(missing_ok=True)
        name = f"memory-{run}"
        command = [bench.python, "-m", "tests.benchmarks.peak_rss", str(out), "--",
                   *bench.reader_command("--data-dir", str(facts.data_dir))]
        terminal.start(name, command, cwd=str(REPO))
        try:
            terminal.wait_for(name, FIRST_HEADLINE.split()[0], timeout=60)
            terminal.wait_for(name, f"{facts.items} items", timeout=120)  # all rows loaded
            terminal.keys(name, "G")
            terminal.wait_for(name, LAST_HEADLINE.split()[0], timeout=60)
            terminal.keys(name, "g")
            terminal.wait_for(name, FIRST_HEADLINE.split()[0], timeout=60)
            terminal.keys(name, "q")
            deadline = time.perf_counter() + 30
            while not out.exists() and time.perf_counter() < deadline:
                time.sleep(0.05)
        finally:
            terminal.stop(name)
        if not out.exists():
            raise RuntimeError("the reader did not quit on q within 30 s")
        peak_kib, status = (int(part) for part in out.read_text().split())
        if status != 0:
            raise RuntimeError(f"the reader exited {status}")
        peaks.append(peak_kib / 1024)
        bench.log(f"memory run {run + 1}: {peaks[-1]:.0f} MiB")
    peak = median(peaks)
    return [Row(figure, f"{peak:.0f} MiB", "-", "-", "<= 150 MiB", peak <= 150,
                ["max RSS of the reader process (getrusage RUSAGE_CHILDREN) in tmux, after "
                 "every row was loaded, G, g, q"])]


# -- Pilot: keys and the article ----------------------------------------------------------------


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.0005)


def _send(app: ReaderApp, key: str, character: str | None) -> None:
    event = events.Key(key, character)
    event.set_sender(app)
    app._driver.send_message(event)  # what a terminal's input thread does


class Frames:
    """When the app hands a frame to its driver: a headless app composes every frame as a real
    one would and only skips the write, so this is when the frame would reach the terminal."""

    def __init__(self, app: ReaderApp) -> None:
        self.times: list[float] = []
        display = app._display

        def recording(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is not None:
                self.times.append(time.perf_counter())

        app._display = recording

    async def after(self, moment: float, timeout: float = 10) -> float:
        """The first frame composed after `moment`."""
        await _until(lambda: bool(self.times) and self.times[-1] > moment, timeout,
                     "a frame")
        return next(t for t in self.times if t > moment)


async def _loaded_app(store: Store, items: int, body):
    app = ReaderApp(store)
    async with app.run_test(size=SCREEN) as pilot:
        frames = Frames(app)
        headlines = app.screen.query_one(HeadlineList)
        await _until(lambda: len(headlines.rows) == items, 120, "every row")
        await pilot.pause()
        return await body(app, pilot, headlines, frames)


def keys(bench: Bench) -> list[Row]:
    facts = bench.store()
    count = bench.sizes.keys
    store = Store(facts.path)

    async def body(app, pilot, headlines: HeadlineList, frames: Frames) -> list[float]:
        times = []
        for _run in range(bench.sizes.key_runs):
            headlines.cursor_row = 0
            await pilot.pause()
            started = time.perf_counter()
            for _ in range(count):
                _send(app, "j", "j")
            await _until(lambda: headlines.cursor_row == count, 60,
                         f"the cursor on row {count} (a key was lost?)")
            painted = await frames.after(time.perf_counter())
            times.append(painted - started)
            await pilot.pause()
            if headlines.cursor_row != count:
                raise RuntimeError(f"the cursor went past row {count}")
        return times

    try:
        times = asyncio.run(_loaded_app(store, facts.items, body))
    finally:
        store.close()
    per_key = [t / count for t in times]
    bench.log(f"keys: {spread(per_key)} per key")
    return [Row(f"cursor move, {count} j keys at once, {facts.items // 1000}k items",
                spread(per_key) + "/key", "-", "-", "<= 5 ms/key, all handled",
                median(per_key) <= 0.005,
                [f"Pilot (headless, {SCREEN[0]}x{SCREEN[1]}); from the burst to the first frame "
                 f"composed after the cursor reached row {count} (every key handled); total "
                 f"{spread(times)} for {count} keys"])]


def article(bench: Bench) -> list[Row]:
    facts = bench.store()
    store = Store(facts.path)

    def shown(view: ArticleView) -> bool:
        return LONG_ARTICLE_MARK in view.text and any(
            LONG_ARTICLE_MARK in view.line_text(line) for line in range(min(view.line_count, 30))
        )

    async def body(app, pilot, headlines: HeadlineList, frames: Frames
                   ) -> tuple[list[float], list[float], int]:
        view = app.screen.query_one(ArticleView)
        times, idle = [], []
        for _run in range(bench.sizes.article_runs):
            # Open another item first, so the long one is not already on screen.
            headlines.cursor_row = 0
            await pilot.pause()
            _send(app, "enter", None)
            await _until(lambda: bool(view.text) and LONG_ARTICLE_MARK not in view.text, 30,
                         "the first item")
            await pilot.pause()
            _send(app, "escape", None)
            await pilot.pause()
            headlines.move_to(facts.long_article_id)
            await pilot.pause()
            started = time.perf_counter()
            _send(app, "enter", None)
            await _until(lambda: shown(view), 30, "the long article's text")
            painted = await frames.after(time.perf_counter())
            times.append(painted - started)
            await pilot.pause()
            idle.append(time.perf_counter() - started)
            _send(app, "escape", None)
            await pilot.pause()
        return times, idle, view.line_count

    try:
        times, idle, lines = asyncio.run(_loaded_app(store, facts.items, body))
        words = len(store.item(facts.long_article_id).text.split())
    finally:
        store.close()
    bench.log(f"article: {spread(times)}")
    return [Row(f"open a stored {words:,}-word article", spread(times), "-", "-",
                "<= 100 ms", median(times) <= 0.100,
                [f"Pilot: Enter to the first frame composed after the body's first line is laid "
                 f"out in the ArticleView; {lines} wrapped lines; first open "
                 f"{seconds(times[0])}; until the app is idle again (Pilot.pause): "
                 f"{spread(idle)}"])]
