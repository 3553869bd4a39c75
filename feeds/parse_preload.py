"""Importing this module readies `feeds.parse` for a process that will parse many feeds.

For multiprocessing's forkserver preload list (`reader.refresh` starts the parsing workers
from a forkserver): what is paid here once, in the forkserver, every worker forked from it
inherits: the lazy imports of the parse path (feedparser's URL, date and HTML helpers, chardet,
lxml.html for the sanitizer's rare walk), which `reader.prepare.import_parsers` otherwise makes
in each worker (~25 ms each).

chardet's models are not read here (they were before issue 13's last round): reading them is
~480 M instructions (~65-95 ms), 40% of the forkserver's whole start, which the workers wait
for, and only a document that declares no encoding and is not UTF-8 needs them. No feed of
the benchmark's 500 realistic ones does (they declare their 8-bit encodings, as real
publishers do); 13 files of ../shared/corpus, a collection of parsers' test cases, do. A
worker reads them at its first such document.

Not imported by `feeds.parse` itself: a process that parses one feed (or none) would pay for
all of it.
"""

from __future__ import annotations

__all__ = ["warm_up"]


def warm_up() -> None:
    """Load what the parse path otherwise loads at first use."""
    import chardet  # noqa: F401
    import feedparser.datetimes  # noqa: F401
    import feedparser.mixin  # noqa: F401
    import feedparser.urls  # noqa: F401
    import lxml.html  # noqa: F401

    import feeds.parse  # noqa: F401

    # No document is parsed here: the parsers `feeds.xmlfeed` and `feeds.text` keep are made
    # per thread, at their first use in the worker.


warm_up()
