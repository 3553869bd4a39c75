"""SQL parity: random filters compiled to SQL give, on random stores (real SQLite files made by
reader.store.Store, full-text index included), exactly the items the Python reference
evaluator picks."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.filters import Row, compile_filter, evaluate, parse_filter, to_source
from reader.store import ItemRecord, Store
from tests.filter_strategies import WORDS, expressions

NOW = 1_750_000_000.0
# Exactly on the boundaries the strategies compare with, and either side of them.
TIMES = [NOW - 3600, NOW - 86_400, NOW - 86_400 + 1, NOW - 7 * 86_400, NOW - 90_061,
         1_749_000_000.0, 1_749_600_000.0, 1_700_000_000.0, NOW - 10, NOW + 60]

text = st.lists(st.sampled_from(WORDS + [" ", " ", ", ", "-", "Memory Safety", "C++"]),
                max_size=8).map("".join)
feed = st.fixed_dictionaries({
    "title": st.one_of(st.just(""), text),
    "user_title": st.one_of(st.none(), text),
    "tags": st.lists(st.sampled_from(["tech", "Tech", "news", "rust", "x y"]), max_size=2,
                     unique=True),
})
item = st.fixed_dictionaries({
    "feed": st.integers(0, 2),
    "title": text,
    "text": text,
    "author": st.sampled_from(["", "Ann", "bob", "Über Bob"]),
    "link": st.one_of(st.none(), st.sampled_from(["https://a.example/rust", "http://b/x"])),
    "time": st.sampled_from(TIMES),
    "read": st.booleans(),
    "starred": st.booleans(),
    "enclosure": st.booleans(),
})


def build(folder: Path, feeds: list[dict], items: list[dict]) -> tuple[Store, dict[int, Row]]:
    store = Store(folder / "reader.db")
    ids, urls = [], []
    for index, spec in enumerate(feeds):
        url = f"http://127.0.0.1:9/{index}/rust.xml"
        ids.append(store.add_feed(url, "", spec["tags"], user_title=spec["user_title"]))
        urls.append(url)
    for index, spec in enumerate(feeds):
        mine = [(number, it) for number, it in enumerate(items) if it["feed"] == index]
        store.apply(ids[index], [
            ItemRecord(f"e{number}", it["title"], it["link"], it["author"], it["time"], None,
                       "", "", it["text"]) for number, it in mine], title=spec["title"])
    store.index_pending()
    rows: dict[int, Row] = {}
    for item_id, entry in store.conn.execute(
            "SELECT id, entry_id FROM items"):
        spec = items[int(entry[1:])]
        feed_spec = feeds[spec["feed"]]
        store.conn.execute("UPDATE items SET read = ?, starred = ? WHERE id = ?",
                           (spec["read"], spec["starred"], item_id))
        if spec["enclosure"]:
            store.conn.execute("INSERT INTO enclosures (item_id, position, url) "
                               "VALUES (?, 0, 'http://e')", (item_id,))
        rows[item_id] = Row(
            title=spec["title"], text=spec["text"], author=spec["author"], link=spec["link"],
            feed_title=feed_spec["user_title"] or feed_spec["title"] or urls[spec["feed"]],
            feed_url=urls[spec["feed"]], tags=feed_spec["tags"], read=spec["read"],
            starred=spec["starred"], sort_time=spec["time"], has_enclosure=spec["enclosure"])
    return store, rows


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(feed, min_size=3, max_size=3), st.lists(item, max_size=25),
       st.lists(expressions(), min_size=12, max_size=12))
def test_sql_and_the_reference_evaluator_agree(feeds: list, items: list, exprs: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store, rows = build(Path(folder), feeds, items)
        try:
            for expr in exprs:
                sql, params = compile_filter(expr, NOW)
                found = {row[0] for row in store.conn.execute(
                    f"SELECT items.id FROM items JOIN feeds ON feeds.id = items.feed_id "
                    f"WHERE {sql}", params)}
                expected = {item_id for item_id, row in rows.items()
                            if evaluate(expr, row, NOW)}
                assert found == expected, (to_source(expr), sql, params)
        finally:
            store.close()


def test_the_issue_example_on_a_store(tmp_path: Path) -> None:
    feeds = [{"title": "Tech", "user_title": None, "tags": ["tech"]},
             {"title": "Other", "user_title": None, "tags": []},
             {"title": "", "user_title": None, "tags": ["Tech"]}]

    def it(feed: int, title: str, body: str, age_days: float, read: bool = False) -> dict:
        return {"feed": feed, "title": title, "text": body, "author": "", "link": None,
                "time": NOW - age_days * 86_400, "read": read, "starred": False,
                "enclosure": False}

    items = [
        it(0, "Rust 2.0 is out", "", 1),                              # 0 yes: title
        it(0, "Languages", "On memory safety in C", 2),               # 1 yes: phrase
        it(0, "Languages", "safety of memory", 2),                    # 2 no: not the phrase
        it(0, "Trusty rustacean", "", 1),                             # 3 yes: ~ is contains
        it(0, "Rust", "", 9),                                         # 4 no: too old
        it(0, "Rust", "", 1, read=True),                              # 5 no: read
        it(1, "Rust", "", 1),                                         # 6 no: folder
        it(2, "rust", "", 1),                                         # 7 yes: folder case
    ]
    store, rows = build(tmp_path, feeds, items)
    expr = parse_filter(
        'unread and folder:tech and (title ~ "rust" or text:"memory safety") and age < 7d')
    sql, params = compile_filter(expr, NOW)
    found = sorted(int(entry[1:]) for (entry,) in store.conn.execute(
        f"SELECT entry_id FROM items WHERE {sql}", params))
    assert found == [0, 1, 3, 7]
    assert found == sorted(int(store.conn.execute("SELECT entry_id FROM items WHERE id = ?",
                                                  (i,)).fetchone()[0][1:])
                           for i, row in rows.items() if evaluate(expr, row, NOW))
    store.close()


def test_a_plain_word_list_searches(tmp_path: Path) -> None:
    feeds = [{"title": "F", "user_title": None, "tags": []}] * 3
    items = [{"feed": 0, "title": title, "text": body, "author": "", "link": None,
              "time": NOW, "read": False, "starred": False, "enclosure": False}
             for title, body in [("Slow cooker", ""), ("Chair", "the armcrest broke"),
                                 ("Fast", "slowly")]]
    store, _ = build(tmp_path, feeds, items)
    sql, params = compile_filter(parse_filter("Slow OR Armcrest"), NOW)
    found = [row[0] for row in store.conn.execute(
        f"SELECT title FROM items WHERE {sql} ORDER BY id", params)]
    assert found == ["Slow cooker", "Chair"]
    store.close()
