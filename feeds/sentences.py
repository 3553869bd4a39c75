
"""Sentences of an article: where a date's sentence starts and ends.

Full stops after abbreviations ("Jan. 6", "U.S.", "Mr.", "on Wed. Nov. 5") do not end one.
"""

from __future__ import annotations

import re

from feeds.date_words import (
    ABBREVIATIONS,
    ABBREVIATIONS_BEFORE_NUMBER,
    SENTENCE_FINAL_INITIALISMS,
)

_SENTENCE_END = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s)|\n")
_WORD_BEFORE_DOT = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_SENTENCE_OPENERS = "\"“‘'([–—-•*"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, not cut at abbreviations ("Jan. 6", "U.S.", "Mr.")."""
    spans: list[tuple[int, int]] = []
    start = 0
    length = len(text)
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        following = end
        while following < length and text[following].isspace():
            following += 1
        if following >= length:
            break
        next_char = text[following]
        if match.group() == "\n":
            if next_char.islower():  # a hard-wrapped line, not a new paragraph
                continue
        else:
            if not (next_char.isupper() or next_char.isdigit() or next_char in _SENTENCE_OPENERS):
                continue
            if match.group()[0] == "." and _is_abbreviation(text, match.start(), next_char):
                continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, length, spans)
    return spans


def _is_abbreviation(text: str, dot: int, next_char: str) -> bool:
    found = _WORD_BEFORE_DOT.search(text, max(0, dot - 16), dot)
    if not found:
        return False
    word = found.group(1)
    if word in ("Sat", "Sun"):  # "on Sat. Nov. 9"
        return True
    bare = word.lower().rstrip(".")
    if bare in SENTENCE_FINAL_INITIALISMS:
        return False
    if bare in ABBREVIATIONS:
        return True
    if bare in ABBREVIATIONS_BEFORE_NUMBER:
        return next_char.isdigit()
    return _INITIALISM.fullmatch(word) is not None and len(word.replace(".", "")) <= 3


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


