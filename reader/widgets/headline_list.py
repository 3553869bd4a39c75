"""The headline list: a Line-API widget that stays instant with 100,000 rows.

Only visible lines are drawn (`render_line`), and each drawn line is cached as a Strip, so
loading rows costs a list copy and nothing per row (Textualize/toolong's LogLines does the same).
Every string comes from a feed and is drawn as plain text, never parsed as markup.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.errors import StyleSyntaxError
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.rows import Headline, time_key, time_keys
from reader.widgets.scrolling import FixedRegion, set_virtual_height
from reader.wording import UNTITLED

PLACEHOLDER = "(this item cannot be shown)"
MARK_UNREAD = "●"
MARK_STARRED = "★"
MEDIA_MARKS = {"audio": "♪", "video": "▶"}  # one cell each, in the space after the marks
MARKS_WIDTH = 2
DATE_WIDTH = 10
CURSOR_STYLE = "headline-list--cursor"  # the one row whose look depends on focus
FEED_WIDTH = 16
ELLIPSIS = "…"

# Control characters (C0, DEL, C1) become "?"; line breaks and tabs become spaces; bidi
# overrides/isolates are dropped so right-to-left text cannot reorder the other columns.
_UNSAFE: dict[int, str | None] = {code: "?" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_UNSAFE.update({ord("\t"): " ", ord("\n"): " ", ord("\r"): " ", 0x2028: " ", 0x2029: " "})
_UNSAFE.update({code: None for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})
# Emoji that terminals draw at another width than Rich counts, which moved pane borders:
# "✈️" is 2 cells to Rich and 1 in tmux, "👍🏽" 2 to Rich and 4 in tmux. Variation selectors,
# skin-tone modifiers and tag characters are dropped ("✈", "👍"), and so is a zero-width
# joiner outside Indic scripts (a family becomes its members, 2 cells each everywhere).
_UNSAFE.update({code: None for code in (*range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400),
                                        *range(0xE0020, 0xE0080), *range(0xE0100, 0xE01F0))})
_INDIC = "\u0900-\u0dff"
_LOOSE_JOINER = re.compile(f"(?<![{_INDIC}])\u200d|\u200d(?![{_INDIC}])")


def plain(text: str) -> str:
    """One line of displayable text from a hostile string (defence in depth: the feed layer
    already cleans text, but a raw ESC must never reach the terminal), whose every
    character is as wide on the screen as Rich counts it."""
    text = text.translate(_UNSAFE)
    return _LOOSE_JOINER.sub("", text) if "\u200d" in text else text


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells, ending in "…" when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(set_cell_size(text, width - 1).rstrip() + ELLIPSIS, width)


def foreground(style: Style) -> Style:
    """A component style without its background, so it can be laid over a cursor or a
    highlight (Textual's partial styles drop colours that need blending, like $text-muted)."""
    return Style(
        color=style.color,
        bold=style.bold,
        dim=style.dim,
        italic=style.italic,
        underline=style.underline,
        strike=style.strike,
        reverse=style.reverse,
    )


FEW_INSERTS = 8  # new rows inserted one by one; more are merged into the list in one pass


def _order_key(row: Headline) -> tuple[float, int]:
    """The store's order (newest first, then highest id) as an ascending key."""
    return (time_key(row), -row.id)


def _local_now() -> datetime:
    return datetime.now().astimezone()


class HeadlineList(ScrollView, FixedRegion, can_focus=True):
    """A cursor over many headlines; posts `Highlighted` as the cursor moves and `Selected`
    on Enter or a click."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", id="headline-list.cursor-down",
                tooltip="Move to the next headline", show=False),
        Binding("k,up", "cursor_up", "Up", id="headline-list.cursor-up",
                tooltip="Move to the previous headline", show=False),
        Binding("g,home", "first", "First", id="headline-list.first",
                tooltip="Move to the first headline", show=False),
        Binding("G,end", "last", "Last", id="headline-list.last",
                tooltip="Move to the last headline", show=False),
        Binding("pageup", "page_up", "Page up", id="headline-list.page-up",
                tooltip="Move up one screen of headlines", show=False),
        Binding("pagedown", "page_down", "Page down", id="headline-list.page-down",
                tooltip="Move down one screen of headlines", show=False),
        Binding("enter", "select", "Open", id="headline-list.select",
                tooltip="Open the highlighted headline", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "headline-list--cursor",
        "headline-list--unread",
        "headline-list--read",
        "headline-list--starred",
        "headline-list--date",
        "headline-list--feed",
        "headline-list--empty",
        "headline-list--broken",
    }

    HELP = """
    ## Headlines
    One line per item: **●** unread, **★** starred, **♪**/**▶** audio or video, the date,
    the feed and the title (coloured by a `[[highlight]]` rule of config.toml).
    Move with j/k, g/G and the page keys; Enter (or a click) opens the item.
    """

    ALLOW_SELECT = False  # a drag over rows is not a text selection

    DEFAULT_CSS = """
    HeadlineList {
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        & > .headline-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .headline-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .headline-list--unread { text-style: bold; }
        & > .headline-list--read { color: $text-muted; }
        & > .headline-list--starred { color: $warning; }
        & > .headline-list--date { color: $text-muted; }
        & > .headline-list--feed { color: $text-secondary; }
        & > .headline-list--empty { color: $text-muted; }
        & > .headline-list--broken { color: $text-error; text-style: italic; }
    }
    """

    cursor_row: reactive[int] = reactive(0, repaint=False)
    """Index of the highlighted row (0 when the list is empty)."""

    class _HeadlineMessage(Message):
        def __init__(self, headline_list: HeadlineList, headline: Headline) -> None:
            super().__init__()
            self.headline_list = headline_list
            self.headline = headline

        @property
        def control(self) -> HeadlineList:
            return self.headline_list

    class Highlighted(_HeadlineMessage):
        """The cursor moved to another headline (cheap to post: the app debounces)."""

    class Selected(_HeadlineMessage):
        """The user chose a headline (Enter or a click)."""

    def __init__(
        self,
        rows: Sequence[Headline] = (),
        *,
        empty_message: str = "No items.",
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own keyword
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._rows: list[Headline] = list(rows)
        self._time_keys: array | None = None  # time_keys(self._rows), built when first needed
        self._index: dict[int, int] | None = None
        self._ids: set[int] | None = None
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._own_style: Style | None = None
        self._styles: dict[str, Style] = {}
        self.empty_message = empty_message
        self.clock: Callable[[], datetime] = _local_now
        """Gives "now": dates of this year read "Jan 10", older ones "2021-12-30"."""
        self.show_feed = True
        """Whether rows show their feed's name (False in a one-feed view)."""
        self.timezone: tzinfo | None = None
        """Zone the dates are shown in; None is the system's local zone."""
        set_virtual_height(self, len(self._rows))
        self._media: Mapping[int, str] = {}
        self._lights: Mapping[int, int] = {}
        self._light_styles: list[Style | None] = []

    # -- data ---------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[Headline]:
        return self._rows

    @property
    def highlighted(self) -> Headline | None:
        if 0 <= self.cursor_row < len(self._rows):
            return self._rows[self.cursor_row]
        return None

    def index_of(self, item_id: int) -> int | None:
        """Row index of an item, or None (the id index is built on first use)."""
        if self._index is None:
            self._index = {row.id: index for index, row in enumerate(self._rows)}
        return self._index.get(item_id)

    def _known_ids(self) -> set[int]:
        """The ids listed, kept up to date by insert_rows (built on first use)."""
        if self._ids is None:
            self._ids = {row.id for row in self._rows}
        return self._ids

    def set_rows(self, rows: Sequence[Headline], keep_id: int | None = None) -> None:
        """Replace every row; the cursor stays on `keep_id` (default: the current item) when
        it is still listed, else keeps its index, clamped."""
        before = self.highlighted
        if keep_id is None and before is not None:
            keep_id = before.id
        self._rows = list(rows)
        self._index = None
        # A view read by the core brings its ids and time keys, made on the reader thread
        # (the list takes them over and keeps them up to date); else they are gathered when
        # first needed.
        known = getattr(rows, "ids", None)
        self._ids = known if isinstance(known, set) else None
        keys = getattr(rows, "time_keys", None)
        self._time_keys = keys if isinstance(keys, array) and len(keys) == len(rows) else None
        self._strips.clear()
        set_virtual_height(self, len(self._rows))
        target = self.index_of(keep_id) if keep_id is not None else None
        if target is None:
            target = self.cursor_row
        self.set_reactive(HeadlineList.cursor_row, self._clamp(target))
        self._scroll_cursor_visible()
        self.refresh()
        after = self.highlighted
        if after is not None and (before is None or after.id != before.id):
            self.post_message(self.Highlighted(self, after))

    def insert_rows(self, rows: Sequence[Headline]) -> int:
        """Take in new rows (a refresh stored them) at their place in the order, without
        reading the view again: the highlighted item stays highlighted and the lines on
        screen stay where they are. Returns how many rows were added."""
        known = self._known_ids()
        fresh = [row for row in rows if row.id not in known]
        if not fresh:
            return 0
        before = self.highlighted
        top = round(self.scroll_y)
        ordered = sorted(fresh, key=_order_key)
        keys = self._time_keys
        if keys is None or len(keys) != len(self._rows):
            keys = self._time_keys = time_keys(self._rows)
        # Where each goes in the list as it is (a new row goes before the row now there):
        # a bisection over the time keys, then past the rows of the same time with higher ids.
        places: list[int] = []
        new_keys = [time_key(row) for row in ordered]
        for row, value in zip(ordered, new_keys, strict=True):
            places.append(self._place(keys, value, row.id, places[-1] if places else 0))
        above_top = sum(1 for place in places if place <= top) if self._rows else 0
        known.update(row.id for row in ordered)
        if len(ordered) <= FEW_INSERTS:
            for offset, (place, row, value) in enumerate(
                    zip(places, ordered, new_keys, strict=True)):
                self._rows.insert(place + offset, row)
                keys.insert(place + offset, value)
        else:  # one pass: each insert into 100k rows moves all the rows after it
            merged: list[Headline] = []
            merged_keys = array("d")
            start = 0
            for place, row, value in zip(places, ordered, new_keys, strict=True):
                merged.extend(self._rows[start:place])
                merged_keys.extend(keys[start:place])
                merged.append(row)
                merged_keys.append(value)
                start = place
            merged.extend(self._rows[start:])
            merged_keys.extend(keys[start:])
            self._rows = merged
            self._time_keys = keys = merged_keys
        # Positions moved: the id -> index map is rebuilt when next asked for (a dict of
        # 100k rows at every feed a refresh stores costs the UI thread ~10 ms each time).
        self._index = None
        self._strips.clear()
        set_virtual_height(self, len(self._rows))
        if before is None:
            self.set_reactive(HeadlineList.cursor_row, 0)
            self.post_message(self.Highlighted(self, self._rows[0]))
        else:
            # The order key is unique (it ends with the id): a binary search finds the row.
            where: int | None = self._place(keys, time_key(before), before.id)
            if where is None or where >= len(self._rows) or self._rows[where].id != before.id:
                where = self.index_of(before.id)  # a list in another order
            self.set_reactive(HeadlineList.cursor_row, where or 0)
            if above_top and top > 0:
                self.scroll_to(y=top + above_top, animate=False, force=True)
            self._scroll_cursor_visible()
        self.refresh()
        return len(fresh)

    def _place(self, keys: array, value: float, item_id: int, low: int = 0) -> int:
        """Where a row of time key `value` and id `item_id` stands in the store's order (the
        index of that row when it is listed): a bisection over the time keys, then past the
        rows of the same time with higher ids."""
        place = bisect.bisect_left(keys, value, lo=low)
        count = len(keys)
        while place < count and keys[place] == value and self._rows[place].id > item_id:
            place += 1
        return place

    def update_row(self, headline: Headline) -> None:
        """Replace one row (read or starred changed) and redraw only that line."""
        index = self.index_of(headline.id)
        if index is None:
            return
        self._rows[index] = headline
        self.refresh_line(index)

    def set_marks(self, media: Mapping[int, str], lights: Mapping[int, int],
                  styles: Sequence[str]) -> None:
        """Row marks (issue 16): item id -> "audio"/"video" for a ♪/▶ after the read and
        star marks, and item id -> highlight rule index, whose style (a style name from
        config.toml such as "bold yellow", parsed as a style, never as markup) colours
        the headline. A style that does not parse colours nothing."""
        parsed: list[Style | None] = []
        for text in styles:
            try:
                parsed.append(foreground(Style.parse(text)))
            except StyleSyntaxError:
                parsed.append(None)
        if (media, lights, parsed) == (self._media, self._lights, self._light_styles):
            return  # nothing to draw again (a refresh's every batch of new items asked)
        self._media, self._lights, self._light_styles = media, lights, parsed
        self._strips.clear()
        self.refresh()

    def add_marks(self, media: Mapping[int, str], lights: Mapping[int, int]) -> None:
        """Marks of rows just added (their ids are new): merged, and only those rows are
        drawn again, when they are on screen."""
        if not media and not lights:
            return
        self._media = {**self._media, **media}
        self._lights = {**self._lights, **lights}
        first = round(self.scroll_y)
        shown = {row.id for row in self._rows[first:first + self.size.height + 1]}
        if shown & (media.keys() | lights.keys()):
            self._strips.clear()
            self.refresh()

    def media_mark(self, item_id: int) -> str:
        return MEDIA_MARKS.get(self._media.get(item_id, ""), " ")

    def light_style(self, item_id: int) -> Style | None:
        """The highlight rule's style for an item, or None."""
        index = self._lights.get(item_id)
        if index is None or not 0 <= index < len(self._light_styles):
            return None
        return self._light_styles[index]

    def move_to(self, item_id: int) -> bool:
        """Put the cursor on an item; False when it is not listed."""
        index = self.index_of(item_id)
        if index is None:
            return False
        self.cursor_row = index
        return True

    # -- cursor -------------------------------------------------------------------------

    def _clamp(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1))

    def validate_cursor_row(self, row: int) -> int:
        return self._clamp(row)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_cursor_visible()
        headline = self.highlighted
        if headline is not None:
            self.post_message(self.Highlighted(self, headline))

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _scroll_cursor_visible(self) -> None:
        top = round(self.scroll_y)
        height = self._page_height
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, force=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, force=True)

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self._rows) - 1

    def action_page_down(self) -> None:
        self.cursor_row += self._page_height

    def action_page_up(self) -> None:
        self.cursor_row -= self._page_height

    def action_select(self) -> None:
        headline = self.highlighted
        if headline is not None:
            self.post_message(self.Selected(self, headline))

    async def _on_click(self, event: events.Click) -> None:
        # Strips carry no style meta, so a title that looks like "[@click=...]" has no action.
        offset = event.get_content_offset(self)
        if offset is not None:
            row = round(self.scroll_y) + offset.y
            if 0 <= row < len(self._rows):
                event.stop()
                self.cursor_row = row
                self.action_select()
        await super()._on_click(event)

    # -- drawing ------------------------------------------------------------------------

    def _base_style(self) -> Style:
        """The widget's own style, worked out once per style change: Textual walks every
        ancestor for it, ~0.3 ms, and each line drawn asked for it again."""
        if self._own_style is None:
            self._own_style = self.rich_style
        return self._own_style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        before_base, before_styles = self._own_style, dict(self._styles)
        self._own_style = None
        self._styles.clear()
        if not self.is_mounted or before_base is None or \
                self._base_style() != before_base or \
                any(self._style(name) != style for name, style in before_styles.items()
                    if name != CURSOR_STYLE):
            self._strips.clear()
        else:  # focus moved (Enter, Escape): only the cursor's colour changed
            self._forget_cursor_line()

    def _forget_cursor_line(self) -> None:
        headline = self.highlighted
        if headline is not None:
            width = self.scrollable_content_region.width
            self._strips.discard((headline, width, True, self.show_feed))
            self.refresh_line(self.cursor_row)

    def on_focus(self, event: events.Focus) -> None:
        self._forget_cursor_line()  # the cursor colour depends on focus

    def on_blur(self, event: events.Blur) -> None:
        self._forget_cursor_line()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = round(self.scroll_y) + y
        if not self._rows:
            return self._empty_line(y, width)
        if row >= len(self._rows):
            return Strip.blank(width, self._base_style())
        headline = self._rows[row]
        is_cursor = row == self.cursor_row
        key = (headline, width, is_cursor, self.show_feed)
        strip = self._strips.get(key)
        if strip is None:
            try:
                strip = self._draw_row(headline, width, is_cursor)
            except Exception as error:  # one bad row must not break the list
                self.log.error(f"cannot draw item {headline.id!r}: {error!r}")
                strip = self._placeholder(width, is_cursor)
            self._strips[key] = strip
        return strip

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name)
            if name != CURSOR_STYLE:
                style = foreground(style)
            self._styles[name] = style
        return style

    def _row_style(self, headline: Headline | None, is_cursor: bool) -> Style:
        style = self._base_style()
        if headline is not None:
            read_state = "headline-list--read" if headline.read else "headline-list--unread"
            style += self._style(read_state)
        if is_cursor:
            style += self._style(CURSOR_STYLE)
        return style

    def date_text(self, published: datetime | None) -> str:
        """"Jan 10" for this year, "2021-12-30" for older ones, "" when unknown."""
        if published is None:
            return ""
        now = self.clock()
        when = published.astimezone(self.timezone)
        if when.year == now.year:
            return when.strftime("%b %d")
        return when.strftime("%Y-%m-%d")

    def feed_width(self, width: int) -> int:
        """Cells for the feed's name: none when the list shows one feed (every row would
        repeat it), and a narrower column when the list is narrow, so the title keeps the
        room (at 120 columns the list shares the screen with three panes)."""
        if not self.show_feed:
            return 0
        return max(8, min(FEED_WIDTH, (width - MARKS_WIDTH - DATE_WIDTH) // 5))

    def _draw_row(self, headline: Headline, width: int, is_cursor: bool) -> Strip:
        row_style = self._row_style(headline, is_cursor)
        marks = (" " if headline.read else MARK_UNREAD) + (
            MARK_STARRED if headline.starred else " "
        )
        date = self.date_text(headline.published)
        feed_width = self.feed_width(width)
        title_width = max(0, width - MARKS_WIDTH - DATE_WIDTH - feed_width - 2
                          - (1 if feed_width else 0))
        star_style = row_style + self._style("headline-list--starred")
        light = self.light_style(headline.id)
        title_style = row_style + light if light is not None else row_style
        segments = [
            Segment(marks[0], row_style),
            Segment(marks[1], star_style if headline.starred else row_style),
            Segment(self.media_mark(headline.id), row_style),
            Segment(fit(date, DATE_WIDTH), row_style + self._style("headline-list--date")),
            Segment(" ", row_style),
            Segment(fit(plain(headline.feed_title), feed_width),
                    row_style + self._style("headline-list--feed")),
            Segment(" " if feed_width else "", row_style),
            Segment(fit(plain(headline.title) or UNTITLED, title_width), title_style),
        ]
        if is_cursor:  # the cursor colour wins over the column colours
            cursor = self._style(CURSOR_STYLE)
            segments = [Segment(text, style + cursor) for text, style, _ in segments]
        return Strip(segments).crop_extend(0, width, row_style)

    def _placeholder(self, width: int, is_cursor: bool) -> Strip:
        style = self._row_style(None, is_cursor) + self._style("headline-list--broken")
        return Strip([Segment(fit(PLACEHOLDER, width), style)], width)

    def _empty_line(self, y: int, width: int) -> Strip:
        if y != self.scrollable_content_region.height // 2:
            return Strip.blank(width, self._base_style())
        message = plain(self.empty_message)
        text = fit(message, width) if cell_len(message) >= width else message
        left = max(0, (width - cell_len(text)) // 2)
        style = self._base_style() + self._style("headline-list--empty")
        return Strip([Segment(" " * left, self._base_style()), Segment(text, style)]).crop_extend(
            0, width, self._base_style()
        )
