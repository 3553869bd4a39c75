"""The feeds an HTML page advertises with `<link rel="alternate" type="...">`, then the ones it
only links with `<a href="/feed">` (common on blogs).

`reader add https://example.com/` gives us a web page, not a feed: this finds the feeds the page
links to, best first. The page is hostile input: a forgiving stdlib parser reads it, only http(s)
URLs come out, titles are cleaned, and nothing raises.
"""

from __future__ import annotations

from html.parser import HTMLParser

from feeds.model import DiscoveredFeed
from feeds.text import clean_line, safe_url

# Feed links live in <head>; this much of a page is plenty and keeps the pure-Python parser fast.
MAX_PAGE_CHARS = 2 * 1024 * 1024

# The media types that announce a feed, best kind first within a page's own order.
FEED_TYPES = {
    "application/rss+xml": 0,
    "application/atom+xml": 0,
    "application/rdf+xml": 0,
    "application/feed+json": 0,
    # Generic JSON is a JSON Feed on some sites, but WordPress uses the same type for its REST
    # API (/wp-json/...): keep it, after the unambiguous kinds.
    "application/json": 1,
}
COMMENTS_RANK = 2  # comment feeds are rarely what a reader wants: last


MAX_ANCHORS = 20  # feed-looking <a> links kept from one page
# The ends of a path (or a query) that name a feed in an ordinary link, as blogs write them.
_FEED_SUFFIXES = (".rss", ".atom", ".rdf", ".xml", "/feed", "/rss", "/atom", "/rss2", "/feeds",
                  "/feed.json", "/index.xml")
_NOT_FEEDS = ("sitemap", "wlwmanifest", "xmlrpc", "oembed", "opensearch", "/comments/feed")


class _LinkCollector(HTMLParser):
    """Collects <base href>, every <link> tag's attributes and the <a> links (with their text)
    whose URL looks like a feed, ignoring everything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base_href: str | None = None
        self.links: list[dict[str, str]] = []
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self._anchor: list[str] | None = None  # [href, text so far] of an open feed <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("link", "base", "a"):
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "a":
            self._close_anchor()
            href = values.get("href", "").strip()
            if len(self.anchors) < MAX_ANCHORS and _looks_like_a_feed(href):
                self._anchor = [href, values.get("title", "")]
        elif tag == "base":
            if self.base_href is None and values.get("href"):
                self.base_href = values["href"]
        else:
            self.links.append(values)

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if self._anchor is not None and len(self._anchor[1]) < 200:
            self._anchor[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close_anchor()

    def _close_anchor(self) -> None:
        if self._anchor is not None:
            self.anchors.append((self._anchor[0], self._anchor[1]))
            self._anchor = None


def _looks_like_a_feed(href: str) -> bool:
    """`/feed`, `/rss.xml`, `/atom`, `?feed=rss2`: what blogs link their feed as."""
    lowered = href.lower().split("#", 1)[0]
    path, _, query = lowered.partition("?")
    if any(word in lowered for word in _NOT_FEEDS):
        return False
    return path.rstrip("/").endswith(_FEED_SUFFIXES) or "feed=" in query


def _decode(page: bytes | str) -> str:
    if isinstance(page, str):
        return page[:MAX_PAGE_CHARS]
    head = page[:MAX_PAGE_CHARS]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace")


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _is_feed_link(attrs: dict[str, str]) -> bool:
    rels = attrs.get("rel", "").lower().split()
    return "alternate" in rels and _media_type(attrs.get("type", "")) in FEED_TYPES


def _rank(feed: DiscoveredFeed) -> int:
    if "comments" in feed.title.lower():
        return COMMENTS_RANK
    return FEED_TYPES.get(feed.type, 1)


def discover(page: bytes | str, base_url: str) -> list[DiscoveredFeed]:
    """The feeds `page` (fetched from `base_url`) links to, de-duplicated, best first.

    Order: the page's own order, with generic `application/json` links after the feed types
    and comment feeds (title mentions "comments") after them; then `<a>` links whose URL looks
    like a feed (`/feed`, `.rss`, `.xml`, `?feed=rss2`). WordPress REST links
    (`/wp-json/`) are not feeds and are dropped. Never raises: a page we cannot read yields [].
    """
    collector = _LinkCollector()
    try:
        collector.feed(_decode(page))
        collector.close()
    except Exception:  # html.parser is lenient, but a hostile page must never escape as a crash
        pass
    base = base_url
    if collector.base_href:
        base = safe_url(collector.base_href, base_url) or base_url

    found: list[DiscoveredFeed] = []
    seen: set[str] = set()
    for attrs in collector.links:
        if not _is_feed_link(attrs):
            continue
        url = safe_url(attrs.get("href", "").strip(), base)
        if url is None or url in seen or "/wp-json/" in url:
            continue
        seen.add(url)
        found.append(
            DiscoveredFeed(url=url, title=clean_line(attrs.get("title", "")),
                           type=_media_type(attrs["type"]))
        )
    found.sort(key=_rank)  # stable: the page's order within each rank
    for href, text in collector.anchors:  # <a href="/feed">: after every <link> candidate
        url = safe_url(href, base)
        if url is None or url in seen or "/wp-json/" in url:
            continue
        seen.add(url)
        found.append(DiscoveredFeed(url=url, title=clean_line(text), type=""))
    return found
