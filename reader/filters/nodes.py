"""The filter language's syntax tree: small immutable dataclasses.

The parser builds them, `reader.filters.sql` compiles them, `reader.filters.reference` is the
reference meaning; `to_source` prints the canonical text (parsing it gives the same tree back)
and `describe` a short English line for the status bar.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

# Attributes that hold text, and what `attr:value` means for each.
TEXT_ATTRIBUTES = ("title", "text", "author", "link", "feed", "feedtitle", "feedurl", "folder")
FULL_TEXT_COLUMNS = ("title", "text")  # `title:word` and `text:word` use the full-text index
FLAGS = ("unread", "starred", "has-enclosure")
TIME_ATTRIBUTES = ("age", "published")
ORDERINGS = ("<", "<=", ">", ">=")


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Expr


@dataclass(frozen=True, slots=True)
class Flag:
    """`unread`, `starred`, `has-enclosure`."""

    name: str


@dataclass(frozen=True, slots=True)
class Match:
    """A text attribute compared with a string: `op` is "=" (whole value) or "~" (contains);
    both ignore ASCII case. For `folder`, the value is each of the feed's folders."""

    attr: str
    op: str
    value: str


@dataclass(frozen=True, slots=True)
class Search:
    """A full-text term: a word, `word*` (prefix) or a quoted phrase, in the title and text
    (`column` None) or in one of them. Matched through the FTS index, by whole words."""

    text: str
    column: str | None = None
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Age:
    """`age < 7d`: `seconds` is the duration; the item's time is its headline date."""

    op: str
    seconds: int


@dataclass(frozen=True, slots=True)
class Published:
    """`published >= 2024-05-01`: `when` is epoch seconds UTC."""

    op: str
    when: float


Expr = And | Or | Not | Flag | Match | Search | Age | Published

UNITS = (("w", 7 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def duration_text(seconds: int) -> str:
    for unit, size in UNITS:
        if seconds % size == 0 and seconds:
            return f"{seconds // size}{unit}"
    return "0s"


def date_text(when: float) -> str:
    moment = datetime.fromtimestamp(when, UTC)
    if moment.hour == moment.minute == moment.second == 0 and not moment.microsecond:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def quote(text: str) -> str:
    """A string literal of the language (JSON escapes: parsing it gives `text` back)."""
    return json.dumps(text, ensure_ascii=False)


def to_source(expr: Expr) -> str:
    """The canonical text of an expression; `parse_filter(to_source(e)) == e`."""
    return _source(expr, 0)


def _source(expr: Expr, context: int) -> str:
    # context: 0 top, 1 inside an `or`, 2 inside an `and`, 3 under `not`
    if isinstance(expr, Or):
        text = " or ".join(_source(part, 1) for part in expr.parts)
        return f"({text})" if context >= 2 else text
    if isinstance(expr, And):
        text = " and ".join(_source(part, 2) for part in expr.parts)
        return f"({text})" if context >= 3 else text
    if isinstance(expr, Not):
        return "not " + _source(expr.part, 3)
    if isinstance(expr, Flag):
        return expr.name
    if isinstance(expr, Match):
        return f"{expr.attr} {expr.op} {quote(expr.value)}"
    if isinstance(expr, Search):
        body = quote(expr.text) + ("*" if expr.prefix else "")
        return f"{expr.column}:{body}" if expr.column else body
    if isinstance(expr, Age):
        return f"age {expr.op} {duration_text(expr.seconds)}"
    if isinstance(expr, Published):
        return f"published {expr.op} {date_text(expr.when)}"
    raise TypeError(f"not a filter expression: {expr!r}")


_ORDER_WORDS = {"<": "under", "<=": "at most", ">": "over", ">=": "at least"}


def describe(expr: Expr) -> str:
    """A short English line for the status bar ("unread, in folder tech, newer than 7d")."""
    if isinstance(expr, And):
        return ", ".join(_describe_nested(part) for part in expr.parts)
    return _describe_nested(expr)


def _describe_nested(expr: Expr) -> str:
    if isinstance(expr, And):
        return "(" + ", ".join(_describe_nested(p) for p in expr.parts) + ")"
    if isinstance(expr, Or):
        return "either " + " or ".join(_describe_nested(p) for p in expr.parts)
    if isinstance(expr, Not):
        return "not " + _describe_nested(expr.part)
    if isinstance(expr, Flag):
        return {"has-enclosure": "with an enclosure"}.get(expr.name, expr.name)
    if isinstance(expr, Match):
        name = {"feedtitle": "feed title", "feedurl": "feed URL"}.get(expr.attr, expr.attr)
        if expr.attr == "folder" and expr.op == "=":
            return f"in folder {quote(expr.value)}"
        verb = "is" if expr.op == "=" else "contains"
        return f"{name} {verb} {quote(expr.value)}"
    if isinstance(expr, Search):
        where = f"{expr.column} has" if expr.column else "has"
        return f"{where} {quote(expr.text)}{'*' if expr.prefix else ''}"
    if isinstance(expr, Age):
        if expr.op in ("<", "<="):
            return f"newer than {duration_text(expr.seconds)}"
        return f"older than {duration_text(expr.seconds)}"
    if isinstance(expr, Published):
        word = "before" if expr.op in ("<", "<=") else "after"
        return f"published {word} {date_text(expr.when)}"
    raise TypeError(f"not a filter expression: {expr!r}")
