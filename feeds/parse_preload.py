"""Importing this module readies `feeds.parse` for a process that will parse many feeds.

For multiprocessing's forkserver preload list (`reader.refresh` starts the parsing workers
from a forkserver): what is paid here once, in the forkserver, every worker forked from it
inherits. Without it each worker paid, at its first document that needed it:

- chardet 7's models, read and decompressed at the first `chardet.detect` (~55 ms of CPU;
  the corpus has 13 undeclared 8-bit documents, so both workers of a cold refresh paid it);
- the lazy imports of the parse path (feedparser's URL, date and HTML helpers, lxml.html for
  the sanitizer's rare walk), which `reader.refresh._import_parsers` otherwise makes in each
  worker (~25 ms each).

Not imported by `feeds.parse` itself: a process that parses one feed (or none) would pay for
all of it.
"""

from __future__ import annotations

__all__ = ["warm_up"]


def warm_up() -> None:
    """Load what the parse path otherwise loads at first use."""
    import chardet
    import feedparser.datetimes  # noqa: F401
    import feedparser.mixin  # noqa: F401
    import feedparser.urls  # noqa: F401
    import lxml.html  # noqa: F401

    import feeds.parse  # noqa: F401

    # An undeclared document that is not UTF-8: chardet reads and unpacks its models.
    chardet.detect("<rss><title>Caf\u00e9 cr\u00e8me \u00e0 la r\u00e9sidence</title></rss>"
                   .encode("windows-1252"))
    # No document is parsed here: the parsers `feeds.xmlfeed` and `feeds.text` keep are made
    # per thread, at their first use in the worker.


warm_up()
