"""MAP, false positives per lookup, recall and symmetry of related items on others' pages.

    python -m tests.eval.related_score            # dev and held-out
    python -m tests.eval.related_score --errors   # every false match and miss in dev
    python -m tests.eval.related_score --pool     # as before issue 17: IDF from the pool
    python -m tests.eval.related_score --labels FILE   # dev against other labels (an older version)

By default `rank` is given document frequencies over the whole collection (pages and
distractors), as `Store.related` gives it the store's: the symmetric scoring.

dev: every one of the 181 Scrapinghub benchmark pages is looked up in turn
(`feeds.related.rank`) against the 180 others (one feed per site, each page with its own date)
and 400 real feed items from ../shared/corpus as distractors (each dated a few days from the
looked-up page, so that the store's date window would keep them in the pool). Story labels: the
22 pages of ../shared/articles plus tests/eval/related_stories.json. A returned page that is
neither a story-mate nor "acceptable" is a false positive. All 181 lookups are dev now (the
first held-out split, by story, was seen: `--old-split` still prints its two parts).

held-out: the 85 test pages of mozilla/readability listed in related_readability.json (labelled
before any run), each looked up against the 84 others, the 181 benchmark pages and the same
400 distractors. Never used to tune.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from feeds.related import Doc, rank
from tests.eval.candidates import split_of
from tests.eval.sources import Page, aeb_pages, readability_pages, shared_dir

HERE = Path(__file__).resolve().parent
DISTRACTOR_COUNT = 400
DISTRACTOR_ID = 100_000
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ""}


@dataclass
class Labels:
    story: dict[str, str]  # page key -> story
    acceptable: set[frozenset[str]]  # unordered pairs of keys

    def mates(self, key: str, keys: Iterable[str]) -> set[str]:
        story = self.story.get(key)
        return {other for other in keys if other != key and story and
                self.story.get(other) == story}

    def allowed(self, key: str, other: str) -> bool:
        return frozenset((key, other)) in self.acceptable or (
            key in self.story and self.story.get(other) == self.story[key])

    def split(self, key: str) -> str:
        return split_of(self.story.get(key, key))


def readability_labels(path: Path | None = None) -> tuple[list[str], Labels]:
    """The held-out pages' keys and their labels (related_readability.json)."""
    own = json.loads((path or HERE / "related_readability.json").read_text())
    story = {key: name for name, keys in own["stories"].items() for key in keys}
    pairs = set()
    for group in own["acceptable"]:
        pairs.update(frozenset((a, b)) for a in group for b in group if a != b)
    return own["pages"], Labels(story, pairs)


def heldout_pages() -> tuple[list[Page], Labels] | None:
    """The held-out pages (first) and the benchmark's (as more distractors), with labels."""
    keys, data = readability_labels()
    found, aeb = readability_pages(), aeb_pages()
    if found is None or aeb is None:
        return None
    by_key = {page.key: page for page in found}
    return [by_key[key] for key in keys if key in by_key] + aeb, data


def labels(path: Path | None = None) -> Labels | None:
    """The shared stories merged with ours (`path`, by default related_stories.json)."""
    root = shared_dir()
    if root is None:
        return None
    shared = json.loads((root / "articles" / "scrapinghub-aeb" / "stories.json").read_text())
    own = json.loads((path or HERE / "related_stories.json").read_text())
    story = {key: entry["story"] for key, entry in shared.items()}
    for name, keys in own["stories"].items():
        story.update({key: name for key in keys})
    pairs = set()
    for group in own["acceptable"]:
        pairs.update(frozenset((a, b)) for a in group for b in group if a != b)
    return Labels(story, pairs)


def _moment(page: Page) -> datetime | None:
    return datetime.combine(page.published, time(12), UTC) if page.published else None


def page_docs(pages: list[Page]) -> list[Doc]:
    sites = sorted({page.site for page in pages})
    return [Doc(number, sites.index(page.site) + 1, page.title, page.text, _moment(page))
            for number, page in enumerate(pages, start=1)]


def distractors(limit: int = DISTRACTOR_COUNT) -> list[Doc]:
    """Real feed items with 150+ words: the other news of a store."""
    import feedparser

    from feeds.text import html_to_text

    root = shared_dir()
    if root is None:
        return []
    items: list[Doc] = []
    seen: set[str] = set()
    for number, path in enumerate(sorted((root / "corpus").rglob("*"))):
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
            items.append(Doc(DISTRACTOR_ID + len(items), 10_000 + number,
                             entry.get("title", ""), text))
            if len(items) >= limit:
                return items
    return items


@dataclass
class Figures:
    lookups: int = 0
    false_positives: int = 0
    lookups_with_false_positives: int = 0
    distractor_hits: int = 0
    mates_wanted: int = 0
    mates_found: int = 0
    average_precisions: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        mean_ap = statistics.fmean(self.average_precisions) if self.average_precisions else 1.0
        per_lookup = self.false_positives / max(self.lookups, 1)
        recall = (f"{self.mates_found / self.mates_wanted:.3f}" if self.mates_wanted
                  else "n/a")
        shown_map = f"{mean_ap:.3f}" if self.average_precisions else "n/a"
        return (f"{name:<8} lookups {self.lookups:>3} (with story-mates "
                f"{len(self.average_precisions):>2})  MAP {shown_map}  recall {recall} "
                f"({self.mates_found}/{self.mates_wanted})  false positives {self.false_positives}"
                f" = {per_lookup:.3f}/lookup ({per_lookup * 20:.2f} per 20) in "
                f"{self.lookups_with_false_positives} lookups, {self.distractor_hits} of them "
                f"corpus items")

    @property
    def mean_ap(self) -> float:
        return statistics.fmean(self.average_precisions) if self.average_precisions else 1.0

    @property
    def per_lookup(self) -> float:
        return self.false_positives / max(self.lookups, 1)

    @property
    def recall(self) -> float:
        return self.mates_found / max(self.mates_wanted, 1)


def _dated_near(extra: list[Doc], when: datetime | None, seed: int) -> list[Doc]:
    rng = random.Random(seed)
    return [Doc(d.id, d.feed_id, d.title, d.text,
                when + timedelta(days=rng.randint(-10, 10)) if when else None) for d in extra]


def collection_frequencies(docs: list[Doc]) -> dict[str, int]:
    """In how many documents each term occurs: what the store's index would answer."""
    from collections import Counter

    from feeds.related import MAX_TEXT_CHARS, MAX_TITLE_CHARS, tokenize

    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(set(tokenize((doc.title or "")[:MAX_TITLE_CHARS])) | set(
            tokenize((doc.text or "")[:MAX_TEXT_CHARS])))
    return dict(counts)


def evaluate(pages: list[Page], data: Labels, extra: list[Doc], *, pool_idf: bool = False,
             lookups: int | None = None, split: Callable[[str], str] | None = None,
             **options: object) -> tuple[dict[str, Figures], int]:
    """Figures per split (and "all"), and the number of one-sided pairs among the lookups.

    Only the first `lookups` pages (all by default) are looked up; every page is in the pool.
    `split` names a lookup's split (by default "dev", or the old split with `data.split`)."""
    split = split or (lambda key: "dev")
    docs = page_docs(pages)
    if not pool_idf:
        frequencies = collection_frequencies([*docs, *extra])
        options = {"doc_freq": lambda words: {w: frequencies[w] for w in words
                                              if w in frequencies},
                   "doc_count": len(docs) + len(extra), **options}
    key_of = {doc.id: page.key for doc, page in zip(docs, pages, strict=True)}
    figures: dict[str, Figures] = {}
    returned: dict[int, set[int]] = {}
    for doc in docs[:lookups]:
        key = key_of[doc.id]
        pool = [other for other in docs if other.id != doc.id]
        matches = rank(doc, [*pool, *_dated_near(extra, doc.published, doc.id)], **options)
        ranked = [match.id for match in matches]
        returned[doc.id] = {item for item in ranked if item in key_of}
        mates = data.mates(key, key_of.values())
        for name in (split(key), "all"):
            f = figures.setdefault(name, Figures())
            f.lookups += 1
            wrong = [item for item in ranked
                     if item not in key_of or not data.allowed(key, key_of[item])]
            f.false_positives += len(wrong)
            f.lookups_with_false_positives += bool(wrong)
            f.distractor_hits += sum(item not in key_of for item in wrong)
            if name == "all":
                continue
            for item in wrong:
                other = (key_of[item] + " " + pages[item - 1].title[:60] if item in key_of
                         else f"corpus item {item}")
                f.errors.append(f"FP {key} {doc.title[:60]!r} -> {other}")
            if mates:
                found = [item for item in ranked if key_of.get(item) in mates]
                hits, total = 0, 0.0
                for position, item in enumerate(ranked, start=1):
                    if key_of.get(item) in mates:
                        hits += 1
                        total += hits / position
                f.average_precisions.append(total / len(mates))
                f.mates_wanted += len(mates)
                f.mates_found += len(found)
                for missing in mates - {key_of[item] for item in found}:
                    f.errors.append(f"MISS {key} {doc.title[:60]!r} -> {missing}")
        for name in ("all",):
            f = figures.setdefault(name, Figures())
            if mates:
                found = [item for item in ranked if key_of.get(item) in mates]
                hits, total = 0, 0.0
                for position, item in enumerate(ranked, start=1):
                    if key_of.get(item) in mates:
                        hits += 1
                        total += hits / position
                f.average_precisions.append(total / len(mates))
                f.mates_wanted += len(mates)
                f.mates_found += len(found)
    one_sided = sum(1 for a, found in returned.items() for b in found
                    if b in returned and a not in returned[b])
    return figures, one_sided


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list dev errors")
    parser.add_argument("--pool", action="store_true", help="IDF from the pool (before)")
    parser.add_argument("--labels", type=Path, help="another labels file (an older version)")
    parser.add_argument("--old-split", action="store_true",
                        help="dev in the two parts of the first split (dev, seen held-out)")
    parser.add_argument("--no-heldout", action="store_true", help="dev only")
    args = parser.parse_args()
    pages, data = aeb_pages(), labels(args.labels)
    if pages is None or data is None:
        raise SystemExit("related_score: the benchmark checkout or ../shared is absent")
    extra = distractors()
    split = (lambda key: "old-" + data.split(key)) if args.old_split else None
    figures, one_sided = evaluate(pages, data, extra, pool_idf=args.pool, split=split)
    print(f"related items ({'pool' if args.pool else 'store'} IDF), dev: {len(pages)} benchmark "
          f"pages (one feed per site, own dates) + {len(extra)} corpus items as distractors")
    for name, result in figures.items():
        print(result.line(name))
    print(f"one-sided pairs (A lists B, B does not list A): {one_sided}")
    if not args.no_heldout:
        held = heldout_pages()
        if held is None:
            print("held-out: the mozilla/readability checkout (READER_READABILITY_GIT) is absent")
        else:
            held_pages, held_labels = held
            count = len(held_pages) - len(pages)
            result, sided = evaluate(held_pages, held_labels, extra, pool_idf=args.pool,
                                     lookups=count, split=lambda key: "heldout")
            print(f"held-out: {count} mozilla/readability pages looked up, against each other, "
                  f"the {len(pages)} benchmark pages and the {len(extra)} distractors")
            print(result["heldout"].line("heldout"))
            print(f"one-sided pairs among the held-out lookups: {sided}")
    if args.errors:
        for name, result in figures.items():
            if name != "all":
                print("\n".join("    " + line for line in result.errors))


if __name__ == "__main__":
    main()
