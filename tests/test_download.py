"""Downloading enclosures (issue 15) from the local server: a cut connection is resumed with
Range, a file of an earlier run is resumed, the cap holds, names are safe whatever the feed
says, and `reader download ID --dir DIR` does it from the command line."""

from __future__ import annotations

import asyncio
import os
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from feeds.download import DownloadError, download, safe_file_name, unique_path
from tests.httpserver import LocalServer, Raw, Reply
from tests.test_cli import Reader, reader  # noqa: F401  (the fixture)
from tests.test_enclosures import podcast

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


def resumable(cuts: list[int], etag: str = '"v1"') -> Raw:
    """Serves PAYLOAD with Range support; each answer in `cuts` stops after that many body
    bytes and closes the connection (a cut), later answers are whole."""
    def write(handler: BaseHTTPRequestHandler) -> None:
        wanted = handler.headers.get("Range")
        start = int(wanted.split("=")[1].split("-")[0]) if wanted else 0
        if handler.headers.get("If-Range") not in (None, etag):
            start, wanted = 0, None
        body = PAYLOAD[start:]
        handler.send_response(206 if wanted else 200)
        handler.send_header("Content-Type", "audio/mpeg")
        handler.send_header("ETag", etag)
        handler.send_header("Content-Length", str(len(body)))
        if wanted:
            handler.send_header("Content-Range",
                                f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        handler.end_headers()
        if cuts:
            handler.wfile.write(body[:cuts.pop(0)])
            handler.wfile.flush()
            return  # the server closes the connection mid-body
        handler.wfile.write(body)

    return Raw(write)


def test_a_cut_connection_is_resumed_with_range(http_server: LocalServer,
                                                tmp_path: Path) -> None:
    url = http_server.route("/ep.mp3", resumable([300_000, 100_000]))
    seen: list[tuple[int, int | None]] = []
    result = asyncio.run(download(url, tmp_path / "dl", title="Episode 1",
                                  progress=lambda done, total: seen.append((done, total))))
    assert result.path == (tmp_path / "dl").resolve() / "Episode 1.mp3"
    assert result.path.read_bytes() == PAYLOAD and result.resumed and result.size == len(PAYLOAD)
    ranges = [r.headers.get("range") for r in http_server.requests_for("/ep.mp3")]
    assert ranges == [None, "bytes=300000-", "bytes=400000-"]
    assert [r.headers.get("if-range") for r in http_server.requests_for("/ep.mp3")][1:] == [
        '"v1"', '"v1"']
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert os.listdir(tmp_path / "dl") == ["Episode 1.mp3"]  # no .part left


def test_a_part_file_of_an_earlier_run_is_resumed(http_server: LocalServer,
                                                  tmp_path: Path) -> None:
    url = http_server.route("/ep.mp3", resumable([250_000]))
    folder = tmp_path / "dl"
    with pytest.raises(DownloadError, match="kept for next time"):
        asyncio.run(download(url, folder, title="Ep", retries=0))
    [part] = os.listdir(folder)
    assert part.startswith(".Ep.mp3.") and part.endswith(".part")
    result = asyncio.run(download(url, folder, title="Ep"))
    assert result.path.read_bytes() == PAYLOAD and result.resumed
    assert http_server.requests_for("/ep.mp3")[-1].headers["range"] == "bytes=250000-"


def test_a_changed_file_starts_over(http_server: LocalServer, tmp_path: Path) -> None:
    url = http_server.route("/ep.mp3", resumable([200_000], etag='"v1"'))
    with pytest.raises(DownloadError):
        asyncio.run(download(url, tmp_path, title="Ep", retries=0))
    # A new part file from an earlier run has no validator: the server's whole answer (200,
    # not 206) replaces what was there instead of being appended to it.
    http_server.route("/ep.mp3", Reply(200, PAYLOAD[::-1], content_type="audio/mpeg"))
    result = asyncio.run(download(url, tmp_path, title="Ep"))
    assert result.path.read_bytes() == PAYLOAD[::-1] and not result.resumed


def test_the_cap_holds_and_leaves_nothing(http_server: LocalServer, tmp_path: Path) -> None:
    url = http_server.route("/big.mp3", Reply(200, PAYLOAD, content_type="audio/mpeg"))
    tmp_path = tmp_path / "dl"
    with pytest.raises(DownloadError, match="more than the 512 KiB allowed"):
        asyncio.run(download(url, tmp_path, title="Big", max_bytes=512 * 1024))
    assert os.listdir(tmp_path) == []
    chunked = Raw(lambda h: (h.send_response(200), h.send_header("Content-Type", "audio/mpeg"),
                             h.end_headers(), h.wfile.write(PAYLOAD)))
    url = http_server.route("/nolength.mp3", chunked)
    with pytest.raises(DownloadError, match="larger than the 512 KiB allowed"):
        asyncio.run(download(url, tmp_path, title="Big", max_bytes=512 * 1024))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("title,url,expected", [
    ("../../etc/passwd", "http://h/x.mp3", "etc passwd.mp3"),
    ("..", "http://h/%2E%2E%2F..%2Fevil.sh", "evil.sh"),
    ("", "http://h/a/..%2F..%2F.bashrc", "download.bashrc"),
    ("a\x1b]0;pwn\x07b\u202etxt.exe", "http://h/e.mp3", "a ]0;pwn b txt.exe.mp3"),
    ("CON", "http://h/e.mp3", "_CON.mp3"),
    ("-rf *", "http://h/e.mp3?x=/../../y", "rf.mp3"),
    ("C:\\Windows\\x", "http://h/e", "C Windows x"),
    ("", "http://h/", "download"),
    ("Ép. 3: «Égalité»", "http://h/e.m4a", "Ép. 3 «Égalité».m4a"),
])
def test_names_are_safe_for_hostile_titles_and_urls(title: str, url: str, expected: str
                                                    ) -> None:
    name = safe_file_name(title, url)
    assert name == expected
    assert "/" not in name and "\\" not in name and not name.startswith((".", "-"))


def test_a_very_long_title_fits_a_file_system_and_names_never_clash(tmp_path: Path) -> None:
    tmp_path = tmp_path / "dl"
    tmp_path.mkdir()
    name = safe_file_name("新闻" * 300, "http://h/e.mp3", "audio/mpeg")
    assert len(name.encode()) <= 200 and name.endswith(".mp3")
    (tmp_path / "a.mp3").write_text("mine")
    assert unique_path(tmp_path, "a.mp3") == tmp_path / "a (2).mp3"
    with pytest.raises(DownloadError):
        unique_path(tmp_path, "../a.mp3")


def test_reader_download_with_a_hostile_title_and_url(reader: Reader,  # noqa: F811
                                                      http_server: LocalServer,
                                                      tmp_path: Path) -> None:
    media = http_server.route("/m/..%2F..%2Fescape.mp3", resumable([123_456]))
    feed = http_server.route("/cast.xml", Reply(200, podcast([
        ("../../../tmp/pwned &amp; $(rm -rf ~)", [(media, "audio/mpeg", str(len(PAYLOAD)))]),
        ("No media", []),
    ])))
    reader("add", feed)
    items = {item["title"]: item["id"] for item in reader.json("list")}
    target = tmp_path / "downloads"
    done = reader("download", str(items["../../../tmp/pwned & $(rm -rf ~)"]),
                  "--dir", str(target))
    [saved] = os.listdir(target)
    assert saved == "tmp pwned & $(rm -rf ~).mp3"
    assert (target / saved).read_bytes() == PAYLOAD
    assert done.stdout.startswith(f"saved {target.resolve() / saved} (1.0 MiB), resumed")
    missing = reader("download", str(items["No media"]), "--dir", str(target), code=1)
    assert missing.stderr.strip() == f"reader: item {items['No media']} has no enclosure"
    assert not (tmp_path.parent / "escape.mp3").exists()
