"""The side panel: All, Unread, Starred, the saved views, then folders and feeds, each with
its unread count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.core.query import ALL, STARRED, UNREAD, Query
from reader.rows import FeedRow
from reader.widgets.headline_list import plain
from reader.widgets.scrolling import FixedRegion

ERROR_MARK = "!"  # the last refresh failed
WARNING_MARK = "~"  # the last refresh worked, with a warning: not an error


def view_key(query: Query) -> str:
    """The panel entry that shows a query's scope ("feed:3", "tag:News", "starred", ...)."""
    if query.feed_id is not None:
        return f"feed:{query.feed_id}"
    if query.folder is not None:
        return f"tag:{query.folder}"
    if query.starred:
        return "starred"
    if query.search:
        return "search"
    return "unread" if query.unread else "all"


class FeedPanel(OptionList, FixedRegion):
    """Feeds grouped by folder; selecting an entry posts `ViewChosen` with its Query."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", id="feeds.cursor-down", show=False,
                tooltip="Next feed"),
        Binding("k", "cursor_up", "Up", id="feeds.cursor-up", show=False,
                tooltip="Previous feed"),
        Binding("g", "first", "First", id="feeds.first", show=False, tooltip="First entry"),
        Binding("G", "last", "Last", id="feeds.last", show=False, tooltip="Last entry"),
        Binding("left", "fold(True)", "Collapse", id="feeds.collapse", show=False,
                tooltip="Collapse the highlighted folder (or the folder of the feed)"),
        Binding("right", "fold(False)", "Expand", id="feeds.expand", show=False,
                tooltip="Expand the highlighted folder"),
        Binding("space", "fold(None)", "Fold", id="feeds.fold", show=False,
                tooltip="Collapse or expand the highlighted folder"),
    ]

    class ViewChosen(Message):
        def __init__(self, query: Query, feed: FeedRow | None) -> None:
            super().__init__()
            self.query = query
            self.feed = feed

    _rebuilding = False  # between clearing the entries and adding them again

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._views: dict[str, Query] = {}
        self._feeds: dict[int, FeedRow] = {}
        self._totals: dict[str, int] = {"unread": 0, "starred": 0, "total": 0}
        self._search: str | None = None
        self._saved: list[tuple[str, Query]] = []  # saved views (issue 16), in order
        self._saved_counts: dict[str, int] = {}
        self._layout: list[str | None] = []  # the entries' ids, in order, as last built
        self.collapsed: set[str] = set()  # folders whose feeds are hidden (▸)
        self._labels: dict[str, object] = {}

    def set_feeds(self, feeds: Sequence[FeedRow], totals: dict[str, int],
                  search: str | None = None, keep: str | None = None) -> None:
        """Rebuild the entries; the highlighted one stays where it was."""
        if keep is None and self.highlighted is not None:
            keep = self.get_option_at_index(self.highlighted).id
        self._feeds = {feed.id: feed for feed in feeds}
        self._totals = dict(totals)
        self._search = search if search is not None else self._search
        self._views = {}
        options: list[Option | None] = []

        def add(key: str, view: Query, label: _Label) -> None:
            self._views[key] = view
            options.append(Option(label, id=key))

        add("all", ALL, _label("All", totals.get("total", 0), dim_count=True))
        add("unread", UNREAD, _label("Unread", totals.get("unread", 0)))
        add("starred", STARRED, _label("Starred", totals.get("starred", 0)))
        if self._search:
            words = self._search
            from reader.filters.condition import search_condition  # only with a search
            from reader.filters.parser import FilterSyntaxError
            try:  # the search made with `/`: the filter language (`Slow OR Armcrest`)
                add("search", Query(filter=search_condition(words)),
                    _label(f"Search: {words}", None))
            except FilterSyntaxError:
                self._search = None
        if self._saved:
            options.append(Option(_Label("Views", None, name_style="bold dim"), id="views",
                                  disabled=True))
            for name, view in self._saved:
                add(f"view:{name}", view,
                    _Label(name, self._saved_counts.get(name), indent=2))
        folders: dict[str, list[FeedRow]] = {}
        loose: list[FeedRow] = []
        for feed in feeds:
            # Tags, not a tree: a feed shows in every folder it has (OPML Tech > Inner gives
            # Tech and Inner; a newsboat line may carry several tags).
            for tag in dict.fromkeys(feed.tags):
                folders.setdefault(tag, []).append(feed)
            if not feed.tags:
                loose.append(feed)
        if feeds:
            options.append(None)
        for folder in sorted(folders, key=str.casefold):
            members = folders[folder]
            unread = sum(feed.unread for feed in members)
            folded = folder in self.collapsed
            add(f"tag:{folder}", Query(folder=folder),
                _label(f"{'▸' if folded else '▾'} {folder}", unread, bold=True))
            for feed in () if folded else members:
                key = f"feed:{feed.id}"
                if key in self._views:  # shown in an earlier folder too: ids must differ
                    key = f"{key}:{folder}"
                add(key, Query(feed_id=feed.id), _feed_label(feed, indent=2))
        for feed in loose:
            add(f"feed:{feed.id}", Query(feed_id=feed.id), _feed_label(feed))
        layout = [option.id if option else None for option in options]
        if layout == self._layout:
            # Same entries (a refresh or a mark moved some counts): repaint only the labels
            # that changed. Rebuilding 1,600 entries took 120-170 ms of the UI thread, every
            # two seconds of a refresh.
            changed = False
            for option in options:
                if option is not None and option.id is not None and \
                        self._labels.get(option.id) != option.prompt:
                    # Not replace_option_prompt: it forgets every entry's height, and the
                    # next frame measured all 800 again (~40 ms at each Enter's mark).
                    self.get_option(option.id)._set_prompt(option.prompt)  # noqa: SLF001
                    changed = True
            if changed:
                self._option_render_cache.clear()  # the lines on screen draw again
                self.refresh()
        else:
            # Counted once, after both: between them the list is empty, and a scrollbar
            # that goes and comes back lays the whole screen out again.
            self._rebuilding = True
            try:
                self.clear_options()
                self.add_options(options)
            finally:
                self._rebuilding = False
            self._update_lines()
            self._layout = layout
        self._labels = {option.id: option.prompt for option in options
                        if option is not None and option.id is not None}
        keys = [option.id for option in self.options]
        if keep in keys:
            self.highlighted = keys.index(keep)
        elif self.option_count:
            self.highlighted = 0

    def _update_lines(self) -> None:
        """Every entry is one line (labels are cropped, never wrapped), plus one for a
        divider: Textual's OptionList renders each entry to learn its height, 800 of them
        whenever the list changes. Same bookkeeping as OptionList._update_lines (textual
        8.2.8, pinned), without the rendering."""
        if self._rebuilding or not self.scrollable_content_region:
            return
        cache = self._line_cache
        lines = cache.lines
        options = self.options
        for index in range(lines[-1][0] + 1 if lines else 0, len(options)):
            cache.index_to_line[index] = len(lines)
            height = 1 + options[index]._divider  # noqa: SLF001
            cache.heights[index] = height
            lines.extend((index, line) for line in range(height))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        last_divider = bool(options) and options[-1]._divider  # noqa: SLF001
        virtual_size = Size(width, len(lines) - (1 if last_divider else 0))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def set_search(self, query: str | None) -> None:
        self._search = query
        self.set_feeds(list(self._feeds.values()), self._totals,
                       keep="search" if query else None)

    @property
    def search_text(self) -> str | None:
        """The words of the Search entry (the last `/` search), if there is one."""
        return self._search

    def set_views(self, views: Sequence[tuple[str, Query]], counts: dict[str, int]) -> None:
        """The saved views (name, query) and their unread counts; a view not counted yet
        shows its name alone. Unchanged: nothing is rebuilt."""
        if self._saved == list(views) and self._saved_counts == counts:
            return
        self._saved = list(views)
        self._saved_counts = dict(counts)
        self.set_feeds(list(self._feeds.values()), self._totals)

    def saved_count(self, name: str) -> int | None:
        """A saved view's unread count as shown (None: not counted yet)."""
        return self._saved_counts.get(name)

    def has_views(self, views: Sequence[tuple[str, Query]]) -> bool:
        return self._saved == list(views)

    def select_key(self, key: str) -> None:
        keys = [option.id for option in self.options]
        if key in keys:
            self.highlighted = keys.index(key)

    @property
    def current_feed(self) -> FeedRow | None:
        if self.highlighted is None:
            return None
        key = self.get_option_at_index(self.highlighted).id or ""
        query = self._views.get(key)
        if query is None or query.feed_id is None:
            return None  # a folder, All, Unread, Starred or a search
        return self._feeds.get(query.feed_id)

    @property
    def current_key(self) -> str | None:
        if self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id

    def action_fold(self, collapse: bool | None) -> None:
        """Left/Right/Space on a folder (or on a feed, for its folder): hide or show its
        feeds. The folder's own entry stays, with its unread count."""
        key = self.current_key or ""
        folder = key[4:] if key.startswith("tag:") else None
        if folder is None and key.startswith("feed:") and ":" in key[5:]:
            folder = key.split(":", 2)[2]  # the copy of a feed shown in a second folder
        if folder is None and key.startswith("feed:"):
            feed = self.current_feed
            folder = feed.tags[0] if feed is not None and feed.tags else None
        if folder is None:
            return
        if collapse is None:
            collapse = folder not in self.collapsed
        if collapse == (folder in self.collapsed):
            return
        if collapse:
            self.collapsed.add(folder)
        else:
            self.collapsed.discard(folder)
        self.set_feeds(list(self._feeds.values()), self._totals, keep=f"tag:{folder}")

    def feed_keys(self) -> list[str]:
        """The panel's feed entries in order (a feed in two folders counts once)."""
        keys, seen = [], set()
        for option in self.options:
            query = self._views.get(option.id or "")
            if query is not None and query.feed_id is not None and query.feed_id not in seen:
                seen.add(query.feed_id)
                keys.append(option.id or "")
        return keys

    def view_for(self, key: str) -> Query | None:
        return self._views.get(key)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id or "all"
        view = self._views.get(key, ALL)
        feed = self._feeds.get(view.feed_id) if view.feed_id is not None else None
        self.post_message(self.ViewChosen(view, feed))

    def action_first(self) -> None:
        if self.option_count:
            self.highlighted = 0

    def action_last(self) -> None:
        if self.option_count:
            self.highlighted = self.option_count - 1


class _Label:
    """One panel entry, fitted to the width it is drawn at (less two cells once a scrollbar
    shows): the name gives way ("…"), the unread count is never cut or wrapped."""

    def __init__(self, name: str, count: int | None, *, indent: int = 0,
                 mark: tuple[str, str] = ("", ""), name_style: str = "",
                 count_style: str = "bold", url: str | None = None) -> None:
        self.name = plain(name)
        self.count = f" {count}" if count else ""
        self.indent = indent
        self.mark = mark  # (text, style): the error or warning sign before the name
        self.name_style = name_style
        self.count_style = count_style
        self.url = url  # a feed without a title yet: named by its URL

    def _key(self) -> tuple:
        return (self.name, self.count, self.indent, self.mark, self.name_style,
                self.count_style, self.url)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Label) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def render(self, width: int) -> Text:
        label = Text(" " * self.indent, no_wrap=True, overflow="crop", end="")
        mark, mark_style = self.mark
        if mark:
            label.append(mark, style=mark_style)
        room = max(1, width - self.indent - cell_len(mark) - cell_len(self.count))
        name = _fit_url(self.url, room) if self.url else _fit(self.name, room)
        label.append(name, style=self.name_style)
        if self.count:
            label.append(self.count, style=self.count_style)
        return label

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        label = self.render(options.max_width)
        label.end = "\n"
        yield label

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, options.max_width)


def _label(name: str, count: int | None, *, bold: bool = False,
           dim_count: bool = False) -> _Label:
    return _Label(name, count, name_style="bold" if bold else "",
                  count_style="dim" if dim_count else "bold")


def _fit(text: str, cells: int) -> str:
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, max(cells - 1, 1)).rstrip() + "…"


def _fit_url(url: str, cells: int) -> str:
    """A feed without a title yet, by its URL: no scheme, and the end of the path kept,
    so that feeds on one site still differ ("example.org…/news.xml")."""
    bare = plain(url.split("://", 1)[-1].rstrip("/"))
    if cell_len(bare) <= cells:
        return bare
    host, _, path = bare.partition("/")
    tail = path.rsplit("/", 1)[-1]
    if not tail or cell_len(tail) + 2 > cells // 2 + 2:
        return _fit(bare, cells)
    return _fit(host, cells - cell_len(tail) - 1) + "/" + tail


def _feed_label(feed: FeedRow, indent: int = 0) -> _Label:
    """A feed: "! " (red) when its last refresh failed, "~ " (dim yellow) when it worked with
    a warning (items skipped, document repaired), its name, and its unread count."""
    mark = ("", "")
    if feed.last_error:
        mark = (ERROR_MARK + " ", "bold red")
    elif feed.last_warning:
        mark = (WARNING_MARK + " ", "dim yellow")
    elif feed.account:  # a sync account's feed (issue 14): its server fetches it
        mark = ("⇅ ", "dim cyan")
    return _Label(feed.title, feed.unread, indent=indent, mark=mark,
                  name_style="strike dim" if feed.gone else "",
                  url=feed.url if feed.title == feed.url else None)
