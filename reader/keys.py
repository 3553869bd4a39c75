"""Keys a newsboat user presses by habit: a preset that maps them onto our actions, and a
one-line hint for a habit key that means nothing here (instead of silence)."""

from __future__ import annotations

# [keys] preset = "newsboat": newsboat's default keys, added to ours (binding id -> keys).
NEWSBOAT_PRESET: dict[str, str] = {
    "toggle-read": "m,N",
    "quit": "q,Q",
    "refresh-all": "R,ctrl+r",
    "next-unread": "n,ctrl+n",
    "command-palette": "ctrl+p,colon",
}

# A habit key that does nothing here -> what to press instead (one line each).
HABIT_HINTS: dict[str, str] = {
    "N": "N: m toggles read here (or set [keys] preset = \"newsboat\" in config.toml)",
    "C": "C: A marks everything in this view read; choose All in the feeds panel first",
    "Q": "Q: q quits here (or set [keys] preset = \"newsboat\")",
    "colon": ":: Ctrl+P opens the command palette here (or set [keys] preset = \"newsboat\")",
    "E": "E: there is no urls file to edit: a adds a feed, x removes one, "
         "reader import FILE reads a newsboat list",
    "ctrl+r": "Ctrl+R: R refreshes every feed here (or set [keys] preset = \"newsboat\")",
    "ctrl+n": "Ctrl+N: n opens the next unread item here, across feeds",
    "ctrl+b": "Ctrl+B: b hands the item to commands.bookmark here; y copies the link",
    "ctrl+e": "Ctrl+E: e renames a feed or moves it between folders; the rest of a feed's "
              "settings live in config.toml ([[feed]])",
}
for digit in "0123456789":
    HABIT_HINTS[digit] = (f"{digit}: items are not numbered here; j/k move, / searches, "
                          "n opens the next unread")


def preset_keymap(preset: str | None, remaps: dict[str, str]) -> dict[str, str]:
    """The keymap to install: the preset's keys, then the user's own remaps over them."""
    keymap = dict(NEWSBOAT_PRESET) if preset == "newsboat" else {}
    keymap.update(remaps)
    return keymap
