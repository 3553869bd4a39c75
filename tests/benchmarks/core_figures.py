"""Issue 11's figure: key latency (cursor move and open) while a refresh of 300 served feeds runs
against the 100k-item store, for the app before the core (b5718b1) and now, in one run. Each
side runs in a process of its own on its own copy of the store, against the same feed server:
`git archive b5718b1 reader feeds` is unpacked in the work folder and put first on the child's
path, so `import reader` there is the old tree (checked before anything is measured). The app
runs headless under Pilot; after R, while `screen.refreshing` holds, keys go onto the driver's
queue one at a time, as a terminal delivers typed keys, 10-20 ms apart: j, j, j, j, Enter,
Escape, and again; every 23rd key is ? and Escape to close the help. A key's latency runs from
the send to the first frame composed after it took effect; a key without effect after 5 s is
lost. Three rounds per side (one with --quick), alternating before/now, each on a fresh copy of
a store the old code wrote (the old code refuses a newer schema; the code now upgrades it as it
opens it). This module imports no `reader` at module level, so the child can choose its tree
first.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import math
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.benchmarks.report import Row, ratio, seconds
from tests.benchmarks.server import FeedServer

if TYPE_CHECKING:
    from tests.benchmarks.context import Bench

REPO = Path(__file__).resolve().parents[2]
BEFORE = "b5718b1"  # the last commit before the app core
SCREEN = (120, 40)
LOST_AFTER = 5.0  # seconds; a key not handled by then counts as lost
GAP = (0.010, 0.020)  # seconds between one key's effect and the next send
OPEN_EVERY = 5  # j, j, j, j, Enter (+ Escape)
HELP_EVERY = 23  # and now and then ? (+ Escape): the help must answer as fast (not in the p99)
TARGET = 0.050  # p99
KINDS = ("j", "enter", "escape", "help", "help_close")
IDLE_KEYS = 20  # j keys before the refresh: what the same measurement gives on an idle app


def _plan(quick: bool) -> dict[str, float]:
    """Feeds x items to refresh, how long / how many keys at most in one refresh, and how
    many refreshes (rounds) per side."""
    if quick:
        return {"feeds": 40, "items": 20, "seconds": 30, "keys": 400, "rounds": 1}
    return {"feeds": 300, "items": 50, "seconds": 240, "keys": 3000, "rounds": 3}


# -- the parent: feeds, server, one child per side ------------------------------------------


def corekeys(bench: Bench) -> list[Row]:
    stored = bench.sizes.store_items
    plan = _plan(stored < 100_000)
    feeds, items = int(plan["feeds"]), int(plan["items"])
    documents = bench.feeds(feeds, items)
    old_tree = _export(bench, BEFORE)
    store_dir = _old_store(bench, old_tree)
    # "now" is the working tree; COREKEYS_NOW=<commit> measures that commit instead (while
    # the working tree is mid-edit or mid-merge).
    now_commit = os.environ.get("COREKEYS_NOW")
    now_label = "now"
    now_tree = REPO
    if now_commit:
        now_commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short",
                                     now_commit], capture_output=True, text=True, check=True,
                                    timeout=60).stdout.strip()
        now_label = f"now ({now_commit})"
        now_tree = _export(bench, now_commit)
    rounds: dict[str, list[dict[str, Any]]] = {"before": [], "now": []}
    with FeedServer(documents) as server:
        urls = server.urls()
        # Rounds alternate the sides, so both see the same machine noise.
        # COREKEYS_SIDES=now / COREKEYS_ROUNDS=1 narrow the run while iterating on a change.
        sides = os.environ.get("COREKEYS_SIDES", "before,now").split(",")
        for round_number in range(int(os.environ.get("COREKEYS_ROUNDS", plan["rounds"]))):
            for label, tree in (("before", old_tree), ("now", now_tree)):
                if label not in sides:
                    continue
                data = bench.fresh_dir(f"corekeys-{label}-{round_number}")
                shutil.copyfile(store_dir / "reader.db", data / "reader.db")
                _hold_generated_feeds(data / "reader.db")
                server.reset_counts()
                bench.log(f"corekeys round {round_number + 1}: {label} ({tree}), {feeds} feeds "
                          f"x {items} items to refresh, {stored} items stored")
                result = _run_child(bench, tree, data, urls, plan)
                result["server"] = server.counts()
                rounds[label].append(result)
                bench.log(f"corekeys round {round_number + 1}: {label}: {_summary(result)}")
                for line in _trace_lines(result.get("trace", [])):
                    bench.log(f"corekeys trace, Enter: {line}")
                for name, values in result.get("costs", {}).items():
                    bench.log(f"corekeys trace, UI thread in {name}: {len(values)} calls, "
                              f"{_brief(values)}")
    results = {label: _merge(done) for label, done in rounds.items() if done}
    return _rows(results, stored, feeds, items, now_label)


def _old_store(bench: Bench, old_tree: Path) -> Path:
    """The generated store as the code before the core wrote it: that code refuses a
    database a newer schema wrote, and the code now upgrades an old one as it opens it. Built
    by storegen in a child whose `reader` is the old tree, kept for the day beside the
    shared cache (a name of its own, so the shared cache's clean-up never takes it)."""
    from tests.benchmarks.storegen import CACHE_ROOT

    sizes = bench.sizes
    prefix = f"corekeys-{BEFORE}-{sizes.store_items}x{sizes.store_feeds}-"
    cached = CACHE_ROOT / (prefix + time.strftime("%Y-%m-%d"))
    if (cached / "reader.db").exists():
        bench.log(f"corekeys: the {BEFORE} store from the cache: {cached}")
        return cached
    for old in CACHE_ROOT.glob(prefix + "*"):
        if old != cached and not old.name.endswith(".building"):
            shutil.rmtree(old, ignore_errors=True)
    building = CACHE_ROOT / f"{cached.name}.{os.getpid()}.building"
    shutil.rmtree(building, ignore_errors=True)
    started = time.perf_counter()
    _call_child(bench, old_tree, {"build": str(building), "items": sizes.store_items,
                                  "feeds": sizes.store_feeds}, timeout=3600)
    for suffix in ("-wal", "-shm"):
        (building / f"reader.db{suffix}").unlink(missing_ok=True)
    try:
        building.rename(cached)
    except OSError:  # another run finished the same store first
        shutil.rmtree(building, ignore_errors=True)
    bench.log(f"corekeys: built the {BEFORE} store ({sizes.store_items} items) in "
              f"{time.perf_counter() - started:.0f} s")
    return cached


def _hold_generated_feeds(database: Path) -> None:
    """The store's own 500 feeds point at 127.0.0.1:9 (never fetched): hold them back as a
    Retry-After would, so R refreshes the served feeds alone, as the issue's row says."""
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE feeds SET not_before = ? WHERE url LIKE ?",
                     (time.time() + 86_400, "http://127.0.0.1:9/%"))


def _export(bench: Bench, commit: str) -> Path:
    """`reader` and `feeds` as they were at `commit`, unpacked into the work folder."""
    tree = bench.fresh_dir(f"tree-{commit}")
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit, "reader", "feeds"],
                             capture_output=True, check=True, timeout=120).stdout
    archive_path = bench.workdir / f"tree-{commit}.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _run_child(bench: Bench, tree: Path, data: Path, urls: list[str],
               plan: dict[str, float]) -> dict[str, Any]:
    out = data.parent / f"{data.name}.json"
    _call_child(bench, tree, {"data": str(data), "urls": urls, "plan": plan, "out": str(out)},
                timeout=plan["seconds"] + 900)
    if not out.exists():
        raise RuntimeError(f"the {tree.name} measurement wrote no result")
    return json.loads(out.read_text(encoding="utf-8"))


def _call_child(bench: Bench, tree: Path, request: dict[str, Any], *, timeout: float) -> None:
    env = dict(bench.env)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(REPO)])
    # Not the repository as the working folder: `-m` puts it first on sys.path, before
    # PYTHONPATH, and its `reader` would win over the old tree.
    done = subprocess.run([bench.python, "-m", "tests.benchmarks.core_figures",
                           json.dumps({"tree": str(tree), **request})], env=env,
                          cwd=bench.workdir, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"the {tree.name} child exited {done.returncode}: "
                           f"{done.stderr.strip()[-600:]}")


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _figures(result: dict[str, Any]) -> tuple[float, float, float]:
    measured = result["j"] + result["enter"]
    if not measured:
        return math.nan, math.nan, math.nan
    return _percentile(measured, 0.5), _percentile(measured, 0.99), max(measured)


def _merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's rounds as one result: keys pooled, counts summed, refreshes listed."""
    merged: dict[str, Any] = {name: [] for name in ("j", "enter", "escape", "help",
                                                    "help_close", "idle", "lost_why",
                                                    "worst")}
    merged.update(lost={kind: 0 for kind in KINDS}, sent=0, handled=0, inside=0,
                  refreshes=[], due=rounds[0]["due"], reader_file=rounds[0]["reader_file"])
    for number, result in enumerate(rounds, 1):
        for name in ("j", "enter", "escape", "help", "help_close", "idle"):
            merged[name] += result.get(name, [])
        for kind, count in result["lost"].items():
            merged["lost"][kind] += count
        for name in ("sent", "handled", "inside"):
            merged[name] += result[name]
        merged["lost_why"] += [f"round {number}, {why}" for why in result["lost_why"]]
        merged["worst"] += [(latency, kind, at, number)
                            for latency, kind, at in result["worst"]]
        merged["refreshes"].append(result)
    merged["worst"] = sorted(merged["worst"])[-3:]
    return merged


def _refreshes(result: dict[str, Any]) -> str:
    parts = []
    for one in result["refreshes"]:
        took = (f"{seconds(one['refresh_seconds'])}" if one["refresh_done"]
                else f"still running after {seconds(one['refresh_seconds'])}")
        held = (f"all {one['stored_after']} stored items in the list "
                f"{seconds(one['rows_settled'])} after"
                if one["rows_settled"] is not None
                else f"{one['rows_after']} of {one['stored_after']} items in the list")
        parts.append(f"{took} (server {one['server']}; {held})")
    return "; ".join(parts)


def _brief(values: list[float]) -> str:
    if not values:
        return "none"
    over = sum(1 for value in values if value > TARGET)
    return (f"p50 {seconds(_percentile(values, 0.5))}, p99 {seconds(_percentile(values, 0.99))}"
            f", max {seconds(max(values))}, {over}/{len(values)} over {seconds(TARGET)}")


def _summary(result: dict[str, Any]) -> str:
    p50, p99, top = _figures(result)
    if math.isnan(p50):
        return f"no key handled ({result['sent']} sent)"
    lost = sum(result["lost"].values())
    return (f"p50 {seconds(p50)}, p99 {seconds(p99)}, max {seconds(top)}; "
            f"{result['handled']}/{result['sent']} keys handled ({lost} lost)")


def _rows(results: dict[str, dict[str, Any]], stored: int, feeds: int,
          items: int, now_label: str = "now") -> list[Row]:
    figure = (f"key latency (j and Enter) during a {feeds}-feed refresh, "
              f"{stored // 1000}k items")
    before, now = results.get("before"), results["now"]
    rows = []
    sides = [(f"before the core ({BEFORE})", before), (now_label, now)]
    for label, result in [(label, result) for label, result in sides if result]:
        p50, p99, top = _figures(result)
        lost = sum(result["lost"].values())
        ours = (f"p50 {seconds(p50)}, p99 {seconds(p99)}, max {seconds(top)}"
                if not math.isnan(p50) else "no key handled")
        escapes = result["escape"]
        notes = [
            f"{result['sent']} keys sent, {result['handled']} handled, {lost} lost "
            f"(j {result['lost']['j']}, Enter {result['lost']['enter']}, Escape "
            f"{result['lost']['escape']}, ? {result['lost']['help']}, Escape from the help "
            f"{result['lost']['help_close']}); {result['inside']} sent and handled while "
            f"the refresh ran ({len(result['j'])} j, {len(result['enter'])} Enter "
            "measured)",
            "slowest: " + ", ".join(f"{kind} {seconds(latency)} (round {number}, sent "
                                    f"+{at:.1f} s after R)"
                                    for latency, kind, at, number in reversed(result["worst"])),
            f"before R, {IDLE_KEYS} j with no refresh: {_brief(result['idle'])}",
            f"j: {_brief(result['j'])}; Enter: {_brief(result['enter'])}; Escape (not in "
            f"the p99): {_brief(escapes)}",
            f"? opening the help (not in the p99): {_brief(result['help'])}; Escape closing "
            f"it: {_brief(result['help_close'])}",
            f"{len(result['refreshes'])} refreshes of {result['due']} due feeds, each on a "
            f"fresh copy of the store: {_refreshes(result)}",
            f"`reader` from {result['reader_file']}",
        ]
        notes += [f"lost: {why}" for why in result["lost_why"]]
        row = Row(f"{figure}: {label}", ours, "-", "-", "-", None, notes, key="corekeys")
        rows.append(row)
    p99_before = _figures(before)[1] if before else math.nan
    p99_now = _figures(now)[1]
    now_row = rows[-1]
    if not math.isnan(p99_before):
        now_row.baseline = f"p99 {seconds(p99_before)} (before the core)"
    if not (math.isnan(p99_before) or math.isnan(p99_now)):
        now_row.ratio = ratio(p99_now, p99_before)
    now_row.target = "p99 <= 50 ms, every key handled"
    now_row.passed = (not math.isnan(p99_now) and p99_now <= TARGET
                      and sum(now["lost"].values()) == 0 and now["inside"] > 0)
    return rows


# -- the child: one side, measured in its own process ---------------------------------------


def _choose_tree(tree: Path) -> str:
    """Make `reader` and `feeds` import from `tree`; refuse to measure otherwise."""
    for name in ("reader", "feeds"):
        if name in sys.modules:
            raise RuntimeError(f"{name} was imported before its tree was chosen")
    if sys.path[:1] != [str(tree)]:
        sys.path[:] = [str(tree)] + [entry for entry in sys.path if entry != str(tree)]
        importlib.invalidate_caches()
    for name in ("reader", "feeds"):
        module = importlib.import_module(name)
        where = Path(module.__file__ or "").resolve()
        if not where.is_relative_to(tree.resolve()):
            raise RuntimeError(f"{name} came from {where}, not from {tree}")
    import reader

    return str(Path(reader.__file__ or "").resolve())


def _child(request: dict[str, Any]) -> None:
    tree = Path(request["tree"])
    reader_file = _choose_tree(tree)
    if "build" in request:
        from tests.benchmarks.storegen import build_store

        build_store(Path(request["build"]), items=request["items"], feeds=request["feeds"])
        return
    from reader.store import Store

    data = Path(request["data"])
    store = Store(data / "reader.db")
    try:
        for url in request["urls"]:
            store.add_feed(url)
    finally:
        store.close()
    rows = _count(data / "reader.db")
    store = Store(data / "reader.db")
    due = len(store.feeds_due())
    try:
        slow_log = os.environ.get("COREKEYS_SLOW")  # a file: callbacks that held the loop
        if slow_log:
            import logging

            logging.basicConfig(filename=slow_log, level=logging.WARNING)
        result = asyncio.run(_measure(store, data / "reader.db", rows, request["plan"]),
                             debug=bool(slow_log))
    finally:
        store.close()
    result.update(reader_file=reader_file, rows=rows, due=due)
    Path(request["out"]).write_text(json.dumps(result), encoding="utf-8")


async def _measure(store: Any, database: Path, rows: int,
                   plan: dict[str, float]) -> dict[str, Any]:
    from reader.app import ReaderApp
    from tests.benchmarks.app_figures import Frames, _send, _until

    app = ReaderApp(store)
    if os.environ.get("COREKEYS_SLOW"):
        asyncio.get_running_loop().slow_callback_duration = 0.015
    rng = random.Random(11)
    result: dict[str, Any] = {"j": [], "enter": [], "escape": [], "help": [],
                              "help_close": [], "lost": {kind: 0 for kind in KINDS},
                              "sent": 0, "handled": 0, "inside": 0, "lost_why": [],
                              "worst": []}
    async with app.run_test(size=SCREEN) as pilot:
        frames = Frames(app)
        screen: Any = app.screen
        headlines = screen.headlines
        article = screen.article
        await _until(lambda: len(headlines.rows) == rows, 600, "every row")
        await pilot.pause()
        moved, opened, backs = _instrument(screen, headlines)
        stages = _trace_enter(screen) if os.environ.get("COREKEYS_TRACE") else None

        ended: list[float] = []
        idle: list[float] = []
        for _ in range(IDLE_KEYS):  # the floor: the same keys with no refresh running
            sent = time.perf_counter()
            done = _after(moved)
            _send(app, "j", "j")
            await _until(lambda done=done: done() is not None, LOST_AFTER, "an idle j")
            idle.append(await frames.after(done() or sent) - sent)
            await asyncio.sleep(rng.uniform(*GAP))
        result["idle"] = idle
        await pilot.pause()

        _send(app, "R", "R")
        await _until(lambda: bool(screen.refreshing), 60, "the refresh to start")
        started = time.perf_counter()

        async def watch_refresh() -> None:
            while screen.refreshing:
                await asyncio.sleep(0.005)
            ended.append(time.perf_counter())

        watcher = asyncio.create_task(watch_refresh())

        async def press(kind: str, key: str, character: str | None,
                        done: Callable[[], float | None]) -> None:
            sent = time.perf_counter()
            _send(app, key, character)
            result["sent"] += 1
            deadline = sent + LOST_AFTER
            effect = None
            while effect is None and time.perf_counter() < deadline:
                effect = done()
                if effect is None:
                    await asyncio.sleep(0.0005)
            frame = None
            if effect is not None:
                try:
                    frame = await frames.after(effect, timeout=max(0.0, deadline -
                                                                   time.perf_counter()))
                except TimeoutError:
                    frame = None
            if frame is None or frame - sent > LOST_AFTER:
                result["lost"][kind] += 1
                why = getattr(done, "why", None)
                result["lost_why"].append(f"{kind} at +{sent - started:.1f} s: "
                                          + (why() if why else "no effect"))
                return
            result["handled"] += 1
            result[kind].append(frame - sent)
            result["worst"] = sorted(result["worst"] + [(frame - sent, kind,
                                                         sent - started)])[-3:]
            if not ended or ended[0] > frame:
                result["inside"] += 1

        count = 0
        while screen.refreshing and count < plan["keys"] and \
                time.perf_counter() - started < plan["seconds"]:
            if stages is not None and count % OPEN_EVERY == OPEN_EVERY - 1:
                kept = {name: stages[name] for name in ("costs", "profiles") if name in stages}
                stages.clear()
                stages.update(kept)
                stages["sent"] = time.perf_counter()
            if count % HELP_EVERY == HELP_EVERY - 1:
                await press("help", "question_mark", "?", _screen_is(app, "HelpScreen"))
                await asyncio.sleep(rng.uniform(*GAP))
                await press("help_close", "escape", None, _screen_is(app, "MainScreen"))
            elif count % OPEN_EVERY == OPEN_EVERY - 1:
                await press("enter", "enter", None, _Opened(screen, headlines, article, opened))
                await asyncio.sleep(rng.uniform(*GAP))
                if stages is not None:
                    stages["escape sent"] = time.perf_counter()
                await press("escape", "escape", None, _after(backs))
            else:
                await press("j", "j", "j", _after(moved))
            if stages is not None and "sent" in stages and "traced" not in stages:
                stages["traced"] = 1.0
                result.setdefault("trace", []).append(
                    {name: value for name, value in stages.items()
                     if name not in ("costs", "profiles")})
            count += 1
            await asyncio.sleep(rng.uniform(*GAP))
        if stages is not None:
            result["costs"] = stages.get("costs", {})
            for profile in stages.get("profiles", []):  # COREKEYS_PROFILE=NAME: to a file
                import pstats

                out = Path(os.environ.get("COREKEYS_PROFILE_FILE", "corekeys-profile.txt"))
                with out.open("a", encoding="utf-8") as stream:
                    pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(30)
        await pilot.pause()
        result["refresh_done"] = not screen.refreshing
        watcher.cancel()
        finished = ended[0] if ended else time.perf_counter()
        result["refresh_seconds"] = finished - started
        result["stored_after"] = await asyncio.to_thread(_count, database)
        result["rows_settled"] = None  # seconds after the refresh until the list holds all
        if result["refresh_done"]:
            try:
                await _until(lambda: len(headlines.rows) == result["stored_after"], 120,
                             "the new rows in the list")
                result["rows_settled"] = time.perf_counter() - finished
            except TimeoutError:
                pass
        result["rows_after"] = len(headlines.rows)
        app.exit()
    return result


def _trace_enter(screen: Any) -> dict[str, float]:
    """COREKEYS_TRACE=1: when each stage of an Enter ran (the parent prints them), to see
    where an open's time goes."""
    stages: dict[str, float] = {}
    app = screen.app

    def wrap(owner: Any, name: str, before: str, after: str | None = None) -> None:
        original = getattr(owner, name)
        if asyncio.iscoroutinefunction(original):
            async def traced_async(*args: Any, **kwargs: Any) -> Any:
                stages.setdefault(before, time.perf_counter())
                value = await original(*args, **kwargs)
                if after:
                    stages.setdefault(after, time.perf_counter())
                return value
            setattr(owner, name, traced_async)
            return

        def traced(*args: Any, **kwargs: Any) -> Any:
            stages.setdefault(before, time.perf_counter())
            value = original(*args, **kwargs)
            if after:
                stages.setdefault(after, time.perf_counter())
            return value
        setattr(owner, name, traced)

    wrap(screen, "open_article", "open")
    costs = stages.setdefault("costs", {})  # type: ignore[assignment]

    def timed(owner: Any, name: str) -> None:
        original = getattr(owner, name)

        profiled = os.environ.get("COREKEYS_PROFILE") == name
        if profiled:
            import cProfile
            profile = cProfile.Profile()
            stages.setdefault("profiles", []).append(profile)  # type: ignore[union-attr]

        def measured(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            if profiled:
                profile.enable()
            try:
                return original(*args, **kwargs)
            finally:
                if profiled:
                    profile.disable()
                costs.setdefault(name, []).append(time.perf_counter() - began)
        setattr(owner, name, measured)

    import gc

    collecting: dict[str, float] = {}

    def collector(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collecting["began"] = time.perf_counter()
        elif "began" in collecting:
            name = f"gc generation {info.get('generation')}"
            costs.setdefault(name, []).append(time.perf_counter() - collecting.pop("began"))

    gc.callbacks.append(collector)
    for owner, name in [(screen.feed_panel, "set_feeds"), (screen.headlines, "insert_rows"),
                        (screen, "update_status"), (screen.headlines, "set_marks"),
                        (screen.headlines, "add_marks")]:
        timed(owner, name)
    wrap(screen.core, "item_details", "details asked", "details back")
    wrap(screen.article, "show", "show", "shown")
    wrap(screen, "_release_frames", "released")
    tick, layout = screen._on_timer_update, screen._refresh_layout

    def traced_tick() -> None:
        if "released" in stages:
            stages.setdefault("tick", time.perf_counter())
        if "escape back" in stages:
            stages.setdefault("escape tick", time.perf_counter())
        tick()

    def traced_layout(*args: Any, **kwargs: Any) -> None:
        if "released" in stages and "frame" not in stages:
            stages.setdefault("layout", time.perf_counter())
            layout(*args, **kwargs)
            stages.setdefault("laid out", time.perf_counter())
            return
        layout(*args, **kwargs)

    screen._update_timer._callback = traced_tick  # the timer holds the bound method
    screen._refresh_layout = traced_layout
    display = app._display

    def recording(target: Any, renderable: Any) -> None:
        if renderable is not None and "released" in stages:
            stages.setdefault("frame start", time.perf_counter())
        display(target, renderable)
        if renderable is not None and "released" in stages:
            stages.setdefault("frame", time.perf_counter())
        if renderable is not None and "escape back" in stages:
            stages.setdefault("escape frame", time.perf_counter())
    app._display = recording
    back = screen.action_back

    def traced_back() -> None:
        if "escape sent" in stages:
            stages.setdefault("escape back", time.perf_counter())
        back()
        if "escape sent" in stages:
            stages.setdefault("escape acted", time.perf_counter())
    screen.action_back = traced_back
    return stages


def _trace_lines(trace: list[dict[str, float]]) -> list[str]:
    """Each stage of the traced Enters as p50/p90 from the key's send."""
    names = ["open", "details asked", "details back", "show", "shown", "released", "tick",
             "layout", "laid out", "frame"]
    lines = []
    for name in names:
        values = [one[name] - one["sent"] for one in trace if name in one]
        if values:
            lines.append(f"{name}: p50 {seconds(_percentile(values, 0.5))}, "
                         f"p90 {seconds(_percentile(values, 0.9))} ({len(values)})")
    for name in ["escape back", "escape acted", "escape tick", "escape frame"]:
        values = [one[name] - one["escape sent"] for one in trace if name in one]
        if values:
            lines.append(f"{name}: p50 {seconds(_percentile(values, 0.5))}, "
                         f"p90 {seconds(_percentile(values, 0.9))} ({len(values)})")
    return lines


def _count(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])


def _instrument(screen: Any, headlines: Any) -> tuple[list[float], list[tuple], list[float]]:
    """Note when a key's action ran: j moved the cursor, Enter asked to open, Escape went
    back. Wrapping instance attributes changes nothing the app does."""
    moved: list[float] = []
    opened: list[tuple[float, int, object]] = []
    backs: list[float] = []
    cursor_down = headlines.action_cursor_down
    open_article = screen.open_article
    back = screen.action_back

    def recording_down() -> None:
        cursor_down()
        moved.append(time.perf_counter())

    def recording_open(item_id: int, **options: Any) -> None:
        opened.append((time.perf_counter(), item_id, screen.article.meta))
        open_article(item_id, **options)

    def recording_back() -> None:
        back()
        backs.append(time.perf_counter())

    headlines.action_cursor_down = recording_down
    screen.open_article = recording_open
    screen.action_back = recording_back
    article = screen.article
    show = article.show
    shown: list[tuple[float, int]] = []  # when the article pane was given an item

    def recording_show(meta: Any, *args: Any, **kwargs: Any) -> None:
        show(meta, *args, **kwargs)
        shown.append((time.perf_counter(), meta.item_id))

    article.show = recording_show
    screen._shown_moments = shown  # read by _Opened
    app = screen.app
    push, pop = app.push_screen, app.pop_screen
    switched: list[float] = []  # when the screen stack changed (the help opened or closed)

    def recording_push(*args: Any, **kwargs: Any) -> Any:
        value = push(*args, **kwargs)
        switched.append(time.perf_counter())
        return value

    def recording_pop(*args: Any, **kwargs: Any) -> Any:
        value = pop(*args, **kwargs)
        switched.append(time.perf_counter())
        return value

    app.push_screen, app.pop_screen = recording_push, recording_pop
    app._screen_switches = switched  # read by _screen_is
    return moved, opened, backs


def _after(moments: list[float]) -> Callable[[], float | None]:
    """The moment the next recorded action runs."""
    seen = len(moments)
    return lambda: moments[seen] if len(moments) > seen else None


def _screen_is(app: Any, name: str) -> Callable[[], float | None]:
    """The moment the screen stack changed, once the active screen is of the class named (the
    help opened or closed). The moment recorded, not the moment this poll saw it: a frame
    drawn between the two would otherwise not count and the next one would."""
    seen = len(app._screen_switches)

    def done() -> float | None:
        switches = app._screen_switches
        if type(app.screen).__name__ != name or len(switches) <= seen:
            return None
        return switches[-1]
    return done


class _Opened:
    """Enter took effect when, after the open was asked, the open item is the highlighted
    one and the article shows it (a new ArticleMeta with its title, not the preview's)."""

    def __init__(self, screen: Any, headlines: Any, article: Any, opened: list[tuple]) -> None:
        self.screen, self.headlines, self.article = screen, headlines, article
        self.opened = opened
        self.seen = len(opened)

    def __call__(self) -> float | None:
        if len(self.opened) <= self.seen:
            return None
        _asked, item_id, meta_before = self.opened[self.seen]
        item = self.screen.open_item
        highlighted = self.headlines.highlighted
        meta = self.article.meta
        if (item is not None and item.id == item_id and highlighted is not None
                and highlighted.id == item_id and meta is not None and meta is not meta_before
                and meta.item_id == item_id and meta.title == item.title):
            # when the pane was given this item (as j's moment is when the cursor moved),
            # not when this poll saw it: the frame may already have been drawn in between
            shown = [moment for moment, shown_id in self.screen._shown_moments
                     if shown_id == item_id and moment >= _asked]
            return shown[-1] if shown else time.perf_counter()
        return None

    def why(self) -> str:
        """What a lost Enter left behind, to tell a lost key from a slow or moved open."""
        if len(self.opened) <= self.seen:
            focused = type(self.screen.app.focused).__name__
            return f"Enter never asked to open (focus on {focused})"
        asked, item_id, meta_before = self.opened[self.seen]
        item = self.screen.open_item
        highlighted = self.headlines.highlighted
        meta = self.article.meta
        return (f"open of {item_id} asked {time.perf_counter() - asked:.1f} s before: open "
                f"item {item.id if item else None}, highlighted "
                f"{highlighted.id if highlighted else None}, article "
                f"{'new' if meta is not meta_before else 'unchanged'} "
                f"({meta.item_id if meta else None})")


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]))
