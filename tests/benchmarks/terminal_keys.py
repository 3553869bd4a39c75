"""Issue 11's terminal figure: ?, Escape and j in a real terminal while a refresh runs.

The issue asks that, during a 300-feed refresh against the 100k-item store, `?`, Escape and
`j` answer within a frame in a real terminal. The Pilot figure (corekeys) times frames inside
the app; this one times what a person sees: `reader` runs in tmux (120x40), R starts the
refresh of 300 served feeds, and while its meter shows, keys are sent as a person types them
(60-120 ms apart): j, j, j, ?, Escape, again. A tmux control-mode client (tmux -C) types each
key (send-keys written to it: no tmux process started per key) and reports each output of the
pane as it comes; after each output the pane is captured to see whether the key's effect is
there. A key's latency runs from typing it to the last output tmux passed on before the capture
that shows its effect:
- j: the highlighted row (the one line drawn in the cursor's background) moved or changed;
- ?: the help's binding ids are on the screen; Escape: they are gone.
tmux's escape-time is 0 here (its default, 500 ms, holds every Escape back in any program
run in tmux). A frame at 60 Hz is 16.7 ms.
"""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.benchmarks.report import Row, seconds
from tests.benchmarks.server import FeedServer

if TYPE_CHECKING:
    from tests.benchmarks.context import Bench
    from tests.benchmarks.terminal import Terminal

FEEDS, ITEMS = 300, 50
GAP = (0.06, 0.12)  # seconds between one key's effect and the next key, as typed
LOST_AFTER = 3.0
SCROLL_FIRST = 60  # j keys before R (the window shows ~36 rows)
QUIET = 0.010  # seconds without output after which a pane is taken as drawn
HELP_MARK = "headline-list.cursor-down"  # a binding id: only the help shows it
METER = re.compile(r"\d+%")
CSI = re.compile(r"\x1b\[([0-9;]*)m")
FRAME = 1 / 60
TARGET = 0.050  # p99, as the Pilot figure
WINDOW = "keys"


def termkeys(bench: Bench) -> list[Row]:
    figure = (f"?, Escape and j in a real terminal (tmux 120x40) during a {FEEDS}-feed "
              f"refresh, {bench.sizes.store_items // 1000}k items")
    terminal = bench.terminal()
    if terminal is None:
        return [Row(figure, "not measured: tmux is not installed", "-", "-", "-", None,
                    key="termkeys")]
    facts = bench.store()
    documents = bench.feeds(FEEDS, ITEMS)
    with FeedServer(documents) as server:
        data = bench.fresh_dir("termkeys")
        shutil.copyfile(facts.path, data / "reader.db")
        _subscribe(data / "reader.db", server.urls())
        terminal.start(WINDOW, bench.reader_command("--data-dir", str(data)),
                       cwd=str(Path(__file__).resolve().parents[2]))
        try:
            terminal.wait_for(WINDOW, "items", 60)
            time.sleep(2.0)  # the start-up's deferred work (counts, services) settles
            results = _measure(terminal)
        finally:
            terminal.stop(WINDOW)
    return [_row(figure, results)]


def _subscribe(database: Path, urls: list[str]) -> None:
    """The served feeds, due now; the store's own feeds held back (as corekeys does)."""
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE feeds SET not_before = ? WHERE url LIKE ?",
                     (time.time() + 86_400, "http://127.0.0.1:9/%"))
    from reader.store import Store

    store = Store(database)
    try:
        for url in urls:
            store.add_feed(url)
    finally:
        store.close()


class _Outputs:
    """A tmux control-mode client on the window: the moments the app's output reached tmux."""

    def __init__(self, terminal: Terminal) -> None:
        terminal._tmux("set-option", "-t", WINDOW, "window-size", "manual",  # noqa: SLF001
                       check=False)
        self.moments: list[float] = []
        self._changed = threading.Condition()
        self._process = subprocess.Popen(
            ["tmux", "-L", terminal.socket, "-C", "attach", "-t", WINDOW],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=terminal.env)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith(b"%output"):
                with self._changed:
                    self.moments.append(time.perf_counter())
                    self._changed.notify_all()

    def next_after(self, moment: float, timeout: float) -> float | None:
        """The first output after `moment`, waiting up to `timeout` for it."""
        deadline = time.perf_counter() + timeout
        with self._changed:
            while True:
                later = [seen for seen in self.moments[-64:] if seen > moment]
                if later:
                    return later[0]
                left = deadline - time.perf_counter()
                if left <= 0 or not self._changed.wait(left):
                    return None

    def last_before(self, moment: float) -> float | None:
        with self._changed:
            earlier = [seen for seen in self.moments[-64:] if seen <= moment]
        return earlier[-1] if earlier else None

    def send(self, key: str) -> float:
        """Type `key` through the control client (no tmux process started for it, which took
        several milliseconds on a busy machine); returns the moment it was written."""
        assert self._process.stdin is not None
        sent = time.perf_counter()
        self._process.stdin.write(f"send-keys -t {WINDOW} {key}\n".encode())
        self._process.stdin.flush()
        return sent

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.terminate()
        self._process.wait(timeout=5)


def _measure(terminal: Terminal) -> dict[str, list[float]]:
    outputs = _Outputs(terminal)
    try:
        return _keys(terminal, outputs)
    finally:
        outputs.close()


def _keys(terminal: Terminal, outputs: _Outputs) -> dict[str, list[float]]:
    """j, j, j, then ? and Escape, while the refresh's meter shows."""
    results: dict[str, list[float]] = {"j": [], "?": [], "Escape": [], "lost": [],
                                       "captures": []}
    rng = random.Random(11)
    cursor_code = _cursor_code(_capture(terminal))
    # The list scrolled away from its top first: at the top, the refresh's new rows come in
    # above the cursor and move its line, which would pass for a j.
    for _ in range(SCROLL_FIRST):
        outputs.send("j")
    time.sleep(1.0)
    outputs.send("R")
    _wait(terminal, lambda screen: bool(METER.search(_plain_tail(screen))), 30)
    started = time.perf_counter()
    count = 0
    while time.perf_counter() - started < 120:
        screen = _capture(terminal)
        if not METER.search(_plain_tail(screen)):
            break  # the refresh is over
        if count % 5 == 3:
            _press(terminal, outputs, results, "?", lambda s: HELP_MARK in _plain(s))
            time.sleep(rng.uniform(*GAP))
            _press(terminal, outputs, results, "Escape",
                   lambda s: HELP_MARK not in _plain(s))
        else:
            before = _cursor_line(screen, cursor_code)
            _press(terminal, outputs, results, "j",
                   lambda s, before=before: _cursor_line(s, cursor_code) != before)
        count += 1
        time.sleep(rng.uniform(*GAP))
    return results


def _press(terminal: Terminal, outputs: _Outputs, results: dict[str, list[float]],
           key: str, shows: object) -> None:
    """Send `key`; after each output of the app, capture the pane until it shows the effect.
    The latency ends at the last output that reached tmux before that capture began."""
    sent = outputs.send(key)
    seen = sent
    captures = 0
    while True:
        left = sent + LOST_AFTER - time.perf_counter()
        if outputs.next_after(seen, max(0.0, left)) is None:
            results["lost"].append(time.perf_counter() - sent)
            return
        # The pane is being written: capture until it shows the effect or has been quiet
        # for QUIET (tmux reads a frame in several chunks; a capture may fall between two).
        while True:
            asked = time.perf_counter()
            screen = _capture(terminal)
            captures += 1
            if shows(screen):  # type: ignore[operator]
                last = outputs.last_before(asked)
                results[key].append((last if last and last > sent else asked) - sent)
                results["captures"].append(captures)
                return
            latest = outputs.last_before(time.perf_counter()) or sent
            if time.perf_counter() - latest > QUIET:
                break
            time.sleep(0.001)
        seen = time.perf_counter()


def _wait(terminal: Terminal, condition: object, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not condition(_capture(terminal)):  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError("the refresh did not start")
        time.sleep(0.005)


def _capture(terminal: Terminal) -> str:
    return terminal._tmux("capture-pane", "-e", "-p", "-t", WINDOW, check=False)  # noqa: SLF001


def _plain(screen: str) -> str:
    return CSI.sub("", screen)


def _plain_tail(screen: str) -> str:
    return "\n".join(_plain(screen).splitlines()[-3:])


def _backgrounds(line: str) -> set[str]:
    found = set()
    for codes in CSI.findall(line):
        parts = codes.split(";")
        for index, part in enumerate(parts[:-2]):
            if part == "48" and parts[index + 1] == "5":
                found.add(parts[index + 2])
    return found


def _cursor_code(screen: str) -> str:
    """The background only the highlighted row is drawn in (first screen, list focused)."""
    lines = screen.splitlines()[:-2]
    seen: dict[str, int] = {}
    for line in lines:
        for code in _backgrounds(line):
            seen[code] = seen.get(code, 0) + 1
    once = [code for code, times in seen.items() if times == 1]
    if not once:
        raise RuntimeError("no highlighted row found on the first screen")
    # the cursor's row is the list's; the panel's selected entry has a colour of its own too:
    # the row drawn further right (the list is right of the panel)
    return max(once, key=lambda code: max(line.find(f"48;5;{code}m") for line in lines))


def _cursor_line(screen: str, code: str) -> tuple[int, str]:
    for number, line in enumerate(screen.splitlines()):
        where = line.rfind(f"48;5;{code}m")
        if where >= 0:
            return number, _plain(line[where:])
    return -1, ""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(share * len(ordered) + 0.999999) - 1)]


def _brief(values: list[float]) -> str:
    if not values:
        return "none"
    frames = sum(1 for value in values if value <= FRAME)
    return (f"p50 {seconds(_percentile(values, 0.5))}, p99 {seconds(_percentile(values, 0.99))}"
            f", max {seconds(max(values))}; {frames}/{len(values)} within {seconds(FRAME)}")


def _row(figure: str, results: dict[str, list[float]]) -> Row:
    keys = results["j"] + results["?"] + results["Escape"]
    if not keys:
        return Row(figure, "no key measured (the refresh ended first?)", "-", "-", "-", False,
                   key="termkeys")
    p99 = _percentile(keys, 0.99)
    notes = [f"j: {_brief(results['j'])}", f"?: {_brief(results['?'])}",
             f"Escape: {_brief(results['Escape'])}",
             f"{len(keys)} keys seen answered, {len(results['lost'])} not within "
             f"{LOST_AFTER:g} s; the app wrote {sum(results['captures'])} times in all "
             "before the keys' effects showed (a capture after each)"]
    return Row(figure, f"p50 {seconds(_percentile(keys, 0.5))}, p99 {seconds(p99)}", "-", "-",
               f"p99 <= {seconds(TARGET)}, none lost",
               p99 <= TARGET and not results["lost"], notes, key="termkeys")
