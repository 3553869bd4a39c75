"""Calendar arithmetic for dated events: nearest such day or month before or after a
reference date, whole-unit shifts, and the granularities an event can have."""

from __future__ import annotations

from datetime import date, timedelta

from feeds.date_words import (
    MONTH_ABBREVIATIONS,
    MONTHS,
    NUMBER_WORDS,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAYS,
)

GRANULARITIES = ("day", "weekend", "week", "month", "season", "quarter", "year", "decade")


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return MONTHS.get(name) or MONTH_ABBREVIATIONS[name]


def weekday_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return WEEKDAYS[name] if name in WEEKDAYS else WEEKDAY_ABBREVIATIONS[name]


def day_number(token: str) -> int:
    return int(token.rstrip("stndrh"))


def count_of(token: str) -> int | None:
    token = " ".join(token.split())
    if token.isdigit():
        value = int(token)
        return value if 0 < value <= 100 else None
    return NUMBER_WORDS.get(token)


def infer_day(month: int, day: int, ref: date, future: bool | None) -> date | None:
    """The nearest such day not after `ref` (past), not before it (future), or either way
    when the sentence gives no tense ("the window runs until 14 February")."""
    if future is None:
        before = infer_day(month, day, ref, False)
        after = infer_day(month, day, ref, True)
        if before is None or after is None:
            return before or after
        return after if (after - ref) < (ref - before) else before
    step = 1 if future else -1
    for offset in range(9):  # 9 years always reach a 29 February
        candidate = safe_date(ref.year + step * offset, month, day)
        if candidate and ((candidate >= ref) if future else (candidate <= ref)):
            return candidate
    return None


def year_by_weekday(month: int, day: int, weekday: int, ref: date) -> date | None:
    """ "Sunday, March 6": the year next to `ref` in which that day is that weekday."""
    for offset in (0, -1, 1):
        candidate = safe_date(ref.year + offset, month, day)
        if candidate and candidate.weekday() == weekday:
            return candidate
    return None


def infer_month(month: int, ref: date, future: bool | None, strict: bool = False) -> date:
    """The nearest such month not after `ref` (past), not before it (future), or either way
    when the sentence gives no tense."""
    if future is None:
        before = infer_month(month, ref, False, strict)
        after = infer_month(month, ref, True, strict)
        ref_month = date(ref.year, ref.month, 1)
        return after if (after - ref_month) < (ref_month - before) else before
    year = ref.year
    if future and (month < ref.month or (month == ref.month and strict)):
        year += 1
    if not future and (month > ref.month or (month == ref.month and strict)):
        year -= 1
    return date(year, month, 1)


def weekday_date(weekday: int, ref: date, future: bool) -> date:
    if future:
        return ref + timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1)
    return ref - timedelta(days=(ref.weekday() - weekday - 1) % 7 + 1)


def shift(ref: date, unit: str, count: int) -> tuple[date, str]:
    if unit == "day":
        return ref + timedelta(days=count), "day"
    if unit == "week":
        return monday_of(ref + timedelta(weeks=count)), "week"
    if unit == "month":
        return add_months(ref, count), "month"
    return date(ref.year + count, 1, 1), "year"


def shift_anchor(anchor: tuple[date, str], unit: str, count: int) -> tuple[date, str] | None:
    """Move from the event before by whole units, if that event is precise enough."""
    day, granularity = anchor
    if GRANULARITIES.index(granularity) > GRANULARITIES.index(unit):
        return None  # "in 2019 ... two days later": no day to count from
    return shift(day, unit, count)
