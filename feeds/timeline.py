"""Dated events in an article's text, resolved against its publication date.

Our own rules, standard library only. General date parsers read "we" as Wednesday and "may" as
a month; these rules look only for the shapes newspapers use ("on Sunday", "last week",
"6 January", "in 2020", "two days later") and check the words around each one before they
believe it.

Speed matters (this runs on every article the reader opens): every pattern is compiled at
import and starts with a literal (a month name, a weekday, a digit), so the regular-expression
engine can skip ahead; word boundaries and the words before a match are checked in Python.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from feeds.date_words import (
    BASE_FORM_BEFORE,
    BYLINE,
    DAY_BEFORE_MONTH,
    DEADLINE_PREPOSITIONS,
    DECADE,
    DECADE_ARTICLE_BEFORE,
    DEFERRAL_VERBS,
    DESIGNATION_AFTER_YEAR,
    DURATION_BEFORE,
    EVENT_NOUNS_PLURAL,
    FUTURE_WORDS,
    IN_UNITS,
    ISO_DATE,
    LINKING_BEFORE_SCHEDULE,
    MODALS,
    MONTH_ABBREVIATIONS,
    MONTH_ANCHOR,
    MONTH_DAY_TAIL,
    MONTH_PAIR_TAIL,
    MONTH_PREPOSITIONS,
    MONTH_YEAR_TAIL,
    MONTHS,
    NEXT_WORD,
    NOT_PAST_ED,
    NUMBER_BEFORE,
    NUMBER_WORDS,
    NUMERIC_DATE,
    ORDINAL_DAY,
    ORDINAL_FOLLOWERS,
    ORDINAL_QUARTERS,
    PAST_WORDS,
    PERIOD_END,
    PREVIOUS_WORD,
    PRODUCT_AFTER_YEAR,
    PRODUCT_BEFORE_YEAR,
    QUANTITY_AFTER,
    QUANTITY_BEFORE,
    QUARTER,
    QUARTER_CONTEXT,
    RELATIVE,
    SCHEDULE_PHRASES,
    SCHEDULE_VERBS,
    SEASON,
    SEASON_MONTHS,
    SEQUEL,
    SPORTS_CONTEXT,
    STRONG_YEAR_PREPOSITIONS,
    TEMPERATURE_WORDS,
    TODAY_EVENT_NOUNS,
    TODAY_NOT_A_DAY_BEFORE,
    UNITS_AWAY,
    VAGUE_BEFORE_AGO,
    VERBS_AFTER_YEAR,
    WEEK_OF_BEFORE,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAY_ANCHOR,
    WEEKDAY_BEFORE_DATE,
    WEEKDAY_MODIFIER,
    WEEKDAY_NAMES_AFTER,
    WEEKDAY_NAMES_BEFORE,
    WEEKDAYS,
    WEEKEND,
    WORD,
    YEAR_AFTER,
    YEAR_AFTER_DAY_MONTH,
    YEAR_ANCHOR,
    YEAR_PREFIX_BEFORE,
)
from feeds.model import Event
from feeds.sentences import (
    sentence_spans,
)

__all__ = ["events", "sentence_spans"]

SNIPPET_LIMIT = 120
GRANULARITIES = ("day", "weekend", "week", "month", "season", "quarter", "year", "decade")

# ---------------------------------------------------------------------------------------------
# Mentions: where a date might be, before we decide whether it is one.


@dataclass(slots=True)
class _Mention:
    kind: str
    start: int
    end: int
    fields: dict[str, str | None] = field(default_factory=dict)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _starts_word(text: str, position: int) -> bool:
    return position == 0 or not _is_word_char(text[position - 1])


def _word_before(text: str, position: int) -> str:
    found = PREVIOUS_WORD.search(text, max(0, position - 24), position)
    return found.group(1) if found else ""


def _word_after(text: str, position: int) -> str:
    found = NEXT_WORD.match(text, position)
    return found.group(1) if found else ""


def _month_mentions(text: str) -> Iterator[_Mention]:
    for anchor in MONTH_ANCHOR.finditer(text):
        start = anchor.start()
        if start and text[start - 1].isalpha():
            continue
        month = anchor["month"]
        abbreviated = month.lower() in MONTH_ABBREVIATIONS  # "Jan", "Sept", not "May"
        after_name = anchor.end()
        base: dict[str, str | None] = {"month": month}
        weekday = WEEKDAY_BEFORE_DATE.search(text, max(0, start - 20), start)

        tail = MONTH_DAY_TAIL.match(text, after_name)
        if tail:
            first = weekday.start() if weekday else start
            fields = base | tail.groupdict() | {"weekday": weekday and weekday["weekday"]}
            yield _Mention("month_day", first, tail.end(), fields)
        tail = MONTH_YEAR_TAIL.match(text, after_name)
        if tail:
            yield _Mention("month_year", start, tail.end(), base | {"year": tail["year"]})

        day = _day_before(text, start)
        if day:
            end = anchor.end()
            fields = base | day.groupdict() | {"year": None}
            year = YEAR_AFTER_DAY_MONTH.match(text, end)
            if year:
                end = year.end()
                fields["year"] = year["year"]
            weekday = WEEKDAY_BEFORE_DATE.search(text, max(0, day.start() - 20), day.start())
            fields["weekday"] = weekday and weekday["weekday"]
            yield _Mention("day_month", weekday.start() if weekday else day.start(), end, fields)

        prep = _word_before(text, start).lower()
        if prep not in MONTH_PREPOSITIONS:
            continue
        if abbreviated and prep not in ("in", "since", "until", "by", "from"):
            continue
        if text.startswith(("'", "’"), anchor.end()) or text.startswith("-", anchor.end()):
            continue  # "March's", "May-born": not a bare month
        fields = base | {"prep": prep}
        pair = MONTH_PAIR_TAIL.match(text, anchor.end())
        if pair:
            yield _Mention("month_pair", start, pair.end(), fields | {"month2": pair["month2"]})
        yield _Mention("month_alone", start, anchor.end(), fields)


def _day_before(text: str, month_start: int) -> re.Match[str] | None:
    """ "6 " or "13 to 19 " or "6th of " right before a month name, as a whole number."""
    low = max(0, month_start - 24)
    while low < month_start:
        found = DAY_BEFORE_MONTH.search(text, low, month_start)
        if not found:
            return None
        first = found.start()
        if first == 0 or text[first - 1] not in "0123456789.,$£€:/-" and not text[
                first - 1].isalpha():
            return found
        low = first + 1
    return None


def _weekday_mentions(text: str, lowered: str) -> Iterator[_Mention]:
    for anchor in WEEKDAY_ANCHOR.finditer(text):
        start = anchor.start()
        if start and (_is_word_char(text[start - 1]) or text[start - 1] == "-"):
            continue
        modifier = WEEKDAY_MODIFIER.search(lowered, max(0, start - 16), start)
        if modifier and not _starts_word(lowered, modifier.start()):
            modifier = None
        first = modifier.start() if modifier else start
        fields = {"weekday": anchor["weekday"], "mod": modifier and modifier["mod"]}
        yield _Mention("weekday", first, anchor.end(), fields)


def _lowered_mentions(lowered: str) -> Iterator[_Mention]:
    for found in RELATIVE.finditer(lowered):
        if _starts_word(lowered, found.start()):
            yield _Mention("relative", found.start(), found.end(),
                           found.groupdict() | {"phrase": found.group()})
    for found in UNITS_AWAY.finditer(lowered):
        start = found.start()
        number = NUMBER_BEFORE.search(lowered, max(0, start - 16), start)
        if not number or not _starts_word(lowered, number.start()):
            continue
        if VAGUE_BEFORE_AGO.search(lowered, max(0, number.start() - 16), number.start()):
            continue  # "less than 10 years ago": no date to show
        kind = "ago" if found["dir"] == "ago" else "later"
        yield _Mention(kind, number.start(), found.end(), found.groupdict() | {"n": number["n"]})
    for found in SEQUEL.finditer(lowered):
        if _starts_word(lowered, found.start()):
            yield _Mention("sequel", found.start(), found.end(),
                           found.groupdict() | {"phrase": found.group()})
    for kind, pattern in (("weekend", WEEKEND), ("season", SEASON), ("quarter", QUARTER),
                          ("period_end", PERIOD_END), ("in_units", IN_UNITS),
                          ("ordinal_day", ORDINAL_DAY)):
        for found in pattern.finditer(lowered):
            if _starts_word(lowered, found.start()):
                yield _Mention(kind, found.start(), found.end(), found.groupdict())


def _number_mentions(text: str) -> Iterator[_Mention]:
    for found in NUMERIC_DATE.finditer(text):
        start = found.start()
        if start == 0 or not (_is_word_char(text[start - 1]) or text[start - 1] in "./-"):
            yield _Mention("numeric", start, found.end(), found.groupdict())
    for found in ISO_DATE.finditer(text):
        start = found.start()
        if start == 0 or not (_is_word_char(text[start - 1]) or text[start - 1] in ".-"):
            yield _Mention("iso", start, found.end(), found.groupdict())
    for found in DECADE.finditer(text):
        start = found.start()
        digits = found.group()[:2]
        fields: dict[str, str | None] = {}
        if start >= 2 and text[start - 2:start].isdigit() and (
                start == 2 or not _is_word_char(text[start - 3])):
            start -= 2
            fields["full"] = text[start:start + 4]
        elif start and _is_word_char(text[start - 1]):
            continue
        elif start and text[start - 1] in "'’‘":
            start -= 1
            fields["short"] = digits
        elif DECADE_ARTICLE_BEFORE.search(text, max(0, start - 16), start):
            fields["bare"] = digits
        else:
            continue
        yield _Mention("decade", start, found.end(), fields)
    for found in YEAR_ANCHOR.finditer(text):
        start = found.start()
        if start and (_is_word_char(text[start - 1]) or text[start - 1] in "$£€#.,/:'’-"):
            if not YEAR_PREFIX_BEFORE.search(text, max(0, start - 6), start):
                continue  # but "mid-2019", "pre-2020" are years
        if not YEAR_AFTER.match(text, found.end()):
            continue
        yield _Mention("year", start, found.end(), found.groupdict())


PRIORITY = {kind: rank for rank, kind in enumerate(
    ["iso", "numeric", "month_day", "day_month", "month_year", "month_pair", "month_alone",
     "quarter", "season", "period_end", "weekend", "weekday", "relative", "ago", "later",
     "in_units", "sequel", "ordinal_day", "decade", "year"])}


def _mentions(text: str) -> list[_Mention]:
    """All mentions, longest first, that do not overlap one already kept; in text order."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters grow when lower-cased ("İ")
        lowered = "".join(char.lower() if char.isascii() else char for char in text)
    found = [
        *_month_mentions(text),
        *_weekday_mentions(text, lowered),
        *_lowered_mentions(lowered),
        *_number_mentions(text),
    ]
    found.sort(key=lambda m: (m.start - m.end, PRIORITY[m.kind], m.start))
    kept_starts: list[int] = []
    kept_ends: list[int] = []
    kept: list[_Mention] = []
    for mention in found:
        index = bisect.bisect_right(kept_starts, mention.start)
        if index > 0 and kept_ends[index - 1] > mention.start:
            continue
        if index < len(kept_starts) and kept_starts[index] < mention.end:
            continue
        kept_starts.insert(index, mention.start)
        kept_ends.insert(index, mention.end)
        kept.insert(index, mention)
    return kept


# ---------------------------------------------------------------------------------------------
# Calendar arithmetic


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return MONTHS.get(name) or MONTH_ABBREVIATIONS[name]


def _weekday_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return WEEKDAYS[name] if name in WEEKDAYS else WEEKDAY_ABBREVIATIONS[name]


def _day_number(token: str) -> int:
    return int(token.rstrip("stndrh"))


def _count(token: str) -> int | None:
    token = " ".join(token.split())
    if token.isdigit():
        value = int(token)
        return value if 0 < value <= 100 else None
    return NUMBER_WORDS.get(token)


def _infer_day(month: int, day: int, ref: date, future: bool | None) -> date | None:
    """The nearest such day not after `ref` (past), not before it (future), or either way
    when the sentence gives no tense ("the window runs until 14 February")."""
    if future is None:
        before = _infer_day(month, day, ref, False)
        after = _infer_day(month, day, ref, True)
        if before is None or after is None:
            return before or after
        return after if (after - ref) < (ref - before) else before
    step = 1 if future else -1
    for offset in range(9):  # 9 years always reach a 29 February
        candidate = _safe_date(ref.year + step * offset, month, day)
        if candidate and ((candidate >= ref) if future else (candidate <= ref)):
            return candidate
    return None


def _year_by_weekday(month: int, day: int, weekday: int, ref: date) -> date | None:
    """ "Sunday, March 6": the year next to `ref` in which that day is that weekday."""
    for offset in (0, -1, 1):
        candidate = _safe_date(ref.year + offset, month, day)
        if candidate and candidate.weekday() == weekday:
            return candidate
    return None


def _infer_month(month: int, ref: date, future: bool | None, strict: bool = False) -> date:
    """The nearest such month not after `ref` (past), not before it (future), or either way
    when the sentence gives no tense."""
    if future is None:
        before = _infer_month(month, ref, False, strict)
        after = _infer_month(month, ref, True, strict)
        ref_month = date(ref.year, ref.month, 1)
        return after if (after - ref_month) < (ref_month - before) else before
    year = ref.year
    if future and (month < ref.month or (month == ref.month and strict)):
        year += 1
    if not future and (month > ref.month or (month == ref.month and strict)):
        year -= 1
    return date(year, month, 1)


def _weekday_date(weekday: int, ref: date, future: bool) -> date:
    if future:
        return ref + timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1)
    return ref - timedelta(days=(ref.weekday() - weekday - 1) % 7 + 1)


def _shift(ref: date, unit: str, count: int) -> tuple[date, str]:
    if unit == "day":
        return ref + timedelta(days=count), "day"
    if unit == "week":
        return _monday(ref + timedelta(weeks=count)), "week"
    if unit == "month":
        return _add_months(ref, count), "month"
    return date(ref.year + count, 1, 1), "year"


def _shift_anchor(anchor: tuple[date, str], unit: str, count: int) -> tuple[date, str] | None:
    """Move from the event before by whole units, if that event is precise enough."""
    day, granularity = anchor
    if GRANULARITIES.index(granularity) > GRANULARITIES.index(unit):
        return None  # "in 2019 ... two days later": no day to count from
    return _shift(day, unit, count)


# ---------------------------------------------------------------------------------------------
# Resolution


class _Document:
    """The text, its sentences and the tense cues of each sentence (found when first asked)."""

    def __init__(self, text: str, language: str | None = None) -> None:
        self.text = text
        self.language = language
        self.spans = sentence_spans(text) or [(0, len(text))]
        self.starts = [start for start, _ in self.spans]
        self._cues: dict[int, list[tuple[int, int, bool]]] = {}

    def sentence_of(self, position: int) -> int:
        return max(0, bisect.bisect_right(self.starts, position) - 1)

    def sentence_text(self, sentence: int) -> str:
        start, end = self.spans[sentence]
        return self.text[start:end]

    def cues(self, sentence: int) -> list[tuple[int, int, bool]]:
        """(start, end, points_forward) of each tense cue word in the sentence."""
        if sentence not in self._cues:
            self._cues[sentence] = list(_tense_cues(self.text, *self.spans[sentence]))
        return self._cues[sentence]

    def is_future(self, mention: _Mention, sentence: int) -> bool | None:
        """Whether the tense cue nearest to the mention points forward; None without cues,
        and None for a new deadline ("was extended to May 31" may still lie ahead)."""
        if _word_before(self.text, mention.start).lower() in DEADLINE_PREPOSITIONS:
            start, end = self.spans[sentence]
            deferral = DEFERRAL_VERBS.search(self.text, start, end)
            if deferral and not (deferral.group().lower() in ("set", "fixed") and _word_before(
                    self.text, deferral.start()).lower() in ("is", "are", "be", "now")):
                return None  # "are set for Nov. 5" is ahead; "was extended to May 31" unsaid
        best: tuple[int, bool] | None = None
        for position, word_end, future in self.cues(sentence):
            if mention.start <= position < mention.end:
                continue
            if position < mention.start:
                distance = mention.start - word_end
            else:
                distance = position - mention.end + 1  # a tie goes to the verb before
            if best is None or distance < best[0]:
                best = (distance, future)
        return None if best is None else best[1]


def _tense_cues(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    found_words = list(WORD.finditer(text, start, end))
    words = [(found.start(), found.group().lower()) for found in found_words]
    count = len(words)
    for index, (position, word) in enumerate(words):
        if word in MODALS and found_words[index].group()[0].islower():  # not "May"
            following = words[index + 1][1] if index + 1 < count else ""
            cue: bool | None = following != "have"  # "may resume", not "may have left"
        else:
            cue = _tense_of(words, index, count)
            if cue is False and index and found_words[index].group()[0].isupper() and (
                    word not in PAST_WORDS):
                cue = None  # "Westfield United" is a name, not a verb
            if cue is False and position > start and text[position - 1] in "-‐":
                cue = None  # "white-coated pups", "state-owned firm": adjectives
        if cue is not None:
            yield position, position + len(word), cue


def _tense_of(words: list[tuple[int, str]], index: int, count: int) -> bool | None:
    """True when the word points forward, False when back, None when it says neither."""
    word = words[index][1]
    previous = words[index - 1][1] if index else ""
    following = words[index + 1][1] if index + 1 < count else ""
    after_next = words[index + 2][1] if index + 2 < count else ""
    if word in FUTURE_WORDS or word.endswith(("'ll", "’ll")):
        return True
    if word in ("is", "are", "am") and (
        following in ("to", "due", "expected", "on", "scheduled", "slated")
        or (following in ("going", "set") and after_next == "to")
    ):
        return True
    if word in ("plan", "plans", "planning", "intend", "intends") and following == "to":
        return True
    if word == "set" and following == "for" and previous in ("is", "are", "be", "now", "'s"):
        return True  # "the talks are set for Nov. 5"
    if (word, following) in SCHEDULE_PHRASES and previous not in LINKING_BEFORE_SCHEDULE:
        return True
    if word in ("comes", "come") and following == "into" and after_next == "force":
        return True
    if word == "to" and following == "be" and after_next == "held":
        return True
    if word in SCHEDULE_VERBS and previous not in LINKING_BEFORE_SCHEDULE and not _is_past(
            previous):
        return True  # "talks resume", not "stayed open" or "forced to close"
    if _is_past(word) and previous not in BASE_FORM_BEFORE:
        return False
    return None


def _is_past(word: str) -> bool:
    return word in PAST_WORDS or (
        len(word) >= 4 and word.endswith("ed") and not word.endswith("eed")
        and word not in NOT_PAST_ED)


@dataclass(slots=True)
class _Story:
    """What the text has said so far: the event before, and the last one with a year in it."""

    anchor: tuple[date, str] | None = None
    dated: tuple[date, str] | None = None
    dated_sentence: int = -2

    def narrative(self, sentence: int) -> tuple[date, str] | None:
        """An explicit date in this sentence or the one before: "in August 2020 ... in
        September" is September 2020, not the last September before publication."""
        if self.dated is None:
            return None
        if self.dated[1] in ("year", "decade"):
            # "In 2012 he fled ... He was evicted in April": April before publication
            return self.dated if sentence == self.dated_sentence else None
        return self.dated if sentence - self.dated_sentence <= 1 else None


EXPLICIT_YEAR_KINDS = frozenset(["iso", "month_year", "year"])


def _resolve(
    mention: _Mention, doc: _Document, sentence: int, ref: date, story: _Story
) -> Iterator[tuple[date, str]]:
    """The (date, granularity) pairs a mention stands for; nothing when it is a trap."""
    anchor = story.anchor
    kind = mention.kind
    f = mention.fields
    if kind == "iso":
        found = _safe_date(int(f["year"] or 0), int(f["month"] or 0), int(f["day"] or 0))
        if found:
            yield found, "day"
    elif kind in ("month_day", "day_month"):
        yield from _resolve_day_of_month(mention, doc, sentence, ref, story.narrative(sentence))
    elif kind == "month_year":
        yield date(int(f["year"] or 0), _month_number(f["month"] or ""), 1), "month"
    elif kind in ("month_alone", "month_pair"):
        yield from _resolve_month(mention, doc, sentence, ref, story.narrative(sentence))
    elif kind == "weekday":
        yield from _resolve_weekday(mention, doc, sentence, ref)
    elif kind == "relative":
        yield from _resolve_relative(mention, doc.text, ref)
    elif kind in ("ago", "later"):
        count = _count(f["n"] or "")
        unit = f["unit"] or "day"
        if count is None:
            return
        if unit == "fortnight":
            unit, count = "week", 2 * count
        if kind == "ago":
            yield _shift(ref, unit, -count)
        elif anchor is not None:
            backwards = (f["dir"] or "").startswith(("earlier", "before"))
            shifted = _shift_anchor(anchor, unit, -count if backwards else count)
            if shifted:
                yield shifted
    elif kind == "sequel":
        yield from _resolve_sequel(mention, doc.text, anchor)
    elif kind == "decade":
        yield from _resolve_decade(mention, ref, doc.sentence_text(sentence))
    elif kind == "year":
        yield from _resolve_year(mention, doc.text)
    elif kind == "numeric":
        yield from _resolve_numeric(mention, ref, doc.language)
    elif kind in PERIOD_RESOLVERS:
        yield from PERIOD_RESOLVERS[kind](mention, doc, sentence, ref)


def _resolve_day_of_month(
    mention: _Mention, doc: _Document, sentence: int, ref: date,
    narrative: tuple[date, str] | None,
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    month = _month_number(f["month"] or "")
    days = [_day_number(f["day"] or "")] + ([_day_number(f["day2"])] if f["day2"] else [])
    if days != sorted(days):
        days = days[:1]  # "6 and 2 January" is not a range
    if not f["year"] and mention.kind == "month_day":
        after = _word_after(doc.text, mention.end)
        if after in QUANTITY_AFTER:
            return  # "March 3 people" is not a date
    future = doc.is_future(mention, sentence)
    weekday = _weekday_number(f["weekday"]) if f["weekday"] else None
    first: date | None = None
    for day in days:
        if f["year"]:
            found = _safe_date(int(f["year"]), month, day)
        elif first is not None:
            found = _safe_date(first.year, month, day)  # "13 to 19 January": one year
        elif weekday is not None:
            found = _year_by_weekday(month, day, weekday, ref) or _infer_day(
                month, day, ref, future)
        elif narrative is not None and narrative[0].year != ref.year and not (
                future and narrative[0] < ref):
            found = _after_narrative(narrative, month, day)
        else:
            found = _infer_day(month, day, ref, future)
        if found:
            first = first or found
            yield found, "day"


def _after_narrative(narrative: tuple[date, str], month: int, day: int = 1) -> date | None:
    """The first such date in the narrative's year (a year) or from its date on (a day or
    month)."""
    start, granularity = narrative
    if granularity == "year":
        return _safe_date(start.year, month, day)
    found = _safe_date(start.year, month, day)
    if found and found < start.replace(day=1):
        found = _safe_date(start.year + 1, month, day)
    return found


def _resolve_month(
    mention: _Mention, doc: _Document, sentence: int, ref: date,
    narrative: tuple[date, str] | None,
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    prep = f["prep"]
    months = [_month_number(f["month"] or "")]
    if f.get("month2"):
        months.append(_month_number(f["month2"] or ""))
    future = doc.is_future(mention, sentence)
    for month in months:
        if prep == "last":
            yield _infer_month(month, ref, future=False, strict=True), "month"
        elif prep == "next":
            yield _infer_month(month, ref, future=True, strict=True), "month"
        elif prep == "this":
            yield date(ref.year, month, 1), "month"
        elif narrative is not None and narrative[0].year != ref.year and not (
                future and narrative[0] < ref):
            # "bought in 2009 ... will stop in June": the future tense speaks from publication
            found = _after_narrative(narrative, month)
            if found:
                yield found, "month"
        else:
            yield _infer_month(month, ref, future), "month"


def _resolve_weekday(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    name = f["weekday"] or ""
    name_start = mention.end - len(name)
    before = _word_before(doc.text, name_start).lower()
    after = _word_after(doc.text, mention.end)
    mod = " ".join((f["mod"] or "").split())
    if not mod and before in WEEKDAY_NAMES_BEFORE:
        return  # "Bloody Sunday", "every Monday"
    if after.lower() in WEEKDAY_NAMES_AFTER and after[:1].isupper():
        return  # "the Sunday Times"
    weekday = _weekday_number(name)
    if name.endswith(".") and not mod and not after[:1].isdigit() and after.lower() not in (
            MONTHS.keys() | MONTH_ABBREVIATIONS.keys()):
        return  # "Sun." alone may be a newspaper's name cut short: only "on Sun.", "Sun. 5"
    if mod == "last":
        future = False
    elif mod in ("next", "this coming"):
        future = True
    elif weekday == ref.weekday():
        yield ref, "day"  # "out Monday" in a Monday article: that day, in news style
        return
    elif mod == "this":
        future = doc.is_future(mention, sentence) is not False
    else:
        future = doc.is_future(mention, sentence) is True
    yield _weekday_date(weekday, ref, future), "day"


def _resolve_relative(mention: _Mention, text: str, ref: date) -> Iterator[tuple[date, str]]:
    f = mention.fields
    phrase = " ".join((f["phrase"] or "").split())
    before = _word_before(text, mention.start).lower()
    if phrase in ("today", "tonight") and before in ("usa", "the"):
        return  # "USA Today", "the Today programme"
    if phrase == "today" and _today_means_nowadays(text, mention, before):
        return
    if phrase == "the day after tomorrow":
        yield ref + timedelta(days=2), "day"
    elif phrase == "the day before yesterday":
        yield ref - timedelta(days=2), "day"
    elif phrase in ("yesterday", "last night"):
        yield ref - timedelta(days=1), "day"
    elif phrase in ("today", "tonight") or f["this"] in ("morning", "afternoon", "evening"):
        yield ref, "day"
    elif phrase == "tomorrow":
        yield ref + timedelta(days=1), "day"
    elif f["this"]:
        yield _shift(ref, f["this"], 0)
    elif f["step"] and f["unit"]:
        if before in ("the", "over", "within", "past") or before.endswith("s") and before in (
                "its", "his", "hers", "theirs"):
            return  # "the last week of June", "over the next year": spans, not dates
        yield _shift(ref, f["unit"], -1 if f["step"] == "last" else 1)


_STILL = re.compile(r"(?i:\b(?:still|continues?|continuing|remains?|nowadays)\b)")


def _today_means_nowadays(text: str, mention: _Mention, before: str) -> bool:
    """ "still angry today", "today's origami", "the industry today": now, not a day."""
    if text.startswith(("'s", "’s"), mention.end):
        return _word_after(text, mention.end + 2).lower() not in TODAY_EVENT_NOUNS
    if before in TODAY_NOT_A_DAY_BEFORE:
        return True
    start = text.rfind("\n", 0, mention.start) + 1
    return _STILL.search(text, max(start, mention.start - 80), mention.start) is not None


def _resolve_sequel(
    mention: _Mention, text: str, anchor: tuple[date, str] | None
) -> Iterator[tuple[date, str]]:
    if anchor is None:
        return
    f = mention.fields
    if f["which"]:
        unit = f["unit"] or "day"
        if unit in ("morning", "afternoon", "evening", "night"):
            unit = "day"
        if unit != "day" and _word_before(text, mention.start).lower() in DURATION_BEFORE:
            return  # "over the next week" is a span from now
        step = -1 if f["which"] in ("previous", "preceding") else 1
        shifted = _shift_anchor(anchor, unit, step)
    elif f["dir"]:
        shifted = _shift_anchor(anchor, "day", 1 if f["dir"] == "after" else -1)
    else:
        shifted = anchor if anchor[1] == "day" else None  # "that same day"
    if shifted:
        yield shifted


def _resolve_decade(mention: _Mention, ref: date, sentence: str) -> Iterator[tuple[date, str]]:
    f = mention.fields
    if f.get("full"):
        yield date(int(f["full"] or 0), 1, 1), "decade"
        return
    if f.get("bare") and TEMPERATURE_WORDS.search(sentence):
        return  # "temperatures in the 90s"
    year = 2000 + int(f.get("short") or f.get("bare") or 0)
    if year + 9 > ref.year:  # a decade not over yet: "the '20s" are the 1920s
        year -= 100
    yield date(year, 1, 1), "decade"


def _resolve_year(mention: _Mention, text: str) -> Iterator[tuple[date, str]]:
    f = mention.fields
    year = int(f["year"] or 0)
    before = _word_before(text, mention.start).lower()
    after = _word_after(text, mention.end)
    after_lower = after.lower()
    strong = before in STRONG_YEAR_PREPOSITIONS
    if any(symbol in text[max(0, mention.start - 2):mention.start] for symbol in "$£€"):
        return
    if before in QUANTITY_BEFORE and not strong:
        return  # "about 2020", "version 2020", "at 1930"
    if year < 1900 and not strong:
        return
    if DESIGNATION_AFTER_YEAR.match(text, mention.end):
        return  # "2003 EH1" names an asteroid
    if text[mention.start - 1:mention.start] == "(" and text[mention.end:mention.end + 1] == ")":
        return  # "(2018)": a citation or a film's year, not the story's
    if after_lower in PRODUCT_AFTER_YEAR or before in PRODUCT_BEFORE_YEAR:
        return  # "WeWork's 2025 bond", "Windows Server 2019"
    lower_case_next = after == after_lower and text[mention.end:mention.end + 1] == " "
    if lower_case_next and after_lower in QUANTITY_AFTER:
        if not strong or before == "of" or after_lower in ("million", "billion", "percent"):
            return  # "2020 people", "a crowd of 2020 people"
    elif (lower_case_next and after.endswith("s") and not after.endswith(("ss", "us", "is"))
          and after_lower not in EVENT_NOUNS_PLURAL and after_lower not in VERBS_AFTER_YEAR
          and not strong):
        return  # "2020 workers"
    yield date(year, 1, 1), "year"
    second = f["year2"]
    if second and len(second) == 4 and int(second) > year:
        yield date(int(second), 1, 1), "year"


# ---------------------------------------------------------------------------------------------
# Numeric dates and periods (weekends, seasons, quarters, ends, "in two weeks", "on the 3rd")

# Languages (and English regions) that write the day first; en-US and en-PH write the month
# first. A numeric date whose order neither a number over 12 nor the language settles is left
# out: two readings are a guess.
MONTH_FIRST_REGIONS = ("en-us", "en_us", "en-ph", "en_ph", "us")


def _month_first(language: str | None) -> bool | None:
    if not language:
        return None
    code = language.strip().lower()
    if code.startswith(MONTH_FIRST_REGIONS):
        return True
    if code in ("en", "en-"):
        return None  # English of no stated region: either order
    return False


def _resolve_numeric(
    mention: _Mention, ref: date, language: str | None
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    first, second, year = int(f["a"] or 0), int(f["b"] or 0), int(f["year"] or 0)
    if f["sep"] == ".":
        readings = [(second, first)]  # "31.01.2021" is day first everywhere it is written
    elif first > 12:
        readings = [(second, first)]
    elif second > 12:
        readings = [(first, second)]
    elif first == second:
        readings = [(first, second)]
    else:
        month_first = _month_first(language)
        if month_first is None:
            return
        readings = [(first, second) if month_first else (second, first)]
    for month, day in readings:
        found = _safe_date(year, month, day)
        if found and abs(found.year - ref.year) <= 100:
            yield found, "day"


def _saturday(ref: date) -> date:
    return _monday(ref) + timedelta(days=5)


WEEKEND_PREPOSITIONS = frozenset(
    "over at during by on until till since for through throughout all before after".split())


def _resolve_weekend(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    mod = " ".join((mention.fields["mod"] or "").split())
    before = _word_before(doc.text, mention.start).lower()
    if mod == "the":
        if (before not in WEEKEND_PREPOSITIONS and not _is_past(before)) or doc.text.startswith(
                " of", mention.end):
            return  # "the last weekend of the festival", "the weekend of 5 June"
    elif mod in ("last", "next") and before in ("the", "every", "each"):
        return  # "the last weekend of"
    this = _saturday(ref)
    at_weekend = ref.weekday() >= 5
    if mod in ("last", "this past", "the past"):
        day = this - timedelta(days=7)
    elif mod in ("next", "this coming", "the coming"):
        day = this + timedelta(days=7) if at_weekend and mod == "next" else this
    elif at_weekend:
        day = this
    else:
        day = this if doc.is_future(mention, sentence) is True else this - timedelta(days=7)
    yield day, "weekend"


def _season_start(season: str, year: int) -> date:
    return date(year, SEASON_MONTHS[season], 1)


def _season_instance(season: str, ref: date, mode: str) -> date:
    """The season's start: `past` the latest one over by `ref`, `started` the latest begun by
    it, `coming` the first not over by it, `next` the first that begins after it."""
    starts = [_season_start(season, year) for year in range(ref.year - 2, ref.year + 2)]
    if mode == "past":
        return max(start for start in starts if _add_months(start, 3) <= ref)
    if mode == "started":
        return max(start for start in starts if start <= ref)
    if mode == "coming":
        return min(start for start in starts if _add_months(start, 3) > ref)
    return min(start for start in starts if start > ref)


SEASON_PREPOSITIONS = frozenset(
    "in during over by until till since through throughout before after into for".split())


def _resolve_season(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    season = f["season"] or ""
    mod = " ".join((f["mod"] or "").split())
    original = doc.text[mention.start:mention.end]
    word_at = original.lower().find(season)
    capital = original[word_at:word_at + 1].isupper()
    following = _word_after(doc.text, mention.end)
    if capital and following[:1].isupper() and not f["year"]:
        return  # "Winter Games", "Autumn Calabrese"
    if f["year"]:
        if season == "winter":
            return  # "winter 2020": December 2019 or 2020? No guess.
        yield _season_start(season, int(f["year"])), "season"
        return
    before = _word_before(doc.text, mention.start).lower()
    if mod in ("", "the", "early", "late", "mid", "mid-"):
        if before not in SEASON_PREPOSITIONS:
            return  # "spring for the wheels", "that summer", "Spring is here"
    future = doc.is_future(mention, sentence)
    if mod in ("last", "this past"):
        yield _season_instance(season, ref, "past"), "season"
    elif mod == "next":
        yield _season_instance(season, ref, "next"), "season"
    elif mod == "this":
        yield _season_instance(season, ref, "started" if future is False else "coming"), (
            "season")
    elif future is True:
        yield _season_instance(season, ref, "coming"), "season"
    else:
        yield _season_instance(season, ref, "started"), "season"


def _resolve_quarter(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    start, end = doc.spans[sentence]
    if f["number"] and not doc.text[mention.start:mention.start + 1] == "Q":
        return
    if f["month"]:
        number = MONTHS[f["month"]] // 3
    else:
        number = int(f["number"]) if f["number"] else ORDINAL_QUARTERS[f["ordinal"] or ""]
    if not f["year"]:
        if not QUARTER_CONTEXT.search(doc.text, start, end) or SPORTS_CONTEXT.search(
                doc.text, start, end):
            return  # "24 points in the third quarter" is a game's
    first_month = 3 * (number - 1) + 1
    if f["year"]:
        yield date(int(f["year"]), first_month, 1), "quarter"
        return
    starts = [date(year, first_month, 1) for year in range(ref.year - 1, ref.year + 2)]
    if doc.is_future(mention, sentence) is True:
        yield min(s for s in starts if _add_months(s, 3) > ref), "quarter"
    else:
        yield max(s for s in starts if s <= ref), "quarter"


def _resolve_period_end(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    step = {"next": 1, "last": -1}.get(f["which"] or "", 0)
    if step == 0 and doc.is_future(mention, sentence) is False and not (
            f["unit"] == "year" and ref.month == 12):
        return  # "sales fell by the end of the year": which year's end is not said
    if f["unit"] == "year":
        yield date(ref.year + step, 12, 1), "month"
    else:
        yield _add_months(date(ref.year, ref.month, 1), step), "month"


def _resolve_in_units(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    count = _count(f["n"] or "")
    if count is None or doc.is_future(mention, sentence) is not True:
        return  # "sold out in two weeks" is a duration
    yield _shift(ref, f["unit"] or "day", count)


def _resolve_ordinal_day(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    after = doc.text[mention.end:mention.end + 1]
    if after and after.isalnum():
        return
    following = _word_after(doc.text, mention.end)
    if after == " " and following and following.lower() not in ORDINAL_FOLLOWERS:
        return  # "on the 3rd floor", "on the 19th of January" (read as a date elsewhere)
    day = int(mention.fields["day"] or 0)
    if doc.is_future(mention, sentence) is True:
        month = date(ref.year, ref.month, 1) if day >= ref.day else _add_months(ref, 1)
    else:
        month = date(ref.year, ref.month, 1) if day <= ref.day else _add_months(ref, -1)
    found = _safe_date(month.year, month.month, day)
    if found:
        yield found, "day"


PERIOD_RESOLVERS = {
    "weekend": _resolve_weekend,
    "season": _resolve_season,
    "quarter": _resolve_quarter,
    "period_end": _resolve_period_end,
    "in_units": _resolve_in_units,
    "ordinal_day": _resolve_ordinal_day,
}


# ---------------------------------------------------------------------------------------------
# Public


def _snippet(sentence: str) -> str:
    """The sentence on one line, cut at a word boundary near SNIPPET_LIMIT characters."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= SNIPPET_LIMIT:
        return sentence
    cut = sentence.rfind(" ", 0, SNIPPET_LIMIT)
    if cut < SNIPPET_LIMIT // 2:
        cut = SNIPPET_LIMIT
    return sentence[:cut].rstrip(" ,;:-–—") + "…"


_OPENING_BRACKET = re.compile(r"\s*\(\s*")


def _glossed(text: str, mention: _Mention, following: _Mention | None) -> bool:
    """A relative day or weekday glossed by a date in brackets right after it."""
    if following is None or mention.kind not in ("relative", "weekday"):
        return False
    gap = _OPENING_BRACKET.fullmatch(text, mention.end, following.start)
    return gap is not None and following.kind in ("month_day", "day_month", "iso")


ABSOLUTE_KINDS = frozenset(["iso", "numeric", "month_year", "year", "decade"])


def _needs_reference(mention: _Mention) -> bool:
    """Whether the mention means nothing without a publication date ("on Sunday")."""
    if mention.kind in ABSOLUTE_KINDS:
        return mention.kind == "decade" and not mention.fields.get("full")
    return not mention.fields.get("year")


def events(
    text: str, published: datetime | date | None, *, language: str | None = None
) -> list[Event]:
    """Every dated event that `text` mentions, resolved against the publication date.

    Relative mentions ("two days later", "the next day") count from the event before them;
    weekdays and month names without a year look back from `published` unless the sentence
    speaks of the future. With no `published` date only what carries its own year is dated:
    the day an item was fetched is no anchor. `language` (the feed's, "en-US", "de") settles
    numeric dates such as 06/01/2022. Sorted by position; several events may share a sentence.
    """
    if not text or not text.strip():
        return []
    anchored = published is not None
    if published is None:
        ref = date(2000, 1, 1)  # never used: mentions that need it are skipped
    else:
        ref = published.date() if isinstance(published, datetime) else published
    doc = _Document(text, language)
    result: list[Event] = []
    story = _Story()
    seen: set[tuple[int, date, str]] = set()
    snippets: dict[int, str] = {}
    mentions = _mentions(text)
    for index, mention in enumerate(mentions):
        sentence = doc.sentence_of(mention.start)
        start, end = doc.spans[sentence]
        if mention.end > end:
            continue  # a match across a sentence break is not one mention
        if _glossed(text, mention, mentions[index + 1] if index + 1 < len(mentions) else None):
            continue  # "today (Nov. 18)": the date in brackets says which day; one event
        if not anchored and _needs_reference(mention):
            continue
        if end - start < 120 and BYLINE.match(text, start):
            continue  # "By Ruben Schade in Sydney, 2023-01-10": the page's own date
        explicit = mention.kind in EXPLICIT_YEAR_KINDS or bool(mention.fields.get("year"))
        try:
            resolved = list(_resolve(mention, doc, sentence, ref, story))
        except (OverflowError, ValueError):
            continue  # "tomorrow" on 31 December 9999: no such date
        if resolved and mention.kind in ("month_day", "day_month", "iso", "numeric") and (
                WEEK_OF_BEFORE.search(text, max(0, mention.start - 16), mention.start)):
            resolved = [(_monday(resolved[0][0]), "week")]  # "the week of 18 Nov": one week
        for day, granularity in resolved:
            story.anchor = (day, granularity)
            if explicit:
                story.dated, story.dated_sentence = (day, granularity), sentence
            if (sentence, day, granularity) in seen:
                continue
            seen.add((sentence, day, granularity))
            if sentence not in snippets:
                snippets[sentence] = _snippet(text[start:end])
            result.append(Event(day, granularity, snippets[sentence], start))
    return result
