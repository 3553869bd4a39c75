"""An article's story: its full text, the related items across feeds and its dated events.

Shared by the app's timeline pane and `reader show`, so both tell the same story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from feeds.model import Article, Event, UndatedEvent
from reader.rows import UNDATED, Headline, TimelineEntry
from reader.store import Item, Store

WINDOW_DAYS = 30
DATE_COLUMN = 16  # cells of the date column in `reader show`'s timeline, at least
# A season's event is dated by its first month (northern hemisphere, as the words are read).
SEASONS = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}


@dataclass(frozen=True, slots=True)
class RelatedItem:
    headline: Headline
    feed_url: str
    score: float
    duplicate_of: int | None = None
    declared: bool = False  # linked by the feed itself (Atom rel="related", RSS <source>)


@dataclass(frozen=True, slots=True)
class Story:
    item_id: int
    title: str
    when: date
    related: tuple[RelatedItem, ...]
    events: tuple[Event, ...]
    feed_title: str = ""  # the open article's feed (the chart counts feeds per day)
    # Events of an undated article that only its date could date: listed as "undated" at the
    # article's own row, never dated against the day it was fetched (issue 17).
    undated: tuple[UndatedEvent, ...] = ()
    dated: bool = True  # the open article has a date (its own, or its page's)

    @property
    def header(self) -> str:
        feeds = {related.headline.feed_id for related in self.related}
        parts = []
        if self.related:
            noun = "item" if len(self.related) == 1 else "items"
            feed_noun = "feed" if len(feeds) == 1 else "feeds"
            parts.append(f"{len(self.related)} related {noun} from {len(feeds)} {feed_noun}")
        else:
            parts.append("No related items")
        if self.events:
            parts.append(f"{len(self.events)} dated " +
                         ("event" if len(self.events) == 1 else "events"))
        if self.undated:
            parts.append(f"{len(self.undated)} undated")
        return "Story: " + ", ".join(parts)

    def entries(self) -> list[TimelineEntry]:
        """Related items, the article itself and its events, in date order."""
        rows = [TimelineEntry(kind="current", when=self.when,
                              granularity="day" if self.dated else UNDATED,
                              title=self.title, feed_title=self.feed_title,
                              item_id=self.item_id)]
        for related in self.related:
            headline = related.headline
            # An item its feed gave no date is listed next to the article as undated, not
            # at the day it was fetched (that stretched the chart from the story to today).
            dated = headline.dated and headline.published is not None
            when = headline.published.date() if dated and headline.published else self.when
            rows.append(TimelineEntry(
                kind="item", when=when, granularity="day" if dated else UNDATED,
                title=headline.title,
                feed_title=headline.feed_title, item_id=headline.id, read=headline.read,
                duplicate=related.duplicate_of is not None,
            ))
        for event in self.events:
            rows.append(TimelineEntry(kind="event", when=event.date,
                                      granularity=event.granularity, title=event.text,
                                      position=event.position))
        for event in self.undated:
            rows.append(TimelineEntry(kind="event", when=self.when, granularity=UNDATED,
                                      title=event.text, position=event.position))
        order = {"event": 0, "item": 1, "current": 1}
        rows.sort(key=lambda row: (row.when, order[row.kind]))
        return rows

    def lines(self) -> list[str]:
        """The timeline as plain lines for `reader show`."""
        out = [self.header]
        rows = [(row, format_when(row.when, row.granularity)) for row in self.entries()]
        # As wide as the longest date ("week of 10 Jan 2022" is 19), so none overruns it.
        width = max([DATE_COLUMN, *(len(when) for _, when in rows)])
        for row, when in rows:
            when = when.ljust(width)
            if row.kind == "event":
                out.append(f"  {when} · {row.title}")
            elif row.kind == "current":
                out.append(f"▶ {when}   {row.title}  (this article)")
            else:
                copy = "  (copy)" if row.duplicate else ""
                out.append(f"  {when}   {row.title} — {row.feed_title} "
                           f"[{row.item_id}]{copy}")
        return out


def format_when(when: date, granularity: str) -> str:
    if granularity == UNDATED:
        return "undated"
    if granularity == "decade":
        return f"{when.year // 10 * 10}s"
    if granularity == "year":
        return str(when.year)
    if granularity == "month":
        return when.strftime("%b %Y")
    if granularity == "season":
        return f"{SEASONS.get(when.month, 'season')} {when.year}"
    if granularity == "quarter":
        return f"Q{(when.month - 1) // 3 + 1} {when.year}"
    if granularity == "week":
        return "week of " + when.strftime("%d %b %Y").lstrip("0")
    if granularity == "weekend":
        return "weekend of " + when.strftime("%d %b %Y").lstrip("0")
    return when.strftime("%d %b %Y").lstrip("0")


def needs_page(item: Item) -> bool:
    """Whether showing the whole article means fetching its page (not yet cached)."""
    from feeds.article import is_full_article

    return (item.article is None and bool(item.link)
            and not is_full_article(item.summary, item.content))


def stored_article(item: Item) -> Article:
    """What the database already holds: the cached page, else the feed's own content."""
    from feeds.article import from_feed

    if item.article is not None:
        return Article(item.article, item.article_links, item.article_source or "page",
                       item.article_note)
    return from_feed(item.summary, item.content, item.link or item.feed_url)


async def load_article(store: Store, item: Item, *, limits: object | None = None,
                       fetch_page: bool = True) -> Article:
    """The full article: cached, else the feed's content, else extracted from the page
    (unless `fetch_page` is off: a feed's `fetch_article = false`, for privacy)."""
    from feeds import article as articles

    if not needs_page(item):
        return stored_article(item)
    if not fetch_page:
        from dataclasses import replace

        summary = await articles.load(None, item.summary, item.content, limits=limits)
        return replace(summary, note="the feed's settings say never to fetch the page")
    loaded = await articles.load(item.link, item.summary, item.content, limits=limits)
    if loaded.source == "page":
        store.cache_article(item.id, loaded.text, loaded.links, loaded.source, loaded.note,
                            published=loaded.published)
    return loaded


def story_for(store: Store, item: Item, text: str) -> Story:
    from feeds.timeline import events, undated_events

    # The anchor of "on Wednesday": the item's date, else the date its page gives (cached
    # with the page); never the day it was fetched (issue 17). Without any, only what carries
    # its own year is dated.
    anchor: datetime | date | None = item.published or item.updated
    if anchor is None:
        anchor = store.page_date(item.id)
    when = anchor.date() if isinstance(anchor, datetime) else anchor
    language = store.feed_language(item.feed_id)
    found = store.related(item.id)
    return Story(
        item_id=item.id,
        title=item.title,
        feed_title=item.feed_title,
        when=when or item.first_seen.date(),
        dated=when is not None,
        related=tuple(RelatedItem(h, url, score, dup, declared)
                      for h, url, score, dup, declared in found),
        # The feed's declared language settles numeric dates such as 06/01/2022.
        events=tuple(events(text, anchor, language=language)),
        undated=tuple(undated_events(text, language=language)) if anchor is None else (),
    )
