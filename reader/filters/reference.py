"""The reference meaning of a filter, row by row in Python.

The parity tests hold the SQL compiler to it; the killfile's drop mode uses it at refresh time,
on records not stored yet (there is no row to run SQL on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reader.filters.nodes import Age, And, Expr, Flag, Match, Not, Or, Published, Search
from reader.filters.words import ascii_lower, needs_substring_check, token_set, tokens


@dataclass(slots=True)
class Row:
    """What a filter can see of an item. `sort_time` is the headline date (epoch seconds)."""

    title: str = ""
    text: str = ""
    author: str = ""
    link: str | None = None
    feed_title: str = ""  # the feed's display title (user's name, else its own, else URL)
    feed_url: str = ""
    tags: Sequence[str] = ()
    read: bool = False
    starred: bool = False
    sort_time: float = 0.0
    has_enclosure: bool = False
    _words: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Row:
        known = {name: values[name] for name in cls.__slots__
                 if not name.startswith("_") and name in values}
        return cls(**known)

    def words(self, column: str) -> frozenset[str]:
        if column not in self._words:
            self._words[column] = token_set(getattr(self, column))
        return self._words[column]


def evaluate(expr: Expr, row: Row, now: float) -> bool:
    """Does `row` match `expr`? The same answer the compiled SQL gives."""
    if isinstance(expr, And):
        return all(evaluate(part, row, now) for part in expr.parts)
    if isinstance(expr, Or):
        return any(evaluate(part, row, now) for part in expr.parts)
    if isinstance(expr, Not):
        return not evaluate(expr.part, row, now)
    if isinstance(expr, Flag):
        if expr.name == "unread":
            return not row.read
        if expr.name == "starred":
            return row.starred
        return row.has_enclosure
    if isinstance(expr, Match):
        return _match(expr, row)
    if isinstance(expr, Search):
        return _search(expr, row)
    if isinstance(expr, Age):
        return _compare(row.sort_time, {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[expr.op],
                        now - expr.seconds)
    if isinstance(expr, Published):
        return _compare(row.sort_time, expr.op, expr.when)
    raise TypeError(f"not a filter expression: {expr!r}")


def _compare(left: float, op: str, right: float) -> bool:
    return {"<": left < right, "<=": left <= right, ">": left > right,
            ">=": left >= right}[op]


def _test(value: str, op: str, wanted: str) -> bool:
    value = ascii_lower(value)
    return value == wanted if op == "=" else wanted in value


def _match(expr: Match, row: Row) -> bool:
    wanted = ascii_lower(expr.value)
    if expr.attr == "folder":
        return any(_test(tag, expr.op, wanted) for tag in row.tags)
    if expr.attr == "feed":
        return _test(row.feed_title, expr.op, wanted) or _test(row.feed_url, expr.op, wanted)
    if expr.attr == "feedtitle":
        return _test(row.feed_title, expr.op, wanted)
    if expr.attr == "feedurl":
        return _test(row.feed_url, expr.op, wanted)
    value = row.link or "" if expr.attr == "link" else getattr(row, expr.attr)
    return _test(value, expr.op, wanted)


def _search(expr: Search, row: Row) -> bool:
    columns = [expr.column] if expr.column else ["title", "text"]
    words = tokens(expr.text)
    if words:
        present = frozenset().union(*(row.words(column) for column in columns))
        *whole, last = words
        if not all(word in present for word in whole):
            return False
        if expr.prefix:
            if not any(word.startswith(last) for word in present):
                return False
        elif last not in present:
            return False
    if needs_substring_check(expr.text):
        needle = ascii_lower(expr.text)
        return any(needle in ascii_lower(getattr(row, column)) for column in columns)
    return True
