"""How far a refresh has got: a bar in the status line, drawn in cells.

Always on screen and always the same size, blank when no refresh runs: showing and hiding a
widget lays the whole screen out again (~50 ms of the UI thread on a 2-core machine), and a
refresh started and ended with one of those each time, right when keys were coming in.
Textual's ProgressBar is three widgets; this is one line of text redrawn as feeds finish.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

BAR = "━"


class RefreshMeter(Widget):
    """A bar and a percentage for `done` of `total` feeds; nothing while `total` is 0."""

    COMPONENT_CLASSES = {"refresh-meter--done", "refresh-meter--todo"}
    DEFAULT_CSS = """
    RefreshMeter {
        width: 20;
        height: 1;
        .refresh-meter--done { color: $accent; }
        .refresh-meter--todo { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's keyword
        super().__init__(id=id)
        self.done = 0
        self.total = 0
        self._styles: tuple[Style, Style] | None = None

    def show(self, done: int, total: int) -> None:
        """Redraw (never a layout) when the figure changed."""
        if (done, total) != (self.done, self.total):
            self.done, self.total = done, total
            self.refresh()

    def clear(self) -> None:
        self.show(0, 0)

    @property
    def active(self) -> bool:
        return self.total > 0

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def render(self) -> Text:
        if not self.total:
            return Text("")
        if self._styles is None:
            self._styles = (self.get_component_rich_style("refresh-meter--done"),
                            self.get_component_rich_style("refresh-meter--todo"))
        done_style, todo_style = self._styles
        share = min(1.0, self.done / self.total)
        percent = f" {round(share * 100):>3}%"
        cells = max(0, self.size.width - len(percent) - 1)
        filled = round(cells * share)
        return Text.assemble(" ", (BAR * filled, done_style), (BAR * (cells - filled), todo_style),
                             percent, no_wrap=True, overflow="crop", end="")
