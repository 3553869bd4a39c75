"""Light rows that the store returns and the widgets draw (no Textual, no SQL here)."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Headline:
    """One line of the headline list: no bodies, so 100k of them stay cheap."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    link: str | None
    published: datetime | None  # timezone-aware UTC (first seen when the feed gave no date)
    read: bool
    starred: bool
    dated: bool = True  # False: the feed gave no date, `published` is when we first saw it


def time_key(row: Headline) -> float:
    """The first part of the list's order key: rows are ascending in it (newest first; equal
    times: highest id first)."""
    return -row.published.timestamp() if row.published is not None else -0.0


def time_keys(rows: Sequence[Headline]) -> array:
    """Every row's time key, in a flat array of doubles (0.8 MB for 100k rows): a new row
    finds its place by a bisection in C, not ~20 Python key calls each."""
    return array("d", [time_key(row) for row in rows])


class HeadlineRows(list[Headline]):
    """A view's rows with the set of their ids and their time keys, made where the rows
    were read (a reader thread): built on the UI thread for 100k rows they held it for
    30-100 ms, right when a refresh's first new rows came to be taken in."""

    __slots__ = ("ids", "time_keys")

    def __init__(self, rows: list[Headline]) -> None:
        super().__init__(rows)
        self.ids = {row.id for row in rows}
        self.time_keys = time_keys(rows)


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One feed in the side panel and in `reader feeds`."""

    id: int
    url: str
    title: str
    tags: tuple[str, ...]
    unread: int
    total: int
    last_error: str | None
    last_fetched: datetime | None
    gone: bool = False
    site_link: str | None = None
    last_warning: str | None = None  # the last good refresh's warning: not an error
    account: str | None = None  # the sync account whose server fetches it; None: local


UNDATED = "undated"  # the granularity of a row with no date of its own (kept off the chart)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One row of the timeline pane: a related item, the open article, or a dated event."""

    kind: str  # "item" (a related item), "current" (the open article), "event"
    when: date  # the day it sorts by (an event: the first day of its period)
    granularity: str  # "day", "week", "month", "year", "decade", or UNDATED
    title: str  # the item's title, or the event's short sentence
    feed_title: str = ""
    item_id: int | None = None
    read: bool = True
    duplicate: bool = False  # a near-identical copy of another item on the list
    position: int | None = None  # an event's character offset in the article text


class ArticleLink(NamedTuple):
    """One numbered link of an open article, for the link picker: `[number] text`, url."""

    number: int  # the [n] the article text shows
    url: str  # always http or https
    text: str = ""  # the link's own text, or the words before its [n]; "" when unknown
