"""Scoring candidates into related items: the other articles on the same story.

The store does the searching and this module does the judging, with no database:

1. `distinctive_terms(title, text)` picks the article's most telling words (title words count
   more; with the store's document frequencies they are picked by tf-idf);
2. `fts_query(terms)` turns them into a safe FTS5 MATCH expression (every term a quoted string,
   so feed text can never inject FTS syntax);
3. the store fetches up to ~200 candidates near the article's date, and `rank(target,
   candidates)` re-scores them: TF-IDF cosine of the titles and of the texts, IDF from the pool.

Same-site pairs are where false matches come from (a shared footer, the site's own vocabulary),
so they need a higher score, and paragraphs that two items of one feed share word for word are
left out of their comparison. Near-identical copies (the same wire text in two feeds) are kept
but marked with `duplicate_of`, so the reader can show them once.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "DEFAULT_DUPLICATE_THRESHOLD",
    "DEFAULT_SAME_FEED_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "Doc",
    "Match",
    "distinctive_terms",
    "fts_query",
    "rank",
    "tokenize",
]

# Chosen on the 22 labelled pages in shared/articles/scrapinghub-aeb plus 400 unrelated feed
# items from shared/corpus (tests/test_related.py prints the numbers and a leave-one-story-out
# check): story-mates scored 0.19 and up, unrelated items rarely above 0.15. No labelled pair
# of one site on one story exists there; 0.25 for same-feed pairs is a judgement: in the corpus
# feeds, posts of one blog in the same format (album reviews, release notes) score 0.15-0.30.
DEFAULT_THRESHOLD = 0.15
DEFAULT_SAME_FEED_THRESHOLD = 0.25
DEFAULT_DUPLICATE_THRESHOLD = 0.90
# Below the thresholds: how close to the best match, and over which floor, still counts. Set
# by hand on the bundled demo story (story pairs 0.11-0.30, unrelated pairs 0.08 or less).
RELATIVE_SHARE = 0.6
FLOOR = 0.10
SAME_FEED_FLOOR = 0.18

# With the store's document frequencies (`rank(..., doc_freq=..., doc_count=...)`, as
# `Store.related` calls it) every weight comes from the store, so A's score for B is B's for A,
# and one threshold decides: A~B iff B~A. Chosen on the dev split of tests/eval (181 pages of
# others' text, 400 feed items as distractors; `python -m tests.eval.related_score`).
STORE_THRESHOLD = 0.18
STORE_SAME_FEED_THRESHOLD = 0.30
# Below this many items a store's frequencies say little (in the 11-item demo the story's words
# are in most items), and the pool's IDF with the share of the best match decides, as before.
STORE_MIN_ITEMS = 200
# Articles on one story appear within days of each other: past PROXIMITY_DAYS the score is
# divided by 1 + (days - PROXIMITY_DAYS) / PROXIMITY_SCALE (a week later: about half).
PROXIMITY_DAYS = 3.0
PROXIMITY_SCALE = 7.0
# Two articles on one story name the same people, places or things: at least this many shared
# names, among those fewer than COMMON_NAME_SHARE of the store's items carry.
MIN_SHARED_NAMES = 2
COMMON_NAME_SHARE = 0.1
# ... and their texts' match rests on several terms, not on one name: the effective number of
# shared terms (the participation ratio of the terms' shares of the dot product,
# (sum c)^2 / sum c^2) is at least this. "Hong Kong" alone carried a stock listing to the
# city's protests (4.1-4.5 terms); story-mates in the dev split of tests/eval: 6.0 and up.
MIN_SHARED_SPREAD = 5.0
# ... and each is about what the other says, not mentioning it in passing (a roundup's one item,
# a paragraph on Europa in a piece on moon landers). Two measures, each the smaller of the two
# directions (so still symmetric), chosen on the dev split of tests/eval:
# - the lead (title and first LEAD_CHARS of the text) of each is like the other's whole text:
#   a cosine of at least MIN_LEAD_COVER (story-mates 0.124 and up; moon landers and Europa's
#   water 0.107);
# - the paragraphs that hold MATCH_SHARE of the match make up at least MIN_MATCHED_SHARE of
#   each text (story-mates 0.298 and up; a "10 things in tech" roundup and its WeWork item
#   0.272). A text in one paragraph (most feed summaries) is wholly matched.
LEAD_CHARS = 1_000
MIN_LEAD_COVER = 0.115
MATCH_SHARE = 0.8
MIN_MATCHED_SHARE = 0.285

# How much the title's similarity counts against the text's, and how much more a title word
# weighs than a body word when picking query terms.
TITLE_SHARE = 0.25
TITLE_BOOST = 3.0

# Only the head of a very long text is compared: the lead says what the story is, and the cost
# of a comparison grows with the text.
MAX_TEXT_CHARS = 3_000
MAX_TITLE_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class Doc:
    """One item as the ranking sees it: plain text, already cleaned."""

    id: int
    feed_id: int
    title: str
    text: str
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """A related item. `duplicate_of` names the item (the target or another match) it copies."""

    id: int
    score: float
    duplicate_of: int | None = None


# A built-in English stopword list: function words, contraction tails, and the words every news
# story uses ("said", "told") that say nothing about which story it is.
_STOPWORDS = frozenset(
    """
    a about above after again against ago all almost also although always am among an and
    another any anyone anything are around as at back be became because become been before
    being below between both but by can cannot could did do does doing done down during each
    either else even ever every few for from further get gets getting go goes going got had has
    have having he her here hers herself him himself his how however i if in into is it its
    itself just last least less like made make makes many may me might more most much must my
    myself neither never new no nor not now of off often on once one only or other others our
    ours ourselves out over own per perhaps put rather re really said same say saying says see
    seen several shall she should since so some someone something still such than that the
    their theirs them themselves then there these they this those though through thus to told
    too toward towards under until up upon us use used using very via was way we well went were
    what whatever when where whether which while who whom whose why will with within without
    would yet you your yours yourself yourselves ll ve d s t m don didn doesn isn wasn aren
    weren won wouldn couldn shouldn hasn haven hadn mr mrs ms dr according
    """.split()
)
# Words whose final "s" is not a plural.
_NOT_PLURAL = frozenset("news series species always perhaps whereas chaos".split())

_WORD = re.compile(r"[^\W_]+")
_LINK_REFERENCE = re.compile(r"\[\d+\]\W*$")
_LINE_SPLIT = re.compile(r"\s*\n\s*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # and lone surrogates

# A whitespace-separated token (as written, punctuation and all: "Jupiter's", "(NASA)") -> its
# term; "" when it holds none; a mark (a NUL and the token: never a term) when it holds several,
# which _SEVERAL spells out. Shared by every call, so each distinct token is analysed once and
# the counting itself runs in C. A news vocabulary is a few hundred thousand tokens; the tables
# are cleared when they grow past that.
_TERM_OF: dict[str, str] = {}
_SEVERAL: dict[str, tuple[str, ...]] = {}
_TERM_CACHE_LIMIT = 300_000


def _learn(tokens: set[str]) -> None:
    """Analyse tokens not seen before into the shared tables."""
    if len(_TERM_OF) + len(tokens) > _TERM_CACHE_LIMIT:
        _TERM_OF.clear()
        _SEVERAL.clear()
    for token in tokens:
        terms = _analyse(token)
        if len(terms) <= 1:
            _TERM_OF[token] = terms[0] if terms else ""
        else:
            mark = "\0" + token
            _SEVERAL[mark] = terms
            _TERM_OF[token] = mark


def _analyse(token: str) -> tuple[str, ...]:
    """The terms of one whitespace token."""
    token = token.lower()
    word = token.strip(_EDGE_PUNCTUATION)
    if word.isalpha():  # most tokens: spare them the regular expression
        term = _stem(word)
        return (term,) if term else ()
    if _LINK_REFERENCE.match(token):  # "[12]": feeds.text numbers the links it keeps
        return ()
    return tuple(term for word in _WORD.findall(token) if (term := _stem(word)))


def _terms_of(token: str) -> tuple[str, ...]:
    """The terms of a token from the shared tables (or afresh, if another thread just cleared
    them)."""
    term = _TERM_OF.get(token)
    if term is None:
        return _analyse(token)
    if term.startswith("\0"):
        return _SEVERAL.get(term) or _analyse(token)
    return (term,) if term else ()


_EDGE_PUNCTUATION = "\"'()[]{}<>.,;:!?*\u2018\u2019\u201c\u201d\u00ab\u00bb\u2026"


def _stem(word: str) -> str:
    """The term for one lowercase word: "" for a stopword, else its light (plural) stem."""
    if word in _STOPWORDS or len(word) < 2:
        return ""
    if word.isdigit():
        # Numbers of three or four digits say something (a year, a Boeing 737); others are noise.
        return word if 3 <= len(word) <= 4 and word[0] != "0" else ""
    if len(word) <= 3 or word in _NOT_PLURAL:
        return word
    # Harman's S-stemmer: plural to singular, nothing more aggressive.
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


def _split(text: str) -> list[str]:
    """Whitespace tokens, dashes and slashes made spaces first (cheap, and it spares the slower
    path for tokens holding several words). Not lowercased: the tables know "Moon" and "moon",
    which costs less than lowercasing every text."""
    for mark in _SPACED:
        if mark in text:
            text = text.replace(mark, " ")
    return text.split()


_SPACED = ("-", "/", "\u2010", "\u2013", "\u2014")  # str.translate is ten times slower


def tokenize(text: str) -> list[str]:
    """Lowercase word terms in order: stopwords gone, plurals made singular.

    Letters and digits make a word (hyphens and apostrophes split it: "Jupiter's" gives
    "jupiter"); a number is kept only when it has three or four digits (a year, a model number).
    """
    tokens = _split(text)
    _learn(set(tokens).difference(_TERM_OF))
    terms: list[str] = []
    for token in tokens:
        terms.extend(_terms_of(token))
    return terms


def _term_counts(text: str) -> dict[str, int]:
    """How often each term occurs. Mapping and counting run in C (map over a dict, Counter);
    Python looks only at tokens never seen before: this is what keeps `rank` fast."""
    tokens = _split(text)
    counts = Counter(map(_TERM_OF.get, tokens))
    if None in counts:
        _learn(set(tokens).difference(_TERM_OF))
        counts = Counter(map(_TERM_OF.get, tokens))
        if None in counts:  # another thread cleared the tables in between: count by hand
            return Counter(term for token in tokens for term in _analyse(token))
    counts.pop("", None)
    for mark in _SEVERAL.keys() & counts.keys() if _SEVERAL else ():
        occurrences = counts.pop(mark)
        for term in _SEVERAL.get(mark, ()):
            counts[term] += occurrences
    return counts


# ---------------------------------------------------------------------------------------------
# Query terms


def distinctive_terms(
    title: str,
    text: str,
    doc_freq: Callable[[list[str]], dict[str, int]] | None = None,
    doc_count: int = 0,
    limit: int = 12,
    max_postings: int = 8_000,
) -> list[str]:
    """The words that best say what this article is about, best first.

    Title words weigh `TITLE_BOOST` times a body word; the 3 x `limit` heaviest words are the
    candidates. With `doc_freq` (given lowercase words as
    they appear in the text, it answers how many stored items hold each; the store answers from
    its FTS5 vocabulary, one query for all of them if it can) and `doc_count` (items in the
    store), words are picked by tf-idf. The article is expected to be in the store already, so a
    word only one item holds can find nothing else and is skipped, as is a word half the store
    holds; a word missing from the answer counts as rare. With no answer at all (a failing
    lookup) it falls back to tf. The words' document frequencies add up to at most
    `max_postings` (a word that would pass it is skipped): an FTS5 OR query costs about a
    microsecond per matching row to rank (measured: 7,000 rows 10 ms, 68,000 rows 54 ms, in a
    store of 100,000 items), and the related lookup has 50 ms in all.

    The words returned are lowercase and as they appear in the text (the most frequent form of
    each term), so an FTS5 index with the default tokenizer matches them.
    """
    weights: dict[str, float] = {}
    surface_counts: dict[str, Counter[str]] = {}
    title, text = (title or "")[:MAX_TITLE_CHARS], (text or "")[:MAX_TEXT_CHARS]
    for source, boost in ((title, TITLE_BOOST), (text, 1.0)):
        for token in _split(source):
            if _LINK_REFERENCE.match(token):
                continue
            for word in _WORD.findall(token.lower()):
                term = _stem(word)
                if term:
                    weights[term] = weights.get(term, 0.0) + boost
                    surface_counts.setdefault(term, Counter())[word] += 1
    if not weights:
        return []
    # Only the heaviest words are candidates: the store's answer costs it a walk through each
    # word's postings (FTS5 keeps no counts), about 0.4 ms a word in a store of 100,000 items.
    heaviest = sorted(weights, key=lambda term: (-weights[term], term))[: max(limit, 0) * 3]
    surface = {term: surface_counts[term].most_common(1)[0][0] for term in heaviest}
    scores = {term: 1.0 + math.log(weights[term]) for term in heaviest}
    answer = _ask(doc_freq, sorted(set(surface.values()))) if doc_freq and doc_count > 0 else {}
    postings: dict[str, int] = {}  # term -> items that hold it, when the store said
    if answer:  # no answer at all (a failing store): fall back to tf, never to nothing
        for term in list(scores):
            df = answer.get(surface[term], 0)
            df = df if isinstance(df, int) else 0
            if df == 1 or (doc_count >= 20 and df > doc_count / 2):
                del scores[term]  # it finds only the article itself, or half the store
                continue
            # A word the index lacks is spelled differently there (an FTS5 tokenizer that
            # removes diacritics: "zürich" is "zurich"); FTS5 will still match it: call it rare.
            df = df if df > 0 else 2
            scores[term] *= math.log((doc_count + 1) / (df + 1)) + 1.0
            postings[term] = df
    ranked = sorted(scores, key=lambda term: (-scores[term], term))
    if not postings:
        return [surface[term] for term in ranked[: max(limit, 0)]]
    chosen, total = [], 0
    for term in ranked:
        if len(chosen) >= limit:
            break
        if total + postings[term] <= max_postings:
            chosen.append(term)
            total += postings[term]
    if not chosen and ranked and limit > 0:  # every word is common: the least common one
        chosen = [min(ranked, key=lambda term: (postings[term], term))]
    return [surface[term] for term in chosen]


def _ask(doc_freq: Callable[[list[str]], dict[str, int]], words: list[str]) -> dict[str, int]:
    """The store's document frequencies; a failing answer counts as no answer."""
    try:
        answer = doc_freq(words)
    except Exception:  # the store's lookup failing must not break opening an article
        return {}
    return answer if isinstance(answer, dict) else {}


def fts_query(terms: Iterable[str]) -> str:
    """A safe FTS5 MATCH expression: each term a double-quoted string, joined with OR.

    Inside an FTS5 string nothing is syntax (AND, NEAR, *, ^, :, parentheses are plain text)
    except the double quote, which is doubled. Controls and lone surrogates (which SQLite could
    not even be given) become spaces. With no usable term the
    query is `""`, which is valid and matches nothing.
    """
    quoted = []
    seen = set()
    for term in terms:
        cleaned = _CONTROL.sub(" ", term).strip()
        if not cleaned or cleaned in seen:
            continue
        seen.add(cleaned)
        quoted.append('"' + cleaned.replace('"', '""') + '"')
    return " OR ".join(quoted) if quoted else '""'


# ---------------------------------------------------------------------------------------------
# Ranking


@dataclass(slots=True)
class _Side:
    """One document's counts, computed once per `rank` call."""

    doc: Doc
    title: dict[str, int]
    text: dict[str, int]
    lines: list[str] | None = None  # paragraphs, only when a same-feed comparison needs them
    names: frozenset[str] | None = None  # terms of capitalised words, when first asked


def _side(doc: Doc) -> _Side:
    return _Side(doc, *_counts_of(doc))


# A capitalised word that does not open a sentence: a name ("Noem", "Stadia", "Europa").
_NAME = re.compile(r"(?<![.!?:\"“‘'(\[]\s)(?<![.!?:\"“‘'(\[])\b[A-Z][\w’']*")


@functools.lru_cache(maxsize=512)
def _names_of(doc: Doc) -> frozenset[str]:
    """The terms of the names in a document's title and text head."""
    text = f"{(doc.title or '')[:MAX_TITLE_CHARS]}\n{(doc.text or '')[:MAX_TEXT_CHARS]}"
    names = set()
    for found in _NAME.finditer(text):
        start = found.start()
        if start == 0 or text[start - 1] == "\n":
            continue
        names.update(_terms_of(found.group()))
    return frozenset(names)


def _shared_names(a: _Side, b: _Side, idf: dict[str, float], common_idf: float) -> int:
    """How many names two documents share, leaving out names as common as `common_idf`."""
    if a.names is None:
        a.names = _names_of(a.doc)
    if b.names is None:
        b.names = _names_of(b.doc)
    return sum(1 for term in a.names & b.names if idf.get(term, common_idf + 1) > common_idf)


def _shared_spread(vector: dict[str, float], counts: dict[str, int],
                   idf: dict[str, float]) -> float:
    """On how many terms a text match rests: (sum c)^2 / sum c^2 over the shared terms' parts
    c of the dot product. Symmetric: each part is the product of the two weights."""
    parts = [vector[term] * idf[term] * _tf(counts[term]) for term in vector.keys() & counts.keys()]
    squares = math.fsum(part * part for part in parts)
    return math.fsum(parts) ** 2 / squares if squares else 0.0


def _lead_counts(doc: Doc) -> dict[str, int]:
    """Term counts of a document's title and the start of its text: what the story is."""
    return _term_counts(f"{(doc.title or '')[:MAX_TITLE_CHARS]}\n{(doc.text or '')[:LEAD_CHARS]}")


def _lead_cover(a: _Side, b: _Side, idf: dict[str, float]) -> float:
    """How well each one's lead matches the other's whole head (title and text): the smaller."""
    covers = []
    for lead_of, whole_of in ((a, b), (b, a)):
        lead = _lead_counts(lead_of.doc)
        whole = Counter(whole_of.text)
        whole.update(whole_of.title)
        terms = lead.keys() | whole.keys()
        if any(term not in idf for term in terms):  # a term cut from the pool's counts
            idf = {**dict.fromkeys(terms, 1.0), **idf}
        covers.append(_cosine(lead, whole, idf))
    return min(covers)


def _matched_share(a: _Side, b: _Side, idf: dict[str, float]) -> float:
    """How much of each text (in characters) the paragraphs holding MATCH_SHARE of the match
    with the other make up: the smaller. Small when one text matches the other in one place
    only (a roundup's item, a paragraph in passing)."""
    shares = []
    for side, other in ((a, b), (b, a)):
        paragraphs = _paragraphs(side)
        if len(paragraphs) < 2:
            shares.append(1.0)
            continue
        parts = []
        for paragraph in paragraphs:
            counts = _term_counts(paragraph)
            shared = counts.keys() & other.text.keys()
            part = math.fsum(idf.get(term, 1.0) ** 2 * _tf(other.text[term]) * counts[term]
                             for term in shared)
            parts.append((part, len(paragraph)))
        total = math.fsum(part for part, _ in parts)
        chars = sum(length for _, length in parts)
        if not total or not chars:
            shares.append(0.0)
            continue
        held, used = 0.0, 0
        for part, length in sorted(parts, key=lambda entry: -entry[0] / max(entry[1], 1)):
            if held >= MATCH_SHARE * total:
                break
            held += part
            used += length
        shares.append(used / chars)
    return min(shares)


@functools.lru_cache(maxsize=512)
def _counts_of(doc: Doc) -> tuple[dict[str, int], dict[str, int]]:
    """Term counts of a document's title and text head. Remembered (by value: id, feed, title,
    text, date) because opening the next article asks about mostly the same candidates; the
    callers never change the dicts."""
    title, text = doc.title or "", doc.text or ""  # a NULL from the database is no text
    return _term_counts(title[:MAX_TITLE_CHARS]), _term_counts(text[:MAX_TEXT_CHARS])


# 1 + log(tf), looked up rather than computed: the hot loops below run in C through map().
# Counts never reach the table's end: texts are cut at MAX_TEXT_CHARS, titles at MAX_TITLE_CHARS.
_SUBLINEAR = [0.0] + [1.0 + math.log(count) for count in range(1, MAX_TEXT_CHARS + 1)]
_tf = _SUBLINEAR.__getitem__


def _weights(counts: dict[str, int], idf: dict[str, float]) -> dict[str, float]:
    """The tf-idf vector: sublinear tf times idf."""
    return dict(
        zip(
            counts,
            map(operator.mul, map(_tf, counts.values()), map(idf.__getitem__, counts)),
            strict=True,
        )
    )


def _norm(counts: dict[str, int], idf: dict[str, float]) -> float:
    """The length of the tf-idf vector of `counts`, without building it (this runs for every
    candidate, so it stays in C)."""
    return math.hypot(*map(operator.mul, map(_tf, counts.values()), map(idf.__getitem__, counts)))


def _cosine_to(
    vector: dict[str, float], norm: float, counts: dict[str, int], idf: dict[str, float]
) -> float:
    """Cosine between a built vector and the tf-idf vector of `counts` (in C, as `_norm`)."""
    if not norm or not counts:
        return 0.0
    shared = vector.keys() & counts.keys()
    if not shared:
        return 0.0
    dot = sum(
        map(
            operator.mul,
            map(operator.mul, map(vector.__getitem__, shared), map(idf.__getitem__, shared)),
            map(_tf, map(counts.__getitem__, shared)),
        )
    )
    return dot / (norm * _norm(counts, idf))


def _cosine(a: dict[str, int], b: dict[str, int], idf: dict[str, float]) -> float:
    vector = _weights(a, idf)
    return _cosine_to(vector, math.hypot(*vector.values()), b, idf)


def _combine(title_cosine: float, text_cosine: float, has_text: bool) -> float:
    """One score: texts and titles together; titles alone when either text is missing."""
    if not has_text:
        return title_cosine * (1.0 - TITLE_SHARE)  # a title alone is weaker evidence
    return TITLE_SHARE * title_cosine + (1.0 - TITLE_SHARE) * text_cosine


def _paragraphs(side: _Side) -> list[str]:
    if side.lines is None:
        text = (side.doc.text or "")[:MAX_TEXT_CHARS]
        side.lines = [line for line in _LINE_SPLIT.split(text) if line]
    return side.lines


def _store_idf(
    sides: Sequence[_Side], doc_freq: Callable[[list[str]], dict[str, int]], doc_count: int
) -> dict[str, float] | None:
    """IDF of every term of the pool from the store alone: the same weight for a term whoever
    the target is, which makes the score symmetric. A term the store does not know counts as
    held by one item. None when the store gives no answer at all."""
    terms: set[str] = set()
    for side in sides:
        terms.update(side.text.keys(), side.title.keys())
    answer = _ask(doc_freq, sorted(terms))
    if not answer:
        return None
    count = max(doc_count, len(sides))
    by_count: dict[int, float] = {}
    idf = {}
    for term in terms:
        n = answer.get(term, 1)
        n = min(max(n if isinstance(n, int) else 1, 1), count)
        if n not in by_count:
            by_count[n] = math.log((count + 1) / (n + 1)) + 1.0
        idf[term] = by_count[n]
    return idf


# A candidate whose score with the pool's IDF is under this share of STORE_THRESHOLD is not
# weighed with the store's: measured on tests/eval, no pair that passes the store's threshold
# from one side falls under it from the other (the one-sided count stays 0).
REACH_SHARE = 0.5


def _within_reach(pool: list[_Side], duplicate_threshold: float) -> list[_Side]:
    """The target and the candidates whose pool-IDF score could pass the store's threshold."""
    idf = _idf_table(pool, None, 0)
    target = pool[0]
    title, title_norm = _weights(target.title, idf), _norm(target.title, idf)
    text, text_norm = _weights(target.text, idf), _norm(target.text, idf)
    kept = [target]
    for side in pool[1:]:
        title_cosine = _cosine_to(title, title_norm, side.title, idf)
        text_cosine = _cosine_to(text, text_norm, side.text, idf)
        has_text = bool(text_norm and side.text)
        if _combine(title_cosine, text_cosine, has_text) >= REACH_SHARE * STORE_THRESHOLD or (
                (text_cosine if has_text else title_cosine) >= duplicate_threshold):
            kept.append(side)
    return kept


def proximity(a: datetime | None, b: datetime | None) -> float:
    """1 for items within PROXIMITY_DAYS of each other (or undated), less the further apart."""
    if a is None or b is None:
        return 1.0
    try:
        days = abs((a - b).total_seconds()) / 86400.0
    except TypeError:  # one naive, one aware: compare as written
        days = abs((a.replace(tzinfo=None) - b.replace(tzinfo=None)).total_seconds()) / 86400.0
    if days <= PROXIMITY_DAYS:
        return 1.0
    return 1.0 / (1.0 + (days - PROXIMITY_DAYS) / PROXIMITY_SCALE)


def _idf_table(
    sides: Sequence[_Side],
    doc_freq: Callable[[list[str]], dict[str, int]] | None,
    doc_count: int,
) -> dict[str, float]:
    """IDF from the pool (target + candidates), smoothed; the store's counts for the target's
    terms when it gives them, rescaled so both kinds of weight live on the pool's scale."""
    df: Counter[str] = Counter()
    for side in sides:
        df.update(side.text.keys())
        df.update(side.title.keys() - side.text.keys())
    pool = len(sides)
    by_count = [math.log((pool + 1) / (n + 1)) + 1.0 for n in range(pool + 1)]
    idf = dict(zip(df.keys(), map(by_count.__getitem__, df.values()), strict=True))
    if doc_freq is not None and doc_count > pool:
        target = sides[0]
        answer = _ask(doc_freq, sorted(target.title.keys() | target.text.keys()))
        scale = (math.log(pool + 1) + 1.0) / (math.log(doc_count + 1) + 1.0)
        for term, n in answer.items():
            if term in idf and isinstance(n, int) and n > 0:
                idf[term] = (math.log((doc_count + 1) / (n + 1)) + 1.0) * scale
    return idf


def rank(
    target: Doc,
    candidates: Sequence[Doc],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    same_feed_threshold: float = DEFAULT_SAME_FEED_THRESHOLD,
    duplicate_threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
    doc_freq: Callable[[list[str]], dict[str, int]] | None = None,
    doc_count: int = 0,
    relative_share: float = RELATIVE_SHARE,
) -> list[Match]:
    """The candidates that are about the same story as `target`, best first.

    Under its threshold, a candidate still counts when it scores at least `relative_share` of
    the best match and over a floor (`FLOOR`, `SAME_FEED_FLOOR`): in a small or one-topic
    store every score is low, but a story's articles stay close to each other.

    The score is a TF-IDF cosine: `TITLE_SHARE` of it from the titles, the rest from the texts
    (their first MAX_TEXT_CHARS), with IDF over the pool (target + candidates). A candidate from
    the target's own feed must reach `same_feed_threshold` instead of `threshold`, and
    paragraphs the two share word for word (a footer, a newsletter box) are left out of its
    comparison. A candidate whose text (or title, when there is no text) is
    `duplicate_threshold` similar to the target's, or to a better match's, is kept and marked
    `duplicate_of`. The target itself and repeated ids among the candidates are ignored; dates
    are not looked at (the store chooses the window).

    With `doc_freq` and a `doc_count` of at least STORE_MIN_ITEMS (as `Store.related` calls it),
    the scoring is symmetric instead: every term's IDF comes from the store (asked once for all
    the pool's terms), the score is multiplied by `proximity` of the two dates, and
    STORE_THRESHOLD / STORE_SAME_FEED_THRESHOLD decide alone (no share of the best match), so
    B is among A's matches iff A is among B's, given the same store.

    `doc_freq`/`doc_count` in a smaller store: the store's document frequencies, asked once for
    the target's terms
    (lowercase words, singular as `tokenize` makes them; a word left out of the answer keeps its
    pool IDF). The pool was chosen for sharing the target's words, which makes exactly those
    words look common in it; the store's counts correct that. See `_idf_table`.
    """
    seen = {target.id}
    pool = [_side(target)]
    for doc in candidates:
        if doc.id not in seen:
            seen.add(doc.id)
            pool.append(_side(doc))
    if len(pool) == 1:
        return []
    store_idf = None
    if doc_freq is not None and doc_count >= STORE_MIN_ITEMS:
        # Asking the store about every term of 200 candidates costs more than the lookup's
        # budget: only candidates within reach (by the pool's IDF, cheap) are weighed by it.
        pool = _within_reach(pool, duplicate_threshold)
        store_idf = _store_idf(pool, doc_freq, doc_count) if len(pool) > 1 else None
        if store_idf is None and len(pool) == 1:
            return []
    if store_idf is not None:
        # Symmetric: store weights, proximity in time, one threshold, no share of the best.
        idf = store_idf
        if threshold == DEFAULT_THRESHOLD:
            threshold = STORE_THRESHOLD
        if same_feed_threshold == DEFAULT_SAME_FEED_THRESHOLD:
            same_feed_threshold = STORE_SAME_FEED_THRESHOLD
        relative_share = 0.0
        count = max(doc_count, len(pool))
        common_idf = math.log((count + 1) / (COMMON_NAME_SHARE * count + 1)) + 1.0
    else:
        common_idf = 0.0
        idf = _idf_table(pool, doc_freq, doc_count)
    target_side = pool[0]
    target_title = _weights(target_side.title, idf)
    target_title_norm = _norm(target_side.title, idf)
    target_text = _weights(target_side.text, idf)
    target_text_norm = _norm(target_side.text, idf)

    scored: list[tuple[float, int, float]] = []  # (score, pool index, copy similarity)
    near: list[tuple[float, int, float, float]] = []  # under the threshold, over the floor
    for index in range(1, len(pool)):
        side = pool[index]
        title_cosine = _cosine_to(target_title, target_title_norm, side.title, idf)
        has_text = bool(target_text_norm and side.text)
        if side.doc.feed_id == target.feed_id:
            text_cosine = _same_feed_text_cosine(target_side, side, idf, duplicate_threshold)
            limit, floor = same_feed_threshold, SAME_FEED_FLOOR
        else:
            text_cosine = _cosine_to(target_text, target_text_norm, side.text, idf)
            limit, floor = threshold, FLOOR
        score = _combine(title_cosine, text_cosine, has_text)
        if store_idf is not None:
            score *= proximity(target.published, side.doc.published)
            if score >= limit and side.doc.feed_id != target.feed_id and (
                    _shared_names(target_side, side, idf, common_idf) < MIN_SHARED_NAMES
                    or (has_text and _shared_spread(target_text, side.text, idf)
                        < MIN_SHARED_SPREAD)):
                score = 0.0  # "stabbed to death" in San Francisco and in Berlin
            elif score >= limit and has_text and (
                    _lead_cover(target_side, side, idf) < MIN_LEAD_COVER
                    or _matched_share(target_side, side, idf) < MIN_MATCHED_SHARE):
                score = 0.0  # one mentions the other's story in passing
        # How alike the two are as copies: their texts, or their titles when there is no text.
        copy = text_cosine if has_text else title_cosine
        if score >= limit or copy >= duplicate_threshold:
            scored.append((score, index, copy))
        elif score >= floor:
            near.append((score, index, copy, floor))
    # A story's articles score alike: one close to the best match (and over its floor) is on
    # the story too, even where the pool's vocabulary keeps every score low.
    best = max((entry[0] for entry in scored), default=0.0)
    if relative_share > 0 and best >= threshold:
        scored.extend((score, index, copy) for score, index, copy, _ in near
                      if score >= relative_share * best)

    scored.sort(key=lambda entry: (-entry[0], pool[entry[1]].doc.id))
    return _mark_duplicates(pool, idf, scored, duplicate_threshold)


def _same_feed_text_cosine(
    target: _Side, side: _Side, idf: dict[str, float], duplicate_threshold: float
) -> float:
    """Text cosine of two items of one feed, leaving out the paragraphs both carry verbatim.

    When shared paragraphs make up nearly all of both texts, and what is left of one is empty or
    like the other's, the items are copies: a perfect match rather than nothing to compare.
    Two short items whose different sentences sit above one long footer are not.
    """
    shared = set(_paragraphs(target)) & set(_paragraphs(side))
    if not shared:
        return _cosine(target.text, side.text, idf)
    shared_chars = sum(len(line) for line in shared)
    covered = min(
        shared_chars / max(sum(len(line) for line in _paragraphs(s)), 1) for s in (target, side)
    )
    common = _term_counts("\n".join(shared))
    target_left, side_left = _subtract(target.text, common), _subtract(side.text, common)
    left_cosine = _cosine(target_left, side_left, idf)
    if covered >= duplicate_threshold and (
        not target_left or not side_left or left_cosine >= duplicate_threshold
    ):
        return 1.0  # a repost, perhaps with a line added: not two items sharing a footer
    return left_cosine


def _subtract(counts: dict[str, int], common: dict[str, int]) -> dict[str, int]:
    left = {}
    for term, count in counts.items():
        remaining = count - common.get(term, 0)
        if remaining > 0:
            left[term] = remaining
    return left


# Duplicates among the matches are looked for only among the best ones: the list a reader sees.
_DUPLICATE_CHECK_LIMIT = 50


def _mark_duplicates(
    pool: list[_Side],
    idf: dict[str, float],
    scored: list[tuple[float, int, float]],
    duplicate_threshold: float,
) -> list[Match]:
    """Matches in order; a copy of the target or of a better (unmarked) match is marked."""
    target_id = pool[0].doc.id
    # (pool index, angle to the target, text vector, its length) of the unmarked matches so far
    originals: list[tuple[int, float, dict[str, float], float]] = []
    matches = []
    # Two texts this similar are at most this far apart in angle, so a match whose angle to the
    # target differs more than that from another's cannot be its copy: no need to compare.
    max_angle = _angle(duplicate_threshold)
    target_feed = pool[0].doc.feed_id
    for position, (score, index, copy) in enumerate(scored):
        duplicate_of = None
        # A same-feed match was compared without shared paragraphs: its angle is not comparable.
        angle = _angle(copy) if pool[index].doc.feed_id != target_feed else math.nan
        if copy >= duplicate_threshold:
            duplicate_of = target_id
        elif position < _DUPLICATE_CHECK_LIMIT:
            counts = pool[index].text
            for other, other_angle, vector, norm in originals:
                if not abs(angle - other_angle) > max_angle and (  # NaN: always compare
                    _cosine_to(vector, norm, counts, idf) >= duplicate_threshold
                ):
                    duplicate_of = pool[other].doc.id
                    break
            if duplicate_of is None:
                vector = _weights(counts, idf)
                originals.append((index, angle, vector, math.hypot(*vector.values())))
        matches.append(Match(pool[index].doc.id, round(score, 4), duplicate_of))
    return matches


def _angle(cosine: float) -> float:
    return math.acos(max(min(cosine, 1.0), -1.0))
