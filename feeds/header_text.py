"""Whether a text may go out in an HTTP header (a validator the server sent, a password)."""

from __future__ import annotations

import re

__all__ = ["unsendable"]

# Controls, DEL and C1; anything past Latin-1 is caught by the encoding. (One character class
# up to U+10FFFF took ~3.5 ms to compile, at the start of every `reader refresh`.)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def unsendable(text: str) -> bool:
    """True when `text` holds a control character, DEL, a C1 control or anything past
    Latin-1: header values are Latin-1, and a line break would start a header of its own."""
    if not text.isascii():
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            return True
    return _CONTROLS.search(text) is not None
