"""What a view shows: a composable, immutable query over items.

One `Query` answers for the headline list, the counts, "mark all read", `next unread` and
`reader list`: it compiles to one SQL condition (every value a bound parameter), describes
itself for the status bar and says what an empty result means. The filter language (issue 16)
plugs in through `Query.filter`, any object with `sql(now) -> (condition, params)` and
`describe() -> str`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol


class SqlCondition(Protocol):
    """A compiled user filter: a boolean SQL expression over `items` and `feeds`."""

    def sql(self, now: float) -> tuple[str, list[Any]]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Query:
    """Items that match every field that is set. `Query()` is every item."""

    feed_id: int | None = None
    folder: str | None = None
    unread: bool = False
    starred: bool = False
    search: str | None = None  # words; every word must match, the last as a prefix
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, exclusive
    filter: SqlCondition | None = None
    exclude: SqlCondition | None = None  # the killfile: items a view never shows

    # -- building -----------------------------------------------------------------------

    def but(self, **changes: Any) -> Query:
        """This query with some fields changed: `Query(feed_id=3).but(unread=True)`."""
        return replace(self, **changes)

    def scope(self) -> Query:
        """Where the items come from (feed, folder, starred), without the narrowing the
        user adds on top (unread only, a search, a filter)."""
        return Query(feed_id=self.feed_id, folder=self.folder, starred=self.starred,
                     exclude=self.exclude)

    @property
    def needs_index(self) -> bool:
        """Whether the full-text index must be up to date to answer it."""
        return bool(self.search) or self.filter is not None

    # -- SQL ----------------------------------------------------------------------------

    def where(self, now: float | None = None) -> tuple[str, list[Any]]:
        """One SQL condition over `items` (and `feeds` where the caller joins it), with
        its parameters; "1" when every item matches."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.feed_id is not None:
            clauses.append("items.feed_id = ?")
            params.append(self.feed_id)
        if self.folder is not None:
            clauses.append(
                "items.feed_id IN (SELECT f.id FROM feeds AS f, json_each(f.tags) "
                "WHERE json_each.value = ?)")
            params.append(self.folder)
        if self.unread:
            clauses.append("items.read = 0")
        if self.starred:
            clauses.append("items.starred = 1")
        if self.search:
            clauses.append("items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(search_expression(self.search))
        if self.since is not None:
            clauses.append("items.sort_time >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("items.sort_time < ?")
            params.append(self.until)
        moment = time.time() if now is None else now
        if self.filter is not None:
            condition, extra = self.filter.sql(moment)
            clauses.append(f"({condition})")
            params.extend(extra)
        if self.exclude is not None:
            condition, extra = self.exclude.sql(moment)
            clauses.append(f"NOT ({condition})")
            params.extend(extra)
        return (" AND ".join(clauses) or "1"), params

    # -- words for people ---------------------------------------------------------------

    def describe(self, feed_titles: Mapping[int, str] | None = None) -> str:
        """A short name for the status bar: "Alpha · unread · search: rust"."""
        parts: list[str] = []
        if self.feed_id is not None:
            parts.append((feed_titles or {}).get(self.feed_id, "Feed"))
        elif self.folder is not None:
            parts.append(f"Folder {self.folder}")
        if self.starred:
            parts.append("Starred")
        if not parts:
            parts.append("Unread" if self.unread and not self._narrowed() else "All")
        if self.search:
            parts.append(f"Search: {self.search}")
        if self.filter is not None:
            label = getattr(self.filter, "label", "Filter")  # a search says "Search"
            parts.append(f"{label}: {self.filter.describe()}")
        if self.since is not None or self.until is not None:
            parts.append("in a date range")
        if self.unread and parts[0] != "Unread":
            parts.append("unread only")
        return " · ".join(parts)

    def _narrowed(self) -> bool:
        return (self.feed_id is not None or self.folder is not None or self.starred)

    def empty_message(self) -> str:
        """What an empty headline list says for this query, and what to do next."""
        if self.search:
            return "Nothing matches. Esc leaves the search; / searches again."
        if self.filter is not None:
            return "Nothing matches. Esc goes back; F changes the filter, / searches."
        if self.starred:
            return "No starred items. s stars the highlighted item."
        if self.unread:
            return "No unread items here. u shows read items too."
        if self.feed_id is not None or self.folder is not None:
            return "No items here yet. r refreshes this feed."
        return "No items yet. Press a to add a feed, R to refresh."


ALL = Query()
UNREAD = Query(unread=True)
STARRED = Query(starred=True)


def search_expression(query: str) -> str:
    """A user's search words as a safe FTS5 expression: every word must match, as a prefix
    for the last one; quotes, operators and punctuation are never FTS syntax."""
    words = [word for word in re.findall(r"\w+", query, flags=re.UNICODE) if word]
    if not words:
        return '""'
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)
