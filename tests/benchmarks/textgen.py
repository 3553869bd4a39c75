"""Seeded pseudo-English: a Zipf-shaped vocabulary of made-up words and paragraphs built from it.

Words are syllables of common consonants and vowels, so the letters q, x, y and z never occur in
them: the sentinel words below (searched for, or waited for on screen) contain those letters and
therefore match nothing but themselves, even as FTS prefixes.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

CONSONANTS = "bcdfghklmnprstvw"
VOWELS = "aeiou"

# Sentinels: never produced by the vocabulary (they contain q, x, y or z; none ends in "s").
COMMON_WORD = "zephyrquill"  # put in ~1% of the store's items
RARE_WORD = "quixzotl"  # put in a handful of items
FIRST_HEADLINE = "Zyxfirst bench headline"  # the newest item: first row on screen
LAST_HEADLINE = "Zyxlast bench headline"  # the oldest item: last row
LONG_ARTICLE_TITLE = "Zyxlong bench article"  # the second row
LONG_ARTICLE_MARK = "Quazzyx"  # opens the long article's first paragraph


def _syllable_words(rng: random.Random, count: int) -> list[str]:
    syllables = [c + v for c, v in itertools.product(CONSONANTS, VOWELS)]
    syllables += [c + v + e for c, v, e in itertools.product(CONSONANTS, VOWELS, "nrlt")]
    words: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < count:
        size = rng.choice((1, 2, 2, 2, 3, 3, 4))
        word = "".join(rng.choice(syllables) for _ in range(size))
        if word not in words and not word.endswith("s"):
            words.add(word)
            ordered.append(word)
    return ordered


@dataclass
class Vocabulary:
    """`count` words; word k is drawn with weight 1/(k+1) (Zipf), as in real text."""

    words: list[str]
    cumulative: list[float]
    rng: random.Random

    @classmethod
    def make(cls, seed: int, count: int = 20_000) -> Vocabulary:
        rng = random.Random(seed)
        words = _syllable_words(rng, count)
        cumulative = list(itertools.accumulate(1.0 / (k + 1) for k in range(count)))
        return cls(words, cumulative, rng)

    def draw(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def sentence(self, count: int) -> str:
        words = self.draw(count)
        return " ".join(words).capitalize() + "."

    def paragraph(self, words: int) -> str:
        sentences, left = [], words
        while left > 0:
            size = min(left, self.rng.randint(8, 20))
            sentences.append(self.sentence(size))
            left -= size
        return " ".join(sentences)

    def title(self) -> str:
        return self.sentence(self.rng.randint(5, 10)).rstrip(".")

    def name(self) -> str:
        """A rare capitalised word, like a person's or a place's name."""
        return self.rng.choice(self.words[len(self.words) // 2:]).capitalize()
