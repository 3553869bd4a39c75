"""Saved views, the killfile (drop at refresh, hide in views) and highlight rules, with their
config tables; a real refresh against the local HTTP server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feeds.fetch import FetchLimits
from reader.filters import Dropper, KillRule, hidden_sql, highlight_sql, parse_filter
from reader.filters.commands import (
    count_matching,
    error_lines,
    filtered_headlines,
    search,
    with_switches,
)
from reader.filters.config import parse_highlight_rules, parse_kill_rules, parse_views
from reader.filters.parser import FilterSyntaxError
from reader.locations import ConfigError
from reader.refresh import FeedDone, RefreshSummary, refresh
from reader.store import ItemRecord, Store
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply

FAST = FetchLimits(connect_timeout=2, total_timeout=3)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "reader.db")
    yield opened
    opened.close()


def titles(store: Store, **kwargs) -> list[str]:
    return sorted(h.title for h in filtered_headlines(store, None, **kwargs))


# -- config tables ----------------------------------------------------------------------


def test_config_tables_become_typed_rules() -> None:
    views = parse_views({"tech": "unread and folder:tech", "rust": "rust*"})
    assert [(v.name, v.source) for v in views] == [("tech", "unread and folder:tech"),
                                                   ("rust", "rust*")]
    assert views[0].describe() == 'unread, in folder "tech"'
    kills = parse_kill_rules([
        {"expr": "title ~ sponsored", "mode": "drop"},
        {"expr": "age > 30d", "feed": "https://a.example/f.xml"},
        {"expr": "author = bot", "feed": "news"},
        {"expr": "author = bot", "folder": "news", "mode": "hide"},
    ])
    assert [(k.mode, k.feed, k.folder) for k in kills] == [
        ("drop", None, None), ("hide", "https://a.example/f.xml", None),
        ("hide", None, "news"), ("hide", None, "news")]
    highlights = parse_highlight_rules([{"expr": "starred", "style": "bold yellow"},
                                        {"expr": "title ~ release"}])
    assert [(h.source, h.style) for h in highlights] == [("starred", "bold yellow"),
                                                        ("title ~ release", "bold")]
    assert parse_views(None) == () and parse_kill_rules(None) == ()


@pytest.mark.parametrize(("parse", "value", "message"), [
    (parse_views, {"tech": "(unread"}, "config.toml: views.tech: this '(' is never "
                                            "closed (column 1)"),
    (parse_views, {"tech": 3}, "config.toml: views.tech must be a filter in a string"),
    (parse_views, ["x"], "config.toml: [views] must be a table"),
    (parse_kill_rules, {"expr": "x"}, "config.toml: kill must be written as [[kill]] tables"),
    (parse_kill_rules, [{"mode": "drop"}], "config.toml: kill[1].expr is missing"),
    (parse_kill_rules, [{"expr": "x"}, {"expr": "x", "mode": "delete"}],
     'config.toml: kill[2].mode must be "drop" or "hide"'),
    (parse_kill_rules, [{"expr": "x", "feeds": "y"}],
     "config.toml: unknown setting kill[1].feeds"),
    (parse_kill_rules, [{"expr": "x", "feed": ""}],
     "config.toml: kill[1].feed must be a non-empty string"),
    (parse_kill_rules, [{"expr": "age < 3"}], "config.toml: kill[1].expr: age needs a "
                                              "duration"),
    (parse_highlight_rules, [{"expr": "x", "style": "[red]x[/]"}],
     "config.toml: highlight[1].style must be a style"),
])
def test_config_errors_are_one_line_naming_the_key(parse, value, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(value)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


# -- drop at refresh ----------------------------------------------------------------------


async def test_drop_rules_keep_entries_out_across_refreshes(store: Store,
                                                           http_server: LocalServer) -> None:
    tech = http_server.route("/tech.xml", Reply(body=rss("Tech", [
        ("1", "Rust news"), ("2", "Sponsored: buy this"), ("3", "Other news")])))
    other = http_server.route("/other.xml", Reply(body=rss("Other", [
        ("1", "Sponsored but elsewhere")])))
    tech_id = store.add_feed(tech, tags=["Tech"])
    store.add_feed(other)
    drop = Dropper(parse_kill_rules([{"expr": "title ~ sponsored", "mode": "drop",
                                      "folder": "tech"},
                                     {"expr": "rust", "mode": "hide"}]))
    summary = RefreshSummary()
    events = [e async for e in refresh(store, limits=FAST, drop=drop)]
    for event in events:
        summary.add(event)
    done = {e.url: e for e in events if isinstance(e, FeedDone)}
    assert (done[tech].new, done[tech].dropped) == (2, 1)
    assert (done[other].new, done[other].dropped) == (1, 0)  # the rule is for folder tech
    assert summary.line() == "refreshed 2 feeds: 3 new items, 1 dropped by the killfile"
    assert titles(store) == ["Other news", "Rust news", "Sponsored but elsewhere"]

    http_server.route("/tech.xml", Reply(body=rss("Tech", [
        ("4", "SPONSORED again"), ("5", "Fresh"), ("1", "Rust news"),
        ("2", "Sponsored: buy this"), ("3", "Other news")])))
    events = [e async for e in refresh(store, [tech_id], limits=FAST, drop=drop)]
    done = {e.url: e for e in events if isinstance(e, FeedDone)}
    assert (done[tech].new, done[tech].dropped) == (1, 2)
    assert titles(store) == ["Fresh", "Other news", "Rust news", "Sponsored but elsewhere"]


def test_the_dropper_is_a_pure_function_of_records() -> None:
    now = time.time()
    records = [ItemRecord("a", "Old", None, "", now - 40 * 86_400, None, "", "", ""),
               ItemRecord("b", "New", None, "", now - 3600, None, "", "", "memory safety"),
               ItemRecord("c", "Undated", None, "", None, None, "", "", "")]
    drop = Dropper([KillRule(parse_filter("age > 30d"), "age > 30d", "drop"),
                    KillRule(parse_filter('text:"memory safety"'), "x", "drop",
                             feed="https://a/f")])
    kept, dropped = drop(records, "https://b/f", ())
    assert [r.entry_id for r in kept] == ["b", "c"] and dropped == 1
    kept, dropped = drop(records, "https://a/f", ())
    assert [r.entry_id for r in kept] == ["c"] and dropped == 2
    assert not Dropper([KillRule(parse_filter("x"), "x", "hide")])


# -- hide in views --------------------------------------------------------------------------


def _stored(store: Store) -> None:
    now = time.time()
    tech = store.add_feed("https://a.example/tech.xml", "Tech", ["tech"])
    misc = store.add_feed("https://b.example/misc.xml", "Misc")
    store.apply(tech, [ItemRecord(f"t{n}", title, None, "", now - n * 3600, None, "", "", body)
                       for n, (title, body) in enumerate([
                           ("Rust 2", "memory safety"), ("Sponsored", ""), ("Go", "")])])
    store.apply(misc, [ItemRecord("m", "Sponsored too", None, "", now, None, "", "", "")])


def test_a_hide_rule_added_later_applies_to_stored_items_at_once(store: Store) -> None:
    _stored(store)
    assert len(titles(store)) == 4
    rules = parse_kill_rules([{"expr": "title ~ sponsored", "feed": "tech"}])
    assert titles(store, kill=rules) == ["Go", "Rust 2", "Sponsored too"]
    everywhere = parse_kill_rules([{"expr": "title ~ sponsored", "mode": "drop"}])
    assert titles(store, kill=everywhere) == ["Go", "Rust 2"]  # drop rules hide the stored
    sql, params = hidden_sql(rules, time.time())
    hidden = [row[0] for row in store.conn.execute(
        f"SELECT title FROM items WHERE {sql}", params)]
    assert hidden == ["Sponsored"]  # the view that asks for hidden items
    assert hidden_sql([], time.time()) is None


def test_saved_view_counts_and_search(store: Store) -> None:
    _stored(store)
    view = parse_views({"tech": "folder:tech and not sponsored"})[0]
    assert count_matching(store, view.expr) == 2
    store.mark_read([h.id for h in filtered_headlines(store, parse_filter("go"))])
    assert count_matching(store, view.expr, unread_only=True) == 1
    assert [h.title for h in search(store, "Slow OR memory")] == ["Rust 2"]
    with pytest.raises(FilterSyntaxError) as caught:
        search(store, "rust and (")
    assert error_lines(caught.value).splitlines() == [
        "reader: --filter: a term is missing at the end (column 11)",
        "  rust and (",
        "            ^",
    ]


def test_highlight_rules_give_each_headline_its_first_rule(store: Store) -> None:
    _stored(store)
    rules = parse_highlight_rules([{"expr": "title ~ sponsored", "style": "dim"},
                                   {"expr": "folder:tech", "style": "bold cyan"}])
    sql, params = highlight_sql(rules, time.time())
    got = dict(store.conn.execute(f"SELECT title, {sql} FROM items", params).fetchall())
    assert got == {"Rust 2": 1, "Sponsored": 0, "Go": 1, "Sponsored too": 0}
    assert highlight_sql([], time.time()) is None


def test_list_switches_combine_with_a_filter(store: Store) -> None:
    _stored(store)
    store.set_starred([h.id for h in filtered_headlines(store, parse_filter("title ~ go"))])
    expr = with_switches(parse_filter("not rust"), starred=True,
                         feed_url="https://a.example/tech.xml")
    assert [h.title for h in filtered_headlines(store, expr)] == ["Go"]
    assert with_switches(None) is None
    assert with_switches(None, unread=True) == parse_filter("unread")


def test_counts_of_many_word_hits_scan_the_unread_index(store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.filters import commands

    _stored(store)
    views = ["memory or sponsored", "sponsored", "not sponsored", "rust and not go"]
    before = [count_matching(store, parse_filter(v), unread_only=True) for v in views]
    monkeypatch.setattr(commands, "MANY_HITS", 0)
    assert commands._many_hits(store, parse_filter("sponsored"))
    assert [count_matching(store, parse_filter(v), unread_only=True) for v in views] == before
    assert before == [3, 2, 2, 1]


def test_counts_agree_with_the_covering_unread_index(store: Store) -> None:
    _stored(store)
    store.mark_read([h.id for h in filtered_headlines(store, parse_filter("go"))])
    views = ["folder:tech", "rust or title ~ spons", "not starred and age < 2w", "memory"]
    from reader.filters.commands import _unread_covers
    assert _unread_covers(store)  # the schema's own (issue 16's migration)
    before = [count_matching(store, parse_filter(v), unread_only=True) for v in views]
    from tests.benchmarks.filter_figures import NARROW_INDEXES
    for statement in NARROW_INDEXES:
        store.conn.execute(statement)
    assert not _unread_covers(store)
    after = [count_matching(store, parse_filter(v), unread_only=True) for v in views]
    assert before == after == [2, 3, 3, 1]
    assert store.counts()["unread"] == 3  # the store's own INDEXED BY still works
