"""Words as the full-text index sees them, asked of SQLite's own tokenizer.

Full-text terms are built from these tokens (quoted), never from the user's text, so no FTS
syntax can come from a filter; asking the tokenizer itself (one in-memory table per thread)
keeps the query's words and the index's words the same for every script.
"""

from __future__ import annotations

import sqlite3
import threading
from functools import lru_cache

# Must match the items_fts definition in reader/store.py (a test checks it).
TOKENIZE = "unicode61 remove_diacritics 2"

_local = threading.local()


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        conn.execute(f"CREATE VIRTUAL TABLE words USING fts5 (x, tokenize='{TOKENIZE}')")
        conn.execute("CREATE VIRTUAL TABLE word_list USING fts5vocab (words, 'instance')")
        _local.conn = conn
    return conn


def _tokenize(text: str) -> tuple[str, ...]:
    conn = _connection()
    conn.execute("INSERT INTO words (rowid, x) VALUES (1, ?)", (text,))
    try:
        return tuple(row[0] for row in conn.execute(
            "SELECT term FROM word_list ORDER BY offset"))
    finally:
        conn.execute("DELETE FROM words")


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """The index's tokens of `text`, in order (folded: lower case, no diacritics)."""
    return _tokenize(text)


def token_set(text: str) -> frozenset[str]:
    """The tokens of a document's text (not cached: documents are many and large)."""
    if not text:
        return frozenset()
    return frozenset(_tokenize(text))


@lru_cache(maxsize=4096)
def is_one_word(text: str) -> bool:
    """True when `text` holds no separator: it is exactly one token, so the index alone
    decides a match (`c++`, `don't` or `two words` also need a substring check)."""
    return len(_tokenize("a" + text + "a")) == 1


def needs_substring_check(text: str) -> bool:
    """A term the index cannot decide alone: punctuation, several words (a phrase: the index
    keeps no positions), or no word at all (a lone accent)."""
    return not tokens(text) or not is_one_word(text)


def fts_string(token: str) -> str:
    """One token as an FTS5 string (quotes doubled)."""
    return '"' + token.replace('"', '""') + '"'


def ascii_lower(text: str) -> str:
    """Lower case as SQLite's lower() does it (ASCII letters only), for the substring checks."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
