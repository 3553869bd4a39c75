"""The timeline pane: related items and dated events of the open story, in date order.

Rows are few (< 200), so an OptionList is enough; every prompt is assembled from plain strings
(`Content.assemble`), so feed text is never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.rows import TimelineEntry
from reader.widgets.headline_list import plain
from reader.wording import UNTITLED

LOADING_MESSAGE = "Finding the story…"
DUPLICATE_NOTE = "(same story, copy)"


def when_text(when: date, granularity: str) -> str:
    """A date at the precision it is known: "10 Jan 2022", "week of 3 Jan 2022", "Dec 2021",
    "2020", "1990s"."""
    if granularity == "decade":
        return f"{when.year // 10 * 10}s"
    if granularity == "year":
        return str(when.year)
    if granularity == "month":
        return f"{when:%b} {when.year}"
    day = f"{when.day} {when:%b} {when.year}"
    return f"week of {day}" if granularity == "week" else day


def entry_prompt(entry: TimelineEntry) -> Content:
    """Two lines: the date (and feed), then the title or the event's sentence (flush left,
    so that its wrapped lines line up with it)."""
    title = plain(entry.title).strip() or UNTITLED
    dim = "$foreground-muted"
    if entry.kind == "event":
        head = Content.assemble(("◆ ", "$text-accent"), (when_text(entry.when, entry.granularity),
                                                        "$text-accent"))
        body = Content.assemble((title, "italic"))
    else:
        current = entry.kind == "current"
        mark = "▶ " if current else ("  " if entry.read else "● ")
        parts: list[str | tuple[str, str]] = [
            (mark, "bold $text-primary" if current else ""),
            (when_text(entry.when, entry.granularity), dim),
        ]
        if entry.feed_title.strip():
            parts += [(" · ", dim), (plain(entry.feed_title).strip(), dim)]
        if current:
            parts.append(("  (open)", dim))
        head = Content.assemble(*parts)
        title_style = "bold" if current or not entry.read else ""
        if entry.duplicate:
            body = Content.assemble((title, "$foreground-muted"), " ", (DUPLICATE_NOTE, dim))
        else:
            body = Content.assemble((title, title_style))
    return Content("\n").join([head, body])


class TimelinePane(Widget):
    """Shows a story's timeline; posts `OpenItem` or `JumpToEvent` when a row is chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", id="timeline.cursor-down",
                tooltip="Move to the next row of the timeline", show=False),
        Binding("k", "cursor_up", "Up", id="timeline.cursor-up",
                tooltip="Move to the previous row of the timeline", show=False),
        Binding("g", "first", "First", id="timeline.first",
                tooltip="Move to the earliest row of the timeline", show=False),
        Binding("G", "last", "Last", id="timeline.last",
                tooltip="Move to the latest row of the timeline", show=False),
    ]

    HELP = """
    ## Timeline
    Related items from other feeds and the dates the article mentions, in date order; the
    open article is marked ▶. Enter on an item opens it; Enter on a date scrolls the article
    to where it is mentioned.
    """

    DEFAULT_CSS = """
    TimelinePane {
        height: 1fr;
        layout: vertical;
        & > #timeline-header {
            height: auto;
            padding: 0 1;
            text-style: bold;
            color: $text-secondary;
        }
        & > OptionList {
            height: 1fr;
            max-height: 100%;
            border: none;
            padding: 0;
        }
        & > OptionList:focus {
            border: none;
        }
    }
    """

    class OpenItem(Message):
        """Open a related item."""

        def __init__(self, item_id: int) -> None:
            super().__init__()
            self.item_id = item_id

    class JumpToEvent(Message):
        """Scroll the article to where an event is mentioned (a character offset)."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own keyword
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.entries: tuple[TimelineEntry, ...] = ()
        self.header = ""

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-header")
        yield OptionList(id="timeline-rows")

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#timeline-rows", OptionList)

    @property
    def highlighted_entry(self) -> TimelineEntry | None:
        index = self.option_list.highlighted
        if index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    def set_entries(self, entries: Sequence[TimelineEntry], header: str) -> None:
        """Show these rows in date order (stable: equal dates keep the order given); the open
        article ("current") is highlighted."""
        self.entries = tuple(sorted(entries, key=lambda entry: entry.when))
        self.header = header
        self.query_one("#timeline-header", Static).update(Content(plain(header)))
        rows = self.option_list
        rows.set_options(Option(entry_prompt(entry)) for entry in self.entries)
        current = next(
            (index for index, entry in enumerate(self.entries) if entry.kind == "current"), None
        )
        rows.highlighted = current if current is not None else (0 if self.entries else None)

    def show_loading(self) -> None:
        self.entries = ()
        self.header = LOADING_MESSAGE
        self.query_one("#timeline-header", Static).update(Content(LOADING_MESSAGE))
        self.option_list.clear_options()

    def focus(self, scroll_visible: bool = True) -> TimelinePane:
        self.option_list.focus(scroll_visible)
        return self

    def action_cursor_down(self) -> None:
        self.option_list.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.option_list.action_cursor_up()

    def action_first(self) -> None:
        self.option_list.action_first()

    def action_last(self) -> None:
        self.option_list.action_last()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on a row: an item opens, an event scrolls the article."""
        event.stop()
        if not 0 <= event.option_index < len(self.entries):
            return
        entry = self.entries[event.option_index]
        if entry.kind == "event":
            if entry.position is not None:
                self.post_message(self.JumpToEvent(entry.position))
        elif entry.kind == "item" and entry.item_id is not None:
            self.post_message(self.OpenItem(entry.item_id))
