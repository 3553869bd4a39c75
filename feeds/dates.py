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


def parse_date(text: str | None) -> datetime | None:
    """A date string read exactly as feedparser reads it; None when unreadable or impossible."""
    if not text:
        return None
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
