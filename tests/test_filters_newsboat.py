"""newsboat's filters translated into ours, from a sample config and urls file."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.filters import to_source
from reader.filters.newsboat import Untranslatable, import_config, import_urls, translate_text

SAMPLES = Path(__file__).parent / "samples" / "newsboat"


@pytest.mark.parametrize(("newsboat", "ours"), [
    ('unread = "yes"', "unread"),
    ('unread != "yes"', "not unread"),
    ('unread = "no"', "not unread"),
    ('title = "Hello"', 'title = "Hello"'),
    ('author != "Bob"', 'not author = "Bob"'),
    ('title =~ "rust"', 'title ~ "rust"'),
    ('content !~ ".*memory\\\\.safety.*"', 'not text ~ "memory.safety"'),
    ('description =~ "x"', 'text ~ "x"'),
    ('feedtitle =~ "Blog"', 'feedtitle ~ "Blog"'),
    ('rssurl = "https://a/f"', 'feedurl = "https://a/f"'),
    ("age < 7", "age < 1w"),
    ("age > 30", "age > 30d"),
    ("age >= 2", "age >= 2d"),
    ("age = 3", "age >= 3d and age < 4d"),
    ("age between 1:7", "age >= 1d and age <= 1w"),
    ('tags # "tech"', 'folder = "tech"'),
    ('tags !# "tech"', 'not folder = "tech"'),
    ('enclosure_url != ""', "has-enclosure"),
    ('unread = "yes" and (title =~ "a" or author = "b")',
     'unread and (title ~ "a" or author = "b")'),
    ('title =~ "a" or title =~ "b" and unread = "yes"', 'title ~ "a" or title ~ "b" and unread'),
])
def test_translates(newsboat: str, ours: str) -> None:
    assert translate_text(newsboat) == ours


@pytest.mark.parametrize(("newsboat", "why"), [
    ('title =~ "^Ad"', "more than plain text"),
    ('title =~ ".*"', "matches everything"),
    ('date > "2024"', "use age"),
    ('flags # "s"', "use starred"),
    ('guid = "x"', "entry ids"),
    ("age < soon", "expected a value after age <"),
    ('title < "b"', "not <"),
    ('unread = "maybe"', 'unread compares with = "yes"'),
    ('(title = "a"', "never closed"),
    ('whatever = "x"', "unknown attribute"),
    ('title = "a" title', "unexpected"),
])
def test_reports_why_it_does_not_translate(newsboat: str, why: str) -> None:
    with pytest.raises(Untranslatable, match=None) as caught:
        translate_text(newsboat)
    assert why in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_sample_config() -> None:
    result = import_config((SAMPLES / "config").read_text(encoding="utf-8"))
    assert [(v.name, v.source) for v in result.views] == [
        ("recent rust", 'unread and (title ~ "rust" or text ~ "memory safety") and age < 1w'),
        ("this week", "age >= 0s and age <= 1w"),
        ("not tech", 'not folder = "tech" and not feedurl = "https://a.example/f.xml"'),
        ("podcasts", "has-enclosure"),
    ]
    # ignore-mode "display" (set before or after) makes every rule a hide rule
    assert [(r.source, r.mode, r.feed) for r in result.kill] == [
        ('title ~ "Sponsored"', "hide", None),
        ('author = "Bot" or folder = "spam"', "hide", "https://news.example.org/feed.xml"),
    ]
    assert [(h.source, h.style) for h in result.highlights] == [
        ('title ~ "release"', "bold yellow"),
        ("not unread", "color(244)"),
        ('title ~ "security"', "red"),
    ]
    assert result.skipped == [
        "line 10: ignore-article: the regular expression '^Ad:' is more than plain text "
        "(ours is a case-insensitive 'contains')",
        "line 11: ignore-article: 'query:x' is not a feed URL (query: and exec: feeds are not "
        "ours)",
        "line 17: define-filter: date: newsboat compares dates as text; use age (days) instead",
        "line 18: define-filter: flags: newsboat's flag letters have no equivalent; use starred",
        "line 25: highlight: highlight article colours text inside article; only headlines are "
        "coloured here",
        "line 26: highlight-article: the regular expression '(a|b)' is more than plain text "
        "(ours is a case-insensitive 'contains')",
        "line 27: highlight-article: unknown colour 'chartreuse'",
    ]


def test_download_mode_drops() -> None:
    result = import_config('ignore-article "*" "title =~ \\"x\\""\n')
    assert [(r.mode, to_source(r.expr)) for r in result.kill] == [("drop", 'title ~ "x"')]


def test_the_sample_urls_file() -> None:
    result = import_urls((SAMPLES / "urls").read_text(encoding="utf-8"))
    assert [(v.name, v.source) for v in result.views] == [
        ("Unread tech", 'unread and folder = "tech"')]
    assert result.skipped == [
        "line 3: query 'Regex': the regular expression '[0-9]+' is more than plain text "
        "(ours is a case-insensitive 'contains')",
        "line 4: query 'Broken': a query: line is query:NAME:FILTER",
    ]


def test_what_is_imported_pastes_into_config_toml() -> None:
    import tomllib

    from reader.filters.config import parse_highlight_rules, parse_kill_rules, parse_views

    result = import_config((SAMPLES / "config").read_text(encoding="utf-8"))
    config = tomllib.loads(result.to_toml())
    assert [v.expr for v in parse_views(config["views"])] == [v.expr for v in result.views]
    assert parse_kill_rules(config["kill"]) == tuple(result.kill)
    assert parse_highlight_rules(config["highlight"]) == tuple(result.highlights)
