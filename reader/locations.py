"""Where the reader keeps its files: one place, on platformdirs, honouring XDG_*."""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path
from typing import Any

APP_NAME = "reader"
DATABASE_NAME = "reader.db"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: `--data-dir` when given, else the platform's user data folder."""
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def database_path(override: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(override) / DATABASE_NAME


def config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


class ConfigError(Exception):
    """The config file exists but cannot be read; the message says where and why."""


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The optional `config.toml`; an absent file is an empty config."""
    path = path or config_path()
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None


def fetch_limits(config: dict[str, Any], timeout: float | None = None) -> Any:
    """FetchLimits from the `[fetch]` table of config.toml (and `--timeout` when given)."""
    from feeds.model import FetchLimits

    table = config.get("fetch", {})
    if not isinstance(table, dict):
        raise ConfigError("config.toml: [fetch] must be a table")
    known = {"concurrency": int, "per_host": int, "connect_timeout": float,
             "total_timeout": float, "max_bytes": int, "max_redirects": int}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"config.toml: unknown setting fetch.{key}")
        values[key] = _setting(key, value, known[key])
    if timeout is not None:
        values["total_timeout"] = timeout
        values["connect_timeout"] = min(values.get("connect_timeout", timeout), timeout)
    return FetchLimits(**values)


def _setting(key: str, value: Any, kind: type) -> int | float:
    """One `[fetch]` value: a whole number where one is meant (not true, not 2.7), a finite
    number above 0 everywhere (not nan, not inf)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"config.toml: fetch.{key} must be a number")
    if kind is int and not isinstance(value, int):
        raise ConfigError(f"config.toml: fetch.{key} must be a whole number")
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"config.toml: fetch.{key} must be a number more than 0")
    return kind(value)
