"""`python -m tests.benchmarks [--quick] [--only NAME ...] [--fresh-store] [--keep]`.

Runs every figure of issue 7 (or the named ones) and prints the table at the end. A figure that
breaks prints its error in its row and the others still run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks import (
    app_figures,
    core_figures,
    filter_figures,
    refresh_figures,
    store_figures,
    sync_figures,
    terminal_keys,
)
from tests.benchmarks.baseline import newsboat_version
from tests.benchmarks.context import FULL, QUICK, REPO, Bench
from tests.benchmarks.report import Row, table

Figure = Callable[[Bench], list[Row]]

FIGURES: dict[str, tuple[str, Figure]] = {
    "corpus": ("0. cold refresh of the corpus vs newsboat", refresh_figures.corpus_refresh),
    "cold": ("1. cold refresh of realistic feeds vs newsboat",
             lambda b: refresh_figures.cold_and_steady(b, cold=True, steady="steady" in b.only)),
    "latency": ("2. cold refresh with latency", refresh_figures.latency_refresh),
    "steady": ("3. steady refresh (all 304)",
               lambda b: [] if "cold" in b.only
               else refresh_figures.cold_and_steady(b, cold=False, steady=True)),
    "parse": ("3b. parse throughput", refresh_figures.parse_throughput),
    "startup": ("4. start to first headline (tmux)", app_figures.startup),
    "keys": ("5. cursor keys (Pilot)", app_figures.keys),
    "article": ("6. open a 5,000-word article (Pilot)", app_figures.article),
    "search": ("7. full-text search", store_figures.search),
    "list": ("8. reader list --json --limit 50", store_figures.list_json),
    "memory": ("9. peak memory (tmux)", app_figures.memory),
    "related": ("10. related items", store_figures.related),
    "corekeys": ("11. keys during a refresh, before the core and now (issue 11)",
                 core_figures.corekeys),
    "termkeys": ("11b. ?, Escape and j in a real terminal during a refresh (issue 11)",
                 terminal_keys.termkeys),
    "filters": ("12. saved-view counts and filtering (issue 16)", filter_figures.filters),
    "fts-detail": ("13. full-text positions (detail=full) cost (issue 16)",
                   filter_figures.fts_detail),
    "sync": ("14. sync 500 feeds / 10,000 items, first and steady (issue 14)",
             sync_figures.sync),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks",
                                     description="The speed figures, each against a baseline "
                                     "measured in the same run.")
    parser.add_argument("--only", action="append", choices=list(FIGURES), metavar="NAME",
                        help="run only this figure (repeatable): " + ", ".join(FIGURES))
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and fewer runs: a smoke run (< 60 s)")
    parser.add_argument("--fresh-store", action="store_true",
                        help="rebuild the generated store even when a cached one exists")
    parser.add_argument("--compare", type=Path, metavar="TREE",
                        help="also run the reader of another checkout (e.g. `git worktree` of "
                        "the code before a change) in the same refresh runs; its times go to "
                        "the notes")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args(argv)


def _compile_sources(bench: Bench) -> None:
    """Byte-compile the reader's own modules first, as an installed reader has them: with
    PYTHONDONTWRITEBYTECODE in the environment (or a fresh checkout) every `reader` process
    compiled them again, ~0.15 s a start that no user pays."""
    import compileall

    for tree in (REPO, bench.compare):
        if tree is not None:
            for package in ("reader", "feeds"):
                compileall.compile_dir(tree / package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    version = newsboat_version()
    if not version:
        print("newsboat is not installed: every row against newsboat is left unjudged (n/a); "
              "install it (apt-get install newsboat) for the ratios", file=sys.stderr)
    only = args.only or list(FIGURES)
    workdir = Path(tempfile.mkdtemp(prefix="reader-bench-"))
    bench = Bench(QUICK if args.quick else FULL, workdir, fresh_store=args.fresh_store)
    bench.only = set(only)
    bench.compare = args.compare.resolve() if args.compare else None
    _compile_sources(bench)
    rows: list[Row] = []
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        for name in FIGURES:
            if name not in only:
                continue
            title, figure = FIGURES[name]
            bench.log(f"figure {title}")
            try:
                for row in figure(bench):
                    row.key = row.key or name
                    rows.append(row)
            except Exception as error:  # one broken figure must not hide the others
                traceback.print_exc()
                rows.append(Row(title, "error", "-", "-", "-", False,
                                [f"{type(error).__name__}: {error}".splitlines()[0]], key=name))
    finally:
        bench.close()
        if args.keep:
            bench.log(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    rows.sort(key=lambda row: list(FIGURES).index(row.key))
    mode = "quick (smoke sizes)" if args.quick else "full"
    baseline = f"vs {version}" if version else "(newsboat not installed)"
    print(f"\nreader {baseline}, {mode} run, {time.perf_counter() - started:.0f} s "
          f"({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after); medians, ranges in "
          "brackets\n")
    print(table(rows))
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
