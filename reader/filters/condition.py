"""The filter language as conditions a `reader.core.query.Query` carries: a user's filter,
and the killfile's exclusion that every view adds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reader.filters.nodes import Expr, describe, to_source
from reader.filters.parser import parse_filter
from reader.filters.rules import KillRule, hidden_sql
from reader.filters.sql import compile_filter


@dataclass(frozen=True, slots=True)
class FilterCondition:
    """A parsed filter expression; compiled at each use, so `age < 7d` moves with time."""

    expr: Expr
    source: str = ""
    label: str = "Filter"  # what the status bar calls it: "Filter: ...", "Search: ..."

    @classmethod
    def parse(cls, text: str) -> FilterCondition:
        """Raises `FilterSyntaxError` (one line, with the column) on bad syntax."""
        expr = parse_filter(text)
        return cls(expr, to_source(expr))

    @classmethod
    def typed(cls, text: str, label: str = "Filter") -> FilterCondition:
        """As `parse`, keeping the text as the user typed it (for the status bar, the
        history and a saved view)."""
        return cls(parse_filter(text), text.strip(), label)

    def sql(self, now: float) -> tuple[str, list[Any]]:
        return compile_filter(self.expr, now)

    def describe(self) -> str:
        return self.source or describe(self.expr)


@dataclass(frozen=True, slots=True)
class Killfile:
    """The items the killfile keeps out of views (hide rules, and drop rules for what was
    stored before the rule existed): a view adds NOT of this."""

    rules: tuple[KillRule, ...]

    @classmethod
    def of(cls, rules: Sequence[KillRule]) -> Killfile | None:
        return cls(tuple(rules)) if rules else None

    def sql(self, now: float) -> tuple[str, list[Any]]:
        found = hidden_sql(self.rules, now)
        return found if found is not None else ("0", [])

    def describe(self) -> str:
        return "hidden by the killfile"


@dataclass(frozen=True, slots=True)
class Narrowed:
    """A view narrowed by the filter bar (`F`): the view's own filter (a saved view's, or a
    search's; None for a feed, a folder, All...) AND the one typed. Kept apart so that Esc
    gives the view back as it was, and a second `F` replaces the typed part only."""

    base: FilterCondition | None
    extra: FilterCondition

    @property
    def label(self) -> str:
        return self.base.label if self.base is not None else self.extra.label

    def sql(self, now: float) -> tuple[str, list[Any]]:
        condition, params = self.extra.sql(now)
        if self.base is None:
            return condition, params
        base, base_params = self.base.sql(now)
        return f"({base}) AND ({condition})", [*base_params, *params]

    def describe(self) -> str:
        if self.base is None:
            return self.extra.describe()
        return f"{self.base.describe()} · filter: {self.extra.describe()}"


def narrowed(view_filter: Any, extra: FilterCondition) -> Narrowed:
    """The filter a view gets from `F`: a second F replaces what the first one typed."""
    base = view_filter.base if isinstance(view_filter, Narrowed) else view_filter
    return Narrowed(base, extra)


def search_condition(text: str) -> FilterCondition:
    """What `/` searches for: the filter language (`Slow OR Armcrest`). Raises
    FilterSyntaxError."""
    return FilterCondition.typed(text, "Search")
