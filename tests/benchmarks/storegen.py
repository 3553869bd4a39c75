"""A seeded store of 100,000 items in 500 feeds, written with `Store.apply` (the real schema,
triggers and full-text index), for the start-up, key, search, related, list and memory figures.

Items come in stories: two to eight items from different feeds within a few days, sharing
made-up names, as wire stories do, so `Store.related` has real candidates to rank. Known rows
are planted for the figures that wait for text or search for a word (see textgen's sentinels).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from reader import store as store_module
from reader.store import ItemRecord, Store
from tests.benchmarks.textgen import (
    COMMON_WORD,
    FIRST_HEADLINE,
    LAST_HEADLINE,
    LONG_ARTICLE_MARK,
    LONG_ARTICLE_TITLE,
    RARE_WORD,
    Vocabulary,
    _syllable_words,
)

DAY = 86_400.0
SPAN_DAYS = 56  # items are dated over the last eight weeks
RARE_COUNT = 5


@dataclass(frozen=True, slots=True)
class StoreFacts:
    """What the figures need to know about the generated store."""

    path: Path  # the database file
    data_dir: Path  # for `reader --data-dir`
    items: int
    feeds: int
    long_article_id: int
    related_sample: tuple[int, ...]  # item ids of story members, for the related figure
    common_hits: int  # items holding COMMON_WORD
    build_seconds: float


@dataclass(slots=True)
class _Planned:
    feed: int
    sort_time: float
    title: str
    lead: str
    body_words: int
    story: int
    extra: str = ""
    body: tuple[str, str] | None = None  # (HTML, text) of the long article


def build_store(data_dir: Path, *, items: int = 100_000, feeds: int = 500, seed: int = 11,
                now: float | None = None) -> StoreFacts:
    started = time.perf_counter()
    now = time.time() if now is None else now
    rng = random.Random(seed)
    vocabulary = Vocabulary.make(seed)
    names = _syllable_words(random.Random(seed + 1), 4 * items // 5 + 100)
    known = set(vocabulary.words)
    names = [name for name in names if name not in known]
    planned: list[_Planned] = []
    story = 0
    while len(planned) < items - 3:
        size = min(rng.randint(2, 8), items - 3 - len(planned))
        center = now - DAY * rng.uniform(0.2, SPAN_DAYS - 3)
        who = [names[(story * 3 + k) % len(names)].capitalize() for k in range(3)]
        lead = (f"{who[0]} and {who[1]} of {who[2]} " + vocabulary.sentence(12).lower()
                + " " + vocabulary.sentence(14))
        for member_feed in rng.sample(range(feeds), size):
            title = f"{who[0]} {vocabulary.title().lower()} {who[rng.randint(1, 2)]}"
            planned.append(_Planned(
                feed=member_feed,
                # never in the future: the planted first headline stays the newest row
                sort_time=min(center + DAY * rng.uniform(-2, 2), now - rng.uniform(600, DAY)),
                title=title,
                lead=lead,
                body_words=rng.randint(40, 100),
                story=story,
            ))
        story += 1
    for index in range(0, len(planned), 100):
        planned[index].extra = f" The {COMMON_WORD} report."
    for index in rng.sample(range(len(planned)), RARE_COUNT):
        planned[index].extra += f" A {RARE_WORD} sighting."
    planned.append(_Planned(0, now - 60, FIRST_HEADLINE, vocabulary.sentence(20), 50, -1))
    planned.append(_Planned(1, now - SPAN_DAYS * DAY, LAST_HEADLINE, vocabulary.sentence(20),
                            50, -2))
    long_body = _long_article(vocabulary, rng)
    planned.append(_Planned(2, now - 120, LONG_ARTICLE_TITLE, "", 0, -3, body=long_body))

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "reader.db"
    store = Store(path)
    by_feed: dict[int, list[tuple[int, _Planned]]] = defaultdict(list)
    for number, plan in enumerate(planned):
        by_feed[plan.feed].append((number, plan))
    try:
        for feed in range(feeds):
            url = f"http://127.0.0.1:9/bench/{feed}.xml"  # never fetched: port 9 is discard
            feed_id = store.add_feed(url, f"Bench feed {feed}: {vocabulary.title()}")
            records = [_record(number, plan, vocabulary) for number, plan in by_feed.get(feed, [])]
            store.apply(feed_id, records, title=f"Bench feed {feed}")
        long_id = store.search(LONG_ARTICLE_MARK, limit=1)[0].id
        candidates = [index for index, plan in enumerate(planned) if plan.story >= 0]
        sample_entries = [f"bench-{index}" for index in rng.sample(candidates, 20)]
        marks = ",".join("?" * len(sample_entries))
        sample = tuple(row[0] for row in store.conn.execute(
            f"SELECT id FROM items WHERE entry_id IN ({marks}) ORDER BY id", sample_entries))
        total = store.count()
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return StoreFacts(path, data_dir, total, feeds, long_id, sample,
                      common_hits=(len(planned) - 3 + 99) // 100,
                      build_seconds=time.perf_counter() - started)


def _record(number: int, plan: _Planned, vocabulary: Vocabulary) -> ItemRecord:
    if plan.body is not None:  # the long article: its own HTML
        html, text = plan.body
        return ItemRecord(entry_id=f"bench-{number}", title=plan.title, link=None,
                          author="Bench Author", published=plan.sort_time, updated=None,
                          summary="", content=html, text=text)
    paragraphs = [plan.lead + plan.extra, vocabulary.paragraph(plan.body_words)]
    html = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return ItemRecord(
        entry_id=f"bench-{number}",
        title=plan.title,
        link=f"https://example.com/story/{plan.story}/{number}",
        author="Bench Author",
        published=plan.sort_time,
        updated=None,
        summary="",
        content=html,
        text="\n\n".join(paragraphs),
    )


def _long_article(vocabulary: Vocabulary, rng: random.Random) -> tuple[str, str]:
    """About 5,000 words in ~60 paragraphs, as HTML and as plain text."""
    paragraphs = [f"{LONG_ARTICLE_MARK} " + vocabulary.paragraph(80)]
    while sum(len(p.split()) for p in paragraphs) < 5_000:
        paragraphs.append(vocabulary.paragraph(rng.randint(50, 110)))
    html = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return html, "\n\n".join(paragraphs)


# -- a cache of built stores ----------------------------------------------------------------

CACHE_ROOT = Path(tempfile.gettempdir()) / "reader-bench-stores"


def _cache_key(items: int, feeds: int, seed: int) -> str:
    """Changes with the generator, the store's code, the sizes and the day (dates stay recent)."""
    digest = hashlib.blake2b(digest_size=8)
    for module in (Path(__file__), Path(__file__).with_name("textgen.py"),
                   Path(store_module.__file__)):
        digest.update(module.read_bytes())
    digest.update(f"{items}/{feeds}/{seed}/{time.strftime('%Y-%m-%d')}".encode())
    return f"{items}x{feeds}-{digest.hexdigest()}"


def prepared_store(data_dir: Path, *, items: int, feeds: int, seed: int = 11,
                   fresh: bool = False) -> tuple[StoreFacts, bool]:
    """A copy of the generated store in `data_dir`, built once per day and kept under
    CACHE_ROOT; returns (facts, whether it was built now)."""
    key = _cache_key(items, feeds, seed)
    cached = CACHE_ROOT / key
    facts_file = cached / "facts.json"
    built = False
    if fresh or not facts_file.exists():
        for old in CACHE_ROOT.glob(f"{items}x{feeds}-*"):
            shutil.rmtree(old, ignore_errors=True)
        building = CACHE_ROOT / (key + ".building")
        shutil.rmtree(building, ignore_errors=True)
        facts = build_store(building, items=items, feeds=feeds, seed=seed)
        for suffix in ("-wal", "-shm"):
            Path(str(facts.path) + suffix).unlink(missing_ok=True)
        record = {name: getattr(facts, name) for name in StoreFacts.__slots__}
        record["path"] = record["data_dir"] = None
        (building / "facts.json").write_text(json.dumps(record), encoding="utf-8")
        building.rename(cached)
        built = True
    record = json.loads(facts_file.read_text(encoding="utf-8"))
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached / "reader.db", data_dir / "reader.db")
    record.update(path=data_dir / "reader.db", data_dir=data_dir,
                  related_sample=tuple(record["related_sample"]))
    return StoreFacts(**record), built
