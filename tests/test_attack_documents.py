"""Documents that attack, end to end: refreshed and listed by the real command line.

The parse-level checks live with the parser's tests; here we prove what reaches the user's
terminal: no escape sequence, no bidi override, markup shown literally, no javascript:/data:
link, no command run from a subscription list.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.e2e import FORBIDDEN_OUTPUT, ok, opml, reader_json, rss, run_reader
from tests.httpserver import LocalServer, Reply

# Titles that must come out exactly as written (nothing in them is unsafe to print).
KEPT_TITLES = (
    "عاجل: انتخابات في القاهرة اليوم",  # Arabic (RTL)
    "חדשות: הבחירות בירושלים",  # Hebrew (RTL)
    "東京で大規模な地震、被害を調査中",  # wide CJK
    "한국어 제목과 日本語 の 混在",  # Hangul + Kanji + Kana
    "👍🏽 👩🏿‍🔬 👨‍👩‍👧‍👦 🏳️‍🌈 flags 🇺🇦🇯🇵",  # skin tones, ZWJ sequences, flags
    "Z̷̢͉a̸̛̞l̶̰͝g̵̣̈o̴͎͐ e\u0301 n\u0303 combining",  # stacked combining marks
    "[/]",
    "[link=file:///etc/passwd]x[/link]",
    "[@click=app.quit]Click me[/]",
    "[bold red]loud[/bold red] [reverse]and[/] \\[escaped]",
    "{0} {title!r} %s %(name)s $(touch pwned) `id`",  # format strings and shell, as text
)
# Titles carrying what a terminal would obey: (raw title, the visible text that must remain).
DANGEROUS_TITLES = (
    ("A\u009b2Jcleared\u009b0m", "cleared"),  # 8-bit CSI (legal in XML 1.0)
    ("\u202eevil\u202c name.txt", "evil name.txt"),  # RIGHT-TO-LEFT OVERRIDE
    ("\u2066isolated\u2069 \u200fmark", "isolated mark"),  # isolate, RLM
    ("C1 \u0085next \u0090dcs\u009c end", "end"),  # NEL, DCS string
)
BAD_LINKS = (
    "javascript:alert(1)",
    "JaVaScRiPt:alert(2)",
    " javascript:alert(3)",
    "java\tscript:alert(4)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==",
    "vbscript:msgbox(6)",
    "file:///etc/passwd",
)


def _printed(text: str) -> None:
    """Nothing a terminal would obey: no C0 (but tab/newline), DEL, C1 or bidi control."""
    found = sorted({f"U+{ord(ch):04X}" for ch in text if ch in FORBIDDEN_OUTPUT})
    assert not found, f"unsafe characters printed: {found}"


def _all_output(data: Path, show_only: Callable[[str], bool] = lambda title: True
                ) -> list[str]:
    """Every way the user sees items: list, list --json (decoded), feeds, and `show` of each
    item (or of those whose title `show_only` picks: each show is a process start)."""
    outputs = [ok(run_reader(data, "list")).stdout, ok(run_reader(data, "feeds")).stdout]
    listing = reader_json(data, "list")
    outputs.append(json.dumps(listing, ensure_ascii=False))
    for item in listing:
        if show_only(item["title"]):
            outputs.append(ok(run_reader(data, "show", str(item["id"]))).stdout)
    return outputs


def test_titles_that_attack_are_shown_literally_and_safely(tmp_path: Path,
                                                          http_server: LocalServer) -> None:
    data = tmp_path / "data"
    titles = list(KEPT_TITLES) + [raw for raw, _ in DANGEROUS_TITLES]
    items = [(f"t{n}", title, f"https://example.invalid/{n}") for n, title in enumerate(titles)]
    url = http_server.route("/titles.xml", Reply(200, rss("[bold]feed[/] \u202etitle", items)))
    ok(run_reader(data, "add", url))
    plain = set(KEPT_TITLES[:6])  # the scripts: `list` shows them; `show` adds nothing new
    outputs = _all_output(data, show_only=lambda title: title not in plain)
    for text in outputs:
        _printed(text)
    listed = ok(run_reader(data, "list")).stdout
    for title in KEPT_TITLES:
        assert title in listed, f"{title!r} not shown literally"
    by_id = {item["title"] for item in reader_json(data, "list")}
    assert set(KEPT_TITLES) <= by_id
    for raw, visible in DANGEROUS_TITLES:
        assert raw not in by_id
        assert any(visible in title for title in by_id), visible


def test_terminal_escapes_from_raw_bytes_and_character_references(
        tmp_path: Path, http_server: LocalServer) -> None:
    """ESC cannot appear in well-formed XML, so these go through the forgiving parser too."""
    data = tmp_path / "data"
    urls = [http_server.route(f"/{name}", Reply(200, shared_path("hostile", name).read_bytes()))
            for name in ("term_escapes_raw.xml", "term_escapes_charref.xml")]
    for url in urls:
        ok(run_reader(data, "add", url))
    listing = reader_json(data, "list")
    assert len(listing) == 2
    for text in _all_output(data):
        _printed(text)
    for item in listing:
        assert "[link=file:///etc/passwd]click[/link]" in item["title"], item["title"]
        assert "evil" in item["title"]


def test_every_hostile_document_in_one_refresh(tmp_path: Path, http_server: LocalServer) -> None:
    folder = shared_path("hostile")
    data = tmp_path / "data"
    urls = {path.name: http_server.route(f"/{path.name}", Reply(200, path.read_bytes()))
            for path in sorted(folder.glob("*.xml"))}
    (tmp_path / "urls").write_text("\n".join(urls.values()) + "\n")
    ok(run_reader(data, "import", str(tmp_path / "urls")))
    started = time.monotonic()
    refresh = ok(run_reader(data, "refresh", timeout=60))
    elapsed = time.monotonic() - started
    assert elapsed < 20, f"refresh of the hostile documents took {elapsed:.1f} s"
    for line in refresh.stderr.splitlines():  # a refused document: one line naming it
        assert any(line.startswith(f"reader: {url}: ") for url in urls.values()), line
    outputs = _all_output(data)
    for text in outputs:
        _printed(text)
        assert "root:x:0:0" not in text  # the XXE file was never read
        assert "javascript:" not in text.lower()
        assert "lollollol" not in text  # no entity was expanded
    for item in reader_json(data, "list"):
        shown = reader_json(data, "show", str(item["id"]))
        assert all(link.startswith(("http://", "https://")) for link in shown["links"]), shown


def test_javascript_and_data_links_are_never_links(tmp_path: Path,
                                                   http_server: LocalServer) -> None:
    data = tmp_path / "data"
    items = [(f"l{n}", f"bad link {n}", link) for n, link in enumerate(BAD_LINKS)]
    items.append(("ok", "good link", "https://example.invalid/fine"))
    body = rss("links", items)
    # A body whose anchors carry the same links: they must not become numbered links either.
    anchors = "".join(f'<a href="{link}">l{n}</a> ' for n, link in enumerate(BAD_LINKS))
    body = body.replace(b"<title>good link</title>",
                        b"<title>good link</title><description><![CDATA[" + anchors.encode()
                        + b"]]></description>")
    url = http_server.route("/links.xml", Reply(200, body))
    ok(run_reader(data, "add", url))
    listing = {item["title"]: item for item in reader_json(data, "list")}
    assert len(listing) == len(BAD_LINKS) + 1
    for n in range(len(BAD_LINKS)):
        assert listing[f"bad link {n}"]["link"] is None, listing[f"bad link {n}"]
    assert listing["good link"]["link"] == "https://example.invalid/fine"
    shown = reader_json(data, "show", str(listing["good link"]["id"]))
    assert shown["links"] == [], shown["links"]
    for text in _all_output(data):
        assert "javascript" not in text.lower() and "data:text" not in text


@pytest.mark.slow
def test_twenty_thousand_items(tmp_path: Path, http_server: LocalServer) -> None:
    data = tmp_path / "data"
    count = 20_000
    items = ((f"big-{n}", f"headline number {n}", f"https://example.invalid/big/{n}")
             for n in range(count))
    url = http_server.route("/big.xml", Reply(200, rss("big", items)))
    (tmp_path / "urls").write_text(url + "\n")
    ok(run_reader(data, "import", str(tmp_path / "urls")))
    started = time.monotonic()
    refresh = ok(run_reader(data, "refresh", timeout=120))
    elapsed = time.monotonic() - started
    assert "refreshed 1 feed: 20000 new items" in refresh.stdout, refresh.stdout
    assert refresh.stderr == ""
    [feed] = reader_json(data, "feeds")
    assert (feed["total"], feed["unread"], feed["last_error"]) == (count, count, None)
    found = reader_json(data, "search", "19999")
    assert [item["title"] for item in found] == ["headline number 19999"]
    again = ok(run_reader(data, "refresh", "--all", timeout=120))
    assert "0 new items" in again.stdout
    assert reader_json(data, "feeds")[0]["total"] == count
    assert elapsed < 60, f"refresh of {count} items took {elapsed:.1f} s"


# -- subscription lists that try to run a command -------------------------------------------


def _smuggling_urls_file(canary: Path, good: str) -> tuple[str, int]:
    touch = f"touch {canary}"
    lines = [
        f'"exec:{touch}"',
        f"exec:{touch}",
        f'"filter:{touch}:{good}"',
        f"filter:/bin/sh:{good}",
        f'"|{touch}"',
        f"|{touch}",
        f'"query:all:{touch}"',
        f"http://127.0.0.1/$({touch})",
        f"http://127.0.0.1/`{touch}`",
        f"file://{canary}",
    ]
    return "\n".join([*lines, good, ""]), len(lines)


def _smuggling_opml(canary: Path, good: str) -> tuple[bytes, int]:
    touch = f"touch {canary}"
    bad = [f"exec:{touch}", f"filter:{touch}:{good}", f"|{touch}", f"javascript:{touch}",
           f"file://{canary}"]
    outlines = [{"text": "bad", "type": "rss", "xmlUrl": url} for url in bad]
    outlines.append({"text": "good", "type": "rss", "xmlUrl": good})
    return opml(outlines), len(bad)


@pytest.mark.parametrize("kind", ["newsboat urls", "OPML"])
def test_subscription_lists_cannot_smuggle_a_command(tmp_path: Path, http_server: LocalServer,
                                                     kind: str) -> None:
    data = tmp_path / "data"
    canary = tmp_path / "pwned"
    good = http_server.route("/good.xml", Reply(200, rss("good", [("g", "good", None)])))
    if kind == "OPML":
        content, smuggled = _smuggling_opml(canary, good)
        source = tmp_path / "subs.opml"
        source.write_bytes(content)
    else:
        text, smuggled = _smuggling_urls_file(canary, good)
        source = tmp_path / "urls"
        source.write_text(text)
    imported = ok(run_reader(data, "import", str(source)))
    lines = imported.stderr.splitlines()
    assert len(lines) == smuggled, imported.stderr
    assert all(line.startswith(f"reader: {source}: ") for line in lines), imported.stderr
    assert "imported 1 feeds" in imported.stdout or "imported 1 feed" in imported.stdout
    assert [feed["url"] for feed in reader_json(data, "feeds")] == [good]
    # A URL that merely contains shell syntax is just a URL: fetched, never run.
    shellish = good.replace("/good.xml", f"/$(touch {canary})")
    (tmp_path / "more").write_text(shellish + "\n")
    if kind == "OPML":
        (tmp_path / "more").write_bytes(opml([{"text": "s", "xmlUrl": shellish}]))
    run_reader(data, "import", str(tmp_path / "more"))
    ok(run_reader(data, "refresh"))
    assert not canary.exists(), "a command from the subscription list ran"
