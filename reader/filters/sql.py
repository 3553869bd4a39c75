"""Syntax tree -> one SQL boolean expression over `items` (feeds are reached by subqueries).

Every user string is a bound parameter. Full-text terms become
`items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)` with an FTS expression
built here from the index's own tokens, each quoted: the user's text is never FTS syntax.
Neighbouring word terms under one `and`/`or` share one MATCH.

The index keeps no positions (detail='column'), so a phrase (or a term holding punctuation,
such as `c++`) is the FTS AND of its words plus a substring check on the column. Substring
and equality tests are LIKE with an escaped pattern: case-insensitive for ASCII letters only.

Every part is two-valued (never NULL), so `not` means what it says; the reference evaluator in
`reader.filters.reference` gives the same answers row by row.
"""

from __future__ import annotations

from reader.filters.nodes import Age, And, Expr, Flag, Match, Not, Or, Published, Search
from reader.filters.words import fts_string, is_one_word, needs_substring_check, tokens

# Issue 15 adds the `enclosures` table (item_id -> enclosure); until then pass
# `enclosures=False` and `has-enclosure` matches nothing.
HAS_ENCLOSURE_SQL = "EXISTS (SELECT 1 FROM enclosures WHERE enclosures.item_id = items.id)"
FEED_TITLE_SQL = "coalesce(feeds.user_title, nullif(feeds.title, ''), feeds.url)"
FTS_SQL = "items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"

_ITEM_COLUMNS = {
    "title": "items.title",
    "text": "items.text",
    "author": "items.author",
    "link": "coalesce(items.link, '')",
}
_FEED_COLUMNS = {
    "feed": (FEED_TITLE_SQL, "feeds.url"),
    "feedtitle": (FEED_TITLE_SQL,),
    "feedurl": ("feeds.url",),
}
_AGE_TO_TIME = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def compile_filter(expr: Expr, now: float, *, enclosures: bool = True) -> tuple[str, list]:
    """(sql, params): a boolean SQL expression over `items` for a WHERE clause.

    `now` (epoch seconds) anchors `age`; compile again when it matters (a view kept open for
    hours). `enclosures=False` when the store has no `enclosures` table yet.
    """
    params: list = []
    sql = _Compiler(now, enclosures, params).compile(expr)
    return sql, params


class _Compiler:
    def __init__(self, now: float, enclosures: bool, params: list) -> None:
        self.now = now
        self.enclosures = enclosures
        self.params = params

    def compile(self, expr: Expr) -> str:
        if isinstance(expr, And | Or):
            return self.combine(expr)
        if isinstance(expr, Not):
            return f"NOT ({self.compile(expr.part)})"
        if isinstance(expr, Flag):
            if expr.name == "unread":
                return "items.read = 0"
            if expr.name == "starred":
                return "items.starred = 1"
            return HAS_ENCLOSURE_SQL if self.enclosures else "0"
        if isinstance(expr, Match):
            return self.match(expr)
        if isinstance(expr, Search):
            return self.search(expr)
        if isinstance(expr, Age):
            self.params.append(self.now - expr.seconds)
            return f"items.sort_time {_AGE_TO_TIME[expr.op]} ?"
        if isinstance(expr, Published):
            self.params.append(expr.when)
            return f"items.sort_time {expr.op} ?"
        raise TypeError(f"not a filter expression: {expr!r}")

    def combine(self, expr: And | Or) -> str:
        joiner = " AND " if isinstance(expr, And) else " OR "
        words = [fts for part in expr.parts if (fts := fts_expression(part)) is not None]
        pieces: list[str] = []
        if len(words) >= 2:  # one MATCH for all the plain word terms of this and/or
            self.params.append(joiner.join(f"({word})" for word in words))
            pieces.append(FTS_SQL)
        for part in expr.parts:
            if len(words) >= 2 and fts_expression(part) is not None:
                continue
            pieces.append(self.compile(part))
        return "(" + joiner.join(pieces) + ")"

    def match(self, expr: Match) -> str:
        value = like_pattern(expr.value, expr.op == "~")
        if expr.attr == "folder":
            self.params.append(value)
            test = _test("json_each.value")
            return ("items.feed_id IN (SELECT feeds.id FROM feeds, json_each(feeds.tags) "
                    f"WHERE {test})")
        if expr.attr in _FEED_COLUMNS:
            columns = _FEED_COLUMNS[expr.attr]
            tests = []
            for column in columns:
                self.params.append(value)
                tests.append(_test(column))
            return f"items.feed_id IN (SELECT feeds.id FROM feeds WHERE {' OR '.join(tests)})"
        self.params.append(value)
        return _test(_ITEM_COLUMNS[expr.attr])

    def search(self, expr: Search) -> str:
        parts = []
        words = tokens(expr.text)
        if words:
            self.params.append(_words_expression(words, expr.column, expr.prefix))
            parts.append(FTS_SQL)
        if needs_substring_check(expr.text):
            needle = like_pattern(expr.text, True)
            columns = [expr.column] if expr.column else ["title", "text"]
            checks = []
            for column in columns:
                self.params.append(needle)
                checks.append(_test(f"items.{column}"))
            parts.append("(" + " OR ".join(checks) + ")")
        return "(" + " AND ".join(parts) + ")"


def _test(column: str) -> str:
    # LIKE folds ASCII case only, as the reference evaluator does; it is about twice as fast
    # as instr(lower(...)) and allocates nothing. The parser refuses NUL, which ends a pattern.
    return f"{column} LIKE ? ESCAPE '\\'"


def like_pattern(value: str, contains: bool) -> str:
    """`value` as a LIKE pattern matching itself (or containing itself): % _ \\ escaped."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%" if contains else escaped


def _words_expression(words: tuple[str, ...], column: str | None, prefix: bool) -> str:
    scope = f"{column} : " if column else ""
    quoted = [scope + fts_string(word) for word in words]
    if prefix:
        quoted[-1] += " *"
    return " AND ".join(quoted)


def fts_expression(expr: Expr) -> str | None:
    """The FTS5 expression of a term the index alone decides (a single word, or an and/or of
    them), or None."""
    if isinstance(expr, Search):
        words = tokens(expr.text)
        if len(words) == 1 and is_one_word(expr.text):
            return _words_expression(words, expr.column, expr.prefix)
        return None
    if isinstance(expr, And | Or):
        inner = [fts_expression(part) for part in expr.parts]
        if any(part is None for part in inner):
            return None
        joiner = " AND " if isinstance(expr, And) else " OR "
        return joiner.join(f"({part})" for part in inner)
    return None
