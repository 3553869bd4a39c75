"""reader.filters is UI-free: importing all of it loads no Textual (checked in a fresh
interpreter, as tests/test_import_hygiene.py does for the rest)."""

from __future__ import annotations

import subprocess
import sys

MODULES = ["reader.filters", "reader.filters.commands", "reader.filters.config",
           "reader.filters.newsboat", "reader.filters.rules", "reader.filters.sql"]


def test_filters_import_no_textual() -> None:
    code = ("import sys\n" + "".join(f"import {name}\n" for name in MODULES)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_the_check_can_fail() -> None:
    code = "import sys, textual\nprint('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "True"
