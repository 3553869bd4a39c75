"""Subscriptions in and out: OPML 1.0/2.0 and newsboat `urls` files in, OPML 2.0 out.

An import file comes from anywhere, so it is hostile input:

- OPML is read with expat, and a document that declares entities or has an internal DTD
  subset is refused before anything is expanded (no billion laughs, no external entities: no
  file is ever read). Undeclared HTML entities (`&nbsp;`), common in hand-made OPML, are
  replaced by the characters they name.
- A newsboat `urls` line is only ever read as data. `exec:` and `filter:` feeds (which run a
  command), `query:` feeds (saved searches), lines starting with `|` and anything that looks
  like a shell command are skipped with a message; nothing is run.
- Only http(s) URLs are kept (`feed://` is read as `http://`); every title and tag is cleaned.

None of these functions raise on bad input: a file that is not OPML (or not a urls file)
gives an ImportResult with no subscriptions and a `skipped` line saying why.

Tags: an OPML feed's folders (outermost first) then its `category` values; a newsboat
feed's tags in file order. Newsboat's `~Title` tag is the title, and its `!`-prefixed tags
(which only hide a feed from newsboat's own list) are dropped.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.parsers import expat

from feeds.model import ImportResult, Subscription
from feeds.text import clean_line, safe_url

MAX_MESSAGES = 50  # skipped lines reported one by one; the rest are counted
MAX_SHOWN = 80  # characters of a hostile value quoted in a message


class _Refused(Exception):
    """The document asks for something a safe parser does not do (entities, an internal DTD)."""


def _shorten(value: str) -> str:
    value = clean_line(value)
    return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"


def _feed_url(raw: str) -> str | None:
    """An http(s) URL, accepting the `feed:` pseudo-scheme browsers once used."""
    raw = raw.strip()
    lowered = raw.lower()
    if lowered.startswith("feed://"):
        raw = "http://" + raw[len("feed://"):]
    elif lowered.startswith("feed:"):
        raw = raw[len("feed:"):]
    return safe_url(raw)


class _Collector:
    """Accumulates subscriptions (one per URL, tags merged) and the messages for skipped ones."""

    def __init__(self) -> None:
        self.by_url: dict[str, Subscription] = {}
        self.skipped: list[str] = []
        self.more_skipped = 0

    def add(self, url: str, title: str, tags: Iterable[str]) -> None:
        wanted = tuple(dict.fromkeys(t for t in (clean_line(t) for t in tags) if t))
        known = self.by_url.get(url)
        if known is None:
            self.by_url[url] = Subscription(url=url, title=clean_line(title), tags=wanted)
        else:
            merged = tuple(dict.fromkeys(known.tags + wanted))
            self.by_url[url] = Subscription(url, known.title or clean_line(title), merged)

    def skip(self, message: str) -> None:
        if len(self.skipped) < MAX_MESSAGES:
            self.skipped.append(message)
        else:
            self.more_skipped += 1

    def result(self) -> ImportResult:
        skipped = list(self.skipped)
        if self.more_skipped:
            skipped.append(f"… and {self.more_skipped} more skipped")
        return ImportResult(tuple(self.by_url.values()), tuple(skipped))


# --- OPML in ------------------------------------------------------------------------------------

_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY_REF = re.compile(rb"&([A-Za-z][A-Za-z0-9]{0,31});")


def _replace_html_entities(data: bytes) -> bytes:
    """`&nbsp;` and friends as numeric references, which need no DTD; unknown names escaped."""

    def replace(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode("ascii")
        if name in _XML_ENTITIES:
            return match.group(0)
        codepoint = html.entities.name2codepoint.get(name)
        return b"&#%d;" % codepoint if codepoint else b"&amp;" + match.group(0)[1:]

    return _ENTITY_REF.sub(replace, data)


def _categories(value: str) -> list[str]:
    """OPML 2.0 `category`: comma-separated, each optionally a /slash/path: one tag per item."""
    return [item.strip().strip("/").strip() for item in value.split(",")]


class _OpmlReader:
    """Walks the outline tree with expat: folders are a stack, feeds are collected."""

    def __init__(self, collector: _Collector) -> None:
        self.collector = collector
        self.folders: list[str | None] = []  # None: an outline that is not a folder
        self.depth = 0
        self.root: str | None = None
        self.in_body = False

    def parser(self) -> expat.XMLParserType:
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        return parser

    @staticmethod
    def _doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        if internal:
            raise _Refused("it has an internal DTD subset (entity declarations are refused)")

    @staticmethod
    def _entity(name: str, *args: object) -> None:
        raise _Refused(f"it declares an entity ({_shorten(name)})")

    @staticmethod
    def _external(*args: object) -> int:
        raise _Refused("it refers to an external entity")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            self.root = tag
            return
        if tag == "body" and self.depth == 2:
            self.in_body = True
            return
        if tag != "outline" or not self.in_body:
            return
        attrs = {name.lower(): value for name, value in attrs.items()}
        title = attrs.get("title") or attrs.get("text") or ""
        raw_url = attrs.get("xmlurl")
        if raw_url is None:  # a folder (or a plain note): its title tags what it holds
            self.folders.append(clean_line(title) or None)
            return
        self.folders.append(None)
        url = _feed_url(raw_url)
        if url is None:
            label = _shorten(title) or "untitled"
            self.collector.skip(
                f'outline "{label}": not an http(s) feed URL ({_shorten(raw_url) or "empty"})'
            )
            return
        tags = [folder for folder in self.folders[:-1] if folder]
        tags += _categories(attrs.get("category", ""))
        if title.strip() in (raw_url.strip(), url):  # a URL standing in for the text: no name
            title = ""
        self.collector.add(url, title, tags)

    def _end(self, tag: str) -> None:
        self.depth -= 1
        if tag == "outline" and self.in_body and self.folders:
            self.folders.pop()
        elif tag == "body" and self.depth == 1:
            self.in_body = False


def _read_opml(data: bytes) -> ImportResult:
    # Blank lines before the XML declaration are not well-formed, but common: forgive them.
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    data = bom + data[len(bom):].lstrip()
    collector = _Collector()
    reader = _OpmlReader(collector)
    reader.parser().Parse(data, True)
    if reader.root != "opml":
        return ImportResult(skipped=(f"not an OPML file: its root element is <{reader.root}>",))
    return collector.result()


def parse_opml(data: bytes) -> ImportResult:
    """Subscriptions from an OPML 1.0/2.0 document; never raises (see the module docstring)."""
    try:
        return _read_opml(data)
    except _Refused as refused:
        return ImportResult(skipped=(f"refused this OPML file: {refused}",))
    except expat.ExpatError as error:
        if error.code != expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
            return ImportResult(skipped=(f"not a well-formed OPML file: {error}",))
    except Exception as error:  # expat is robust, but nothing may escape to the user
        return ImportResult(skipped=(f"could not read this OPML file: {error}",))
    # Undefined entities: HTML names in a hand-made file. Try once more with them replaced.
    try:
        return _read_opml(_replace_html_entities(data))
    except _Refused as refused:
        return ImportResult(skipped=(f"refused this OPML file: {refused}",))
    except Exception as error:
        return ImportResult(skipped=(f"not a well-formed OPML file: {error}",))


# --- newsboat urls in ---------------------------------------------------------------------------

_COMMAND_FEEDS = {
    "exec:": "exec: feeds run a command",
    "filter:": "filter: feeds run a command",
    "query:": "query: feeds are newsboat searches, not feeds",
}
_SHELLISH = re.compile(r"\$\(|\$\{|`")  # command substitution, whatever the line says


def _tokens(line: str) -> Iterator[str]:
    """Newsboat's tokens: whitespace-separated words or "double-quoted strings" (\\" escapes).

    An unquoted `#` starts a comment that runs to the end of the line.
    """
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return
        if line[i] == "#":
            return
        if line[i] == '"':
            i += 1
            word: list[str] = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                word.append(line[i])
                i += 1
            i += 1  # the closing quote (an unterminated string runs to the end of the line)
            yield "".join(word)
        else:
            start = i
            while i < n and not line[i].isspace():
                i += 1
            yield line[start:i]


def _refusal(first: str) -> str | None:
    """Why a urls line's first token is not a feed we may subscribe to, or None if it is."""
    lowered = first.lower()
    for prefix, reason in _COMMAND_FEEDS.items():
        if lowered.startswith(prefix):
            return reason
    if first.startswith("|"):
        return "a line starting with | runs a command"
    if _SHELLISH.search(first):
        return "it looks like a shell command"
    if _feed_url(first) is None:
        return f"not an http(s) URL ({_shorten(first)})"
    return None


def parse_urls(text: str) -> ImportResult:
    """Subscriptions from a newsboat `urls` file: `URL tag "two words" "~Title"` per line."""
    collector = _Collector()
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            tokens = list(_tokens(line))
        except Exception:  # defensive: the tokenizer is total, but one line never stops an import
            collector.skip(f"line {number}: could not read it; skipped")
            continue
        if not tokens:
            continue  # blank or a comment
        reason = _refusal(tokens[0])
        if reason is not None:
            collector.skip(f"line {number}: {reason}; skipped")
            continue
        url = _feed_url(tokens[0])
        assert url is not None  # _refusal checked it
        title = ""
        tags: list[str] = []
        for token in tokens[1:]:
            if token.startswith("~"):
                title = title or token[1:]
            elif not token.startswith("!"):
                tags.append(token)
        collector.add(url, title, tags)
    return collector.result()


# --- sniffing ----------------------------------------------------------------------------------

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _decode_text(data: bytes) -> str:
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_subscriptions(data: bytes) -> ImportResult:
    """An OPML document or a newsboat urls file, told apart by their content."""
    head = _decode_text(data[:4096]).lstrip().lower()
    if "<opml" in head or head.startswith("<?xml"):
        return parse_opml(data)
    if head.startswith("<") or b"\x00" in data[:4096]:
        return ImportResult(skipped=("not an OPML or urls file: it is neither OPML nor text",))
    return parse_urls(_decode_text(data))


# --- OPML out -----------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (the store holds cleaned text; this is the last guard).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _attr(value: str) -> str:
    """A double-quoted XML attribute value; newlines and tabs kept as character references."""
    value = _NOT_XML.sub("", value)
    value = (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )
    return f'"{value}"'


def _text(value: str) -> str:
    value = _NOT_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _feed_outline(subscription: Subscription, indent: str) -> str:
    # OPML 2.0 requires a text: a feed without a title yet gets its URL (never text="").
    attrs = [f"type={_attr('rss')}", f"text={_attr(subscription.title or subscription.url)}"]
    if subscription.title:
        attrs.append(f"title={_attr(subscription.title)}")
    attrs.append(f"xmlUrl={_attr(subscription.url)}")
    site = safe_url(subscription.site_link)
    if site:
        attrs.append(f"htmlUrl={_attr(site)}")
    # Tags after the first (the folder) travel as OPML 2.0 categories; commas split them.
    extra = [tag for tag in subscription.tags[1:] if tag]
    if extra:
        attrs.append(f"category={_attr(','.join('/' + tag for tag in extra))}")
    return f"{indent}<outline {' '.join(attrs)}/>"


def export_opml(subscriptions: Iterable[Subscription], title: str = "reader subscriptions") -> str:
    """OPML 2.0: feeds grouped in one folder outline per first tag, the untagged at top level.

    Order is kept: a folder appears where its first feed would. A URL is written once.
    """
    top: list[Subscription | str] = []  # a feed, or the name of a folder
    folders: dict[str, list[Subscription]] = {}
    seen: set[str] = set()
    for subscription in subscriptions:
        if subscription.url in seen:
            continue
        seen.add(subscription.url)
        folder = subscription.tags[0] if subscription.tags else ""
        if not folder:
            top.append(subscription)
        elif folder in folders:
            folders[folder].append(subscription)
        else:
            folders[folder] = [subscription]
            top.append(folder)

    created = format_datetime(datetime.now(UTC), usegmt=True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_text(title)}</title>",
        f"    <dateCreated>{created}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for item in top:
        if isinstance(item, Subscription):
            lines.append(_feed_outline(item, "    "))
            continue
        lines.append(f"    <outline text={_attr(item)} title={_attr(item)}>")
        lines.extend(_feed_outline(member, "      ") for member in folders[item])
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
