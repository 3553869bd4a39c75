"""The filter language (issue 16): parse, compile to SQL + FTS5, describe, evaluate; saved
views, the killfile and highlight rules; newsboat's filters translated. No Textual here."""

from reader.filters.nodes import Expr, describe, to_source
from reader.filters.parser import FilterSyntaxError, parse_filter
from reader.filters.reference import Row, evaluate
from reader.filters.rules import (
    Dropper,
    HighlightRule,
    KillRule,
    SavedView,
    hidden_sql,
    highlight_sql,
    visible_sql,
)
from reader.filters.sql import compile_filter

__all__ = [
    "Dropper", "Expr", "FilterSyntaxError", "HighlightRule", "KillRule", "Row", "SavedView",
    "compile_filter", "describe", "evaluate", "hidden_sql", "highlight_sql", "parse_filter",
    "to_source", "visible_sql",
]
