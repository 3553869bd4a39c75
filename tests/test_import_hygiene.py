"""`feeds` never loads the UI: importing it pulls in neither Textual nor the `reader` app."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import feeds

# Modules that must stay out of sys.modules; extend as needed.
FORBIDDEN_PREFIXES = ("textual", "reader")

# Always checked; any other feeds.* module that exists is found with pkgutil.
REQUIRED_MODULES = ("feeds", "feeds.model", "feeds.text", "feeds.parse")


def feeds_modules() -> list[str]:
    found = {
        info.name
        for info in pkgutil.walk_packages(feeds.__path__, prefix="feeds.")
        if not info.name.split(".")[-1].startswith("_")
    }
    return sorted(set(REQUIRED_MODULES) | found)


def test_feeds_modules_are_found() -> None:
    modules = feeds_modules()
    assert set(REQUIRED_MODULES) <= set(modules)


def test_importing_feeds_loads_no_ui() -> None:
    modules = feeds_modules()
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    leaked = [
        name
        for name in loaded
        if any(name == p or name.startswith(p + ".") for p in FORBIDDEN_PREFIXES)
    ]
    assert leaked == [], f"feeds imports UI modules: {leaked[:10]}"


# The reader's core: the command line must not pay for Textual (0.35 s) unless it launches it.
UI_FREE_READER_MODULES = ("reader.store", "reader.refresh", "reader.cli", "reader.story",
                          "reader.locations", "reader.rows", "reader.__main__")


def test_the_reader_core_loads_no_textual() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {UI_FREE_READER_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    leaked = [name for name in json.loads(done.stdout) if name.split(".")[0] == "textual"]
    assert leaked == [], f"the reader's core imports Textual: {leaked[:10]}"
