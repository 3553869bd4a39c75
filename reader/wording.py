"""Counted nouns for messages: "1 item", "2 items", never "1 items"."""

from __future__ import annotations


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun in the number it needs."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


UNTITLED = "(untitled)"
"""What a headline without a title shows, everywhere alike (JSON keeps the empty string)."""


def refresh_done(feeds: int, new: int, failed: int, *, feed: str | None = None) -> str:
    """The toast at the end of a refresh in the app; it names the feed when only one was
    refreshed (`feed`: its title), so `r` on a feed says which one it was."""
    if feeds == 1 and feed:
        if failed:
            return f"Refreshing {feed} failed"
        return f"Refreshed {feed}: {count_of(new, 'new item')}"
    text = f"Refreshed {count_of(feeds, 'feed')}: {count_of(new, 'new item')}"
    return text + (f", {failed} failed" if failed else "")
