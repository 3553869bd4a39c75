"""The quick paths in feeds.text and feeds.parse give exactly what the plain code gave.

Each quick path is checked against a small reference copy of the code it replaced (kept here,
not in feeds/), on adversarial text from hypothesis and on every string the conformance corpus,
the hostile documents and generated feeds pass through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from html import escape, unescape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feeds.parse
import feeds.text
import feeds.xmlfeed
from feeds.parse import ParseError, _as_feedparser_text, parse
from feeds.text import (
    _BARE_TAG,
    _BLANK_LINES,
    _ESCAPE_SEQUENCE,
    _INVISIBLE_BLOCKS,
    _INVISIBLE_START,
    _LINE_BREAKS,
    _PLAIN_HTTP_URL,
    _PLAIN_LINK_TAG,
    _QUICK_OTHER_TAG,
    _SPACES,
    _TAG,
    _UNSAFE,
    _UNSAFE_CLASS,
    _sanitize_markup,
    _slow_safe_url,
    clean,
    safe_url,
    sanitize_html,
    search_text,
    strip_tags,
)
from tests.conftest import shared_path

# --- the code the quick paths replaced ------------------------------------------------------


def reference_clean(value: str | None) -> str:
    if not value:
        return ""
    if not _UNSAFE.search(value):
        return value
    value = _ESCAPE_SEQUENCE.sub("", value)
    value = _LINE_BREAKS.sub("\n", value)
    return _UNSAFE.sub("", value)


def reference_search_text(html: str | None) -> str:
    if not html:
        return ""
    text = _INVISIBLE_BLOCKS.sub(" ", html)
    text = _TAG.sub(" ", text.replace("</p>", "\n\n").replace("<br", "\n<br"))
    text = reference_clean(unescape(text))
    return _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text)).strip()


def reference_sanitize_html(html: str | None, base_url: str | None = None) -> str:
    """sanitize_html as it was: a sanitizing walk, then a second walk for the links."""
    html = reference_clean(html)
    if "<" not in html:
        return html
    try:
        from lxml.html import fragment_fromstring, tostring

        if not _BARE_TAG.sub("", html).count("<"):
            return html
        if not _QUICK_OTHER_TAG.search(html):
            return html  # on purpose: plain links are kept as written too (tests below)
        root = fragment_fromstring(html, create_parent="div")
        for element in list(root.iter()):
            if element is root:
                continue
            tag = element.tag
            if not isinstance(tag, str):
                element.drop_tree()
                continue
            tag = tag.lower()
            if tag in feeds.text._KILLED:
                element.drop_tree()
                continue
            if tag not in feeds.text._ALLOWED_TAGS:
                element.drop_tag()
                continue
            for name in list(element.attrib):
                if name.lower() not in feeds.text._ALLOWED_ATTRIBUTES:
                    del element.attrib[name]
        for element in root.iter():
            for name in feeds.text._URL_ATTRIBUTES.intersection(element.attrib):
                link = _slow_safe_url(element.attrib[name], base_url) if name != "srcset" else None
                if link is None:
                    del element.attrib[name]
                else:
                    element.attrib[name] = link
        out = tostring(root, encoding="unicode")
    except Exception:
        return escape(strip_tags(html), quote=False)
    if out.startswith("<div>") and out.endswith("</div>"):
        out = out[5:-6]
    return reference_clean(out)


def reference_slow_safe_url(url: str | None, base: str | None = None) -> str | None:
    """`_slow_safe_url` as it was: every relative link through urljoin."""
    from urllib.parse import urljoin, urlsplit

    if not url:
        return None
    url = clean(url).replace("\t", "").replace("\n", "").strip()
    if not url:
        return None
    if base and not url[:8].lower().startswith(("http://", "https://")):
        base = clean(base).replace("\t", "").replace("\n", "").strip()
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


def reference_as_feedparser_text(value: Any) -> Any:
    if isinstance(value, str):
        if not value.isascii():
            try:
                value = value.encode("iso-8859-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        return value.translate(feeds.xmlfeed._CP1252) if feeds.xmlfeed._C1.search(value) else value
    if isinstance(value, Mapping):
        return {key: reference_as_feedparser_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reference_as_feedparser_text(item) for item in value]
    return value


# --- clean: the isprintable shortcut ------------------------------------------------------------


def test_every_character_clean_removes_is_unprintable() -> None:
    """What makes the shortcut sound: a printable string holds nothing `clean` removes."""
    unsafe = re.compile(f"[{_UNSAFE_CLASS}]")
    removed = [chr(code) for code in range(0x110000) if unsafe.match(chr(code))]
    assert len(removed) > 2000  # the surrogates alone are 2048
    assert not [c for c in removed if c.isprintable()]
    assert not unsafe.search(" \t\n")  # what the shortcut maps away before asking


def test_the_ascii_check_deletes_what_clean_removes() -> None:
    """`_is_safe` deletes `_ASCII_UNSAFE` from ASCII text: exactly the ASCII `clean` removes."""
    unsafe = re.compile(f"[{_UNSAFE_CLASS}]")
    assert set(feeds.text._ASCII_UNSAFE) == {code for code in range(128)
                                             if unsafe.match(chr(code))}


def test_long_text_check_finds_every_character_clean_removes() -> None:
    """Every character, put into a long non-ASCII text at its start, middle or end, is
    judged by `_is_safe` as `_UNSAFE` judges it (its shortcuts for non-ASCII text)."""
    unsafe = re.compile(f"[{_UNSAFE_CLASS}]")
    pad = "é" * 150
    for code in range(0x110000):
        character = chr(code)
        expected = not unsafe.match(character)
        assert feeds.text._is_safe(pad + character + pad) is expected, hex(code)
        if code < 0x3000 or not expected:  # at either end too
            for text in (character + pad + pad, pad + pad + character):
                assert feeds.text._is_safe(text) is expected, hex(code)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["\u00e9" * 50, "x" * 90, "\u2019 \u201c", "\u00a0\n"]),
                min_size=4, max_size=8).map("".join), st.text(max_size=30), st.integers(0, 400))
def test_long_text_is_cleaned_unchanged(long: str, inserted: str, where: int) -> None:
    value = long[:where] + inserted + long[where:]
    assert clean(value) == reference_clean(value)


def test_every_escape_sequence_starts_with_an_escape_start() -> None:
    """What lets `clean` skip `_ESCAPE_SEQUENCE` for text without one of these characters."""
    tails = ("", "a", "[0m", "]0;t\x07")
    starts = [chr(code) for code in range(0x110000)
              if any(_ESCAPE_SEQUENCE.match(chr(code) + tail) for tail in tails)]
    assert starts and all(feeds.text._ESCAPE_START.match(start) for start in starts)


hostile_chars = st.sampled_from(
    list("\x00\x07\x08\t\n\r\x0b\x0c\x1b\x7f\x80\x85\x90\x9b\x9c\x9d[]];\\Pm0a <>&#/\u00a0")
    + ["\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "\u2028", "\u2029", "\ufeff", "\ud800",
       "\u3000", "\u2003", "é", "漢", "&amp;", "&#27;", "&#x202e;", "&nbsp;", "&#32;", "&#9;"]
)
hostile_text = st.one_of(st.lists(hostile_chars, max_size=40).map("".join), st.text(max_size=60))


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_clean_is_unchanged(value: str) -> None:
    assert clean(value) == reference_clean(value)


# --- search_text: spaces collapsed without a regular expression ----------------------------------

html_pieces = st.sampled_from(
    ["<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<a href='x'>", "</a>", "<!-- c -->",
     "<script>x</script>", "<STYLE>y</style >", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\f",
     "\v", "&nbsp;", "&#32;", "&#9;", "&amp;", "&lt;", "word", "é", "\x1b[1m", "\x1b]0;t\x07",
     "\u202e", "\u2028", "<", ">", "\x01", "&#27;", "\u3000"]
)
html_like = st.lists(html_pieces, max_size=40).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(html_like, hostile_text))
def test_search_text_is_unchanged(html: str) -> None:
    assert search_text(html) == reference_search_text(html)


def test_every_invisible_block_start_is_found_by_the_quick_search() -> None:
    """`_INVISIBLE_START` (no IGNORECASE) finds every place an `_INVISIBLE_BLOCKS` match can
    start: each letter of each keyword is tried as every character IGNORECASE takes it for
    (U+017F for 's', U+0130/U+0131 for 'i' among them)."""
    keywords = ("!--", "script", "style", "template", "noscript")
    letters = set("".join(keywords))
    folds: dict[str, list[str]] = {letter: [] for letter in letters}
    for code in range(0x110000):
        character = chr(code)
        for letter in letters:
            if re.fullmatch(re.escape(letter), character, re.IGNORECASE):
                folds[letter].append(character)
    assert "\u017f" in folds["s"] and "\u0130" in folds["i"]
    tried = 0
    for keyword in keywords:
        for position, letter in enumerate(keyword):
            for character in folds[letter]:
                spelled = keyword[:position] + character + keyword[position + 1:]
                closing = "-->" if keyword == "!--" else f"</{keyword}>"
                block = f"x <{spelled} a>b{closing} y"
                if _INVISIBLE_BLOCKS.search(block):
                    assert _INVISIBLE_START.search(block), block
                    tried += 1
    assert tried > 50


# --- safe_url: the plain http(s) URL shortcut ---------------------------------------------------

url_pieces = st.sampled_from(
    ["http://", "https://", "HTTP://", "hTtPs://", "javascript:", "data:", "//", "/", "\\", "@",
     "user:pw@", ":", ":80", ":99999", ":", "[", "]", "[::1]", "[v1.x]", "?", "#", "%", "%20",
     " ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u00a0", "\u202e", "\u3000",
     "\ufeff", "\u2028", "example.com", "EXAMPLE.com", "a", "-", ".", "_", "~", "é", "ß",
     "xn--nxasmq6b", "\uff21", "\u2100", "\ufe63", "0", "127.0.0.1", "path", "q=1&r=2", "'", '"',
     "<", ">", "`", "{", "}", "|", "^"]
)
urls = st.one_of(
    st.lists(url_pieces, max_size=12).map("".join),
    st.builds(lambda host, rest: f"http://{host}{rest}", st.text(max_size=12),
              st.text(max_size=12)),
    st.text(max_size=40),
)
bases = st.one_of(st.none(), st.just(""), st.just("https://example.com/feed/"),
                  st.just("http://[::1]:8080/a/b"), urls)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls, bases)
def test_safe_url_quick_path_is_the_slow_path(url: str, base: str | None) -> None:
    assert safe_url(url, base) == _slow_safe_url(url, base)
    if _PLAIN_HTTP_URL.fullmatch(url):
        assert _slow_safe_url(url, base) == url


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(_PLAIN_HTTP_URL, fullmatch=True), bases)
def test_every_plain_url_is_kept_as_it_is(url: str, base: str | None) -> None:
    assert _slow_safe_url(url, base) == url


relative_pieces = st.sampled_from(
    ["/", "//", "a", "b.jpg", ".", "..", "./", "../", ".x", "x.", "?", "#", ";", ":", "@", "%2F",
     "%", "\\", " ", "é", "~", "=", "&", "+", "-", "_", "!", "$", "'", "(", "*", ",", "[", "]",
     "^", "`", "{", "|", "}", '"', "<", ">", "q=1"])
plain_bases = st.one_of(
    st.lists(st.sampled_from(["https://", "http://", "HTTPS://", "h.com", "H-1.org", ":8080",
                              ":", "@", "/", "//", "a", "b.c", ".", "..", "?", "#", ";", "x=1",
                              "%20", " ", "\\", "~"]), max_size=10).map("".join),
    st.builds(lambda path: "https://example.com" + path,
              st.lists(relative_pieces, max_size=8).map("".join)))


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(relative_pieces, min_size=1, max_size=10).map("".join), plain_bases)
def test_plain_relative_links_join_as_urljoin_joins_them(url: str, base: str) -> None:
    """`_plain_join` (relative links without urljoin) gives what urljoin gave."""
    assert _slow_safe_url(url, base) == reference_slow_safe_url(url, base)


def test_plain_relative_links_take_the_quick_join() -> None:
    for base, url in [("https://example.com/f", "/a/b.jpg"), ("https://h.org/a/b/", "c.png"),
                      ("http://h:8080", "x/y/"), ("https://h.org/a?q#f", "post-1.html")]:
        assert feeds.text._plain_join(base, url) == reference_slow_safe_url(url, base)
    for base, url in [("https://h.org/a/", "../x"), ("https://h.org/a/", "./x"),
                      ("https://h.org//a", "x"), ("https://h.org/a;p", "x"),
                      ("https://h.org/a", "//x"), ("https://h.org/a", "x?"),
                      ("https://h.org/a", "x:y"), ("https://u@h.org/a", "x")]:
        assert feeds.text._plain_join(base, url) is None, (base, url)


@pytest.mark.parametrize("url", [
    "http://user@evil.com/", "http://a b/", "http://[::1]/", "http://é.com/", "HTTP://a.com/",
    "http://a.com:x/", "http:/a.com/", "http://a.com/\x1b[31m", "http://a.com/\u202e",
    " http://a.com/", "http://a.com/ ", "http:\\\\a.com", "javascript://a.com/%0aalert(1)",
])
def test_odd_urls_take_the_slow_path(url: str) -> None:
    assert not _PLAIN_HTTP_URL.fullmatch(url)


# --- sanitize_html: one walk instead of two ----------------------------------------------------


_QUICK_TAG = re.compile(f"{_BARE_TAG.pattern}|<{_PLAIN_LINK_TAG}", re.I)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text("<>/pbr ax\nB", max_size=30),
                 st.lists(st.sampled_from(["<", ">", "/", "a", " ", "p", "href=", '"', "'",
                                           "https://e.com/", "http://", "x", "A", "&"]),
                          max_size=20).map("".join)))
def test_quick_tag_check_answers_as_a_copy_would(html: str) -> None:
    """No '<' that starts neither a bare tag nor a plain link: the same answer as "does a '<'
    survive removing them", found without a copy."""
    assert (_QUICK_OTHER_TAG.search(html) is None) == (_QUICK_TAG.sub("", html).count("<") == 0)


# `_QUICK_OTHER_TAG` as it was written before: with IGNORECASE, from `_BARE_TAG` itself.
_QUICK_OTHER_TAG_AS_WRITTEN = re.compile(f"<(?!{_BARE_TAG.pattern[1:]}|{_PLAIN_LINK_TAG})",
                                         re.I)


def test_case_folds_are_what_ignorecase_takes() -> None:
    """`_caseless` spells each ASCII letter as every character re.IGNORECASE matches it with."""
    folds: dict[str, set[str]] = {letter: set() for letter in "abcdefghijklmnopqrstuvwxyz"}
    for code in range(0x110000):
        character = chr(code)
        related = character.lower() + character.upper() + character.casefold()
        for letter in set(related.lower()) & folds.keys():  # what IGNORECASE could tie it to
            if re.fullmatch(letter, character, re.I):
                folds[letter].add(character)
    for letter, found in folds.items():
        assert re.fullmatch(feeds.text._caseless(letter), "") is None
        spelled = set(feeds.text._caseless(letter)[1:-1])
        assert spelled == found, letter


tag_pieces = st.sampled_from(
    ["<", "</", ">", "/>", " />", " ", "\n", "/", "x", "=", '"', "a href=\"http://e.com/\">",
     "/a>", "A", *feeds.text._BARE_NAMES[:22], *feeds.text._BARE_NAMES[23:], "h1", "H6", "h7",
     "STRONG", "Blockquote", "\u017ftrong", "\u212abd", "\u0130", "\u0131ns", "DİV", "\u212a",
     "script", "img", "a", "ab", "brx", "pre ", "li\t"])


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tag_pieces, max_size=12).map("".join))
def test_quick_tag_check_answers_as_written_with_ignorecase(html: str) -> None:
    assert (_QUICK_OTHER_TAG.search(html) is None) == (
        _QUICK_OTHER_TAG_AS_WRITTEN.search(html) is None)


markup_pieces = st.sampled_from(
    ["<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<br>", "<em>", "</em>", "<span>",
     "</span>", "<P>", "<Br />", "<a href='/x'>", "<a href=\"javascript:alert(1)\">",
     "<a HREF='https://example.com/a b'>", "</a>", "<img src='x.png' onerror='alert(1)'>",
     "<img srcset='a.png 1x'>", "<q cite='//other.org/q'>", "</q>",
     "<blockquote cite=' http://ok/ '>",
     "<script>alert(1)</script>", "<script>", "<style>p{}</style>", "<iframe src='http://x/'>",
     "</iframe>", "<svg><a href='http://in.svg/'>s</a></svg>", "<form action='http://x/'>",
     "</form>", "<font color=red>", "</font>", "<unknown href='http://x/y'>", "</unknown>",
     "<!-- note -->", "<?php x ?>", "<td background='http://bg/'>", "<table>", "</table>",
     "<object data='x'><a href='http://in.object/'>o</a></object>", "<center>",
     "<a href='http://[::1'>", "<a href='http://a.com/&#x1b;'>", "&amp;", "&#27;", "&#x202e;",
     "&nbsp;", "text", " ", "\n", "é", "\x1b[1m", "\u202e", "<", ">", "&",
     # What the C-function sanitizer must read as lxml.html did: whole documents, bodies with
     # attributes, names lxml spells oddly, refused text characters, common refused attributes.
     "<html>", "<!DOCTYPE html>", "<body onload='x()'>", "</body>", "<head><title>t</title>",
     "</head>", "<p CLASS=x STYLE='color:red' ID=i data-id=1>", "<span xml:lang='en'>",
     "<b xlink:href='http://x/'>", "<o:p>", "</o:p>", "<bloc\u212aquote>", "<mar\u212a>",
     "<a href='/rel/link?a=1&amp;b=2' target=_blank rel=nofollow>", "<img src=' /x.png '>",
     "&#65534;", "&#x1b", "&#0;", "&#13;", "<q cite=\"http://a.com/\x7f\">",
     # Named entities for characters `clean` removes, in the cases libxml2 may read.
     "&lrm;", "&rlm;", "&RLM;", "&rlm", "&lrm x", "&#8207;", "&#x200F;", "&#X200e;",
     # The parse is given UTF-8 bytes: wide characters, and a charset it must not follow.
     "<meta charset='iso-8859-1'>", "<meta http-equiv='content-type' content='text/html; "
     "charset=koi8-r'>", "\U0001f600", "\u65e5\u672c", "\u00e9\u00e8", "\ufffd"]
)
markup = st.lists(markup_pieces, max_size=25).map("".join)


def test_only_the_bidi_mark_entities_name_what_clean_removes() -> None:
    """`_sanitize_markup` cleans its output again only when the input has a character
    reference or `_BIDI_MARK_ENTITY`: every named entity of HTML (the HTML5 table, which
    holds HTML 4's) that stands for a character `clean` removes or changes must match it."""
    from html.entities import html5

    from feeds.text import _BIDI_MARK_ENTITY

    unsafe = [name for name, value in html5.items() if clean(value) != value]
    assert unsafe, "the table has the bidi marks at least"
    for name in unsafe:
        assert _BIDI_MARK_ENTITY.match("&" + name), name
    for name in ("lrm;", "rlm;"):
        out = sanitize_html(f"<p class='x'>a&{name}b</p>")  # parsed: not plain
        assert out == "<p>ab</p>", out


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup, st.sampled_from([None, "", "https://example.com/", "javascript:x", "http://[::1"]))
def test_sanitize_html_is_unchanged(html: str, base: str | None) -> None:
    assert sanitize_html(html, base) == reference_sanitize_html(html, base)


# --- plain links: kept as written, without a parse ----------------------------------------

plain_urls = st.from_regex(
    r"https?://[a-z0-9][a-z0-9.-]{0,12}(?::[0-9]{1,5})?(?:/[A-Za-z0-9/?#=%._~-]{0,20})?",
    fullmatch=True)
words = st.text("abc XYZ.,!?:;()-\n", max_size=12)


@st.composite
def well_formed(draw: st.DrawFn, depth: int = 0) -> str:
    """Balanced markup of attribute-less allowlisted tags, plain links and text."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "link", "inline"] + (["block"] if depth < 2 else [])))
        if kind == "text":
            parts.append(draw(words))
        elif kind == "link":
            parts.append(f'<a href="{draw(plain_urls)}">{draw(words)}</a>')
        elif kind == "inline":
            tag = draw(st.sampled_from(["b", "i", "em", "strong", "code", "span"]))
            parts.append(f"<{tag}>{draw(words)}</{tag}>")
        else:
            tag = draw(st.sampled_from(["div", "blockquote", "section"]))
            parts.append(f"<{tag}>{draw(well_formed(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(well_formed().map("<div>{}</div>".format), st.sampled_from([None, "https://example.com/"]))
def test_well_formed_plain_links_read_the_same_with_or_without_a_parse(html: str,
                                                                     base: str | None) -> None:
    """For well-formed markup the quick path answers what the parse answers: the input.
    (In a <div>: the parse drops blank text before the first tag, as lxml.html did.)"""
    assert not _QUICK_OTHER_TAG.search(html), html
    assert sanitize_html(html, base) == html
    assert _sanitize_markup(html, base) == html


link_pieces = st.sampled_from(
    ['<a href="https://example.com/a">', '<a href="http://example.com:8080/?q=1#f">', "</a>",
     '<a href="https://e.com/&quot;onclick=x">', '<a href="https://e.com/" onclick="x">',
     "<a href='https://e.com/'>", '<a href="javascript:alert(1)">', '<A HREF="https://e.com/">',
     '<a href="https://e.com/"x>', '<a href="https://e.com/\u202e">', "<p>", "</p>", "<b>",
     "<br/>", "<img src=x>", "<script>", '"', "'", ">", "<", "&", "&#x6a;", "text", " ", "\n"]
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(link_pieces, max_size=12).map("".join))
def test_what_the_quick_path_keeps_holds_only_plain_links(html: str) -> None:
    """Markup kept without a parse, read by libxml2 as a browser would: nothing but allowed
    tags, no attribute but href, every href a URL `safe_url` keeps as it is."""
    from lxml import etree

    kept = sanitize_html(html, "https://example.com/")
    if _QUICK_OTHER_TAG.search(clean(html)):
        return  # parsed and sanitized: the other tests cover it
    root = etree.fromstring(f"<html><body>{kept}</body></html>", etree.HTMLParser())
    for element in root.iter():
        if element.tag in ("html", "body"):
            continue
        assert isinstance(element.tag, str) and element.tag in feeds.text._ALLOWED_TAGS, kept
        assert set(element.keys()) <= {"href"}, kept
        if element.get("href") is not None:
            assert safe_url(element.get("href")) == element.get("href"), kept
            assert element.get("href").startswith(("http://", "https://")), kept


# --- _as_feedparser_text: ASCII needs no repair ------------------------------------------------

nested = st.recursive(
    st.one_of(st.none(), st.integers(), hostile_text,
              st.text(st.characters(max_codepoint=0x3000), max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=20,
)


def test_wide_text_repair_is_unchanged_for_every_character() -> None:
    """Text with a character above U+00FF takes the UTF-8 byte search for C1 characters:
    each code point beside one, and beside a C1 character, is repaired as before."""
    for code in range(0x110000):
        for value in ("\u2019" + chr(code) + "x", "\u4e00\x85" + chr(code)):
            assert feeds.xmlfeed.repaired(value) == reference_as_feedparser_text(value), code


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested)
def test_feedparser_text_repair_is_unchanged(value: Any) -> None:
    assert _as_feedparser_text(value) == reference_as_feedparser_text(value)


# --- every string of the corpus, the hostile documents and generated feeds ---------------------


def documents() -> Iterator[tuple[str, bytes, dict[str, str], str]]:
    for folder in ("corpus", "hostile"):
        root = shared_path(folder)
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name not in ("MANIFEST.tsv", "README.md"):
                yield str(path), path.read_bytes(), {}, "https://example.com/feed.xml"
    from tests.benchmarks.feedgen import generate_feeds

    for document in generate_feeds(30, 20):
        headers = {"content-type": document.content_type}
        yield document.path, document.body, headers, "http://x" + document.path


def checking(
    quick: Callable[..., Any], reference: Callable[..., Any], seen: list[int]
) -> Callable[..., Any]:
    """`quick`, asserting on every call that `reference` answers the same."""

    def both(*args: Any) -> Any:
        answer = quick(*args)
        assert answer == reference(*args), args
        seen.append(1)
        return answer

    return both


def test_real_documents_take_the_same_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every URL, HTML fragment, feedparser repair and search text the parse of real and
    hostile documents produces is compared with the code the quick paths replaced."""
    seen: dict[str, list[int]] = {"url": [], "html": [], "repair": [], "text": []}
    monkeypatch.setattr(feeds.text, "safe_url",
                        checking(safe_url, _slow_safe_url, seen["url"]))
    monkeypatch.setattr(feeds.parse, "safe_url",
                        checking(safe_url, _slow_safe_url, seen["url"]))
    monkeypatch.setattr(feeds.parse, "sanitize_html",
                        checking(sanitize_html, reference_sanitize_html, seen["html"]))
    monkeypatch.setattr(feeds.parse, "_as_feedparser_text",
                        checking(_as_feedparser_text, reference_as_feedparser_text,
                                 seen["repair"]))
    parsed = 0
    for name, body, headers, url in documents():
        try:
            feed = parse(body, headers, url)
        except ParseError:
            continue
        parsed += 1
        for entry in feed.entries:
            for html in (entry.content_html, entry.summary_html, entry.title):
                assert search_text(html) == reference_search_text(html), name
                seen["text"].append(1)
    counts = {kind: len(calls) for kind, calls in seen.items()}
    print(f"\n{parsed} documents; compared: {counts}")
    assert parsed >= 380 and all(count > 1000 for count in counts.values()), counts


def test_raw_corpus_text_takes_the_same_paths() -> None:
    """The raw documents themselves, as text: HTML, controls, entities and odd URLs."""
    compared = 0
    for path in sorted(Path(shared_path("corpus")).rglob("*.xml")):
        text = path.read_bytes().decode("utf-8", "replace")
        assert clean(text) == reference_clean(text), path
        assert search_text(text) == reference_search_text(text), path
        for url in re.findall(r"""(?:href|src|url|link)\s*=?\s*["'>]([^"'<]*)""", text):
            assert safe_url(url, "https://example.com/a/") == _slow_safe_url(
                url, "https://example.com/a/"), (path, url)
            compared += 1
    assert compared > 300
