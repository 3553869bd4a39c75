"""Typed data that the feed layer hands to the rest of the reader.

Everything here is plain, frozen data: no I/O, no UI. Every string in these objects has
already been cleaned by `feeds.text` (the feed layer cleans once, at the border).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A file attached to an entry (podcast audio, an image)."""

    url: str
    type: str = ""
    length: int | None = None
    duration: int | None = None  # seconds (itunes:duration, media:content@duration)

    def __reduce__(self) -> tuple:
        """Pickled as its values, rebuilt by the constructor: a parsing worker sends them to
        the reader (issue 13), and the default for a frozen dataclass with slots goes through
        Python `__getstate__`/`__setstate__`, each listing the fields again (a third slower
        to dump and to load)."""
        return (Enclosure, (self.url, self.type, self.length, self.duration))


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed, as parsed.

    `id` is ours: the feed's guid/id when present, else the link, else a hash of title and
    date, so the same entry gets the same id whichever parser read the document.
    """

    id: str
    title: str
    link: str | None = None
    author: str = ""
    published: datetime | None = None  # timezone-aware UTC
    updated: datetime | None = None  # timezone-aware UTC
    date_raw: str = ""
    summary_html: str = ""
    content_html: str = ""
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    related_links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A whole feed document: its metadata, its entries and what was odd about it."""

    title: str
    url: str  # the feed's own URL after redirects
    site_link: str | None = None
    entries: tuple[Entry, ...] = ()
    warnings: tuple[str, ...] = ()
    format: str = ""  # "rss20", "atom10", "json11", ... as far as known
    ttl_seconds: int | None = None  # the feed's own refresh hint: <ttl> or sy:updatePeriod
    # The feed's declared language (RSS <language>, Atom xml:lang, JSON Feed "language") as
    # `feeds.text.language_tag` makes it; it settles numeric dates such as 06/01/2022.
    language: str | None = None


DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How hard we may hit servers, and how long and how much we accept from them."""

    concurrency: int = 32  # requests at once, all hosts (issue 13: the latency row)
    per_host: int = 4  # requests at once to one host
    connect_timeout: float = 10.0
    total_timeout: float = 30.0  # whole request incl. body, per URL
    max_bytes: int = DEFAULT_MAX_BYTES  # counts INFLATED bytes (gzip bomb safe)
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server gave us to make the next request conditional."""

    etag: str | None = None
    last_modified: str | None = None


class FetchStatus(enum.Enum):
    OK = "ok"  # a body to parse
    NOT_MODIFIED = "not_modified"  # 304: nothing to parse, keep what we have
    GONE = "gone"  # 410: stop fetching this feed
    ERROR = "error"  # anything else: `error` says what, in one line


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of fetching one URL. Fetching never raises: failures land in `error`."""

    url: str  # the URL that was asked for
    status: FetchStatus
    final_url: str = ""  # after redirects
    http_status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    validators: Validators = Validators()
    permanent_redirect: str | None = None  # the new URL after a 301/308 chain
    retry_after: datetime | None = None  # do not fetch again before this (UTC)
    error: str | None = None  # one line for the user
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK


@dataclass(frozen=True, slots=True)
class Rendered:
    """HTML turned into display text: plain text plus the http(s) links it referenced.

    Links appear in `text` as numbered references (`word [1]`), and `links[0]` is `[1]`.
    """

    text: str
    links: tuple[str, ...] = ()
    link_texts: tuple[str, ...] = ()  # each link's own text ("" when unknown), as `links`


@dataclass(frozen=True, slots=True)
class Article:
    """The full text of an entry, ready to show."""

    text: str
    links: tuple[str, ...] = ()
    source: str = "feed"  # "feed": the feed's content; "page": extracted; "summary": fallback
    note: str | None = None  # one line on why we fell back, when we did
    link_texts: tuple[str, ...] = ()  # each link's own text, as `links` (empty when unknown)
    # The page's own publication date (from its markup), when the text came from the page:
    # the anchor of "on Wednesday" for an item the feed gave no date (issue 17).
    published: date | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A dated event that an article's text mentions."""

    date: date  # the first day of the period at `granularity`
    granularity: str  # "day", "week", "month", "year", "decade"
    text: str  # the sentence it came from, shortened
    position: int  # character offset of the sentence in the article text


@dataclass(frozen=True, slots=True)
class UndatedEvent:
    """An event an undated text places only relative to a day it does not give ("on
    Wednesday" in an item with no date, issue 17): shown as undated, never resolved against
    the day the item was fetched."""

    text: str  # the sentence it came from, shortened
    position: int  # character offset of the sentence in the article text


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """A feed that an HTML page links: <link rel="alternate">, or an <a> whose URL looks like
    one (`/feed`, `.rss`; then `type` is empty)."""

    url: str
    title: str = ""
    type: str = ""


@dataclass(frozen=True, slots=True)
class Subscription:
    """One feed to subscribe to, as read from OPML or a newsboat urls file."""

    url: str
    title: str = ""
    tags: tuple[str, ...] = ()  # folders (OPML outlines) or newsboat tags
    site_link: str | None = None  # the site's home page (OPML htmlUrl)


@dataclass(frozen=True, slots=True)
class ImportResult:
    subscriptions: tuple[Subscription, ...] = ()
    skipped: tuple[str, ...] = ()  # one line per line/outline we refused, and why
