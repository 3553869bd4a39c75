"""Property tests: generated RSS and Atom documents read the same by our lxml mapping and by
feedparser (the oracle), feature by feature: guid and permalink forms, missing and relative
links, xml:base, titles as text or HTML, dates in the forms feeds write (and impossible ones),
summary against content in any order, enclosures with durations, categories and authors."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.parse import parse_both_ways
from tests.test_parse_differential import differences

FEED_URL = "https://example.com/blog/feed.xml"

DATES = st.sampled_from([
    "Tue, 02 Jan 2024 10:00:00 +0200", "Tue, 02 Jan 2024 10:00:00 GMT", "02 Jan 2024 10:00 EST",
    "Tue, 2 Jan 24 10:00:00 PST", "2024-01-02T10:00:00Z", "2024-01-02T10:00:00.250+05:30",
    "2024-01-02", "2024-01-02 10:00:00", "Mon, 01 Jan 0001 00:00:00 +0000",
    "0001-01-01T00:00:00Z", "Fri, 01 Jan 2100 00:00:00 GMT", "yesterday", "",
    "Jan 2 2024", "2024-01-02T10:00:00+0100",
])
WORDS = st.sampled_from(["Garden", "AT&T", "<b>bold</b>", "café", "a < b", "x > y", "Tom & Jerry",
                         "“quoted”", "R&D", "plain words", "3 > 2 & 1 < 2"])
LINKS = st.sampled_from(["https://example.com/p/1", "http://example.org/a?b=1&c=2", "/p/2",
                         "p/3", "https://example.com/p/1#frag", "javascript:alert(1)", ""])
# An empty href is left out for Atom: feedparser makes it the xml:base, we make it no link
# (listed in test_parse_differential.INTENDED).
ATOM_LINKS = LINKS.filter(bool)
GUIDS = st.sampled_from(["https://example.com/p/1", "urn:uuid:6b1e0c1a-1d2f-4a1b-9c1d-1", "42",
                         "tag:example.com,2024:1", "/p/9", ""])
DURATIONS = st.sampled_from(["1:02:03", "62:03", "3723", "12:60", "abc", "", "00:45"])
HTML = st.sampled_from(["<p>Hello <a href=\"/w\">world</a></p>", "Just text & more",
                        "<p onclick=\"x()\">Hi<script>bad()</script></p>",
                        "<img src=\"pic.png\" alt=\"p\"> caption", "a < b", "<div>one</div>"])


def text_node(value: str, cdata: bool) -> str:
    if cdata and "]]>" not in value:
        return f"<![CDATA[{value}]]>"
    return escape(value)


@st.composite
def rss_item(draw: st.DrawFn) -> str:
    parts: list[str] = []
    if draw(st.booleans()):
        parts.append(f"<title>{text_node(draw(WORDS), draw(st.booleans()))}</title>")
    if draw(st.booleans()):
        parts.append(f"<link>{escape(draw(LINKS))}</link>")
    if draw(st.booleans()):
        permalink = draw(st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"']))
        parts.append(f"<guid{permalink}>{escape(draw(GUIDS))}</guid>")
    for tag in draw(st.lists(st.sampled_from(["pubDate", "dc:date", "dcterms:modified"]),
                             max_size=2, unique=True)):
        parts.append(f"<{tag}>{escape(draw(DATES))}</{tag}>")
    # Each element once, in any order (feedparser's choice between two <description>s of one
    # item depends on how it re-serializes them, not on anything a feed means).
    for tag in draw(st.lists(st.sampled_from(
            ["description", "content:encoded", "itunes:summary", "media:description"]),
            max_size=3, unique=True)):
        parts.append(f"<{tag}>{text_node(draw(HTML), draw(st.booleans()))}</{tag}>")
    if draw(st.booleans()):
        parts.append(f"<enclosure url={quoteattr(draw(LINKS) or 'https://e.com/a.mp3')} "
                     f"type=\"audio/mpeg\" length=\"{draw(st.integers(-1, 10**6))}\"/>")
    if draw(st.booleans()):
        parts.append(f"<itunes:duration>{draw(DURATIONS)}</itunes:duration>")
    if draw(st.booleans()):
        parts.append(f"<media:content url=\"https://e.com/v{draw(st.integers(0, 3))}.mp4\" "
                     f"type=\"video/mp4\" duration={quoteattr(draw(DURATIONS))}/>")
    for tag in draw(st.lists(st.sampled_from(["category", "dc:subject"]), max_size=2)):
        domain = ' domain="https://e.com/tags"' if draw(st.booleans()) else ""
        parts.append(f"<{tag}{domain}>{escape(draw(WORDS))}</{tag}>")
    if draw(st.booleans()):
        tag = draw(st.sampled_from(["author", "dc:creator", "itunes:author"]))
        who = draw(st.sampled_from(["ann@example.com (Ann)", "Bo", "Cy <cy@example.com>", ""]))
        parts.append(f"<{tag}>{escape(who)}</{tag}>")
    order = draw(st.permutations(parts))
    return "<item>" + "".join(order) + "</item>"


@st.composite
def rss_document(draw: st.DrawFn) -> bytes:
    items = draw(st.lists(rss_item(), min_size=1, max_size=4))
    base = ' xml:base="https://base.example/dir/"' if draw(st.booleans()) else ""
    hint = draw(st.sampled_from(["", "<ttl>30</ttl>", "<sy:updatePeriod>hourly</sy:updatePeriod>"
                                 "<sy:updateFrequency>2</sy:updateFrequency>",
                                 "<sy:updatePeriod>weekly</sy:updatePeriod>", "<ttl>x</ttl>"]))
    channel_summary = draw(st.sampled_from(["", "<itunes:summary>About</itunes:summary>"]))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss version="2.0"{base} xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
        f"<channel><title>{escape(draw(WORDS))}</title><link>{escape(draw(LINKS))}</link>"
        f"{channel_summary}<description>d</description>{hint}{''.join(items)}</channel></rss>"
    ).encode("utf-8")


@st.composite
def atom_entry(draw: st.DrawFn) -> str:
    parts: list[str] = []
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["", "text", "html", "xhtml"]))
        value = draw(WORDS)
        if kind == "xhtml":
            body = f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(value)}<b>!</b></div>'
        else:
            body = escape(value)
        attribute = f' type="{kind}"' if kind else ""
        parts.append(f"<title{attribute}>{body}</title>")
    for _ in range(draw(st.integers(0, 3))):
        rel = draw(st.sampled_from(["", "alternate", "related", "enclosure", "self"]))
        kind = draw(st.sampled_from(["", "text/html", "application/pdf", "audio/mpeg"]))
        attributes = (f' rel="{rel}"' if rel else "") + (f' type="{kind}"' if kind else "")
        parts.append(f"<link{attributes} href={quoteattr(draw(ATOM_LINKS))}/>")
    if draw(st.booleans()):
        parts.append(f"<id>{escape(draw(GUIDS))}</id>")
    for tag in draw(st.lists(st.sampled_from(["published", "updated"]), max_size=2,
                             unique=True)):
        parts.append(f"<{tag}>{escape(draw(DATES))}</{tag}>")
    for tag in draw(st.lists(st.sampled_from(["summary", "content"]), max_size=2, unique=True)):
        kind = draw(st.sampled_from(["", "html", "text", "xhtml"]))
        if kind == "xhtml":
            body = '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <a href="/x">x</a></p></div>'
        else:
            body = text_node(draw(HTML), draw(st.booleans()))
        parts.append(f"<{tag}{f' type={quoteattr(kind)}' if kind else ''}>{body}</{tag}>")
    if draw(st.booleans()):
        email = "<email>ann@example.com</email>" if draw(st.booleans()) else ""
        parts.append(f"<author><name>{escape(draw(WORDS))}</name>{email}</author>")
    for _ in range(draw(st.integers(0, 2))):
        label = f" label={quoteattr(draw(WORDS))}" if draw(st.booleans()) else ""
        parts.append(f"<category term={quoteattr(draw(WORDS))}{label}/>")
    if draw(st.booleans()):
        parts.append('<media:content url="https://e.com/c.mp3" type="audio/mpeg" '
                     f"duration={quoteattr(draw(DURATIONS))} fileSize=\"99\"/>")
    return "<entry>" + "".join(draw(st.permutations(parts))) + "</entry>"


@st.composite
def atom_document(draw: st.DrawFn) -> bytes:
    entries = draw(st.lists(atom_entry(), min_size=1, max_size=4))
    base = ' xml:base="https://base.example/dir/"' if draw(st.booleans()) else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{base} '
        'xmlns:media="http://search.yahoo.com/mrss/">'
        f"<title>{escape(draw(WORDS))}</title><link href={quoteattr(draw(ATOM_LINKS))}/>"
        f"<id>urn:feed</id>{''.join(entries)}</feed>"
    ).encode("utf-8")


def assert_same(body: bytes) -> None:
    ours, oracle = parse_both_ways(body, FEED_URL)
    assert ours is not None, "a well-formed RSS/Atom document left the lxml path"
    assert oracle is not None
    found = differences(ours, oracle)
    if b"xml:base" in body:
        # On purpose: under xml:base feedparser rewrites an HTML content's links before the
        # summary is compared with it, so a summary that repeats the content is kept twice
        # (once as escaped text); we compare what the feed wrote and keep it once.
        found = [item for item in found if not (item[0] == "summary_html" and item[1] == "")]
    assert found == [], body.decode()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rss_document())
def test_generated_rss_reads_the_same_on_both_paths(body: bytes) -> None:
    assert_same(body)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atom_document())
def test_generated_atom_reads_the_same_on_both_paths(body: bytes) -> None:
    assert_same(body)
