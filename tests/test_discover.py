"""Feed discovery on hand-written pages: link types, relative URLs, <base>, broken HTML."""

from __future__ import annotations

import time

from feeds.discover import discover
from feeds.model import DiscoveredFeed
from tests.conftest import shared_path

PAGE = "https://example.org/blog/post.html"


def test_several_link_types_in_page_order_comments_last() -> None:
    page = """<!doctype html><html><head>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml" title="Comments on Post" href="/comments/feed">
    <link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">
    <link rel="alternate" type="application/json" title="JSON" href="/feed.json">
    <link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">
    <link rel="alternate" type="application/feed+json" title="JSON Feed" href="/feed2.json">
    <link rel="alternate" hreflang="fr" href="/fr/">
    <link rel="alternate" type="text/html" href="/print.html">
    </head><body><p>hello</p></body></html>"""
    found = discover(page, PAGE)
    assert found == [
        DiscoveredFeed("https://example.org/atom.xml", "Atom", "application/atom+xml"),
        DiscoveredFeed("https://example.org/rss.xml", "RSS", "application/rss+xml"),
        DiscoveredFeed("https://example.org/feed2.json", "JSON Feed", "application/feed+json"),
        DiscoveredFeed("https://example.org/feed.json", "JSON", "application/json"),
        DiscoveredFeed(
            "https://example.org/comments/feed", "Comments on Post", "application/rss+xml"
        ),
    ]


def test_rel_tokens_case_and_type_parameters() -> None:
    page = b"""<HTML><HEAD>
    <LINK REL="Alternate Feed" TYPE="Application/RSS+XML; charset=utf-8" HREF="feed.xml"
          TITLE="  Caf\xc3\xa9   news ">
    <link rel="nofollow" type="application/rss+xml" href="/not-alternate.xml">
    </HEAD></HTML>"""
    assert discover(page, PAGE) == [
        DiscoveredFeed("https://example.org/blog/feed.xml", "Café news", "application/rss+xml")
    ]


def test_relative_hrefs_resolve_against_base_href() -> None:
    page = """<head><base href="https://cdn.example.net/site/">
    <base href="https://ignored.example/">
    <link rel="alternate" type="application/atom+xml" href="atom.xml">
    <link rel="alternate" type="application/rss+xml" href="//other.example/rss">
    <link rel="alternate" type="application/rss+xml" href="../up.xml"></head>"""
    assert [f.url for f in discover(page, PAGE)] == [
        "https://cdn.example.net/site/atom.xml",
        "https://other.example/rss",
        "https://cdn.example.net/up.xml",
    ]


def test_a_javascript_base_is_ignored() -> None:
    page = """<base href="javascript:alert(1)//">
    <link rel="alternate" type="application/rss+xml" href="feed.xml">"""
    assert [f.url for f in discover(page, PAGE)] == ["https://example.org/blog/feed.xml"]


def test_unsafe_schemes_dropped_and_duplicates_merged() -> None:
    page = """
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="application/rss+xml" href=" JavaScript:alert(2)">
    <link rel="alternate" type="application/rss+xml" href="data:text/xml,<rss/>">
    <link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">
    <link rel="alternate" type="application/rss+xml" href="">
    <link rel="alternate" type="application/rss+xml" title="one" href="/rss">
    <link rel="alternate" type="application/rss+xml" title="again" href="https://example.org/rss">
    <link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/12">
    """
    assert discover(page, PAGE) == [
        DiscoveredFeed("https://example.org/rss", "one", "application/rss+xml")
    ]


def test_broken_html_still_yields_the_links_it_can_read() -> None:
    page = (
        '<html><head><title>unclosed <link rel="alternate" type="application/rss+xml" '
        'href="/a.xml" title="A&amp;B \x1b[31mred\x1b[0m">'
        "<script>var s = '<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/js\">';"
        "</script><div><p><link rel=alternate type=application/atom+xml href=/b.xml>"
        '<link rel="alternate" type="application/rss+xml" href="/c.xml'
    )
    found = discover(page, PAGE)
    assert [f.url for f in found] == ["https://example.org/a.xml", "https://example.org/b.xml"]
    assert "\x1b" not in found[0].title and found[0].title.startswith("A&B")


def test_a_page_without_feeds() -> None:
    assert discover("<html><head><title>x</title></head><body>no feeds</body></html>", PAGE) == []
    assert discover(b"", PAGE) == []
    assert discover(b"\x89PNG\r\n\x1a\n\x00\x00binary", PAGE) == []


def test_a_huge_page_is_bounded() -> None:
    page = '<link rel="alternate" type="application/rss+xml" href="/rss">' + "<p>x</p>" * 2_000_000
    started = time.perf_counter()
    assert [f.url for f in discover(page, PAGE)] == ["https://example.org/rss"]
    assert time.perf_counter() - started < 5


def test_real_pages_from_shared_articles() -> None:
    pages = sorted(shared_path("articles").rglob("source.html"))
    pages += sorted(shared_path("articles", "scrapinghub-aeb").glob("*.html"))
    with_feeds = 0
    for page in pages:
        found = discover(page.read_bytes(), "https://news.example/section/story.html")
        with_feeds += bool(found)
        assert all(f.url.startswith(("http://", "https://")) for f in found), page
        assert len({f.url for f in found}) == len(found), page
        comments = ["comments" in f.title.lower() for f in found]
        assert comments == sorted(comments), page  # comment feeds never before the others
    assert with_feeds > 0


def test_a_feed_linked_only_by_an_anchor_is_found_after_the_link_tags() -> None:
    """Issue 12: many blogs link their feed only in the page body."""
    page = """<html><head>
    <link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">
    </head><body>
    <a href="/about">About</a> <a href="/sitemap.xml">Sitemap</a>
    <a href="/rss.xml" title="">Subscribe by <b>RSS</b></a>
    <a href="https://other.example/blog/feed/">Their feed</a>
    <a href="/atom.xml">Atom again</a> <a href="/?feed=rss2">WordPress</a>
    <a href="javascript:alert(1)//feed.xml">no</a>
    </body></html>"""
    found = discover(page, PAGE)
    assert found == [
        DiscoveredFeed("https://example.org/atom.xml", "Atom", "application/atom+xml"),
        DiscoveredFeed("https://example.org/rss.xml", "Subscribe by RSS", ""),
        DiscoveredFeed("https://other.example/blog/feed/", "Their feed", ""),
        DiscoveredFeed("https://example.org/?feed=rss2", "WordPress", ""),
    ]
    assert discover('<p><a href="feed.xml">feed</a></p>', PAGE) == [
        DiscoveredFeed("https://example.org/blog/feed.xml", "feed", "")]
