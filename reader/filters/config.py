"""`[views]`, `[[kill]]` and `[[highlight]]` of config.toml as typed objects.

Each error is one line naming the key (`views.tech: ...`, `kill[2].mode: ...`); the app's typed
Config calls these and raises them as its own ConfigError.
"""

from __future__ import annotations

import re
from typing import Any

from reader.filters.parser import FilterSyntaxError, parse_filter
from reader.filters.rules import KILL_MODES, HighlightRule, KillRule, SavedView
from reader.locations import ConfigError

_STYLE = re.compile(r"[A-Za-z0-9_#(), .]{1,60}")


def _expr(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        raise ConfigError(f"config.toml: {key} must be a filter in a string")
    try:
        return parse_filter(value)
    except FilterSyntaxError as error:
        raise ConfigError(f"config.toml: {key}: {error}") from None


def parse_views(table: Any) -> tuple[SavedView, ...]:
    """`[views]`: name = "filter", in file order."""
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise ConfigError("config.toml: [views] must be a table of name = \"filter\"")
    views = []
    for name, value in table.items():
        if not name.strip():
            raise ConfigError("config.toml: views: a view needs a name")
        views.append(SavedView(name, value if isinstance(value, str) else "",
                               _expr(f"views.{name}", value)))
    return tuple(views)


def _tables(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(f"config.toml: {name} must be written as [[{name}]] tables")
    return value


def _unknown(key: str, table: dict[str, Any], known: tuple[str, ...]) -> None:
    for name in table:
        if name not in known:
            raise ConfigError(f"config.toml: unknown setting {key}.{name} "
                              f"(known: {', '.join(known)})")


def parse_kill_rules(value: Any) -> tuple[KillRule, ...]:
    """`[[kill]]` tables: expr, mode = "drop" | "hide" (default hide), optional feed (a URL,
    or a folder name) or folder."""
    rules = []
    for index, table in enumerate(_tables(value, "kill"), start=1):
        key = f"kill[{index}]"
        _unknown(key, table, ("expr", "mode", "feed", "folder"))
        if "expr" not in table:
            raise ConfigError(f"config.toml: {key}.expr is missing")
        expr = _expr(f"{key}.expr", table["expr"])
        mode = table.get("mode", "hide")
        if mode not in KILL_MODES:
            raise ConfigError(f"config.toml: {key}.mode must be \"drop\" or \"hide\"")
        feed = table.get("feed")
        folder = table.get("folder")
        for name, given in (("feed", feed), ("folder", folder)):
            if given is not None and (not isinstance(given, str) or not given.strip()):
                raise ConfigError(f"config.toml: {key}.{name} must be a non-empty string")
        if feed is not None and folder is not None:
            raise ConfigError(f"config.toml: {key}: give feed or folder, not both")
        if feed is not None and "://" not in feed:  # `feed = "tech"`: a folder
            feed, folder = None, feed
        rules.append(KillRule(expr, table["expr"], mode, feed, folder))
    return tuple(rules)


def parse_highlight_rules(value: Any) -> tuple[HighlightRule, ...]:
    """`[[highlight]]` tables: expr and style (a style such as "bold yellow")."""
    rules = []
    for index, table in enumerate(_tables(value, "highlight"), start=1):
        key = f"highlight[{index}]"
        _unknown(key, table, ("expr", "style"))
        if "expr" not in table:
            raise ConfigError(f"config.toml: {key}.expr is missing")
        expr = _expr(f"{key}.expr", table["expr"])
        style = table.get("style", "bold")
        if not isinstance(style, str) or not _STYLE.fullmatch(style) or not _parses(style):
            raise ConfigError(f"config.toml: {key}.style must be a style such as "
                              "\"bold yellow\" or \"black on cyan\"")
        rules.append(HighlightRule(expr, table["expr"], style))
    return tuple(rules)


def _parses(style: str) -> bool:
    """Whether Rich reads the style (a colour name it knows, "on" before a background), so
    a mistake is reported once at start, not silently dropped by the headline list."""
    from rich.errors import StyleSyntaxError
    from rich.style import Style

    try:
        Style.parse(style)
    except StyleSyntaxError:
        return False
    return True
