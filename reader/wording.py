"""Counted nouns for messages: "1 item", "2 items", never "1 items"."""

from __future__ import annotations


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun in the number it needs."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


UNTITLED = "(untitled)"
"""What a headline without a title shows, everywhere alike (JSON keeps the empty string)."""
