"""Dated events in an article's text, resolved against its publication date.

Our own rules, standard library only. General date parsers read "we" as Wednesday and "may" as
a month; these rules look only for the shapes newspapers use ("on Sunday", "last week",
"6 January", "in 2020", "two days later") and check the words around each one before they
believe it.

Speed matters (this runs on every article the reader opens): every pattern is compiled at
import and starts with a literal (a month name, a weekday, a digit), so the regular-expression
engine can skip ahead; word boundaries and the words before a match are checked in Python.

The parts: the words and patterns (`feeds.date_words`), sentences (`feeds.sentences`), where a
date might be (`feeds.mentions`), tense (`feeds.tense`), calendar arithmetic
(`feeds.calendar_math`), numeric dates and periods (`feeds.periods`). This module reads the
mentions in story order, resolves the classic shapes and builds the events.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from feeds.calendar_math import (
    count_of,
    day_number,
    infer_day,
    infer_month,
    monday_of,
    month_number,
    safe_date,
    shift,
    shift_anchor,
    weekday_date,
    weekday_number,
    year_by_weekday,
)
from feeds.date_words import (
    BYLINE,
    DESIGNATION_AFTER_YEAR,
    DURATION_BEFORE,
    EVENT_NOUNS_PLURAL,
    MONTH_ABBREVIATIONS,
    MONTHS,
    PRODUCT_AFTER_YEAR,
    PRODUCT_BEFORE_YEAR,
    QUANTITY_AFTER,
    QUANTITY_BEFORE,
    STRONG_YEAR_PREPOSITIONS,
    TEMPERATURE_WORDS,
    TODAY_EVENT_NOUNS,
    TODAY_NOT_A_DAY_BEFORE,
    VERBS_AFTER_YEAR,
    WEEK_OF_BEFORE,
    WEEKDAY_NAMES_AFTER,
    WEEKDAY_NAMES_BEFORE,
    YEAR_EVENT_WORDS,
)
from feeds.mentions import (
    Mention,
    find_mentions,
    word_after,
    word_before,
)
from feeds.model import Event, UndatedEvent
from feeds.periods import (
    PERIOD_RESOLVERS,
    resolve_numeric,
)
from feeds.sentences import (
    sentence_spans,
)
from feeds.tense import (
    Document,
)

__all__ = ["events", "sentence_spans", "undated_events"]

SNIPPET_LIMIT = 120


@dataclass(slots=True)
class _Story:
    """What the text has said so far: the event before, and the last one with a year in it."""

    anchor: tuple[date, str] | None = None
    dated: tuple[date, str] | None = None
    dated_sentence: int = -2
    # "Monday night (Nov. 18)": the weekday the bracketed date after it falls on
    glossed_weekday: int | None = None

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
    mention: Mention, doc: Document, sentence: int, ref: date, story: _Story
) -> Iterator[tuple[date, str]]:
    """The (date, granularity) pairs a mention stands for; nothing when it is a trap."""
    anchor = story.anchor
    kind = mention.kind
    f = mention.fields
    if kind == "iso":
        found = safe_date(int(f["year"] or 0), int(f["month"] or 0), int(f["day"] or 0))
        if found:
            yield found, "day"
    elif kind in ("month_day", "day_month"):
        yield from _resolve_day_of_month(mention, doc, sentence, ref, story.narrative(sentence),
                                         story.glossed_weekday)
    elif kind == "month_year":
        yield date(int(f["year"] or 0), month_number(f["month"] or ""), 1), "month"
    elif kind in ("month_alone", "month_pair"):
        yield from _resolve_month(mention, doc, sentence, ref, story.narrative(sentence))
    elif kind == "weekday":
        yield from _resolve_weekday(mention, doc, sentence, ref)
    elif kind == "relative":
        yield from _resolve_relative(mention, doc.text, ref)
    elif kind in ("ago", "later"):
        count = count_of(f["n"] or "")
        unit = f["unit"] or "day"
        if count is None:
            return
        if unit == "fortnight":
            unit, count = "week", 2 * count
        if kind == "ago":
            if _AGO_TODAY.match(doc.text, mention.end):
                # "ten years ago today": that very day, ten years back
                day = safe_date(ref.year - count, ref.month, ref.day) if unit == "year" else (
                    shift(ref, unit, -count)[0] if unit == "day" else None)
                if day:
                    yield day, "day"
                    return
            yield shift(ref, unit, -count)
        elif anchor is not None:
            backwards = (f["dir"] or "").startswith(("earlier", "before"))
            shifted = shift_anchor(anchor, unit, -count if backwards else count)
            if shifted:
                yield shifted
    elif kind == "sequel":
        yield from _resolve_sequel(mention, doc.text, anchor)
    elif kind == "decade":
        yield from _resolve_decade(mention, ref, doc.sentence_text(sentence))
    elif kind == "year":
        yield from _resolve_year(mention, doc.text)
    elif kind == "numeric":
        yield from resolve_numeric(mention, doc, sentence, ref)
    elif kind in PERIOD_RESOLVERS:
        yield from PERIOD_RESOLVERS[kind](mention, doc, sentence, ref)


def _resolve_day_of_month(
    mention: Mention, doc: Document, sentence: int, ref: date,
    narrative: tuple[date, str] | None, glossed_weekday: int | None = None,
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    month = month_number(f["month"] or "")
    days = [day_number(f["day"] or "")] + ([day_number(f["day2"])] if f["day2"] else [])
    if days != sorted(days):
        days = days[:1]  # "6 and 2 January" is not a range
    if not f["year"] and mention.kind == "month_day":
        after = word_after(doc.text, mention.end)
        if after in QUANTITY_AFTER:
            return  # "March 3 people" is not a date
    future = doc.is_future(mention, sentence)
    weekday = weekday_number(f["weekday"]) if f["weekday"] else glossed_weekday
    first: date | None = None
    for day in days:
        if f["year"]:
            found = safe_date(int(f["year"]), month, day)
        elif first is not None:
            found = safe_date(first.year, month, day)  # "13 to 19 January": one year
        elif weekday is not None:
            found = year_by_weekday(month, day, weekday, ref) or infer_day(
                month, day, ref, future)
        elif narrative is not None and narrative[0].year != ref.year and not (
                future and narrative[0] < ref):
            found = _after_narrative(narrative, month, day)
        else:
            found = infer_day(month, day, ref, future)
        if found:
            first = first or found
            yield found, "day"


def _after_narrative(narrative: tuple[date, str], month: int, day: int = 1) -> date | None:
    """The first such date in the narrative's year (a year) or from its date on (a day or
    month)."""
    start, granularity = narrative
    if granularity == "year":
        return safe_date(start.year, month, day)
    found = safe_date(start.year, month, day)
    if found and found < start.replace(day=1):
        found = safe_date(start.year + 1, month, day)
    return found


def _resolve_month(
    mention: Mention, doc: Document, sentence: int, ref: date,
    narrative: tuple[date, str] | None,
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    prep = f["prep"]
    months = [month_number(f["month"] or "")]
    if f.get("month2"):
        months.append(month_number(f["month2"] or ""))
    future = doc.is_future(mention, sentence)
    for month in months:
        if prep == "last":
            yield infer_month(month, ref, future=False, strict=True), "month"
        elif prep == "next":
            yield infer_month(month, ref, future=True, strict=True), "month"
        elif prep == "this":
            yield date(ref.year, month, 1), "month"
        elif narrative is not None and narrative[0].year != ref.year and not (
                future and narrative[0] < ref):
            # "bought in 2009 ... will stop in June": the future tense speaks from publication
            found = _after_narrative(narrative, month)
            if found:
                yield found, "month"
        else:
            yield infer_month(month, ref, future), "month"


def _resolve_weekday(
    mention: Mention, doc: Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    name = f["weekday"] or ""
    name_start = mention.end - len(name)
    before = word_before(doc.text, name_start).lower()
    after = word_after(doc.text, mention.end)
    mod = " ".join((f["mod"] or "").split())
    if not mod and before in WEEKDAY_NAMES_BEFORE:
        return  # "Bloody Sunday", "every Monday"
    if after.lower() in WEEKDAY_NAMES_AFTER and after[:1].isupper():
        return  # "the Sunday Times"
    weekday = weekday_number(name)
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
    yield weekday_date(weekday, ref, future), "day"


def _resolve_relative(mention: Mention, text: str, ref: date) -> Iterator[tuple[date, str]]:
    f = mention.fields
    phrase = " ".join((f["phrase"] or "").split())
    before = word_before(text, mention.start).lower()
    if phrase in ("today", "tonight") and before in ("usa", "the"):
        return  # "USA Today", "the Today programme"
    if phrase == "today" and _today_means_nowadays(text, mention, before):
        return
    if phrase == "today" and _AGO_BEFORE_TODAY.search(text, max(0, mention.start - 8),
                                                      mention.start):
        return  # "ten years ago today": the day ten years back, given by "ago"
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
        yield shift(ref, f["this"], 0)
    elif f["step"] and f["unit"]:
        if before in ("the", "over", "within", "past") or before.endswith("s") and before in (
                "its", "his", "hers", "theirs"):
            return  # "the last week of June", "over the next year": spans, not dates
        yield shift(ref, f["unit"], -1 if f["step"] == "last" else 1)


_AGO_TODAY = re.compile(r"\s+today\b")
_AGO_BEFORE_TODAY = re.compile(r"(?i:\bago\s+)$")
_STILL = re.compile(r"(?i:\b(?:still|continues?|continuing|remains?|nowadays)\b)")


def _today_means_nowadays(text: str, mention: Mention, before: str) -> bool:
    """ "still angry today", "today's origami", "the industry today": now, not a day."""
    if text.startswith(("'s", "’s"), mention.end):
        return word_after(text, mention.end + 2).lower() not in TODAY_EVENT_NOUNS
    if before in TODAY_NOT_A_DAY_BEFORE:
        return True
    start = text.rfind("\n", 0, mention.start) + 1
    return _STILL.search(text, max(start, mention.start - 80), mention.start) is not None


def _resolve_sequel(
    mention: Mention, text: str, anchor: tuple[date, str] | None
) -> Iterator[tuple[date, str]]:
    if anchor is None:
        return
    f = mention.fields
    if f["which"]:
        unit = f["unit"] or "day"
        if unit in ("morning", "afternoon", "evening", "night"):
            unit = "day"
        if unit != "day" and word_before(text, mention.start).lower() in DURATION_BEFORE:
            return  # "over the next week" is a span from now
        step = -1 if f["which"] in ("previous", "preceding") else 1
        shifted = shift_anchor(anchor, unit, step)
    elif f["dir"]:
        shifted = shift_anchor(anchor, "day", 1 if f["dir"] == "after" else -1)
    else:
        shifted = anchor if anchor[1] == "day" else None  # "that same day"
    if shifted:
        yield shifted


def _resolve_decade(mention: Mention, ref: date, sentence: str) -> Iterator[tuple[date, str]]:
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


def _resolve_year(mention: Mention, text: str) -> Iterator[tuple[date, str]]:
    f = mention.fields
    year = int(f["year"] or 0)
    before = word_before(text, mention.start).lower()
    after = word_after(text, mention.end)
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
    if _model_year(text, mention, before, after):
        return  # "the 2020 Sentra"
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


_WORDS_AFTER = re.compile(r"[\s\-]*([\w’'.\-]+)")


def _model_year(text: str, mention: Mention, before: str, after: str) -> bool:
    """ "the 2020 Sentra", "a 2016 MacBook Pro keyboard": a year right after an article and
    before a capitalised name, with no word naming an event among the four after it."""
    if before not in ("the", "a", "an") or not after[:1].isupper():
        return False
    if after.lower() in MONTHS or after.lower() in MONTH_ABBREVIATIONS:
        return False  # "the 2019 May elections"
    position, words = mention.end, []
    for _ in range(4):
        found = _WORDS_AFTER.match(text, position)
        if found is None:
            break
        words.append(found.group(1).lower().strip(".’'"))
        position = found.end()
    return not any(word in YEAR_EVENT_WORDS for word in words)


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


def _glossed(text: str, mention: Mention, following: Mention | None) -> bool:
    """A relative day or weekday glossed by a date in brackets right after it."""
    if following is None or mention.kind not in ("relative", "weekday"):
        return False
    gap = _OPENING_BRACKET.fullmatch(text, mention.end, following.start)
    return gap is not None and following.kind in ("month_day", "day_month", "iso")


ABSOLUTE_KINDS = frozenset(["iso", "numeric", "month_year", "year", "decade"])


def _needs_reference(mention: Mention) -> bool:
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
    the day an item was fetched is no anchor (`undated_events` lists the rest). `language`
    (the feed's, "en-US", "de") settles numeric dates such as 06/01/2022. Sorted by position;
    several events may share a sentence.
    """
    return _scan(text, published, language, keep_undated=False)[0]


def undated_events(text: str, *, language: str | None = None) -> list[UndatedEvent]:
    """The events of an undated text that only a publication date could date ("on
    Wednesday", "last month"): one per sentence, in order, for a sentence that gives no dated
    event (`events(text, None)`) of its own. They are shown as undated, never guessed."""
    return _scan(text, None, language, keep_undated=True)[1]


def _scan(
    text: str, published: datetime | date | None, language: str | None, *, keep_undated: bool
) -> tuple[list[Event], list[UndatedEvent]]:
    if not text or not text.strip():
        return [], []
    anchored = published is not None
    if published is None:
        ref = date(2000, 1, 1)  # a placeholder: what needs it is never dated against it
    else:
        ref = published.date() if isinstance(published, datetime) else published
    doc = Document(text, language, anchored=anchored)
    result: list[Event] = []
    undated: dict[int, UndatedEvent] = {}  # by sentence
    story = _Story()
    seen: set[tuple[int, date, str]] = set()
    snippets: dict[int, str] = {}
    mentions = find_mentions(text)
    glossing: dict[int, int] = {}  # mention index -> the weekday glossed by it
    for index, mention in enumerate(mentions):
        sentence = doc.sentence_of(mention.start)
        start, end = doc.spans[sentence]
        if mention.end > end:
            continue  # a match across a sentence break is not one mention
        if _glossed(text, mention, mentions[index + 1] if index + 1 < len(mentions) else None):
            # "today (Nov. 18)": the date in brackets says which day; one event. A weekday
            # gives that date its year: "Monday night (Nov. 18)" is the Nov. 18 on a Monday.
            if mention.kind == "weekday":
                glossing[index + 1] = weekday_number(mention.fields["weekday"] or "")
            continue
        needs_date = not anchored and _needs_reference(mention)
        if needs_date and not keep_undated:
            continue
        if end - start < 120 and BYLINE.match(text, start):
            continue  # "By Ruben Schade in Sydney, 2023-01-10": the page's own date
        explicit = mention.kind in EXPLICIT_YEAR_KINDS or bool(mention.fields.get("year"))
        story.glossed_weekday = glossing.get(index)
        try:
            resolved = list(_resolve(mention, doc, sentence, ref, story))
        except (OverflowError, ValueError):
            continue  # "tomorrow" on 31 December 9999: no such date
        finally:
            story.glossed_weekday = None
        if needs_date:
            # Resolved against the placeholder only to pass the same checks ("May" the verb,
            # "today" meaning nowadays); the dates themselves mean nothing and are dropped.
            if resolved and sentence not in undated:
                undated[sentence] = UndatedEvent(_snippet(text[start:end]), start)
            continue
        if resolved and mention.kind in ("month_day", "day_month", "iso", "numeric") and (
                WEEK_OF_BEFORE.search(text, max(0, mention.start - 16), mention.start)):
            resolved = [(monday_of(resolved[0][0]), "week")]  # "the week of 18 Nov": one week
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
    return result, [event for sentence, event in undated.items() if sentence not in snippets]
