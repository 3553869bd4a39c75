"""What real feeds are made of, measured from ../shared/corpus: formats, guid forms, missing
links, xml:base, 8-bit encodings, namespaces, CDATA, entities, enclosures, media/itunes
elements, items per feed, and how feeds spread over hosts. The realistic generator draws its
feeds from these shares, and the benchmark prints them, so a reader can check both."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from tests.benchmarks.context import REPO

CORPUS = REPO.parent / "shared" / "corpus"
SHARED_CORPUS = Path("/work/shared/corpus")
NO_CORPUS = "../shared/corpus is absent: corpus rows not measured, generator uses built-in shares"

_ATOM = "http://www.w3.org/2005/Atom"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""", re.I)


def corpus_folder() -> Path | None:
    for folder in (CORPUS, SHARED_CORPUS):
        if folder.is_dir():
            return folder
    return None


def corpus_documents() -> list[tuple[str, bytes]]:
    """(path inside the corpus, bytes) for every document; [] when the corpus is absent."""
    folder = corpus_folder()
    if folder is None:
        return []
    return [(str(path.relative_to(folder)), path.read_bytes())
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name not in ("MANIFEST.tsv", "README.md")]


@dataclass
class FeatureMix:
    """Shares (0-1) of documents or of items with each feature, as measured."""

    documents: int = 0
    formats: dict[str, float] = field(default_factory=dict)  # rss20, atom10, rdf, rss09x, atom03
    items: list[int] = field(default_factory=list)  # items per feed
    guid_permalink: float = 0.30  # items: a guid that is its link (isPermaLink absent/true)
    guid_opaque: float = 0.35  # items: isPermaLink="false" or a guid that is not a URL
    guid_absent: float = 0.35
    no_link: float = 0.03
    xml_base: float = 0.05  # documents
    eight_bit: float = 0.05  # documents declaring an 8-bit encoding (iso-8859-x, windows-125x)
    cdata: float = 0.60  # documents with CDATA sections
    entities: float = 0.50  # documents with character references (&#8217;)
    content_encoded: float = 0.40  # items
    dc_creator: float = 0.40  # items
    enclosure: float = 0.15  # items
    media: float = 0.10  # items with media:* elements
    itunes: float = 0.10  # items with itunes:* elements
    item_bytes: int = 2500  # median size of an item

    def lines(self) -> list[str]:
        formats = ", ".join(f"{name} {share:.0%}" for name, share in self.formats.items())
        items = (f"median {statistics.median(self.items):.0f}, max {max(self.items)}"
                 if self.items else "-")
        return [
            f"measured from {self.documents} well-formed RSS/Atom documents of the corpus",
            f"formats: {formats}; items per feed: {items}; median item {self.item_bytes} B",
            f"items: guid = link {self.guid_permalink:.0%}, opaque guid {self.guid_opaque:.0%}, "
            f"no guid {self.guid_absent:.0%}, no link {self.no_link:.0%}, content:encoded "
            f"{self.content_encoded:.0%}, dc:creator {self.dc_creator:.0%}, enclosure "
            f"{self.enclosure:.0%}, media:* {self.media:.0%}, itunes:* {self.itunes:.0%}",
            f"documents: xml:base {self.xml_base:.0%}, 8-bit encoding {self.eight_bit:.0%}, "
            f"CDATA {self.cdata:.0%}, character references {self.entities:.0%}",
        ]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _namespace(tag: object) -> str:
    return tag[1:].split("}", 1)[0].lower() if isinstance(tag, str) and tag[0] == "{" else ""


def measure(documents: list[tuple[str, bytes]]) -> FeatureMix:
    mix = FeatureMix()
    if not documents:
        mix.formats = {"rss20": 0.6, "atom10": 0.3, "rdf": 0.05, "rss09x": 0.05}
        mix.items = [20]
        return mix
    formats: Counter[str] = Counter()
    docs: Counter[str] = Counter()
    items: Counter[str] = Counter()
    sizes: list[int] = []
    for _, body in documents:
        try:
            root = etree.fromstring(body, _PARSER)
        except Exception:
            continue
        name = _local(root.tag)
        if name == "rss":
            version = (root.get("version") or "").strip()
            kind = "rss20" if version.startswith("2") else "rss09x"
        elif name == "rdf":
            kind = "rdf"
        elif name == "feed":
            kind = "atom10" if _namespace(root.tag) == _ATOM.lower() else "atom03"
        else:
            continue
        formats[kind] += 1
        declared = _DECLARED.match(body)
        if declared and not declared.group(1).lower().startswith((b"utf", b"us-ascii")):
            docs["eight_bit"] += 1
        docs["xml_base"] += b"xml:base" in body
        docs["cdata"] += b"<![CDATA[" in body
        docs["entities"] += re.search(rb"&#x?[0-9a-fA-F]+;", body) is not None
        entries = [e for e in root.iter() if _local(e.tag) in ("item", "entry")]
        mix.items.append(len(entries))
        for entry in entries:
            items["all"] += 1
            sizes.append(len(etree.tostring(entry)))
            children = [c for c in entry if isinstance(c.tag, str)]
            names = {(_namespace(c.tag), _local(c.tag)) for c in children}
            links = [c for c in children if _local(c.tag) == "link"]
            link = ""
            for candidate in links:
                link = (candidate.get("href") or candidate.text or "").strip()
                if link:
                    break
            items["no_link"] += not link
            guid = next((c for c in children if _local(c.tag) in ("guid", "id")), None)
            if guid is None:
                items["guid_absent"] += 1
            elif (guid.get("isPermaLink") or "true") == "true" and (guid.text or "").strip(
            ).startswith("http"):
                items["guid_permalink"] += 1
            else:
                items["guid_opaque"] += 1
            namespaces = {space for space, _ in names}
            items["content_encoded"] += ("http://purl.org/rss/1.0/modules/content/",
                                         "encoded") in names
            items["dc_creator"] += ("http://purl.org/dc/elements/1.1/", "creator") in names
            items["enclosure"] += any(local == "enclosure" for _, local in names) or any(
                (c.get("rel") or "") == "enclosure" for c in links)
            items["media"] += any(space.startswith("http://search.yahoo.com/mrss")
                                  for space in namespaces)
            items["itunes"] += any("itunes.com" in space for space in namespaces)
    total = sum(formats.values())
    mix.documents = total
    mix.formats = {name: count / total for name, count in formats.most_common()}
    for key in ("xml_base", "eight_bit", "cdata", "entities"):
        setattr(mix, key, docs[key] / total)
    every = max(1, items["all"])
    for key in ("guid_permalink", "guid_opaque", "guid_absent", "no_link", "content_encoded",
                "dc_creator", "enclosure", "media", "itunes"):
        setattr(mix, key, items[key] / every)
    mix.item_bytes = int(statistics.median(sizes)) if sizes else 2500
    return mix


def _own_url(body: bytes) -> str:
    """The URL a document names for itself (atom:link rel=self), else its site link."""
    try:
        root = etree.fromstring(body, _PARSER)
    except Exception:
        return ""
    site = ""
    for element in root.iter():
        if _local(element.tag) != "link":
            continue
        rel = element.get("rel") or ""
        href = (element.get("href") or "").strip()
        if rel == "self" and href:
            return href
        if not site:
            site = href or (element.text or "").strip()
    return site


def host_counts(documents: list[tuple[str, bytes]]) -> list[int]:
    """How many of the corpus's feeds each host serves, largest first."""
    hosts: Counter[str] = Counter()
    for _, body in documents:
        url = _own_url(body)
        try:
            host = (urlsplit(url).hostname or "").removeprefix("www.")
        except ValueError:
            host = ""
        if host and host not in ("localhost", "example.com", "example.org"):
            hosts[host] += 1
    return [count for _, count in hosts.most_common()]


def describe_hosts(counts: list[int]) -> str:
    if not counts:
        return "host distribution: no corpus"
    feeds = sum(counts)
    single = sum(1 for count in counts if count == 1)
    return (f"host distribution: {feeds} feeds naming their URL on {len(counts)} hosts; "
            f"{single} hosts serve one feed, the busiest {counts[0]} ({counts[:5]})")


def spread_over_hosts(count: int, counts: list[int], *, limit: int = 200) -> list[int]:
    """For `count` feeds, the loopback host number (0, 1, ...) of each, drawn so that feeds
    share hosts as the corpus's feeds do (its per-host counts scaled to `count` feeds)."""
    if not counts:
        return [index % 8 for index in range(count)]
    scale = count / sum(counts)
    hosts: list[int] = []
    for host, served in enumerate(counts):
        hosts += [min(host, limit - 1)] * max(1, round(served * scale))
    while len(hosts) < count:  # rounding: the rest on hosts of their own
        hosts.append(min(len(set(hosts)), limit - 1))
    return hosts[:count]
