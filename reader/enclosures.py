"""Enclosures (podcast audio, video, files) as the reader shows and downloads them.

Shared by the command line and the app: one line per enclosure ("audio/mpeg · 24 MiB ·
42:10"), which items carry audio or video, the `[download]` settings, and downloading an
item's enclosure into the download folder under a safe name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feeds.download import DEFAULT_MAX_DOWNLOAD, DownloadError, DownloadResult, Progress
from feeds.model import Enclosure
from reader.locations import ConfigError

if TYPE_CHECKING:
    from reader.store import Store

_AUDIO = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wav")
_VIDEO = (".mp4", ".m4v", ".webm", ".mkv", ".mov", ".ogv")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_SCALE = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


@dataclass(frozen=True, slots=True)
class DownloadSettings:
    """The `[download]` table."""

    folder: Path | None = None  # None: the platform's download folder
    max_size: int = DEFAULT_MAX_DOWNLOAD

    def target(self, override: str | Path | None = None) -> Path:
        from feeds.download import default_folder

        return Path(override or self.folder or default_folder()).expanduser()


def download_settings(config: Mapping[str, Any]) -> DownloadSettings:
    table = config.get("download", {})
    if not isinstance(table, dict):
        raise ConfigError("config.toml: [download] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "folder":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError("config.toml: download.folder must be a folder")
            values["folder"] = Path(value).expanduser()
        elif key == "max_size":
            values["max_size"] = parse_size(value, "download.max_size")
        else:
            raise ConfigError(f"config.toml: unknown setting download.{key}")
    return DownloadSettings(**values)


def parse_size(value: Any, key: str) -> int:
    """Bytes from a number or a text such as "500M", "2 GiB"."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and (match := _SIZE.fullmatch(value.strip())):
        size = int(float(match.group(1)) * _SCALE[match.group(2).lower()])
        if size > 0:
            return size
    raise ConfigError(f"config.toml: {key} must be a size such as 2147483648 or \"2 GiB\"")


def media_kind(enclosure_type: str, url: str = "") -> str | None:
    """"audio", "video" or None, from the media type or else the URL's extension."""
    major = enclosure_type.split("/", 1)[0].strip().lower()
    if major in ("audio", "video"):
        return major
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(_AUDIO):
        return "audio"
    if path.endswith(_VIDEO):
        return "video"
    return None


def media_kinds(store: Store, item_ids: Iterable[int]) -> dict[int, str]:
    """Item id -> "audio" or "video" for listed items carrying such an enclosure."""
    kinds: dict[int, str] = {}
    for item_id, found in store.enclosure_types(item_ids).items():
        for enclosure_type, url in found:
            kind = media_kind(enclosure_type, url)
            if kind is not None:
                kinds[item_id] = kind
                break
    return kinds


def human_size(count: int | None) -> str:
    if not count:
        return ""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def human_duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def describe(enclosure: Enclosure) -> str:
    """One line for the article and `reader show`: type, size, duration, as known."""
    parts = [enclosure.type or "file", human_size(enclosure.length),
             human_duration(enclosure.duration)]
    return " · ".join(part for part in parts if part)


def as_json(enclosure: Enclosure) -> dict[str, Any]:
    """The `reader show --json` shape (DESIGN.md)."""
    return {"url": enclosure.url, "type": enclosure.type, "length": enclosure.length}


class NoEnclosure(Exception):
    """The item has no enclosure to download (or not the one asked for)."""


async def download_item(store: Store, item_id: int, settings: DownloadSettings, *,
                        folder: str | Path | None = None, index: int = 0,
                        progress: Progress | None = None) -> DownloadResult:
    """Download an item's enclosure (the first one by default), named after the item's
    title. Raises NoEnclosure or feeds.download.DownloadError, each in one line."""
    item = store.headline(item_id)
    if item is None:
        raise NoEnclosure(f"no item with id {item_id}")
    return await download_enclosure(item_id, item.title, store.enclosures(item_id), settings,
                                    folder=folder, index=index, progress=progress)


async def download_enclosure(item_id: int, title: str, enclosures: list[Enclosure],
                             settings: DownloadSettings, *, folder: str | Path | None = None,
                             index: int = 0, progress: Progress | None = None
                             ) -> DownloadResult:
    """`download_item` once the item's title and enclosures are read (the app reads them
    in its database threads, then downloads on its event loop)."""
    from feeds.download import download

    if not enclosures:
        raise NoEnclosure(f"item {item_id} has no enclosure")
    if not 0 <= index < len(enclosures):
        raise NoEnclosure(f"item {item_id} has {len(enclosures)} enclosure(s)")
    chosen = enclosures[index]
    name = title if len(enclosures) == 1 else f"{title} {index + 1}"
    return await download(chosen.url, settings.target(folder), title=name, kind=chosen.type,
                          max_bytes=settings.max_size, progress=progress)


__all__ = ["DownloadError", "DownloadSettings", "NoEnclosure", "as_json", "describe",
           "download_enclosure", "download_item", "download_settings", "media_kind", "media_kinds"]
