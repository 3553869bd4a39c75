"""Seeded feeds for the refresh figures: RSS 2.0 and Atom mixed, ~3 KB of HTML per item.

Every third feed is Atom; of the RSS feeds, half carry the full text in content:encoded with a
short description beside it, half put the whole HTML in the description. Items are dated over
the last weeks before `anchor` (midnight UTC today by default), so a run on the same day serves
byte-identical documents. Links point at example.com and are never fetched.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from tests.benchmarks.textgen import Vocabulary

POOL_PARAGRAPHS = 1_500


@dataclass(frozen=True, slots=True)
class Document:
    """One feed as served: its path on the server, bytes and type."""

    path: str
    body: bytes
    content_type: str
    kind: str  # "rss", "rss+content" or "atom"
    items: int


def today_anchor() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class _Pool:
    """Pre-built HTML paragraphs (inline links and emphasis), so 25,000 items take a second."""

    def __init__(self, vocabulary: Vocabulary, rng: random.Random) -> None:
        self.rng = rng
        self.html: list[str] = []
        for number in range(POOL_PARAGRAPHS):
            words = vocabulary.paragraph(rng.randint(60, 100)).split(" ")
            at = rng.randrange(len(words))
            words[at] = f'<a href="https://example.com/ref/{number}">{words[at]}</a>'
            at = rng.randrange(len(words))
            words[at] = f"<em>{words[at]}</em>"
            if number % 3 == 0:
                at = rng.randrange(len(words))
                words[at] = f"<strong>{words[at]}</strong>"
            self.html.append("<p>" + " ".join(words) + "</p>")
        self.lists = [
            "<ul>" + "".join(f"<li>{vocabulary.sentence(rng.randint(4, 9))}</li>"
                             for _ in range(rng.randint(2, 4))) + "</ul>"
            for _ in range(100)
        ]

    def body(self, paragraphs: int) -> str:
        parts = self.rng.sample(self.html, paragraphs)
        if self.rng.random() < 0.3:
            parts.insert(self.rng.randrange(len(parts)), self.rng.choice(self.lists))
        return "\n".join(parts)


def generate_feeds(count: int, items: int, *, seed: int = 7,
                   anchor: datetime | None = None) -> list[Document]:
    """`count` feeds of `items` items each; the same arguments give the same bytes."""
    anchor = anchor or today_anchor()
    rng = random.Random(seed)
    vocabulary = Vocabulary.make(seed)
    pool = _Pool(vocabulary, rng)
    documents = []
    for number in range(count):
        if number % 3 == 2:
            kind = "atom"
        else:
            kind = "rss+content" if number % 2 else "rss"
        spacing = timedelta(hours=rng.uniform(4, 14))  # 50 items span about 1-4 weeks
        feed = _FeedWriter(number, kind, vocabulary, pool, rng)
        entries = [feed.item(index, anchor - spacing * (index + rng.random()))
                   for index in range(items)]
        body = feed.document(entries, anchor).encode("utf-8")
        path = f"/feeds/{number}.atom" if kind == "atom" else f"/feeds/{number}.xml"
        content_type = ("application/atom+xml" if kind == "atom" else "application/rss+xml")
        documents.append(Document(path, body, content_type + "; charset=utf-8", kind, items))
    return documents


class _FeedWriter:
    def __init__(self, number: int, kind: str, vocabulary: Vocabulary, pool: _Pool,
                 rng: random.Random) -> None:
        self.number = number
        self.kind = kind
        self.vocabulary = vocabulary
        self.pool = pool
        self.rng = rng
        self.title = f"Bench feed {number}: {vocabulary.title()}"
        self.site = f"https://example.com/site{number}/"
        self.authors = [f"{vocabulary.name()} {vocabulary.name()}" for _ in range(3)]

    def item(self, index: int, published: datetime) -> str:
        title = escape(self.vocabulary.title())
        link = f"{self.site}{published:%Y/%m}/{index}-story"
        author = escape(self.rng.choice(self.authors))
        body = self.pool.body(self.rng.randint(3, 5))
        summary = escape(self.vocabulary.sentence(self.rng.randint(15, 30)))
        category = escape(self.vocabulary.name())
        if self.kind == "atom":
            stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
            return (
                f"<entry><title>{title}</title><link rel=\"alternate\" href=\"{link}\"/>"
                f"<id>tag:example.com,2024:feed{self.number}/item{index}</id>"
                f"<published>{stamp}</published><updated>{stamp}</updated>"
                f"<author><name>{author}</name></author><category term=\"{category}\"/>"
                f"<summary type=\"html\">{summary}</summary>"
                f"<content type=\"html\">{escape(body)}</content></entry>\n"
            )
        parts = [
            f"<item><title>{title}</title><link>{link}</link>",
            f"<guid isPermaLink=\"false\">bench-{self.number}-{index}</guid>",
            f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>",
            f"<dc:creator>{author}</dc:creator><category>{category}</category>",
        ]
        if self.kind == "rss+content":
            parts.append(f"<description>{summary}</description>")
            parts.append(f"<content:encoded><![CDATA[{body}]]></content:encoded>")
        else:
            parts.append(f"<description>{escape(body)}</description>")
        parts.append("</item>\n")
        return "".join(parts)

    def document(self, entries: list[str], anchor: datetime) -> str:
        title = escape(self.title)
        if self.kind == "atom":
            return (
                '<?xml version="1.0" encoding="utf-8"?>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{title}</title><link rel=\"alternate\" href=\"{self.site}\"/>"
                f"<id>tag:example.com,2024:feed{self.number}</id>"
                f"<updated>{anchor:%Y-%m-%dT%H:%M:%SZ}</updated>\n"
                + "".join(entries) + "</feed>\n"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{title}</title><link>{self.site}</link>"
            f"<description>{escape(self.vocabulary.sentence(12))}</description>"
            f"<language>en</language>"
            f"<lastBuildDate>{format_datetime(anchor, usegmt=True)}</lastBuildDate>\n"
            + "".join(entries) + "</channel></rss>\n"
        )
