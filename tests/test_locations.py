"""config.toml, validated once into a typed Config: good values become settings, bad ones
one clear line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.config import Config, ConfigError, load


def fetch_limits(table: dict, timeout: float | None = None):  # noqa: ANN201 - FetchLimits
    return Config.from_toml(table).with_timeout(timeout).fetch


def test_good_values_and_the_command_line_timeout() -> None:
    limits = fetch_limits({"fetch": {"concurrency": 8, "per_host": 2, "total_timeout": 12.5,
                                     "max_bytes": 1000}})
    assert (limits.concurrency, limits.per_host, limits.total_timeout, limits.max_bytes) == (
        8, 2, 12.5, 1000)
    assert fetch_limits({"fetch": {"connect_timeout": 10}}, timeout=3).connect_timeout == 3
    assert fetch_limits({}).concurrency == 32  # issue 13: 32 at once, 4 per host


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("concurrency", True, "must be a number"),
    ("concurrency", 2.7, "whole number"),
    ("concurrency", "8", "must be a number"),
    ("concurrency", 0, "more than 0"),
    ("total_timeout", float("nan"), "more than 0"),
    ("total_timeout", float("inf"), "more than 0"),
    ("max_bytes", -5, "more than 0"),
    ("colour", 1, "unknown setting fetch.colour"),
])
def test_bad_values_are_refused_in_one_line(setting: str, value: object, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        fetch_limits({"fetch": {setting: value}})
    message = str(refused.value)
    assert says in message and "\n" not in message and message.startswith("config.toml: ")


def test_a_fetch_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError, match="must be a table"):
        fetch_limits({"fetch": 3})


def test_keys_must_be_strings_and_the_file_is_read_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="keys.quit must be a string"):
        Config.from_toml({"keys": {"quit": 3}})
    path = tmp_path / "config.toml"
    path.write_text('[keys]\nquit = "Q"\n[fetch]\nper_host = 2\n')
    config = load(path)
    assert config.keys.remaps == {"quit": "Q"} and config.fetch.per_host == 2
    assert config.path == path
    assert load(tmp_path / "absent.toml") == Config(path=tmp_path / "absent.toml")
