"""feeds.parse_preload: what a forkserver imports once so that each parsing worker need not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys, time
import chardet
import feeds.parse
detected = []
real_detect = chardet.detect
chardet.detect = lambda *args, **kwargs: detected.append(1) or real_detect(*args, **kwargs)
before = sorted(m for m in ("chardet", "feedparser.urls", "feedparser.mixin", "lxml.html")
                if m in sys.modules)
import feeds.parse_preload
after = sorted(m for m in ("chardet", "feedparser.urls", "feedparser.mixin", "lxml.html")
               if m in sys.modules)
detected_by_preload = len(detected)
body = "<rss><channel><item><title>Caf\\u00e9</title></item></channel></rss>".encode("cp1252")
started = time.process_time()
parsed = feeds.parse.parse(body, {}, "https://example.com/f")
print(json.dumps({"before": before, "after": after, "title": parsed.entries[0].title,
                  "warning": parsed.warnings[0], "preload_detected": detected_by_preload,
                  "parse_detected": len(detected) - detected_by_preload}))
"""


def test_the_preload_imports_the_lazy_parts_and_parsing_still_works() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # feeds.parse alone stays light: a process that parses one feed pays for none of it.
    assert "lxml.html" not in found["before"]
    assert found["after"] == ["chardet", "feedparser.mixin", "feedparser.urls", "lxml.html"]
    assert found["title"] == "Caf\u00e9"
    assert "does not declare its encoding" in found["warning"]
    # chardet's models (~480 M instructions to read) wait for a document that needs them:
    # the preload detects nothing, the undeclared cp1252 document does.
    assert found["preload_detected"] == 0 and found["parse_detected"] == 1
