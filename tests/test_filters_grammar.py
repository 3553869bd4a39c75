"""The filter language's grammar: examples, one-line errors with a column, and properties
(canonical text parses back to the same tree; hostile text never raises anything else)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader import store as store_module
from reader.filters import FilterSyntaxError, compile_filter, describe, parse_filter, to_source
from reader.filters.nodes import Age, And, Flag, Match, Not, Or, Published, Search
from reader.filters.words import TOKENIZE
from reader.store import Store
from tests.filter_strategies import expressions

NOW = 1_750_000_000.0


def test_the_issue_example_parses_to_the_expected_tree() -> None:
    expr = parse_filter(
        'unread and folder:tech and (title ~ "rust" or text:"memory safety") and age < 7d')
    assert expr == And((
        Flag("unread"),
        Match("folder", "=", "tech"),
        Or((Match("title", "~", "rust"), Search("memory safety", "text"))),
        Age("<", 7 * 86_400),
    ))
    assert describe(expr) == ('unread, in folder "tech", either title contains "rust" or '
                              'text has "memory safety", newer than 1w')


@pytest.mark.parametrize(("text", "expected"), [
    ("Slow OR Armcrest", Or((Search("Slow"), Search("Armcrest")))),
    ("slow armcrest", And((Search("slow"), Search("armcrest")))),
    ("rust*", Search("rust", prefix=True)),
    ('title:"memory safety"*', Search("memory safety", "title", prefix=True)),
    ("content:borrow", Search("borrow", "text")),
    ("NOT starred", Not(Flag("starred"))),
    ("!unread", Not(Flag("unread"))),
    ("read", Not(Flag("unread"))),
    ("unread = no", Not(Flag("unread"))),
    ("has-enclosure", Flag("has-enclosure")),
    ("author != Bob", Not(Match("author", "=", "Bob"))),
    ("feed:example.org", Match("feed", "~", "example.org")),
    ('feed = "https://a.example/f?x=1"', Match("feed", "=", "https://a.example/f?x=1")),
    ("feedurl ~ https://a.example/f?x=1", Match("feedurl", "~", "https://a.example/f?x=1")),
    ("tag:news", Match("folder", "=", "news")),
    ("folder !~ te", Not(Match("folder", "~", "te"))),
    ("age>=2w", Age(">=", 14 * 86_400)),
    ("age < 1d12h", Age("<", 36 * 3_600)),
    ("published > 2024-05-01", Published(">", 1_714_521_600.0)),
    ("published <= 2024-05-01T12:30Z", Published("<=", 1_714_566_600.0)),
    ("title", Search("title")),  # an attribute name alone is a word to search for
    ('"unread"', Search("unread")),
    ("c++ don't", And((Search("c++"), Search("don't")))),
    ("wow!", Search("wow!")),
    ("a or b and c", Or((Search("a"), And((Search("b"), Search("c")))))),
    ('"say \\"hi\\"\\u00e9"', Search('say "hi"é')),
])
def test_examples(text: str, expected: object) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(("text", "message", "column"), [
    ("", "the filter is empty", 1),
    ("(rust", "this '(' is never closed", 1),
    ("rust)", "this ')' closes nothing", 5),
    ("()", "empty parentheses", 1),
    ("rust and", "a term is missing at the end", 9),
    ("or rust", "'or' needs a term before it", 1),
    ("title <", "a value is missing here", 8),
    ("title < 3", "title compares with =, !=, ~, !~ or ':', not <", 7),
    ("age = 3d", "age compares with <, <=, > or >=", 5),
    ("age < 7", "age needs a duration such as 30m, 12h, 7d or 2w, not '7'", 7),
    ("published > yesterday", "published needs a date", 13),
    ("unread = maybe", "unread is yes or no, not 'maybe'", 10),
    ('title ~ "open', "this quote is never closed", 9),
    ("= rust", "'=' needs an attribute before it", 1),
    ("not", "'not' needs a term after it", 1),
    ("*", "a prefix needs at least one word", 1),
    ('"\\ud800"', "\\u names a surrogate", 2),
    ('"a\\u0000"', "\\u names a surrogate or NUL", 3),
    ("a\x00", "a filter cannot hold a NUL character", 2),
    ("(" * 100 + "a" + ")" * 100, "nests deeper than 64", 64),
])
def test_errors_name_the_column(text: str, message: str, column: int) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    error = caught.value
    assert message in str(error)
    assert str(error).endswith(f"(column {column})")
    assert "\n" not in str(error)
    lines = error.caret().splitlines()
    assert len(lines) == 3 and lines[2].index("^") == column + 1


def test_the_tokenizer_is_the_index_s() -> None:
    assert f"tokenize='{TOKENIZE}'" in store_module.SCHEMA_V1


@settings(max_examples=300, deadline=None)
@given(expressions())
def test_canonical_text_parses_back_to_the_same_tree(expr: object) -> None:
    text = to_source(expr)  # type: ignore[arg-type]
    assert parse_filter(text) == expr
    assert "\n" not in describe(expr)  # type: ignore[arg-type]


HOSTILE = st.lists(st.sampled_from(
    list('()"\\*:=<>~!-_ \t\n\'`;%$#{}[]^.,/') + ["and", "or", "not", "AND", "NOT ", "title",
                                                 "age", "7d", "unread", "folder", "é",
                                                 "\u202e", "\x00", "\u0301", "'; DROP TABLE",
                                                 "NEAR(", "\"\"", "\u3000", "𝔘"]),
    max_size=20).map(" ".join)


@pytest.fixture(scope="module")
def store_conn(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    store = Store(Path(tmp_path_factory.mktemp("grammar")) / "reader.db")
    feed = store.add_feed("http://127.0.0.1:9/f.xml", "F", ["tech"])
    from reader.store import ItemRecord
    store.apply(feed, [ItemRecord("a", "Rust and C++", None, "Ann", NOW - 100, None, "", "",
                                  "memory safety for all, don't")])
    store.index_pending()
    return store.conn


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(HOSTILE, st.text(max_size=40)))
def test_hostile_text_is_a_syntax_error_or_runs(store_conn: sqlite3.Connection,
                                                 text: str) -> None:
    try:
        expr = parse_filter(text)
    except FilterSyntaxError as error:
        assert "\n" not in str(error)
        assert 0 <= error.position <= len(text)
        return
    sql, params = compile_filter(expr, NOW)
    # The SQL is the compiler's own words; every user string is a parameter.
    words = sql.replace("''", "").replace("ESCAPE '\\'", "")
    assert re.fullmatch(r"[A-Za-z_.() ?=<>,0-9*]+", words), sql
    assert sql.count("?") == len(params)
    store_conn.execute(f"SELECT count(*) FROM items WHERE {sql}", params).fetchone()
    assert parse_filter(to_source(expr)) == expr


def test_the_readme_examples_parse() -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    section = readme.read_text(encoding="utf-8").split("## Filters", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"^\| `(.+?)` \|", section, flags=re.MULTILINE)
    assert len(examples) == 10
    for example in examples:
        expr = parse_filter(example)
        assert parse_filter(to_source(expr)) == expr
