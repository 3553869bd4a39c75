"""Feeds as people publish them, drawn from the shares `corpus_mix` measured in ../shared/corpus.

Where the older generator (`feedgen`) writes one clean RSS 2.0 or Atom 1.0 shape, this one mixes
RSS 2.0, Atom 1.0, RSS 1.0 (RDF), RSS 0.9x and Atom 0.3; guids that are the link, opaque guids
(isPermaLink="false", urn:uuid) and none; missing links; xml:base with relative links;
ISO-8859-1 documents; CDATA or escaped HTML; character references; content:encoded,
dc:creator, enclosures with itunes:duration, media:content. Item bodies follow the corpus's
HTML (`BodyMix`): plain text or HTML, the share the sanitizer keeps without a parse, class and
style attributes, images, lists, headings, quotes, tables, scripts and iframes, references,
relative links and lengths. The same arguments give the same bytes. Every item keeps a unique
id whichever reader reads it (a guid, a link, or both).
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape

from tests.benchmarks.corpus_mix import (
    BODY_FEATURES,
    BODY_QUANTILES,
    OFF_QUICK,
    BodyMix,
    FeatureMix,
    takes_quick_path,
)
from tests.benchmarks.feedgen import Document, today_anchor
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
    bodies = _Bodies(mix.bodies, vocabulary, rng)
    sizes = items_per_feed(mix)
    formats = list(mix.formats) or ["rss20"]
    weights = [mix.formats[name] for name in formats] or [1.0]
    documents = []
    for number in range(count):
        kind = rng.choices(formats, weights)[0]
        writer = _Writer(number, kind, mix, vocabulary, bodies, rng)
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


_REFERENCES = ("&#8217;", "&nbsp;", "&amp;", "&#8220;", "&quot;", "&#x2014;")
_REMOVED = ('<script type="text/javascript">window.stats && stats.push("view");</script>',
            '<iframe src="https://www.youtube.com/embed/{n}" width="560" height="315" '
            'frameborder="0" allowfullscreen></iframe>',
            "<style>.wp-block-image{margin:0}</style>")
_CLASSES = ("wp-block-image", "entry-content", "alignnone size-full", "caption", "lead")


class _Bodies:
    """Item bodies whose HTML follows a `BodyMix`: plain text at its share; of HTML, the
    quick-path share drawn first, then each feature at its share within that class, at
    lengths drawn from the measured percentiles (log-linear between them)."""

    def __init__(self, bodies: BodyMix, vocabulary: Vocabulary, rng: random.Random) -> None:
        self.mix, self.rng, self.vocabulary = bodies, rng, vocabulary
        self.sentences = [vocabulary.sentence(rng.randint(6, 20)) for _ in range(3_000)]
        self.off_quick = [name for name in OFF_QUICK if bodies.other_features.get(name)]
        self.counter = 0

    def length(self, quantiles: list[int]) -> int:
        if len(quantiles) != len(BODY_QUANTILES):
            return 1_500
        at = self.rng.random() * BODY_QUANTILES[-1]
        index = max(0, bisect.bisect_right(BODY_QUANTILES, at) - 1)
        index = min(index, len(BODY_QUANTILES) - 2)
        low, high = BODY_QUANTILES[index], BODY_QUANTILES[index + 1]
        start, end = max(1, quantiles[index]), max(1, quantiles[index + 1])
        share = (at - low) / (high - low)
        return max(1, round(math.exp(math.log(start) + share * math.log(end / start))))

    def text(self, size: int) -> str:
        """About `size` characters of sentences (at least a few words)."""
        parts: list[str] = []
        total = 0
        while total < size:
            sentence = self.rng.choice(self.sentences)
            parts.append(sentence)
            total += len(sentence) + 1
        text = " ".join(parts)
        return text[:size].rstrip() or text[:40]

    def body(self, site: str) -> str:
        """One item's main body: plain text or an HTML fragment, as the mix says."""
        if self.rng.random() < self.mix.plain:
            return self.text(self.length(self.mix.plain_lengths))
        return self.html(site, self.rng.random() < self.mix.quick)

    def html(self, site: str, quick: bool) -> str:
        rng = self.rng
        shares = self.mix.quick_features if quick else self.mix.other_features
        has = {name for name in BODY_FEATURES if rng.random() < shares.get(name, 0.0)}
        if not quick and not has & set(OFF_QUICK) and self.off_quick:
            has.add(rng.choices(self.off_quick,
                                [self.mix.other_features[n] for n in self.off_quick])[0])
        self.counter += 1
        number = self.counter
        size = self.length(self.mix.quick_lengths if quick else self.mix.other_lengths)
        # One element carries class/style: an image at the share images carry one, else the
        # wrapper div, the first p, or a span.
        styled = "class/style" in has
        carrier = ""
        if styled:
            on_image = self.mix.image.get("class/style", 0.0) / max(
                0.01, self.mix.other_features.get("class/style", 0.0))
            carrier = ("img" if "img" in has and rng.random() < on_image else
                       "div" if "div" in has else "p" if "p" in has else "span")
            has.add(carrier)
        extra = self._blocks(has, site, number, carrier == "img")
        blocks: list[str] = []
        left = size - sum(len(block) for block in extra)
        while left > 0 or not blocks:
            words = self.text(min(left, rng.randint(150, 900))) if left > 0 else self.text(40)
            left -= len(words) + 7
            blocks.append(words)
        blocks = [self._inline(block, has, site, number, index, quick, carrier == "span")
                  for index, block in enumerate(blocks)]
        if "p" in has:
            opening = f'<p class="{rng.choice(_CLASSES)}">' if carrier == "p" else "<p>"
            blocks = [(opening if index == 0 else "<p>") + block + "</p>"
                      for index, block in enumerate(blocks)]
        elif len(blocks) > 1:
            separator = "<br><br>" if "br" in has else "\n\n"
            blocks = [separator.join(blocks)]
        for block in extra:
            blocks.insert(rng.randrange(len(blocks) + 1), block)
        html = "\n".join(blocks)
        if "div" in has:
            html = (f'<div class="{rng.choice(_CLASSES)}">' if carrier == "div" else "<div>") \
                + html + "</div>"
        if "<" not in html:  # an HTML fragment holds a tag at least
            html = f"<p>{html}</p>"
        if not quick and takes_quick_path(html):  # whatever was drawn, keep the class's share
            html += f'\n<p id="more-{number}">{self.text(40)}</p>'
        return html

    def _inline(self, text: str, has: set[str], site: str, number: int, index: int,
                quick: bool, styled: bool) -> str:
        """A paragraph's text with the inline features, the first paragraph carrying each."""
        if index > 0 and self.rng.random() < 0.6:
            return text
        rng = self.rng
        words = text.split(" ")

        def mark(markup: str) -> None:
            at = rng.randrange(len(words))
            words[at] = markup.replace("{w}", words[at])

        if "links" in has or "relative links" in has or "links with &" in has:
            path = f"{number}/{rng.choice(words).lower().strip('.')}"
            if "relative links" in has and index == 0:
                href = f"/{path}"
            elif "links with &" in has and index == 0:
                href = f"{site}{path}?utm_source=feed&amp;utm_medium=rss"
            else:
                href = f"{site}{path}"
            more = ' target="_blank" rel="noopener"' if "other attributes" in has else ""
            mark(f'<a href="{href}"{more}>{{w}}</a>')
        if "strong/em/b/i" in has:
            mark(rng.choice(("<strong>{w}</strong>", "<em>{w}</em>", "<b>{w}</b>", "<i>{w}</i>")))
        if "span" in has:
            mark('<span style="font-weight: 400;">{w}</span>' if styled and index == 0
                 else "<span>{w}</span>")
        if "br" in has:
            mark("{w}<br />" if rng.random() < 0.5 else "{w}<br>")
        if "character references" in has:
            mark(f"{{w}}{rng.choice(_REFERENCES)}")
        if "other tags" in has and index == 0:  # on the quick path only allowlisted ones
            mark(rng.choice(("{w}<sup>1</sup>", "<small>{w}</small>", "<cite>{w}</cite>")
                            if quick else ("<big>{w}</big>", "<tt>{w}</tt>", "{w}<wbr>")))
        return " ".join(words)

    def _blocks(self, has: set[str], site: str, number: int, styled_image: bool
                ) -> list[str]:
        """The block features: image, list, heading, quote, table, code, removed elements."""
        rng, text = self.rng, self.text
        blocks: list[str] = []
        if "img" in has:
            image = self.mix.image
            attributes = [f'src="{site}wp-content/uploads/{number}.jpg"']
            if rng.random() < image.get("alt", 0.0):
                attributes.append(f'alt="{escape(text(30))}"')
            if rng.random() < image.get("width/height", 0.0):
                attributes.append('width="1024" height="683"')
            if rng.random() < image.get("srcset/loading", 0.0):
                attributes.append(f'loading="lazy" srcset="{site}wp-content/uploads/'
                                  f'{number}-300x200.jpg 300w"')
            if styled_image:
                attributes.append(f'class="{rng.choice(_CLASSES)}"')
            img = f"<img {' '.join(attributes)} />"
            blocks.append(f"<figure>{img}<figcaption>{text(60)}</figcaption></figure>"
                          if "figure" in has else img)
        elif "figure" in has:
            blocks.append(f"<figure><blockquote>{text(120)}</blockquote>"
                          f"<figcaption>{text(40)}</figcaption></figure>")
        if "ul/ol/li" in has:
            tag = rng.choice(("ul", "ul", "ol"))
            blocks.append(f"<{tag}>" + "".join(f"<li>{text(rng.randint(30, 90))}</li>"
                                              for _ in range(rng.randint(2, 5))) + f"</{tag}>")
        if "h1-h6" in has:
            tag = rng.choice(("h2", "h3", "h3", "h4"))
            blocks.append(f"<{tag}>{text(rng.randint(20, 60))}</{tag}>")
        if "blockquote" in has:
            blocks.append(f"<blockquote>{text(rng.randint(80, 300))}</blockquote>")
        if "table" in has:
            rows = "".join(f"<tr><td>{text(20)}</td><td>{rng.randint(1, 999)}</td></tr>"
                           for _ in range(rng.randint(2, 4)))
            blocks.append(f"<table>{rows}</table>")
        if "pre/code" in has:
            blocks.append(rng.choice((f"<pre><code>{text(120)}</code></pre>",
                                      f"<p><code>{text(30)}</code></p>")))
        if "removed" in has:
            blocks.append(rng.choice(_REMOVED).replace("{n}", str(number)))
        if "other attributes" in has and not ("links" in has or "relative links" in has
                                             or "links with &" in has):
            blocks.append(f'<p id="more-{number}">{text(80)}</p>')
        return blocks


class _Writer:
    def __init__(self, number: int, kind: str, mix: FeatureMix, vocabulary: Vocabulary,
                 bodies: _Bodies, rng: random.Random) -> None:
        self.number, self.kind, self.mix = number, kind, mix
        self.vocabulary, self.bodies, self.rng = vocabulary, bodies, rng
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
        body = self.bodies.body(self.site)
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
