"""Feeds as people publish them, drawn from the shares `corpus_mix` measured in ../shared/corpus.

Where the older generator (`feedgen`) writes one clean RSS 2.0 or Atom 1.0 shape, this one mixes
RSS 2.0, Atom 1.0, RSS 1.0 (RDF), RSS 0.9x and Atom 0.3; guids that are the link, opaque guids
(isPermaLink="false", urn:uuid) and none; missing links; xml:base with relative links;
ISO-8859-1 documents; CDATA or escaped HTML; character references; content:encoded,
dc:creator, enclosures with itunes:duration, media:content. The same arguments give the same
bytes. Every item keeps a unique id whichever reader reads it (a guid, a link, or both).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape

from tests.benchmarks.corpus_mix import FeatureMix
from tests.benchmarks.feedgen import Document, _Pool, today_anchor
from tests.benchmarks.textgen import Vocabulary

_NS = ('xmlns:content="http://purl.org/rss/1.0/modules/content/" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" '
       'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
       'xmlns:media="http://search.yahoo.com/mrss/" '
       'xmlns:atom="http://www.w3.org/2005/Atom"')


def items_per_feed(mix: FeatureMix) -> list[int]:
    """The corpus's real captures (10+ items), capped at 100: what a subscription holds."""
    real = [min(count, 100) for count in mix.items if count >= 10]
    return real or [20]


def generate_realistic(count: int, mix: FeatureMix, *, seed: int = 13,
                       anchor: datetime | None = None, items: int | None = None
                       ) -> list[Document]:
    anchor = anchor or today_anchor()
    rng = random.Random(seed)
    vocabulary = Vocabulary.make(seed)
    pool = _Pool(vocabulary, rng)
    sizes = items_per_feed(mix)
    formats = list(mix.formats) or ["rss20"]
    weights = [mix.formats[name] for name in formats] or [1.0]
    documents = []
    for number in range(count):
        kind = rng.choices(formats, weights)[0]
        writer = _Writer(number, kind, mix, vocabulary, pool, rng)
        total = items or rng.choice(sizes)
        spacing = timedelta(hours=rng.uniform(2, 30))
        entries = [writer.item(index, anchor - spacing * (index + rng.random()))
                   for index in range(total)]
        text = writer.document(entries, anchor)
        encoding = "iso-8859-1" if writer.eight_bit else "utf-8"
        body = text.encode(encoding, "xmlcharrefreplace")
        extension = ".atom" if kind.startswith("atom") else ".rdf" if kind == "rdf" else ".xml"
        mime = "application/atom+xml" if kind.startswith("atom") else "application/rss+xml"
        charset = "" if writer.eight_bit and rng.random() < 0.5 else f"; charset={encoding}"
        documents.append(Document(f"/real/{number}{extension}", body, mime + charset, kind,
                                  total))
    return documents


class _Writer:
    def __init__(self, number: int, kind: str, mix: FeatureMix, vocabulary: Vocabulary,
                 pool: _Pool, rng: random.Random) -> None:
        self.number, self.kind, self.mix = number, kind, mix
        self.vocabulary, self.pool, self.rng = vocabulary, pool, rng
        self.base = rng.random() < mix.xml_base
        self.eight_bit = rng.random() < mix.eight_bit
        self.cdata = rng.random() < mix.cdata
        self.references = rng.random() < mix.entities
        self.site = f"https://site{number}.example/"
        self.authors = [f"{vocabulary.name()} {vocabulary.name()}" for _ in range(3)]

    def chance(self, share: float) -> bool:
        return self.rng.random() < share

    def words(self, text: str) -> str:
        """Text as XML: escaped, with typographic quotes as character references at times."""
        text = escape(text, quote=False)
        if self.eight_bit:
            text = text.replace("e ", "\u00e9 ", 1)
        if self.references and self.chance(0.5):
            text = text.replace(" ", " &#8217;", 1)
        return text

    def html(self, markup: str) -> str:
        if self.cdata and "]]>" not in markup:
            return f"<![CDATA[{markup}]]>"
        return escape(markup, quote=False)

    def item(self, index: int, published: datetime) -> str:
        mix, rng = self.mix, self.rng
        path = f"{published:%Y/%m}/{index}-{self.vocabulary.name().lower()}"
        link = path if self.base else f"{self.site}{path}"
        title = self.words(self.vocabulary.title())
        body = self.pool.body(rng.randint(2, 4))
        summary = self.vocabulary.sentence(rng.randint(15, 30))
        form = rng.choices(["link", "opaque", "none"],
                           [mix.guid_permalink, mix.guid_opaque, mix.guid_absent])[0]
        has_link = form == "none" or not self.chance(mix.no_link)  # an id either way
        opaque = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}"
        if self.kind.startswith("atom"):
            return self._atom_item(index, published, link, title, body, summary, form,
                                   has_link, opaque)
        if self.kind == "rdf":
            about = f"{self.site}{path}"
            return (f'<item rdf:about="{about}"><title>{title}</title><link>{about}</link>'
                    f"<description>{self.html(body)}</description>"
                    f"<dc:date>{published:%Y-%m-%dT%H:%M:%S+00:00}</dc:date>"
                    f"<dc:creator>{self.words(rng.choice(self.authors))}</dc:creator></item>\n")
        parts = [f"<item><title>{title}</title>"]
        if has_link:
            parts.append(f"<link>{link}</link>")
        if self.kind == "rss20" or form == "opaque":
            if form == "link" and has_link:
                parts.append(f"<guid>{self.site}{path}</guid>")
            elif form == "opaque" or not has_link:
                parts.append(f'<guid isPermaLink="false">{opaque}</guid>')
        parts.append(f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>")
        if self.chance(mix.dc_creator):
            parts.append(f"<dc:creator>{self.words(rng.choice(self.authors))}</dc:creator>")
        if self.chance(mix.content_encoded):
            parts.append(f"<description>{self.words(summary)}</description>")
            parts.append(f"<content:encoded>{self.html(body)}</content:encoded>")
        else:
            parts.append(f"<description>{self.html(body)}</description>")
        if self.chance(mix.enclosure):
            parts.append(f'<enclosure url="{self.site}media/{index}.mp3" type="audio/mpeg" '
                         f'length="{rng.randint(10**6, 9 * 10**7)}"/>')
        if self.chance(mix.itunes):
            parts.append(f"<itunes:duration>{rng.randint(0, 1)}:{rng.randint(0, 59):02d}:"
                         f"{rng.randint(0, 59):02d}</itunes:duration>"
                         f"<itunes:summary>{self.words(summary)}</itunes:summary>")
        if self.chance(mix.media):
            parts.append(f'<media:content url="{self.site}img/{index}.jpg" medium="image" '
                         f'type="image/jpeg"><media:description>{self.words(summary)}'
                         "</media:description></media:content>")
        parts.append("</item>\n")
        return "".join(parts)

    def _atom_item(self, index: int, published: datetime, link: str, title: str, body: str,
                   summary: str, form: str, has_link: bool, opaque: str) -> str:
        mix, rng = self.mix, self.rng
        stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
        entry_id = f"{self.site}?p={index}" if form == "link" else opaque
        parts = [f'<entry><title type="html">{title}</title><id>{entry_id}</id>']
        if has_link:
            parts.append(f'<link rel="alternate" type="text/html" href="{link}"/>')
        if self.kind == "atom03":
            parts.append(f"<issued>{stamp}</issued><modified>{stamp}</modified>")
            parts.append(f'<content type="text/html" mode="escaped">{self.html(body)}</content>')
        else:
            parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
            parts.append(f'<summary type="html">{self.words(summary)}</summary>')
            parts.append(f'<content type="html">{self.html(body)}</content>')
        parts.append(f"<author><name>{self.words(rng.choice(self.authors))}</name></author>")
        if self.chance(mix.enclosure):
            parts.append(f'<link rel="enclosure" type="audio/mpeg" length="12345" '
                         f'href="{self.site}media/{index}.mp3"/>')
        if self.chance(mix.media):
            parts.append(f'<media:content url="{self.site}img/{index}.jpg" type="image/jpeg"/>')
        parts.append("</entry>\n")
        return "".join(parts)

    def document(self, entries: list[str], anchor: datetime) -> str:
        encoding = "iso-8859-1" if self.eight_bit else "utf-8"
        head = f'<?xml version="1.0" encoding="{encoding}"?>\n'
        base = f' xml:base="{self.site}"' if self.base else ""
        title = self.words(f"{self.vocabulary.title()} {self.number}")
        stamp = anchor.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.kind == "atom10":
            return (head + f'<feed xmlns="http://www.w3.org/2005/Atom" '
                    f'xmlns:media="http://search.yahoo.com/mrss/"{base}><title>{title}</title>'
                    f'<link rel="alternate" href="{self.site}"/><id>{self.site}</id>'
                    f"<updated>{stamp}</updated>\n" + "".join(entries) + "</feed>\n")
        if self.kind == "atom03":
            return (head + f'<feed version="0.3" xmlns="http://purl.org/atom/ns#" '
                    f'xmlns:media="http://search.yahoo.com/mrss/"{base}>'
                    f'<title>{title}</title><link rel="alternate" type="text/html" '
                    f'href="{self.site}"/><modified>{stamp}</modified>\n'
                    + "".join(entries) + "</feed>\n")
        if self.kind == "rdf":
            return (head + '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                    'xmlns="http://purl.org/rss/1.0/" '
                    f'xmlns:dc="http://purl.org/dc/elements/1.1/"{base}>'
                    f'<channel rdf:about="{self.site}"><title>{title}</title>'
                    f"<link>{self.site}</link><description>d</description></channel>\n"
                    + "".join(entries) + "</rdf:RDF>\n")
        version = "2.0" if self.kind == "rss20" else "0.92"
        return (head + f'<rss version="{version}" {_NS}{base}><channel><title>{title}</title>'
                f"<link>{self.site}</link><description>{self.words('A feed.')}</description>"
                f"<ttl>60</ttl><lastBuildDate>{format_datetime(anchor, usegmt=True)}"
                "</lastBuildDate>\n" + "".join(entries) + "</channel></rss>\n")
