"""Where the reader keeps its files: one place, on platformdirs, honouring XDG_*."""

from __future__ import annotations

import os
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
        handle = path.open("rb")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    import tomllib  # only for a config that exists: every `reader` start reads this far

    with handle:
        try:
            return tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"cannot read {path}: {error}") from None


def log_path() -> Path:
    """Where the app writes what went wrong (a crash's traceback among it)."""
    from platformdirs import user_state_path

    return user_state_path(APP_NAME, appauthor=False) / "reader.log"
