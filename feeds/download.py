"""Downloading an enclosure (a podcast episode) to a file: streamed, resumable, named safely.

Not the feed fetcher: a download is streamed to disk instead of held in memory, so it is
capped by its own limit (2 GiB by default), not the 10 MiB feed limit. A connection cut in
the middle is resumed with a Range request (checked against the first answer's ETag or
Last-Modified with If-Range); a `.part` file left by an earlier run is resumed too.

The feed controls no path: the file name is made from the title (or the URL's last segment)
with every separator, control character, leading dot and reserved name removed, and the file
is always created directly inside the chosen folder, never over an existing file.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    import httpx

from feeds import __version__

DEFAULT_MAX_DOWNLOAD = 2 * 1024 ** 3
CHUNK = 64 * 1024
MAX_NAME_BYTES = 200  # below every common file system's 255
RETRIES = 5

Progress = Callable[[int, int | None], None]  # (bytes so far, total when known)

_BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f/\\\\:*?\"<>|\u200e\u200f\u202a-\u202e"
                        "\u2066-\u2069\u2028\u2029\ufeff]")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,6}")
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class _Restart(Exception):
    """The server cannot resume where we are: start the file over."""


class DownloadError(Exception):
    """A download failed; the message says why in one line. A `.part` file may be kept so a
    later try resumes it."""


@dataclass(frozen=True, slots=True)
class DownloadResult:
    path: Path
    size: int
    resumed: bool  # some of it came from a Range request


def default_folder() -> Path:
    """The platform's download folder (XDG_DOWNLOAD_DIR on Linux, ~/Downloads elsewhere)."""
    from platformdirs import user_downloads_path

    return user_downloads_path()


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _BAD_CHARS.sub(" ", text)
    return " ".join(text.split()).strip(" .-_")


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, never splitting a character."""
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", "ignore").rstrip(" .")


def safe_file_name(title: str, url: str | None = None, kind: str = "", *,
                   default_ext: str = "", fallback: str = "download") -> str:
    """A file name that names nothing but a file in the folder it is put in: from `title`,
    else the URL's last segment; the extension from the URL, else the media type."""
    segment = ""
    if url:
        try:
            segment = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        except ValueError:
            segment = ""
    stem, dot, suffix = segment.rpartition(".")
    extension = ""
    if dot and _EXTENSION.fullmatch("." + suffix):
        extension = "." + suffix.lower()
    elif kind:
        extension = mimetypes.guess_extension(kind.split(";")[0].strip().lower()) or ""
    extension = extension or default_ext
    if not _EXTENSION.fullmatch(extension or "."):
        extension = ""
    base = _clean(title) or _clean(stem if dot else segment) or fallback
    if extension and base.lower().endswith(extension.lower()):
        base = base[: -len(extension)].rstrip(" .") or fallback
    base = _cut(base, MAX_NAME_BYTES - len(extension.encode()) - 12) or fallback
    if _RESERVED.fullmatch(base):
        base = "_" + base
    return base + extension


def unique_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/name (2)` ... when taken. Refuses a name that would leave
    the folder (it cannot, after `safe_file_name`, but the check is cheap)."""
    candidate = folder / name
    if candidate.parent != folder or name in ("", ".", "..") or "/" in name or "\\" in name:
        raise DownloadError(f"unsafe file name refused: {name!r}")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    number = 2
    while os.path.lexists(candidate):
        candidate = folder / (f"{stem} ({number})" + (f".{extension}" if extension else ""))
        number += 1
    return candidate


def part_path(folder: Path, name: str, url: str) -> Path:
    """Where a download in progress is kept: hidden, and tied to its URL, so a later try
    resumes the right file."""
    tag = hashlib.sha256(url.encode("utf-8", "replace")).hexdigest()[:12]
    return folder / f".{_cut(name, MAX_NAME_BYTES - 25)}.{tag}.part"


def _open_part(path: Path, truncate: bool) -> int:
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= os.O_TRUNC if truncate else os.O_APPEND
    return os.open(path, flags, 0o644)


def _validator(response: httpx.Response) -> str | None:
    """What If-Range may carry: a strong ETag, else Last-Modified."""
    etag = response.headers.get("etag", "").strip()
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("last-modified", "").strip() or None


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{count} bytes"


async def download(
    url: str,
    folder: Path,
    *,
    title: str = "",
    kind: str = "",
    max_bytes: int = DEFAULT_MAX_DOWNLOAD,
    progress: Progress | None = None,
    client: httpx.AsyncClient | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
    retries: int = RETRIES,
) -> DownloadResult:
    """Download `url` into `folder`; raises DownloadError (one line) when it cannot."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        raise DownloadError(f"only http and https enclosures are downloaded, not {url!r}")
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        folder = folder.resolve()
    except OSError as error:
        raise DownloadError(f"cannot use the folder {folder}: {error.strerror or error}"
                            ) from None
    name = safe_file_name(title, url, kind)
    part = part_path(folder, name, url)
    own_client = client is None
    import httpx  # paid for only when something is downloaded

    http = client or httpx.AsyncClient(
        headers={"User-Agent": f"reader/{__version__} (terminal news reader)"},
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        follow_redirects=True, max_redirects=5)
    try:
        size, resumed = await _fetch_to(http, url, part, max_bytes, progress, retries)
    finally:
        if own_client:
            await http.aclose()
    try:
        final = unique_path(folder, name)
        os.replace(part, final)
    except OSError as error:
        raise DownloadError(f"cannot write into {folder}: {error.strerror or error}") from None
    return DownloadResult(final, size, resumed)


async def _fetch_to(http: httpx.AsyncClient, url: str, part: Path, max_bytes: int,
                    progress: Progress | None, retries: int) -> tuple[int, bool]:
    """Fill `part` from `url`, resuming after cut connections. Returns (size, resumed)."""
    import httpx

    try:
        offset = part.stat().st_size if part.is_file() and not part.is_symlink() else 0
    except OSError:
        offset = 0
    validator: str | None = None
    resumed = False
    failures = 0
    while True:
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        try:
            async with http.stream("GET", url, headers=headers) as response:
                if response.url.scheme not in ("http", "https"):
                    raise DownloadError("redirected to a non-http(s) URL")
                total, offset, truncate = _plan(response, offset)
                if total is not None and offset >= total:  # already whole (416 answer)
                    return offset, resumed
                if total is not None and total > max_bytes:
                    raise DownloadError(f"the file is {_size(total)}, more than the "
                                        f"{_size(max_bytes)} allowed")
                validator = validator or _validator(response)
                resumed = resumed or offset > 0
                offset = await _write(response, part, offset, truncate, total, max_bytes,
                                      progress)
                if total is not None and offset < total:
                    raise httpx.ReadError("the connection closed before the end")
                return offset, resumed
        except DownloadError:
            raise
        except _Restart:
            failures += 1
            if failures > retries:
                raise DownloadError("the server cannot resume this download") from None
            offset = 0
            os.close(_open_part(part, truncate=True))
        except httpx.ConnectError as error:
            # No server to talk to (no such host, refused, TLS): retrying changes nothing.
            from feeds.fetch import _describe_connect

            host = urlsplit(url).hostname or url
            raise DownloadError(f"download failed: {_describe_connect(error, host)}"
                                + (f" ({_size(offset)} kept for next time)" if offset else "")
                                ) from None
        except (httpx.TransportError, httpx.DecodingError) as error:
            failures += 1
            if failures > retries:
                raise DownloadError(f"download failed after {retries} retries: "
                                    f"{_reason(error)} ({_size(offset)} kept for next time)"
                                    ) from None
            try:
                offset = part.stat().st_size
            except OSError:
                offset = 0
            await asyncio.sleep(min(0.2 * failures, 2.0))
        except httpx.HTTPError as error:
            raise DownloadError(f"download failed: {_reason(error)}") from None
        except OSError as error:
            raise DownloadError(f"cannot write {part.parent}: {error.strerror or error}"
                                ) from None


def _plan(response: httpx.Response, offset: int) -> tuple[int | None, int, bool]:
    """(expected total size, where writing starts, whether to start the file over)."""
    status = response.status_code
    declared = response.headers.get("content-length", "").strip()
    length = int(declared) if declared.isdigit() else None
    if status == 206 and offset:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
        if match and int(match.group(1)) == offset:
            total = int(match.group(3)) if match.group(3) != "*" else None
            return total, offset, False
        raise _Restart
    if status == 416 and offset:
        match = re.fullmatch(r"bytes\s+\*/(\d+)", response.headers.get("content-range", ""))
        if match and int(match.group(1)) == offset:
            return offset, offset, False
        raise _Restart
    if 200 <= status < 300:
        return length, 0, True
    phrase = response.reason_phrase or ""
    raise DownloadError(f"HTTP {status} {phrase}".strip())


async def _write(response: httpx.Response, part: Path, offset: int, truncate: bool,
                 total: int | None, max_bytes: int, progress: Progress | None) -> int:
    descriptor = _open_part(part, truncate)
    try:
        written = 0 if truncate else offset
        if progress:
            progress(written, total)
        async for chunk in response.aiter_raw():  # as it arrives: a cut loses nothing
            written += len(chunk)
            if written > max_bytes:
                os.close(descriptor)
                descriptor = -1
                part.unlink(missing_ok=True)
                raise DownloadError(f"the file is larger than the {_size(max_bytes)} allowed")
            view = memoryview(chunk)
            while view:
                view = view[os.write(descriptor, view):]
            if progress:
                progress(written, total)
        return written
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    if "incomplete" in text or "without sending complete" in text:
        return "the connection closed before the end"
    return text or type(error).__name__
