"""Tense: whether a date in a sentence lies ahead of the publication or behind it.

The tense cue nearest to a mention decides ("will meet on Sunday" ahead, "met on Sunday"
behind); a sentence with no cue says neither."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from feeds.date_words import (
    BASE_FORM_BEFORE,
    DEADLINE_PREPOSITIONS,
    DEFERRAL_VERBS,
    FUTURE_WORDS,
    LINKING_BEFORE_SCHEDULE,
    MODALS,
    NOT_PAST_ED,
    PAST_WORDS,
    SCHEDULE_PHRASES,
    SCHEDULE_VERBS,
    WORD,
)
from feeds.mentions import (
    Mention,
    word_before,
)
from feeds.sentences import (
    sentence_spans,
)


class Document:
    """The text, its sentences and the tense cues of each sentence (found when first asked)."""

    def __init__(self, text: str, language: str | None = None, *, anchored: bool = True
                 ) -> None:
        self.text = text
        self.language = language
        self.anchored = anchored  # False: no publication date, `ref` means nothing
        self.spans = sentence_spans(text) or [(0, len(text))]
        self.starts = [start for start, _ in self.spans]
        self._cues: dict[int, list[tuple[int, int, bool]]] = {}

    def sentence_of(self, position: int) -> int:
        return max(0, bisect.bisect_right(self.starts, position) - 1)

    def sentence_text(self, sentence: int) -> str:
        start, end = self.spans[sentence]
        return self.text[start:end]

    def cues(self, sentence: int) -> list[tuple[int, int, bool]]:
        """(start, end, points_forward) of each tense cue word in the sentence."""
        if sentence not in self._cues:
            self._cues[sentence] = list(_tense_cues(self.text, *self.spans[sentence]))
        return self._cues[sentence]

    def is_future(self, mention: Mention, sentence: int) -> bool | None:
        """Whether the tense cue nearest to the mention points forward; None without cues,
        and None for a new deadline ("was extended to May 31" may still lie ahead)."""
        if word_before(self.text, mention.start).lower() in DEADLINE_PREPOSITIONS:
            start, end = self.spans[sentence]
            deferral = DEFERRAL_VERBS.search(self.text, start, end)
            if deferral and not (deferral.group().lower() in ("set", "fixed") and word_before(
                    self.text, deferral.start()).lower() in ("is", "are", "be", "now")):
                return None  # "are set for Nov. 5" is ahead; "was extended to May 31" unsaid
        best: tuple[int, bool] | None = None
        for position, word_end, future in self.cues(sentence):
            if mention.start <= position < mention.end:
                continue
            if position < mention.start:
                distance = mention.start - word_end
            else:
                distance = position - mention.end + 1  # a tie goes to the verb before
            if best is None or distance < best[0]:
                best = (distance, future)
        return None if best is None else best[1]


def _tense_cues(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    found_words = list(WORD.finditer(text, start, end))
    words = [(found.start(), found.group().lower()) for found in found_words]
    count = len(words)
    for index, (position, word) in enumerate(words):
        if word in MODALS and found_words[index].group()[0].islower():  # not "May"
            following = words[index + 1][1] if index + 1 < count else ""
            cue: bool | None = following != "have"  # "may resume", not "may have left"
        else:
            cue = _tense_of(words, index, count)
            if cue is False and index and found_words[index].group()[0].isupper() and (
                    word not in PAST_WORDS):
                cue = None  # "Westfield United" is a name, not a verb
            if cue is False and position > start and text[position - 1] in "-‐":
                cue = None  # "white-coated pups", "state-owned firm": adjectives
        if cue is not None:
            yield position, position + len(word), cue


def _tense_of(words: list[tuple[int, str]], index: int, count: int) -> bool | None:
    """True when the word points forward, False when back, None when it says neither."""
    word = words[index][1]
    previous = words[index - 1][1] if index else ""
    following = words[index + 1][1] if index + 1 < count else ""
    after_next = words[index + 2][1] if index + 2 < count else ""
    if word in FUTURE_WORDS or word.endswith(("'ll", "’ll")):
        return True
    if word in ("is", "are", "am") and (
        following in ("to", "due", "expected", "on", "scheduled", "slated")
        or (following in ("going", "set") and after_next == "to")
    ):
        return True
    if word in ("plan", "plans", "planning", "intend", "intends") and following == "to":
        return True
    if word == "set" and following == "for" and previous in ("is", "are", "be", "now", "'s"):
        return True  # "the talks are set for Nov. 5"
    if (word, following) in SCHEDULE_PHRASES and previous not in LINKING_BEFORE_SCHEDULE:
        return True
    if word in ("comes", "come") and following == "into" and after_next == "force":
        return True
    if word == "to" and following == "be" and after_next == "held":
        return True
    if word in SCHEDULE_VERBS and previous not in LINKING_BEFORE_SCHEDULE and not is_past(
            previous):
        return True  # "talks resume", not "stayed open" or "forced to close"
    if is_past(word) and previous not in BASE_FORM_BEFORE:
        return False
    return None


def is_past(word: str) -> bool:
    return word in PAST_WORDS or (
        len(word) >= 4 and word.endswith("ed") and not word.endswith("eed")
        and word not in NOT_PAST_ED)
