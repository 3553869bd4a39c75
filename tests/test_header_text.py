"""`unsendable` says exactly what the one-regex check it replaced said."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from feeds.header_text import unsendable

_REFERENCE = re.compile(r"[\x00-\x1f\x7f-\x9f\u0100-\U0010ffff]")


@given(st.text())
def test_same_answer_as_the_character_class(text: str) -> None:
    assert unsendable(text) == bool(_REFERENCE.search(text))


def test_examples() -> None:
    assert not unsendable('W/"abc-123"')
    assert not unsendable("caf\u00e9 \u00a0")  # Latin-1 goes out as it is
    assert unsendable("a\r\nSet-Cookie: x")
    assert unsendable("\u0085")  # C1 next line
    assert unsendable("\u20ac")  # past Latin-1
