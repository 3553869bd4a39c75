"""The start-up baseline: the smallest Textual app, one Static, started like the reader."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

READY_TEXT = "Zyxminimal app ready"


class MinimalApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(READY_TEXT)


if __name__ == "__main__":
    MinimalApp().run()
