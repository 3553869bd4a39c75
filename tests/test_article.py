"""The full article: feed content, a page extracted over real HTTP, and every fallback."""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from feeds.article import MAX_PAGE_BYTES, extract, from_feed, is_full_article, load, page_date
from feeds.fetch import FetchLimits
from feeds.text import strip_tags
from tests.conftest import shared_path
from tests.httpserver import Reply

# An article page in our own words, wrapped in the boilerplate real pages carry.
STORY = [
    "The old harbour lights of Port Wenlow were switched on again on Saturday evening, forty "
    "years after the last keeper locked the lamp room and walked home along the breakwater.",
    "The restoration took three winters. Volunteers scraped the salt from the brass fittings, "
    "rebuilt the clockwork that turns the lens and replaced every pane of the lantern by hand.",
    "Skippers of the small fleet that still sails from the harbour say the light is more than a "
    "memory: two boats ran onto the Gannet Rocks in fog during the autumn of 2021.",
    "The harbour master said the town would keep the light burning through the winter and "
    "decide in spring whether to run it all year round.",
]
BOILERPLATE = [
    "Google tag",
    "gtag",
    "dataLayer",
    "googletagmanager",
    "We use cookies",
    "Subscribe today",
    "tracking pixel",
    "Great news, I remember",
    "Waste of council money",
    "Bakery wins county prize",
    "All rights reserved",
    "font-family",
]
ARTICLE_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour lights return to Port Wenlow | The Wenlow Gazette</title>
<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>
<script>window.dataLayer = window.dataLayer || [];
function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date()); gtag('config', 'G-XXXX');
</script>
<style>body {{ font-family: serif }}</style>
</head><body>
<!-- Google Tag Manager (noscript) -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X"></iframe></noscript>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/subscribe">Subscribe today</a></li></ul></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all?</div></header>
<main><article>
<h1>Harbour lights return to Port Wenlow</h1>
<p>{STORY[0]}</p>
<!-- Google tag (gtag.js) -->
<p>{STORY[1]}</p>
<h2>A light for the fishing fleet</h2>
<p>{STORY[2].replace("Skippers", '<a href="/fleet">Skippers</a>')}</p>
<ul><li>The lamp burns for six hours after dusk.</li>
<li>Its beam reaches eleven nautical miles on a clear night.</li></ul>
<script>document.write('<p>tracking pixel loaded</p>');</script>
<p>{STORY[3]}</p>
</article>
<section class="comments" id="comments"><h3>Comments</h3>
<div class="comment"><p>Great news, I remember my grandfather talking about that lamp!</p></div>
<div class="comment"><p>Waste of council money if you ask me, the roads are a mess.</p></div>
</section>
<aside class="related"><h3>Most read</h3><ul>
<li><a href="/b">Bakery wins county prize for the third year running</a></li></ul></aside>
</main>
<footer><p>Copyright 2024 The Wenlow Gazette. All rights reserved.</p></footer>
<script src="https://tracker.example/pixel.js"></script>
</body></html>"""

SUMMARY = "<p>The old harbour lights of Port Wenlow were switched on again.</p>"
LIMITS = FetchLimits(connect_timeout=2.0, total_timeout=5.0)


def _html_page(body: str | bytes) -> Reply:
    return Reply(200, body, content_type="text/html; charset=utf-8")


def _long_text(words: int) -> str:
    return " ".join(f"word{i % 50}" for i in range(words))


# --- deciding whether the feed has the whole article --------------------------------------------


def test_content_is_the_whole_article_unless_it_ends_like_a_teaser() -> None:
    assert is_full_article("short", "<p>A short but complete post.</p>")
    assert not is_full_article("", "<p>The start of a post […]</p>")
    assert not is_full_article("", '<p>The start</p><p><a href="/x">Continue reading →</a></p>')
    assert not is_full_article(SUMMARY, SUMMARY)  # content that repeats the summary
    assert not is_full_article("", "")
    assert not is_full_article("", "<p> </p>")


def test_a_summary_counts_only_when_long_and_not_a_teaser() -> None:
    long_summary = f"<p>{_long_text(160)}</p>"
    assert is_full_article(long_summary, "")
    assert not is_full_article(f"<p>{_long_text(120)}</p>", "")
    for ending in [
        ' <a href="https://x.example/1">Read more</a>',
        " <a href='/more'>Read more »</a>",
        " …",
        "...",
        " [&#8230;]",
        " [...]",
        " (more…)",
        ' <a href="/p">Continue reading <span>Harbour lights</span> →</a>',
        " […]<p>The post Harbour lights appeared first on The Wenlow Gazette.</p>",
        " Read the full story at the Gazette.",
    ]:
        html = f"<p>{_long_text(160)}{ending}</p>"
        assert not is_full_article(html, ""), ending
    # An ellipsis in the middle does not make a teaser.
    assert is_full_article(f"<p>{_long_text(80)} … {_long_text(80)}.</p>", "")


def test_from_feed_renders_content_before_summary() -> None:
    article = from_feed(SUMMARY, '<p>Full <a href="/a">text</a>.</p>', "https://x.example/post")
    assert article.source == "feed"
    assert article.text == "Full text [1]."
    assert article.links == ("https://x.example/a",)
    assert from_feed(SUMMARY, "").text == strip_tags(SUMMARY)


# --- loading over real HTTP ---------------------------------------------------------------------


async def test_a_summary_only_entry_gets_the_pages_main_text(http_server) -> None:
    link = http_server.route("/news/lights", _html_page(ARTICLE_PAGE))
    article = await load(link, SUMMARY, "", limits=LIMITS)
    assert article.source == "page" and article.note is None
    for sentence in STORY[:2] + STORY[3:]:
        assert sentence in article.text
    assert "Skippers [1] of the small fleet" in article.text
    assert "## A light for the fishing fleet" in article.text
    assert "• The lamp burns for six hours after dusk." in article.text
    assert article.links == (http_server.url("/fleet"),)
    for junk in BOILERPLATE:
        assert junk.lower() not in article.text.lower(), junk
    assert "<" not in article.text
    assert len(http_server.requests_for("/news/lights")) == 1
    assert "text/html" in http_server.requests_for("/news/lights")[0].headers["accept"]


async def test_full_content_is_used_without_a_request(http_server) -> None:
    link = http_server.route("/post", _html_page(ARTICLE_PAGE))
    content = f"<p>{STORY[0]}</p><p>{STORY[1]}</p>"
    article = await load(link, SUMMARY, content, limits=LIMITS)
    assert article.source == "feed"
    assert article.text == f"{STORY[0]}\n\n{STORY[1]}"
    assert http_server.requests == []


async def test_a_read_more_summary_fetches_the_page(http_server) -> None:
    log = "".join(
        f"<p>On day {day} the keeper wrote that the lamp burned {day % 5 + 2} hours and that "
        f"{day * 3} gallons of oil were left in the store under the stairs.</p>"
        for day in range(1, 12)
    )
    page = ARTICLE_PAGE.replace("</article>", log + "</article>")
    link = http_server.route("/long", _html_page(page))
    teaser = f'<p>{_long_text(160)} <a href="{link}">Read more</a></p>'
    article = await load(link, teaser, "", limits=LIMITS)
    assert article.source == "page"
    assert STORY[3] in article.text
    assert len(http_server.requests_for("/long")) == 1


async def test_a_missing_page_falls_back_to_the_summary(http_server) -> None:
    link = http_server.route("/gone", Reply(404, "<h1>Not found</h1>", content_type="text/html"))
    article = await load(link, SUMMARY, "", limits=LIMITS)
    assert article.source == "summary"
    assert article.text == strip_tags(SUMMARY)
    assert article.note is not None and "\n" not in article.note
    assert article.note.startswith("could not load the full article: ")
    assert "404" in article.note


async def test_a_refused_connection_falls_back() -> None:
    with socket.socket() as probe:  # a port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    article = await load(f"http://127.0.0.1:{port}/x", SUMMARY, "", limits=LIMITS)
    assert time.perf_counter() - started < 5
    assert article.source == "summary"
    assert article.note and article.note.startswith("could not load the full article: ")
    assert "\n" not in article.note


async def test_an_image_is_not_an_article(http_server) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    link = http_server.route("/photo", Reply(200, png, content_type="image/png"))
    article = await load(link, SUMMARY, "", limits=LIMITS)
    assert article.source == "summary"
    assert article.note == "could not load the full article: the link is not a web page (image/png)"
    untyped = http_server.route("/blob", Reply(200, png, content_type=""))
    article = await load(untyped, SUMMARY, "", limits=LIMITS)
    assert article.source == "summary" and "not a web page" in (article.note or "")


async def test_a_javascript_link_is_never_fetched(http_server) -> None:
    article = await load("javascript:fetch('http://127.0.0.1/')", SUMMARY, "", limits=LIMITS)
    assert article.source == "summary"
    assert article.note == "could not load the full article: its link is not an http(s) URL"
    article = await load(None, SUMMARY, "", limits=LIMITS)
    assert article.note == "could not load the full article: the entry has no link"
    assert http_server.requests == []


async def test_a_page_with_less_text_than_the_summary_keeps_the_summary(http_server) -> None:
    link = http_server.route("/thin", _html_page("<html><body><p>Hello.</p></body></html>"))
    summary = f"<p>{' '.join(STORY[:2])}</p>"
    article = await load(link, summary, "", limits=LIMITS)
    assert article.source == "summary"
    assert article.text == " ".join(STORY[:2])
    assert article.note is not None and "less text" in article.note


async def test_the_declared_charset_is_used(http_server) -> None:
    page = ARTICLE_PAGE.replace('<meta charset="utf-8">', "")
    page = page.replace("Port Wenlow were", "Café were")
    reply = Reply(200, page.encode("cp1252"), content_type="text/html; charset=windows-1252")
    link = http_server.route("/latin", reply)
    article = await load(link, SUMMARY, "", limits=LIMITS)
    assert article.source == "page"
    assert "Café were switched on" in article.text


def test_extract_never_raises_and_says_none_when_empty() -> None:
    assert extract(b"") is None
    assert extract("   ") is None
    assert extract(b"\x00\xff\xfe" * 1000) is None
    assert extract(b"\x89PNG\r\n\x1a\n" * 100) is None
    assert extract("<" * 100_000, "https://x.example/") is None
    assert extract("<html><body>" + "<div>" * 20_000, "https://x.example/") is None


def test_extract_reads_only_the_first_part_of_a_huge_page() -> None:
    story = "".join(f"<p>{STORY[day % 4]} Day {day} of the log.</p>" for day in range(12))
    padding = "<script>" + "var x = 1;\n" * (MAX_PAGE_BYTES // 10) + "</script>"
    tail = "<p>A paragraph beyond the cut that the extractor must never get to read.</p>"
    page = f"<html><body><article>{story}</article>{padding}{tail}</body></html>".encode()
    started = time.perf_counter()
    rendered = extract(page, "https://x.example/")
    assert time.perf_counter() - started < 5
    assert rendered is not None
    assert STORY[0] in rendered.text and "beyond the cut" not in rendered.text


# --- extraction quality on real pages -----------------------------------------------------------
# The scrapinghub article-extraction-benchmark's measure: word tokens (\w+, case kept), 4-word
# shingles counted as a multiset, precision and recall per page; its headline F1 is the harmonic
# mean of the mean precision and the mean recall. We also report the mean of per-page F1.

_TOKEN = re.compile(r"\w+")


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens)


def _precision_recall(gold: str, predicted: str) -> tuple[float, float]:
    expected, found = _shingles(gold), _shingles(predicted)
    matched = sum((expected & found).values())
    precision = matched / sum(found.values()) if found else 0.0
    recall = matched / sum(expected.values()) if expected else 0.0
    return precision, recall


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _benchmark_pages() -> list[tuple[str, Path, str]]:
    articles = shared_path("articles")
    pages = [
        (page.name, page, page.with_name(page.name.replace(".html", ".gold.txt")).read_text())
        for page in sorted((articles / "scrapinghub-aeb").glob("*.html"))
    ]
    pages += [
        (folder.name, folder / "source.html", strip_tags((folder / "expected.html").read_text()))
        for folder in sorted((articles / "mozilla-readability").iterdir())
        if (folder / "source.html").exists()
    ]
    return pages


def test_extraction_quality_on_real_pages() -> None:
    pages = _benchmark_pages()
    if not pages:
        pytest.skip("no benchmark pages")
    scores = []
    started = time.perf_counter()
    for name, page, gold in pages:
        rendered = extract(page.read_bytes(), None)
        text = rendered.text if rendered else ""
        precision, recall = _precision_recall(gold, text)
        # The same text without the " [n]" link references the display text adds.
        bare = re.sub(r" \[\d+\]", "", text)
        scores.append((name, precision, recall, _f1(precision, recall),
                       _f1(*_precision_recall(gold, bare))))
    elapsed = time.perf_counter() - started
    mean_precision = statistics.mean(s[1] for s in scores)
    mean_recall = statistics.mean(s[2] for s in scores)
    mean_f1 = statistics.mean(s[3] for s in scores)
    mean_bare_f1 = statistics.mean(s[4] for s in scores)
    worst = sorted(scores, key=lambda s: s[3])[:3]
    print(
        f"\n{len(scores)} pages in {elapsed:.1f} s: mean F1 {mean_f1:.3f} (precision "
        f"{mean_precision:.3f}, recall {mean_recall:.3f}, benchmark F1 "
        f"{_f1(mean_precision, mean_recall):.3f}); without link references {mean_bare_f1:.3f}"
    )
    print("worst: " + ", ".join(f"{name} {f1:.3f}" for name, _, _, f1, _ in worst))
    assert mean_f1 > 0.90
    assert min(s[3] for s in scores) > 0.5


def test_importing_the_module_does_not_import_trafilatura() -> None:
    code = "import sys, feeds.article; print('trafilatura' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# The page's own date (issue 17: the anchor of an item the feed gave no date)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2015-03-04T09:00:00Z">',
         date(2015, 3, 4)),
        ('<script type="application/ld+json">{"@type": "NewsArticle", '
         '"datePublished": "2019-11-20"}</script>', date(2019, 11, 20)),
        ('<meta property="article:published_time" content="2099-01-01">', None),  # future
        ('<meta property="article:published_time" content="1970-01-01">', None),
        ("", None),  # nothing declared: no date guessed from the text
    ],
)
def test_page_date_is_what_the_page_declares(head: str, expected: date | None) -> None:
    page = (f"<html><head>{head}</head><body><p>Posted 3 June 2011. On Monday the council "
            "voted.</p></body></html>")
    assert page_date(page, "https://example.org/news/story",
                     today=date(2026, 1, 1)) == expected


@pytest.mark.parametrize("page", [b"", b"\x00\xff" * 100, "<html", "<" * 10_000, b"\xef\xbb\xbf"])
def test_page_date_of_any_page_is_a_date_or_none(page: bytes | str) -> None:
    assert page_date(page) is None
