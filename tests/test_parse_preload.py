"""feeds.parse_preload: what a forkserver imports once so that each parsing worker need not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys, time
import feeds.parse
before = sorted(m for m in ("chardet", "feedparser.urls", "feedparser.mixin", "lxml.html")
                if m in sys.modules)
import feeds.parse_preload
after = sorted(m for m in ("chardet", "feedparser.urls", "feedparser.mixin", "lxml.html")
               if m in sys.modules)
body = "<rss><channel><item><title>Caf\\u00e9</title></item></channel></rss>".encode("cp1252")
started = time.process_time()
parsed = feeds.parse.parse(body, {}, "https://example.com/f")
print(json.dumps({"before": before, "after": after, "title": parsed.entries[0].title,
                  "warning": parsed.warnings[0]}))
"""


def test_the_preload_imports_the_lazy_parts_and_parsing_still_works() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # feeds.parse alone stays light: a process that parses one feed pays for none of it.
    assert "chardet" not in found["before"] and "lxml.html" not in found["before"]
    assert found["after"] == ["chardet", "feedparser.mixin", "feedparser.urls", "lxml.html"]
    assert found["title"] == "Caf\u00e9"
    assert "does not declare its encoding" in found["warning"]
