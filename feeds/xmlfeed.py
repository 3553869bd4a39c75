"""Our own reading of well-formed RSS 0.9x/1.0/2.0 and Atom 0.3/1.0, over an lxml tree.

feedparser reads about 1.4 MB/s here; lxml builds a tree at 150+ MB/s. This module walks that
tree and fills the same keys feedparser would (`id`, `title`, `link`, `links`, `summary`,
`content`, `published`, `author_detail`, `tags`, `media_content`, ...), following its rules
where they decide what the user sees: which guid becomes a link (isPermaLink), which of two
titles or descriptions wins (first, last, or by depth), when a second description becomes the
content, Atom's rel/type link choice, xml:base, text-or-HTML guessing, C1 repair. The caller
(`feeds.parse`) then maps both paths' dictionaries to `Entry` with one function, so sanitizing
and cleaning are the same code for both. `read` returns None for a document it does not
know (CDF, an unknown root): feedparser reads those.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Callable
from typing import Any

from lxml import etree

__all__ = ["XmlFeed", "read", "tree"]

# feedparser's namespace table (mixin.py): a URI maps to the prefix its handlers are named by.
_NAMESPACES: dict[str, str] = {
    "": "",
    "http://backend.userland.com/rss": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://example.com/newformat#": "",
    "http://example.com/necho": "",
    "http://purl.org/echo/": "",
    "uri/of/echo/namespace#": "",
    "http://purl.org/pie/": "",
    "http://purl.org/atom/ns#": "",
    "http://www.w3.org/2005/atom": "",
    "http://purl.org/rss/1.0/modules/rss091#": "",
    "http://webns.net/mvcb/": "admin",
    "http://purl.org/rss/1.0/modules/aggregation/": "ag",
    "http://purl.org/rss/1.0/modules/annotate/": "annotate",
    "http://media.tangent.org/rss/1.0/": "audio",
    "http://backend.userland.com/blogchannelmodule": "blogChannel",
    "http://creativecommons.org/ns#license": "cc",
    "http://web.resource.org/cc/": "cc",
    "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html": "creativeCommons",
    "http://backend.userland.com/creativecommonsrssmodule": "creativeCommons",
    "http://purl.org/rss/1.0/modules/company": "co",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://my.theinfo.org/changed/1.0/rss/": "cp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://purl.org/rss/1.0/modules/email/": "email",
    "http://purl.org/rss/1.0/modules/event/": "ev",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "http://freshmeat.net/rss/fm/": "fm",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "geo",
    "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml",
    "http://postneo.com/icbm/": "icbm",
    "http://purl.org/rss/1.0/modules/image/": "image",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://purl.org/rss/1.0/modules/link/": "l",
    "http://search.yahoo.com/mrss": "media",
    "http://search.yahoo.com/mrss/": "media",
    "http://madskills.com/public/xml/rss/module/pingback/": "pingback",
    "http://prismstandard.org/namespaces/1.2/basic/": "prism",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://purl.org/rss/1.0/modules/reference/": "ref",
    "http://purl.org/rss/1.0/modules/richequiv/": "reqv",
    "http://purl.org/rss/1.0/modules/search/": "search",
    "http://purl.org/rss/1.0/modules/slash/": "slash",
    "http://schemas.xmlsoap.org/soap/envelope/": "soap",
    "http://purl.org/rss/1.0/modules/servicestatus/": "ss",
    "http://hacks.benhammersley.com/rss/streaming/": "str",
    "http://purl.org/rss/1.0/modules/subscription/": "sub",
    "http://purl.org/rss/1.0/modules/syndication/": "sy",
    "http://schemas.pocketsoap.com/rss/mydescmodule/": "szf",
    "http://purl.org/rss/1.0/modules/taxonomy/": "taxo",
    "http://purl.org/rss/1.0/modules/threading/": "thr",
    "http://purl.org/rss/1.0/modules/textinput/": "ti",
    "http://madskills.com/public/xml/rss/module/trackback/": "trackback",
    "http://wellformedweb.org/commentapi/": "wfw",
    "http://purl.org/rss/1.0/modules/wiki/": "wiki",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/xml/1998/namespace": "xml",
    "http://podlove.org/simple-chapters": "psc",
}
_HTML_TYPES = frozenset({"application/xhtml+xml", "text/html"})
_SUMMARY_TYPES = _HTML_TYPES | {"text/plain"}  # a content of these types is also the summary
# Default types that `_content_type` keeps as they are and that are never base64.
_TEXT_KINDS = frozenset({"text/plain", "text/html"})
_XHTML = "application/xhtml+xml"
_XHTML_NS = "http://www.w3.org/1999/xhtml"
_EMAIL = re.compile(
    r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))"""
    r"""([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"""
)
_LINK_REF = re.compile("&([A-Za-z0-9_]+);")
# What feedparser's `_urifixer` rewrites: slashes after "scheme://" ("http:///x").
_EXTRA_SLASHES = re.compile(r"[A-Za-z][A-Za-z0-9+-.]*:///")

_PARSERS = threading.local()  # an lxml parser must not be used by two threads at once


def tree(body: bytes) -> Any:
    """The document's root element, or None when it is not well-formed XML. No entity is
    expanded, no DTD loaded, nothing fetched."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
            recover=False)
    try:
        return etree.fromstring(body, parser)
    except Exception:
        return None


def _cp1252_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x80, 0xA0):
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


_CP1252 = _cp1252_table()
_C1 = re.compile("[\x80-\x9f]")


def repaired(value: str) -> str:
    """Text as feedparser leaves it in a UTF-8 document: UTF-8 read as Latin-1 read again,
    C1 controls taken for the Windows-1252 characters they were meant to be."""
    if value.isascii():
        return value
    try:
        latin1 = value.encode("iso-8859-1")
    except UnicodeEncodeError:  # a character above U+00FF: not UTF-8 read as Latin-1
        # A C1 character is "\xc2\x80"-"\xc2\x9f" in UTF-8 (0xC2 is only ever a lead byte):
        # the encoding and byte searches are quicker than the character class over the text.
        data = value.encode("utf-8", "surrogatepass")
        if b"\xc2" not in data or not _UTF8_C1.search(data):
            return value
        return value.translate(_CP1252)
    else:
        try:
            value = latin1.decode("utf-8")
        except UnicodeDecodeError:
            # Not UTF-8 read as Latin-1: `value` is these bytes, one a character, and a C1
            # character is a byte 0x80-0x9F (deleting them is quicker than the class).
            if len(latin1.translate(None, _C1_BYTES)) == len(latin1):
                return value
            return value.translate(_CP1252)
    return value.translate(_CP1252) if _C1.search(value) else value


_C1_BYTES = bytes(range(0x80, 0xA0))
_UTF8_C1 = re.compile(b"\xc2[\x80-\x9f]")


_NAMES: dict[tuple[str, str | None], str] = {}


def _name(element: Any) -> str:
    """An element's name as feedparser's handlers see it: 'dc:creator', 'link', ..."""
    tag = element.tag
    key = (tag, element.prefix)
    name = _NAMES.get(key)
    if name is None:
        if tag[0] == "{":
            uri, local = tag[1:].split("}", 1)
            lower = uri.lower()
            if "backend.userland.com/rss" in lower:
                lower = "http://backend.userland.com/rss"
            prefix = _NAMESPACES.get(lower)
            if prefix is None:
                prefix = element.prefix or ""
        else:
            prefix, local = "", tag
        name = f"{prefix.lower()}:{local.lower()}" if prefix else local.lower()
        if len(_NAMES) < 4096:
            _NAMES[key] = name
    return name


def _attributes(element: Any) -> dict[str, str]:
    """Attributes named as feedparser names them (lower case, known prefixes); `rel` and
    `type` values lower-cased."""
    if not element.attrib:  # most elements: an empty proxy is cheaper than an empty items()
        return {}
    found: dict[str, str] = {}
    for key, value in element.items():
        if key[0] == "{":
            uri, local = key[1:].split("}", 1)
            prefix = _NAMESPACES.get(uri.lower(), "")
            key = f"{prefix}:{local}" if prefix else local
        key = key.lower()
        found[key] = value.lower() if key in ("rel", "type") else value
    return found


def _own_text(element: Any) -> str:
    """The text feedparser gives a simple element: its own text and its children's tails."""
    text = element.text or ""
    if len(element):
        text += "".join(child.tail or "" for child in element)
    return text


def _content_type(value: str) -> str:
    value = value.lower()
    if value in ("text", "plain"):
        return "text/plain"
    if value == "html":
        return "text/html"
    if value == "xhtml":
        return _XHTML
    return value


_LOOKS_LIKE_HTML: list[Callable[[str], bool]] = []


def _looks_like_html(value: str) -> bool:
    """feedparser's own guess whether an RSS text element holds HTML."""
    if "</" not in value and "&" not in value:
        return False  # it asks for a close tag or an entity first
    if not _LOOKS_LIKE_HTML:
        from feedparser.mixin import _FeedParserMixin

        _LOOKS_LIKE_HTML.append(_FeedParserMixin.looks_like_html)
    return bool(_LOOKS_LIKE_HTML[0](value))


def _is_base64(attributes: dict[str, str], kind: str) -> bool:
    if attributes.get("mode", "") == "base64":
        return True
    return not (kind.startswith("text/") or kind.endswith("+xml") or kind.endswith("/xml"))


def _markup(element: Any, atom10: bool, raw_start: bool = False) -> str:
    """The children of an element that holds markup, serialized (namespaces dropped), with
    Atom 1.0's one wrapping <div> removed as feedparser removes it. `raw_start`: the text
    before the first child is kept unescaped (feedparser only learns at the first child
    element that "escaped" HTML was in fact markup)."""
    if atom10 and not raw_start:
        children = [child for child in element if isinstance(child.tag, str)]
        if (len(children) == 1 and _local(children[0].tag) == "div"
                and not (element.text or "").strip() and not (children[0].tail or "").strip()):
            element = children[0]
    text = element.text or ""
    parts = [text if raw_start else _escape(text)]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_serialize(child))
        parts.append(_escape(child.tail or ""))
    return "".join(parts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _serialize(element: Any) -> str:
    """One element as feedparser writes inline markup: local names, attributes in order."""
    if not isinstance(element.tag, str):
        return ""
    name = _local(element.tag)
    attributes = "".join(
        ' {}="{}"'.format(_local(key) if key[0] == "{" else key.lower(),
                          _escape(value).replace('"', "&quot;"))
        for key, value in element.items()
    )
    inner = [_escape(element.text or "")]
    for child in element:
        if isinstance(child.tag, str):
            inner.append(_serialize(child))
        inner.append(_escape(child.tail or ""))
    return f"<{name}{attributes}>{''.join(inner)}</{name}>"


class _Walk:
    """The state feedparser keeps while it reads one entry (or the feed's own elements)."""

    __slots__ = ("data", "depths", "document", "has_content", "in_entry", "tag_keys",
                 "title_depth")

    def __init__(self, document: XmlFeed, data: dict[str, Any], in_entry: bool) -> None:
        self.document = document
        self.data = data
        self.in_entry = in_entry
        self.depths: dict[str, int] = {}
        self.title_depth = -1
        self.has_content = False
        self.tag_keys: set[tuple[str | None, str | None, str | None]] = set()

    # --- storing, with feedparser's precedence ---------------------------------------------

    def store(self, key: str, value: Any, depth: int) -> None:
        if not self.in_entry:
            self.data[key] = value
            return
        old = self.depths.get(key)
        if old is None or depth <= old:
            self.depths[key] = depth
            self.data[key] = value

    def text_of(self, element: Any, key: str, base: str) -> str:
        value = (_own_text(element) if len(element) else element.text or "").strip()
        if key in ("link", "id", "href", "url") and value:
            value = self.document.resolve(base, value)
        return value if value.isascii() else self.document.repair(value)

    def content(self, element: Any, default: str, base: str) -> tuple[str, dict[str, Any]]:
        """An element that holds text or markup: (value, detail) as feedparser's pop gives."""
        if not element.attrib and default in _TEXT_KINDS and not len(element):
            # Most titles and descriptions: no type, no mode, no children, what the general
            # path below gives for them without its tests.
            kind = default
            value = (element.text or "").strip()
        else:
            kind, value = self.typed_content(element, _attributes(element), default)
        if kind == "text/plain" and not self.document.atom:
            if _looks_like_html(value):
                kind = "text/html"
        detail: dict[str, Any] = {"type": kind}
        if base:
            detail["base"] = base
        return value if value.isascii() else self.document.repair(value), detail

    def typed_content(self, element: Any, attributes: dict[str, str], default: str
                      ) -> tuple[str, str]:
        """`content`'s (type, value) for an element with attributes or children."""
        kind = _content_type(attributes.get("type", default))
        children = len(element) and any(isinstance(child.tag, str) for child in element)
        switched = False
        if children and not kind.endswith("xml"):
            kind = _XHTML  # "declared itself as escaped markup, but it isn't really"
            switched = True
        if kind == _XHTML or (children and kind.endswith("xml")):
            value = _markup(element, self.document.version == "atom10", switched).strip()
        else:
            value = _own_text(element).strip()
            if _is_base64(attributes, kind):
                try:
                    value = base64.decodebytes(value.encode("utf-8")).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    pass
        return kind, value

    # --- the walk ----------------------------------------------------------------------------

    def children(self, element: Any, depth: int, base: str) -> None:
        """Each child element to its handler (or, without one, its own children)."""
        table = _ENTRY_BY_TAG if self.in_entry else _FEED_BY_TAG
        bases = self.document.bases
        depth += 1
        for child in element.iterchildren(etree.Element):
            handler = table.get(child.tag, _PREFIXED)
            if handler is _PREFIXED:
                handler = _handler(child, self.in_entry, table)
            child_base = self.document.base_of(child, base) if bases else base
            if handler is not None:
                handler(self, child, depth, child_base)
            elif len(child):
                self.children(child, depth, child_base)

    # --- handlers ----------------------------------------------------------------------------

    def title(self, element: Any, depth: int, base: str, blocks: bool = True) -> None:
        if -1 < self.title_depth <= depth:
            return  # (before `content`, which has no side effect)
        value, detail = self.content(element, "text/plain", base)
        self.store("title", value, depth)
        if self.data.get("title") is value:
            self.data["title_detail"] = detail
        if value and blocks:
            self.title_depth = depth

    def media_title(self, element: Any, depth: int, base: str) -> None:
        self.title(element, depth, base, blocks=False)

    def link(self, element: Any, depth: int, base: str) -> None:
        if not element.attrib:  # RSS's <link>: what the lines below give it
            attributes: dict[str, str] = {"rel": "alternate", "type": "text/html"}
            href = None
        else:
            attributes = _attributes(element)
            attributes.setdefault("rel", "alternate")
            if attributes["rel"] == "self":
                attributes.setdefault("type", "application/atom+xml")
            else:
                attributes.setdefault("type", "text/html")
            href = attributes.pop("url", None) or attributes.pop("uri", None) or (
                attributes.get("href"))
            if href:
                attributes["href"] = self.document.resolve(base, href)
        links = self.data.setdefault("links", [])
        links.append(attributes)
        if href:
            if attributes["rel"] == "alternate" and _content_type(
                    attributes["type"]) in _HTML_TYPES:
                self.data["link"] = attributes["href"]
            return
        value = self.text_of(element, "link", base)
        if "&" in value:  # "&name;" written as "&name" (feedparser's quirk)
            value = _LINK_REF.sub(r"&\g<1>",
                                  value.replace("&amp;", "&") if self.in_entry else value)
        self.data["link"] = value
        if value:
            links[-1]["href"] = value

    def guid(self, element: Any, depth: int, base: str) -> None:
        is_link = True
        for key, value in element.items() if element.attrib else ():  # the name in any case
            if key.lower() == "ispermalink":
                is_link = value == "true"
        value = _own_text(element).strip()
        if value and is_link:
            value = self.document.resolve(base, value)
        value = self.document.repair(value)
        self.store("id", value, depth)
        if is_link:
            self.data.setdefault("link", value)

    def description(self, element: Any, depth: int, base: str) -> None:
        if "summary" in self.data and not self.has_content:
            self.content_element(element, depth, base, "text/plain")
        else:
            self.summary_value(element, depth, base, "text/html",
                               "summary" if self.in_entry else "subtitle")

    def summary(self, element: Any, depth: int, base: str) -> None:
        if "summary" in self.data and not self.has_content:
            self.content_element(element, depth, base, "text/plain")
        else:
            self.summary_value(element, depth, base, "text/plain", "summary")

    def summary_value(self, element: Any, depth: int, base: str, default: str, key: str
                      ) -> None:
        value, detail = self.content(element, default, base)
        self.store(key, value, depth)
        if self.data.get(key) is value:
            self.data[key + "_detail"] = detail

    def content_element(self, element: Any, depth: int, base: str,
                        default: str = "text/plain") -> None:
        self.has_content = True
        value, detail = self.content(element, default, base)
        if not self.in_entry:
            return
        detail["value"] = value
        self.data.setdefault("content", []).append(detail)
        if detail["type"] in _SUMMARY_TYPES:
            self.data.setdefault("summary", value)

    def encoded(self, element: Any, depth: int, base: str) -> None:
        self.content_element(element, depth, base, "text/html")

    def body(self, element: Any, depth: int, base: str) -> None:
        self.content_element(element, depth, base, _XHTML)

    def author(self, element: Any, depth: int, base: str) -> None:
        if not self.in_entry:
            return
        authors = self.data.setdefault("authors", [])
        authors.append({})
        for child in element.iterchildren(etree.Element) if len(element) else ():
            if not isinstance(child.tag, str):
                continue
            name = _name(child)
            key = _AUTHOR_PARTS.get(name)
            if key is None:
                continue
            value = self.text_of(child, "href" if key == "href" else key, base)
            self.data.setdefault("author_detail", {})[key] = value
            self.sync_author()
            authors[-1][key] = value
        self.store("author", self.document.repair(_own_text(element).strip()), depth)
        self.sync_author()

    def sync_author(self) -> None:
        data = self.data
        detail = (data.get("authors") or [{}])[-1]
        if detail:
            name, email = detail.get("name"), detail.get("email")
            if name and email:
                data["author"] = f"{name} ({email})"
            elif name:
                data["author"] = name
            elif email:
                data["author"] = email
            return
        author, email = data.get("author"), None
        if not author:
            return
        found = _EMAIL.search(author) if "@" in author else None  # no address without an @
        if found:
            email = found.group(0)
            author = author.replace(email, "").replace("()", "").replace("<>", "")
            author = author.replace("&lt;&gt;", "").strip()
            if author and author[0] == "(":
                author = author[1:]
            if author and author[-1] == ")":
                author = author[:-1]
            author = author.strip()
        if author or email:
            data.setdefault("author_detail", detail)
        if author:
            detail["name"] = author
        if email:
            detail["email"] = email

    def published(self, element: Any, depth: int, base: str) -> None:
        value = self.text_of(element, "published", base)
        self.store("published", value, depth)
        self.data["_published_last"] = value

    def updated(self, element: Any, depth: int, base: str) -> None:
        value = self.text_of(element, "updated", base)
        self.store("updated", value, depth)
        self.data["_updated_last"] = value

    def add_tag(self, term: str | None, scheme: str | None, label: str | None) -> None:
        tags = self.data.setdefault("tags", [])
        if not term and not scheme and not label:
            return
        key = (term, scheme, label)  # what `{...} in tags` compared, without a list scan
        if key not in self.tag_keys:
            self.tag_keys.add(key)
            tags.append({"term": term, "scheme": scheme, "label": label})

    def category(self, element: Any, depth: int, base: str,
                 scheme_default: str | None = None) -> None:
        if element.attrib:
            attributes = _attributes(element)
            scheme = attributes.get("scheme", attributes.get("domain", scheme_default))
            self.add_tag(attributes.get("term"), scheme, attributes.get("label"))
        elif scheme_default is None:
            self.data.setdefault("tags", [])  # what add_tag(None, None, None) does
        else:
            self.add_tag(None, scheme_default, None)
        self.end_category(self.text_of(element, "category", base))

    def end_category(self, value: str) -> None:
        if not value:
            return
        tags = self.data["tags"]
        if tags and not tags[-1]["term"]:
            last = tags[-1]
            self.tag_keys.discard((last["term"], last["scheme"], last["label"]))
            last["term"] = value
            self.tag_keys.add((value, last["scheme"], last["label"]))
        else:
            self.add_tag(value, None, None)

    def media_category(self, element: Any, depth: int, base: str) -> None:
        self.category(element, depth, base, "http://search.yahoo.com/mrss/category_schema")

    def itunes_category(self, element: Any, depth: int, base: str) -> None:
        self.add_tag(element.get("text"), "http://www.itunes.com/", None)
        self.end_category(self.text_of(element, "category", base))
        self.children(element, depth, base)

    def keywords(self, element: Any, depth: int, base: str, scheme: str | None = None) -> None:
        add_tag = self.add_tag
        for term in self.text_of(element, "keywords", base).split(","):
            term = term.strip()
            if term:
                add_tag(term, scheme, None)

    def itunes_keywords(self, element: Any, depth: int, base: str) -> None:
        self.keywords(element, depth, base, "http://www.itunes.com/")

    def enclosure(self, element: Any, depth: int, base: str) -> None:
        attributes = _attributes(element)
        href = attributes.pop("url", None) or attributes.pop("uri", None) or attributes.get(
            "href")
        if href:
            attributes["href"] = href
        attributes["rel"] = "enclosure"
        self.data.setdefault("links", []).append(attributes)

    def media_content(self, element: Any, depth: int, base: str) -> None:
        self.data.setdefault("media_content", []).append(_attributes(element))
        self.children(element, depth, base)

    def source(self, element: Any, depth: int, base: str) -> None:
        if not self.in_entry:
            return
        source: dict[str, Any] = {}
        if element.get("url") is not None:
            source["href"] = element.get("url")
        title = _own_text(element).strip() if not len(element) else ""
        if title:
            source["title"] = self.document.repair(title)
        self.data["source"] = source
        self.title_depth = -1

    def skip(self, element: Any, depth: int, base: str) -> None:
        """An element whose inside feedparser keeps apart (image, textinput)."""
        self.title_depth = -1


def _simple(key: str) -> Callable[[_Walk, Any, int, str], None]:
    def handler(walk: _Walk, element: Any, depth: int, base: str) -> None:
        walk.store(key, walk.text_of(element, key, base), depth)

    return handler


_AUTHOR_PARTS = {"name": "name", "email": "email", "uri": "href", "url": "href",
                 "homepage": "href", "itunes:name": "name", "itunes:email": "email"}

_Handler = Callable[[_Walk, Any, int, str], None]
_ENTRY: dict[str, _Handler] = {
    "title": _Walk.title, "dc:title": _Walk.title, "media:title": _Walk.media_title,
    "link": _Walk.link,
    "guid": _Walk.guid, "id": _Walk.guid,
    "description": _Walk.description, "dc:description": _Walk.description,
    "media:description": _Walk.description,
    "summary": _Walk.summary, "itunes:summary": _Walk.summary,
    "content": _Walk.content_element, "content:encoded": _Walk.encoded,
    "fullitem": _Walk.encoded, "xhtml:body": _Walk.body, "body": _Walk.body,
    "author": _Walk.author, "managingeditor": _Walk.author, "dc:creator": _Walk.author,
    "dc:author": _Walk.author, "itunes:author": _Walk.author,
    "pubdate": _Walk.published, "published": _Walk.published, "issued": _Walk.published,
    "dcterms:issued": _Walk.published,
    "updated": _Walk.updated, "modified": _Walk.updated, "lastbuilddate": _Walk.updated,
    "dc:date": _Walk.updated, "dcterms:modified": _Walk.updated,
    "category": _Walk.category, "keywords": _Walk.category, "dc:subject": _Walk.category,
    "media:category": _Walk.media_category, "itunes:category": _Walk.itunes_category,
    "itunes:keywords": _Walk.itunes_keywords, "media:keywords": _Walk.keywords,
    "enclosure": _Walk.enclosure, "media:content": _Walk.media_content,
    "source": _Walk.source, "image": _Walk.skip, "textinput": _Walk.skip,
    "itunes:duration": _simple("itunes_duration"),
    "contributor": _Walk.skip, "dc:contributor": _Walk.skip,
}
_FEED: dict[str, _Handler] = {
    "title": _Walk.title, "dc:title": _Walk.title,
    "link": _Walk.link,
    "ttl": _simple("ttl"), "sy:updateperiod": _simple("sy_updateperiod"),
    "sy:updatefrequency": _simple("sy_updatefrequency"),
    "language": _simple("language"), "dc:language": _simple("language"),
    "description": _Walk.description, "dc:description": _Walk.description,
    "media:description": _Walk.description,
    "summary": _Walk.summary, "itunes:summary": _Walk.summary,
    "content": _Walk.content_element, "content:encoded": _Walk.encoded,
    "image": _Walk.skip, "textinput": _Walk.skip, "item": _Walk.skip, "entry": _Walk.skip,
    "author": _Walk.skip, "contributor": _Walk.skip, "source": _Walk.skip,
}


# Handlers by lxml tag ("{uri}local"), learnt as tags are met. A tag in a namespace feedparser
# does not know is named by the prefix it is written with: such tags are looked up by
# (tag, prefix) in `_BY_PREFIX`, and `_PREFIXED` marks them here.
_ENTRY_BY_TAG: dict[str, Any] = {}
_FEED_BY_TAG: dict[str, Any] = {}
_BY_PREFIX: dict[tuple[bool, str, str | None], _Handler | None] = {}
_PREFIXED = object()


def _handler(element: Any, in_entry: bool, table: dict[str, Any]) -> _Handler | None:
    """The handler for an element whose tag `table` does not know by itself."""
    tag = element.tag
    key = (in_entry, tag, element.prefix)
    if key in _BY_PREFIX:
        return _BY_PREFIX[key]
    handler = (_ENTRY if in_entry else _FEED).get(_name(element))
    uri = tag[1:].split("}", 1)[0].lower() if tag[0] == "{" else ""
    if not uri or uri in _NAMESPACES or "backend.userland.com/rss" in uri:
        if len(table) < 4096:
            table[tag] = handler  # `_name` does not look at the prefix
    else:
        if len(table) < 4096:
            table[tag] = _PREFIXED
        if len(_BY_PREFIX) < 4096:
            _BY_PREFIX[key] = handler
    return handler


class XmlFeed:
    """A document read: `version` as feedparser names it, `feed` and `entries` as dicts."""

    def __init__(self, version: str, bases: bool, repair: Callable[[str], str]) -> None:
        self.version = version
        self.atom = version.startswith("atom")
        self.bases = bases
        self.repair = repair
        self.feed: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []

    def resolve(self, base: str, value: str) -> str:
        """feedparser's `_urljoin`: a link or id against the xml:base in force (if any)."""
        if not base and (":///" not in value or not _EXTRA_SLASHES.match(value)):
            return value  # what urljoin("", value) gives, without the call
        from feedparser.urls import _urljoin

        return _urljoin(base or "", value)

    def base_of(self, element: Any, base: str) -> str:
        """feedparser's xml:base tracking: a base is joined to the one around it."""
        given = element.get("{http://www.w3.org/XML/1998/namespace}base") or element.get(
            "base")
        if not given:
            return base
        from feedparser.urls import _urljoin, make_safe_absolute_uri

        if base:
            return make_safe_absolute_uri(base, given) or base
        return _urljoin(base, given)


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _version(root: Any) -> str | None:
    name = _name(root)
    uris = {uri.lower() for uri in root.nsmap.values() if uri}
    if name == "rss":
        version = (root.get("version") or "").strip()
        known = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
        if version in known:
            return known[version]
        return "rss20" if version.startswith("2.") else "rss"
    if name == "rdf:rdf":
        if root.nsmap.get(None, "").lower() == "http://my.netscape.com/rdf/simple/0.9/":
            return "rss090"
        if "http://purl.org/rss/1.0/" in uris:
            return "rss10"
        return None
    if name == "feed":
        if "http://www.w3.org/2005/atom" in uris:
            return "atom10"
        return {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}.get(
            root.get("version") or "", "atom")
    return None


def read(root: Any, has_base: bool, repair: Callable[[str], str] = repaired) -> XmlFeed | None:
    """The feed in an lxml tree; None when feedparser should read it (not RSS, RDF or Atom).

    `has_base`: the document holds "xml:base" somewhere (else no base is tracked).
    """
    version = _version(root)
    if version is None:
        return None
    document = XmlFeed(version, has_base, repair)
    base = document.base_of(root, "") if has_base else ""
    items: list[Any] = []
    channel = None
    # Only the namespaces feedparser reads as its own (and none) hold items and channels.
    spaces = [""] + [f"{{{uri}}}" for uri in set(root.nsmap.values()) if _is_own(root, uri)]
    wanted = [space + local for space in spaces for local in ("item", "entry", "channel")]
    item_tags = [space + local for space in spaces for local in ("item", "entry")]
    free_channel = None  # the channel, when it is inside no item
    for element in root.iter(*wanted):
        if element is root:
            continue
        if element.tag in item_tags:
            # Not inside an item: a child of the root or of a free channel (nearly every item),
            # else asked of its ancestors.
            parent = element.getparent()
            if parent is root or (parent is free_channel and parent is not None) or next(
                    element.iterancestors(*item_tags), None) is None:
                items.append(element)
        elif channel is None:
            channel = element
            if next(element.iterancestors(*item_tags), None) is None:
                free_channel = element
    feed_walk = _Walk(document, document.feed, in_entry=False)
    scope = root if version.startswith("atom") else channel
    if scope is not None:
        scope_base = base if scope is root else _base_at(document, scope, base)
        feed_walk.children(scope, 1, scope_base)
    if "language" not in document.feed:  # Atom's xml:lang, as feedparser reads it
        lang = root.get(_XML_LANG) or (scope.get(_XML_LANG) if scope is not None else None)
        if lang:
            document.feed["language"] = lang
    has_content = feed_walk.has_content  # feedparser resets it at an item's end only
    for element in items:
        data: dict[str, Any] = {}
        walk = _Walk(document, data, in_entry=True)
        walk.has_content, has_content = has_content, False
        about = element.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        if about:
            data["id"] = about
        entry_base = _base_at(document, element, base) if has_base else ""
        walk.children(element, 2, entry_base)
        document.entries.append(data)
    return document


def _is_own(root: Any, uri: str) -> bool:
    """True for a namespace whose elements feedparser names without a prefix."""
    lower = uri.lower()
    if _NAMESPACES.get(lower) == "" or "backend.userland.com/rss" in lower:
        return True
    return lower not in _NAMESPACES and uri == root.nsmap.get(None)


def _base_at(document: XmlFeed, element: Any, base: str) -> str:
    if not document.bases:
        return ""
    chain = [element, *element.iterancestors()]
    found = ""
    for node in reversed(chain):
        found = document.base_of(node, found)
    return found
