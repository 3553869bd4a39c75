"""Numeric dates and periods: "06/01/2022", weekends, seasons, quarters, the end of a month
or year, "in two weeks", "on the 3rd" (issue 17).

Each resolver takes a mention, its document, its sentence and the publication date, and yields
(date, granularity) pairs, or nothing when the words around it make it a trap."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from feeds.calendar_math import (
    add_months,
    count_of,
    monday_of,
    safe_date,
    shift,
)
from feeds.date_words import (
    MONTHS,
    ORDINAL_FOLLOWERS,
    ORDINAL_QUARTERS,
    QUARTER_CONTEXT,
    SEASON_MONTHS,
    SPORTS_CONTEXT,
)
from feeds.mentions import (
    Mention,
    word_after,
    word_before,
)
from feeds.tense import (
    Document,
    is_past,
)

# Languages (and English regions) that write the day first; en-US and en-PH write the month
# first, Canada both. A numeric date whose order neither a number over 12, the language nor
# plausibility settles is left out: two readings are a guess.
MONTH_FIRST_REGIONS = ("en-us", "en_us", "en-ph", "en_ph", "us")
EITHER_ORDER_REGIONS = ("en-ca", "en_ca")
# A past-tense date this many days after publication is implausible (time zones: a day).
PLAUSIBLE_SLACK = timedelta(days=1)


def _month_first(language: str | None) -> bool | None:
    if not language:
        return None
    code = language.strip().lower()
    if code.startswith(MONTH_FIRST_REGIONS):
        return True
    if code in ("en", "en-") or code.startswith(EITHER_ORDER_REGIONS):
        return None  # English of no stated region (or Canada's): either order
    return False


def _plausible(found: date, mention: Mention, doc: Document, sentence: int, ref: date
               ) -> bool | None:
    """Whether a reading fits the tense around it: what happened is not after publication,
    what will happen is not before it. None when the sentence does not say (or no date)."""
    if not doc.anchored:
        return None
    future = doc.is_future(mention, sentence)
    if future is None:
        return None
    return found >= ref if future else found <= ref + PLAUSIBLE_SLACK


def resolve_numeric(
    mention: Mention, doc: Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    """06/01/2022: the order from the numbers, else from the feed's language, else from
    plausibility (one reading fits the tense, the other not); a reading the tense rules out
    is dropped whatever the language says. Otherwise nothing."""
    f = mention.fields
    first, second, year = int(f["a"] or 0), int(f["b"] or 0), int(f["year"] or 0)
    settled = True
    if f["sep"] == ".":
        readings = [(second, first)]  # "31.01.2021" is day first everywhere it is written
    elif first > 12:
        readings = [(second, first)]
    elif second > 12:
        readings = [(first, second)]
    elif first == second:
        readings = [(first, second)]
    else:
        month_first = _month_first(doc.language)
        if month_first is None:
            readings, settled = [(first, second), (second, first)], False
        else:
            readings = [(first, second) if month_first else (second, first)]
    found = [day for month, number in readings
             if (day := safe_date(year, month, number)) and abs(day.year - ref.year) <= 100]
    if settled:
        if found and _plausible(found[0], mention, doc, sentence, ref) is not False:
            yield found[0], "day"
        return
    fitting = [day for day in found if _plausible(day, mention, doc, sentence, ref)]
    if len(fitting) == 1:
        yield fitting[0], "day"


def _saturday(ref: date) -> date:
    return monday_of(ref) + timedelta(days=5)


WEEKEND_PREPOSITIONS = frozenset(
    "over at during by on until till since for through throughout all before after".split())


def _resolve_weekend(
    mention: Mention, doc: Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    mod = " ".join((mention.fields["mod"] or "").split())
    before = word_before(doc.text, mention.start).lower()
    if mod == "the":
        if (before not in WEEKEND_PREPOSITIONS and not is_past(before)) or doc.text.startswith(
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
        return max(start for start in starts if add_months(start, 3) <= ref)
    if mode == "started":
        return max(start for start in starts if start <= ref)
    if mode == "coming":
        return min(start for start in starts if add_months(start, 3) > ref)
    return min(start for start in starts if start > ref)


SEASON_PREPOSITIONS = frozenset(
    "in during over by until till since through throughout before after into for".split())


def _resolve_season(
    mention: Mention, doc: Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    season = f["season"] or ""
    mod = " ".join((f["mod"] or "").split())
    original = doc.text[mention.start:mention.end]
    word_at = original.lower().find(season)
    capital = original[word_at:word_at + 1].isupper()
    following = word_after(doc.text, mention.end)
    if capital and following[:1].isupper() and not f["year"]:
        return  # "Winter Games", "Autumn Calabrese"
    if f["year"]:
        if season == "winter":
            return  # "winter 2020": December 2019 or 2020? No guess.
        yield _season_start(season, int(f["year"])), "season"
        return
    before = word_before(doc.text, mention.start).lower()
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
    mention: Mention, doc: Document, sentence: int, ref: date
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
        yield min(s for s in starts if add_months(s, 3) > ref), "quarter"
    else:
        yield max(s for s in starts if s <= ref), "quarter"


def _resolve_period_end(
    mention: Mention, doc: Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    step = {"next": 1, "last": -1}.get(f["which"] or "", 0)
    if step == 0 and doc.is_future(mention, sentence) is False and not (
            f["unit"] == "year" and ref.month == 12):
        return  # "sales fell by the end of the year": which year's end is not said
    if f["unit"] == "year":
        yield date(ref.year + step, 12, 1), "month"
    else:
        yield add_months(date(ref.year, ref.month, 1), step), "month"


def _resolve_in_units(
    mention: Mention, doc: Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    count = count_of(f["n"] or "")
    if count is None or doc.is_future(mention, sentence) is not True:
        return  # "sold out in two weeks" is a duration
    yield shift(ref, f["unit"] or "day", count)


def _resolve_ordinal_day(
    mention: Mention, doc: Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    after = doc.text[mention.end:mention.end + 1]
    if after and after.isalnum():
        return
    following = word_after(doc.text, mention.end)
    if after == " " and following and following.lower() not in ORDINAL_FOLLOWERS:
        return  # "on the 3rd floor", "on the 19th of January" (read as a date elsewhere)
    day = int(mention.fields["day"] or 0)
    if doc.is_future(mention, sentence) is True:
        month = date(ref.year, ref.month, 1) if day >= ref.day else add_months(ref, 1)
    else:
        month = date(ref.year, ref.month, 1) if day <= ref.day else add_months(ref, -1)
    found = safe_date(month.year, month.month, day)
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
