"""OPML and newsboat urls import, OPML export: folders, tags, titles, hostile input, round trip."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.model import Subscription
from feeds.opml import export_opml, parse_opml, parse_urls, read_subscriptions
from feeds.text import clean_line
from tests.conftest import shared_path

OPML1 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0">
<head><title>mySubscriptions</title></head>
<body>
  <outline text="Top level" type="rss" xmlUrl="http://top.example/rss"/>
  <outline text="News">
    <outline text="Caf\xe9 daily" title="Caf\xe9 daily" type="rss"
             xmlUrl="https://cafe.example/feed?a=1&amp;b=2" htmlUrl="https://cafe.example/"/>
    <outline text="World">
      <outline text="Deep" type="rss" xmlUrl="https://deep.example/atom.xml"/>
    </outline>
  </outline>
</body>
</opml>"""

OPML2 = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>exported</title><dateCreated>Mon, 01 Jan 2024 00:00:00 GMT</dateCreated></head>
  <body>
    <outline text="Tech &amp; Science" title="Tech &amp; Science">
      <outline type="rss" text="fallback text" title="A &lt;b&gt; title"
               xmlURL="https://a.example/feed" category="/extra,/two/levels"/>
      <outline type="rss" text="Only text" xmlUrl="feed://b.example/rss"/>
      <outline type="rss" text="evil" xmlUrl="javascript:alert(1)"/>
      <outline type="rss" text="local" xmlUrl="file:///etc/passwd"/>
      <outline type="rss" text="no url"/>
    </outline>
    <outline text="Ελληνικά">
      <outline type="rss" text="again" xmlUrl="https://a.example/feed"/>
    </outline>
  </body>
</opml>""".encode()


def test_opml1_nested_folders_become_tags() -> None:
    result = parse_opml(OPML1)
    assert result.skipped == ()
    assert result.subscriptions == (
        Subscription("http://top.example/rss", "Top level", ()),
        Subscription("https://cafe.example/feed?a=1&b=2", "Café daily", ("News",)),
        Subscription("https://deep.example/atom.xml", "Deep", ("News", "World")),
    )


def test_opml2_titles_categories_unsafe_urls_and_duplicates() -> None:
    result = parse_opml(OPML2)
    assert result.subscriptions == (
        Subscription(
            "https://a.example/feed",
            "A <b> title",
            ("Tech & Science", "extra", "two/levels", "Ελληνικά"),
        ),
        Subscription("http://b.example/rss", "Only text", ("Tech & Science",)),
    )
    assert len(result.skipped) == 2
    assert "evil" in result.skipped[0] and "javascript:alert(1)" in result.skipped[0]
    assert "file:///etc/passwd" in result.skipped[1]
    assert all("\n" not in message for message in result.skipped)


def test_html_entities_in_handmade_opml_are_read() -> None:
    data = b"""<opml version="1.0"><body>
    <outline text="Caf&eacute;&nbsp;news &amp; more &bogus;" xmlUrl="https://x.example/f"/>
    </body></opml>"""
    result = parse_opml(data)
    assert result.subscriptions == (
        Subscription("https://x.example/f", "Café news & more &bogus;"),
    )


def test_not_opml_gives_one_line_reasons() -> None:
    for data, expected in [
        (b"<opml><body><outline", "not a well-formed OPML file"),
        (b"<rss version='2.0'><channel/></rss>", "root element is <rss>"),
        (b"", "not a well-formed OPML file"),
    ]:
        result = parse_opml(data)
        assert result.subscriptions == ()
        assert len(result.skipped) == 1 and expected in result.skipped[0]
        assert "\n" not in result.skipped[0]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<opml version="2.0"><body><outline text="&f;" xmlUrl="https://bomb.example/"/></body></opml>"""


def test_entity_bomb_is_refused_fast() -> None:
    started = time.perf_counter()
    result = read_subscriptions(BOMB)
    assert time.perf_counter() - started < 0.5
    assert result.subscriptions == ()
    assert result.skipped and result.skipped[0].startswith("refused this OPML file")


def test_external_entities_are_never_read(tmp_path: Path, http_server) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    dtd_url = http_server.route("/evil.dtd", "<!ENTITY x 'EXPANDED'>")
    for doctype in [
        f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{http_server.url("/entity")}">]>',
        f'<!DOCTYPE opml [<!ENTITY % p SYSTEM "{dtd_url}"> %p;]>',
    ]:
        data = (
            f'<?xml version="1.0"?>{doctype}<opml version="2.0"><body>'
            '<outline text="&xxe;" xmlUrl="https://x.example/"/></body></opml>'
        ).encode()
        result = parse_opml(data)
        assert result.subscriptions == ()
        assert "TOP-SECRET" not in repr(result)
        assert result.skipped[0].startswith("refused this OPML file")
    # A DOCTYPE naming an external DTD, with no internal subset, is read without fetching it.
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "{dtd_url}">'
        '<opml version="2.0"><body><outline text="ok" xmlUrl="https://x.example/"/></body></opml>'
    ).encode()
    assert parse_opml(data).subscriptions == (Subscription("https://x.example/", "ok"),)
    assert http_server.requests == []


def test_hostile_shared_feeds_are_refused_as_imports() -> None:
    folder = shared_path("hostile")
    for name in ("billion_laughs.xml", "quadratic_blowup.xml", "xxe_file.xml"):
        started = time.perf_counter()
        result = read_subscriptions((folder / name).read_bytes())
        assert time.perf_counter() - started < 0.5, name
        assert result.subscriptions == () and result.skipped, name
        assert "root:" not in repr(result), name  # nothing of /etc/passwd


URLS = """# my feeds
http://example.com/feed.xml
https://example.org/atom.xml tech "two words" "~My \\"quoted\\" title" !hidden
  https://example.net/rss   ~Short  news  # trailing comment
"query:Unread Articles:unread = \\"yes\\""
"exec:~/bin/make-feed.sh"
filter:~/bin/filter.py:https://example.com/x
"|rm -rf ~"
$(touch {pwned}) tag
https://example.com/$(touch {pwned})
`touch {pwned}`
javascript:alert(1)
ftp://example.com/feed
https://example.com/feed.xml again
"""


def test_newsboat_urls_with_tags_titles_comments_and_hostile_lines(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned-xyz"
    result = parse_urls(URLS.format(pwned=pwned))
    assert result.subscriptions == (
        Subscription("http://example.com/feed.xml", "", ()),
        Subscription("https://example.org/atom.xml", 'My "quoted" title', ("tech", "two words")),
        Subscription("https://example.net/rss", "Short", ("news",)),
        Subscription("https://example.com/feed.xml", "", ("again",)),
    )
    assert result.skipped[:4] == (
        "line 5: query: feeds are newsboat searches, not feeds; skipped",
        "line 6: exec: feeds run a command; skipped",
        "line 7: filter: feeds run a command; skipped",
        "line 8: a line starting with | runs a command; skipped",
    )
    for number in (9, 10, 11):
        assert result.skipped[number - 5].startswith(f"line {number}: it looks like a shell")
    assert result.skipped[7].startswith("line 12: not an http(s) URL (javascript:alert(1))")
    assert result.skipped[8].startswith("line 13: not an http(s) URL")
    assert len(result.skipped) == 9
    assert not pwned.exists()


def test_read_subscriptions_sniffs_the_format() -> None:
    assert read_subscriptions(OPML1).subscriptions[0].url == "http://top.example/rss"
    assert read_subscriptions(b"\xef\xbb\xbf  \n" + OPML2).subscriptions[0].title == "A <b> title"
    utf16 = OPML2.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert read_subscriptions(utf16).subscriptions == parse_opml(OPML2).subscriptions
    urls = read_subscriptions(b"https://example.org/rss tag\n")
    assert urls.subscriptions == (Subscription("https://example.org/rss", "", ("tag",)),)
    for junk in (b"<!doctype html><html><body>hi</body></html>", b"\x89PNG\r\n\x1a\n\x00\x00"):
        result = read_subscriptions(junk)
        assert result.subscriptions == () and len(result.skipped) == 1


def test_a_file_of_junk_reports_a_bounded_number_of_lines() -> None:
    result = read_subscriptions(b"not a url\n" * 10_000)
    assert result.subscriptions == ()
    assert len(result.skipped) == 51
    assert result.skipped[-1] == "… and 9950 more skipped"


def test_export_is_escaped_grouped_and_reimports() -> None:
    subscriptions = [
        Subscription("https://a.example/feed?x=1&y=2", 'Quotes " & <tags>', ("News", "b&w")),
        Subscription("https://b.example/rss", "", ()),
        Subscription("https://c.example/rss", "C", ("News",)),
        Subscription("https://a.example/feed?x=1&y=2", "duplicate", ("Other",)),
    ]
    document = export_opml(subscriptions, title="mine & yours")
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<title>mine &amp; yours</title>" in document
    assert 'xmlUrl="https://a.example/feed?x=1&amp;y=2"' in document
    assert document.count("<outline") == 4  # one folder, three feeds
    assert parse_opml(document.encode()).subscriptions == (
        Subscription("https://a.example/feed?x=1&y=2", 'Quotes " & <tags>', ("News", "b&w")),
        Subscription("https://c.example/rss", "C", ("News",)),
        Subscription("https://b.example/rss", "", ()),
    )


# Text a user might have in a title or tag: any assigned, non-control, non-surrogate character.
_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Cn")), max_size=30
).map(clean_line)
_tag = _text.filter(lambda t: t and "," not in t and not t.startswith("/") and not t.endswith("/"))
_subscription = st.builds(
    Subscription,
    url=st.from_regex(r"https?://[a-z0-9]{1,12}\.example/[A-Za-z0-9_~&=?;%.-]{0,24}",
                      fullmatch=True),
    title=_text,
    tags=st.lists(_tag, max_size=3, unique=True).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_subscription, max_size=8, unique_by=lambda s: s.url))
def test_export_then_import_gives_back_the_subscriptions(subscriptions: list[Subscription]) -> None:
    back = parse_opml(export_opml(subscriptions).encode())
    assert back.skipped == ()
    by_url = {s.url: s for s in back.subscriptions}
    assert set(by_url) == {s.url for s in subscriptions}
    for original in subscriptions:
        again = by_url[original.url]
        assert again.title == original.title
        assert again.tags[:1] == original.tags[:1]
        assert again.tags == original.tags  # later tags travel as categories


def test_export_writes_the_site_link_when_it_is_http() -> None:
    document = export_opml([
        Subscription("https://a.example/feed", "A", (), "https://a.example/"),
        Subscription("https://b.example/feed", "B", (), "javascript:alert(1)"),
    ])
    assert document.count("htmlUrl=") == 1 and 'htmlUrl="https://a.example/"' in document
