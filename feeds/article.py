"""The full article for an entry: the feed's own content when it is whole, else the linked page.

Many feeds carry only a teaser ("… Continue reading →"). Then the entry's link is fetched once
and its main text extracted with trafilatura, whose HTML output (headings, lists, links) goes
through `feeds.text.html_to_text`, so a page reads like feed content. Whatever goes wrong on
that path (no link, a fetch error, not a web page, nothing extracted) we fall back to the
feed's summary with a one-line note saying why. Nothing here raises.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from feeds.model import Article, FetchLimits, Rendered
from feeds.text import html_to_text, safe_url, strip_tags

if TYPE_CHECKING:
    import aiohttp

# A summary this long, without a "read more" ending, is taken to be the whole article.
FULL_SUMMARY_WORDS = 150
# Pages larger than this are cut before extraction (the fetch cap is 10 MiB by default); the
# article text sits well inside it, and trafilatura's time grows with the tree.
MAX_PAGE_BYTES = 5 * 1024 * 1024
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FALLBACK_NOTE = "could not load the full article: "

# Teaser endings: an ellipsis (bare or bracketed, as WordPress writes "[…]"), or a link/phrase
# inviting the reader to the page, within the last few words.
_ELLIPSIS_END = re.compile(
    r"(?:\.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|\(\s*more\s*(?:…|\.\.\.)?\s*\))\W*$"
)
_READ_MORE = re.compile(
    r"\b(?:read more|read on|continue reading|keep reading|read the (?:full|rest|whole|entire)"
    r"|read full|full (?:story|article|post)|view (?:the )?(?:full )?(?:post|article))\b"
    r"|\bmore\s*(?:»|›|→|>>)"
)
_TAIL_CHARS = 100
# WordPress/Yoast sign-off after an excerpt; it hides the "[…]" that precedes it.
_APPEARED_FIRST = re.compile(r"\s*\bthe post\b.{0,300}\bappeared first on\b.{0,200}$", re.I)
# Markup that a page printed as text (a CMS bug) or a stray tracker comment: never body text.
_LEAKED_MARKUP = re.compile(r"^\s*(?:<!--|-->)|(?:<!--|-->)\s*$")


def _words(text: str) -> int:
    return len(text.split())


def ends_like_a_teaser(html: str) -> bool:
    """True when the text ends in "…", "[…]", "Read more", "Continue reading →" and the like."""
    text = _APPEARED_FIRST.sub("", strip_tags(html))
    tail = text[-_TAIL_CHARS:].lower()
    return bool(_ELLIPSIS_END.search(tail) or _READ_MORE.search(tail))


def _has_text(html: str) -> bool:
    return bool(html and strip_tags(html))


def _feed_html(summary_html: str, content_html: str) -> str:
    """The richest thing the feed gave us: its content, else its summary."""
    return content_html if _has_text(content_html) else summary_html


def is_full_article(summary_html: str, content_html: str) -> bool:
    """The feed's content is the whole article, so there is nothing to fetch.

    Content (Atom content, RSS content:encoded) counts as whole unless it ends like a teaser;
    a summary only when it is also long (FULL_SUMMARY_WORDS). Content that merely repeats the
    summary is judged as a summary.
    """
    content_html = content_html or ""
    summary_html = summary_html or ""
    if _has_text(content_html) and content_html.strip() != summary_html.strip():
        return not ends_like_a_teaser(content_html)
    if not _has_text(summary_html):
        return False
    long_enough = _words(strip_tags(summary_html)) >= FULL_SUMMARY_WORDS
    return long_enough and not ends_like_a_teaser(summary_html)


def from_feed(summary_html: str, content_html: str, base_url: str | None = None) -> Article:
    """The feed's own text (content, else summary) as an article."""
    rendered = html_to_text(_feed_html(summary_html or "", content_html or ""), base_url)
    return Article(text=rendered.text, links=rendered.links, source="feed",
                   link_texts=rendered.link_texts)


def _fallback(summary_html: str, content_html: str, base_url: str | None, why: str) -> Article:
    article = from_feed(summary_html, content_html, base_url)
    reason = " ".join(why.split()) or "unknown error"
    return Article(article.text, article.links, source="summary", note=FALLBACK_NOTE + reason,
                   link_texts=article.link_texts)


def _scrub(text: str) -> str:
    """Drop lines that are markup printed as text (`<!-- Google tag (gtag.js) -->`)."""
    if "<!--" not in text and "-->" not in text:
        return text
    kept = [line for line in text.split("\n") if not _LEAKED_MARKUP.search(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


def extract(page: bytes | str, url: str | None = None) -> Rendered | None:
    """The main text of a web page as display text; None when nothing usable is found.

    Bounded: the page is cut to MAX_PAGE_BYTES, and any exception counts as "nothing found".
    """
    page = page[:MAX_PAGE_BYTES]  # characters for a str: the same order of work
    if not page.strip():
        return None
    try:
        import trafilatura  # 0.29 s to import: only when a page is actually extracted

        html = trafilatura.extract(
            page,
            url=url,
            output_format="html",
            include_links=True,
            include_comments=False,  # reader comments are not the article
            include_tables=True,
            include_images=False,
            with_metadata=False,
        )
        if not html:
            return None
        rendered = html_to_text(html, base_url=url)
    except Exception:  # a hostile or odd page must never escape as a crash
        return None
    text = _scrub(rendered.text)
    if not text.strip():
        return None
    return Rendered(text=text, links=rendered.links, link_texts=rendered.link_texts)


# Page dates before this are taken for a parsing accident (the web's news is younger).
EARLIEST_PAGE_YEAR = 1995


def page_date(page: bytes | str, url: str | None = None, *, today: date | None = None
              ) -> date | None:
    """The page's own publication date from its markup (meta tags, JSON-LD, <time>, the URL),
    or None. Only what the page declares, not dates guessed from its text (htmldate, which
    trafilatura's `extract_metadata` uses, without its extensive search): a wrong anchor is
    worse than none. A date after `today` (plus a day) or before 1995 is no date. Never
    raises."""
    page = page[:MAX_PAGE_BYTES]
    if not page.strip():
        return None
    today = today or date.today()
    try:
        from htmldate import find_date  # trafilatura's own dependency

        found = find_date(page, url=url, extensive_search=False, original_date=True,
                          outputformat="%Y-%m-%d", max_date=(today + timedelta(days=1)).isoformat())
        value = date.fromisoformat(found) if found else None
    except Exception:  # a hostile page: no date, never a crash
        return None
    if value is None or value.year < EARLIEST_PAGE_YEAR or value > today + timedelta(days=1):
        return None
    return value


def _extract_with_date(page: bytes | str, url: str | None) -> tuple[Rendered | None, date | None]:
    rendered = extract(page, url)
    return rendered, (page_date(page, url) if rendered is not None else None)


def _media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _charset(headers: dict[str, str]) -> str | None:
    """The charset the server declared, when Python knows it."""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", headers.get("content-type", ""), re.I)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return None


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024]
    return b"\x00" not in head and head.lstrip().startswith(b"<")


def _page_text(body: bytes, headers: dict[str, str]) -> bytes | str:
    """The page decoded with the declared charset; bytes (trafilatura sniffs) when none is."""
    charset = _charset(headers)
    return body.decode(charset, errors="replace") if charset else body


async def load(
    link: str | None,
    summary_html: str,
    content_html: str,
    *,
    client: aiohttp.ClientSession | None = None,
    limits: FetchLimits | None = None,
) -> Article:
    """The article to show for an entry. Never raises.

    - source "feed": the feed's content is the whole article; nothing is fetched.
    - source "page": the linked page was fetched and its main text extracted.
    - source "summary": the feed's summary, with `note` saying why the page was not used.
    """
    summary_html = summary_html or ""
    content_html = content_html or ""
    base = safe_url(link)
    try:
        if is_full_article(summary_html, content_html):
            return from_feed(summary_html, content_html, base)
        if base is None:
            why = "the entry has no link" if not link else "its link is not an http(s) URL"
            return _fallback(summary_html, content_html, None, why)
        from feeds.fetch import fetch  # the HTTP client loads only when a page is fetched

        if limits is None:
            result = await fetch(base, client=client, accept=HTML_ACCEPT)
        else:
            result = await fetch(base, client=client, limits=limits, accept=HTML_ACCEPT)
        if not result.ok:
            why = result.error or f"the server answered {result.http_status or 'nothing'}"
            return _fallback(summary_html, content_html, base, why)
        kind = _media_type(result.headers)
        if (kind and kind not in HTML_TYPES) or (not kind and not _looks_like_html(result.body)):
            return _fallback(
                summary_html, content_html, base, f"the link is not a web page ({kind or 'binary'})"
            )
        page_url = safe_url(result.final_url) or base
        page = _page_text(result.body, result.headers)
        rendered, published = await asyncio.to_thread(_extract_with_date, page, page_url)
        if rendered is None:
            return _fallback(summary_html, content_html, base, "no article text found on the page")
        feed_text = from_feed(summary_html, content_html, base).text
        if _words(rendered.text) < _words(feed_text):
            why = "the page has less text than the feed's summary"
            return _fallback(summary_html, content_html, base, why)
        return Article(text=rendered.text, links=rendered.links, source="page",
                       link_texts=rendered.link_texts, published=published)
    except Exception as error:  # the promise is "never raises": say what happened instead
        why = f"{type(error).__name__}: {error}"
        try:
            return _fallback(summary_html, content_html, base, why)
        except Exception:
            return Article(text="", source="summary", note=FALLBACK_NOTE + " ".join(why.split()))
