"""The help screen's body: every key in columns, laid out by hand and drawn with the Line API.

Rich tables in Static widgets cost 50-90 ms to open the help (each table was rendered several
times over: once to measure its height, once per frame, again on every resize), and more
while a refresh shares the machine. Here the lines are laid out once per width, kept for the
next opening, and only the visible ones are drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.widgets.scrolling import FixedRegion, set_virtual_height

KEYS_MIN_WIDTH = 10
GAP = 1  # cells between the keys and what they do
ID_GAP = 2  # and before the id, so a description that fills its column stays apart from it


@dataclass(frozen=True)
class HelpRow:
    """One binding: its keys as shown, what it does, the id config.toml remaps it by."""

    keys: str
    what: str
    binding_id: str


@dataclass(frozen=True)
class HelpSection:
    title: str
    rows: tuple[HelpRow, ...]


@dataclass(frozen=True)
class HelpContent:
    """Everything the help shows: a title, the sections of keys, then notes in dim text."""

    title: str
    sections: tuple[HelpSection, ...]
    notes: tuple[str, ...]


_LAID_OUT: dict[tuple[HelpContent, int], list[Text]] = {}  # kept between openings


def lay_out(content: HelpContent, width: int, console: Console) -> list[Text]:
    """The help's lines at `width`: three columns per section (keys, what, id), a long
    description wrapping under itself; when the width cannot hold the id beside a readable
    description, the id goes on a line of its own under it."""
    key = (content, width)
    lines = _LAID_OUT.get(key)
    if lines is not None:
        return lines
    lines = [Text(content.title, style="bold"), Text()]
    rows = [row for section in content.sections for row in section.rows]
    keys_width = max([KEYS_MIN_WIDTH, *(cell_len(row.keys) for row in rows)])
    id_width = max([0, *(cell_len(row.binding_id) for row in rows)])
    what_width = width - keys_width - id_width - GAP - ID_GAP
    id_below = what_width < 20  # too narrow for three columns: the id goes under the text
    if id_below:
        what_width = width - keys_width - GAP
    what_width = max(1, what_width)
    for section in content.sections:
        lines.append(Text(section.title, style="bold underline"))
        for row in section.rows:
            wrapped = Text(row.what).wrap(console, what_width)
            for index, part in enumerate(wrapped):
                line = Text()
                line.append(row.keys if index == 0 else "", style="bold")
                line.pad_right(keys_width - line.cell_len + GAP)
                part.rstrip()
                line.append_text(part)
                if not id_below and index == 0 and row.binding_id:
                    line.pad_right(keys_width + GAP + what_width + ID_GAP - line.cell_len)
                    line.append(row.binding_id, style="dim")
                lines.append(line)
            if id_below and row.binding_id:
                line = Text(" " * (keys_width + GAP))
                line.append(row.binding_id, style="dim")
                lines.append(line)
        lines.append(Text())
    for number, note in enumerate(content.notes):
        if number:
            lines.append(Text())
        lines.extend(Text(note, style="dim").wrap(console, max(1, width)))
    if len(_LAID_OUT) > 16:
        _LAID_OUT.clear()
    _LAID_OUT[key] = lines
    return lines


class HelpPane(ScrollView, FixedRegion, can_focus=True):
    """Scrolls the laid-out lines; j/k/g/G/Space come from the help screen's bindings."""

    DEFAULT_CSS = """
    HelpPane {
        overflow-x: hidden;
        overflow-y: scroll;  /* always: a scrollbar that comes and goes lays the screen out */
    }
    """

    def __init__(self, content: HelpContent, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.content = content
        self._lines: Sequence[Text] = ()
        self._width = -1
        self._strips: dict[int, Strip] = {}
        self._own_style: Style | None = None

    def on_resize(self, event: events.Resize) -> None:
        self._layout()

    def on_mount(self) -> None:
        self._layout()

    def _layout(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        self._width = width
        # one cell kept free before the scrollbar, so the id column never touches it
        self._lines = lay_out(self.content, max(1, width - 1), self.app.console)
        self._strips.clear()
        self.virtual_size = Size(width, self.virtual_size.height)
        set_virtual_height(self, len(self._lines))
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        before = self._own_style
        self._own_style = None
        if before is None or not self.is_mounted or self._base_style() != before:
            self._strips.clear()  # a focus change that changes no colour keeps the lines

    def _base_style(self) -> Style:
        if self._own_style is None:
            self._own_style = self.rich_style
        return self._own_style

    @property
    def text(self) -> str:
        """The help as plain text (what a screen reader or a test reads)."""
        return "\n".join(line.plain for line in self._lines)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y
        style = self._base_style()
        if width != self._width:  # laid out again on the resize that follows
            self._layout()
        if index >= len(self._lines):
            return Strip.blank(width, style)
        strip = self._strips.get(index)
        if strip is None:
            line = self._lines[index]
            console = self.app.console
            # Text.render leaves out the Text's own style (console.render adds it): add it here
            base = style + console.get_style(line.style or "none", default=Style.null())
            strip = Strip(line.render(console), line.cell_len).apply_style(base)
            strip = strip.crop_extend(0, width, style)
            self._strips[index] = strip
        return strip
