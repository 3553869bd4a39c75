"""The timeline pane: related items and dated events of the open story, in date order.

Rows are few (< 200), so an OptionList is enough; every prompt is assembled from plain strings
(`Content.assemble`), so feed text is never read as markup.

Above the rows, `StorySpark` shows the story at a glance (issue 17): articles per day across
feeds over the story's span, as bars drawn in cells, readable at 35 columns; Enter or a click on
a day moves the rows to that day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.rows import UNDATED, TimelineEntry
from reader.widgets.headline_list import plain
from reader.widgets.scrolling import FixedRegion
from reader.wording import UNTITLED

LOADING_MESSAGE = "Finding the story…"
# A season's event is dated by its first month (northern hemisphere, as the words are read).
SEASONS = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}
DUPLICATE_NOTE = "(same story, copy)"


def when_text(when: date, granularity: str) -> str:
    """A date at the precision it is known: "10 Jan 2022", "week of 3 Jan 2022", "weekend of
    8 Jan 2022", "Dec 2021", "summer 2021", "Q3 2021", "2020", "1990s"."""
    if granularity == UNDATED:
        return "undated"  # an undated article's "on Wednesday" (issue 17)
    if granularity == "decade":
        return f"{when.year // 10 * 10}s"
    if granularity == "year":
        return str(when.year)
    if granularity == "month":
        return f"{when:%b} {when.year}"
    if granularity == "season":
        return f"{SEASONS.get(when.month, 'season')} {when.year}"
    if granularity == "quarter":
        return f"Q{(when.month - 1) // 3 + 1} {when.year}"
    day = f"{when.day} {when:%b} {when.year}"
    if granularity == "weekend":
        return f"weekend of {day}"
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


# ---------------------------------------------------------------------------------------------
# The story at a glance

BAR_LEVELS = "▁▂▃▄▅▆▇█"
EMPTY_DAY = "·"
MAX_CELL_WIDTH = 5


@dataclass(frozen=True, slots=True)
class DayCount:
    """Articles on the story (related items and the open one) published in one period."""

    first: date
    last: date
    articles: int
    feeds: int
    feed_names: frozenset[str] = frozenset()  # the feeds counted (several days: one set)


def story_days(entries: Sequence[TimelineEntry]) -> list[DayCount]:
    """One count per day from the first article to the last (events are left out: their dates
    may lie years away; so are articles with no date of their own); empty when fewer than two
    articles tell the story."""
    by_day: dict[date, list[str]] = {}
    for entry in entries:
        if entry.kind in ("item", "current") and entry.granularity != UNDATED:
            by_day.setdefault(entry.when, []).append(entry.feed_title or f"#{entry.kind}")
    if sum(len(feeds) for feeds in by_day.values()) < 2:
        return []
    first, last = min(by_day), max(by_day)
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        feeds = frozenset(by_day.get(day, []))
        days.append(DayCount(day, day, len(by_day.get(day, [])), len(feeds), feeds))
    return days


def spark_cells(days: Sequence[DayCount], width: int) -> tuple[list[DayCount], int]:
    """The cells to draw in `width` columns and each cell's width: a day per cell when they
    fit (up to MAX_CELL_WIDTH columns each), else several days per cell."""
    if not days or width <= 0:
        return [], 1
    if len(days) <= width:
        return list(days), max(1, min(MAX_CELL_WIDTH, width // len(days)))
    per_cell = math.ceil(len(days) / width)
    cells = []
    for start in range(0, len(days), per_cell):
        group = days[start:start + per_cell]
        names = frozenset().union(*(day.feed_names for day in group))
        cells.append(DayCount(group[0].first, group[-1].last, sum(d.articles for d in group),
                              len(names), names))  # one feed over three days is one feed
    return cells, 1


def _short(day: date) -> str:
    return f"{day.day} {day:%b}"


def cell_summary(cell: DayCount) -> str:
    """ "19 Nov: 4 articles, 3 feeds" (or a range of days)."""
    when = _short(cell.first) if cell.first == cell.last else (
        f"{_short(cell.first)}–{_short(cell.last)}")
    articles = "1 article" if cell.articles == 1 else f"{cell.articles} articles"
    feeds = "1 feed" if cell.feeds == 1 else f"{cell.feeds} feeds"
    return f"{when}: {articles}" + (f", {feeds}" if cell.articles else "")


class StorySpark(Widget, can_focus=True):
    """Articles per day over the story's span; ←/→ pick a day, Enter or a click goes to it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "previous_day", "Earlier day", id="timeline.day-previous",
                tooltip="Pick the day before in the story's chart", show=False),
        Binding("right,l", "next_day", "Later day", id="timeline.day-next",
                tooltip="Pick the day after in the story's chart", show=False),
        Binding("enter", "choose_day", "Go to day", id="timeline.day-open",
                tooltip="Move the timeline to the picked day", show=False),
    ]

    DEFAULT_CSS = """
    StorySpark {
        height: 3;
        padding: 0 1;
        display: none;
    }
    StorySpark.-shown {
        display: block;
    }
    """

    class DayChosen(Message):
        """A day of the story was chosen (Enter or a click on its bar)."""

        def __init__(self, first: date, last: date) -> None:
            super().__init__()
            self.first = first
            self.last = last

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's keyword
        super().__init__(id=id)
        self.days: tuple[DayCount, ...] = ()
        self.cursor = 0

    def set_days(self, days: Sequence[DayCount]) -> None:
        self.days = tuple(days)
        self.cursor = max(range(len(self.days)), key=lambda i: self.days[i].articles,
                          default=0)
        self.set_class(bool(self.days), "-shown")
        self.refresh()

    def _cells(self) -> tuple[list[DayCount], int]:
        return spark_cells(self.days, self.content_region.width or self.size.width)

    def _cursor_cell(self, cells: list[DayCount]) -> int:
        if not cells or not self.days:
            return 0
        day = self.days[min(self.cursor, len(self.days) - 1)].first
        return next((index for index, cell in enumerate(cells) if cell.first <= day <= cell.last),
                    0)

    def render(self) -> Content:
        cells, cell_width = self._cells()
        if not cells:
            return Content("")
        width = self.content_region.width or self.size.width
        peak = max(cell.articles for cell in cells) or 1
        selected = self._cursor_cell(cells)
        bar_width = cell_width - 1 if cell_width > 1 else 1
        parts: list[str | tuple[str, str]] = []
        for index, cell in enumerate(cells):
            if cell.articles:
                level = BAR_LEVELS[max(0, math.ceil(cell.articles / peak * len(BAR_LEVELS)) - 1)]
                style = "$accent"
            else:
                level, style = EMPTY_DAY, "$foreground-muted"
            if index == selected:
                style += " reverse" if self.has_focus else " underline"
            parts.append((level * bar_width, style))
            if cell_width > 1:
                parts.append(" " * (cell_width - bar_width))
        bars = Content.assemble(*parts)
        start, end = _short(cells[0].first), f"{_short(cells[-1].last)} {cells[-1].last.year}"
        drawn = len(cells) * cell_width
        gap = max(1, min(drawn, width) - len(start) - len(end))
        if len(cells) == 1 or len(start) + len(end) + 1 > width:
            labels = end  # one day: one date
        else:
            labels = start + " " * gap + end
        detail = cell_summary(cells[selected])
        return Content("\n").join([bars, Content.styled(labels[:width], "$foreground-muted"),
                                   Content(detail[:width])])

    def _move(self, step: int) -> None:
        cells, _ = self._cells()
        if not cells:
            return
        target = cells[max(0, min(len(cells) - 1, self._cursor_cell(cells) + step))]
        self.cursor = next(i for i, day in enumerate(self.days) if day.first == target.first)
        self.refresh()

    def action_previous_day(self) -> None:
        self._move(-1)

    def action_next_day(self) -> None:
        self._move(1)

    def action_choose_day(self) -> None:
        cells, _ = self._cells()
        if cells:
            cell = cells[self._cursor_cell(cells)]
            self.post_message(self.DayChosen(cell.first, cell.last))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        cells, cell_width = self._cells()
        if offset is None or offset.y != 0 or not cells:
            return
        index = offset.x // cell_width
        if 0 <= index < len(cells):
            self.cursor = next(i for i, day in enumerate(self.days)
                               if day.first == cells[index].first)
            self.refresh()
            self.post_message(self.DayChosen(cells[index].first, cells[index].last))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class TimelineRows(OptionList, FixedRegion):
    """The timeline's rows: a new story repaints the pane, never lays out the screen."""


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
        yield StorySpark(id="timeline-spark")
        yield TimelineRows(id="timeline-rows")

    @property
    def spark(self) -> StorySpark:
        return self.query_one("#timeline-spark", StorySpark)

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
        self._set_header(Content(plain(header)))
        rows = self.option_list
        rows.set_options(Option(entry_prompt(entry)) for entry in self.entries)
        current = next(
            (index for index, entry in enumerate(self.entries) if entry.kind == "current"), None
        )
        rows.highlighted = current if current is not None else (0 if self.entries else None)
        self.spark.set_days(story_days(self.entries))

    def _set_header(self, header: Content) -> None:
        """A header as tall as the last one only repaints (no layout of the screen)."""
        static = self.query_one("#timeline-header", Static)
        width = static.content_region.width
        same_height = width > 0 and static.size.height == len(header.wrap(width))
        static.update(header, layout=not same_height)

    def show_loading(self) -> None:
        self.entries = ()
        self.header = LOADING_MESSAGE
        self._set_header(Content(LOADING_MESSAGE))
        self.option_list.clear_options()
        self.spark.set_days(())

    def on_story_spark_day_chosen(self, message: StorySpark.DayChosen) -> None:
        """A day in the chart: the rows move to its first article (the message goes on up, for
        a screen that wants to know)."""
        index = next((i for i, entry in enumerate(self.entries)
                      if entry.kind != "event" and message.first <= entry.when <= message.last),
                     None)
        if index is not None:
            self.option_list.highlighted = index
            self.option_list.scroll_to_highlight(top=True)

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
