"""Helpers for end-to-end tests: run the real `reader` command line in a subprocess.

The child inherits the environment (the autouse fixture points every XDG folder into the test's
tmp_path), so it never sees the user's real data.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
READER = [sys.executable, "-m", "reader"]

# ESC, CSI, C1 controls and bidi embeddings/overrides/isolates: none may reach a terminal.
FORBIDDEN_OUTPUT = (
    [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n"]
    + [chr(0x7F)]
    + [chr(c) for c in range(0x80, 0xA0)]
    + ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)


def reader_command(data_dir: Path | str, *args: str) -> list[str]:
    return [*READER, "--data-dir", str(data_dir), *args]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("READER_DEBUG", None)  # a bug must show as the user sees it, not as a traceback
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_reader(data_dir: Path | str, *args: str, timeout: float = 120,
               stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `reader --data-dir DIR ARGS...` and return what it did (never raises on status)."""
    return subprocess.run(
        reader_command(data_dir, *args), cwd=ROOT, env=child_env(), capture_output=True,
        text=True, encoding="utf-8", errors="surrogateescape", timeout=timeout, input=stdin,
    )


def spawn_reader(data_dir: Path | str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        reader_command(data_dir, *args), cwd=ROOT, env=child_env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="surrogateescape",
    )


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, describe(proc)
        assert "internal error" not in stream, describe(proc)


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """Assert exit 0 and no traceback; return the process for chaining."""
    assert proc.returncode == 0, describe(proc)
    assert_no_traceback(proc)
    return proc


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 1 and exactly one line on stderr starting with 'reader: '; returns that line."""
    assert proc.returncode == 1, describe(proc)
    assert_no_traceback(proc)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, describe(proc)
    assert lines[0].startswith("reader: "), describe(proc)
    return lines[0]


def reader_json(data_dir: Path | str, *args: str) -> Any:
    return json.loads(ok(run_reader(data_dir, *args, "--json")).stdout)


def rss(title: str, items: Iterable[tuple[str, str, str | None]], *, raw_titles: bool = False
        ) -> bytes:
    """An RSS 2.0 document; each item is (guid, title, link). `raw_titles` skips escaping."""
    parts = ["<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel>",
             f"<title>{escape(title)}</title><link>https://example.invalid/</link>"]
    for guid, item_title, link in items:
        shown = item_title if raw_titles else escape(item_title)
        parts.append(f"<item><guid isPermaLink='false'>{escape(guid)}</guid>"
                     f"<title>{shown}</title>")
        if link is not None:
            parts.append(f"<link>{escape(link)}</link>")
        parts.append("<pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate></item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode("utf-8")


def opml(outlines: Sequence[dict[str, str]]) -> bytes:
    body = "".join(
        "<outline " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>"
        for attrs in outlines
    )
    return (f"<?xml version='1.0' encoding='utf-8'?><opml version='2.0'><head><title>t</title>"
            f"</head><body>{body}</body></opml>").encode()


def db_rows(path: Path, sql: str, params: Sequence = ()) -> list[tuple]:
    """Read the database directly (read-only), as an outside observer."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
