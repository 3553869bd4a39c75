"""Small RSS documents for tests, built from parameters (never from shared data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

BASE = datetime(2022, 1, 10, 12, 0, tzinfo=UTC)


def rss(title: str, entries: list[tuple[str, str]] | int, *, link: str = "http://example.org/",
        body: str = "Some words about {title}.", full: bool = True) -> str:
    """An RSS 2.0 document; `entries` is a count or (guid, title) pairs, newest first.

    `full`: each item carries its whole text in content:encoded, so opening it never fetches
    its link (tests stay off the network); otherwise only a <description> summary.
    """
    if isinstance(entries, int):
        entries = [(f"{title}-{i}", f"{title} item {i}") for i in range(entries)]
    items = []
    for index, (guid, item_title) in enumerate(entries):
        when = format_datetime(BASE - timedelta(hours=index))
        text = escape(body.format(title=item_title))
        items.append(
            f"<item><guid isPermaLink=\"false\">{escape(guid)}</guid>"
            f"<title>{escape(item_title)}</title><link>{escape(link)}{escape(guid)}</link>"
            f"<pubDate>{when}</pubDate><description>&lt;p&gt;{text}&lt;/p&gt;</description>"
            + (f"<content:encoded>&lt;p&gt;{text}&lt;/p&gt;</content:encoded>" if full else "")
            + "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>test feed</description>{''.join(items)}</channel></rss>"
    )
