"""The filter language on the command line (issue 16): `reader list --filter`, `reader search`,
a newsboat config or urls file brought in by `reader import`. Subprocesses, a real local
server, a temporary data folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply
from tests.test_cli import Reader, reader  # noqa: F401  (the fixture)


@pytest.fixture
def filled(reader: Reader, http_server: LocalServer) -> Reader:  # noqa: F811
    slow = http_server.route("/slow.xml", Reply(200, rss("Slowly", 3, body="Slow {title}")))
    arm = http_server.route("/arm.xml", Reply(200, rss("Arms", 2, body="Armcrest {title}")))
    other = http_server.route("/other.xml", Reply(200, rss("Other", 2, body="Nothing {title}")))
    for url in (slow, arm, other):
        reader("add", url)
    return reader


def test_list_filter_and_search_take_the_language(filled: Reader) -> None:
    titles = [item["title"] for item in filled.json("list", "--filter", "Slow OR Armcrest")]
    assert len(titles) == 5 and all(t.startswith(("Slowly", "Arms")) for t in titles)
    assert [item["title"] for item in filled.json(
        "list", "--filter", 'title ~ "item 1" and feed:Arms')] == ["Arms item 1"]
    first = filled.json("list", "--filter", "feed:Other")[0]["id"]
    filled("mark", str(first), "--read")
    assert len(filled.json("list", "--unread", "--filter", "feed:Other")) == 1
    found = filled.json("search", "Slow OR Armcrest")
    assert {item["feed_title"] for item in found} == {"Slowly", "Arms"}
    assert filled.json("search", "slow AND NOT title:item*") == []


@pytest.mark.parametrize("command", [("list", "--filter"), ("search",)])
def test_a_filter_mistake_exits_2_with_one_line_and_a_caret(filled: Reader,
                                                            command: tuple[str, ...]) -> None:
    done = filled(*command, "unread and (title ~ x", code=2)
    lines = done.stderr.splitlines()
    assert done.stdout == ""
    assert len(lines) == 3, lines
    assert lines[0].startswith("reader: ") and "(column " in lines[0]
    assert lines[1] == "  unread and (title ~ x"
    column = int(lines[0].rsplit("(column ", 1)[1].rstrip(")"))
    assert lines[2] == "  " + " " * (column - 1) + "^"


def test_search_leaves_out_what_the_killfile_hides(filled: Reader) -> None:
    import os

    config = Path(os.environ["XDG_CONFIG_HOME"]) / "reader" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[[kill]]\nexpr = "feed:Arms"\nmode = "hide"\n', encoding="utf-8")
    assert {item["feed_title"] for item in filled.json("search", "Slow OR Armcrest")} == {
        "Slowly"}


def test_import_a_newsboat_config_prints_toml_and_the_lines_skipped(
        reader: Reader, tmp_path: Path) -> None:  # noqa: F811
    config = tmp_path / "config"
    config.write_text(
        'ignore-article "*" "title =~ \\"Sponsored\\""\n'
        'define-filter "Rust this week" "title =~ \\"rust\\" and age < 7"\n'
        'highlight-article "title =~ \\"urgent\\"" red default bold\n'
        'ignore-article "*" "title =~ \\"^ad.*\\""\n'
        "color background white black\n", encoding="utf-8")
    done = reader("import", str(config))
    pasted = tomllib.loads(done.stdout)
    assert pasted["views"] == {"Rust this week": 'title ~ "rust" and age < 1w'}
    assert pasted["kill"] == [{"expr": 'title ~ "Sponsored"', "mode": "drop"}]
    assert pasted["highlight"] == [{"expr": 'title ~ "urgent"', "style": "bold red"}]
    skipped = done.stderr.splitlines()
    assert len(skipped) == 1 and skipped[0].startswith(f"reader: {config}: line 4: ")
    assert "regular expression" in skipped[0]
    assert reader.json("feeds") == []  # nothing subscribed, nothing written


def test_import_a_urls_file_turns_query_lines_into_views(reader: Reader,  # noqa: F811
                                                         tmp_path: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text('https://a.example/feed.xml tech\n'
                    '"query:Unread tech:unread = \\"yes\\" and tags # \\"tech\\""\n'
                    '"query:Odd:title =~ \\"^x\\""\n', encoding="utf-8")
    done = reader("import", str(urls))
    assert done.stdout.startswith("imported 1 feed")
    toml = done.stdout.split("\n", 1)[1]
    assert tomllib.loads(toml)["views"] == {"Unread tech": 'unread and folder = "tech"'}
    assert done.stderr.count("\n") == 1 and "line 3: query 'Odd'" in done.stderr
    assert "newsboat searches" not in done.stderr
