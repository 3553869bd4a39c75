"""Counted nouns for messages: "1 item", "2 items", never "1 items"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.refresh import RefreshSummary


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun in the number it needs."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


UNTITLED = "(untitled)"
"""What a headline without a title shows, everywhere alike (JSON keeps the empty string)."""


def refresh_line(summary: RefreshSummary, titles: Mapping[int, str]) -> str:
    """The toast after a refresh: one line, naming the feed when only one was refreshed,
    then one line per failure (at most five)."""
    if summary.feeds == 1 and len(titles) == 1:
        (title,) = titles.values()
        text = f"refreshed {title}: {count_of(summary.new, 'new item')}"
        if summary.failures:
            text = f"{title}: {summary.failures[0].error}"
            return text
    else:
        text = summary.line()
    for failure in summary.failures[:5]:
        text += f"\n{titles.get(failure.feed_id) or failure.url}: {failure.error}"
    if len(summary.failures) > 5:
        text += f"\n… and {len(summary.failures) - 5} more (reader feeds lists them)"
    return text


def refresh_done(feeds: int, new: int, failed: int, *, feed: str | None = None) -> str:
    """The toast at the end of a refresh in the app; it names the feed when only one was
    refreshed (`feed`: its title), so `r` on a feed says which one it was."""
    if feeds == 1 and feed:
        if failed:
            return f"Refreshing {feed} failed"
        return f"Refreshed {feed}: {count_of(new, 'new item')}"
    text = f"Refreshed {count_of(feeds, 'feed')}: {count_of(new, 'new item')}"
    return text + (f", {failed} failed" if failed else "")
