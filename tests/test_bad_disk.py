"""A bad disk or bad data under the reader: one clear line, exit 1, the database never harmed.

We run as root in CI containers, where permission bits mean nothing, so "read-only" is a real
read-only bind mount and "full" a real size-limited tmpfs. Both need mount(2); without it the
tests skip and say why.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import db_rows, ok, one_error_line, reader_json, rss, run_reader
from tests.httpserver import LocalServer, Reply

COMMANDS = (("feeds",), ("list",), ("refresh",), ("mark", "1", "--read"), ("search", "word"))


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here (needs root and CAP_SYS_ADMIN): {result.stderr.strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def read_only_view(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(writable folder, the same folder seen through a read-only bind mount)."""
    source, view = tmp_path / "source", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    _mount("--bind", str(source), str(view))
    try:
        _mount("-o", "remount,bind,ro", str(view))
        probe = view / "probe"
        with pytest.raises(OSError):
            probe.write_text("x")  # root must really be refused, or the test proves nothing
        yield source, view
    finally:
        _umount(view)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 KiB file system."""
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=600k", "tmpfs", str(disk))
    try:
        yield disk
    finally:
        _umount(disk)


def _words(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join("".join(rng.choice("abcdefghijklmnop") for _ in range(8))
                    for _ in range(count))


def _feed_file(folder: Path, name: str, count: int, seed: int = 0) -> Path:
    """A local RSS file with `count` items whose titles hold random words (so FTS grows)."""
    path = folder / name
    items = [(f"{name}-{n}", f"word {_words(40, seed * 100_000 + n)}", f"https://example.invalid/{n}")
             for n in range(count)]
    path.write_bytes(rss(name, items))
    return path


def _populated(data_dir: Path, feeds_dir: Path) -> Path:
    """A real database with three feeds of 300 items each, checkpointed into one file."""
    feeds_dir.mkdir(exist_ok=True)
    paths = [str(_feed_file(feeds_dir, f"feed{n}.xml", 300, seed=n)) for n in range(3)]
    ok(run_reader(data_dir, "add", *paths))
    database = data_dir / "reader.db"
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return database


def _assert_damage_reported(database: Path, before: bytes, command: tuple[str, ...]) -> None:
    line = one_error_line(run_reader(database.parent, *command))
    assert str(database) in line, line
    assert "damaged" in line and "move it aside" in line, (command, line)
    assert database.read_bytes() == before, f"`reader {' '.join(command)}` changed the file"


def test_random_bytes_database_is_reported_and_left_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "reader.db"
    database.write_bytes(random.Random(8).randbytes(64 * 1024))
    before = database.read_bytes()
    for command in COMMANDS:
        _assert_damage_reported(database, before, command)


@pytest.mark.parametrize("keep", ["60 bytes", "half"])
def test_truncated_database_is_reported_and_left_alone(tmp_path: Path, keep: str) -> None:
    database = _populated(tmp_path / "data", tmp_path / "feeds")
    whole = database.read_bytes()
    database.write_bytes(whole[:60] if keep == "60 bytes" else whole[: len(whole) // 2])
    before = database.read_bytes()
    for command in COMMANDS:
        _assert_damage_reported(database, before, command)


def test_damaged_pages_are_reported_and_left_alone(tmp_path: Path) -> None:
    """Damage behind a valid header: SQLite finds it only where a query reads a bad page."""
    database = _populated(tmp_path / "data", tmp_path / "feeds")
    damaged = bytearray(database.read_bytes())
    rng = random.Random(1)
    for page in range(8192, len(damaged) - 4096, 4096):  # keep the header and the schema page
        for _ in range(200):
            damaged[page + rng.randrange(4096)] = rng.randrange(256)
    database.write_bytes(bytes(damaged))
    for command in COMMANDS:
        if command[0] == "mark":
            # The damaged index no longer finds item 1, and nothing tells SQLite it is
            # damaged: an honest "no item" line is all a reader can say without a full check.
            line = one_error_line(run_reader(database.parent, *command))
            assert "damaged" in line or line == "reader: no item with id 1", line
            assert database.read_bytes() == damaged
            continue
        _assert_damage_reported(database, bytes(damaged), command)


def test_read_only_folder_with_a_database(tmp_path: Path,
                                          read_only_view: tuple[Path, Path]) -> None:
    source, view = read_only_view
    _populated(source, tmp_path / "feeds")
    ok(run_reader(source, "mark", "1", "2", "--read"))
    before = (source / "reader.db").read_bytes()
    assert not (source / "reader.db-wal").exists()
    for command in COMMANDS:
        line = one_error_line(run_reader(view, *command))
        assert str(view) in line, (command, line)
        assert "read-only" in line or "writable" in line, (command, line)
    assert (source / "reader.db").read_bytes() == before
    read = [item["id"] for item in reader_json(source, "list") if item["read"]]
    assert sorted(read) == [1, 2]


def test_fresh_read_only_folder(read_only_view: tuple[Path, Path]) -> None:
    source, view = read_only_view
    for data_dir in (view, view / "reader-data"):
        line = one_error_line(run_reader(data_dir, "feeds"))
        assert str(data_dir) in line, line
        assert "read-only" in line.lower() or "writable" in line, line
    assert os.listdir(source) == []


def test_full_disk(tmp_path: Path, small_disk: Path, http_server: LocalServer) -> None:
    data_dir = small_disk / "data"
    small = _feed_file(tmp_path, "small.xml", 5)
    ok(run_reader(data_dir, "add", str(small)))
    ok(run_reader(data_dir, "mark", "2", "--read"))
    before = reader_json(data_dir, "list")
    big = _feed_file(tmp_path, "big.xml", 1000, seed=7)  # far more than 600 KiB once indexed
    for command in (("add", str(big)), ("refresh",)):
        if command == ("refresh",):  # the same feed, subscribed while it was still small
            url = http_server.route("/big.xml", Reply(200, rss("big", [("x", "x", None)])))
            ok(run_reader(data_dir, "add", url))
            before = reader_json(data_dir, "list")
            http_server.route("/big.xml", Reply(200, big.read_bytes()))
        line = one_error_line(run_reader(data_dir, *command))
        assert "full" in line and "free" in line, line
        assert str(data_dir / "reader.db") in line, line
        assert reader_json(data_dir, "list") == before
        assert db_rows(data_dir / "reader.db", "PRAGMA integrity_check") == [("ok",)]
