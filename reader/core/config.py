"""The settings of `config.toml`, validated once into typed objects.

Every problem is one line naming the key (`config.toml: fetch.concurrency must be a whole
number`), raised as `ConfigError` before anything starts. The app and the command line get a
`Config`; nothing below them reads the TOML again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feeds.model import FetchLimits
from reader.locations import ConfigError, config_path, load_config

if TYPE_CHECKING:
    from reader.commands import CommandSettings
    from reader.enclosures import DownloadSettings
    from reader.feed_settings import FeedSettingsTable
    from reader.filters.rules import HighlightRule, KillRule, SavedView
    from reader.retention import RetentionSettings
    from reader.schedule import RefreshSettings

# The tables' own modules are imported when a Config is made, not when this module is:
# `reader --help` and the first screen do not pay for the filter language's compiler.


def _refresh_default() -> RefreshSettings:
    from reader.schedule import refresh_settings

    return refresh_settings({})


def _feeds_default() -> FeedSettingsTable:
    from reader.feed_settings import load

    return load({})


def _commands_default() -> CommandSettings:
    from reader.commands import load

    return load({})


def _download_default() -> DownloadSettings:
    from reader.enclosures import download_settings

    return download_settings({})


def _retention_default() -> RetentionSettings:
    from reader.retention import retention_settings

    return retention_settings({})

__all__ = ["ArticleConfig", "Config", "ConfigError", "KeysConfig", "load"]

PRESETS = ("newsboat",)

FETCH_SETTINGS: dict[str, type] = {
    "concurrency": int, "per_host": int, "connect_timeout": float,
    "total_timeout": float, "max_bytes": int, "max_redirects": int,
}


@dataclass(frozen=True, slots=True)
class KeysConfig:
    """`[keys]`: binding id -> comma-separated keys."""

    remaps: dict[str, str] = field(default_factory=dict)
    preset: str | None = None  # "newsboat": its default keys on our actions


@dataclass(frozen=True, slots=True)
class ArticleConfig:
    """`[article]`: whether opening a summary-only item fetches the linked page."""

    fetch_pages: bool = True  # false: the site is contacted only when the user asks (w)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the user can set; the defaults are what an absent file means."""

    keys: KeysConfig = field(default_factory=KeysConfig)
    fetch: FetchLimits = field(default_factory=FetchLimits)
    article: ArticleConfig = field(default_factory=ArticleConfig)
    refresh: RefreshSettings = field(default_factory=_refresh_default)
    feeds: FeedSettingsTable = field(default_factory=_feeds_default)
    commands: CommandSettings = field(default_factory=_commands_default)
    download: DownloadSettings = field(default_factory=_download_default)
    retention: RetentionSettings = field(default_factory=_retention_default)
    views: tuple[SavedView, ...] = ()
    kill: tuple[KillRule, ...] = ()
    highlights: tuple[HighlightRule, ...] = ()
    path: Path | None = None  # where it was read from (shown in the help screen)
    theme: str | None = None

    def with_timeout(self, timeout: float | None) -> Config:
        """`--timeout` on the command line: caps the whole fetch and its connect phase."""
        if timeout is None:
            return self
        limits = replace(self.fetch, total_timeout=timeout,
                         connect_timeout=min(self.fetch.connect_timeout, timeout))
        return replace(self, fetch=limits)

    @classmethod
    def from_toml(cls, table: dict[str, Any], path: Path | None = None) -> Config:
        from reader.commands import load as load_commands
        from reader.enclosures import download_settings
        from reader.feed_settings import load as load_feed_settings
        from reader.retention import retention_settings
        from reader.schedule import refresh_settings

        known = {"keys", "fetch", "ui", "article", "refresh", "feed", "commands", "download",
                 "retention", "views", "kill", "highlight"}
        for name in table:
            if name not in known:
                raise ConfigError(f"config.toml: unknown setting {name}")
        return cls(keys=_keys(table.get("keys", {})), fetch=_fetch(table.get("fetch", {})),
                   article=_article(table.get("article", {})),
                   refresh=refresh_settings(table), feeds=load_feed_settings(table),
                   commands=load_commands(table), download=download_settings(table),
                   retention=retention_settings(table),
                   **_filter_tables(table),
                   path=path, theme=_theme(table.get("ui", {})))


def _filter_tables(table: dict[str, Any]) -> dict[str, Any]:
    """[views], [[kill]] and [[highlight]]: the filter language is loaded only for a
    config that uses it."""
    if not any(name in table for name in ("views", "kill", "highlight")):
        return {}
    from reader.filters.config import parse_highlight_rules, parse_kill_rules, parse_views

    return {"views": parse_views(table.get("views")),
            "kill": parse_kill_rules(table.get("kill")),
            "highlights": parse_highlight_rules(table.get("highlight"))}


def load(path: Path | None = None) -> Config:
    """Read and validate `config.toml` (absent: every default)."""
    path = path or config_path()
    return Config.from_toml(load_config(path), path)


def _table(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"config.toml: [{name}] must be a table")
    return value


def _keys(value: Any) -> KeysConfig:
    table = _table(value, "keys")
    remaps: dict[str, str] = {}
    preset = table.get("preset")
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"config.toml: keys.preset must be one of: {', '.join(PRESETS)}")
    for name, keys in table.items():
        if name == "preset":
            continue
        if not isinstance(keys, str):
            raise ConfigError(f'config.toml: keys.{name} must be a string such as "n,J"')
        remaps[str(name)] = keys
    return KeysConfig(remaps, preset)


def _article(value: Any) -> ArticleConfig:
    table = _table(value, "article")
    for key in table:
        if key != "fetch_pages":
            raise ConfigError(f"config.toml: unknown setting article.{key}")
    fetch_pages = table.get("fetch_pages", True)
    if not isinstance(fetch_pages, bool):
        raise ConfigError("config.toml: article.fetch_pages must be true or false")
    return ArticleConfig(fetch_pages)


def _fetch(value: Any) -> FetchLimits:
    table = _table(value, "fetch")
    values: dict[str, Any] = {}
    for key, setting in table.items():
        if key not in FETCH_SETTINGS:
            raise ConfigError(f"config.toml: unknown setting fetch.{key}")
        values[key] = _positive_number(f"fetch.{key}", setting, FETCH_SETTINGS[key])
    return FetchLimits(**values)


def _theme(value: Any) -> str | None:
    table = _table(value, "ui")
    theme = table.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise ConfigError("config.toml: ui.theme must be a theme name")
    return theme


def _positive_number(key: str, value: Any, kind: type) -> int | float:
    """A whole number where one is meant (not true, not 2.7), a finite number above 0
    everywhere (not nan, not inf)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"config.toml: {key} must be a number")
    if kind is int and not isinstance(value, int):
        raise ConfigError(f"config.toml: {key} must be a whole number")
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"config.toml: {key} must be a number more than 0")
    return kind(value)
