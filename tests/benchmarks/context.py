"""What every figure shares: the sizes, a private work folder and environment, lazily built
inputs (feeds, the 100k store, a tmux server) and how to run the `reader` command."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.baseline import private_env
from tests.benchmarks.feedgen import Document, generate_feeds
from tests.benchmarks.storegen import StoreFacts, prepared_store
from tests.benchmarks.terminal import Terminal, tmux_path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Sizes:
    cold_feeds: int = 500
    cold_items: int = 50
    cold_runs: int = 3
    steady_runs: int = 5
    latency_feeds: int = 100
    latency_items: int = 50
    latency: float = 0.1
    latency_runs: int = 3
    store_items: int = 100_000
    store_feeds: int = 500
    startup_runs: int = 5
    keys: int = 200
    key_runs: int = 3
    article_runs: int = 5
    search_runs: int = 5
    list_runs: int = 5
    related_articles: int = 20
    memory_runs: int = 1
    corpus_runs: int = 3
    parse_runs: int = 3


FULL = Sizes()
QUICK = Sizes(cold_feeds=40, cold_items=20, cold_runs=1, steady_runs=2, latency_feeds=16,
              latency_items=10, latency_runs=1, store_items=10_000, store_feeds=50,
              startup_runs=2, key_runs=1, article_runs=2, search_runs=3, list_runs=2,
              related_articles=5, corpus_runs=1, parse_runs=1)


class ReaderFailed(RuntimeError):
    pass


class Bench:
    def __init__(self, sizes: Sizes, workdir: Path, *, fresh_store: bool = False) -> None:
        self.sizes = sizes
        self.workdir = workdir
        self.python = sys.executable
        self.only: set[str] = set()  # the figures asked for (some share their setup)
        self.env = private_env(workdir / "home")
        self.fresh_store = fresh_store
        # `--compare TREE`: another checkout's reader, run in the same refresh runs (e.g. the
        # code before a change), its times shown in the rows' notes.
        self.compare: Path | None = None
        self.compared: dict[str, tuple[list[float], Path]] = {}  # label: (times, data folder)
        self._feeds: dict[tuple[int, int], list[Document]] = {}
        self._real: dict[int, list[Document]] = {}
        self._mix: Any = None
        self._hosts: list[int] | None = None
        self._store: StoreFacts | None = None
        self._terminal: Terminal | None = None

    def log(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def feeds(self, count: int, items: int) -> list[Document]:
        key = (count, items)
        if key not in self._feeds:
            started = time.perf_counter()
            self._feeds[key] = generate_feeds(count, items)
            size = sum(len(d.body) for d in self._feeds[key]) / 2**20
            self.log(f"generated {count} feeds x {items} items ({size:.0f} MiB) in "
                     f"{time.perf_counter() - started:.1f} s")
        return self._feeds[key]

    def mix(self) -> Any:
        """The corpus's feature mix (printed once), or built-in shares without a corpus."""
        if self._mix is None:
            from tests.benchmarks import corpus_mix

            documents = corpus_mix.corpus_documents()
            if not documents:
                self.log(corpus_mix.NO_CORPUS)
            self._mix = corpus_mix.measure(documents)
            self._hosts = corpus_mix.host_counts(documents)
            for line in self._mix.lines():
                self.log(f"corpus mix: {line}")
            self.log(corpus_mix.describe_hosts(self._hosts))
        return self._mix

    def host_numbers(self, count: int) -> list[int]:
        """Which loopback host serves each of `count` feeds, as the corpus spreads them."""
        from tests.benchmarks import corpus_mix

        self.mix()
        return corpus_mix.spread_over_hosts(count, self._hosts or [])

    def realistic(self, count: int) -> list[Document]:
        if count not in self._real:
            from tests.benchmarks.realgen import generate_realistic

            started = time.perf_counter()
            self._real[count] = generate_realistic(count, self.mix())
            documents = self._real[count]
            size = sum(len(d.body) for d in documents) / 2**20
            items = sum(d.items for d in documents)
            self.log(f"generated {count} realistic feeds, {items} items ({size:.1f} MiB) in "
                     f"{time.perf_counter() - started:.1f} s")
            # What was generated, measured the way the corpus was (its HTML included), so a
            # reader of the figures can compare the two mixes.
            from tests.benchmarks.corpus_mix import measure

            for line in measure([(d.path, d.body) for d in documents]).lines():
                self.log(f"generated mix: {line}")
        return self._real[count]

    def write_config(self, text: str) -> None:
        """The reader's config.toml in the private environment ('' removes it)."""
        path = Path(self.env["XDG_CONFIG_HOME"]) / "reader" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if text:
            path.write_text(text, encoding="utf-8")
        else:
            path.unlink(missing_ok=True)

    def store(self) -> StoreFacts:
        """The generated store, copied into the work folder (built at most once a day)."""
        if self._store is None:
            sizes = self.sizes
            self.log(f"preparing the store: {sizes.store_items} items in "
                     f"{sizes.store_feeds} feeds")
            self._store, built = prepared_store(self.workdir / "store", items=sizes.store_items,
                                                feeds=sizes.store_feeds,
                                                fresh=self.fresh_store)
            how = (f"built in {self._store.build_seconds:.0f} s" if built
                   else "copied from the cache")
            self.log(f"store ready ({how}): {self._store.path}")
        return self._store

    def terminal(self) -> Terminal | None:
        if self._terminal is None and tmux_path():
            self._terminal = Terminal(self.env)
        return self._terminal

    def fresh_dir(self, name: str) -> Path:
        folder = self.workdir / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def reader_command(self, *args: str) -> list[str]:
        return [self.python, "-m", "reader", *args]

    def run_reader(self, data_dir: Path, *args: str, timeout: float = 900,
                   tree: Path | None = None) -> tuple[float, str]:
        """Run `reader --data-dir DATA ARGS` (from the checkout `tree`, default this one);
        returns (wall seconds, stdout)."""
        command = self.reader_command("--data-dir", str(data_dir), *args)
        env = self.env if tree is None else {**self.env, "PYTHONPATH": str(tree)}
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=tree or REPO, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=timeout)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise ReaderFailed(f"reader {' '.join(args)} exited {done.returncode}: "
                               f"{done.stderr.strip()[-400:]}")
        return elapsed, done.stdout

    def close(self) -> None:
        if self._terminal is not None:
            self._terminal.close()
