"""When feeds are fetched again: the `[refresh]` settings, a feed's own hints, due times.

A feed is fetched again after the refresh interval (global, or its own from `[[feed]]`), or
later when the feed asks for it: RSS `<ttl>` and `sy:updatePeriod` (ParsedFeed.ttl_seconds),
`Cache-Control: max-age` and `Expires`. Hints only ever delay a feed, never bring it
forward, and at most by `MAX_HINT` so a wrong hint cannot silence a feed. Retry-After stays
what it was (the store's `not_before`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from feeds.model import FetchResult, FetchStatus
from reader.locations import ConfigError

if TYPE_CHECKING:
    from reader.feed_settings import RefreshPlan
    from reader.store import Store

DEFAULT_INTERVAL = 30 * 60.0
MAX_HINT = 24 * 3600.0  # a feed's hint delays it by a day at most (also store.MAX_HINT)
MAX_INTERVAL = 30 * 86400.0
NOTIFY_MODES = ("none", "bell", "osc9", "osc777")

_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")


@dataclass(frozen=True, slots=True)
class RefreshSettings:
    """The `[refresh]` table."""

    interval: float = DEFAULT_INTERVAL  # seconds; 0 = no automatic refresh in the app
    on_start: bool = True  # refresh (due feeds) when the app starts
    notify: str = "none"  # also on new items: "bell", "osc9" or "osc777" (desktop)

    @property
    def automatic(self) -> bool:
        return self.interval > 0


def parse_duration(value: Any, key: str) -> float:
    """Seconds from a number or a text such as "90s", "30m", "6h", "1d"; one line naming
    `key` when it is neither."""
    if isinstance(value, bool):
        raise ConfigError(f"config.toml: {key} must be seconds or a duration such as \"30m\"")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip().lower())):
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise ConfigError(f"config.toml: {key} must be seconds or a duration such as \"30m\"")
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(f"config.toml: {key} must be 0 or more")
    if seconds > MAX_INTERVAL:
        raise ConfigError(f"config.toml: {key} must be at most 30 days")
    return seconds


def refresh_settings(config: Mapping[str, Any]) -> RefreshSettings:
    """The `[refresh]` table of config.toml, validated (an absent table: the defaults)."""
    table = config.get("refresh", {})
    if not isinstance(table, dict):
        raise ConfigError("config.toml: [refresh] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "interval":
            values["interval"] = parse_duration(value, "refresh.interval")
        elif key == "on_start":
            if not isinstance(value, bool):
                raise ConfigError("config.toml: refresh.on_start must be true or false")
            values["on_start"] = value
        elif key == "notify":
            if value not in NOTIFY_MODES:
                raise ConfigError("config.toml: refresh.notify must be one of "
                                  + ", ".join(f'"{mode}"' for mode in NOTIFY_MODES))
            values["notify"] = value
        else:
            raise ConfigError(f"config.toml: unknown setting refresh.{key}")
    return RefreshSettings(**values)


def http_hint(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the response says it stays fresh: Cache-Control max-age, else Expires
    (against the response's Date when it has one). None when it says nothing."""
    now = time.time() if now is None else now
    control = headers.get("cache-control", "")
    for part in control.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "max-age":
            value = value.strip().strip('"')
            if value.isascii() and value.isdigit():
                return min(float(value[:12]), MAX_HINT)
    expires = _http_date(headers.get("expires"))
    if expires is not None:
        base = _http_date(headers.get("date"))
        return max(0.0, min(expires - (base if base is not None else now), MAX_HINT))
    return None


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def delay_after(interval: float, result: FetchResult, now: float | None = None) -> float:
    """How long to wait before fetching a feed again after `result` (the feed document's
    own hint is kept by the store and applied there)."""
    hint = http_hint(result.headers, now) if result.status is not FetchStatus.ERROR else None
    return max(interval, hint or 0.0)


def after_fetch(feed_id: int, result: FetchResult, plan: RefreshPlan | None = None,
                now: float | None = None) -> tuple[int, float, float]:
    """(feed id, now, delay) for `Store.schedule_feeds`, which a refresh calls once at its
    end with every feed's: the next due time is then + max(delay, the feed's own hint)."""
    now = time.time() if now is None else now
    interval = plan.interval(feed_id) if plan is not None else DEFAULT_INTERVAL
    return feed_id, now, delay_after(interval, result, now)


def check_period(settings: RefreshSettings) -> float | None:
    """How often the app should ask the store which feeds are due (None: never). Checking
    more often than the interval keeps a feed from slipping a whole interval late."""
    if not settings.automatic:
        return None
    return max(1.0, min(60.0, settings.interval / 4))


@dataclass(slots=True)
class NewItems:
    """New items of one refresh, counted from its events for its single announcement."""

    items: int = 0
    feeds: set[int] = field(default_factory=set)

    def add(self, event: object) -> None:
        """Count a `reader.refresh.FeedDone` (other events are ignored)."""
        new = getattr(event, "new", 0)
        if new and not getattr(event, "not_modified", False):
            self.items += new
            self.feeds.add(event.feed_id)  # type: ignore[attr-defined]

    def announcement(self) -> str | None:
        return announcement(self.items, len(self.feeds))


def announcement(new_items: int, feeds: int) -> str | None:
    """The one line a refresh with new items announces ("3 new items in 2 feeds"); None when
    there is nothing new, so nothing is said."""
    if new_items <= 0:
        return None
    items = "item" if new_items == 1 else "items"
    noun = "feed" if feeds == 1 else "feeds"
    return f"{new_items} new {items} in {max(feeds, 1)} {noun}"


INTERVAL_KEY = "refresh_interval"  # settings: the interval the stored due times were set with


def adopt_interval(store: Store, settings: RefreshSettings) -> bool:
    """A changed `[refresh] interval` applies at once: due times computed with the old one
    are dropped, so every feed is checked once more (conditional GET) and then follows the
    new interval. Returns whether anything changed."""
    current = repr(float(settings.interval))
    if store.settings_get(INTERVAL_KEY) == current:
        return False
    with store.transaction() as conn:
        conn.execute("UPDATE feeds SET next_due = NULL")
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (INTERVAL_KEY, current))
    return True


def next_due_time(store: Store) -> float | None:
    """When the next feed falls due (None: one is due now, or there are no feeds)."""
    rows = store._query("SELECT min(next_due) FROM feeds WHERE gone = 0")
    return rows[0][0] if rows and rows[0][0] is not None else None
