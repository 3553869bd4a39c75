"""Per-feed settings: `[[feed]]` tables of config.toml, matched by URL or by folder.

```toml
[[feed]]
folder = "Podcasts"          # every feed in this folder ...
refresh = "6h"               # ... is fetched every 6 hours
[[feed]]
url = "https://example.org/private.xml"
title = "Example"            # applied to the subscription (as a rename would)
folders = ["Work"]
keep_days = 14
max_items = 200
fetch_article = false        # never fetch the article's page (privacy)
ignore_validators = true     # always download the whole feed
user_agent = "Mozilla/5.0"
auth = "basic"               # or "header"
username = "me"              # basic: the user name; header: `header` names the header
password_command = ["pass", "show", "feeds/example"]   # argv, no shell; its first line
```

A rule for a URL wins over a rule for a folder; among rules of one kind the later wins.
Secrets only ever come from `password_command`, run when a refresh needs them.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from feeds.header_text import unsendable
from reader.locations import ConfigError
from reader.schedule import RefreshSettings, parse_duration

if TYPE_CHECKING:
    from reader.store import Store

PASSWORD_TIMEOUT = 30.0
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True, slots=True)
class Auth:
    """HTTP authentication for one feed; the secret is fetched by running `password_command`."""

    kind: str  # "basic" or "header"
    password_command: tuple[str, ...]
    username: str = ""  # basic
    header: str = "Authorization"  # header: its name; the command prints its value


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """One `[[feed]]` rule, or the merged settings of one feed (None: not set)."""

    url: str | None = None
    folder: str | None = None
    title: str | None = None
    folders: tuple[str, ...] | None = None
    refresh: float | None = None  # seconds; 0: only when asked
    keep_days: float | None = None
    max_items: int | None = None
    fetch_article: bool | None = None
    ignore_validators: bool | None = None
    user_agent: str | None = None
    auth: Auth | None = None


@dataclass(frozen=True, slots=True)
class FeedSettingsTable:
    rules: tuple[FeedSettings, ...] = ()

    def for_feed(self, url: str, folders: Iterable[str] = ()) -> FeedSettings:
        """The settings that apply to one feed, merged (folder rules first, then URL rules)."""
        tags = set(folders)
        merged = FeedSettings(url=url)
        matching = [rule for rule in self.rules if rule.folder in tags] + [
            rule for rule in self.rules if rule.url == url]
        for rule in matching:
            merged = replace(merged, **{
                f.name: getattr(rule, f.name) for f in fields(FeedSettings)
                if f.name not in ("url", "folder") and getattr(rule, f.name) is not None})
        return merged

    @property
    def by_folder(self) -> bool:
        return any(rule.folder is not None for rule in self.rules)


_BOOLS = ("fetch_article", "ignore_validators")
_KNOWN = {"url", "folder", "title", "folders", "refresh", "keep_days", "max_items",
          "user_agent", "auth", "username", "header", "password_command", *_BOOLS}


def load(config: Mapping[str, Any]) -> FeedSettingsTable:
    """The `[[feed]]` tables of config.toml, validated: one line naming the key when wrong."""
    tables = config.get("feed", [])
    if isinstance(tables, dict):
        tables = [tables]
    if not isinstance(tables, list):
        raise ConfigError("config.toml: feed must be [[feed]] tables")
    return FeedSettingsTable(tuple(_rule(table, index) for index, table in enumerate(tables, 1)))


def _rule(table: Any, index: int) -> FeedSettings:
    where = f"feed #{index}"
    if not isinstance(table, dict):
        raise ConfigError(f"config.toml: {where} must be a table")
    url, folder = table.get("url"), table.get("folder")
    named = url if url is not None else folder
    if isinstance(named, str) and named.strip():
        where = f"feed[{named.strip()}]"
    for key in table:
        if key in ("password", "token", "secret"):
            raise ConfigError(f"config.toml: {where}.{key}: a secret is never kept in config; "
                              "use password_command")
        if key not in _KNOWN:
            raise ConfigError(f"config.toml: unknown setting {where}.{key}")
    if (url is None) == (folder is None):
        raise ConfigError(f"config.toml: {where} needs exactly one of url or folder")
    value = _text(named, f"{where}.url" if url is not None else f"{where}.folder")
    if folder is not None:
        for key in ("title", "folders"):
            if key in table:
                raise ConfigError(f"config.toml: {where}.{key} needs a url, not a folder")
    settings: dict[str, Any] = {"url": value} if url is not None else {"folder": value}
    if "title" in table:
        settings["title"] = _text(table["title"], f"{where}.title")
    if "folders" in table:
        folders = table["folders"]
        if not isinstance(folders, list):
            raise ConfigError(f"config.toml: {where}.folders must be a list of names")
        settings["folders"] = tuple(_text(name, f"{where}.folders") for name in folders)
    if "refresh" in table:
        settings["refresh"] = parse_duration(table["refresh"], f"{where}.refresh")
    if "keep_days" in table:
        settings["keep_days"] = _number(table["keep_days"], f"{where}.keep_days")
    if "max_items" in table:
        settings["max_items"] = int(_number(table["max_items"], f"{where}.max_items",
                                            whole=True))
    for key in _BOOLS:
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"config.toml: {where}.{key} must be true or false")
            settings[key] = table[key]
    if "user_agent" in table:
        settings["user_agent"] = _header_value(table["user_agent"], f"{where}.user_agent")
    settings["auth"] = _auth(table, where)
    return FeedSettings(**settings)


def _auth(table: dict[str, Any], where: str) -> Auth | None:
    kind = table.get("auth")
    if kind is None:
        for key in ("username", "header", "password_command"):
            if key in table:
                raise ConfigError(f"config.toml: {where}.{key} needs auth = \"basic\" or "
                                  "\"header\"")
        return None
    if kind not in ("basic", "header"):
        raise ConfigError(f"config.toml: {where}.auth must be \"basic\" or \"header\"")
    command = table.get("password_command")
    if (not isinstance(command, list) or not command
            or not all(isinstance(part, str) and part for part in command)):
        raise ConfigError(f"config.toml: {where}.password_command must be a list of "
                          "arguments, such as [\"pass\", \"show\", \"feeds\"]")
    if kind == "basic":
        username = table.get("username")
        if not isinstance(username, str) or not username or ":" in username:
            raise ConfigError(f"config.toml: {where}.username must be a name without ':'")
        return Auth("basic", tuple(command), username=_header_value(username,
                                                                     f"{where}.username"))
    header = table.get("header", "Authorization")
    if not isinstance(header, str) or not _HEADER_NAME.fullmatch(header):
        raise ConfigError(f"config.toml: {where}.header must be an HTTP header name")
    return Auth("header", tuple(command), header=header)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"config.toml: {key} must be a non-empty text")
    return value.strip()


def _number(value: Any, key: str, *, whole: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"config.toml: {key} must be a number, 0 or more")
    if whole and not isinstance(value, int):
        raise ConfigError(f"config.toml: {key} must be a whole number")
    return value


def _header_value(value: Any, key: str) -> str:
    text = _text(value, key)
    if unsendable(text):
        raise ConfigError(f"config.toml: {key} holds characters an HTTP header cannot carry")
    return text


# -- using them --------------------------------------------------------------------------


class SecretError(Exception):
    """A password_command failed; the message says which feed and why."""


def run_password_command(argv: tuple[str, ...]) -> str:
    """The first line a password command prints (argv, no shell, no stdin)."""
    try:
        done = subprocess.run(list(argv), capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=PASSWORD_TIMEOUT, check=False)
    except FileNotFoundError:
        raise SecretError(f"password_command: program not found: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise SecretError(f"password_command: {argv[0]} took more than "
                          f"{PASSWORD_TIMEOUT:g} s") from None
    except OSError as error:
        raise SecretError(f"password_command: {argv[0]}: {error.strerror or error}") from None
    if done.returncode != 0:
        raise SecretError(f"password_command: {argv[0]} exited with status {done.returncode}")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    secret = lines[0].strip() if lines else ""
    if not secret:
        raise SecretError(f"password_command: {argv[0]} printed nothing")
    return secret


def auth_headers(auth: Auth, secret: str) -> dict[str, str]:
    import base64

    if auth.kind == "basic":
        token = base64.b64encode(f"{auth.username}:{secret}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}
    if unsendable(secret):
        raise SecretError("password_command printed characters an HTTP header cannot carry")
    return {auth.header: secret}


@dataclass
class RefreshPlan:
    """What one refresh needs to know per feed: its interval, its request headers, whether
    to send validators. Built once per refresh from config and the store's feeds."""

    refresh: RefreshSettings = field(default_factory=RefreshSettings)
    table: FeedSettingsTable = field(default_factory=FeedSettingsTable)
    feeds: dict[int, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # password commands that failed

    @classmethod
    def build(cls, store: Store, refresh: RefreshSettings | None = None,
              table: FeedSettingsTable | None = None) -> RefreshPlan:
        table = table or FeedSettingsTable()
        tags = store.feed_tags() if table.rules else {}
        urls = store.feed_urls() if table.rules else {}
        return cls(refresh or RefreshSettings(), table,
                   {feed_id: (url, tags.get(feed_id, ())) for feed_id, url in urls.items()})

    def settings(self, feed_id: int) -> FeedSettings:
        url, tags = self.feeds.get(feed_id, ("", ()))
        return self.table.for_feed(url, tags) if self.table.rules else FeedSettings()

    def interval(self, feed_id: int) -> float:
        own = self.settings(feed_id).refresh
        if own is not None:
            return own
        return self.refresh.interval if self.refresh.interval > 0 else 0.0

    def ignore_validators(self, feed_id: int) -> bool:
        return bool(self.settings(feed_id).ignore_validators)

    def request_headers(self, due: Iterable[tuple]) -> dict[str, dict[str, str]]:
        """Extra request headers by feed URL (User-Agent, credentials). Runs password
        commands, once each per refresh: call it off the event loop."""
        headers: dict[str, dict[str, str]] = {}
        secrets: dict[tuple[str, ...], str | None] = {}
        for feed_id, url, *_ in due:
            settings = self.settings(feed_id)
            extra: dict[str, str] = {}
            if settings.user_agent:
                extra["User-Agent"] = settings.user_agent
            if settings.auth is not None:
                command = settings.auth.password_command
                if command not in secrets:
                    try:
                        secrets[command] = run_password_command(command)
                    except SecretError as error:
                        secrets[command] = None
                        self.problems.append(f"{url}: {error}")
                secret = secrets[command]
                if secret is not None:
                    try:
                        extra.update(auth_headers(settings.auth, secret))
                    except SecretError as error:
                        self.problems.append(f"{url}: {error}")
            if extra:
                headers[url] = extra
        return headers


def apply_to_store(store: Store, table: FeedSettingsTable) -> int:
    """Give subscribed feeds the title and folders their `[[feed]]` rule sets; returns how
    many changed. Feeds not subscribed are left alone (config never subscribes)."""
    changed = 0
    current = {row.url: row for row in store.feeds()}
    for rule in table.rules:
        row = current.get(rule.url or "")
        if row is None:
            continue
        if rule.title is not None and rule.title != row.title:
            store.rename_feed(row.id, rule.title)
            changed += 1
        if rule.folders is not None and rule.folders != row.tags:
            store.set_tags(row.id, rule.folders)
            changed += 1
    return changed

