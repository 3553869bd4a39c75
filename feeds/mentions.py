"""Mentions: where a date might be in a text, before anything decides whether it is one.

Each finder yields the spans of one shape ("6 January", "on Sunday", "last week", "2019");
`find_mentions` keeps the longest of overlapping ones, in text order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from feeds.date_words import (
    DAY_BEFORE_MONTH,
    DECADE,
    DECADE_ARTICLE_BEFORE,
    IN_UNITS,
    ISO_DATE,
    MONTH_ABBREVIATIONS,
    MONTH_ANCHOR,
    MONTH_DAY_TAIL,
    MONTH_PAIR_TAIL,
    MONTH_PREPOSITIONS,
    MONTH_YEAR_TAIL,
    NEXT_WORD,
    NUMBER_BEFORE,
    NUMERIC_DATE,
    ORDINAL_DAY,
    PERIOD_END,
    PREVIOUS_WORD,
    QUARTER,
    RELATIVE,
    SEASON,
    SEQUEL,
    UNITS_AWAY,
    VAGUE_BEFORE_AGO,
    WEEKDAY_ANCHOR,
    WEEKDAY_BEFORE_DATE,
    WEEKDAY_MODIFIER,
    WEEKEND,
    YEAR_AFTER,
    YEAR_AFTER_DAY_MONTH,
    YEAR_ANCHOR,
    YEAR_PREFIX_BEFORE,
)


@dataclass(slots=True)
class Mention:
    kind: str
    start: int
    end: int
    fields: dict[str, str | None] = field(default_factory=dict)


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def starts_word(text: str, position: int) -> bool:
    return position == 0 or not is_word_char(text[position - 1])


def word_before(text: str, position: int) -> str:
    found = PREVIOUS_WORD.search(text, max(0, position - 24), position)
    return found.group(1) if found else ""


def word_after(text: str, position: int) -> str:
    found = NEXT_WORD.match(text, position)
    return found.group(1) if found else ""


def _month_mentions(text: str) -> Iterator[Mention]:
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
            yield Mention("month_day", first, tail.end(), fields)
        tail = MONTH_YEAR_TAIL.match(text, after_name)
        if tail:
            yield Mention("month_year", start, tail.end(), base | {"year": tail["year"]})

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
            yield Mention("day_month", weekday.start() if weekday else day.start(), end, fields)

        prep = word_before(text, start).lower()
        if prep not in MONTH_PREPOSITIONS:
            continue
        if abbreviated and prep not in ("in", "since", "until", "by", "from"):
            continue
        if text.startswith(("'", "’"), anchor.end()) or text.startswith("-", anchor.end()):
            continue  # "March's", "May-born": not a bare month
        fields = base | {"prep": prep}
        pair = MONTH_PAIR_TAIL.match(text, anchor.end())
        if pair:
            yield Mention("month_pair", start, pair.end(), fields | {"month2": pair["month2"]})
        yield Mention("month_alone", start, anchor.end(), fields)


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


def _weekday_mentions(text: str, lowered: str) -> Iterator[Mention]:
    for anchor in WEEKDAY_ANCHOR.finditer(text):
        start = anchor.start()
        if start and (is_word_char(text[start - 1]) or text[start - 1] == "-"):
            continue
        modifier = WEEKDAY_MODIFIER.search(lowered, max(0, start - 16), start)
        if modifier and not starts_word(lowered, modifier.start()):
            modifier = None
        first = modifier.start() if modifier else start
        fields = {"weekday": anchor["weekday"], "mod": modifier and modifier["mod"]}
        yield Mention("weekday", first, anchor.end(), fields)


def _lowered_mentions(lowered: str) -> Iterator[Mention]:
    for found in RELATIVE.finditer(lowered):
        if starts_word(lowered, found.start()):
            yield Mention("relative", found.start(), found.end(),
                           found.groupdict() | {"phrase": found.group()})
    for found in UNITS_AWAY.finditer(lowered):
        start = found.start()
        number = NUMBER_BEFORE.search(lowered, max(0, start - 16), start)
        if not number or not starts_word(lowered, number.start()):
            continue
        if VAGUE_BEFORE_AGO.search(lowered, max(0, number.start() - 16), number.start()):
            continue  # "less than 10 years ago": no date to show
        kind = "ago" if found["dir"] == "ago" else "later"
        yield Mention(kind, number.start(), found.end(), found.groupdict() | {"n": number["n"]})
    for found in SEQUEL.finditer(lowered):
        if starts_word(lowered, found.start()):
            yield Mention("sequel", found.start(), found.end(),
                           found.groupdict() | {"phrase": found.group()})
    for kind, pattern in (("weekend", WEEKEND), ("season", SEASON), ("quarter", QUARTER),
                          ("period_end", PERIOD_END), ("in_units", IN_UNITS),
                          ("ordinal_day", ORDINAL_DAY)):
        for found in pattern.finditer(lowered):
            if starts_word(lowered, found.start()):
                yield Mention(kind, found.start(), found.end(), found.groupdict())


def _number_mentions(text: str) -> Iterator[Mention]:
    for found in NUMERIC_DATE.finditer(text):
        start = found.start()
        if start == 0 or not (is_word_char(text[start - 1]) or text[start - 1] in "./-"):
            yield Mention("numeric", start, found.end(), found.groupdict())
    for found in ISO_DATE.finditer(text):
        start = found.start()
        if start == 0 or not (is_word_char(text[start - 1]) or text[start - 1] in ".-"):
            yield Mention("iso", start, found.end(), found.groupdict())
    for found in DECADE.finditer(text):
        start = found.start()
        digits = found.group()[:2]
        fields: dict[str, str | None] = {}
        if start >= 2 and text[start - 2:start].isdigit() and (
                start == 2 or not is_word_char(text[start - 3])):
            start -= 2
            fields["full"] = text[start:start + 4]
        elif start and is_word_char(text[start - 1]):
            continue
        elif start and text[start - 1] in "'’‘":
            start -= 1
            fields["short"] = digits
        elif DECADE_ARTICLE_BEFORE.search(text, max(0, start - 16), start):
            fields["bare"] = digits
        else:
            continue
        yield Mention("decade", start, found.end(), fields)
    for found in YEAR_ANCHOR.finditer(text):
        start = found.start()
        if start and (is_word_char(text[start - 1]) or text[start - 1] in "$£€#.,/:'’-"):
            if not YEAR_PREFIX_BEFORE.search(text, max(0, start - 6), start):
                continue  # but "mid-2019", "pre-2020" are years
        if not YEAR_AFTER.match(text, found.end()):
            continue
        yield Mention("year", start, found.end(), found.groupdict())


PRIORITY = {kind: rank for rank, kind in enumerate(
    ["iso", "numeric", "month_day", "day_month", "month_year", "month_pair", "month_alone",
     "quarter", "season", "period_end", "weekend", "weekday", "relative", "ago", "later",
     "in_units", "sequel", "ordinal_day", "decade", "year"])}


def find_mentions(text: str) -> list[Mention]:
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
    kept: list[Mention] = []
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
