"""The refresh's write path (issue 13): what crosses from the parsing workers comes back
whole, and the cheaper ways of storing it keep every item, mark and search hit."""

from __future__ import annotations

from multiprocessing.reduction import ForkingPickler

from feeds.model import Enclosure
from reader.refresh import Prepared
from reader.store import ItemRecord


def _record(number: int, **extra: object) -> ItemRecord:
    return ItemRecord(entry_id=f"e{number}", title=f"Title {number}", link=f"http://h/{number}",
                      author="An Author", published=1e9 + number, updated=None,
                      summary="<p>s</p>", content="<p>c</p>", text="words", **extra)


def test_a_workers_result_comes_back_equal_after_pickling() -> None:
    records = (
        _record(1),
        _record(2, related_links=("http://h/1",),
                enclosures=(Enclosure("http://h/a.mp3", "audio/mpeg", 10, 61),)),
    )
    prepared = Prepared("Feed", "http://h/", records, "1 item skipped", 3600, "en-US")
    back = ForkingPickler.loads(bytes(ForkingPickler.dumps(prepared)))
    assert back == prepared
    assert type(back.records[1]) is ItemRecord
    assert back.records[1].enclosures[0] == Enclosure("http://h/a.mp3", "audio/mpeg", 10, 61)
    assert Prepared("F", None, (), None) == ForkingPickler.loads(
        bytes(ForkingPickler.dumps(Prepared("F", None, (), None))))
