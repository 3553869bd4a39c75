"""The bundled offline demo story.

Three small RSS files from imaginary outlets retell the January 2022 unrest in Kazakhstan (the
fuel protests, the government's resignation, the CSTO deployment and its withdrawal) in words
written for this project, plus a few unrelated items, so that a first launch with no network is
already a full reader with a story to follow. They ship as package data next to this module.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["demo_paths", "demo_urls", "is_demo_url"]

_FOLDER = Path(__file__).resolve().parent


def demo_paths() -> list[Path]:
    """The bundled XML feeds, in a stable order."""
    return sorted(_FOLDER.glob("*.xml"))


def demo_urls() -> list[str]:
    """The demo feeds as file:// URIs, which is how they are subscribed to."""
    return [path.as_uri() for path in demo_paths()]


def is_demo_url(url: str) -> bool:
    """Whether `url` points at a bundled demo feed: this installation's, or the same file of
    an earlier one (a store keeps the URL it subscribed to after the package moves)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    try:
        path = Path(unquote(parts.path)).resolve()
    except (OSError, ValueError):
        return False
    ours = demo_paths()
    if path in ours:
        return True
    return (path.name in {known.name for known in ours}
            and path.parent.name == "demo" and path.parent.parent.name == "feeds")
