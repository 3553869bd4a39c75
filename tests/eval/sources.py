"""Where the third-party text for the evaluations lives, and how it is read.

Nothing here is copied into the repository: the Scrapinghub article-extraction benchmark (181
pages, MIT) is read from a git checkout of it, ../shared from the development workspace. Each
loader returns None when its source is absent, so tests can skip with a reason.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

AEB_GIT_DEFAULT = "/work/.mirror/scrapinghub+article-extraction-benchmark/repo"


def shared_dir() -> Path | None:
    """../shared: READER_SHARED, or the nearest `shared` folder above this file."""
    named = os.environ.get("READER_SHARED")
    if named:
        return Path(named) if Path(named).is_dir() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared"
        if (candidate / "temporal").is_dir():
            return candidate
    return None


def aeb_git_dir() -> Path | None:
    """A git directory of scrapinghub/article-extraction-benchmark (READER_AEB_GIT)."""
    path = Path(os.environ.get("READER_AEB_GIT", AEB_GIT_DEFAULT))
    return path if (path / "HEAD").exists() else None


@dataclass(frozen=True, slots=True)
class Page:
    """One benchmark page: its gold text, title, site and its own date (from its HTML)."""

    key: str  # the first 12 hex digits of the benchmark's id
    url: str
    site: str
    title: str
    text: str
    published: date | None


def _git_show(git_dir: Path, spec: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), "show", spec],
                          check=True, capture_output=True).stdout


def _cached_pages(name: str, version: bytes,
                  read: Callable[[], list[dict[str, str | None]]]) -> list[Page]:
    """Pages read once per version of their checkout and kept in a temp folder (reading and
    dating them takes about half a minute)."""
    digest = hashlib.sha256(version).hexdigest()[:16]
    folder = Path(os.environ.get("READER_EVAL_CACHE", Path(tempfile.gettempdir()) / "reader-eval"))
    folder.mkdir(parents=True, exist_ok=True)
    cache = folder / f"{name}-{digest}.json"
    if cache.exists():
        rows = json.loads(cache.read_text())
    else:
        rows = read()
        cache.write_text(json.dumps(rows))
    return [Page(r["key"], r["url"], r["site"], r["title"], r["text"],
                 date.fromisoformat(r["published"]) if r["published"] else None) for r in rows]


def aeb_pages() -> list[Page] | None:
    """The 181 pages, dated by trafilatura's metadata of each page."""
    git_dir = aeb_git_dir()
    if git_dir is None:
        return None
    return _cached_pages("aeb", _git_show(git_dir, "HEAD:ground-truth.json"),
                         lambda: _read_pages(git_dir))


def _read_pages(git_dir: Path) -> list[dict[str, str | None]]:
    from trafilatura import extract_metadata

    truth = json.loads(_git_show(git_dir, "HEAD:ground-truth.json"))
    rows: list[dict[str, str | None]] = []
    for item_id, gold in sorted(truth.items()):
        html = gzip.decompress(_git_show(git_dir, f"HEAD:html/{item_id}.html.gz"))
        meta = extract_metadata(html.decode("utf-8", "replace"), default_url=gold["url"])
        published = None
        if meta is not None and meta.date:
            try:
                published = date.fromisoformat(meta.date[:10]).isoformat()
            except ValueError:
                published = None
        host = urlsplit(gold["url"]).hostname or ""
        rows.append({
            "key": item_id[:12], "url": gold["url"],
            "site": host.removeprefix("www."),
            "title": (meta.title if meta is not None and meta.title else "") or "",
            "text": gold["articleBody"], "published": published,
        })
    return rows


READABILITY_GIT_DEFAULT = "/work/.mirror/mozilla+readability/repo"
READABILITY_PAGES = "test/test-pages"


def readability_git_dir() -> Path | None:
    """A git directory of mozilla/readability (READER_READABILITY_GIT)."""
    path = Path(os.environ.get("READER_READABILITY_GIT", READABILITY_GIT_DEFAULT))
    return path if (path / "HEAD").exists() else None


def readability_pages() -> list[Page] | None:
    """mozilla/readability's test pages (Apache-2.0): gold text from expected.html, title from
    expected-metadata.json, date and site from the page's own HTML (trafilatura's metadata).
    Cached in a temp folder like the benchmark's pages; None when the checkout is absent."""
    git_dir = readability_git_dir()
    if git_dir is None:
        return None
    head = _git_show(git_dir, "HEAD").split(b"\n", 1)[0]
    return _cached_pages("readability", head, lambda: _read_readability(git_dir))


def _read_readability(git_dir: Path) -> list[dict[str, str | None]]:
    import re

    from trafilatura import extract_metadata

    from feeds.text import html_to_text

    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "--name-only", f"HEAD:{READABILITY_PAGES}"],
        check=True, capture_output=True, text=True).stdout.split()
    rows: list[dict[str, str | None]] = []
    for name in sorted(listing):
        base = f"HEAD:{READABILITY_PAGES}/{name}"
        try:
            source = _git_show(git_dir, f"{base}/source.html").decode("utf-8", "replace")
            expected = _git_show(git_dir, f"{base}/expected.html").decode("utf-8", "replace")
            meta_json = json.loads(_git_show(git_dir, f"{base}/expected-metadata.json"))
        except (subprocess.CalledProcessError, ValueError):
            continue
        meta = extract_metadata(source)
        published = None
        if meta is not None and meta.date:
            try:
                published = date.fromisoformat(meta.date[:10]).isoformat()
            except ValueError:
                published = None
        url = (meta.url if meta is not None and meta.url else "") or ""
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        rows.append({
            "key": name, "url": url,
            "site": host or re.sub(r"-\d+$", "", name),
            "title": meta_json.get("title") or (meta.title if meta is not None else "") or "",
            "text": html_to_text(expected).text, "published": published,
        })
    return rows
