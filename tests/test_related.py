"""feeds.related: query terms that FTS5 cannot misread, and ranking quality on labelled stories.

The quality tests load the real article pages in shared/articles/scrapinghub-aeb (grouped into
stories by hand in stories.json) and measure mean average precision; the thresholds in
feeds.related were chosen on this same set, so a leave-one-story-out check is printed beside it.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import related
from feeds.related import Doc, distinctive_terms, fts_query, rank, tokenize
from tests.conftest import shared_path

# ---------------------------------------------------------------------------------------------
# Query terms and FTS5


@pytest.fixture
def fts() -> Iterator[sqlite3.Connection]:
    """A real FTS5 table in memory, as the store has one (title and text columns)."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE items USING fts5(title, text)")
    connection.executemany(
        "INSERT INTO items (rowid, title, text) VALUES (?, ?, ?)",
        [
            (1, "Volcano erupts by the harbour", "Ash fell on the old town all night."),
            (2, "Council vote NOT final", "The motion AND the amendment go to a second NEAR vote."),
            (3, "Ferry timetable changes", "Boats leave at seven from pier two."),
        ],
    )
    try:
        yield connection
    finally:
        connection.close()


def matching(connection: sqlite3.Connection, query: str) -> set[int]:
    rows = connection.execute("SELECT rowid FROM items WHERE items MATCH ?", (query,))
    return {rowid for (rowid,) in rows}


HOSTILE_TERMS = [
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(volcano ferry, 3)",
    "volcano*",
    "^volcano",
    "title:volcano",
    "text : ash",
    "(volcano",
    "ferry)",
    '"',
    'vol"cano',
    '""',
    '"volcano" OR "ferry"',
    "{title text}: ash",
    "-ferry",
    "+ferry",
    "\x00volcano",
    "vol\x1bcano",
    "lone \ud800 surrogate",
    "*",
    "",
    "   ",
]


@pytest.mark.parametrize("term", HOSTILE_TERMS)
def test_fts_query_never_raises_on_a_hostile_term(fts: sqlite3.Connection, term: str) -> None:
    query = fts_query([term, "ferry"])
    assert 3 in matching(fts, query)  # the hostile term did not swallow the good one


def test_fts_query_treats_operators_as_words(fts: sqlite3.Connection) -> None:
    # As a phrase, "NOT" is the word "not" (in item 2's title), not an operator: only item 2.
    assert matching(fts, fts_query(["NOT"])) == {2}
    assert matching(fts, fts_query(["NEAR"])) == {2}
    # A column filter inside a term is text: "title:volcano" is the phrase "title volcano".
    assert matching(fts, fts_query(["title:volcano"])) == set()
    # A star is not a prefix query.
    assert matching(fts, fts_query(["volc*"])) == set()


def test_fts_query_quotes_and_joins_with_or(fts: sqlite3.Connection) -> None:
    assert fts_query(["volcano", 'say "hi"']) == '"volcano" OR "say ""hi"""'
    assert matching(fts, fts_query(["volcano", "ferry"])) == {1, 3}
    assert fts_query(["ferry", "ferry"]) == '"ferry"'


def test_fts_query_with_no_terms_is_valid_and_matches_nothing(fts: sqlite3.Connection) -> None:
    for terms in ([], [""], ["\x00", "  "]):
        query = fts_query(terms)
        assert matching(fts, query) == set()


# Letters both tokenizers agree on, plus FTS5's syntax characters and words.
PLAIN_TEXT = st.lists(
    st.sampled_from([*"abcdeéföÄ019 \n\"'*^:()+-{},.?!", "AND ", "NEAR ", "NOT "]), max_size=60
).map("".join)


@settings(max_examples=300, deadline=None)
@given(title=PLAIN_TEXT, text=PLAIN_TEXT)
def test_terms_of_an_item_make_a_query_that_finds_it(title: str, text: str) -> None:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE items USING fts5(title, text)")
        connection.execute("INSERT INTO items VALUES (?, ?)", (title, text))
        terms = distinctive_terms(title, text)
        rows = matching(connection, fts_query(terms))
        assert rows == ({1} if terms else set())
    finally:
        connection.close()


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=80), text=st.text(max_size=300))
def test_terms_of_any_text_make_a_valid_query(title: str, text: str) -> None:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE items USING fts5(title, text)")
        matching(connection, fts_query(distinctive_terms(title, text)))  # must not raise
    finally:
        connection.close()


@settings(max_examples=300, deadline=None)
@given(terms=st.lists(st.text(max_size=20), max_size=6))
def test_any_terms_make_a_valid_query(terms: list[str]) -> None:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE items USING fts5(title, text)")
        matching(connection, fts_query(terms))  # must not raise
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------
# Tokens and distinctive terms


def test_tokenize_drops_stopwords_and_makes_plurals_singular() -> None:
    text = "The agencies' ferries and the Boats (of 2019) were on Jupiter's moons, 14 [3] 737s."
    assert tokenize(text) == ["agency", "ferry", "boat", "2019", "jupiter", "moon", "737"]


def test_tokenize_splits_hyphens_and_keeps_letters_of_any_script() -> None:
    assert tokenize("Feather-duvet lung — Café Zürich/Genève") == [
        "feather",
        "duvet",
        "lung",
        "café",
        "zürich",
        "genève",
    ]


def test_distinctive_terms_prefer_title_words() -> None:
    title = "Lighthouse keeper retires"
    text = "The harbour board thanked the keeper. The harbour will miss the lighthouse."
    terms = distinctive_terms(title, text, limit=4)
    # "harbour" is the most frequent body word, yet each title word comes before it.
    assert set(terms[:3]) == {"lighthouse", "keeper", "retires"}
    assert terms[3] == "harbour"
    assert distinctive_terms(title, text, limit=2) == terms[:2]


def test_distinctive_terms_return_the_words_as_written() -> None:
    # The FTS index holds "landers", not our stem "lander": the query must use the text's form.
    terms = distinctive_terms("Landers chosen", "Five landers were chosen; landers fly.", limit=1)
    assert terms == ["landers"]


def test_distinctive_terms_with_document_frequencies_pick_rare_words() -> None:
    asked: list[list[str]] = []
    frequencies = {
        "government": 5_000,
        "budget": 4_000,
        "pays": 3_000,
        "lighthouse": 12,
        "keeper": 30,
    }

    def doc_freq(words: list[str]) -> dict[str, int]:
        asked.append(words)
        return {word: frequencies[word] for word in words if word in frequencies}

    title = "Government budget pays lighthouse keeper"
    terms = distinctive_terms(title, "", doc_freq=doc_freq, doc_count=100_000, limit=2)
    assert terms == ["lighthouse", "keeper"]
    assert asked and "government" in asked[0]
    # A word only the article itself holds can find nothing else: skipped.
    frequencies["pays"] = 1
    assert "pays" not in distinctive_terms(title, "", doc_freq=doc_freq, doc_count=100_000)


def test_distinctive_terms_keep_the_search_cheap() -> None:
    """Their document frequencies add up to at most max_postings: the FTS5 query stays fast."""
    vocabulary = {"kazakhstan": 900, "protests": 6_000, "fuel": 2_500, "almaty": 300}

    def doc_freq(words: list[str]) -> dict[str, int]:
        return {word: vocabulary[word] for word in words if word in vocabulary}

    title, text = "Kazakhstan fuel protests reach Almaty", "Protests over fuel in Almaty."
    everything = distinctive_terms(title, text, doc_freq, 100_000, max_postings=10**9)
    assert set(everything) == set(vocabulary) | {"reach"}
    cheap = distinctive_terms(title, text, doc_freq, 100_000, max_postings=4_000)
    assert "protests" not in cheap and {"kazakhstan", "almaty", "fuel"} <= set(cheap)
    assert sum(vocabulary.get(word, 2) for word in cheap) <= 4_000
    # When every word is too common, the least common one is still worth a search.
    assert distinctive_terms(title, text, doc_freq, 100_000, max_postings=100) == ["reach"]


def test_distinctive_terms_keep_words_the_index_spells_differently() -> None:
    """An FTS5 index that removes diacritics holds "zurich", not "zürich": still a good term."""
    vocabulary = {"zurich": 3, "council": 9_000, "cuts": 2_000, "tram": 40, "fares": 200}

    def doc_freq(words: list[str]) -> dict[str, int]:
        return {word: vocabulary[word] for word in words if word in vocabulary}

    terms = distinctive_terms("Zürich council cuts tram fares", "", doc_freq, 100_000, limit=3)
    assert terms == ["zürich", "tram", "fares"]


def test_distinctive_terms_survive_a_failing_store() -> None:
    def broken(words: list[str]) -> dict[str, int]:
        raise sqlite3.OperationalError("database is locked")

    plain = distinctive_terms("Ferry strike", "Crews walk out.")
    assert plain
    assert distinctive_terms("Ferry strike", "Crews walk out.", doc_freq=broken, doc_count=10) == (
        plain
    )


# ---------------------------------------------------------------------------------------------
# Ranking on made-up documents (our own words)

OTHER_TOPICS = [
    ("Library extends opening hours", "The city library will open until nine on weekdays."),
    ("School football team wins cup", "Pupils celebrated a late goal in the county final."),
    ("Bakery wins award for sourdough", "Judges praised the crust of the loaf from Mill Lane."),
    ("Road works on the ring road", "Lanes close at night while the surface is replaced."),
]

FOOTER = (
    "Subscribe to the Harbour Gazette newsletter for the morning briefing, sent every weekday "
    "before seven. Our journalism is funded by readers like you: support independent local "
    "reporting from the Harbour Gazette with a monthly contribution. Follow the Harbour "
    "Gazette on social media and send tips to the newsroom."
)


def others(start: int = 100) -> list[Doc]:
    return [Doc(start + i, 50 + i, title, text) for i, (title, text) in enumerate(OTHER_TOPICS)]


def test_same_feed_boilerplate_does_not_make_items_related() -> None:
    target = Doc(1, 7, "Volcano erupts near the harbour", "Ash fell on the old town.\n\n" + FOOTER)
    same_site = Doc(2, 7, "Museum reopens after repairs", "The roof was mended.\n\n" + FOOTER)
    assert rank(target, [same_site, *others()]) == []
    # The footer is strong evidence when the feeds differ: this is what the same-feed rule stops.
    other_site = Doc(2, 8, same_site.title, same_site.text)
    assert [match.id for match in rank(target, [other_site, *others()])] == [2]


def test_same_feed_items_on_the_same_story_still_match() -> None:
    target = Doc(
        1,
        7,
        "Volcano erupts near the harbour",
        "Ash from the volcano fell on the harbour and the old town overnight.\n\n" + FOOTER,
    )
    follow_up = Doc(
        2,
        7,
        "Harbour closed as volcano keeps erupting",
        "The volcano erupted again; ash closed the harbour to ferries.\n\n" + FOOTER,
    )
    assert [match.id for match in rank(target, [follow_up, *others()])] == [2]


STORY = (
    "A volcano on the northern island erupted before dawn on Tuesday, sending a column of ash "
    "over the harbour town.\n\nFerries were cancelled and the airport closed while crews swept "
    "ash from the runway.\n\nThe island's observatory said the eruption was the largest since "
    "the lava flows of 1973, and that tremors continued through the morning.\n\nResidents of "
    "the villages on the eastern slope were moved to the sports hall in the harbour town."
)


def test_a_copy_in_another_feed_is_marked_duplicate_of_the_target() -> None:
    target = Doc(1, 7, "Volcano erupts on northern island", STORY)
    copy = Doc(2, 8, "Island eruption closes airport", STORY.replace("Tuesday", "Tuesday (AP)"))
    report = Doc(
        3,
        9,
        "Observatory warns of more tremors after eruption",
        "The observatory on the northern island expects more tremors after the volcano "
        "erupted and closed the airport and the harbour ferries.",
    )
    matches = {match.id: match for match in rank(target, [report, copy, *others()])}
    assert matches[2].duplicate_of == 1
    assert matches[3].duplicate_of is None
    assert matches[2].score > matches[3].score


def test_a_copy_of_another_match_is_marked_duplicate_of_it() -> None:
    target = Doc(
        1,
        7,
        "Volcano erupts on northern island",
        "Ash closed the airport on the northern island after the volcano erupted.",
    )
    wire = Doc(2, 8, "Eruption: ferries cancelled", STORY)
    wire_copy = Doc(3, 9, "Ferries cancelled after eruption", STORY + "\n\nReporting by staff.")
    matches = rank(target, [wire, wire_copy, *others()])
    by_id = {match.id: match for match in matches}
    assert set(by_id) == {2, 3}
    first, second = matches
    assert first.duplicate_of is None
    assert second.duplicate_of == first.id


def test_a_same_feed_repost_is_a_duplicate_not_dropped_as_boilerplate() -> None:
    target = Doc(1, 7, "Volcano erupts on northern island", STORY + "\n\n" + FOOTER)
    repost = Doc(2, 7, "Volcano erupts on northern island (updated)", STORY + "\n\n" + FOOTER)
    matches = rank(target, [repost, *others()])
    assert [(match.id, match.duplicate_of) for match in matches] == [(2, 1)]


def test_headline_only_copies_are_marked_by_their_titles() -> None:
    target = Doc(1, 7, "Northern island volcano erupts, airport closed", "")
    same_headline = Doc(2, 8, "Northern island volcano erupts; airport closed", "")
    other_headline = Doc(3, 9, "Airport on northern island closed by volcano ash", "")
    matches = {
        match.id: match for match in rank(target, [same_headline, other_headline, *others()])
    }
    assert matches[2].duplicate_of == 1
    assert matches[3].duplicate_of is None


def test_rank_ignores_the_target_and_repeated_candidates() -> None:
    target = Doc(1, 7, "Volcano erupts on northern island", STORY)
    report = Doc(3, 9, "Volcano eruption closes island airport", STORY[:200])
    matches = rank(target, [target, report, report, *others()])
    assert [match.id for match in matches] == [3]
    assert rank(target, []) == []
    assert rank(target, [target]) == []


def test_rank_handles_items_without_text() -> None:
    target = Doc(1, 7, "Volcano erupts on northern island", "")
    headline = Doc(2, 8, "Northern island volcano erupts again", "")
    matches = rank(target, [headline, *others()])
    assert [match.id for match in matches] == [2]
    assert 0 < matches[0].score <= 1


WORDS = st.sampled_from(
    "volcano ash harbour ferry council vote tram fare island airport eruption tremor "
    "the a of and 1973 2019 [12] Zürich feather-duvet O'Brien \n\n".split(" ")
)
DOCS = st.builds(
    lambda number, feed, title, text: Doc(number, feed, " ".join(title), " ".join(text)),
    st.integers(1, 12),
    st.integers(1, 3),
    st.lists(WORDS, max_size=8),
    st.lists(WORDS, max_size=60),
)


@settings(max_examples=200, deadline=None)
@given(target=DOCS, candidates=st.lists(DOCS, max_size=12))
def test_rank_returns_a_consistent_list_for_any_pool(target: Doc, candidates: list[Doc]) -> None:
    matches = rank(target, candidates)
    ids = [match.id for match in matches]
    assert len(ids) == len(set(ids)) and target.id not in ids
    assert set(ids) <= {doc.id for doc in candidates}
    assert [match.score for match in matches] == sorted((m.score for m in matches), reverse=True)
    assert all(0.0 <= match.score <= 1.0 + 1e-9 for match in matches)
    for position, match in enumerate(matches):  # a copy points at the target or a match above
        assert match.duplicate_of in {None, target.id, *ids[:position]}


def test_rank_takes_missing_text_as_no_text() -> None:
    target = Doc(1, 7, "Volcano erupts on northern island", None)  # type: ignore[arg-type]
    headline = Doc(2, 8, None, STORY)  # type: ignore[arg-type]
    copy = Doc(3, 9, "Volcano erupts on northern island", None)  # type: ignore[arg-type]
    assert [match.id for match in rank(target, [headline, copy, *others()])] == [3]
    assert distinctive_terms(None, None) == []  # type: ignore[arg-type]


def test_rank_uses_store_frequencies_for_the_targets_terms() -> None:
    """The pool can make a story's own words look common: the store's counts correct that."""
    target = Doc(1, 7, "Volcano erupts", "Volcano ash over the town; the council met on Monday.")
    pool = [
        Doc(2, 8, "Council meets on Monday", "The town council met on Monday about the volcano."),
        Doc(3, 9, "Volcano ash", "Volcano ash volcano ash volcano ash."),
        Doc(4, 10, "Volcano ash again", "More volcano ash fell on the town."),
    ]
    plain = {match.id: match.score for match in rank(target, pool, threshold=0.0)}
    store = {"volcano": 40, "ash": 300, "council": 20_000, "monday": 30_000, "town": 25_000}
    informed = {
        match.id: match.score
        for match in rank(
            target,
            pool,
            threshold=0.0,
            doc_freq=lambda words: {w: store[w] for w in words if w in store},
            doc_count=100_000,
        )
    }
    # Knowing that "council" and "monday" are everywhere lowers the council story's score.
    assert informed[2] < plain[2]


# ---------------------------------------------------------------------------------------------
# Ranking quality on real, labelled pages

PUBLISHED = datetime(2019, 11, 19, 12, 0, tzinfo=timezone.utc)  # all stories: November 2019

# Floors: measured on this set, rounded down to two decimals. Never lower them.
MAP_FLOOR = 1.00
CROSS_SITE_MAP_FLOOR = 1.00
DISTRACTOR_MAP_FLOOR = 1.00
PIPELINE_MAP_FLOOR = 1.00


class _TitleParser(HTMLParser):
    """og:title, else <title>: what a feed would call the item."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.og_title: str | None = None
        self.title: str | None = None
        self._in_title = False
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = values.get("property") or values.get("name")
        if tag == "meta" and key == "og:title" and self.og_title is None:
            self.og_title = values.get("content") or ""
        elif tag == "title" and self.title is None:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = "".join(self._parts)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._parts.append(data)


def page_title(page: str) -> str:
    parser = _TitleParser()
    parser.feed(page)
    return " ".join(((parser.og_title or "").strip() or parser.title or "").split())


def page_text(page: bytes, url: str) -> str:
    """The article's text as the reader would store it: feeds.article when it is there."""
    try:
        from feeds.article import extract
    except ImportError:
        import trafilatura

        return trafilatura.extract(page.decode("utf-8", "replace")) or ""
    rendered = extract(page, url)
    return rendered.text if rendered else ""


@dataclass(frozen=True)
class Labelled:
    docs: list[Doc]
    story: dict[int, str]  # doc id -> story label
    host: dict[int, str]


@pytest.fixture(scope="module")
def labelled() -> Labelled:
    folder = shared_path("articles", "scrapinghub-aeb")
    stories = json.loads((folder / "stories.json").read_text(encoding="utf-8"))
    hosts = sorted({_host(entry["url"]) for entry in stories.values()})
    docs, story, host = [], {}, {}
    for number, (file_id, entry) in enumerate(sorted(stories.items()), start=1):
        raw = (folder / f"{file_id}.html").read_bytes()
        title = page_title(raw.decode("utf-8", "replace"))
        text = page_text(raw, entry["url"])
        feed_id = hosts.index(_host(entry["url"])) + 1  # one feed per site
        docs.append(Doc(number, feed_id, title, text, PUBLISHED))
        story[number] = entry["story"]
        host[number] = _host(entry["url"])
    assert all(doc.title and len(doc.text) > 500 for doc in docs), "extraction failed"
    return Labelled(docs, story, host)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def average_precision(ranked: list[int], relevant: set[int]) -> float:
    """AP over the returned list; relevant items it left out count as misses."""
    hits, total = 0, 0.0
    for position, item in enumerate(ranked, start=1):
        if item in relevant:
            hits += 1
            total += hits / position
    return total / len(relevant)


def evaluate(
    data: Labelled, extra: list[Doc] = (), *, cross_site: bool = False, **thresholds: float
) -> tuple[float, float, float]:
    """MAP, precision and recall of rank(page, every other page [+ extra]) over the pages that
    have a story-mate. `cross_site` leaves same-site candidates out entirely."""
    precisions, hits, returned, wanted = [], 0, 0, 0
    for doc in data.docs:
        pool = [
            other
            for other in data.docs
            if other.id != doc.id and not (cross_site and other.feed_id == doc.feed_id)
        ]
        relevant = {other.id for other in pool if data.story[other.id] == data.story[doc.id]}
        if not relevant:
            continue
        ranked = [match.id for match in rank(doc, [*pool, *extra], **thresholds)]
        precisions.append(average_precision(ranked, relevant))
        hits += len(relevant & set(ranked))
        returned += len(ranked)
        wanted += len(relevant)
    return statistics.fmean(precisions), hits / max(returned, 1), hits / wanted


def test_mean_average_precision_on_labelled_stories(labelled: Labelled) -> None:
    queries = sum(
        any(labelled.story[o.id] == labelled.story[d.id] for o in labelled.docs if o is not d)
        for d in labelled.docs
    )
    mean_ap, precision, recall = evaluate(labelled)
    cross_ap, cross_precision, cross_recall = evaluate(labelled, cross_site=True)
    print(
        f"\nrelated: {len(labelled.docs)} pages, {len(set(labelled.story.values()))} stories, "
        f"{queries} queries; default thresholds: MAP {mean_ap:.3f} (precision {precision:.2f}, "
        f"recall {recall:.2f}); cross-site only: MAP {cross_ap:.3f} (precision "
        f"{cross_precision:.2f}, recall {cross_recall:.2f})"
    )
    assert mean_ap >= MAP_FLOOR
    assert cross_ap >= CROSS_SITE_MAP_FLOOR


def test_thresholds_hold_up_leaving_one_story_out(labelled: Labelled) -> None:
    """The default thresholds were picked on these pages. Here the cross-site threshold is
    chosen again on all stories but one (best F1, middle of the best range) and judged on the
    story left out, so the printed numbers say how much that choice was fitted to the set."""
    scores: dict[int, list[tuple[int, float, bool]]] = {}
    for doc in labelled.docs:
        pool = [other for other in labelled.docs if other.id != doc.id]
        if any(labelled.story[other.id] == labelled.story[doc.id] for other in pool):
            matches = rank(doc, pool, threshold=0.0, same_feed_threshold=0.0)
            feed_of = {other.id: other.feed_id for other in pool}
            scores[doc.id] = [(m.id, m.score, feed_of[m.id] == doc.feed_id) for m in matches]
    grid = [step / 100 for step in range(2, 51)]

    def judged(queries: list[int], threshold: float) -> tuple[float, int, int, int]:
        precisions, hits, returned, wanted = [], 0, 0, 0
        for query in queries:
            limit = {True: related.DEFAULT_SAME_FEED_THRESHOLD, False: threshold}
            ranked = [item for item, score, same in scores[query] if score >= limit[same]]
            relevant = {
                d.id
                for d in labelled.docs
                if d.id != query and labelled.story[d.id] == labelled.story[query]
            }
            precisions.append(average_precision(ranked, relevant))
            hits += len(relevant & set(ranked))
            returned += len(ranked)
            wanted += len(relevant)
        return statistics.fmean(precisions), hits, returned, wanted

    def f1(queries: list[int], threshold: float) -> float:
        _, hits, returned, wanted = judged(queries, threshold)
        return 2 * hits / (returned + wanted)

    held_out_ap, hits, returned, wanted, chosen = [], 0, 0, 0, []
    for story in sorted({labelled.story[query] for query in scores}):
        train = [q for q in scores if labelled.story[q] != story]
        test = [q for q in scores if labelled.story[q] == story]
        best = max(f1(train, t) for t in grid)
        plateau = [t for t in grid if f1(train, t) >= best - 1e-9]
        threshold = plateau[len(plateau) // 2]
        chosen.append(threshold)
        story_ap, story_hits, story_returned, story_wanted = judged(test, threshold)
        held_out_ap += [story_ap] * len(test)
        hits, returned, wanted = hits + story_hits, returned + story_returned, wanted + story_wanted
    loso_map = statistics.fmean(held_out_ap)
    print(
        f"\nrelated, leave one story out: thresholds chosen {min(chosen):.2f}..{max(chosen):.2f} "
        f"(default {related.DEFAULT_THRESHOLD:.2f}); held-out MAP {loso_map:.3f}, precision "
        f"{hits / max(returned, 1):.2f}, recall {hits / wanted:.2f}"
    )
    assert loso_map >= MAP_FLOOR


FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ""}


def corpus_items(limit: int) -> list[Doc]:
    """Unrelated real feed items (shared/corpus) with 150+ words: the other news of a pool."""
    import feedparser

    from feeds.text import html_to_text

    folder = shared_path("corpus")
    items: list[Doc] = []
    seen: set[str] = set()
    for number, path in enumerate(sorted(folder.rglob("*"))):
        if not path.is_file() or path.suffix not in FEED_SUFFIXES:
            continue
        if path.stat().st_size > 3_000_000:
            continue
        for entry in feedparser.parse(path.read_bytes()).entries:
            html = (entry.get("content") or [{}])[0].get("value") or entry.get("summary", "")
            if len(html) < 600:
                continue
            text = html_to_text(html).text
            if len(text.split()) < 150 or text[:300] in seen:
                continue
            seen.add(text[:300])
            items.append(Doc(100_000 + len(items), 10_000 + number, entry.get("title", ""), text))
            if len(items) >= limit:
                return items
    return items


@pytest.fixture(scope="module")
def distractors() -> list[Doc]:
    return corpus_items(400)


def test_ranking_holds_among_hundreds_of_unrelated_items(
    labelled: Labelled, distractors: list[Doc]
) -> None:
    """A store's pool is mostly other news: the story-mates must still come first."""
    mean_ap, precision, recall = evaluate(labelled, distractors)
    passed = sum(
        match.id >= 100_000
        for doc in labelled.docs
        for match in rank(doc, [*[d for d in labelled.docs if d is not doc], *distractors])
    )
    print(
        f"\nrelated, with {len(distractors)} unrelated feed items in every pool: MAP "
        f"{mean_ap:.3f} (precision {precision:.2f}, recall {recall:.2f}); unrelated items "
        f"above the threshold: {passed} over {len(labelled.docs)} lookups"
    )
    assert len(distractors) >= 200
    assert mean_ap >= DISTRACTOR_MAP_FLOOR


def test_search_then_rank_through_a_real_fts5_index(
    labelled: Labelled, distractors: list[Doc]
) -> None:
    """The store's whole path: distinctive terms (with the index's own document frequencies)
    -> FTS5 MATCH, best 200 by bm25 -> rank. The story-mates must be found, then ranked."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(
            "CREATE VIRTUAL TABLE items USING fts5(title, text, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        connection.execute("CREATE VIRTUAL TABLE vocabulary USING fts5vocab(items, 'row')")
        every = {doc.id: doc for doc in [*labelled.docs, *distractors]}
        connection.executemany(
            "INSERT INTO items (rowid, title, text) VALUES (?, ?, ?)",
            [(doc.id, doc.title, doc.text) for doc in every.values()],
        )

        def doc_freq(words: list[str]) -> dict[str, int]:
            marks = ",".join("?" * len(words))
            rows = connection.execute(
                f"SELECT term, doc FROM vocabulary WHERE term IN ({marks})", words
            )
            return dict(rows.fetchall())

        precisions, found, wanted = [], 0, 0
        for doc in labelled.docs:
            relevant = {
                other.id
                for other in labelled.docs
                if other.id != doc.id and labelled.story[other.id] == labelled.story[doc.id]
            }
            if not relevant:
                continue
            terms = distinctive_terms(doc.title, doc.text, doc_freq, len(every))
            rows = connection.execute(
                "SELECT rowid FROM items WHERE items MATCH ? AND rowid != ? "
                "ORDER BY bm25(items, 4.0, 1.0) LIMIT 200",
                (fts_query(terms), doc.id),
            ).fetchall()
            candidates = [every[rowid] for (rowid,) in rows]
            found += len(relevant & {candidate.id for candidate in candidates})
            wanted += len(relevant)
            ranked = [match.id for match in rank(doc, candidates)]
            precisions.append(average_precision(ranked, relevant))
    finally:
        connection.close()
    mean_ap = statistics.fmean(precisions)
    print(
        f"\nrelated, search then rank ({len(every)} items in FTS5): the search found "
        f"{found}/{wanted} story-mates; MAP {mean_ap:.3f}"
    )
    assert mean_ap >= PIPELINE_MAP_FLOOR


# ---------------------------------------------------------------------------------------------
# Speed

SPEED_LIMIT_MS = 30.0  # the related lookup's share of a 50 ms budget


def test_rank_of_200_candidates_of_800_words_is_fast(labelled: Labelled) -> None:
    """200 candidates of 800 words, built from the real pages' words (in other orders)."""
    words = " ".join(doc.text for doc in labelled.docs).split()
    assert len(words) > 5_000
    candidates = []
    for number in range(200):
        start = (number * 397) % (len(words) - 800)
        chunk = words[start : start + 800]
        text = "\n\n".join(" ".join(chunk[i : i + 60]) for i in range(0, 800, 60))
        candidates.append(Doc(1_000 + number, number % 40, " ".join(chunk[3:13]), text))
    target = labelled.docs[0]

    def timed(forget_documents: bool, forget_words: bool) -> float:
        best = float("inf")
        for _ in range(9):
            if forget_words:
                related._TERM_OF.clear()
                related._SEVERAL.clear()
            if forget_documents:
                related._counts_of.cache_clear()
            started = time.process_time()  # CPU time: other processes on the machine don't count
            rank(target, candidates)
            best = min(best, (time.process_time() - started) * 1000)
        return best

    first_ever = timed(forget_documents=True, forget_words=True)
    new_documents = timed(forget_documents=True, forget_words=False)
    seen_documents = timed(forget_documents=False, forget_words=False)
    print(
        f"\nrelated: rank(1 target, 200 x 800 words), CPU time, best of 9: {new_documents:.1f} "
        f"ms for documents not seen before, {seen_documents:.1f} ms for documents seen before, "
        f"{first_ever:.1f} ms in a fresh process (no word seen before)"
    )
    assert new_documents < SPEED_LIMIT_MS
    assert seen_documents < new_documents


def test_same_site_pages_about_different_stories_are_not_related(labelled: Labelled) -> None:
    """Two pages of one site on different stories (space.com here): the site's vocabulary must
    not make them related."""
    by_feed: dict[int, list[Doc]] = {}
    for doc in labelled.docs:
        by_feed.setdefault(doc.feed_id, []).append(doc)
    pairs = [
        (a, b)
        for docs in by_feed.values()
        for a in docs
        for b in docs
        if a is not b and labelled.story[a.id] != labelled.story[b.id]
    ]
    if not pairs:
        pytest.skip("no same-site pair on different stories in this set")
    for a, b in pairs:
        pool = [doc for doc in labelled.docs if doc is not a]
        assert b.id not in {match.id for match in rank(a, pool)}


# ---------------------------------------------------------------------------------------------
# Issue 17: symmetric scoring with the store's frequencies, time proximity, others' pages

from datetime import timedelta  # noqa: E402

STORY_WORDS = "Zhanaozen Tokayev peacekeeper Almaty Mangystau CSTO summit emergency".split()
OTHER_WORDS = ("harbour library meteor seal catalogue festival orchestra bridge tunnel "
               "election budget tariff vaccine airline museum glacier").split()


def _synthetic_docs(count: int) -> list[Doc]:
    """Items made of a few topical words each, some sharing the story's words."""
    import random

    rng = random.Random(17)
    docs = []
    base = datetime(2022, 1, 10, tzinfo=timezone.utc)
    for number in range(count):
        pool = STORY_WORDS if number % 4 == 0 else OTHER_WORDS
        words = rng.choices(pool, k=40) + rng.choices(OTHER_WORDS + STORY_WORDS, k=20)
        title = " ".join(rng.choices(pool, k=5))
        docs.append(Doc(number + 1, number % 7, title, " ".join(words),
                        base + timedelta(days=rng.randint(-5, 5))))
    return docs


def _frequencies(docs: list[Doc]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc in docs:
        for term in set(tokenize(doc.title)) | set(tokenize(doc.text)):
            counts[term] = counts.get(term, 0) + 1
    return counts


def test_store_scoring_is_symmetric_whatever_the_pool() -> None:
    """A~B iff B~A: with the store's frequencies a pair scores the same from either side, even
    when each lookup sees a different pool of candidates."""
    docs = _synthetic_docs(60)
    counts = _frequencies(docs)

    def doc_freq(words: list[str]) -> dict[str, int]:
        return {word: counts[word] for word in words if word in counts}

    found: dict[int, dict[int, float]] = {}
    for index, doc in enumerate(docs):
        pool = docs[index % 3::2]  # each lookup its own pool
        found[doc.id] = {m.id: m.score for m in rank(doc, pool, doc_freq=doc_freq,
                                                      doc_count=1_000)}
    pairs = 0
    for a, matches in found.items():
        for b, score in matches.items():
            other = rank(docs[b - 1], [docs[a - 1]], doc_freq=doc_freq, doc_count=1_000)
            assert [m.id for m in other] == [a]
            assert other[0].score == pytest.approx(score, abs=1e-4)
            pairs += 1
    assert pairs > 50


def test_store_scoring_weighs_time_apart() -> None:
    docs = _synthetic_docs(8)
    a, b = docs[0], docs[4]  # both on the story
    counts = _frequencies(docs)

    def doc_freq(words: list[str]) -> dict[str, int]:
        return {word: counts[word] for word in words if word in counts}

    near = rank(a, [b], doc_freq=doc_freq, doc_count=1_000, threshold=0.0)
    far_b = Doc(b.id, b.feed_id, b.title, b.text, a.published + timedelta(days=40))
    far = rank(a, [far_b], doc_freq=doc_freq, doc_count=1_000, threshold=0.0)
    assert related.proximity(a.published, a.published + timedelta(days=2)) == 1.0
    assert related.proximity(a.published, a.published + timedelta(days=10)) == pytest.approx(0.5)
    assert related.proximity(None, a.published) == 1.0
    assert far[0].score < near[0].score / 3


def test_a_small_store_keeps_the_pool_rule() -> None:
    """Under STORE_MIN_ITEMS items (the demo's 11) the store's counts are not used."""
    docs = _synthetic_docs(12)
    counts = _frequencies(docs)
    with_counts = rank(docs[0], docs[1:], doc_freq=lambda words: {
        word: counts[word] for word in words if word in counts}, doc_count=11)
    assert with_counts == rank(docs[0], docs[1:])


def test_store_scoring_of_200_candidates_of_800_words_is_fast(labelled: Labelled) -> None:
    """The symmetric path asks the store about every term of the pool: it must stay cheap."""
    words = " ".join(doc.text for doc in labelled.docs).split()
    candidates = []
    for number in range(200):
        start = (number * 397) % (len(words) - 800)
        chunk = words[start : start + 800]
        text = "\n\n".join(" ".join(chunk[i : i + 60]) for i in range(0, 800, 60))
        candidates.append(Doc(1_000 + number, number % 40, " ".join(chunk[3:13]), text))
    counts = _frequencies(candidates)

    def doc_freq(words: list[str]) -> dict[str, int]:
        return {word: counts[word] for word in words if word in counts}

    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        rank(labelled.docs[0], candidates, doc_freq=doc_freq, doc_count=100_000)
        best = min(best, (time.process_time() - started) * 1000)
    print(f"\nrelated, store scoring: rank(1 target, 200 x 800 words) {best:.1f} ms CPU")
    assert best < SPEED_LIMIT_MS


# Floors (python -m tests.eval.related_score prints every figure). dev: the 181 Scrapinghub
# pages the rules were tuned on; the goal of issue 17 (at most one unrelated item in twenty
# lookups, every story-mate found), kept here so it does not slip. held-out: the 85
# mozilla/readability pages labelled before any run (no two on one story: it measures false
# positives only).
DEV_FALSE_POSITIVES_PER_LOOKUP = 0.05
DEV_MAP_FLOOR = 0.95
HELDOUT_FALSE_POSITIVES_PER_LOOKUP = 0.05


@pytest.mark.slow
def test_related_items_on_others_pages_per_split() -> None:
    from tests.eval import related_score
    from tests.eval.sources import aeb_pages

    pages, data = aeb_pages(), related_score.labels()
    if pages is None or data is None:
        pytest.skip("the Scrapinghub benchmark checkout (READER_AEB_GIT) or ../shared is absent")
    extra = related_score.distractors()
    figures, one_sided = related_score.evaluate(pages, data, extra)
    dev = figures["dev"]
    print("\n" + dev.line("dev") + f"\none-sided pairs: {one_sided}")
    assert one_sided == 0
    assert dev.recall == 1.0, "\n".join(dev.errors)
    assert dev.mean_ap >= DEV_MAP_FLOOR
    assert dev.per_lookup <= DEV_FALSE_POSITIVES_PER_LOOKUP, "\n".join(dev.errors)
    held = related_score.heldout_pages()
    if held is None:
        pytest.skip("the mozilla/readability checkout (READER_READABILITY_GIT) is absent")
    held_pages, held_labels = held
    result, one_sided = related_score.evaluate(
        held_pages, held_labels, extra, lookups=len(held_pages) - len(pages),
        split=lambda key: "heldout")
    heldout = result["heldout"]
    print(heldout.line("heldout") + f"\none-sided pairs: {one_sided}")
    assert one_sided == 0
    assert heldout.per_lookup <= HELDOUT_FALSE_POSITIVES_PER_LOOKUP, "\n".join(heldout.errors)


def test_store_scoring_wants_shared_names_not_only_shared_words() -> None:
    """Two stabbings (issue 17): the same words, different people and places."""
    when = datetime(2019, 11, 20, tzinfo=timezone.utc)
    a = Doc(1, 1, "Man stabbed to death on train", "A man was stabbed to death on a commuter "
            "train near Oakland late on Tuesday, police in San Francisco said. BART said the "
            "attacker fled at the next station and a passenger was stabbed to death.", when)
    b = Doc(2, 2, "Doctor stabbed to death during lecture", "A doctor was stabbed to death "
            "during a lecture late on Tuesday, police in Berlin said. Fritz von Weizsaecker "
            "was stabbed to death by an attacker who fled.", when)
    c = Doc(3, 3, "BART stabbing: man killed on train", "Police in San Francisco said a man "
            "was stabbed to death on a BART train near Oakland; the attacker fled at the next "
            "station.", when)

    def doc_freq(words: list[str]) -> dict[str, int]:
        return dict.fromkeys(words, 3)

    assert [m.id for m in rank(a, [b, c], doc_freq=doc_freq, doc_count=1_000)] == [3]
    assert [m.id for m in rank(b, [a, c], doc_freq=doc_freq, doc_count=1_000)] == []


def test_store_scoring_wants_a_match_resting_on_several_terms() -> None:
    """A stock listing in Hong Kong and the city's protests (issue 17): one place name carries
    the whole match, which is not a story; two reports of the listing share much more. (The
    two share two names, so MIN_SHARED_NAMES alone lets them through: 0.45 with no spread.)"""
    when = datetime(2019, 11, 20, tzinfo=timezone.utc)
    listing = Doc(1, 1, "Alibaba prices its Hong Kong listing", "Alibaba priced its secondary "
                  "listing in Hong Kong on Wednesday. Hong Kong investors took the shares; the "
                  "Hong Kong exchange welcomed the deal. Hong Kong bankers cheered.", when)
    protests = Doc(2, 2, "Hong Kong police surround campus", "Police in Hong Kong surrounded "
                   "a campus where protesters held out; Hong Kong streets stayed tense and Hong "
                   "Kong schools closed. Hong Kong leaders called for calm.", when)
    again = Doc(3, 3, "Alibaba listing priced", "Alibaba priced its secondary listing in Hong "
                "Kong, where investors took the shares on Wednesday and the exchange "
                "welcomed the deal; bankers cheered the listing.", when)

    def doc_freq(words: list[str]) -> dict[str, int]:
        return dict.fromkeys(words, 3)

    assert [m.id for m in rank(listing, [protests, again], doc_freq=doc_freq,
                               doc_count=1_000)] == [3]
    assert [m.id for m in rank(protests, [listing, again], doc_freq=doc_freq,
                               doc_count=1_000)] == []


def test_store_scoring_leaves_out_a_roundup_that_mentions_the_story_in_passing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: a "10 things in tech" roundup with one paragraph on WeWork is not on the
    WeWork story; two reports of the story are. Without the passing-mention conditions the
    roundup would be listed (checked at the end)."""
    from feeds import related

    when = datetime(2019, 11, 18, tzinfo=timezone.utc)
    WEWORK = ("New York's attorney general Letitia James is investigating WeWork and its former "
              "chief executive Adam Neumann, according to people familiar with the matter.\n"
              "The inquiry looks at whether Neumann profited from leasing buildings he owned to "
              "WeWork, and at the deals SoftBank struck to rescue the office-sharing company.\n"
              "SoftBank took control of WeWork after its failed IPO and agreed to pay Neumann "
              "nearly $1.7 billion to step away.\n")
    A = Doc(1, 1, "New York attorney general investigating WeWork and Adam Neumann", WEWORK, when)
    B = Doc(2, 2, "WeWork lays off thousands as SoftBank takes control",
            "WeWork will lay off thousands of employees this week, weeks after SoftBank took "
            "control of the office-sharing company and agreed to pay Adam Neumann to leave.\n"
            "Letitia James, New York's attorney general, is also investigating WeWork and Neumann "
            "over the leases and the SoftBank rescue deals.\n"
            "The layoffs follow the failed IPO that wiped billions off WeWork's valuation.\n", when)
    others = [
        "Apple unveiled a 16-inch MacBook Pro with a scissor keyboard, answering years of "
        "complaints about the butterfly design and its failures.",
        "Google Stadia launches on Tuesday with 22 games; early reviews of the streaming service "
        "complain about lag and missing features promised at the reveal.",
        "Tesla will show its electric pickup truck in Los Angeles on Thursday, Elon Musk said, "
        "with a design he promised would look like nothing else on the road.",
        "Disney+ signed up ten million subscribers on its first day despite login glitches that "
        "kept many viewers from watching The Mandalorian.",
        "Uber lost its licence to operate in London after regulators found thousands of trips "
        "taken with drivers who had faked their identities.",
        "Amazon challenged the Pentagon's award of the JEDI cloud contract to Microsoft, saying "
        "political pressure from the White House shaped the decision.",
        "Netflix shares rose after analysts said competition from Disney and Apple would not slow "
        "its subscriber growth overseas as much as feared.",
    ]
    C = Doc(3, 3, "10 things in tech you need to know today",
            "\n".join([*others[:4], " ".join(WEWORK.split("\n")[0:3:2]), *others[4:]]),
            when)

    def doc_freq(words: list[str]) -> dict[str, int]:
        return dict.fromkeys(words, 3)

    def ids(doc: Doc, pool: list[Doc]) -> list[int]:
        return [m.id for m in rank(doc, pool, doc_freq=doc_freq, doc_count=1_000)]

    assert ids(A, [B, C]) == [2]
    assert ids(B, [A, C]) == [1]
    assert ids(C, [A, B]) == []
    monkeypatch.setattr(related, "MIN_MATCHED_SHARE", 0.0)
    monkeypatch.setattr(related, "MIN_LEAD_COVER", 0.0)
    assert ids(C, [A, B]) == [1, 2]
