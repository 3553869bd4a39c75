"""Saved views, the killfile and highlight rules: typed objects holding parsed filters.

A kill rule in "drop" mode is applied at refresh time by `Dropper`, a pure function of the
records about to be stored; a "hide" rule (and, for items stored before it existed, a drop
rule) becomes a SQL exclusion that views add, so a rule added later applies to stored items at
once. Highlight rules become one SQL CASE giving each headline the index of the first rule it
matches; the UI maps the index to the rule's style (a style name from config, never text from
a feed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reader.filters.nodes import Expr, describe
from reader.filters.reference import Row, evaluate
from reader.filters.sql import compile_filter
from reader.filters.words import ascii_lower

KILL_MODES = ("drop", "hide")


@dataclass(frozen=True, slots=True)
class SavedView:
    """A named filter shown in the feeds panel (newsboat's query feed)."""

    name: str
    source: str
    expr: Expr

    def sql(self, now: float | None = None, *, enclosures: bool = True) -> tuple[str, list]:
        return compile_filter(self.expr, time.time() if now is None else now,
                              enclosures=enclosures)

    def describe(self) -> str:
        return describe(self.expr)


@dataclass(frozen=True, slots=True)
class KillRule:
    """Items matching `expr` (in one feed, one folder, or everywhere) are never stored
    ("drop") or stored but kept out of views ("hide")."""

    expr: Expr
    source: str
    mode: str = "hide"
    feed: str | None = None  # a feed URL
    folder: str | None = None

    def applies_to(self, feed_url: str, tags: Iterable[str]) -> bool:
        if self.feed is not None and feed_url != self.feed:
            return False
        if self.folder is not None:
            wanted = ascii_lower(self.folder)
            return any(ascii_lower(tag) == wanted for tag in tags)
        return True

    def scope_sql(self) -> tuple[str, list]:
        if self.feed is not None:
            return "items.feed_id IN (SELECT feeds.id FROM feeds WHERE feeds.url = ?)", [
                self.feed]
        if self.folder is not None:
            return ("items.feed_id IN (SELECT feeds.id FROM feeds, json_each(feeds.tags) "
                    "WHERE lower(json_each.value) = ?)"), [ascii_lower(self.folder)]
        return "", []


@dataclass(frozen=True, slots=True)
class HighlightRule:
    expr: Expr
    source: str
    style: str  # e.g. "bold yellow"; the UI parses it as a style, never as markup


def hidden_sql(rules: Sequence[KillRule], now: float, *, enclosures: bool = True,
               include_drop: bool = True) -> tuple[str, list] | None:
    """SQL true for items the killfile keeps out of views, or None when no rule applies.

    Views add `AND NOT (<sql>)`; a view that asks for hidden items uses it as it is. Drop
    rules are included by default: they also keep out what was stored before they existed.
    """
    pieces, params = [], []
    for rule in rules:
        if rule.mode == "drop" and not include_drop:
            continue
        scope, scope_params = rule.scope_sql()
        sql, rule_params = compile_filter(rule.expr, now, enclosures=enclosures)
        pieces.append(f"({scope} AND {sql})" if scope else sql)
        params += scope_params + rule_params
    if not pieces:
        return None
    return " OR ".join(pieces), params


def visible_sql(rules: Sequence[KillRule], now: float, *, enclosures: bool = True
                ) -> tuple[str, list]:
    """The exclusion to AND into every view's WHERE ("1" when there are no rules)."""
    hidden = hidden_sql(rules, now, enclosures=enclosures)
    if hidden is None:
        return "1", []
    return f"NOT ({hidden[0]})", hidden[1]


def highlight_sql(rules: Sequence[HighlightRule], now: float, *, enclosures: bool = True
                  ) -> tuple[str, list] | None:
    """`CASE WHEN ... THEN 0 WHEN ... THEN 1 END`: the first matching rule's index (NULL for
    none), as one more column of the headline query."""
    if not rules:
        return None
    pieces, params = [], []
    for index, rule in enumerate(rules):
        sql, rule_params = compile_filter(rule.expr, now, enclosures=enclosures)
        pieces.append(f"WHEN {sql} THEN {index}")
        params += rule_params
    return "CASE " + " ".join(pieces) + " END", params


# The refresh hook's shape: (records, feed url, feed tags) -> (records to store, dropped).
DropHook = Callable[[Sequence[Any], str, Sequence[str]], tuple[list[Any], int]]


class Dropper:
    """The drop-mode rules as a pure function for the refresh: records matching a rule that
    applies to the feed are left out and counted. New records are unread and not starred."""

    def __init__(self, rules: Sequence[KillRule], clock: Callable[[], float] = time.time
                 ) -> None:
        self.rules = tuple(rule for rule in rules if rule.mode == "drop")
        self.clock = clock

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __call__(self, records: Sequence[Any], feed_url: str, tags: Sequence[str] = (),
                 feed_title: str = "") -> tuple[Sequence[Any], int]:
        """The records to store (the same sequence when none is dropped: a worker's
        `reader.store.Records` reaches the store as it came, its texts still UTF-8) and how
        many were left out."""
        rules = [rule for rule in self.rules if rule.applies_to(feed_url, tags)]
        if not rules:
            return records, 0
        now = self.clock()
        kept = []
        for record in records:
            row = row_of_record(record, feed_url, tags, feed_title, now)
            if not any(evaluate(rule.expr, row, now) for rule in rules):
                kept.append(record)
        if len(kept) == len(records):
            return records, 0
        return kept, len(records) - len(kept)


def row_of_record(record: Any, feed_url: str, tags: Sequence[str], feed_title: str,
                  now: float) -> Row:
    """A `reader.store.ItemRecord` (not stored yet) as the evaluator sees it."""
    return Row(
        title=record.title,
        text=record.text,
        author=record.author,
        link=record.link,
        feed_title=feed_title or feed_url,
        feed_url=feed_url,
        tags=tuple(tags),
        sort_time=record.published or record.updated or now,
        has_enclosure=bool(getattr(record, "enclosures", ())),
    )
