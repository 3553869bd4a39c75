"""Dates, durations and refresh hints as feeds write them, read the same way on both parse paths.

Dates go through feedparser's own date handlers (RFC 822, W3CDTF and the broken forms it
accepts: about 3-4 us a date), so the lxml path and the feedparser path can never disagree on
one. A date that cannot be true is no date: Hugo writes `Mon, 01 Jan 0001 00:00:00 +0000` for
"never", and a date years ahead would pin an item to the top of every list.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["duration_seconds", "parse_date", "plausible", "refresh_seconds", "struct_to_datetime"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_AHEAD = timedelta(days=365)


def plausible(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """`moment`, or None when it is before 1970 or more than a year after `now`."""
    if moment is None:
        return None
    if moment < _EPOCH or moment > (now or datetime.now(timezone.utc)) + _AHEAD:
        return None
    return moment


def struct_to_datetime(value: Any) -> datetime | None:
    """A feedparser 9-tuple (UTC) as an aware datetime, or None when it is none or impossible."""
    try:
        moment = datetime(*value[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return plausible(moment)


_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
# The two forms nearly every feed writes, read here without feedparser's handler chain (which
# tries W3CDTF first, so an RFC 822 date pays for a failed parse); anything else goes there.
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov"
    r"|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|UT|Z|[+-]\d{4}|[ECMPA][SD]T)")
# North American zone names as feedparser's RFC 822 reader takes them: hours ahead of UTC.
_ZONE_NAMES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
               "PDT": -7, "AST": -4, "ADT": -3}
_W3CDTF = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})")


def _common_form(text: str) -> datetime | None:
    """An RFC 822 or W3CDTF date in its usual spelling, as feedparser would read it; None when
    `text` is anything else (feedparser then reads it). May raise OverflowError."""
    found = _RFC822.fullmatch(text)
    if found:
        day, month, year, hour, minute, second, zone = found.groups()
        month_number = _MONTHS[month.lower()]
    else:
        found = _W3CDTF.fullmatch(text)
        if not found:
            return None
        year, month, day, hour, minute, second, zone = found.groups()
        month_number = int(month)
    hours, minutes, seconds = int(hour), int(minute), int(second)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None  # feedparser's own rules for odd times
    try:
        moment = datetime(int(year), month_number, int(day), hours, minutes, seconds,
                          tzinfo=timezone.utc)
    except ValueError:
        return None
    offset = _OFFSETS.get(zone)
    if offset is None:
        offset = _offset(zone)
    return moment - offset if offset else moment


_OFFSETS: dict[str, timedelta] = {}


def _offset(zone: str) -> timedelta:
    """How far a zone ("GMT", "+0530", "-05:00", "PST") is ahead of UTC, remembered (feeds repeat a
    handful of zones)."""
    offset = timedelta(hours=_ZONE_NAMES.get(zone, 0))
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if zone[0] == "-":
            offset = -offset
    if len(_OFFSETS) < 1024:
        _OFFSETS[zone] = offset
    return offset


def parse_date(text: str | None) -> datetime | None:
    """A date string read exactly as feedparser reads it; None when unreadable or impossible."""
    if not text:
        return None
    try:
        common = _common_form(text)
    except (ValueError, OverflowError):
        common = None
    if common is not None:
        return plausible(common)
    from feedparser.datetimes import _parse_date

    try:
        parsed = _parse_date(text)
    except Exception:  # a handler bug must not lose the entry
        return None
    return struct_to_datetime(parsed) if parsed else None


_CLOCK = re.compile(r"\s*(?:(\d{1,4}):)?(\d{1,4}):(\d{1,2})(?:[.,]\d*)?\s*")
_SECONDS = re.compile(r"\s*(\d{1,9})(?:[.,]\d*)?\s*")


def duration_seconds(text: Any) -> int | None:
    """`H:M:S`, `M:S` or `S` (itunes:duration; media:content@duration) as whole seconds."""
    if not isinstance(text, str) or not text:
        return None
    plain = _SECONDS.fullmatch(text)
    if plain:
        return int(plain.group(1))
    clock = _CLOCK.fullmatch(text)
    if not clock:
        return None
    hours, minutes, seconds = (int(part) if part else 0 for part in clock.groups())
    if seconds >= 60:
        return None
    return hours * 3600 + minutes * 60 + seconds


_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400,
            "yearly": 365 * 86400}


def refresh_seconds(ttl: Any, period: Any, frequency: Any) -> int | None:
    """The feed's own refresh hint in seconds: RSS `<ttl>` (minutes), else
    `sy:updatePeriod` / `sy:updateFrequency` (the period divided by the frequency)."""
    if isinstance(ttl, str) and ttl.strip().isdigit():
        minutes = int(ttl.strip())
        if 0 < minutes <= 525_600:  # at most a year
            return minutes * 60
    if not (isinstance(period, str) and period.strip()) and not (
        isinstance(frequency, str) and frequency.strip()
    ):
        return None
    seconds = _PERIODS.get(period.strip().lower() if isinstance(period, str) else "", None)
    if seconds is None:
        if isinstance(period, str) and period.strip():
            return None  # a period we do not know: no hint rather than a wrong one
        seconds = _PERIODS["daily"]  # the module's default
    times = frequency.strip() if isinstance(frequency, str) else ""
    count = int(times) if times.isdigit() else 1
    if count <= 0:
        return None
    return max(60, seconds // count)
