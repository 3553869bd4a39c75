"""Getting text out without a shell: the `[commands]` table of config.toml.

Every command is an argv list; `{url}`, `{title}`, `{feed}` and `{file}` inside an argument
are replaced literally by the item's values, so each placeholder stays inside the one
argument it was written in, whatever the feed put in the title (quotes, `;`, `$(...)`,
newlines, `{url}` itself). Nothing is ever parsed by a shell or by `str.format`: newsboat's
CVE-2017-12904 came from exactly that.

```toml
[commands]
browser = ["firefox", "--new-tab", "--", "{url}"]      # or a list of {match, argv} tables
player = ["mpv", "--", "{url}"]                        # enclosures ({file} once downloaded)
bookmark = ["bm", "add", "--", "{url}", "{title}", "{feed}"]
pipe = ["wc", "-w"]                                    # the article text on its stdin
save = ["xdg-open", "{file}"]                          # run after an article is saved
save_dir = "~/Articles"
save_format = "markdown"                               # or "text"
```

A feed controls the text of `{title}` and `{feed}`, never which program runs or how many
arguments it gets. A title may still start with "-": put "--" before placeholders when the
program takes options.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reader.locations import ConfigError

PLACEHOLDERS = ("url", "title", "feed", "file")
_PLACEHOLDER = re.compile(r"\{(url|title|feed|file)\}")
_ANY_BRACED = re.compile(r"\{([A-Za-z_]*)\}")
ARGV_KEYS = ("player", "bookmark", "pipe", "save")
SAVE_FORMATS = ("markdown", "text")


class CommandError(Exception):
    """A command could not run; one line naming the setting and the cause."""


@dataclass(frozen=True, slots=True)
class BrowserRule:
    argv: tuple[str, ...]
    match: str | None = None  # a glob on the whole URL; None matches every URL


@dataclass(frozen=True, slots=True)
class CommandSettings:
    """The `[commands]` table; None: not configured (the reader's default applies)."""

    browser: tuple[BrowserRule, ...] = ()
    player: tuple[str, ...] | None = None
    bookmark: tuple[str, ...] | None = None
    pipe: tuple[str, ...] | None = None
    save: tuple[str, ...] | None = None
    save_dir: Path | None = None
    save_format: str = "markdown"

    def browser_for(self, url: str) -> tuple[str, ...] | None:
        """The argv of the first browser rule matching `url`; None: the system browser."""
        for rule in self.browser:
            if rule.match is None or fnmatch.fnmatchcase(url, rule.match):
                return rule.argv
        return None


def load(config: Mapping[str, Any]) -> CommandSettings:
    """The `[commands]` table, validated: one line naming the key when wrong."""
    table = config.get("commands", {})
    if not isinstance(table, dict):
        raise ConfigError("config.toml: [commands] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "browser":
            values["browser"] = _browser(value)
        elif key in ARGV_KEYS:
            values[key] = _argv(value, f"commands.{key}")
        elif key == "save_dir":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError("config.toml: commands.save_dir must be a folder")
            values["save_dir"] = Path(value).expanduser()
        elif key == "save_format":
            if value not in SAVE_FORMATS:
                raise ConfigError('config.toml: commands.save_format must be "markdown" or '
                                  '"text"')
            values["save_format"] = value
        else:
            raise ConfigError(f"config.toml: unknown setting commands.{key}")
    return CommandSettings(**values)


def _argv(value: Any, key: str) -> tuple[str, ...]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(part, str) for part in value) or not value[0]):
        raise ConfigError(f"config.toml: {key} must be a list of arguments, such as "
                          '["mpv", "--", "{url}"]')
    for part in value:
        for name in _ANY_BRACED.findall(part):
            if name not in PLACEHOLDERS:
                raise ConfigError(f"config.toml: {key}: unknown placeholder {{{name}}} (known: "
                                  + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS) + ")")
        if "\x00" in part:
            raise ConfigError(f"config.toml: {key} holds a NUL character")
    return tuple(value)


def _browser(value: Any) -> tuple[BrowserRule, ...]:
    if isinstance(value, list) and value and all(isinstance(part, str) for part in value):
        return (BrowserRule(_argv(value, "commands.browser")),)
    if not isinstance(value, list) or not all(isinstance(rule, dict) for rule in value):
        raise ConfigError("config.toml: commands.browser must be a list of arguments or a "
                          "list of {match, argv} tables")
    rules = []
    for index, rule in enumerate(value, 1):
        key = f"commands.browser #{index}"
        unknown = set(rule) - {"match", "argv"}
        if unknown:
            raise ConfigError(f"config.toml: unknown setting {key}.{sorted(unknown)[0]}")
        match = rule.get("match")
        if match is not None and (not isinstance(match, str) or not match):
            raise ConfigError(f"config.toml: {key}.match must be a URL pattern such as "
                              '"https://www.youtube.com/*"')
        rules.append(BrowserRule(_argv(rule.get("argv"), f"{key}.argv"), match))
    return tuple(rules)


def fill(argv: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """`argv` with each placeholder replaced literally by its value (absent values: "").

    Only the configured argument is scanned: a value is inserted as it is and never looked
    at again, so it cannot add an argument or bring in another placeholder.
    """
    def value_of(match: re.Match[str]) -> str:
        return values.get(match.group(1), "").replace("\x00", "")

    return [_PLACEHOLDER.sub(value_of, part) for part in argv]


def run(argv: Sequence[str], *, stdin_text: str | None = None, wait: bool = True,
        name: str = "command", timeout: float | None = None, quiet: bool = False
        ) -> int | None:
    """Start `argv` with no shell. `wait`: wait for it (a terminal program, or `pipe`) and
    return its exit status; else leave it running on its own (a browser, a player).
    `quiet`: it gets no terminal (the app draws there): stdin, stdout, stderr are null.
    Raises CommandError in one line when it cannot start."""
    argv = list(argv)
    try:
        if not wait:
            subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
            return None
        # Without text for it, a waited-for command keeps the terminal (less, w3m).
        null = subprocess.DEVNULL if quiet else None
        done = subprocess.run(
            argv, input=stdin_text.encode("utf-8") if stdin_text is not None else None,
            stdin=null if stdin_text is None else None, stdout=null, stderr=null,
            timeout=timeout, check=False)
        return done.returncode
    except FileNotFoundError:
        raise CommandError(f"commands.{name}: program not found: {argv[0]}") from None
    except PermissionError:
        raise CommandError(f"commands.{name}: cannot run {argv[0]}: permission denied") from None
    except subprocess.TimeoutExpired:
        raise CommandError(f"commands.{name}: {argv[0]} did not finish in time") from None
    except (OSError, ValueError) as error:
        raise CommandError(f"commands.{name}: cannot run {argv[0]}: {error}") from None


def _web_url(url: str | None, what: str) -> str:
    if not url or not url.lower().startswith(("http://", "https://")):
        raise CommandError(f"{what}: only http and https links are opened")
    return url


# -- the actions ----------------------------------------------------------------------


def open_link(settings: CommandSettings, url: str | None, *, title: str = "",
              feed: str = "", wait: bool = False) -> list[str] | None:
    """Open a link in the browser its URL pattern names, else the system browser
    (`webbrowser`). Returns the argv that ran (None: the system browser)."""
    url = _web_url(url, "browser")
    argv = settings.browser_for(url)
    if argv is None:
        import webbrowser

        if not webbrowser.open(url):
            raise CommandError("browser: no browser found; set commands.browser")
        return None
    filled = fill(argv, {"url": url, "title": title, "feed": feed})
    run(filled, wait=wait, name="browser")
    return filled


def play(settings: CommandSettings, url: str | None, *, title: str = "", feed: str = "",
         file: Path | None = None, wait: bool = False, quiet: bool = False) -> list[str]:
    """Play an enclosure (its URL, or `file` once downloaded) with `commands.player`."""
    if settings.player is None:
        raise CommandError("no player: set commands.player, such as [\"mpv\", \"--\", \"{url}\"]")
    url = _web_url(url, "player")
    filled = fill(settings.player, {"url": url, "title": title, "feed": feed,
                                    "file": str(file) if file else ""})
    run(filled, wait=wait, name="player", quiet=quiet)
    return filled


def bookmark(settings: CommandSettings, url: str | None, *, title: str = "",
             feed: str = "", quiet: bool = False) -> int | None:
    """Hand an item to `commands.bookmark`; its exit status."""
    if settings.bookmark is None:
        raise CommandError("no bookmark command: set commands.bookmark")
    url = _web_url(url, "bookmark")
    return run(fill(settings.bookmark, {"url": url, "title": title, "feed": feed}),
               name="bookmark", quiet=quiet)


def pipe(settings: CommandSettings, text: str, *, url: str = "", title: str = "",
         feed: str = "", quiet: bool = False) -> int | None:
    """Send an article's text to `commands.pipe` on its stdin; its exit status."""
    if settings.pipe is None:
        raise CommandError("no pipe command: set commands.pipe")
    return run(fill(settings.pipe, {"url": url, "title": title, "feed": feed}),
               stdin_text=text, name="pipe", quiet=quiet)


def article_document(title: str, text: str, *, feed: str = "", url: str | None = None,
                     published: datetime | None = None, fmt: str = "markdown") -> str:
    """An article as a Markdown or plain-text document (the text is kept as it is)."""
    when = published.strftime("%Y-%m-%d %H:%M UTC") if published else ""
    meta = [part for part in (feed, when) if part]
    if fmt == "text":
        head = [title or "Untitled", " · ".join(meta), url or ""]
        return "\n".join(line for line in head if line) + "\n\n" + text.rstrip() + "\n"
    heading = " ".join((title or "Untitled").split())
    lines = [f"# {_markdown_line(heading)}", ""]
    if meta:
        lines += [_markdown_line(" · ".join(meta)), ""]
    if url:
        lines += [f"<{url}>", ""]
    return "\n".join(lines) + "\n" + text.rstrip() + "\n"


def _markdown_line(text: str) -> str:
    """A line that Markdown shows as written (no heading, link or HTML of the feed's)."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|])", r"\\\1", text)


def save(settings: CommandSettings, title: str, text: str, *, feed: str = "",
         url: str | None = None, published: datetime | None = None,
         folder: Path | None = None) -> Path:
    """Write an article into `folder` (or commands.save_dir, or the download folder) under
    a safe new name, then run `commands.save` with {file} when set. Returns the file."""
    from feeds.download import default_folder, safe_file_name, unique_path

    target = Path(folder or settings.save_dir or default_folder()).expanduser()
    fmt = settings.save_format
    extension = ".md" if fmt == "markdown" else ".txt"
    name = safe_file_name(title, url=None, default_ext=extension, fallback="article")
    try:
        target.mkdir(parents=True, exist_ok=True)
        path = unique_path(target, name)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "w",
                       encoding="utf-8") as handle:
            handle.write(article_document(title, text, feed=feed, url=url,
                                          published=published, fmt=fmt))
    except OSError as error:
        raise CommandError(f"cannot save to {target}: {error.strerror or error}") from None
    if settings.save is not None:
        run(fill(settings.save, {"url": url or "", "title": title, "feed": feed,
                                 "file": str(path)}), wait=False, name="save")
    return path
