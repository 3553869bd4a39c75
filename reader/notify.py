"""Telling the user about new items outside the app's own line: a bell or a desktop
notification through the terminal (OSC 9, as iTerm2/kitty/WezTerm/foot read it, or OSC 777,
as urxvt/VTE do).

The text comes from feed titles at worst, so it is stripped to printable characters and
shortened before it goes between the escape bytes: nothing can end the sequence early or
start another one.
"""

from __future__ import annotations

import re

BELL = "\a"
MAX_TEXT = 200
# C0 and C1 controls, DEL, bidi overrides/isolates and line/paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                          "\u2028\u2029]")


def terminal_text(text: str, *, limit: int = MAX_TEXT, drop: str = "") -> str:
    """`text` safe to put inside an OSC sequence: controls removed (ESC, BEL and ST among
    them), `drop` characters replaced by spaces, whitespace collapsed, at most `limit`."""
    cleaned = _UNPRINTABLE.sub(" ", text)
    for char in drop:
        cleaned = cleaned.replace(char, " ")
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def notification(mode: str, body: str, title: str = "reader") -> str:
    """The bytes to write to the terminal for one notification ("" for mode "none").

    OSC 9 carries one text; OSC 777 is `notify;TITLE;BODY`, so `;` cannot appear in its
    fields. Both end with BEL, which xterm-likes accept as the terminator.
    """
    if mode == "bell":
        return BELL
    if mode == "osc9":
        return f"\x1b]9;{terminal_text(body)}\a"
    if mode == "osc777":
        return (f"\x1b]777;notify;{terminal_text(title, limit=60, drop=';')};"
                f"{terminal_text(body, drop=';')}\a")
    return ""
