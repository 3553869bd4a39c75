"""Hypothesis strategies for filter expressions (shared by the grammar and parity tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from reader.filters.nodes import ORDERINGS, Age, And, Flag, Match, Not, Or, Published, Search

# Small alphabets so random terms hit random documents; hostile characters come along.
WORDS = ["rust", "Rust", "memory", "safety", "go", "c", "c++", "é", "Über", "uber", "don't",
         "a-b", "x", "news", "tech", "\"", "%", "_", "\\", "50%_off"]


def phrase() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join).filter(
        lambda text: bool(text.strip()))


def leaves() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from([Flag("unread"), Flag("starred"), Flag("has-enclosure")]),
        st.builds(Match, st.sampled_from(["title", "text", "author", "link", "feed",
                                          "feedtitle", "feedurl", "folder"]),
                  st.sampled_from(["=", "~"]),
                  st.one_of(st.sampled_from(WORDS), phrase(), st.just(""))),
        st.builds(Search, phrase(), st.sampled_from([None, "title", "text"]), st.booleans()),
        st.builds(Age, st.sampled_from(ORDERINGS), st.sampled_from([3600, 86_400, 7 * 86_400,
                                                                     90_061])),
        st.builds(Published, st.sampled_from(ORDERINGS),
                  st.sampled_from([1_749_000_000.0, 1_749_600_000.0, 1_700_000_000.0])),
    )


def _flat(kind: type, parts: list) -> object:
    out = []
    for part in parts:
        out.extend(part.parts if isinstance(part, kind) else [part])
    return kind(tuple(out))


def expressions() -> st.SearchStrategy:
    return st.recursive(
        leaves(),
        lambda children: st.one_of(
            st.lists(children, min_size=2, max_size=3).map(lambda p: _flat(And, p)),
            st.lists(children, min_size=2, max_size=3).map(lambda p: _flat(Or, p)),
            children.map(Not),
        ),
        max_leaves=6,
    )
