"""feeds.demo: the bundled offline demo story is valid, complete, ours, and dated."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone
from pathlib import Path

import feedparser
import pytest

from feeds.demo import demo_paths, demo_urls, is_demo_url
from feeds.timeline import events
from tests.conftest import shared_path

SUMMIT_GUID = "https://caspianwire.example.org/news/2022-01-10-csto-extraordinary-session"
SHINGLE = 8
_WORDS = re.compile(r"[a-z0-9]+")
_TAG = re.compile(r"<[^>]+>")


def _plain(html: str) -> str:
    """HTML to plain text: feeds.text when it is there, else a tag-stripping regex."""
    try:
        from feeds.text import html_to_text
    except ImportError:
        return re.sub(r"\s+", " ", _TAG.sub(" ", html))
    return html_to_text(html).text


def _entries(path: Path) -> list[feedparser.FeedParserDict]:
    return feedparser.parse(path.read_bytes()).entries


def _all_entries() -> list[feedparser.FeedParserDict]:
    return [entry for path in demo_paths() for entry in _entries(path)]


def test_paths_and_urls() -> None:
    paths = demo_paths()
    assert 2 <= len(paths) <= 3
    assert all(path.is_file() and path.suffix == ".xml" for path in paths)
    urls = demo_urls()
    assert urls == [path.as_uri() for path in paths]
    assert all(url.startswith("file://") for url in urls)
    assert all(is_demo_url(url) for url in urls)


@pytest.mark.parametrize(
    "url",
    [
        "https://steppe-herald.example.com/",
        "file:///etc/passwd",
        "file:///tmp/steppe-herald.xml",
        "file://remote-host/feeds/demo/steppe-herald.xml",
        "not a url at all",
        "",
    ],
)
def test_other_urls_are_not_demo(url: str) -> None:
    assert not is_demo_url(url)


def test_a_moved_installation_still_counts_as_demo(tmp_path: Path) -> None:
    moved = tmp_path / "old-venv" / "feeds" / "demo" / demo_paths()[0].name
    assert is_demo_url(moved.as_uri())


@pytest.mark.parametrize("path", demo_paths(), ids=lambda p: p.name)
def test_each_file_is_well_formed_rss_that_feedparser_reads_cleanly(path: Path) -> None:
    root = ET.fromstring(path.read_bytes())
    assert root.tag == "rss" and root.get("version") == "2.0"
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title and parsed.feed.link
    assert re.match(r"https://[a-z.-]+\.example\.(com|org|net)/", parsed.feed.link)
    assert len(parsed.entries) >= 3


@pytest.mark.parametrize("path", demo_paths(), ids=lambda p: p.name)
def test_every_item_is_complete(path: Path) -> None:
    for entry in _entries(path):
        assert entry.get("id"), entry
        assert entry.get("title")
        assert re.match(r"https://[a-z.-]+\.example\.(com|org|net)/", entry.get("link", ""))
        assert entry.get("author")
        published = entry.get("published_parsed")
        assert published and (published.tm_year, published.tm_mon) == (2022, 1), entry.title
        assert entry.get("summary") and "<" not in entry.summary
        assert entry.get("content")
        words = len(_plain(entry.content[0].value).split())
        assert 150 <= words <= 400, (entry.title, words)


def test_guids_and_links_are_unique() -> None:
    entries = _all_entries()
    assert len({entry.id for entry in entries}) == len(entries)
    assert len({entry.link for entry in entries}) == len(entries)


STORY_TERMS = ("Kazakhstan", "Tokayev", "Zhanaozen", "Collective Security Treaty")


def _is_story(entry: feedparser.FeedParserDict) -> bool:
    text = _plain(entry.content[0].value)
    return any(term in text for term in STORY_TERMS)


def test_story_and_unrelated_items_are_both_there() -> None:
    entries = _all_entries()
    story = [e for e in entries if _is_story(e)]
    other = [e for e in entries if not _is_story(e)]
    assert 5 <= len(story) <= 7
    assert 3 <= len(other) <= 4


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower().replace("’", "'"))
    return {tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def test_no_sentence_of_the_seed_article_is_reused() -> None:
    """Not one run of 8 words from the seed article appears in any demo file."""
    seed_files = sorted(shared_path("seed").glob("*.txt"))
    if not seed_files:
        pytest.skip("no seed article in ../shared/seed")
    seed: set[tuple[str, ...]] = set()
    for path in seed_files:
        seed |= _shingles(path.read_text(encoding="utf-8", errors="replace"))
    assert len(seed) > 100  # the check has something to compare against
    for path in demo_paths():
        raw = path.read_text(encoding="utf-8")
        for text in (raw, _TAG.sub(" ", raw), _plain(raw)):
            shared = _shingles(text) & seed
            assert not shared, (path.name, sorted(" ".join(s) for s in shared)[:5])


def test_shingle_check_would_catch_a_copied_sentence() -> None:
    copied = "the quick brown fox jumps over the lazy dog today"
    assert _shingles("Intro. The quick brown fox jumps over the lazy dog today!") & _shingles(
        copied)


def test_timeline_of_the_summit_article() -> None:
    summit = [e for e in _all_entries() if e.id == SUMMIT_GUID]
    assert len(summit) == 1
    entry = summit[0]
    published = datetime(*entry.published_parsed[:6], tzinfo=timezone.utc)
    assert published.date() == date(2022, 1, 10)
    found = {(e.date, e.granularity) for e in events(_plain(entry.content[0].value), published)}
    assert {
        (date(2022, 1, 6), "day"),  # the state of emergency, "on January 6"
        (date(2022, 1, 8), "day"),  # Tokayev's call, "on Saturday"
        (date(2022, 1, 9), "day"),  # the session announced, "on Sunday"
        (date(2020, 1, 1), "year"),  # the Belarus election, "in 2020"
    } <= found


def test_every_story_article_has_a_timeline_in_january_2022() -> None:
    for entry in _all_entries():
        if not _is_story(entry):
            continue
        text = _plain(entry.content[0].value)
        published = datetime(*entry.published_parsed[:6], tzinfo=timezone.utc)
        found = events(text, published)
        assert any(e.date.year == 2022 and e.date.month == 1 for e in found), entry.title
