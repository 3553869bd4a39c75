"""How long items are kept: `[retention]` (global) and `keep_days` / `max_items` per feed.

Nothing is deleted unless asked for (both default to 0 = keep everything). Starred items
are never deleted; unread ones only with `delete_unread = true`. The app core runs `prune`
after a refresh; a deleted entry does not come back with the next refresh.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reader.locations import ConfigError

if TYPE_CHECKING:
    from reader.feed_settings import FeedSettingsTable
    from reader.store import Store


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """The `[retention]` table."""

    keep_days: float = 0  # 0: no age limit
    max_items: int = 0  # per feed; 0: no count limit
    delete_unread: bool = False


def retention_settings(config: Mapping[str, Any]) -> RetentionSettings:
    table = config.get("retention", {})
    if not isinstance(table, dict):
        raise ConfigError("config.toml: [retention] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "delete_unread":
            if not isinstance(value, bool):
                raise ConfigError("config.toml: retention.delete_unread must be true or false")
        elif key in ("keep_days", "max_items"):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"config.toml: retention.{key} must be a number, 0 or more")
            if key == "max_items" and not isinstance(value, int):
                raise ConfigError("config.toml: retention.max_items must be a whole number")
        else:
            raise ConfigError(f"config.toml: unknown setting retention.{key}")
        values[key] = value
    return RetentionSettings(**values)


def prune(store: Store, settings: RetentionSettings,
          table: FeedSettingsTable | None = None, *, now: float | None = None) -> int:
    """Delete what retention allows, feed by feed (one transaction each); returns how many
    items went. Cheap when nothing is set: no feed is visited."""
    now = time.time() if now is None else now
    if table is None or not table.rules:
        if not settings.keep_days and not settings.max_items:
            return 0
        tags: dict[int, tuple[str, ...]] = {}
        urls = store.feed_urls()
    else:
        tags = store.feed_tags()
        urls = store.feed_urls()
    removed = 0
    for feed_id, url in urls.items():
        keep_days, max_items = settings.keep_days, settings.max_items
        if table is not None and table.rules:
            own = table.for_feed(url, tags.get(feed_id, ()))
            keep_days = own.keep_days if own.keep_days is not None else keep_days
            max_items = own.max_items if own.max_items is not None else max_items
        if not keep_days and not max_items:
            continue
        removed += store.prune(
            feed_id, older_than=now - keep_days * 86400 if keep_days else None,
            max_items=max_items or None, delete_unread=settings.delete_unread, now=now)
    return removed
