"""Imports point one way (DESIGN.md), checked so that a violation fails:

- `feeds` imports neither `reader` nor Textual;
- the command line's modules and the core's plain-data modules load no Textual;
- screens and widgets never reach the database: no `reader.store`, `reader.refresh`,
  `sqlite3` or `reader.core.database` import, only the app core.

Each rule is checked twice: on the real tree, and on a planted violation that must fail.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import feeds

ROOT = Path(__file__).resolve().parents[1]

# Modules the command line loads: they must not pay for Textual (0.35 s).
UI_FREE_READER_MODULES = ("reader.store", "reader.refresh", "reader.cli", "reader.story",
                          "reader.locations", "reader.rows", "reader.__main__",
                          "reader.core", "reader.core.query", "reader.core.config",
                          "reader.wording")

# What a screen or widget may not import: the database is the app core's.
DATABASE_MODULES = ("sqlite3", "reader.store", "reader.refresh", "reader.core.database")


def feeds_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(feeds.__path__, prefix="feeds.")
                  if not info.name.split(".")[-1].startswith("_")) + ["feeds"]


def loaded_after_importing(modules: list[str] | tuple[str, ...], extra_path: Path | None = None
                           ) -> list[str]:
    """sys.modules after importing `modules` in a fresh interpreter."""
    script = (
        "import importlib, json, sys\n"
        + (f"sys.path.insert(0, {str(extra_path)!r})\n" if extra_path else "")
        + f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def leaked(loaded: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [name for name in loaded
            if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)]


def database_imports(path: Path) -> list[str]:
    """The database modules a source file imports (at any level, TYPE_CHECKING aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []  # type-only imports cost nothing at run time
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found += [name for name in names if name in DATABASE_MODULES]
    return found


def test_feeds_loads_neither_the_reader_nor_textual() -> None:
    modules = feeds_modules()
    assert "feeds.parse" in modules and "feeds.text" in modules  # the walk found them
    assert leaked(loaded_after_importing(modules), ("textual", "reader")) == []


def test_the_command_line_and_the_core_data_load_no_textual() -> None:
    assert leaked(loaded_after_importing(UI_FREE_READER_MODULES), ("textual",)) == []


def test_screens_and_widgets_reach_the_database_only_through_the_core() -> None:
    files = sorted((ROOT / "reader" / "screens").glob("*.py")) + \
        sorted((ROOT / "reader" / "widgets").glob("*.py"))
    assert len(files) >= 6
    offenders = {path.name: database_imports(path) for path in files}
    assert {name: found for name, found in offenders.items() if found} == {}


# -- the checks can fail ---------------------------------------------------------------


def test_a_planted_textual_import_in_feeds_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bad.py").write_text("import textual.app\n")
    loaded = loaded_after_importing(["planted.bad"], extra_path=tmp_path)
    assert leaked(loaded, ("textual",)) != []


def test_a_planted_store_import_in_a_widget_is_caught(tmp_path: Path) -> None:
    widget = tmp_path / "widget.py"
    widget.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from reader.store import Store\n"
                      "def f():\n    from reader.store import Store\n    import sqlite3\n")
    assert database_imports(widget) == ["reader.store", "sqlite3"]
