"""`parse._entry_from_xml`, the mapping of `feeds.xmlfeed`'s dictionaries, gives the `Entry`
the general `_entry_from_dict` (which feedparser's dictionaries take) gives for the same
dictionary: on every real and hostile document, on generated ones and on the corners it skips
tests for (a summary with no detail, an empty rel, a tag with neither term nor label)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from feeds import parse as parsing
from feeds import xmlfeed
from tests.test_parse_differential import documents
from tests.test_parse_properties import atom_document, rss_document

URLS = ("https://example.com/blog/feed.xml", "")


def read(body: bytes) -> xmlfeed.XmlFeed | None:
    """`feeds.xmlfeed`'s reading of a document, prepared as `parse` prepares it."""
    body = parsing.strip_internal_subset(parsing._declaration_first(
        parsing._transcode(body, "")[0]))
    root = xmlfeed.tree(body)
    if root is None:
        return None
    return xmlfeed.read(root, b"xml:base" in body, repair=parsing._repair_text)


def assert_same_entries(entries: list[dict[str, Any]]) -> None:
    for raw in entries:
        for url in URLS:
            assert parsing._entry_from_xml(raw, url) == parsing._entry_from_dict(raw, url), raw


def test_every_document_maps_the_same_both_ways() -> None:
    mapped = 0
    for _name, path in documents():
        document = read(path.read_bytes())
        if document is None:
            continue
        assert_same_entries(document.entries)
        mapped += len(document.entries)
    assert mapped > 3000, mapped


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rss_document())
def test_generated_rss_maps_the_same_both_ways(body: bytes) -> None:
    document = read(body)
    assert document is not None
    assert_same_entries(document.entries)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atom_document())
def test_generated_atom_maps_the_same_both_ways(body: bytes) -> None:
    document = read(body)
    assert document is not None
    assert_same_entries(document.entries)


CORNERS = [
    # content first: the summary is the content's text, with no summary_detail
    b"<rss><channel><item><content:encoded xmlns:content='http://purl.org/rss/1.0/modules/"
    b"content/'>&lt;p>x&lt;/p></content:encoded><guid>g1</guid></item></channel></rss>",
    # a summary repeated as content, then another summary
    b"<rss><channel><item><description>same</description><content:encoded xmlns:content="
    b"'http://purl.org/rss/1.0/modules/content/'>same</content:encoded></item></channel></rss>",
    # links with an empty rel, a related link, an enclosure with no url, a source with none
    b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><link rel='' href='/a'/>"
    b"<link rel='related' href='https://r.example/'/><link rel='related' href='javascript:x'/>"
    b"<link rel='enclosure' type='audio/mpeg'/><link rel='enclosure' href='/e.mp3'/>"
    b"<title type='html'>&lt;b>T&lt;/b></title></entry></feed>",
    b"<rss><channel><item><source>no url</source><link>javascript:alert(1)</link>"
    b"<category></category><category domain='d'/><category>  spaced   tag </category>"
    b"<category>t</category><category>t</category></item></channel></rss>",
    # authors: only an e-mail address, a name with spaces, an empty name beside an author
    b"<rss><channel><item><author>someone@example.com</author></item><item>"
    b"<dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'> A   B </dc:creator></item>"
    b"</channel></rss>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><author><name></name>"
    b"<email>e@example.com</email></author><id>  </id><updated>2024-01-02T10:00:00Z</updated>"
    b"</entry><entry><published>2024-01-02T10:00:00Z</published>"
    b"<updated>2024-01-03T10:00:00Z</updated></entry></feed>",
    # xml:base on the entry and on the content
    b"<feed xmlns='http://www.w3.org/2005/Atom' xml:base='https://b.example/f/'><entry "
    b"xml:base='e/'><content type='html' xml:base='c/'>&lt;a href='x'>x&lt;/a></content>"
    b"<summary xml:base='/s/'>&lt;a href='y'>y&lt;/a></summary><link href='l'/></entry></feed>",
    # media:content and an item's duration
    b"<rss xmlns:media='http://search.yahoo.com/mrss/' xmlns:itunes='http://www.itunes.com/"
    b"dtds/podcast-1.0.dtd'><channel><item><enclosure url='/a.mp3' length='12' type='audio/"
    b"mpeg'/><media:content url='/a.mp3' duration='61'/><media:content url='/i.png' type="
    b"'image/png'/><itunes:duration>1:02</itunes:duration></item></channel></rss>",
]


def test_the_corners_map_the_same_both_ways() -> None:
    for body in CORNERS:
        document = read(body)
        assert document is not None and document.entries, body
        assert_same_entries(document.entries)


# The shortcuts feeds.xmlfeed takes for plain elements (an RSS <link>, a <category> or <guid>
# with no attribute, a name without '@', a value without ':///', a title under a blocking one),
# each beside the general case it skips, against feedparser.
SHORTCUTS = [
    b"<rss><channel><item><link>https://example.com/a</link><link href='https://example.com/b'"
    b" rel='alternate'/><guid>http:///example.com/triple</guid></item></channel></rss>",
    b"<rss><channel><item><guid isPermaLink='false'>http:///x.example/y</guid><link>"
    b"http:///example.org/z</link><title>T</title></item></channel></rss>",
    b"<rss xmlns:media='http://search.yahoo.com/mrss/'><channel><item><category>plain</category>"
    b"<category domain='https://d.example/'>with domain</category><media:category>m"
    b"</media:category><media:category scheme='urn:s'>ms</media:category><category/>"
    b"<title>c</title></item></channel></rss>",
    b"<rss><channel><item><author>Jo Writer</author><title>a</title></item><item><author>"
    b"jo@example.com (Jo Writer)</author><title>b</title></item><item><author>Jo &lt;jo@"
    b"example.com&gt;</author><title>c</title></item></channel></rss>",
    b"<rss xmlns:media='http://search.yahoo.com/mrss/'><channel><item><title>first</title>"
    b"<media:group><media:title>inner</media:title><title>deeper</title></media:group>"
    b"<link>https://example.com/t</link></item></channel></rss>",
    b"<rss xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'><channel><item><title>k"
    b"</title><itunes:keywords> one, two ,,three , one </itunes:keywords></item></channel></rss>",
]


def test_the_shortcuts_read_as_feedparser_reads() -> None:
    from tests.test_parse_differential import differences

    for body in SHORTCUTS:
        ours, oracle = parsing.parse_both_ways(body, URLS[0])
        assert ours is not None and oracle is not None, body
        assert ours.entries, body
        assert differences(ours, oracle) == [], body
        document = read(body)
        assert document is not None
        assert_same_entries(document.entries)
