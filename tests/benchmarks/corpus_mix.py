"""What real feeds are made of, measured from ../shared/corpus: formats, guid forms, missing
links, xml:base, 8-bit encodings, namespaces, CDATA, entities, enclosures, media/itunes
elements, items per feed, the HTML of item bodies (attributes, images, tags, references,
relative links, lengths, and how many take the sanitizer's quick path), and how feeds spread
over hosts. The realistic generator draws its feeds from these shares, and the benchmark prints
them, so a reader can check both: `python -m tests.benchmarks.corpus_mix` prints the corpus's
mix beside the generator's."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from feeds.text import _QUICK_OTHER_TAG, clean
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


# --- the HTML of item bodies ------------------------------------------------------------------

_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTRIBUTE_RE = re.compile(
    r"""([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_REFERENCE_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_XHTML_NS = re.compile(r' xmlns(?::[a-z]+)?="http://www\.w3\.org/1999/xhtml"')
# The tags each feature stands for; "removed" are those the sanitizer drops with their text.
_TAG_FEATURES = {
    "p": ("p",), "div": ("div",), "span": ("span",), "br": ("br",),
    "strong/em/b/i": ("strong", "em", "b", "i"), "ul/ol/li": ("ul", "ol", "li"),
    "h1-h6": ("h1", "h2", "h3", "h4", "h5", "h6"), "blockquote": ("blockquote",),
    "figure": ("figure", "figcaption"), "table": ("table", "tr", "td", "th"),
    "pre/code": ("pre", "code"), "removed": ("iframe", "script", "style", "object", "embed",
                                            "form", "noscript"),
}
# Every feature measured for an HTML fragment, in the order they are printed.
BODY_FEATURES = ("links", "relative links", "links with &", "class/style", "other attributes",
                 "img", *_TAG_FEATURES, "other tags", "character references")
# Of fragments with an <img>: the attributes it carries (src always).
IMG_ATTRIBUTES = ("alt", "width/height", "srcset/loading", "class/style")
# Features that keep a fragment off the quick path, whichever tag carries them.
OFF_QUICK = ("relative links", "links with &", "class/style", "other attributes", "img",
             "removed", "other tags")
_KNOWN_TAGS = {tag for tags in _TAG_FEATURES.values() for tag in tags} | {"a", "img"}
_ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width", "height", "srcset",
                                             "loading", "sizes", "title"}}
# Percentiles of fragment length kept (the longest 1% left out: a few 100 KB bodies would
# weigh more in a drawn sample than they do in the corpus).
BODY_QUANTILES = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99)


def takes_quick_path(fragment: str) -> bool:
    """Whether `feeds.text.sanitize_html` keeps `fragment` as it is, without a parse: plain
    text, or only attribute-less allowlisted tags and plain absolute links (its own test)."""
    fragment = clean(fragment)
    return "<" not in fragment or not _QUICK_OTHER_TAG.search(fragment)


def fragment_features(fragment: str) -> tuple[set[str], set[str]]:
    """The `BODY_FEATURES` an HTML fragment has, and the `IMG_ATTRIBUTES` of its images."""
    found: set[str] = set()
    image: set[str] = set()
    for match in _TAG_RE.finditer(fragment):
        tag = match.group(1).lower()
        attributes = {}
        for attribute in _ATTRIBUTE_RE.finditer(match.group(2)):
            value = next((v for v in attribute.group(2, 3, 4) if v is not None), "")
            attributes[attribute.group(1).lower()] = value
        if tag not in _KNOWN_TAGS:
            found.add("other tags")
        for feature, tags in _TAG_FEATURES.items():
            if tag in tags:
                found.add(feature)
        if "class" in attributes or "style" in attributes:
            found.add("class/style")
        allowed = _ALLOWED_ATTRIBUTES.get(tag, set()) | {"class", "style"}
        if set(attributes) - allowed:
            found.add("other attributes")
        url = attributes.get("href" if tag == "a" else "src" if tag == "img" else "", None)
        if tag == "a":
            found.add("links")
        if url is not None:
            if "&" in url:
                found.add("links with &")
            if not url.startswith("//") and not _SCHEME_RE.match(url):
                found.add("relative links")
        if tag == "img":
            found.add("img")
            if "alt" in attributes:
                image.add("alt")
            if "width" in attributes or "height" in attributes:
                image.add("width/height")
            if "srcset" in attributes or "loading" in attributes:
                image.add("srcset/loading")
            if "class" in attributes or "style" in attributes:
                image.add("class/style")
    if _REFERENCE_RE.search(fragment):
        found.add("character references")
    return found, image


def _percentiles(values: list[int]) -> list[int]:
    ordered = sorted(values)
    if not ordered:
        return []
    return [ordered[min(len(ordered) - 1, len(ordered) * share // 100)]
            for share in BODY_QUANTILES]


@dataclass
class BodyMix:
    """The HTML of item bodies, measured over every description, content:encoded and Atom
    content/summary of type html or xhtml (an "HTML fragment" holds a '<'). Shares are given
    among quick-path fragments and among the rest, so a generator that draws the quick share
    first and then each feature within its class reproduces both the features and the share
    of fragments the sanitizer never parses (drawing features independently would not: they
    come together, as a CMS writes them)."""

    fragments: int = 0  # HTML fragments measured
    plain: float = 0.0  # items whose body (content, else description) holds no '<'
    quick: float = 0.0  # HTML fragments that take the sanitizer's quick path
    quick_features: dict[str, float] = field(default_factory=dict)
    other_features: dict[str, float] = field(default_factory=dict)
    image: dict[str, float] = field(default_factory=dict)  # of fragments with an <img>
    quick_lengths: list[int] = field(default_factory=list)  # BODY_QUANTILES, characters
    other_lengths: list[int] = field(default_factory=list)
    plain_lengths: list[int] = field(default_factory=list)  # bodies without a '<'

    def share(self, feature: str) -> float:
        """The share of all HTML fragments with `feature`."""
        return (self.quick * self.quick_features.get(feature, 0.0)
                + (1 - self.quick) * self.other_features.get(feature, 0.0))

    def lines(self) -> list[str]:
        shares = ", ".join(f"{name} {self.share(name):.0%}" for name in BODY_FEATURES)
        image = ", ".join(f"{name} {share:.0%}" for name, share in self.image.items())

        def lengths(values: list[int]) -> str:
            return "/".join(str(values[i]) for i in (1, 5, 9)) if values else "-"

        return [
            f"item bodies: {self.plain:.0%} plain text; of {self.fragments} HTML fragments "
            f"{self.quick:.0%} take the sanitizer's quick path (no parse); length p10/p50/p90 "
            f"{lengths(self.quick_lengths)} chars on it, {lengths(self.other_lengths)} off it, "
            f"{lengths(self.plain_lengths)} as plain text",
            f"HTML fragments with: {shares}; their <img> with {image}",
        ]


# Built-in shares, used without ../shared/corpus: what `measure_bodies` found there (rounded;
# tests/test_realgen.py checks they stay within a few points of a new measurement).
_QUICK_SHARES = (0.61, 0, 0, 0, 0, 0, 0.81, 0, 0.02, 0.15, 0.28, 0.27, 0.03, 0.04, 0, 0, 0.16, 0,
                 0.03, 0.28)
_OTHER_SHARES = (0.82, 0.14, 0.20, 0.50, 0.63, 0.51, 0.71, 0.29, 0.19, 0.28, 0.39, 0.24, 0.18,
                 0.12, 0.08, 0.06, 0.15, 0.11, 0.21, 0.55)
FALLBACK_BODIES = BodyMix(
    fragments=0, plain=0.49, quick=0.24,
    quick_features=dict(zip(BODY_FEATURES, _QUICK_SHARES, strict=True)),
    other_features=dict(zip(BODY_FEATURES, _OTHER_SHARES, strict=True)),
    image={"alt": 0.78, "width/height": 0.60, "srcset/loading": 0.16, "class/style": 0.37},
    quick_lengths=[7, 202, 286, 360, 488, 677, 1124, 1979, 2830, 3618, 5338, 14005],
    other_lengths=[20, 354, 546, 731, 1057, 1598, 2355, 3681, 5836, 10053, 16288, 43138],
    plain_lengths=[2, 63, 83, 110, 140, 164, 193, 218, 240, 255, 255, 1734],
)


def _fragment_text(element: Any, atom: bool) -> str | None:
    """The HTML an item body element holds, as the sanitizer would get it; None when it is
    not HTML (an Atom text construct of type text)."""
    kind = (element.get("type") or "").strip().lower()
    if atom and kind in ("", "text", "text/plain"):
        return None
    if kind in ("xhtml", "application/xhtml+xml"):
        inner = [child for child in element if isinstance(child.tag, str)]
        if len(inner) == 1 and _local(inner[0].tag) == "div":
            element = inner[0]
        markup = (element.text or "") + "".join(
            etree.tostring(child, encoding="unicode") for child in element)
        return _XHTML_NS.sub("", markup)
    return "".join(element.itertext())


def entry_bodies(entry: Any, atom: bool) -> tuple[list[str], str | None]:
    """Every HTML body text of an item or entry, and its main body (content, else
    description or summary; None when it has none)."""
    content: list[str] = []
    short: list[str] = []
    for child in entry:
        if not isinstance(child.tag, str):
            continue
        name, space = _local(child.tag), _namespace(child.tag)
        if atom and name in ("content", "summary") and "atom" in space:
            text = _fragment_text(child, atom=True)
        elif not atom and (name == "description"
                           or (name == "encoded" and "content" in space)):
            text = _fragment_text(child, atom=False)
        else:
            continue
        if text is not None and text.strip():
            (content if name in ("content", "encoded") else short).append(clean(text))
    bodies = content + short
    return bodies, content[0] if content else short[0] if short else None


def measure_bodies(entries: list[tuple[Any, bool]]) -> BodyMix:
    """`BodyMix` of (item or entry element, is Atom) pairs."""
    counts = {True: Counter[str](), False: Counter[str]()}
    image: Counter[str] = Counter()
    lengths: dict[bool, list[int]] = {True: [], False: []}
    mains = plain = 0
    lengths_plain: list[int] = []
    for entry, atom in entries:
        bodies, main = entry_bodies(entry, atom)
        if main is not None:
            mains += 1
            plain += "<" not in main
            if "<" not in main:
                lengths_plain.append(len(main))
        for body in bodies:
            if "<" not in body:
                continue
            quick = takes_quick_path(body)
            found, attributes = fragment_features(body)
            counts[quick]["all"] += 1
            counts[quick].update(found)
            image.update(attributes)
            lengths[quick].append(len(body))
    mix = BodyMix()
    mix.fragments = counts[True]["all"] + counts[False]["all"]
    if not mix.fragments:
        return FALLBACK_BODIES
    mix.plain = plain / max(1, mains)
    mix.quick = counts[True]["all"] / mix.fragments
    mix.quick_features = {name: counts[True][name] / max(1, counts[True]["all"])
                          for name in BODY_FEATURES}
    mix.other_features = {name: counts[False][name] / max(1, counts[False]["all"])
                          for name in BODY_FEATURES}
    images = counts[True]["img"] + counts[False]["img"]
    mix.image = {name: image[name] / max(1, images) for name in IMG_ATTRIBUTES}
    mix.quick_lengths = _percentiles(lengths[True])
    mix.other_lengths = _percentiles(lengths[False])
    mix.plain_lengths = _percentiles(lengths_plain)
    return mix


# Built-in formats and items per feed (the deciles of the corpus's feeds of 10+ items).
FALLBACK_FORMATS = {"rss20": 0.50, "atom10": 0.27, "rss09x": 0.10, "rdf": 0.08, "atom03": 0.05}
FALLBACK_ITEMS = (10, 10, 10, 15, 20, 20, 25, 25, 42, 100)


@dataclass
class FeatureMix:
    """Shares (0-1) of documents or of items with each feature, as measured. The defaults
    are the built-in shares used without ../shared/corpus: what `measure` found there
    (rounded; tests/test_realgen.py checks they stay within a few points of it)."""

    documents: int = 0
    formats: dict[str, float] = field(default_factory=dict)  # rss20, atom10, rdf, rss09x, atom03
    items: list[int] = field(default_factory=list)  # items per feed
    guid_permalink: float = 0.25  # items: a guid that is its link (isPermaLink absent/true)
    guid_opaque: float = 0.59  # items: isPermaLink="false" or a guid that is not a URL
    guid_absent: float = 0.15
    no_link: float = 0.02
    xml_base: float = 0.11  # documents
    eight_bit: float = 0.08  # documents declaring an 8-bit encoding (iso-8859-x, windows-125x)
    cdata: float = 0.35  # documents with CDATA sections
    entities: float = 0.22  # documents with character references (&#8217;)
    content_encoded: float = 0.11  # items
    dc_creator: float = 0.21  # items
    enclosure: float = 0.26  # items
    media: float = 0.31  # items with media:* elements
    itunes: float = 0.22  # items with itunes:* elements
    item_bytes: int = 2185  # median size of an item
    bodies: BodyMix = field(default_factory=lambda: FALLBACK_BODIES)

    def lines(self) -> list[str]:
        formats = ", ".join(f"{name} {share:.0%}" for name, share in self.formats.items())
        items = (f"median {statistics.median(self.items):.0f}, max {max(self.items)}"
                 if self.items else "-")
        return [
            f"measured from {self.documents} well-formed RSS/Atom documents",
            f"formats: {formats}; items per feed: {items}; median item {self.item_bytes} B",
            f"items: guid = link {self.guid_permalink:.0%}, opaque guid {self.guid_opaque:.0%}, "
            f"no guid {self.guid_absent:.0%}, no link {self.no_link:.0%}, content:encoded "
            f"{self.content_encoded:.0%}, dc:creator {self.dc_creator:.0%}, enclosure "
            f"{self.enclosure:.0%}, media:* {self.media:.0%}, itunes:* {self.itunes:.0%}",
            f"documents: xml:base {self.xml_base:.0%}, 8-bit encoding {self.eight_bit:.0%}, "
            f"CDATA {self.cdata:.0%}, character references {self.entities:.0%}",
            *self.bodies.lines(),
        ]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _namespace(tag: object) -> str:
    return tag[1:].split("}", 1)[0].lower() if isinstance(tag, str) and tag[0] == "{" else ""


def measure(documents: list[tuple[str, bytes]]) -> FeatureMix:
    mix = FeatureMix()
    if not documents:
        mix.formats = dict(FALLBACK_FORMATS)
        mix.items = list(FALLBACK_ITEMS)
        return mix
    formats: Counter[str] = Counter()
    docs: Counter[str] = Counter()
    items: Counter[str] = Counter()
    sizes: list[int] = []
    bodies: list[tuple[Any, bool]] = []
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
        bodies += [(entry, kind.startswith("atom")) for entry in entries]
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
    mix.bodies = measure_bodies(bodies)
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


def main(feeds: int = 500) -> None:
    """Print the corpus's mix, then the same measurement of the realistic generator's feeds,
    so the two can be compared line by line."""
    from tests.benchmarks.realgen import generate_realistic

    documents = corpus_documents()
    if not documents:
        print(NO_CORPUS)
    mix = measure(documents)
    for line in mix.lines():
        print(f"corpus mix: {line}")
    generated = measure([(d.path, d.body) for d in generate_realistic(feeds, mix)])
    for line in generated.lines():
        print(f"generated mix ({feeds} realistic feeds): {line}")


if __name__ == "__main__":
    main()
