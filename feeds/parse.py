"""Bytes and headers in, a `ParsedFeed` out; anything that is not a feed raises `ParseError`.

In front of the parsers:

- a document's internal DTD subset is removed before any parser sees it (feedparser's fallback
  parser expands entities quadratically; XXE must never read a file);
- UTF-16/UTF-32 documents are transcoded to UTF-8, and undeclared non-UTF-8 documents are
  detected with chardet, so both parsers read the same UTF-8 bytes;
- JSON Feed 1.0/1.1 is read with `json`.

Every well-formed RSS 0.9x/1.0 (RDF)/2.0 and Atom 0.3/1.0 document is read by our own mapping
over lxml (`feeds.xmlfeed`, 50+ MB/s where feedparser reads 1.4). feedparser reads what is not
well-formed (its loose parser recovers more than lxml's) and is the oracle the tests compare our
mapping with. Both fill the same dictionaries, mapped to `Entry` by one function, so sanitizing,
cleaning, dates (`feeds.dates`) and ids are the same code whichever parser read the document.

Entry ids are taken from the raw guid/id (feedparser is given no base URL, so it does not turn
"12345" into "https://host/feed/12345"); links are resolved here against the feed's URL.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import html
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from feeds import xmlfeed
from feeds.dates import duration_seconds, parse_date, plausible, refresh_seconds, struct_to_datetime
from feeds.model import Enclosure, Entry, ParsedFeed
from feeds.text import clean, clean_line, language_tag, safe_url, sanitize_html, strip_tags

__all__ = ["NotAFeed", "ParseError", "parse"]


class ParseError(Exception):
    """A document we could not read as a feed; `str()` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(clean_line(message))


class NotAFeed(ParseError):
    """The document is something else; `kind` says what: html, empty, json, binary, xml, text."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"not a feed: {message}")
        self.kind = kind


def parse(body: bytes, headers: Mapping[str, str] | None = None, url: str = "") -> ParsedFeed:
    """Read a feed document. `url` is its final URL (relative links resolve against it).

    Raises `ParseError` (or its subclass `NotAFeed`) and nothing else.
    """
    try:
        return _parse(bytes(body), {k.lower(): v for k, v in (headers or {}).items()}, url)
    except ParseError:
        raise
    except RecursionError as exc:
        raise ParseError("the feed is nested too deeply to read") from exc
    except MemoryError as exc:
        raise ParseError("the feed is too large to read") from exc
    except Exception as exc:  # a bug in a parser must not reach the user as a traceback
        raise ParseError(f"the feed could not be read ({type(exc).__name__})") from exc


# --- sniffing ---------------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"(\xb5/\xfd", "application/zstd"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x7fELF", "application/x-executable"),
    (b"\x00asm", "application/wasm"),
    (b"wOFF", "font/woff"),
    (b"wOF2", "font/woff2"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
# '<?' or '<' + letter written in UTF-16/32 without a byte order mark.
_WIDE_STARTS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def _binary_type(body: bytes, content_type: str) -> str | None:
    """The MIME type of a binary (non-text) body, or None when it looks like text."""
    head = body[:16]
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:8] == b"ftyp":
        return "video/mp4"
    if _wide_encoding(body):
        return None
    if b"\x00" in body[:1024]:
        return content_type.split(";")[0].strip() or "unknown type"
    return None


def _wide_encoding(body: bytes) -> str | None:
    """UTF-16/32 by byte order mark or by how '<' is written; None for 8-bit encodings."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return None if encoding == "utf-8" else encoding
    for start, encoding in _WIDE_STARTS:
        if body.startswith(start):
            return encoding
    return None


_XML_DECLARATION = re.compile(rb"^\s*<\?xml\b[^>]*?\?>", re.I)
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']\s*([A-Za-z0-9._:-]+)\s*["']""", re.I)
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def _declared_encoding(body: bytes) -> str | None:
    declaration = _XML_DECLARATION.match(body[:1024].lstrip(b"\xef\xbb\xbf"))
    if declaration:
        found = _DECLARED_ENCODING.search(declaration.group(0))
        if found:
            return found.group(1).decode("ascii").lower()
    return None


def _header_charset(content_type: str) -> str | None:
    found = _CHARSET.search(content_type)
    return found.group(1).lower() if found else None


def _is_utf8_name(name: str | None) -> bool:
    return name is not None and name.replace("_", "-") in ("utf-8", "utf8", "us-ascii", "ascii")


def _as_utf8_document(text: str) -> bytes:
    """A decoded document as UTF-8 bytes whose XML declaration (if any) says so."""
    encoded = text.lstrip("\ufeff").encode("utf-8", "replace")
    declaration = _XML_DECLARATION.match(encoded)
    if declaration:
        fixed = _DECLARED_ENCODING.sub(b'encoding="utf-8"', declaration.group(0))
        encoded = fixed + encoded[declaration.end() :]
    return encoded


def _transcode(body: bytes, content_type: str) -> tuple[bytes, str, str | None]:
    """The body as UTF-8 when we can be sure of its encoding, else unchanged.

    Returns (body, content type to give the parsers, a warning or None).
    """
    wide = _wide_encoding(body)
    if wide:
        text = body.decode(wide, "replace")
        return _as_utf8_document(text), "application/xml; charset=utf-8", None
    declared = _declared_encoding(body)
    charset = _header_charset(content_type)
    if declared or charset:
        utf8 = _from_declared_encoding(body, content_type, declared, charset)
        if utf8 is not body:
            content_type = "application/xml; charset=utf-8"
        return utf8, content_type, None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return body, content_type, None
    # No declaration anywhere and not UTF-8: guess, as a browser would.
    import chardet

    guess = chardet.detect(body[:65536]) or {}
    encoding = (guess.get("encoding") or "windows-1252").lower()
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "windows-1252"
    text = body.decode(encoding, "replace")
    warning = f"the feed does not declare its encoding; read as {encoding}"
    return _as_utf8_document(text), "application/xml; charset=utf-8", warning


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def _from_declared_encoding(
    body: bytes, content_type: str, declared: str | None, charset: str | None
) -> bytes:
    """A document in a declared 8-bit encoding, as UTF-8 (so the fast path can read it).

    Left unchanged when the declarations disagree or the bytes do not decode: feedparser then
    sorts it out (its override rules, chardet) and says so in a warning.
    """
    codec = _codec(charset) if charset else _codec(declared)
    if codec is None or codec == "utf-8" or codec.startswith(("utf-16", "utf-32")):
        return body
    if charset and declared and _codec(declared) != codec:
        return body
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return body
    return _as_utf8_document(text)


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_SUBSET = re.compile(rb"""\[(?:[^\]"']|"[^"]*"|'[^']*')*\]\s*>""")
_DECLARATION_END = re.compile(rb"""(?:[^\[>"']|"[^"]*"|'[^']*')*""")


def strip_internal_subset(body: bytes) -> bytes:
    """Remove every internal DTD subset (`<!DOCTYPE x [ ... ]>` keeps `<!DOCTYPE x >`).

    Entities it declared are then undefined: parsers report them or leave them as text, and
    nothing is expanded or fetched.
    """
    if not _DOCTYPE.search(body):
        return body
    pieces: list[bytes] = []
    position = 0
    for found in _DOCTYPE.finditer(body):
        if found.start() < position:
            continue
        start = found.end()
        head = _DECLARATION_END.match(body, start)
        bracket = head.end() if head else start
        if bracket >= len(body) or body[bracket : bracket + 1] != b"[":
            continue  # no internal subset: an external identifier is harmless
        subset = _SUBSET.match(body, bracket)
        if subset:
            end = subset.end()
        else:  # an unclosed subset: drop up to the first ']>' or, failing that, everything
            close = body.find(b"]>", bracket)
            end = close + 2 if close >= 0 else len(body)
        pieces.append(body[position:bracket])
        pieces.append(b">")
        position = end
    pieces.append(body[position:])
    return b"".join(pieces)


_PROLOG_ITEM = re.compile(
    rb"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>", re.S | re.I
)
_START_TAG = re.compile(rb"<([A-Za-z_][\w:.-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>?")


def _root_element(body: bytes) -> tuple[str, bytes] | None:
    """The first element's name (lower case, no prefix) and its attributes; None if none."""
    position = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    limit = min(len(body), position + 65536)
    while position < limit:
        item = _PROLOG_ITEM.match(body, position, limit)
        if not item or item.end() == position:
            break
        position = item.end()
    tag = _START_TAG.match(body, position, min(len(body), position + 4096))
    if not tag:
        return None
    name = tag.group(1).decode("ascii", "replace").lower().rsplit(":", 1)[-1]
    return name, tag.group(2)


def _looks_like_html(body: bytes, root: str | None) -> bool:
    if root == "html":
        return True
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


# --- the parse ------------------------------------------------------------------------------


def _parse(body: bytes, headers: dict[str, str], url: str) -> ParsedFeed:
    content_type = headers.get("content-type", "")
    if not body.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
        raise NotAFeed("empty", "the document is empty")
    binary = _binary_type(body, content_type)
    if binary:
        raise NotAFeed("binary", f"binary data ({binary})")
    body, content_type, encoding_warning = _transcode(body, content_type)
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"["):
        return _parse_json(body, url)
    if start != b"<" and "json" in content_type.lower():
        return _parse_json(body, url)
    body = strip_internal_subset(_declaration_first(body))
    root = _root_element(body)
    root_name = root[0] if root else None
    if _looks_like_html(body, root_name):
        raise NotAFeed("html", "the server returned an HTML page")
    warnings = [encoding_warning] if encoding_warning else []
    root_element = xmlfeed.tree(body)
    if root_element is None and len(body) > LOOSE_PARSER_LIMIT:
        # feedparser's fallback parser reads about 0.7 MB/s: too slow for a large document.
        repaired = _repaired(body)
        if repaired is not None:
            body, content_type = repaired, "application/xml; charset=utf-8"
            root_element = xmlfeed.tree(body)
            warnings.append("the feed is not well-formed XML; showing what could be recovered")
    if root_element is not None and _lxml_may_read(body, content_type):
        fast = _parse_lxml(root_element, body, url)
        if fast is not None:
            return _finish(fast, warnings)
    return _finish(_parse_with_feedparser(body, content_type, url, root_name), warnings)


def _declaration_first(body: bytes) -> bytes:
    """The document without the blank lines some servers write before `<?xml`: an XML
    declaration must come first, and that one slip made 11 corpus feeds ill-formed."""
    bom = b"\xef\xbb\xbf" if body.startswith(b"\xef\xbb\xbf") else b""
    rest = body[len(bom):]
    if rest[:1] in (b" ", b"\t", b"\r", b"\n") and rest.lstrip(b" \t\r\n")[:5] == b"<?xml":
        return bom + rest.lstrip(b" \t\r\n")
    return body


def _lxml_may_read(body: bytes, content_type: str) -> bool:
    """False when the document's encoding is still in doubt (its declarations disagree):
    feedparser's override rules then decide, and say so in a warning."""
    declared = _declared_encoding(body)
    charset = _header_charset(content_type)
    return not ((declared and not _is_utf8_name(declared))
                or (charset and not _is_utf8_name(charset)))


def _parse_lxml(root: Any, body: bytes, url: str) -> ParsedFeed | None:
    """A well-formed RSS/RDF/Atom document read by our own mapping; None for other XML."""
    document = xmlfeed.read(root, b"xml:base" in body, repair=_repair_text)
    if document is None:
        return None
    return _from_dicts(document.version, document.feed, document.entries, [], url, ours=True)


def _repair_text(value: str) -> str:
    if value.isascii():
        return value  # nothing to repair
    return _as_feedparser_text(value)  # looked up at each call: tests wrap it


# Above this size a document that is not well-formed is repaired with lxml's recovering parser
# instead of being given to feedparser's slow fallback parser (measured: 5.5 MB took 8 s).
LOOSE_PARSER_LIMIT = 1_000_000


def _repaired(body: bytes) -> bytes | None:
    """A well-formed UTF-8 copy of a broken document (lxml recover mode), or None."""
    from lxml import etree

    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
        if root is None:
            return None
        for entity in list(root.iter(etree.Entity)):  # undefined entities: drop them
            parent = entity.getparent()
            if parent is not None:
                entity.text = ""
                parent.remove(entity)
        repaired = etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True)
    except Exception:
        return None
    return repaired if xmlfeed.tree(repaired) is not None else None


def _finish(feed: ParsedFeed, warnings: list[str]) -> ParsedFeed:
    if not warnings:
        return feed
    return dataclasses.replace(feed, warnings=tuple(warnings) + feed.warnings)


# --- feedparser -------------------------------------------------------------------------------


def _parse_with_feedparser(
    body: bytes, content_type: str, url: str, root_name: str | None
) -> ParsedFeed:
    import feedparser

    response_headers = {"content-type": content_type} if content_type else {}
    # No base URL: ids stay as the feed wrote them. xml:base is still honoured for links.
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=response_headers,
        sanitize_html=False,
        resolve_relative_uris=b"xml:base" in body,
    )
    version = result.get("version") or ""
    entries = result.get("entries") or []
    if not version and not entries:
        if root_name is None:
            if result.get("bozo") and not body.lstrip().startswith(b"<"):
                raise NotAFeed("text", "the document is neither XML nor JSON")
            raise NotAFeed("xml", "no feed in this document")
        if root_name in ("rss", "feed", "rdf", "channel"):
            raise ParseError(f"the feed could not be read: {_bozo_message(result)}")
        raise NotAFeed("xml", f"an XML document whose root is <{clean_line(root_name)}>")
    warnings: list[str] = []
    if result.get("bozo"):
        warnings.append(_bozo_warning(result))
    return _from_dicts(version, result.get("feed") or {}, entries, warnings, url)


def _from_dicts(version: str, feed: Mapping[str, Any], entries: list[Any], warnings: list[str],
                url: str, ours: bool = False) -> ParsedFeed:
    """A feed as feedparser lays it out (from feedparser or from `feeds.xmlfeed`), mapped.
    `ours`: the dictionaries come from `feeds.xmlfeed` (see `_entry_from_xml`)."""
    raw_feed = dict(feed)
    if ours:
        terms: dict[str, str] = {}  # a feed's entries repeat a few categories: cleaned once
        mapped = [_entry_from_xml(entry, url, terms) for entry in entries]
    else:
        mapped = [_entry_from_dict(entry, url) for entry in entries]
    return _assemble(
        title=_title(feed.get("title"), _detail_type(feed.get("title_detail"))),
        url=url,
        site_link=_pick_link(feed, url, links_only=version.startswith("atom")),
        entries=mapped,
        warnings=warnings,
        format=version,
        ttl_seconds=refresh_seconds(raw_feed.get("ttl"), raw_feed.get("sy_updateperiod"),
                                    raw_feed.get("sy_updatefrequency")),
        language=language_tag(raw_feed.get("language")),
    )


def _bozo_message(result: Mapping[str, Any]) -> str:
    exc = result.get("bozo_exception")
    text = clean_line(str(exc)) if exc is not None else ""
    return text[:200] or "not well-formed"


def _bozo_warning(result: Mapping[str, Any]) -> str:
    exc = result.get("bozo_exception")
    name = type(exc).__name__
    if name == "CharacterEncodingOverride":
        return f"the feed's declared encoding was wrong; read as {result.get('encoding')}"
    if name == "CharacterEncodingUnknown":
        return "the feed's encoding is unknown; some characters may be wrong"
    if name == "NonXMLContentType":
        return "the server did not label the feed as XML"
    return f"the feed is not well-formed ({_bozo_message(result)}); showing what could be read"


def _detail_type(detail: Any) -> str:
    if _is_mapping(detail):
        return str(detail.get("type") or "")
    return ""


def _is_mapping(value: Any) -> bool:
    """`isinstance(value, Mapping)`, quick for the plain dicts both parsers give (the ABC
    check costs several times more, and it runs for every link, tag and enclosure)."""
    return type(value) is dict or isinstance(value, Mapping)


def _title(raw: Any, kind: str = "") -> str:
    """A title as one plain line: markup removed when it is (or looks like) HTML."""
    if not isinstance(raw, str):
        return ""
    if kind in ("text/plain", "text") and "<" not in raw:
        return clean_line(raw)
    return strip_tags(raw)


def _dates(raw: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(published, updated): from the last date element of each kind, as feedparser keeps."""
    if "_published_last" in raw or "_updated_last" in raw:  # read by feeds.xmlfeed
        published_raw, updated_raw = raw.get("_published_last"), raw.get("_updated_last")
        published = parse_date(published_raw)
        # Atom entries often write one date twice (published = updated): read it once.
        return published, published if updated_raw == published_raw else parse_date(
            updated_raw)
    return (struct_to_datetime(raw.get("published_parsed")),
            struct_to_datetime(raw.get("updated_parsed")))


def _detail_base(detail: Any, url: str) -> str:
    """The base a summary or content's links resolve against: its xml:base, else the URL."""
    base = detail.get("base") if _is_mapping(detail) else None
    if not base or not isinstance(base, str):
        return url
    from urllib.parse import urljoin

    try:
        return urljoin(url, base) if url else base
    except ValueError:
        return url


def _entry_from_dict(entry: Mapping[str, Any], url: str) -> Entry:
    # dict.get: FeedParserDict.get maps updated<->published with a DeprecationWarning (our
    # own mapping gives plain dicts, read as they are).
    raw = entry if type(entry) is dict else dict(entry)
    date_raw = str(raw.get("published") or raw.get("updated") or "")
    contents = raw.get("content") or []
    raw_summary = raw.get("summary")
    summary_detail = raw.get("summary_detail")
    if contents and any(_is_mapping(p) and p.get("value") == raw_summary for p in contents):
        summary = ""  # the same text twice: keep it once, as the content
    else:
        summary = _html_of(raw_summary, _detail_type(summary_detail),
                           _detail_base(summary_detail, url))
    content = ""
    for part in contents:
        if _is_mapping(part) and part.get("value"):
            content = _html_of(part.get("value"), str(part.get("type") or ""),
                               _detail_base(part, url))
            break
    if content and content == summary:
        summary = ""
    source = raw.get("source")
    links = raw.get("links")
    related = list(_related_links(links, url)) if links else []
    if _is_mapping(source):
        related_source = safe_url(str(source.get("href") or ""), url)
        if related_source:
            related.append(related_source)
    title = _title(raw.get("title"), _detail_type(raw.get("title_detail")))
    published, updated = _dates(raw)
    # The link an id falls back to is looked for only when there is no id (most have one).
    entry_id = _id_text(raw.get("id")) or _entry_id(None, _id_link(raw), raw.get("title"),
                                                    date_raw)
    return Entry(
        id=entry_id,
        title=title,
        link=_pick_link(raw, url),
        author=_author(raw),
        published=published,
        updated=updated,
        date_raw=clean_line(date_raw),
        summary_html=summary,
        content_html=content,
        categories=_categories(raw.get("tags")),
        enclosures=_entry_enclosures(raw, url),
        related_links=_unique(related),
    )


def _entry_from_xml(raw: dict[str, Any], url: str, terms: dict[str, str] | None = None
                    ) -> Entry:
    """`_entry_from_dict` for the dictionaries `feeds.xmlfeed` fills, step for step, without
    the tests and conversions feedparser's dictionaries need: every value there is a str, a
    plain dict or a list of plain dicts (a link's `rel` is always set, a tag has its three
    keys), and one pass over the links finds the link, the related links and the enclosures.
    A test holds both functions to the same `Entry` on every corpus and generated document.
    `terms`: categories already cleaned (`clean_line`), shared by a document's entries."""
    get = raw.get
    date_raw = get("published") or get("updated") or ""
    contents = get("content")
    raw_summary = get("summary")
    summary = content = ""
    if contents:
        for part in contents:
            if part["value"] == raw_summary:
                break  # the same text twice: keep it once, as the content
        else:
            summary = _xml_html(raw_summary, get("summary_detail"), url)
        for part in contents:
            if part["value"]:
                content = _html_of(part["value"], part["type"],
                                   _detail_base(part, url) if "base" in part else url)
                break
        if content and content == summary:
            summary = ""
    elif raw_summary:
        summary = _xml_html(raw_summary, get("summary_detail"), url)
    link = None
    related: list[str] = []
    enclosures: list[dict[str, str]] = []
    links = get("links")
    if links:
        for item in links:
            rel = item["rel"]
            if link is None and (rel or "alternate") == "alternate":
                link = safe_url(item.get("href") or "", url)
            elif rel == "related":
                resolved = safe_url(item.get("href") or "", url)
                if resolved:
                    related.append(resolved)
            elif rel == "enclosure":
                enclosures.append(item)
    if link is None:
        raw_link = get("link")
        link = safe_url(raw_link, url) if raw_link is not None else None
    source = get("source")
    if source is not None:
        related_source = safe_url(source.get("href") or "", url)
        if related_source:
            related.append(related_source)
    title_detail = get("title_detail")
    title = _title(get("title"), title_detail["type"] if title_detail else "")
    published_raw, updated_raw = get("_published_last"), get("_updated_last")
    published = parse_date(published_raw)
    updated = published if updated_raw == published_raw else parse_date(updated_raw)
    raw_id = get("id")
    entry_id = (clean_line(raw_id) if raw_id is not None else "") or _entry_id(
        None, _id_link(raw), get("title"), date_raw)
    detail = get("author_detail")
    name = detail.get("name") if detail else None
    author = clean_line(name) if name is not None else ""
    if not author:
        author = clean_line(get("author") or "")
    categories: tuple[str, ...] = ()
    tags = get("tags")
    if tags:
        names = []
        if terms is None:
            terms = {}
        for tag in tags:
            term = tag["term"] or tag["label"]
            if term:
                cleaned = terms.get(term)
                if cleaned is None:
                    cleaned = terms[term] = clean_line(term)
                if cleaned:
                    names.append(cleaned)
        categories = tuple(dict.fromkeys(names))
    media = get("media_content")
    if media:
        enclosures += media
    return Entry(
        id=entry_id,
        title=title,
        link=link,
        author=author,
        published=published,
        updated=updated,
        date_raw=clean_line(date_raw),
        summary_html=summary,
        content_html=content,
        categories=categories,
        enclosures=_with_duration(enclosures, raw, url) if enclosures else (),
        related_links=tuple(dict.fromkeys(related)) if related else (),
    )


def _xml_html(value: str | None, detail: dict[str, str] | None, url: str) -> str:
    """`_html_of` for a summary of `feeds.xmlfeed` and its detail (if any)."""
    if not value:
        return ""
    if detail is None:
        return _html_of(value, "", url)
    return _html_of(value, detail["type"], _detail_base(detail, url) if "base" in detail else url)


def _entry_enclosures(raw: Mapping[str, Any], url: str) -> tuple[Enclosure, ...]:
    """RSS enclosures and Atom rel=enclosure links, then media:content; an item's
    itunes:duration goes to the enclosures (not images) that carry no duration of their own."""
    items: list[Any] = [link for link in raw.get("links") or []
                        if _is_mapping(link) and link.get("rel") == "enclosure"]
    items += [media for media in raw.get("media_content") or [] if _is_mapping(media)]
    if not items:
        return ()
    return _with_duration(items, raw, url)


def _with_duration(items: list[Any], raw: Mapping[str, Any], url: str
                   ) -> tuple[Enclosure, ...]:
    found = _enclosures(items, url)
    episode = duration_seconds(raw.get("itunes_duration"))
    if episode is None:
        return found
    # Enclosure(...) rather than dataclasses.replace, which looks the fields up at each call
    # (a third of this function's time on podcast feeds).
    return tuple(e if e.duration is not None or e.type.startswith("image/")
                 else Enclosure(e.url, e.type, e.length, episode) for e in found)


def _html_of(value: Any, kind: str, base: str) -> str:
    """Stored HTML: plain text is escaped, HTML is sanitized, links made absolute."""
    if not isinstance(value, str) or not value:
        return ""
    if kind in ("text/plain", "text"):
        return clean(html.escape(value, quote=False))
    return sanitize_html(value, base or None)


# --- shared mapping ---------------------------------------------------------------------------


def _entry_id(raw_id: Any, link: Any, title: Any, date_raw: str) -> str:
    """Ours: the feed's guid/id, else its link, else a hash of title and date."""
    for candidate in (raw_id, link):
        text = _id_text(candidate)
        if text:
            return text
    seed = f"{title if isinstance(title, str) else ''}\n{date_raw}"
    return "sha1:" + hashlib.sha1(seed.encode("utf-8", "replace")).hexdigest()


def _id_text(candidate: Any) -> str:
    """A guid, id or link as an entry id: one clean line; "" for none or a structure."""
    if candidate is None or isinstance(candidate, (dict, list)):
        return ""
    return clean_line(candidate if type(candidate) is str else str(candidate))


def _pick_link(item: Mapping[str, Any], base: str, links_only: bool = False) -> str | None:
    """The first http(s) alternate link, else (unless `links_only`) the item's `link`."""
    for link in item.get("links") or []:
        if not _is_mapping(link):
            continue
        if (link.get("rel") or "alternate") != "alternate":
            continue
        resolved = safe_url(str(link.get("href") or ""), base)
        if resolved:
            return resolved
    if links_only:
        return None
    raw = item.get("link")
    return safe_url(raw, base) if isinstance(raw, str) else None


def _id_link(item: Mapping[str, Any]) -> Any:
    """The link an entry's id falls back to: its first http(s) alternate link, as written."""
    for link in item.get("links") or []:
        if _is_mapping(link) and (link.get("rel") or "alternate") == "alternate":
            href = str(link.get("href") or "").strip()
            if href.lower().startswith(("http://", "https://")):
                return href
    return item.get("link")


def _author(item: Mapping[str, Any]) -> str:
    """The author's name (without the e-mail address feedparser appends)."""
    detail = item.get("author_detail")
    if _is_mapping(detail) and isinstance(detail.get("name"), str):
        name = clean_line(detail["name"])
        if name:
            return name
    return clean_line(str(item.get("author") or ""))


def _related_links(links: Any, base: str) -> Iterable[str]:
    for link in links or []:
        if _is_mapping(link) and link.get("rel") == "related":
            resolved = safe_url(str(link.get("href") or ""), base)
            if resolved:
                yield resolved


def _categories(tags: Any) -> tuple[str, ...]:
    names: list[str] = []
    for tag in tags or []:
        if _is_mapping(tag):
            name = clean_line(str(tag.get("term") or tag.get("label") or ""))
        else:
            name = clean_line(str(tag))
        if name:
            names.append(name)
    return _unique(names)


def _enclosures(items: Any, base: str) -> tuple[Enclosure, ...]:
    found: dict[str, Enclosure] = {}
    for item in items or []:
        if not _is_mapping(item):
            continue
        link = safe_url(str(item.get("href") or item.get("url") or ""), base)
        if not link:
            continue
        duration = duration_seconds(item.get("duration"))
        if duration is None and "duration_in_seconds" in item:
            duration = duration_seconds(str(item.get("duration_in_seconds")))
        if link in found:  # the same file twice (enclosure and media:content): merge
            known = found[link]
            if known.duration is None and duration is not None:
                found[link] = Enclosure(known.url, known.type, known.length, duration)
            continue
        kind = item.get("type") or item.get("mime_type") or ""
        found[link] = Enclosure(link, clean_line(str(kind)), _length(item), duration)
    return tuple(found.values())


def _length(item: Mapping[str, Any]) -> int | None:
    try:
        length = int(str(item.get("length") or item.get("size_in_bytes") or item.get("filesize")
                         or "").strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _assemble(
    *,
    title: str,
    url: str,
    site_link: str | None,
    entries: list[Entry],
    warnings: list[str],
    format: str,  # noqa: A002 - the model's field name
    ttl_seconds: int | None = None,
    language: str | None = None,
) -> ParsedFeed:
    unique: dict[str, Entry] = {}
    for entry in entries:
        unique.setdefault(entry.id, entry)
    if len(unique) < len(entries):
        repeated = len(entries) - len(unique)
        warnings.append(f"{repeated} entries repeated an earlier entry's id and were skipped")
    return ParsedFeed(
        title=title,
        url=clean_line(url),
        site_link=site_link,
        entries=tuple(unique.values()),
        warnings=tuple(clean_line(w) for w in warnings),
        format=format,
        ttl_seconds=ttl_seconds,
        language=language,
    )


# --- JSON Feed --------------------------------------------------------------------------------


def _parse_json(body: bytes, url: str) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig", "replace"))
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise NotAFeed("json", f"invalid JSON{where}") from exc
    if not isinstance(document, dict):
        raise NotAFeed("json", "JSON that is not a JSON Feed")
    version = document.get("version")
    items = document.get("items")
    is_json_feed = isinstance(version, str) and "jsonfeed.org/version/" in version
    if not is_json_feed and not isinstance(items, list):
        raise NotAFeed("json", "JSON that is not a JSON Feed")
    if not isinstance(items, list):
        items = []
    fmt = "json11" if isinstance(version, str) and version.rstrip("/").endswith("1.1") else "json10"
    warnings: list[str] = []
    if not is_json_feed:
        warnings.append("the JSON Feed has no version; read as JSON Feed 1.0")
    entries = [_entry_from_json(item, url) for item in items if isinstance(item, dict)]
    if len(entries) < len(items):
        warnings.append(f"{len(items) - len(entries)} items were not JSON objects and were skipped")
    title = document.get("title")
    home = document.get("home_page_url")
    return _assemble(
        title=clean_line(title) if isinstance(title, str) else "",
        url=url,
        site_link=safe_url(home, url) if isinstance(home, str) else None,
        entries=entries,
        warnings=warnings,
        format=fmt,
        language=language_tag(document.get("language")),
    )


def _json_str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def _json_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return plausible(parsed.astimezone(timezone.utc))
    except (OverflowError, ValueError):
        return None


def _entry_from_json(item: Mapping[str, Any], url: str) -> Entry:
    raw_id = item.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int, float)):
        raw_id = None
    link = _json_str(item, "url")
    date_raw = _json_str(item, "date_published") or _json_str(item, "date_modified")
    content = _json_str(item, "content_html")
    if content:
        content = sanitize_html(content, url or None)
    elif _json_str(item, "content_text"):
        content = clean(html.escape(_json_str(item, "content_text"), quote=False))
    summary = _json_str(item, "summary")
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]
    names = [
        clean_line(author.get("name"))
        for author in authors
        if isinstance(author, Mapping) and isinstance(author.get("name"), str)
    ]
    tags = item.get("tags")
    attachments = item.get("attachments")
    related = [safe_url(_json_str(item, "external_url"), url)]
    return Entry(
        id=_entry_id(raw_id, link, _json_str(item, "title"), date_raw),
        title=clean_line(_json_str(item, "title")),
        link=safe_url(link, url) or related[0],
        author=", ".join(name for name in names if name),
        published=_json_date(_json_str(item, "date_published")),
        updated=_json_date(_json_str(item, "date_modified")),
        date_raw=clean_line(date_raw),
        summary_html=clean(html.escape(summary, quote=False)) if summary else "",
        content_html=content,
        categories=_categories(t for t in tags if isinstance(t, str))
        if isinstance(tags, list)
        else (),
        enclosures=_enclosures(attachments if isinstance(attachments, list) else [], url),
        related_links=_unique(link for link in related if link),
    )


def _as_feedparser_text(value: Any) -> Any:
    """`value` with every string repaired as feedparser repairs text in a UTF-8 document:
    UTF-8 that was read as Latin-1 is read again, C1 characters become Windows-1252 ones."""
    if isinstance(value, str):
        return xmlfeed.repaired(value)  # one repair for both paths
    if type(value) is dict:  # the common case; the ABC check below is slower
        return {key: _as_feedparser_text(item) for key, item in value.items()}
    if isinstance(value, Mapping):
        return {key: _as_feedparser_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_feedparser_text(item) for item in value]
    return value


def parse_both_ways(body: bytes, url: str = "") -> tuple[ParsedFeed | None, ParsedFeed | None]:
    """(our lxml mapping, feedparser) for one document, prepared as `parse` prepares it; None
    where a path gives nothing (not well-formed, not RSS/Atom, not a feed). For tests."""
    content_type = ""
    body, content_type, _ = _transcode(body, content_type)
    body = strip_internal_subset(_declaration_first(body))
    root = _root_element(body)
    element = xmlfeed.tree(body)
    fast = None
    if element is not None and _lxml_may_read(body, content_type):
        fast = _parse_lxml(element, body, url)
    try:
        slow = _parse_with_feedparser(body, content_type, url, root[0] if root else None)
    except ParseError:
        slow = None
    return fast, slow
