"""What a parsing worker does with a feed's body: parse it and turn it into rows to store.

Kept apart from reader.refresh, which loads asyncio and the refresh pipeline: the workers'
forkserver imports this module (and the parsers) once, and a lighter import there makes the
workers ready sooner in a cold refresh.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from feeds.model import ParsedFeed
from reader.parse_workers import PARSER_MODULES
from reader.store import ItemRecord, Records

__all__ = ["Prepared", "import_parsers", "prepare", "prepare_or_error", "prepared_from"]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed feed turned into rows to store (computed off the event loop)."""

    title: str
    site_link: str | None
    records: Sequence[ItemRecord]  # a `reader.store.Records` when made by `prepared_from`
    warning: str | None
    ttl_seconds: int | None = None  # the feed's own hint (<ttl>, sy:*): fetch no sooner
    language: str | None = None  # the feed's declared language (numeric dates' order)

    def __reduce__(self) -> tuple:
        """Pickled as its values (a worker sends one per feed): the default for a frozen
        dataclass with slots rebuilds it through a Python `__setstate__`. The records go as
        `Records` (their long texts as the UTF-8 that SQLite stores)."""
        return (Prepared, (self.title, self.site_link, Records.of(self.records),
                           self.warning, self.ttl_seconds, self.language))


_IMPORTS = threading.Lock()
_imported = False


def import_parsers() -> None:
    """Import the parsers (and feedparser's submodules that they load lazily) once, under a
    lock. Several threads importing them at the same moment made importlib give up with
    `_DeadlockError` (seen: 4 of 6 feeds of a small refresh, parsed in threads, failed)."""
    global _imported
    if _imported:
        return
    with _IMPORTS:
        if not _imported:
            import importlib

            for name in PARSER_MODULES:
                importlib.import_module(name)
            _imported = True


def prepare(body: bytes, headers: Mapping[str, str], url: str) -> Prepared:
    """Parse a body and compute each item's searchable text. Raises feeds.parse.ParseError."""
    import_parsers()
    from feeds.parse import parse

    parsed = parse(body, headers, url)
    return prepared_from(parsed)


def prepare_or_error(body: bytes, headers: Mapping[str, str], url: str) -> Prepared | str:
    """`prepare` for a worker process: a failure comes back as its one-line message (our
    exceptions do not all survive pickling)."""
    from feeds.parse import ParseError

    try:
        return prepare(body, headers, url)
    except ParseError as error:
        return str(error)
    except Exception as error:  # a parser bug must not end the refresh of other feeds
        return f"could not read the feed: {type(error).__name__}: {error}".splitlines()[0]


def prepared_from(parsed: ParsedFeed) -> Prepared:
    from feeds.text import search_text

    row = Records.row
    records = Records(tuple([
        row(entry.id, entry.title, entry.link, entry.author,
            entry.published.timestamp() if entry.published else None,
            entry.updated.timestamp() if entry.updated else None,
            entry.summary_html, entry.content_html,
            search_text(entry.content_html or entry.summary_html),
            entry.related_links, entry.enclosures)
        for entry in parsed.entries]))
    warning = parsed.warnings[0] if parsed.warnings else None
    return Prepared(parsed.title, parsed.site_link, records, warning,
                    parsed.ttl_seconds, parsed.language)
