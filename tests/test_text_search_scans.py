"""`search_text`'s quick checks give what the plain code gave: one space for a run of adjacent
tags, the whole-name check for invisible blocks, and the space collapse that looks only for
what `clean` leaves."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feeds.text
from feeds.text import _INVISIBLE_BLOCKS, _INVISIBLE_START, clean, search_text
from tests.test_text_speed_equivalence import reference_search_text

# --- search_text ------------------------------------------------------------------------------

search_pieces = st.sampled_from(
    ["<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<i>", "</i>", "<a href='x'>", "</a>",
     "<strong>", "<STRONG>", "<st", "<sc", "<te", "<no", "<!-- c -->", "<script>x</script>",
     "<ScRİpt>x</script>", "<ſtyle>y</STYLE>", "<template>t</template>", "<noſcrıpt>n</noscript>",
     "<", ">", "<br", " ", "  ", "\t", "\n", "\r", "\r\n", "\f", "\v", "\u00a0", "\u3000",
     "\u2028", "&nbsp;", "&#32;", "&#9;", "&#13;", "&#12;", "&#11;", "&amp;", "&lt;", "&",
     "&amp", ";", "word", "é", "\x1b[", "\x1b[1", "m", "\x1b]0;", "\x07", "\x1b", "\x9b", "1",
     "\x01", "&#27;", "&#x1b;", "\u202e", "\ufeff"])


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(search_pieces, max_size=40).map("".join))
def test_search_text_of_adjacent_tags_and_escapes_is_unchanged(html: str) -> None:
    """One space for a run of tags, the whole-name invisible-block check and the space
    collapse after `clean` give what the plain code gave, escape sequences and all."""
    assert search_text(html) == reference_search_text(html)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(search_pieces, max_size=30).map("".join))
def test_every_invisible_block_has_a_start_the_quick_check_finds(html: str) -> None:
    if _INVISIBLE_BLOCKS.search(html):
        assert _INVISIBLE_START.search(html), html


def test_clean_leaves_no_space_the_collapse_skips() -> None:
    """`_collapse_spaces` looks for NBSP and tab only: `clean` leaves no CR, FF or VT."""
    for text in ("a\rb", "a\r\nb", "a\fb", "a\vb", "é\r\f\vé", "\u00a0\r"):
        assert not re.search("[\r\f\v]", clean(text)), repr(text)
    assert set(feeds.text._CLEANED_OTHER_SPACES) == {"\u00a0", "\t"}
