"""The footer: Textual's, with "q Quit" and "? Help" always first.

Textual lists the focused widget's keys first, so at 80 columns an open article's own keys
pushed Quit and Help off the edge. What matters most to someone lost comes first.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST_ACTIONS = ("quit_or_back", "app.quit", "help", "app.help")


class ReaderFooter(Footer):
    """A compact footer whose first keys are always Quit and Help."""

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())

        def rank(widget: object) -> int:
            if isinstance(widget, FooterKey) and widget.action in FIRST_ACTIONS:
                return FIRST_ACTIONS.index(widget.action) // 2
            return 2

        yield from sorted(widgets, key=rank)
