"""What `reader list --filter`, `reader search` and saved-view counts need from the store,
until the app core's Query takes the compiled SQL itself.

These run the compiled filter with the store's own headline columns; they use the store's
`_query` and `_ensure_indexed` (the full-text index is filled in batches) on purpose, to stay
out of store.py while the core is being built.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from reader.filters.nodes import Age, And, Expr, Flag, Match, Not, Or, Published, Search
from reader.filters.parser import FilterSyntaxError, parse_filter
from reader.filters.rules import KillRule, visible_sql
from reader.rows import Headline
from reader.store import HEADLINE_COLUMNS, Store, _headline


def with_switches(expr: Expr | None, *, unread: bool = False, starred: bool = False,
                  feed_url: str | None = None) -> Expr | None:
    """`reader list --filter EXPR --unread --starred --feed URL`: the switches ANDed in."""
    parts = [] if expr is None else [expr]
    if unread:
        parts.append(Flag("unread"))
    if starred:
        parts.append(Flag("starred"))
    if feed_url is not None:
        parts.append(Match("feedurl", "=", feed_url))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def has_enclosures(store: Store) -> bool:
    """Whether the store has issue 15's `enclosures` table (else has-enclosure is false)."""
    return bool(store._query(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'enclosures'"))


def where_clause(store: Store, expr: Expr | None, *, now: float | None = None,
                 kill: Sequence[KillRule] = (), unread_only: bool = False
                 ) -> tuple[str, list]:
    """` WHERE ...` (or "") for a filter, the killfile's exclusion and an unread switch."""
    from reader.filters.sql import compile_filter

    now = time.time() if now is None else now
    enclosures = has_enclosures(store)
    clauses, params = [], []
    if expr is not None:
        store._ensure_indexed()
        sql, filter_params = compile_filter(expr, now, enclosures=enclosures)
        clauses.append(sql)
        params += filter_params
    if kill:
        sql, kill_params = visible_sql(kill, now, enclosures=enclosures)
        clauses.append(sql)
        params += kill_params
    if unread_only:
        clauses.append("items.read = 0")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def filtered_headlines(store: Store, expr: Expr | None, *, limit: int | None = None,
                       offset: int = 0, now: float | None = None,
                       kill: Sequence[KillRule] = ()) -> list[Headline]:
    """Headlines matching `expr` (and not killed), newest first: `reader list --filter`."""
    where, params = where_clause(store, expr, now=now, kill=kill)
    sql = (f"SELECT {HEADLINE_COLUMNS} FROM items JOIN feeds ON feeds.id = items.feed_id"
           f"{where} ORDER BY items.sort_time DESC, items.id DESC")
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [_headline(row) for row in store._query(sql, params)]


def count_matching(store: Store, expr: Expr | None, *, unread_only: bool = False,
                   now: float | None = None, kill: Sequence[KillRule] = ()) -> int:
    """How many items match: a saved view's unread count with `unread_only`.

    When `items_unread` covers the headline columns (the index issue 16 asks for), an unread
    count that tests attributes reads that index alone (see `_scan_unread_index`).
    """
    where, params = where_clause(store, expr, now=now, kill=kill, unread_only=unread_only)
    source = "items"
    if unread_only and expr is not None:
        if _only_words(expr):
            # The smallest unread index holds the id, enough to test full-text hits: since
            # items_unread covers the headline columns (issue 16's migration) it is the
            # narrow items_unread_by_feed (measured at 100k: 11 ms against 17 ms).
            if _many_hits(store, expr):
                source = "items INDEXED BY items_unread_by_feed"
        elif _scan_unread_index(expr) and _unread_covers(store):
            source = "items INDEXED BY items_unread"
    return store._query(f"SELECT count(*) FROM {source}{where}", params)[0][0]


COVERING_COLUMNS = {"feed_id", "starred", "title"}


def _unread_covers(store: Store) -> bool:
    columns = {row[2] for row in store._query("PRAGMA index_info(items_unread)")}
    return COVERING_COLUMNS <= columns


def _scan_unread_index(expr: Expr) -> bool:
    """Whether scanning the covering unread index beats SQLite's own plan: yes with a recent
    date bound (a range of that index), no for one feed or folder (items_unread_by_feed
    finds those rows at once) or for words alone (the cost follows the hits)."""
    parts = expr.parts if isinstance(expr, And) else (expr,)
    if any(isinstance(p, Age) and p.op in ("<", "<=") or isinstance(p, Published)
           and p.op in (">", ">=") for p in parts):
        return True
    if any(isinstance(p, Match) and p.op == "=" and p.attr in ("folder", "feed", "feedurl")
           for p in parts):
        return False
    return not _only_words(expr)


MANY_HITS = 1_000  # above this, one pass over the unread index beats a row lookup per hit


def _many_hits(store: Store, expr: Expr) -> bool:
    from reader.filters.sql import fts_expression

    match = fts_expression(expr)
    if match is None:  # a phrase or punctuation: hits are few, or checked on their rows
        return False
    hits = store._query(
        "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT ?)",
        (match, MANY_HITS + 1))[0][0]
    return hits > MANY_HITS and bool(store._query(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'items_unread_by_feed'"))


def _only_words(expr: Expr) -> bool:
    if isinstance(expr, Search):
        return True
    if isinstance(expr, And | Or):
        return all(_only_words(part) for part in expr.parts)
    if isinstance(expr, Not):
        return _only_words(expr.part)
    return False


def search(store: Store, query: str, *, limit: int = 50, kill: Sequence[KillRule] = ()
           ) -> list[Headline]:
    """`reader search QUERY`: the filter language (plain words are full-text terms, all of
    them required). Raises FilterSyntaxError."""
    return filtered_headlines(store, parse_filter(query), limit=limit, kill=kill)


def error_lines(error: FilterSyntaxError, option: str = "--filter") -> str:
    """What the command line prints (then exits 2): one line, then the filter with a caret."""
    first, *rest = error.caret().splitlines()
    return "\n".join([f"reader: {option}: {first}", *rest])
