"""Pick sentences to label: ones that mention something date-like, from text nobody here wrote.

Run once to make the unlabelled list (`python -m tests.eval.candidates > /tmp/cands.jsonl`);
the labels in tests/eval/temporal_*.json were written by hand from that list before the rules
were run on it. The filter below is deliberately broad and independent of feeds.timeline: it
keeps traps ("May" the verb, "2025 bond", "3rd quarter") as well as dates.

The split is by document (a page or a feed item), fixed by a hash of its key, so no document
has sentences on both sides.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

from feeds.text import html_to_text
from feeds.timeline import sentence_spans
from tests.eval.sources import aeb_pages, shared_dir

DATE_LIKE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?"
    r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    r"|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b"
    r"|\b(?:19|20)\d\d\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
    r"|\b(?:yesterday|today|tonight|tomorrow|weekend|ago|later|earlier|quarter"
    r"|summer|winter|spring|autumn|decade|last (?:week|month|year)|next (?:week|month|year)"
    r"|this (?:week|month|year)|end of the (?:week|month|year))\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
ENGLISH = re.compile(r"\b(?:the|and|of|to|in|is|was)\b")


def split_of(key: str) -> str:
    """About a third of the documents are held out, by hash of their key."""
    return "heldout" if hashlib.sha1(key.encode()).hexdigest()[0] in "012345" else "dev"


def _sentences(text: str) -> list[tuple[str, str]]:
    spans = sentence_spans(text)
    out = []
    for index, (start, end) in enumerate(spans):
        sentence = " ".join(text[start:end].split())
        context = " ".join(
            " ".join(text[s:e].split()) for s, e in spans[max(0, index - 2):index])
        out.append((sentence, context[-400:]))
    return out


def _pick(text: str, rng: random.Random, count: int) -> list[tuple[str, str]]:
    found = [(s, c) for s, c in _sentences(text)
             if DATE_LIKE.search(s) and 30 <= len(s) <= 400 and len(ENGLISH.findall(s)) >= 2]
    rng.shuffle(found)
    return found[:count]


def page_candidates(rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for page in aeb_pages() or []:
        if page.published is None:
            continue
        for number, (sentence, context) in enumerate(_pick(page.text, rng, 2)):
            rows.append({"id": f"aeb-{page.key}-{number}", "ref": page.published.isoformat(),
                         "split": split_of(page.key), "source": page.url,
                         "context": context, "text": sentence})
    return rows


def corpus_candidates(rng: random.Random, limit: int) -> list[dict[str, str]]:
    import feedparser

    root = shared_dir()
    if root is None:
        return []
    rows: list[dict[str, str]] = []
    paths = sorted(p for p in (root / "corpus").rglob("*")
                   if p.is_file() and p.stat().st_size <= 3_000_000)
    for path in paths:
        relative = str(path.relative_to(root / "corpus"))
        try:
            parsed = feedparser.parse(path.read_bytes())
        except Exception:  # noqa: BLE001 - a corpus file feedparser cannot read is skipped
            continue
        language = str(parsed.feed.get("language", ""))
        if language and not language.lower().startswith("en"):
            continue
        for number, entry in enumerate(parsed.entries[:15]):
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            if not stamp:
                continue
            html = (entry.get("content") or [{}])[0].get("value") or entry.get("summary", "")
            text = html_to_text(html).text if html else ""
            key = hashlib.sha1(f"{relative}#{number}".encode()).hexdigest()[:12]
            for index, (sentence, context) in enumerate(_pick(text, rng, 1)):
                rows.append({"id": f"feed-{key}-{index}",
                             "ref": "%04d-%02d-%02d" % tuple(stamp[:3]),
                             "lang": language, "split": split_of(key),
                             "source": f"corpus/{relative}#{number}",
                             "context": context, "text": sentence})
    rng.shuffle(rows)
    return rows[:limit]


def main() -> None:
    rng = random.Random(17)
    rows = page_candidates(rng) + corpus_candidates(rng, 110)
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()


# The fresh held-out set (issue 17, second round): sentences of mozilla/readability's test pages
# (those of tests/eval/related_readability.json written in English, as news or posts, whose own
# HTML gives a believable date: reference pages, fiction and pages dated years from their text
# are left out).
READABILITY_LEFT_OUT = frozenset(
    "mozilla-1 mozilla-2 wikipedia wikipedia-2 wikipedia-3 wikipedia-4 table-style-attributes "
    "spiceworks daringfireball-1 google-sre-book-1 royal-road archive-of-our-own ietf-1 "
    "aktualne cnet-svg-classes folha heise la-nacion lemonde-1 liberation-1 videos-2 nytimes-5 "
    "pixnet".split())


def readability_candidates(rng: random.Random, per_page: int = 3) -> list[dict[str, str]]:
    from tests.eval.sources import readability_pages

    keys = json.loads((Path(__file__).parent / "related_readability.json").read_text())["pages"]
    by_key = {page.key: page for page in readability_pages() or []}
    rows = []
    for key in keys:
        page = by_key.get(key)
        if page is None or page.published is None or key in READABILITY_LEFT_OUT:
            continue
        for number, (sentence, context) in enumerate(_pick(page.text, rng, per_page)):
            rows.append({"id": f"rdb-{key}-{number}", "ref": page.published.isoformat(),
                         "source": f"mozilla/readability test/test-pages/{key}",
                         "context": context, "text": sentence})
    return rows
