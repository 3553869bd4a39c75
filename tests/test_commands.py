"""Commands without a shell (issue 15): each receives exactly the argv configured, every
placeholder filling one argument whatever the feed put in it, and nothing else."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader import commands
from reader.commands import CommandError, CommandSettings, fill, load
from reader.locations import ConfigError

DUMP = """\
import json, sys
record = {"argv": sys.argv[2:]}
if "--stdin" in sys.argv:
    record["stdin"] = sys.stdin.buffer.read().decode("utf-8")
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(record) + "\\n")
"""

HOSTILE = [
    "'; rm -rf ~; echo \"$(id)\" `whoami` > /tmp/x &",
    "{url} {title} {file} {0} %s %(x)s {feed.__class__}",
    "--output=/etc/passwd",
    "line one\nline two\ttab",
    "مرحبا \u202e reversed 🎙️ 新闻",
    "$HOME ${PATH} | cat /etc/shadow ; ls",
    "",
]


@pytest.fixture
def dump(tmp_path: Path) -> tuple[list[str], Path]:
    script = tmp_path / "dump.py"
    script.write_text(DUMP)
    out = tmp_path / "calls.jsonl"
    return [sys.executable, str(script), str(out)], out


def calls(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("title", HOSTILE)
def test_commands_receive_exactly_the_argv_given(dump: tuple[list[str], Path],
                                                 title: str) -> None:
    prefix, out = dump
    settings = load({"commands": {
        "bookmark": [*prefix, "--", "{url}", "{title}", "{feed}", "title={title}!"],
        "pipe": [*prefix, "--stdin", "{title}"],
        "player": [*prefix, "{url}", "{title}"],
    }})
    url = "https://example.org/a?b=1&c=$(id)#{title}"
    assert commands.bookmark(settings, url, title=title, feed=title + " feed") == 0
    assert commands.pipe(settings, f"Body of {title}\n", title=title) == 0
    commands.play(settings, url, title=title, wait=True)
    first, second, third = calls(out)
    assert first == {"argv": ["--", url, title, title + " feed", f"title={title}!"]}
    assert second == {"argv": ["--stdin", title], "stdin": f"Body of {title}\n"}
    assert third == {"argv": [url, title]}


def test_fill_is_literal() -> None:
    values = {"url": "{title}", "title": "{url}{feed}", "feed": "\x00x"}
    assert fill(["{url}", "{title}", "a{feed}b", "{unknown}", "{{url}}"], values) == [
        "{title}", "{url}{feed}", "axb", "{unknown}", "{{title}}"]
    assert fill(["{file}"], {}) == [""]


def test_browser_rules_pick_a_command_by_url(dump: tuple[list[str], Path]) -> None:
    prefix, out = dump
    settings = load({"commands": {"browser": [
        {"match": "https://www.youtube.com/*", "argv": [*prefix, "video", "{url}"]},
        {"argv": [*prefix, "web", "{url}", "{title}"]},
    ]}})
    commands.open_link(settings, "https://www.youtube.com/watch?v=1", title="T", wait=True)
    commands.open_link(settings, "http://example.org/", title="a b", wait=True)
    assert calls(out) == [{"argv": ["video", "https://www.youtube.com/watch?v=1"]},
                          {"argv": ["web", "http://example.org/", "a b"]}]
    for bad in ("javascript:alert(1)", "file:///etc/passwd", None, "ftp://x/"):
        with pytest.raises(CommandError, match="only http and https"):
            commands.open_link(settings, bad)
    assert CommandSettings().browser_for("http://x/") is None  # the system browser


def test_save_writes_a_safe_file_then_runs_the_save_command(
        dump: tuple[list[str], Path], tmp_path: Path) -> None:
    prefix, out = dump
    folder = tmp_path / "saved"
    settings = load({"commands": {"save": [*prefix, "{file}"], "save_dir": str(folder)}})
    title = "../../# Heading [link](javascript:x) <b>"
    when = datetime(2022, 1, 10, 12, tzinfo=UTC)
    path = commands.save(settings, title, "The text.", feed="Wire", url="https://e.org/a",
                         published=when)
    assert path.parent == folder and path.name == "# Heading [link](javascript x) b.md"
    text = path.read_text(encoding="utf-8")
    assert text == ("# ../../\\# Heading \\[link\\]\\(javascript:x\\) \\<b\\>\n\n"
                    "Wire · 2022-01-10 12:00 UTC\n\n<https://e.org/a>\n\nThe text.\n")
    again = commands.save(settings, title, "Other.", feed="Wire")
    assert again != path and again.parent == folder
    plain = commands.save(load({"commands": {"save_format": "text"}}), "T", "Body",
                          folder=folder)
    assert plain.name == "T.txt" and plain.read_text() == "T\n\nBody\n"
    import time

    for _ in range(50):  # the save command runs on its own; wait for its record
        if out.exists() and len(calls(out)) == 2:
            break
        time.sleep(0.05)
    assert sorted(call["argv"][0] for call in calls(out)) == sorted([str(path), str(again)])


def test_errors_are_one_line() -> None:
    with pytest.raises(CommandError, match="^commands.pipe: program not found: no-such-prog"):
        commands.pipe(load({"commands": {"pipe": ["no-such-prog-xyz"]}}), "text")
    with pytest.raises(CommandError, match="no player: set commands.player"):
        commands.play(CommandSettings(), "http://x/a.mp3")


@pytest.mark.parametrize("table,message", [
    ({"player": "mpv {url}"}, "commands.player must be a list of arguments"),
    ({"player": []}, "commands.player must be a list of arguments"),
    ({"player": ["mpv", "{path}"]}, r"commands.player: unknown placeholder \{path\}"),
    ({"pipe": ["less", 3]}, "commands.pipe must be a list of arguments"),
    ({"browser": [{"match": "*", "argv": ["x"], "shell": True}]},
     "unknown setting commands.browser #1.shell"),
    ({"browser": [{"match": 3, "argv": ["x"]}]}, "commands.browser #1.match must be"),
    ({"save_format": "pdf"}, "commands.save_format must be"),
    ({"shell": "sh -c"}, "unknown setting commands.shell"),
])
def test_bad_commands_config_names_the_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load({"commands": table})
    assert "\n" not in str(caught.value)
