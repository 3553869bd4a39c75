"""Cleaning untrusted text: the one place feed and page strings are made safe to store and show.

Everything a feed or a web page gives us passes through here before it is stored. The rules:

- C0 controls except tab and newline, DEL and C1 controls are removed; CR and CRLF become LF.
- Whole terminal escape sequences are removed, not just their ESC byte: CSI (`ESC [` or U+009B
  up to the final byte), OSC/DCS/SOS/PM/APC strings (up to BEL or ST) and two-byte escapes.
- Bidi overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069) are removed, and so
  are the implicit marks LRM, RLM and ALM (U+200E, U+200F, U+061C): terminals apply bidi
  inconsistently, the marks can reorder what a reader sees around them, and dropping them
  loses nothing a terminal would show.
- U+2028/U+2029 (line/paragraph separators) become LF; a stray BOM (U+FEFF) and lone
  surrogates are removed.

`clean` is idempotent: its output holds none of the characters it removes.
"""

from __future__ import annotations

import math
import re
import threading
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from feeds.model import Rendered

__all__ = [
    "clean",
    "clean_line",
    "html_to_text",
    "reading_minutes",
    "safe_url",
    "sanitize_html",
    "strip_tags",
]

# Every character that `clean` removes (CR and U+2028/9 are turned into LF before this runs).
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except \t \n, DEL, C1 (ESC and CR are in here too)
    "\u061c\u200e\u200f"  # ALM, LRM, RLM
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides, isolates
    "\u2028\u2029\ufeff"  # line/paragraph separators, BOM
    "\ud800-\udfff"  # lone surrogates
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")

_ESCAPE_SEQUENCE = re.compile(
    # CSI: ESC [ or 8-bit CSI, parameter bytes, intermediate bytes, final byte (if any).
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    # OSC, DCS, SOS, PM, APC (7- or 8-bit) with their payload, up to BEL or ST.
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    # Any other escape: ESC, intermediate bytes, one final byte.
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
# The characters an `_ESCAPE_SEQUENCE` starts with.
_ESCAPE_START = re.compile("[\x1b\x90\x98\x9b\x9d\x9e\x9f]")


def _is_safe(value: str) -> bool:
    """True when `value` holds nothing `clean` removes; quick for the common case.

    Every character in `_UNSAFE_CLASS` is Unicode "Other" (Cc, Cf, Cs) or a line/paragraph
    separator, which `str.isprintable` rejects; so a printable string (tabs and newlines
    aside, which are kept) is safe without a regular expression scan, about twice as fast.
    """
    if value.isprintable():
        return True
    if value.isascii():  # only C0 and DEL to look for: delete them from the bytes and count
        data = value.encode("ascii")
        return len(data.translate(None, _ASCII_UNSAFE)) == len(data)
    spaced = value.replace("\n", " ").replace("\t", " ")
    if "\u00a0" in spaced:  # NBSP is not printable either, and `&nbsp;` is everywhere
        spaced = spaced.replace("\u00a0", " ")
    if spaced.isprintable():
        return True
    return not _UNSAFE.search(value)


# The ASCII characters `_UNSAFE` matches: C0 but tab and LF (CR too: `clean` makes it LF), DEL.
_ASCII_UNSAFE = bytes([*range(0x09), *range(0x0B, 0x20), 0x7F])


def clean(value: str | None) -> str:
    """Remove controls, escape sequences and bidi overrides; keep tabs and newlines."""
    if not value:
        return ""
    if _is_safe(value):  # the common case: nothing to do, no copy
        return value
    # Each substitution only when what it looks for can be there (a long text with one stray
    # BOM need not be scanned for escape sequences and line breaks too).
    if "\x1b" in value or (not value.isascii() and _ESCAPE_START.search(value)):
        value = _ESCAPE_SEQUENCE.sub("", value)
    if "\r" in value or "\u2028" in value or "\u2029" in value:
        value = _LINE_BREAKS.sub("\n", value)
    return _UNSAFE.sub("", value)


def clean_line(value: str | None) -> str:
    """`clean`, then every run of whitespace (newlines, tabs, NBSP too) becomes one space."""
    if value and value.isprintable():  # nothing `clean` removes (see `_is_safe`): no call
        # Printable: its only whitespace is the ASCII space (tabs, newlines, NBSP and the
        # other spaces are not printable), so with no space at either end and no two in a
        # row it is its own answer (most titles, names and tags), without a split and join.
        if value[0] != " " and value[-1] != " " and "  " not in value:
            return value
        return " ".join(value.split())
    return " ".join(clean(value).split())


class _TagStripper(HTMLParser):
    """Collects the text of an HTML fragment; block-ish tags separate words."""

    _SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg"})
    _SPACERS = frozenset(
        {"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
         "blockquote", "pre", "hr", "dd", "dt", "section", "article", "header", "footer"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._SPACERS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SPACERS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._SPACERS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_tags(html: str | None) -> str:
    """An HTML fragment as one line of plain text, entities decoded (for titles)."""
    if not html:
        return ""
    if "<" not in html:  # no markup: decoding entities is all HTMLParser would do
        return clean_line(unescape(html)) if "&" in html else clean_line(html)
    stripper = _TagStripper()
    try:
        stripper.feed(html)
        stripper.close()
    except Exception:  # HTMLParser is lenient; never let odd markup escape
        return clean_line(re.sub(r"<[^>]*>", " ", html))
    return clean_line("".join(stripper.parts))


_INVISIBLE_BLOCKS = re.compile(
    r"<!--.*?-->|<(script|style|template|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
# Where an `_INVISIBLE_BLOCKS` match can start: '<!--' or '<' and a whole name, case-folded
# by hand as IGNORECASE folds it ('s' matches U+017F LATIN SMALL LETTER LONG S too, 'i'
# U+0130 and U+0131; no other letter here has such a fold). The whole name, not its first two
# letters: '<st' starts <strong> too, in a tenth of the corpus's items, which then paid for
# the IGNORECASE expression's look at every '<' for nothing (150 -> 103 M instructions).
_INVISIBLE_START = re.compile(
    "<(?:!--|[sS\u017f](?:[cC][rR][iI\u0130\u0131][pP][tT]|[tT][yY][lL][eE])"
    "|[tT][eE][mM][pP][lL][aA][tT][eE]|[nN][oO][sS\u017f][cC][rR][iI\u0130\u0131][pP][tT])")
_TAG = re.compile(r"<[^>]*>")
# A run of adjacent tags: the same characters `_TAG` removes, one space for the run instead
# of one a tag (`search_text` makes every run of spaces one space afterwards). Written with
# the first tag outside the repeat: sre ran `(?:<[^>]*>)+` six times slower than `_TAG`.
_TAG_RUN = re.compile(r"<[^>]*>(?:<[^>]*>)*")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def search_text(html: str | None) -> str:
    """The words of an HTML fragment for searching and comparing, fast (a few regular
    expressions, about ten times quicker than `html_to_text`); not for display."""
    if not html:
        return ""
    if "<" in html:  # (plain text, half the items, has no tag or block to remove)
        # Sanitized HTML has no comment or script left: a search without IGNORECASE (which
        # keeps sre from skipping to each '<') says so at a third of the expression's cost.
        text = _INVISIBLE_BLOCKS.sub(" ", html) if _INVISIBLE_START.search(html) else html
        text = _TAG_RUN.sub(" ", text.replace("</p>", "\n\n").replace("<br", "\n<br"))
    else:
        text = html
    text = clean(unescape(text))
    return _BLANK_LINES.sub("\n\n", _collapse_spaces(text)).strip()


def _collapse_spaces(text: str) -> str:
    """`_SPACES.sub(" ", text)` for text `clean` returned, without matching every single
    space between words (and every NBSP an `&nbsp;` left), which that expression did: each
    other character `_SPACES` names becomes a space first, then only runs of two or more
    spaces are matched (sre skips to each "  " as to a literal). Halving the runs with
    `str.replace` until none was left took twice as long (a tag removed leaves a run of
    spaces; corpus bodies: 60 -> 28 ms)."""
    for other in _CLEANED_OTHER_SPACES:
        if other in text:
            text = text.replace(other, " ")
    return _SPACE_RUNS.sub(" ", text) if "  " in text else text


_SPACE_RUNS = re.compile("  +")


# What `_SPACES` matches besides the space itself (NBSP, tab, CR, FF, VT) and `clean` keeps
# (it removes VT and FF and makes CR a newline): only these need looking for after it.
_CLEANED_OTHER_SPACES = ("\u00a0", "\t")


# An absolute http(s) URL that `safe_url` returns unchanged: a lower-case scheme, a host of
# letters, digits, dots, hyphens and underscores (no userinfo, no brackets), an optional numeric
# port, then nothing or a path/query/fragment of printable ASCII without spaces. Such a URL has
# nothing for `clean`, `strip` or `urljoin` to change, and `urlsplit` finds that host in it.
_PLAIN_HTTP_URL = re.compile(
    r"https?://[A-Za-z0-9][A-Za-z0-9._-]*(?::[0-9]{1,5})?(?:[/?#][!-~]*)?"
)


def safe_url(url: str | None, base: str | None = None) -> str | None:
    """The absolute URL if it is http(s) with a host, else None (javascript:, data:, ...)."""
    if type(url) is str and _PLAIN_HTTP_URL.fullmatch(url):
        return url  # the common case: what `_slow_safe_url` returns, five times sooner
    return _slow_safe_url(url, base)


def _slow_safe_url(url: str | None, base: str | None = None) -> str | None:
    """`safe_url` for every URL: cleaned, resolved against `base`, checked by `urlsplit`."""
    if not url:
        return None
    # Browsers drop tabs and newlines anywhere in a URL and trim C0/space at both ends.
    url = clean(url).replace("\t", "").replace("\n", "").strip()
    if not url:
        return None
    if base and not url[:8].lower().startswith(("http://", "https://")):
        base = clean(base).replace("\t", "").replace("\n", "").strip()
        joined = _plain_join(base, url)
        if joined is not None:
            return joined  # what the lines below give it (a test holds it to that)
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    url = url.replace(" ", "%20")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


# A plain http(s) base: its origin, then (if any) a path without parameters, "//" or a segment
# starting with "." (no dot segment), then any query or fragment. A plain relative path: the
# same kind of path, also without ':' (no scheme).
def _ascii_class(excluded: str) -> str:
    return "[" + "".join(re.escape(chr(code)) for code in range(0x21, 0x7F)
                         if chr(code) not in excluded) + "]"


_BASE_SEGMENT = _ascii_class("/?#;\\")
_PATH_SEGMENT = _ascii_class("/?#;\\:")
_PLAIN_BASE = re.compile(
    rf"(https?://[A-Za-z0-9][A-Za-z0-9._-]*(?::[0-9]{{1,5}})?)"
    rf"(?:((?:/(?![/.]){_BASE_SEGMENT}*)*/){_BASE_SEGMENT}*)?(?:[?#][!-~]*)?")
_PLAIN_PATH = re.compile(rf"(?!\.)(?:{_PATH_SEGMENT}+/(?![/.]))*{_PATH_SEGMENT}*")


def _plain_join(base: str, url: str) -> str | None:
    """`urljoin(base, url)` for the relative links feeds write most ("/images/a.jpg",
    "post-1.html"), without parsing both and putting them together again (a fifth of a link's
    time on the slow path); None for any other pair.

    For such a pair urljoin keeps the base's origin, drops its query, fragment and last path
    segment, and appends the path: an absolute path to the origin, a relative one to the
    base's directory."""
    found = _PLAIN_BASE.fullmatch(base)
    if found is None:
        return None
    if url[0] == "/":
        if url[1:2] in ("/", "") or not _PLAIN_PATH.fullmatch(url, 1):
            return None
        return found.group(1) + url
    if not _PLAIN_PATH.fullmatch(url):
        return None
    return found.group(1) + (found.group(2) or "/") + url


# What stored HTML may hold. Anything else is removed: with its content for the dangerous or
# invisible (`_KILLED`), keeping its text for the merely unknown. lxml_html_clean's Cleaner
# took four times as long as a Python walk, and the walk was a third of a refresh's parsing:
# the removal is now done by lxml's own C functions (`strip_elements`, `strip_tags`,
# `strip_attributes`), told what to remove by the set of tag names and one XPath query for
# the attributes, so Python handles names and links, not every element.
_ALLOWED_TAGS = frozenset(
    {"a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "big", "blockquote",
     "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details",
     "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
     "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main", "mark", "nav", "ol",
     "p", "picture", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small", "source",
     "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
     "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr"}
)
_KILLED = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
     "input", "button", "select", "textarea", "noscript", "template", "svg", "math", "title",
     "head", "meta", "link", "base", "audio", "video", "canvas", "param", "noembed",
     "noframes", "xmp", "plaintext", "dialog", "portal"}
)
_ALLOWED_ATTRIBUTES = frozenset(
    {"href", "src", "alt", "title", "cite", "datetime", "colspan", "rowspan", "width",
     "height", "lang", "start", "type", "reversed", "abbr", "scope", "headers"}
)
# Attributes that hold a URL. Of these only href, src and cite are allowed (and rewritten).
_URL_ATTRIBUTES = frozenset(
    {"href", "src", "cite", "longdesc", "usemap", "action", "background", "poster", "lowsrc",
     "dynsrc", "srcset"}
)
_LINK_ATTRIBUTES = frozenset(_URL_ATTRIBUTES & _ALLOWED_ATTRIBUTES - {"srcset"})
# Allowed attributes that are kept as they are (the links are rewritten).
_KEPT_ATTRIBUTES = _ALLOWED_ATTRIBUTES - _LINK_ATTRIBUTES
# The attributes feeds' HTML holds most often that are not allowed (counted over the corpus).
_COMMON_REFUSED = ("class", "style", "id", "target", "rel", "border", "role", "srcset",
                   "sizes", "align", "decoding", "loading", "name", "dir", "onload", "onclick",
                   "onerror", "data-id")

# Tags that are harmless without attributes; a fragment made only of these needs no parse.
_BARE_NAMES = (
    "p", "br", "b", "i", "u", "s", "em", "strong", "small", "sub", "sup", "code", "pre", "kbd",
    "blockquote", "q", "ul", "ol", "li", "dl", "dt", "dd", "h[1-6]", "hr", "span", "div",
    "section", "article", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td",
    "abbr", "cite", "mark", "del", "ins")
_BARE_TAG = re.compile(r"</?(?:" + "|".join(_BARE_NAMES) + r")\s*/?>", re.I)
# A link to a plain absolute http(s) URL, written as most feeds write one: `<a href="...">`
# in lower case and double quotes, the URL one `safe_url` keeps as it is and without a quote,
# '&', '<', '>', backslash or backtick (nothing an HTML reader could decode or break out
# with), and `</a>`. Harmless as written: markup made only of these and `_BARE_TAG`s is kept
# without a parse.
_URL_CHARACTER = "[" + "".join(
    re.escape(chr(code)) for code in range(0x21, 0x7F) if chr(code) not in "\"&'<>\\`") + "]"
_PLAIN_LINK_TAG = (
    r'(?-i:a href="https?://[A-Za-z0-9][A-Za-z0-9._-]*(?::[0-9]{1,5})?'
    rf'(?:[/?#]{_URL_CHARACTER}*)?">|/a>)'
)
# The characters re.IGNORECASE takes for an ASCII letter besides its two cases (a test checks
# every letter against every code point).
_CASE_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def _caseless(pattern: str) -> str:
    """`pattern` with each ASCII letter as the class re.IGNORECASE would match it with."""
    return "".join(f"[{c}{c.upper()}{_CASE_FOLDS.get(c, '')}]" if "a" <= c <= "z" else c
                   for c in pattern)


def _bare_names_by_first_letter() -> str:
    groups: dict[str, list[str]] = {}
    for name in _BARE_NAMES:
        groups.setdefault(name[0], []).append(_caseless(name[1:]))
    return "|".join(f"{_caseless(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


# A '<' that starts neither a `_BARE_TAG` nor a `_PLAIN_LINK_TAG`: the same answer as "does
# a '<' survive removing them" (each holds one '<', its first character), without a copy.
# Written without re.IGNORECASE (its letters are classes) and with the names grouped by their
# first letter: sre then rules most names out by one character, where IGNORECASE tried each
# name in full at each '<' (the search took 2% of a parse; now half that).
_QUICK_OTHER_TAG = re.compile(
    f"<(?!/?(?:{_bare_names_by_first_letter()})\\s*/?>|{_PLAIN_LINK_TAG})")

# What lxml.html's fragment_fromstring takes for a whole document rather than a fragment.
_FULL_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.I)
# What makes the text of a parsed fragment hold a character lxml refuses to set as an element's
# text (C0 controls but tab, LF and CR; U+FFFE, U+FFFF): the character itself or a character
# reference to it. `clean` has removed raw C0 controls before the parse.
_REFUSED_REFERENCE = re.compile(
    r"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F])"
    r"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45])(?![0-9]))"
)


class _Sanitizer:
    """The parser and compiled XPath query `sanitize_html` uses, made at its first call (lxml
    is not imported with this module) and kept per thread (an lxml parser must not be used
    by two threads at once)."""

    def __init__(self) -> None:
        from lxml import etree

        self.etree = etree
        # etree's parser, not lxml.html's: the same libxml2 tree, without the Python class
        # lookup lxml.html runs for every element it hands to Python.
        # No id table (ids are never looked up; most are removed) and no default doctype
        # (only the body is written): ~3% of the parse's instructions. The markup is given as
        # UTF-8 bytes: lxml hands a str over as UTF-16 or UCS-4, which libxml2 converts (and
        # UCS-4 through iconv); encoding is cheaper. The encoding is given, so a <meta
        # charset> in the markup changes nothing, as it changed nothing for a str.
        self.parser = etree.HTMLParser(collect_ids=False, default_doctype=False,
                                       encoding="utf-8")
        # Every attribute below the root, as strings that know their element and name: one
        # query is quicker than asking each element for its keys.
        self.attributes = etree.XPath("descendant::*/@*")


_SANITIZERS = threading.local()


def _sanitizer() -> _Sanitizer:
    sanitizer = getattr(_SANITIZERS, "sanitizer", None)
    if sanitizer is None:
        sanitizer = _SANITIZERS.sanitizer = _Sanitizer()
    return sanitizer


def _fragment(html: str, sanitizer: _Sanitizer):  # type: ignore[no-untyped-def]
    """The fragment as lxml.html's `fragment_fromstring(html, create_parent="div")` reads it:
    the body of the document libxml2 makes of it, renamed <div>, without attributes and
    without leading blank text. Raises when lxml.html would (no or several bodies)."""
    if not _FULL_DOCUMENT.match(html):
        html = f"<html><body>{html}</body></html>"
    # (`clean` has removed lone surrogates: the encoding cannot fail.)
    document = sanitizer.etree.fromstring(html.encode("utf-8"), sanitizer.parser)
    if document is None or document.tag != "html":
        raise ValueError("not an HTML document")
    bodies = [element for element in document if element.tag == "body"]
    if len(bodies) != 1:
        raise ValueError("no body or several")
    body = bodies[0]
    body.tag = "div"
    body.attrib.clear()
    if body.text is not None and not body.text.strip():
        body.text = None
    return body


def _sanitize_tree(  # type: ignore[no-untyped-def]
    root, html: str, base_url: str | None, sanitizer: _Sanitizer
) -> None:
    """Remove from `root` (itself kept; read from `html`) every element and attribute
    `_ALLOWED_*` does not name, with its content when `_KILLED` names it, and pass its links
    through `safe_url`.

    Python only collects the names in the tree; lxml's C functions remove what they name.
    """
    etree = sanitizer.etree
    killed: list[Any] = []
    unknown: list[str] = []
    for tag in {element.tag for element in root.iter()}:
        if not isinstance(tag, str):  # a comment or a processing instruction
            killed.append(tag)
            continue
        lower = tag.lower()
        if lower in _KILLED:
            killed.append(tag)
        elif lower not in _ALLOWED_TAGS:
            unknown.append(tag)
    # Dropped with their content (what follows them stays), then unknown tags unwrapped:
    # the order does not matter, what a removed element held is gone whichever goes first.
    if killed:
        etree.strip_elements(root, *killed, with_tail=False)
    if unknown:
        etree.strip_tags(root, *unknown)
    # The attributes feeds use most that are not allowed, removed before anyone looks, in
    # markup that has the two commonest (pages' HTML): what is left to look at is mostly the
    # allowed ones. Not worth its cost in markup that has only links. (An optimization only:
    # the query below finds every attribute still there.)
    if "class=" in html or "style=" in html:
        etree.strip_attributes(root, *_COMMON_REFUSED)
    refused: set[str] = set()
    for value in sanitizer.attributes(root):
        name = value.attrname
        if name in _KEPT_ATTRIBUTES:  # alt, title, width, height, ...: nothing to do
            continue
        if name in _LINK_ATTRIBUTES:
            if _PLAIN_HTTP_URL.fullmatch(value):
                continue  # what `safe_url` keeps as it is (most links)
            link = _slow_safe_url(str(value), base_url)  # the string, not lxml's subclass
            if link != value:
                attrib = value.getparent().attrib
                if link is None:
                    del attrib[name]
                else:
                    attrib[name] = link
        elif name not in _ALLOWED_ATTRIBUTES and name.lower() not in _ALLOWED_ATTRIBUTES:
            refused.add(name)
    if refused:
        etree.strip_attributes(root, *refused)
        # strip_attributes reads "{uri}name" and "prefix:name" as names in a namespace and
        # may miss such attributes; it removes every other name (a test holds it to that), so
        # only then is every attribute looked at again (a second query: 40% of fragments
        # have a refused name after the common ones, nearly none with '{', '}' or ':').
        if any(":" in name or "{" in name or "}" in name for name in refused):
            for value in sanitizer.attributes(root):  # a name strip_attributes did not know
                if value.attrname in refused:
                    del value.getparent().attrib[value.attrname]


def _walk_tree(root, base_url: str | None) -> None:  # type: ignore[no-untyped-def]
    """`_sanitize_tree` as a Python walk over an lxml.html tree, element by element."""
    _rewrite_links(root, root, base_url)
    for element in list(root.iterdescendants()):  # root.iter() less the root, in order
        tag = element.tag
        if not isinstance(tag, str):  # a comment or a processing instruction
            element.drop_tree()
            continue
        tag = tag.lower()
        if tag in _KILLED:
            element.drop_tree()
            continue
        if tag not in _ALLOWED_TAGS:
            element.drop_tag()
            continue
        names = element.keys()  # list(element.attrib), without the proxy
        if names:  # most elements have no attributes: nothing to remove or rewrite
            _sanitize_attributes(element, names, root, base_url)


def _sanitize_attributes(  # type: ignore[no-untyped-def]
    element, names: list[str], root, base_url: str | None
) -> None:
    """Remove the attributes `_ALLOWED_ATTRIBUTES` does not name, then rewrite the links."""
    attrib = element.attrib
    for name in names:
        if name.lower() not in _ALLOWED_ATTRIBUTES:
            del attrib[name]
    _rewrite_links(element, root, base_url)


def _rewrite_links(element, root, base_url: str | None) -> None:  # type: ignore[no-untyped-def]
    """Make `element`'s links absolute, removing those `safe_url` refuses; only when it is
    still in the tree (inside a removed element it is never written, so never looked at)."""
    attrib = element.attrib
    names = _URL_ATTRIBUTES.intersection(attrib)
    if not names or not _attached(element, root):
        return
    for name in names:
        value = attrib[name]
        link = safe_url(value, base_url) if name != "srcset" else None
        if link is None:
            del attrib[name]
        elif link != value:
            attrib[name] = link


def _attached(element, root) -> bool:  # type: ignore[no-untyped-def]
    """True when `root` is `element` or one of its ancestors."""
    while element is not None:
        if element is root:
            return True
        element = element.getparent()
    return False


def _sanitize_by_walk(html: str, base_url: str | None) -> str:
    """`sanitize_html` for a fragment whose parse holds a character lxml refuses to set as
    text (from `&#27;`, say): lxml.html's `drop_tag` then raises where text is merged, and
    the fragment is kept as escaped plain text. Rare; kept so the answer stays the same."""
    from html import escape

    from lxml.html import fragment_fromstring, tostring

    try:
        root = fragment_fromstring(html, create_parent="div")
        _walk_tree(root, base_url)
        out = tostring(root, encoding="unicode")
    except Exception:
        return escape(strip_tags(html), quote=False)
    if out.startswith("<div>") and out.endswith("</div>"):
        out = out[5:-6]
    return clean(out)


def sanitize_html(html: str | None, base_url: str | None = None) -> str:
    """HTML that is safe to keep: no scripts, styles, event handlers, frames or forms, and
    every link and image made absolute against `base_url` and kept only when http(s).

    Plain text (no `<`) is returned cleaned, without a parse.
    """
    html = clean(html)
    if "<" not in html:
        return html
    if not _QUICK_OTHER_TAG.search(html):
        return html  # attribute-less tags from the allowlist and plain links: nothing to do
    return _sanitize_markup(html, base_url)


# The start of &lrm; or &rlm; in any ASCII case (libxml2 reads entity names case-sensitively).
_BIDI_MARK_ENTITY = re.compile("&(?:[lL][rR]|[rR][lL])[mM]")


def _sanitize_markup(html: str, base_url: str | None) -> str:
    """`sanitize_html` of cleaned markup, always parsed."""
    try:
        if ("&#" in html and _REFUSED_REFERENCE.search(html)) or (
                not html.isascii() and ("\ufffe" in html or "\uffff" in html)):
            return _sanitize_by_walk(html, base_url)
        sanitizer = _sanitizer()
        root = _fragment(html, sanitizer)
        _sanitize_tree(root, html, base_url, sanitizer)
        out = sanitizer.etree.tostring(root, method="html", encoding="unicode", with_tail=False)
    except Exception:  # odd markup lxml cannot take: keep only its text
        from html import escape

        return escape(strip_tags(html), quote=False)
    if out.startswith("<div>") and out.endswith("</div>"):
        out = out[5:-6]
    # libxml2 writes the characters of the (cleaned) input and markup of its own; only a
    # character reference or an entity ("&#x202e;", "&rlm;") can put in one `clean` removes,
    # and of HTML's named entities only &lrm; and &rlm; stand for such a character (a test
    # checks the whole table). Most markup has '&' (&amp;, &nbsp;) but half has no "&#".
    if "&" in html and ("&#" in html or _BIDI_MARK_ENTITY.search(html)):
        return clean(out)
    return out


def reading_minutes(text: str) -> int:
    """Minutes to read `text` at 230 words a minute, at least 1."""
    return max(1, math.ceil(len(text.split()) / 230))


# --- HTML to display text -------------------------------------------------------------------

_DROPPED = frozenset(
    {"script", "style", "iframe", "object", "embed", "form", "noscript", "template", "svg",
     "head", "title", "select", "textarea", "button", "canvas", "audio", "video", "math"}
)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)
# Blocks separated by a blank line, and blocks that only start a new line.
_PARAGRAPHS = frozenset(
    {"p", "blockquote", "pre", "table", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
     "dl", "details", "address", "fieldset"}
)
_LINES = frozenset(
    {"div", "section", "article", "header", "footer", "aside", "nav", "main", "figcaption",
     "summary", "center", "caption", "dt", "legend", "tbody", "thead", "tfoot"}
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v]+")


class _Renderer(HTMLParser):
    """Turns an HTML fragment into display text with numbered link references.

    Newlines are requested, not written: the largest pending request is written just before the
    next text, so runs of blocks never leave more than one blank line and nothing trails.
    """

    def __init__(self, base_url: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.out: list[str] = []
        self.links: list[str] = []
        self._link_numbers: dict[str, int] = {}
        self._pending_newlines = 0  # 0, 1 (new line) or 2 (blank line)
        self._pending_quote = 0  # quote depth of the blank line, when one is pending
        self._after_marker = False  # a list marker was just written: no break before its text
        self._pending_space = False
        self._at_start = True  # nothing written yet
        self._at_line_start = True
        self._dropping: list[str] = []
        self._pre = 0
        self._pre_fresh = False  # the newline right after <pre> is not content
        self._quote = 0
        self._lists: list[list[int]] = []  # [ordered?, next number]
        self._in_item = 0
        self._cells = 0  # inside a table cell: breaks become spaces
        self._row_has_cell = False
        # (url, chars written at <a>, len(out) at <a>): the last one finds the link's text
        self._anchors: list[tuple[str | None, int, int]] = []
        self.link_texts: dict[str, str] = {}  # url -> the text of its first link
        self._marker: str | None = None  # a closed link's URL, its " [n]" not yet written
        self._written = 0

    # -- writing --------------------------------------------------------------------------
    def _prefix(self) -> str:
        indent = "  " * max(0, len(self._lists) - 1) + ("  " if self._in_item else "")
        return "> " * self._quote + indent

    def _break(self, lines: int) -> None:
        if self._cells and not self._pre:
            self._pending_space = True
            return
        if self._after_marker:
            return
        if self._in_item:  # paragraphs inside a list item: one line apart
            lines = 1
        self._pending_quote = (
            min(self._pending_quote, self._quote) if self._pending_newlines else self._quote
        )
        self._pending_newlines = max(self._pending_newlines, lines)
        self._pending_space = False

    def _write(self, text: str, prefix: str | None = None) -> None:
        """Write inline text, flushing pending breaks and the line prefix first."""
        if not text:
            return
        self.flush_marker()
        if self._at_start:
            self._pending_newlines = 0
        if self._pending_newlines:
            if self._pending_newlines > 1:
                depth = min(self._pending_quote, self._quote)
                self.out.append("\n" + ("> " * depth).rstrip())
            self.out.append("\n")
            self._at_line_start = True
            self._pending_newlines = 0
            self._pending_space = False
        if self._at_line_start:
            self.out.append(self._prefix() if prefix is None else prefix)
            self._at_line_start = False
            self._pending_space = False
        elif self._pending_space and not self._after_marker:
            self.out.append(" ")
        self._pending_space = False
        self.out.append(text)
        self._after_marker = False
        self._at_start = False
        self._written += len(text)

    def _write_inline(self, data: str) -> None:
        collapsed = _HTML_SPACE.sub(" ", data)
        if collapsed.startswith(" "):
            self._pending_space = True
        words = collapsed.strip(" ")
        if words:
            self._write(words)
            self._pending_space = collapsed.endswith(" ")

    def flush_marker(self) -> None:
        """Write a closed link's " [n]" right after its text. It waits until something else
        is written, so a word split over two links to one page ("<a>expand</a><a>ed</a>")
        gets one marker after the word, not one inside it."""
        if self._marker is not None:
            marker = f" [{self._number(self._marker)}]"
            self._marker = None
            self.out.append(marker)
            self._written += len(marker)

    def _write_pre(self, data: str) -> None:
        self.flush_marker()
        if self._pre_fresh:
            data = data[1:] if data.startswith("\n") else data
            self._pre_fresh = False
        lines = data.replace("\r\n", "\n").split("\n")
        for number, line in enumerate(lines):
            if number:
                self.out.append("\n")
                self._at_line_start = True
                if not line and self._quote:
                    self.out.append(("> " * self._quote).rstrip())
            if line:
                self._write(line)

    # -- parser callbacks ----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping:
            if tag in _DROPPED and tag not in _VOID:
                self._dropping.append(tag)
            return
        if tag in _DROPPED:
            if tag not in _VOID:
                self._dropping.append(tag)
            return
        attributes = {name: value or "" for name, value in attrs}
        if tag in _PARAGRAPHS:
            self._break(2)
        elif tag in _LINES:
            self._break(1)
        if tag in _HEADINGS:
            self._write("#" * _HEADINGS[tag] + " ")
            self._after_marker = True
        elif tag == "blockquote":
            self._quote += 1
        elif tag == "pre":
            self._pre += 1
            self._pre_fresh = True
        elif tag == "br":
            if self._cells and not self._pre:
                self._pending_space = True
            elif self._at_start:
                pass
            else:
                # A hard break: always a new line, even right after one (<br><br> = blank line).
                if self._pending_newlines:
                    self._pending_newlines = min(2, self._pending_newlines + 1)
                else:
                    self._pending_newlines = 1
                self._pending_space = False
        elif tag == "hr":
            self._write("* * *")
            self._break(2)
        elif tag in ("ul", "ol", "menu"):
            self._break(1 if self._lists else 2)
            start = 1
            if tag == "ol":
                try:
                    start = int(attributes.get("start", "1"))
                except ValueError:
                    start = 1
            self._lists.append([tag == "ol", start])
        elif tag == "li":
            self._start_item()
        elif tag == "dd":
            self._break(1)
            self._write("  ")
            self._after_marker = True
        elif tag == "tr":
            self._cells = 0  # cells may omit their end tags
            self._break(1)
            self._row_has_cell = False
        elif tag in ("td", "th"):
            self._cells = 0
            if self._row_has_cell:
                self._pending_space = True
                self._write("|")
                self._pending_space = True
            self._row_has_cell = True
            self._cells = 1
        elif tag == "img":
            alt = clean_line(attributes.get("alt", ""))
            self._pending_space = True
            self._write(f"[image: {alt}]" if alt else "[image]")
            self._pending_space = True
        elif tag == "a":
            url = safe_url(attributes.get("href"), self.base_url) if "href" in attributes else None
            if url is not None and url == self._marker:
                self._marker = None  # the same link goes on: one marker at its new end
                self._anchors.append((url, -1, len(self.out)))
            else:
                self._anchors.append((url, self._written, len(self.out)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def _start_item(self) -> None:
        if self._cells:
            self._pending_space = True
            return
        if not self._lists:  # <li> outside a list: treat as a bulleted one
            self._lists.append([False, 1])
        self._in_item = 0
        self._break(1)
        ordered = self._lists[-1]
        marker = f"{ordered[1]}. " if ordered[0] else "• "
        if ordered[0]:
            ordered[1] += 1
        indent = "> " * self._quote + "  " * (len(self._lists) - 1)
        self._write(marker, prefix=indent)
        self._pending_space = False
        self._after_marker = True
        self._in_item = 1

    def handle_endtag(self, tag: str) -> None:
        if self._dropping:
            if tag in self._dropping:
                while self._dropping and self._dropping.pop() != tag:
                    pass
            return
        if tag == "table":
            self._cells = 0
            self._row_has_cell = False
        if tag in _HEADINGS or tag in _PARAGRAPHS:
            if tag == "blockquote" and self._quote:
                self._quote -= 1
            elif tag == "pre" and self._pre:
                self._pre -= 1
            self._break(2)
        elif tag in _LINES:
            self._break(1)
        elif tag in ("ul", "ol", "menu"):
            if self._lists:
                self._lists.pop()
            self._in_item = 1 if self._lists else 0
            self._break(1 if self._lists else 2)
        elif tag == "li":
            self._break(1)
        elif tag == "tr":
            self._cells = 0
            self._row_has_cell = False
            self._break(1)
        elif tag in ("td", "th"):
            self._cells = max(0, self._cells - 1)
        elif tag == "a" and self._anchors:
            url, written_before, out_before = self._anchors.pop()
            if url and self._written > written_before:
                if not self.link_texts.get(url):
                    self.link_texts[url] = _link_text("".join(self.out[out_before:]))
                self.flush_marker()
                self._marker = url

    def _number(self, url: str) -> int:
        if url not in self._link_numbers:
            self.links.append(url)
            self._link_numbers[url] = len(self.links)
        return self._link_numbers[url]

    def handle_data(self, data: str) -> None:
        if self._dropping:
            return
        if self._pre:
            self._write_pre(data)
        else:
            self._write_inline(data)


def html_to_text(html: str | None, base_url: str | None = None) -> Rendered:
    """HTML as display text: paragraphs, lists, quotes, code and numbered link references."""
    if not html:
        return Rendered("")
    renderer = _Renderer(base_url)
    try:
        renderer.feed(html)
        renderer.close()
        renderer.flush_marker()
    except Exception:  # never let odd markup escape: fall back to the bare text
        return Rendered(strip_tags(html))
    # Pending breaks never write more than one blank line; only <pre> keeps its own runs.
    lines = [line.rstrip() for line in "".join(renderer.out).split("\n")]
    text = "\n".join(lines).strip("\n")
    texts = tuple(renderer.link_texts.get(url, "") for url in renderer.links)
    return Rendered(clean(text), tuple(renderer.links), texts)


_MARKER = re.compile(r" \[\d+\]")


def _link_text(written: str) -> str:
    """What a link's text was written as, on one line, without other links' [n] markers."""
    return clean_line(" ".join(_MARKER.sub("", written).split()))[:200]


def language_tag(value: object) -> str | None:
    """A feed's declared language as a short tag ("en-US", "de"), or None when it is not one.

    Feeds write "en-us", "en_US", "EN", " en-gb "; anything longer than a language and a
    region, or with other characters, is not trusted (it is feed text)."""
    if not isinstance(value, str):
        return None
    parts = value.strip().replace("_", "-").split("-")
    if not 1 <= len(parts) <= 3 or not all(part.isascii() and part.isalnum() for part in parts):
        return None
    language = parts[0].lower()
    if not 2 <= len(language) <= 3 or not language.isalpha():
        return None
    rest = [part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part.lower()
            for part in parts[1:] if 2 <= len(part) <= 8]
    return "-".join([language, *rest])
