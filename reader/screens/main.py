"""The reader's one main screen: feeds, headlines, the article and its timeline.

The screen sends intents to the app core and renders what comes back, or what the core
posts (new items, counts, refresh progress); it never touches the database. Every call to
the core runs in a worker, so a key is handled at once whatever the database is doing. The
article is rendered once per open, never on a cursor move.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ProgressBar, Static

from reader.core import messages
from reader.core.query import ALL, Query
from reader.rows import FeedRow, Headline
from reader.widgets.article_view import ArticleMeta, ArticleView
from reader.widgets.feed_panel import FeedPanel, view_key
from reader.widgets.footer import ReaderFooter
from reader.widgets.headline_list import HeadlineList, plain
from reader.widgets.refresh_meter import RefreshMeter
from reader.widgets.timeline_pane import TimelinePane
from reader.wording import count_of

if TYPE_CHECKING:
    from reader.app import ReaderApp
    from reader.core.app_core import AppCore, SyncStatus
    from reader.store import Item

PREVIEW_DELAY = 0.25  # seconds the cursor rests before the highlighted item is previewed
FIRST_PAGE = 300  # rows loaded before the first paint; the rest follow in a worker
WIDE = 120  # at this width and more, list, article and timeline show together
PANEL_EVERY = 3.0  # seconds between feeds panel updates while a refresh runs
HOLD_FOR_ARTICLE = 0.05  # seconds the screen waits for an opened article before drawing
SETTLE_AFTER = 2.0  # quiet seconds (no key) after a view loads before its rows are frozen


def _binding(key: str, action: str, description: str, binding_id: str, tooltip: str,
             show: bool = True, key_display: str | None = None) -> Binding:
    return Binding(key, action, description, id=binding_id, tooltip=tooltip, show=show,
                   key_display=key_display)


def unless_closing(method: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """For a screen worker: when the app is exiting, the panes it would update may already be
    gone after its await; that is no error (under load the core's answer can come back while
    Textual takes the screen down)."""

    @functools.wraps(method)
    async def guarded(self: MainScreen, *args: Any, **kwargs: Any) -> None:
        try:
            await method(self, *args, **kwargs)
        except NoMatches:
            if self.is_attached and not self._closing and self.app.is_running \
                    and self.app.return_code is None:
                raise

    return guarded


def empty_message(query: Query) -> str:
    """What an empty headline list says, for the view it shows."""
    return query.empty_message()


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding("escape", "back", "Back", "back", "Go back to the headline list",
                 show=False),
        _binding("n", "next_unread(False)", "Next unread", "next-unread",
                 "Open the next unread item (across feeds)"),
        _binding("p", "next_unread(True)", "Prev unread", "previous-unread",
                 "Open the previous unread item", show=False),
        _binding("space", "page_or_next", "Page", "page-or-next",
                 "Page down the article, then open the next unread item", show=False),
        _binding("m", "toggle_read", "Read/unread", "toggle-read",
                 "Toggle the highlighted item's read mark"),
        _binding("s", "toggle_star", "Star", "toggle-star", "Star or unstar the item"),
        _binding("A", "mark_view_read", "Mark all read", "mark-view-read",
                 "Mark every item in this view read", show=False),
        _binding("r", "refresh_feed", "Refresh", "refresh-feed",
                 "Refresh the selected feed (or the open item's feed)", show=False),
        _binding("R", "refresh_all", "Refresh all", "refresh-all", "Refresh every feed",
                 show=False),
        _binding("a", "add_feed", "Add feed", "add-feed", "Subscribe to a feed by URL"),
        _binding("x", "remove_feed", "Remove feed", "remove-feed",
                 "Unsubscribe from the selected feed (asks first)", show=False),
        _binding("o", "open_link", "Open", "open-link",
                 "Open the item's link in the web browser", show=False),
        _binding("y", "copy_link", "Copy link", "copy-link",
                 "Copy the item's link to the clipboard", show=False),
        _binding("slash", "search", "Search", "search", "Search the text of all items",
                 key_display="/"),
        _binding("u", "toggle_unread_only", "Unread only", "unread-only",
                 "Show only unread items, or all", show=False),
        _binding("t", "toggle_timeline", "Timeline", "toggle-timeline",
                 "Show or hide the timeline pane"),
        _binding("f", "toggle_feeds", "Feeds", "toggle-feeds", "Show or hide the feeds panel",
                 show=False),
        _binding("J", "next_feed(1)", "Next feed", "next-feed",
                 "Show the next feed in the feeds panel", show=False),
        _binding("K", "next_feed(-1)", "Previous feed", "previous-feed",
                 "Show the previous feed in the feeds panel", show=False),
        _binding("w", "load_page", "Whole article", "load-page",
                 "Fetch the whole article from its site (when the feed gave a summary)",
                 show=False),
        _binding("q", "quit_or_back", "Quit", "quit",
                 "Quit the reader (from an open article: back to the list first)"),
        _binding("F", "filter", "Filter", "filter",
                 "Narrow this view with a filter expression (Esc in the bar clears it)",
                 show=False),

        # -- issue 15: enclosures, commands, feed editing --
        _binding("v", "play_enclosure", "Play", "play-enclosure",
                 "Play the item's enclosure (podcast) with commands.player", show=False),
        _binding("D", "download_enclosure", "Download", "download-enclosure",
                 "Download the item's enclosure into the download folder", show=False),
        _binding("b", "bookmark", "Bookmark", "bookmark",
                 "Hand the item to commands.bookmark (url, title, feed)", show=False),
        _binding("vertical_line", "pipe_article", "Pipe", "pipe-article",
                 "Send the article's text to commands.pipe", show=False, key_display="|"),
        _binding("W", "save_article", "Save", "save-article",
                 "Save the article as Markdown or text (commands.save_dir)", show=False),
        _binding("O", "open_link_read", "Open + read", "open-link-read",
                 "Open the item's link in the browser and mark it read", show=False),
        _binding("e", "edit_feed", "Edit feed", "edit-feed",
                 "Rename the selected feed or move it to other folders", show=False),

        _binding("S", "sync_now", "Sync accounts now", "sync-now",
                 "Sync every account now: send the queued marks, fetch new items, "
                 "read and starred state (R and the schedule sync too)", show=False),
    ]

    # Textual's Screen repaints all of itself when the focus moves; the widgets that gain
    # and lose it repaint what changes on them, so at each Enter and Escape the rest of the
    # screen was composed again for nothing (~10 ms a key on a 2-core machine).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, core: AppCore) -> None:
        super().__init__()
        self.core = core
        self.view: Query = ALL
        self.open_item: Item | None = None
        self._feed_rows: list[FeedRow] = []
        self._narrow: bool | None = None
        self._reading = False
        self._settle_timer: Timer | None = None
        self._hold_timer: Timer | None = None  # frames held for an article being opened
        self._last_key = 0.0
        self._preview_timer: Timer | None = None
        self._shown_id: int | None = None  # the item opened or previewed last
        self._newest_id = 0  # the newest item id the view has taken in
        self._panel_timer: Timer | None = None  # a panel update waiting (during a refresh)

    @property
    def reader_app(self) -> ReaderApp:
        return self.app  # type: ignore[return-value]

    @property
    def refreshing(self) -> bool:
        return self.core.refresher.running

    @property
    def unread_only(self) -> bool:
        return self.view.unread

    @property
    def search_query(self) -> str | None:
        """The words of the search on show (`/`), else None."""
        return self.feed_panel.search_text if self.in_search else None

    def compose(self) -> ComposeResult:
        # The layout's classes are set before the panes are mounted, so they get their
        # styles once; set at mount, each class restyled every widget on the screen again.
        self.apply_layout(self.app.size.width, update=False)
        with Horizontal(id="panes"):
            yield FeedPanel(id="feeds")
            with Vertical(id="center"):
                yield HeadlineList(id="headlines", empty_message=empty_message(ALL))
                yield ArticleView(id="article")
            yield TimelinePane(id="timeline")
        with Horizontal(id="status-bar"):
            yield Static("", id="status")
            yield RefreshMeter(id="progress")
        yield ReaderFooter(show_command_palette=not self._narrow)

    # -- widgets ------------------------------------------------------------------------

    @property
    def headlines(self) -> HeadlineList:
        return self.query_one("#headlines", HeadlineList)

    @property
    def article(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def timeline(self) -> TimelinePane:
        return self.query_one("#timeline", TimelinePane)

    @property
    def feed_panel(self) -> FeedPanel:
        return self.query_one("#feeds", FeedPanel)

    async def on_mount(self) -> None:
        self.core.listen(self)
        self.article.clear("Select a headline and press Enter to read it.")
        self.timeline.set_entries([], "")
        self.apply_layout(self.app.size.width)
        # The first screen waits for its first page of rows (read in a worker thread), so
        # the first frame shows headlines; the rest of the view follows in a worker.
        first, more = await self._first_page()
        self.headlines.set_rows(first)
        self.headlines.focus()
        if not more:
            self.update_status()
        # What the first frame does not need waits until it is drawn: reading the rest of
        # the view (Python objects for every row: it holds the GIL for a second at 100k
        # items), the panel's counts, the row marks, and the core's services (whose
        # start-up refresh starts a process).
        self.call_after_refresh(self._after_first_frame, more)

    async def _first_page(self) -> tuple[list[Headline], bool]:
        """The first page of the view, and whether there may be more: read by the launch
        while Textual was imported when it did (reader.cli.read_first_page), else now."""
        page = self.reader_app.take_first_page()
        if page is not None and self.view == ALL:
            try:
                newest, rows, limit = await asyncio.wrap_future(page)
            except Exception:  # noqa: BLE001 - any trouble: read as without it
                pass
            else:
                self._newest_id = newest
                return rows, len(rows) >= limit
        self._newest_id = await self.core.newest_id()
        rows = await self.core.headlines(self.view, limit=FIRST_PAGE)
        return rows, len(rows) >= FIRST_PAGE

    def _after_first_frame(self, more: bool) -> None:
        # The dialogs (and the Textual widgets only they use) are imported on a thread of
        # their own now, not before the first frame, nor at the first key that opens one.
        threading.Thread(target=importlib.import_module, args=("reader.screens.dialogs",),
                         name="reader-preload", daemon=True).start()
        self.reload_sync_status()
        self.load_marks()
        self.reload_feeds()
        if more:
            self.reload_headlines()
        self.reader_app.first_frame_drawn()

    def on_resize(self) -> None:
        self.apply_layout(self.app.size.width)

    @property
    def reading(self) -> bool:
        """An article is open for reading (Enter), not only previewed."""
        return self._reading

    @reading.setter
    def reading(self, reading: bool) -> None:
        # The CSS class matters only when narrow (reading hides the list there); set when
        # wide, it would restyle every widget on the screen at each Enter and Escape.
        self._reading = reading
        self.set_class(reading and bool(self._narrow), "reading")

    def apply_layout(self, width: int, *, update: bool = True) -> None:
        """Wide: everything at once. Narrow: panes toggle, reading hides the list.
        `update`: restyle now (False before the panes are mounted)."""
        narrow = width < WIDE
        if narrow != self._narrow:
            self._narrow = narrow
            # One restyle of the screen for all four classes, not one each.
            self.update_classes({"narrow": narrow, "reading": narrow and self._reading,
                                 "show-timeline": not narrow, "show-feeds": not narrow},
                                update=update)
            if update:
                # Narrow, "? Help" and "q Quit" matter more than the palette's hint
                # (Ctrl+P works).
                self.query_one(ReaderFooter).show_command_palette = not narrow

    # -- what the core says -------------------------------------------------------------

    @on(messages.ItemsAdded)
    def items_added(self) -> None:
        self.take_in_new_items()

    @on(messages.FeedsChanged)
    def feeds_changed(self) -> None:
        """Counts moved. While a refresh runs they move all the time (and new feeds get
        their titles, so the panel re-sorts: a rebuild of every entry, ~0.3 s of the UI
        thread with 800 feeds): then the panel follows at most every PANEL_EVERY seconds,
        and a key (a mark on Enter) never waits for it."""
        if not self.refreshing:
            self.reload_feeds()
            return
        if self._panel_timer is None:
            self._panel_timer = self.set_timer(PANEL_EVERY, self._panel_due)

    def _panel_due(self) -> None:
        self._panel_timer = None
        self.reload_feeds()

    @on(messages.OutsideChange)
    def outside_change(self) -> None:
        self.reload_headlines()  # the cursor stays on the item it is on when rows arrive

    @on(messages.RefreshStarted)
    def refresh_started(self, event: messages.RefreshStarted) -> None:
        self.query_one(RefreshMeter).show(0, event.total)
        if event.total:
            self.update_status(f"Refreshing {count_of(event.total, 'feed')}…")

    @on(messages.RefreshProgress)
    def refresh_progress(self, event: messages.RefreshProgress) -> None:
        self.query_one(RefreshMeter).show(event.done, event.total)

    @on(messages.RefreshFinished)
    def refresh_finished(self, event: messages.RefreshFinished) -> None:
        from reader.wording import refresh_line

        # The rows the refresh added join the frozen ones, and the garbage frozen with them
        # is collected (a flight that synced too ends here as well).
        self._settle_memory()
        if self.core.config.highlights:
            # During the refresh only the new rows' marks were read; a rule on age ("newer
            # than an hour") is checked again for every row once it has ended.
            self.load_marks()
        if self.sync_result_shown(event):
            return
        self.query_one(RefreshMeter).clear()
        summary = event.summary
        self.update_status()
        if event.reason != "manual":  # automatic: one announcement of what is new, if any
            if event.announcement:
                self.app.notify(event.announcement, markup=False)
            if event.error:
                self.app.notify(event.error, markup=False, severity="warning")
            return
        message = refresh_line(summary, event.feed_titles) if summary.feeds or \
            not event.error else ""
        if event.error:
            message = (message + "\n" if message else "") + event.error
        self.app.notify(message or "Nothing to refresh.", markup=False,
                        severity="warning" if summary.failures or event.error
                        else "information")

    @on(messages.SyncProgress)
    def sync_progress(self, event: messages.SyncProgress) -> None:
        stage = {"pushing": "sending marks", "subscriptions": "reading the feed list",
                 "state": "reading which items are unread and starred",
                 "items": "fetching new items", "done": "done"}.get(event.stage, event.stage)
        count = ""
        if event.stage == "pushing" and event.total:
            count = f" ({event.done} of {event.total})"
        elif event.stage == "items" and event.done:
            count = f" ({event.done} so far)"
        self.update_status(f"Syncing {event.account}: {stage}{count}…")

    @on(messages.CoreError)
    def core_error(self, event: messages.CoreError) -> None:
        self.app.notify(event.text, markup=False, severity="warning")

    # -- loading ------------------------------------------------------------------------

    @work(exclusive=True, group="headlines")
    @unless_closing
    async def reload_headlines(self, keep_id: int | None = None,
                               new_view: bool = False) -> None:
        """Read the whole view again (a new view, or another process changed things)."""
        view = self.view
        newest = await self.core.newest_id()
        rows = await self.core.headlines(view)
        if view != self.view:
            return
        self._newest_id = newest
        self.headlines.empty_message = empty_message(view)
        self.headlines.show_feed = view.feed_id is None
        self.headlines.set_rows(rows, keep_id=keep_id)
        self.load_marks()
        if new_view and not rows:  # nothing here: an article from elsewhere would mislead
            self.clear_article()
        self.update_status()
        self.take_in_new_items()  # anything stored while the view was being read
        from reader.memory import freeze_now

        freeze_now()  # the rows leave the collector's walks at once (a millisecond)
        self._settle_memory()

    def _settle_memory(self) -> None:
        """Once a view has loaded and no key has come for SETTLE_AFTER seconds, its rows
        leave the cycle collector's walks (reader.memory). The collection that goes first
        holds the UI thread for tens of milliseconds: never while keys are coming."""
        if self._settle_timer is not None:
            self._settle_timer.stop()
        self._settle_timer = self.set_timer(SETTLE_AFTER, self._settle_when_quiet)

    def _settle_when_quiet(self) -> None:
        from reader.memory import freeze_long_lived

        quiet_for = time.monotonic() - self._last_key
        if quiet_for < SETTLE_AFTER:
            self._settle_timer = self.set_timer(SETTLE_AFTER - quiet_for,
                                                self._settle_when_quiet)
            return
        self._settle_timer = None
        freeze_long_lived()

    @work(exclusive=True, group="new-items")
    @unless_closing
    async def take_in_new_items(self) -> None:
        """A refresh stored items: only those newer than the view's newest are read, and
        they take their place in the list without moving the cursor."""
        view = self.view
        since = self._newest_id
        newest = await self.core.newest_id()
        rows = await self.core.headlines(view, after_id=since)
        if view != self.view:
            return  # another view now: it was read whole
        # Rows a full read (running meanwhile) also has are skipped by id; the newest id
        # only grows, and a full read that lands later takes in what it missed itself.
        self._newest_id = max(newest, self._newest_id)
        if rows:
            self.headlines.insert_rows(rows)
            self.load_new_marks(since)
            self.update_status()
            from reader.memory import freeze_now

            # The new rows leave the collector's walks too: what a refresh added stayed in
            # them, and full collections during a refresh took 50-150 ms of the UI thread.
            # No collection first: that one took up to 20 ms at every batch.
            freeze_now(collect_young=False)

    @work(exclusive=True, group="feeds")
    @unless_closing
    async def reload_feeds(self) -> None:
        listing = await self.core.feed_list()
        self._feed_rows = list(listing.feeds)
        self.headlines.empty_message = (
            empty_message(self.view) if listing.feeds else
            "No feeds yet. Press a to add one (a feed URL, or a web page that links one); "
            "reader import FILE brings in a newsboat or OPML list.")
        if not self.headlines.rows:
            self.headlines.refresh()
        self.feed_panel.set_feeds(listing.feeds, listing.totals)
        self.update_status()
        self.reload_views()

    def update_status(self, message: str | None = None) -> None:
        if message is None:
            titles = {feed.id: feed.title for feed in self._feed_rows}
            name = self.view.describe(titles)
            if self.view.feed_id is not None:
                feed = next((f for f in self._feed_rows if f.id == self.view.feed_id), None)
                if feed and feed.last_error:
                    name += f"  ! last refresh failed: {feed.last_error}"
                elif feed and feed.last_warning:
                    name += f"  ~ {feed.last_warning}"
            count = len(self.headlines.rows)
            message = f"{name} · {count_of(count, 'item')}{self.sync_note()}"
            meter = self.query_one(RefreshMeter)
            if self.refreshing and meter.active:
                message += f" · refreshing {meter.done}/{meter.total}"
        # One line of a fixed size: a repaint, never a layout of the whole screen (~50 ms
        # with 800 feeds in the panel, at each count of a refresh).
        self.query_one("#status", Static).update(Text(plain(message), no_wrap=True,
                                                      overflow="ellipsis"), layout=False)

    # -- choosing a view ----------------------------------------------------------------

    @on(FeedPanel.ViewChosen)
    def view_chosen(self, event: FeedPanel.ViewChosen) -> None:
        self.set_view(event.query)
        self.headlines.focus()

    def set_view(self, view: Query) -> None:
        self.view = view
        self.headlines.set_rows([])
        self.reload_headlines(new_view=True)

    # -- opening articles ---------------------------------------------------------------

    @on(HeadlineList.Selected)
    def headline_selected(self, event: HeadlineList.Selected) -> None:
        self.open_article(event.headline.id)

    @on(TimelinePane.OpenItem)
    def timeline_open(self, event: TimelinePane.OpenItem) -> None:
        self.headlines.move_to(event.item_id)  # when it is in this view; opened either way
        self.open_article(event.item_id)

    @on(TimelinePane.JumpToEvent)
    def timeline_jump(self, event: TimelinePane.JumpToEvent) -> None:
        self.article.scroll_to_position(event.position)

    @on(ArticleView.OpenLink)
    def article_link(self, event: ArticleView.OpenLink) -> None:
        self.open_url(event.url)

    @on(ArticleView.ChooseLink)
    def article_links(self, event: ArticleView.ChooseLink) -> None:
        from reader.screens.dialogs import LinksDialog

        def chosen(url: str | None) -> None:
            if url:
                self.open_url(url)

        self.app.push_screen(LinksDialog(event.links), chosen)

    def open_article(self, item_id: int, *, focus: bool = True) -> None:
        # Reading mode and the focus move at the key, not when the article arrives: keys
        # typed meanwhile (Escape, q, j) belong to the article the user asked for. What they
        # change is drawn with the article, in one frame (held for HOLD_FOR_ARTICLE at most).
        self._hold_frames()
        self.reading = True
        if focus:
            self.article.focus()
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._shown_id = item_id
        self.load_article(item_id)

    def _hold_frames(self) -> None:
        """Draw nothing until the opened article is shown or HOLD_FOR_ARTICLE has passed:
        the focus move drawn alone cost a frame of its own (~15-25 ms on a 2-core machine),
        and the article waited behind it."""
        if self._hold_timer is not None:
            return
        self.app._begin_batch()  # noqa: SLF001 - Textual's own batch_update, across awaits
        self._hold_timer = self.set_timer(HOLD_FOR_ARTICLE, self._release_frames)

    def _release_frames(self) -> None:
        if self._hold_timer is None:
            return
        self._hold_timer.stop()
        self._hold_timer = None
        app = self.app
        app._end_batch()  # noqa: SLF001
        if not app._batch_count:  # noqa: SLF001
            # Draw the article now. The screen's update timer would first wait for an idle
            # moment, behind every message queued meanwhile (a refresh's progress): 5-10 ms
            # more on a busy machine. This is the call that timer makes.
            app.screen._on_timer_update()  # noqa: SLF001

    @on(HeadlineList.Highlighted)
    def headline_highlighted(self, event: HeadlineList.Highlighted) -> None:
        """Preview the highlighted item once the cursor rests (never on every key)."""
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if self.article.has_focus:
            return
        item_id = event.headline.id
        self._preview_timer = self.set_timer(PREVIEW_DELAY,
                                             lambda: self.preview_article(item_id))
        # After the cursor's frame: its details read ahead, for an Enter that follows.
        self.call_after_refresh(self._read_ahead, item_id)

    def _read_ahead(self, item_id: int) -> None:
        highlighted = self.headlines.highlighted
        if highlighted is not None and highlighted.id == item_id and self.is_current:
            self.core.read_ahead(item_id)

    def clear_article(self, message: str = "") -> None:
        """Empty the article and timeline panes (the item they showed is gone or out of
        view); o, y and s then have no item to act on."""
        self.workers.cancel_group(self, "article")
        self.workers.cancel_group(self, "story")
        self.open_item = None
        self._shown_id = None
        self.article.clear(message)
        self.timeline.set_entries((), "")
        if self.article.has_focus or self.timeline.has_focus_within:
            self.headlines.focus()
        self.reading = False

    def preview_article(self, item_id: int) -> None:
        # Never for the item being opened: the preview would cancel its page fetch.
        if item_id != self._shown_id:
            self._shown_id = item_id
            self.load_article(item_id, preview=True)

    @work(exclusive=True, group="article")
    @unless_closing
    async def load_article(self, item_id: int, preview: bool = False,
                           load_page: bool = False) -> None:
        """Show an item: opening marks it read and fetches its page when the feed gave only
        a summary (the summary shows meanwhile); a preview does neither."""
        from reader.story import needs_page

        try:
            details = await self.core.item_details(item_id)
        except BaseException:
            self._release_frames()
            raise
        if details is None:
            self.article.clear("This item is gone.")
            self._release_frames()
            return
        item = details.item
        self.open_item = item
        meta = ArticleMeta(item_id=item.id, title=item.title, feed_title=item.feed_title,
                           author=item.author, published=item.published, link=item.link,
                           enclosures=details.enclosures)
        if not preview:  # even when `item` says read: it may have been read ahead before
            # a mark made elsewhere or still being written (a no-op write when it is read)
            self.set_read([item.id], True)
        summary_only = needs_page(item)
        fetch_page = not preview and summary_only and (
            load_page or self.core.may_fetch_page(item))
        article = details.stored or await self.core.article(item, fetch_page=False)
        if self.open_item is None or self.open_item.id != item_id:
            return
        self.article.show(meta, article.text, article.links, article.link_texts)
        self._release_frames()
        failed = self.core.failed_page(item.id)
        if summary_only and not fetch_page:
            self.article.show_note(
                failed if failed is not None and not preview else
                "This is the feed's summary: press Enter to load the whole article."
                if preview and self.core.may_fetch_page(item) else
                "This is the feed's summary: w fetches the whole article from its site.")
        elif fetch_page:
            self.article.show_note("Loading the whole article from its site…")
            self.timeline.show_loading()
            article = await self.core.article(item, fetch_page=True)
            if self.open_item is None or self.open_item.id != item_id:
                return
            self.article.show(meta, article.text, article.links, article.link_texts)
        if article.note:
            self.article.show_note(article.note)
        # After the article's frame is on screen: finding related items is Python in a
        # worker thread, and started now it would share the GIL with drawing that frame.
        self.call_after_refresh(self.load_story, item, article.text)

    @work(exclusive=True, group="story")
    @unless_closing
    async def load_story(self, item: Item, text: str) -> None:
        story = await self.core.story(item, text)
        if self.open_item is None or self.open_item.id != item.id:
            return
        self.timeline.set_entries(story.entries(), story.header)

    # -- read state ---------------------------------------------------------------------

    @work(group="marks")
    @unless_closing
    async def set_read(self, item_ids: list[int], read: bool) -> None:
        """Committed to the database at once (in the core's writer thread), then every
        row and count on screen follows."""
        self._show_changed(await self.core.set_read(item_ids, read))

    @work(group="marks")
    @unless_closing
    async def set_starred(self, item_ids: list[int], starred: bool) -> None:
        self._show_changed(await self.core.set_starred(item_ids, starred))

    def _show_changed(self, rows: list[Headline]) -> None:
        if rows and self.core.config.highlights:  # a rule may test unread or starred
            self.load_marks()
        for row in rows:
            self.headlines.update_row(row)
            if self.open_item is not None and self.open_item.id == row.id:
                self.open_item = replace(self.open_item, read=row.read, starred=row.starred)

    def _current(self) -> Headline | None:
        """The item keys act on: the open article when it has the focus, else the
        highlighted headline."""
        if self.article.has_focus and self.open_item is not None:
            item = self.open_item
            index = self.headlines.index_of(item.id)
            if index is not None:
                return self.headlines.rows[index]
            return Headline(id=item.id, feed_id=item.feed_id, feed_title=item.feed_title,
                            title=item.title, link=item.link, published=item.published,
                            read=item.read, starred=item.starred)
        return self.headlines.highlighted

    def action_toggle_read(self) -> None:
        row = self._current()
        if row is None:
            self.app.notify("There is no item here to mark.", markup=False)
            return
        self.set_read([row.id], not row.read)

    def action_toggle_star(self) -> None:
        row = self._current()
        if row is None:
            self.app.notify("There is no item here to star.", markup=False)
            return
        self.set_starred([row.id], not row.starred)

    def action_mark_view_read(self) -> None:
        from reader.screens.dialogs import ConfirmDialog

        rows = self.headlines.rows
        unread = sum(1 for row in rows if not row.read)
        if not unread:
            self.app.notify("Nothing unread here.", markup=False)
            return
        view, upto = self.view, self._newest_id

        def answered(yes: bool | None) -> None:
            if yes:
                self.mark_view_read(view, upto)

        if unread > self.headlines.size.height:
            self.app.push_screen(ConfirmDialog(f"Mark {count_of(unread, 'item')} read?"),
                                 answered)
        else:
            answered(True)

    @work(group="marks")
    @unless_closing
    async def mark_view_read(self, view: Query, upto_id: int) -> None:
        """Everything the view showed, and nothing stored after it was read."""
        changed = await self.core.mark_query_read(view, upto_id)
        self.app.notify(f"Marked {count_of(len(changed), 'item')} read.", markup=False)
        if changed and view == self.view:
            self._show_changed([replace(row, read=True) for row in self.headlines.rows
                                if row.id in set(changed)])

    def action_next_unread(self, backwards: bool = False) -> None:
        current = self._current()
        self.next_unread(current.id if current else None, backwards,
                         self.article.has_focus)

    @work(exclusive=True, group="next-unread")
    @unless_closing
    async def next_unread(self, after: int | None, backwards: bool, focus: bool) -> None:
        """The next unread item in this view, from the top again past the end (newsboat's
        habit); when this view has none left, in every feed."""
        found = await self.core.next_unread(after, self.view, backwards=backwards)
        if found is None and self.view != ALL:
            found = await self.core.next_unread(after, ALL, backwards=backwards)
            if found is not None:
                self.view = ALL
                self.feed_panel.select_key("all")
                self._newest_id = await self.core.newest_id()
                self.headlines.set_rows(await self.core.headlines(ALL), keep_id=found)
        if found is None:
            self.app.notify("No unread items.", markup=False)
            return
        if not self.headlines.move_to(found):
            self.headlines.set_rows(await self.core.headlines(self.view), keep_id=found)
        self.open_article(found, focus=focus)

    def action_load_page(self) -> None:
        """w: fetch the open item's page now, whatever the privacy setting says."""
        if self.open_item is None:
            self.app.notify("Open an item first (Enter).", markup=False)
            return
        self.core.forget_failed_page(self.open_item.id)
        self.load_article(self.open_item.id, load_page=True)

    def action_page_or_next(self) -> None:
        if self.open_item is not None and self.reading:
            if self.article.page_down_or_end():
                return
        self.action_next_unread()

    # -- navigation ---------------------------------------------------------------------

    def action_back(self) -> None:
        from reader.filters.condition import Narrowed

        if self.feed_panel.has_focus:
            if self._narrow:  # the panel was opened over the list with f: close it again
                self.remove_class("show-feeds")
            self.headlines.focus()
        elif self.article.has_focus or self.timeline.has_focus_within:
            self.reading = False
            self.headlines.focus()
        elif isinstance(self.view.filter, Narrowed):  # F narrowed it: the view as it was
            self.set_view(self.view.but(filter=self.view.filter.base))
        elif self.in_search:
            self.feed_panel.set_search(None)
            self.set_view(ALL)
        elif self.reading:
            self.reading = False

    def _q_goes_back(self) -> bool:
        """The open article has the focus, or something in the timeline pane. (Read from the
        focused widget: the footer asks before the panes are mounted.)"""
        focused = self.focused
        return focused is not None and (
            focused.id == "article"
            or any(node.id == "timeline" for node in focused.ancestors_with_self))

    def action_quit_or_back(self) -> None:
        if self._q_goes_back():
            self.action_back()
        else:
            self.app.exit()

    def footer_description(self, action: str, description: str) -> str:
        """The footer's word for a key: "q Back" while q leaves an open article or the
        timeline (a user who read "q Quit" there pressed it and stayed)."""
        if action == "quit_or_back" and self._q_goes_back():
            return "Back"
        return description

    def action_toggle_timeline(self) -> None:
        self.toggle_class("show-timeline")
        if self._narrow and self.has_class("show-timeline"):
            self.remove_class("show-feeds")  # narrow: the list keeps room for its titles

    def action_toggle_feeds(self) -> None:
        self.toggle_class("show-feeds")
        if self._narrow and self.has_class("show-feeds"):
            self.remove_class("show-timeline")  # narrow: the list keeps room for its titles
        if self.has_class("show-feeds"):
            self.feed_panel.focus()
        elif self.focused is None or self.feed_panel.has_focus:
            self.headlines.focus()  # keys never go to a hidden panel

    def action_next_feed(self, step: int) -> None:
        """J/K: the next or previous feed in the panel, shown at once (newsboat's habit)."""
        keys = self.feed_panel.feed_keys()
        if not keys:
            self.app.notify("There are no feeds yet. a adds one.", markup=False)
            return
        current = self.feed_panel.current_key
        index = keys.index(current) + step if current in keys else (0 if step > 0 else -1)
        key = keys[index % len(keys)]
        self.feed_panel.select_key(key)
        query = self.feed_panel.view_for(key)
        if query is not None:
            self.set_view(query)

    def on_key(self, event: events.Key) -> None:
        """A key a newsboat user presses by habit, which means nothing here: one line on
        what to press instead, never silence."""
        from reader.keys import HABIT_HINTS

        self._last_key = time.monotonic()  # memory is settled only between keys
        hint = HABIT_HINTS.get(event.key)
        if hint is None or event.key in self.app.active_bindings:
            return
        if self.focused is not None and not isinstance(
                self.focused, HeadlineList | ArticleView | FeedPanel | TimelinePane):
            return  # typing in a field
        self.app.notify(hint, markup=False, timeout=6)

    def action_toggle_unread_only(self) -> None:
        keep = self.headlines.highlighted.id if self.headlines.highlighted else None
        self.view = self.view.but(unread=not self.view.unread)
        self.reload_headlines(keep)

    # -- links --------------------------------------------------------------------------

    def _link(self) -> str | None:
        from feeds.text import safe_url

        row = self._current()
        return safe_url(row.link) if row and row.link else None

    def action_open_link(self) -> None:
        if self._current() is None:
            self.app.notify("Highlight an item first, then press o.", markup=False)
            return
        link = self._link()
        if link is None:
            self.app.notify("This item has no web link.", markup=False, severity="warning")
            return
        self.open_url(link)

    def open_url(self, url: str) -> None:
        from feeds.text import safe_url

        safe = safe_url(url)
        if safe is None:  # never a javascript:, data: or file: link
            self.app.notify("Only http and https links are opened.", markup=False,
                            severity="warning")
            return
        self.app.notify(f"Opening {safe}", markup=False)
        self.run_worker(lambda: self._open_in_browser(safe), thread=True, group="browser")

    def _open_in_browser(self, url: str) -> None:
        """In a thread: some browsers block until they exit. Says so when none is found.
        A `[commands] browser` rule matching the URL runs that program instead."""
        if self.core.config.commands.browser_for(url) is not None:
            self._open_with_command(url)
            return
        import webbrowser  # paid at the first link opened, not at start

        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        if not opened:
            self.app.call_from_thread(
                self.app.notify, "No web browser was found to open the link; y copies it.",
                markup=False, severity="warning")

    def action_copy_link(self) -> None:
        if self._current() is None:
            self.app.notify("Highlight an item first, then press y.", markup=False)
            return
        link = self._link()
        if link is None:
            self.app.notify("This item has no web link.", markup=False, severity="warning")
            return
        self.app.copy_to_clipboard(link)
        self.app.notify(f"Copied {link}", markup=False)

    # -- feeds --------------------------------------------------------------------------

    def _feeds_to_refresh(self) -> list[int] | None:
        """r: the feed highlighted in the panel, every feed of a highlighted folder, the
        feed the list shows, or the highlighted item's feed; None (all) otherwise."""
        if self.feed_panel.has_focus:
            key = self.feed_panel.current_key or ""
            if key.startswith("tag:"):
                folder = key[4:]
                return [feed.id for feed in self._feed_rows if folder in feed.tags] or None
        feed_id = self._feed_to_refresh()
        return [feed_id] if feed_id is not None else None

    def _feed_to_refresh(self) -> int | None:
        if self.feed_panel.has_focus:
            feed = self.feed_panel.current_feed
            return feed.id if feed is not None else None
        if self.view.feed_id is not None:
            return self.view.feed_id
        row = self._current()
        return row.feed_id if row else None

    def _feed_to_remove(self) -> FeedRow | str:
        """The feed `x` removes: the one highlighted in the feeds panel (or the feed the
        list shows); anything else says what to select instead."""
        feeds = {feed.id: feed for feed in self._feed_rows}
        if not feeds:
            return "There are no feeds to remove. a adds one."
        if self.feed_panel.has_focus:
            feed = self.feed_panel.current_feed
            if feed is not None:
                return feed
            key = self.feed_panel.current_key or ""
            if key.startswith("view:"):
                return key  # a saved view: removed from the database, after asking
            return "Highlight a feed (not a folder or a view) to remove it."
        if self.view.feed_id is not None and self.view.feed_id in feeds:
            return feeds[self.view.feed_id]
        return "Select the feed to remove in the feeds panel (f), then press x."

    def action_add_feed(self) -> None:
        from reader.screens.dialogs import AddFeedDialog

        def added(feed: FeedRow | None) -> None:
            if feed is None:
                return
            if feed.account:
                self.app.notify(f"Subscribed to {feed.title} on {feed.account}; its items "
                                "come with the sync.", markup=False)
            else:
                self.app.notify(f"Added {feed.title} ({count_of(feed.total, 'item')})",
                                markup=False)
            self.view = Query(feed_id=feed.id)
            self.reload_feeds()
            self.feed_panel.select_key(view_key(self.view))
            self.set_view(self.view)

        self.app.push_screen(AddFeedDialog(self.core), added)

    def action_remove_feed(self) -> None:
        from reader.screens.dialogs import ConfirmDialog

        feed = self._feed_to_remove()
        if isinstance(feed, str) and feed.startswith("view:"):
            name = feed[5:]

            def forget(yes: bool | None) -> None:
                if yes:
                    self.delete_view(name)

            self.app.push_screen(ConfirmDialog(f"Remove the saved view {name}?"), forget)
            return
        if isinstance(feed, str):
            self.app.notify(feed, markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_feed(feed)

        host = feed.url.split("://", 1)[-1].split("/", 1)[0]
        where = f" It is unsubscribed on {feed.account} too." if feed.account else ""
        self.app.push_screen(ConfirmDialog(
            f"Remove {feed.title} ({host}) and its {count_of(feed.total, 'item')}?{where}"),
            answered)

    @work(group="feeds-edit")
    @unless_closing
    async def delete_view(self, name: str) -> None:
        problem = await self.core.delete_view(name)
        self.app.notify(problem or f"Removed the view {name}.", markup=False,
                        severity="warning" if problem else "information")
        if problem is None and self.view.filter is not None and self.feed_panel.current_key \
                == f"view:{name}":
            self.set_view(ALL)

    @work(group="feeds-edit")
    @unless_closing
    async def remove_feed(self, feed: FeedRow) -> None:
        error = await self.core.remove_feed(feed.id)
        if error is not None:  # an account's server could not be reached: nothing changed
            self.app.notify(f"{feed.title} was not removed: {error}", markup=False,
                            severity="warning")
            return
        self.app.notify(f"Removed {feed.title}", markup=False)
        if self.open_item is not None and self.open_item.feed_id == feed.id:
            self.clear_article()
        if self.view.feed_id == feed.id:
            self.view = ALL
        keep = self.headlines.highlighted.id if self.headlines.highlighted else None
        self.reload_headlines(keep)

    def action_search(self, text: str | None = None) -> None:
        """/: the filter language over every item (`Slow OR Armcrest`); a mistake is one
        line naming the column, and the search opens again with the text to fix."""
        from reader.filters.condition import search_condition
        from reader.filters.parser import FilterSyntaxError
        from reader.screens.dialogs import SearchDialog

        def searched(words: str | None) -> None:
            if not words:
                return
            try:
                search_condition(words)
            except FilterSyntaxError as error:
                self.app.notify(f"Search: {error}", markup=False, severity="warning")
                self.action_search(words)
                return
            self.feed_panel.set_search(words)
            view = self.feed_panel.view_for("search")
            if view is not None:
                self.set_view(view)
            self.headlines.focus()

        self.app.push_screen(SearchDialog(text or self.search_query or ""), searched)

    # -- refresh ------------------------------------------------------------------------

    def action_refresh_feed(self) -> None:
        self.run_refresh(self._feeds_to_refresh())

    def action_refresh_all(self) -> None:
        self.run_refresh(None)

    def run_refresh(self, feed_ids: list[int] | None) -> None:
        """Ask the core's refresh service; a refresh already running is joined or
        followed, never refused."""
        outcome = self.core.refresh(feed_ids)
        if outcome == "joined":
            self.app.notify("Refreshing already; the running refresh covers it.",
                            markup=False)
        elif outcome == "queued":
            self.app.notify("Refreshing already; this follows when it ends.", markup=False)

    # -- filters and saved views (issue 16) ---------------------------------------------

    @property
    def in_search(self) -> bool:
        """Whether the list shows the search made with `/` (the panel's Search entry)."""
        search = self.feed_panel.view_for("search")
        return search is not None and self.view == search

    def action_filter(self) -> None:
        """F: a filter bar over this view; Enter narrows it, Esc gives it back."""
        from reader.filters.condition import Narrowed, narrowed
        from reader.screens.filter_bar import FilterBar, FilterChoice

        current = self.view.filter
        text = current.extra.source if isinstance(current, Narrowed) else ""

        def chosen(choice: FilterChoice | None) -> None:
            if choice is None:
                return
            view = self.view
            if choice.condition is None:
                if isinstance(view.filter, Narrowed):
                    self.set_view(view.but(filter=view.filter.base))
            else:
                self.set_view(view.but(filter=narrowed(view.filter, choice.condition)))
            if choice.saved_as is not None:
                self.app.notify(f"Saved the view {choice.saved_as} (in the feeds panel).",
                                markup=False)
            self.headlines.focus()

        self.app.push_screen(FilterBar(self.core, text), chosen)

    @work(exclusive=True, group="views")
    @unless_closing
    async def reload_views(self) -> None:
        """The saved views in the feeds panel: named at once, counted after (one SQL count
        each, in the core's reader threads)."""
        from reader.filters.condition import FilterCondition

        views = await self.core.saved_views()
        entries = [(view.name, Query(filter=FilterCondition(
            view.expr, view.source, label=f"View {view.name}"))) for view in views]
        if not self.feed_panel.has_views(entries):
            self.feed_panel.set_views(entries, {})
        counts = await self.core.view_counts(views)
        self.feed_panel.set_views(entries, counts)

    @work(exclusive=True, group="marks-load")
    @unless_closing
    async def load_marks(self) -> None:
        """The ♪/▶ marks and highlight colours of the rows (AppCore.row_marks)."""
        newest, added = self._newest_id, self._new_marks_added
        media, lights = await self.core.row_marks()
        styles = [rule.style for rule in self.core.config.highlights]
        self.headlines.set_marks(media, lights, styles)
        # Items came in while this read (their marks, added meanwhile, were just replaced):
        # theirs again. The newest id alone does not tell: a batch read right after a
        # commit may list rows above the newest id it read first.
        if self._newest_id > newest or self._new_marks_added != added:
            self.load_new_marks(newest)

    _new_marks_added = 0  # how many times load_new_marks added marks (load_marks compares)

    @work(group="marks-new")
    @unless_closing
    async def load_new_marks(self, after_id: int) -> None:
        """The marks of the items a refresh just added, not every row's again."""
        media, lights = await self.core.row_marks(after_id)
        self.headlines.add_marks(media, lights)
        self._new_marks_added += 1

    # -- issue 15: enclosures, commands (no shell), editing a feed --------------------------

    _downloading: frozenset[int] = frozenset()  # items whose enclosure is being downloaded

    def _item_row(self, what: str) -> Headline | None:
        row = self._current()
        if row is None:
            self.app.notify(f"Highlight an item first, then {what}.", markup=False)
        return row

    def _say_error(self, error: Exception) -> None:
        """A command or a download failed: one line, never a traceback."""
        line = " ".join(str(error).split()) or type(error).__name__
        self.app.notify(line, markup=False, severity="warning")

    async def _run_external(self, call: Callable[[bool], Any], *, terminal: bool) -> Any:
        """Run `call(quiet)`. A terminal program (a player, `less` in a pipe) gets the
        terminal: the app is suspended while it runs and waits for it. Anything else, or
        when the app cannot be suspended (tests, a web terminal), runs in a thread with no
        terminal of its own, so nothing it prints lands on the app's screen."""
        import asyncio

        driver = getattr(self.app, "_driver", None)
        if terminal and driver is not None and driver.can_suspend:
            with self.app.suspend():
                return call(False)
        return await asyncio.to_thread(call, True)

    async def _article_text(self, row: Headline) -> tuple[Item, str] | None:
        """The item and its text as the article pane shows it (or as stored, when it is
        not the open one); never fetches a page."""
        meta = self.article.meta
        if (self.open_item is not None and self.open_item.id == row.id and meta is not None
                and meta.item_id == row.id and self.article.text):
            return self.open_item, self.article.text
        item = await self.core.item(row.id)
        if item is None:
            self.app.notify("This item is gone.", markup=False)
            return None
        article = await self.core.article(item, fetch_page=False)
        return item, article.text

    def action_play_enclosure(self) -> None:
        row = self._item_row("press v to play its enclosure")
        if row is not None:
            self.play_enclosure(row)

    @work(group="commands")
    @unless_closing
    async def play_enclosure(self, row: Headline) -> None:
        from reader import commands

        enclosures = await self.core.enclosures(row.id)
        if not enclosures:
            self.app.notify("This item has no enclosure (podcast audio, video or file).",
                            markup=False)
            return
        settings = self.core.config.commands
        url = enclosures[0].url

        def play(quiet: bool) -> list[str]:
            return commands.play(settings, url, title=row.title, feed=row.feed_title,
                                 wait=True, quiet=quiet)

        try:
            await self._run_external(play, terminal=True)
        except commands.CommandError as error:
            self._say_error(error)

    def action_download_enclosure(self) -> None:
        row = self._item_row("press D to download its enclosure")
        if row is None:
            return
        if row.id in self._downloading:  # one file, one writer
            self.app.notify("This enclosure is downloading already.", markup=False)
            return
        self._downloading |= {row.id}
        self.download_enclosure(row)

    async def _download_bar(self) -> ProgressBar:
        try:
            return self.query_one("#download-progress", ProgressBar)
        except NoMatches:
            bar = ProgressBar(id="download-progress", show_eta=False)
            await self.query_one("#status-bar").mount(bar)
            return bar

    @on(messages.DownloadProgress)
    def download_progress(self, event: messages.DownloadProgress) -> None:
        from reader.enclosures import human_size

        try:
            bar = self.query_one("#download-progress", ProgressBar)
        except NoMatches:
            return
        bar.update(total=event.total, progress=event.done)
        size = human_size(event.done) or "0 bytes"
        if event.total:
            size += f" of {human_size(event.total)}"
        self.update_status(f"Downloading {size}: {plain(event.title)}")

    @work(group="download")
    @unless_closing
    async def download_enclosure(self, row: Headline) -> None:
        """Into `[download] folder`, streamed and resumable; progress in the status bar."""
        from feeds.download import DownloadError
        from reader.enclosures import NoEnclosure, human_size

        self._downloading |= {row.id}
        try:
            bar = await self._download_bar()
            bar.update(total=None, progress=0)
            bar.display = True
            self.update_status(f"Downloading {plain(row.title)}…")
            result = await self.core.download(row.id)
        except (DownloadError, NoEnclosure) as error:
            self._say_error(error)
        else:
            self.app.notify(f"Downloaded {result.path} ({human_size(result.size)})",
                            markup=False)
        finally:
            self._downloading -= {row.id}
            if not self._downloading and self.is_attached:
                self.query_one("#download-progress").display = False
                self.update_status()

    def action_bookmark(self) -> None:
        row = self._item_row("press b to bookmark it")
        if row is not None:
            self.bookmark(row)

    @work(group="commands")
    @unless_closing
    async def bookmark(self, row: Headline) -> None:
        from reader import commands

        settings = self.core.config.commands

        def run(quiet: bool) -> int | None:
            return commands.bookmark(settings, row.link, title=row.title, feed=row.feed_title,
                                     quiet=quiet)

        try:
            status = await self._run_external(run, terminal=False)
        except commands.CommandError as error:
            self._say_error(error)
            return
        if status:
            self.app.notify(f"commands.bookmark exited with status {status}", markup=False,
                            severity="warning")
        else:
            self.app.notify(f"Bookmarked {plain(row.title)}", markup=False)

    def action_pipe_article(self) -> None:
        row = self._item_row("press | to pipe its text")
        if row is not None:
            self.pipe_article(row)

    @work(group="commands")
    @unless_closing
    async def pipe_article(self, row: Headline) -> None:
        from reader import commands

        settings = self.core.config.commands
        if settings.pipe is None:  # said before reading the article
            self._say_error(commands.CommandError("no pipe command: set commands.pipe"))
            return
        found = await self._article_text(row)
        if found is None:
            return
        item, text = found

        # As `W` would save it as text: title, feed and date, link, then the body.
        document = commands.article_document(item.title, text, feed=item.feed_title,
                                             url=item.link, published=item.published,
                                             fmt="text")

        def run(quiet: bool) -> int | None:
            return commands.pipe(settings, document, url=item.link or "", title=item.title,
                                 feed=item.feed_title, quiet=quiet)

        try:
            status = await self._run_external(run, terminal=True)
        except commands.CommandError as error:
            self._say_error(error)
            return
        if status:
            self.app.notify(f"commands.pipe exited with status {status}", markup=False,
                            severity="warning")

    def action_save_article(self) -> None:
        row = self._item_row("press W to save it")
        if row is not None:
            self.save_article(row)

    @work(group="commands")
    @unless_closing
    async def save_article(self, row: Headline) -> None:
        import asyncio

        from reader import commands

        found = await self._article_text(row)
        if found is None:
            return
        item, text = found
        settings = self.core.config.commands
        folder = None if settings.save_dir else self.core.config.download.folder
        try:
            path = await asyncio.to_thread(
                commands.save, settings, item.title, text, feed=item.feed_title,
                url=item.link, published=item.published, folder=folder)
        except commands.CommandError as error:
            self._say_error(error)
            return
        self.app.notify(f"Saved to {path}", markup=False)

    def action_open_link_read(self) -> None:
        """O: open the link (as o does) and mark the item read."""
        row = self._current()
        link = self._link()
        if row is None or link is None:
            self.app.notify("This item has no web link.", markup=False, severity="warning")
            return
        self.open_url(link)
        if not row.read:
            self.set_read([row.id], True)

    def _open_with_command(self, url: str) -> None:
        """In a thread: `[commands] browser` names a program for this URL."""
        from reader.commands import CommandError, open_link

        try:
            open_link(self.core.config.commands, url)
        except CommandError as error:
            self.app.call_from_thread(self._say_error, error)

    def _feed_to_edit(self) -> FeedRow | str:
        """The feed `e` edits: highlighted in the feeds panel, or the one the list shows."""
        feeds = {feed.id: feed for feed in self._feed_rows}
        if not feeds:
            return "There are no feeds to edit. a adds one."
        if self.feed_panel.has_focus:
            feed = self.feed_panel.current_feed
            if feed is not None:
                return feed
            return "Highlight a feed (not a folder or a view) to edit it."
        if self.view.feed_id is not None and self.view.feed_id in feeds:
            return feeds[self.view.feed_id]
        return "Select the feed in the feeds panel (f), then press e."

    def action_edit_feed(self) -> None:
        feed = self._feed_to_edit()
        if isinstance(feed, str):
            self.app.notify(feed, markup=False)
            return
        self.edit_feed(feed.id)

    @work(exclusive=True, group="feed-editor")
    @unless_closing
    async def edit_feed(self, feed_id: int) -> None:
        from reader.screens.feed_editor import FeedEdit, FeedEditor

        names = await self.core.feed_names(feed_id)
        if names is None:
            self.app.notify("This feed is gone.", markup=False)
            return

        def edited(edit: FeedEdit | None) -> None:
            if edit is not None:
                self.save_feed_edit(feed_id, edit)

        self.app.push_screen(FeedEditor(names), edited)

    @work(group="feeds-edit")
    @unless_closing
    async def save_feed_edit(self, feed_id: int, edit: Any) -> None:
        row = await self.core.edit_feed(feed_id, edit.title, edit.folders)
        if row is None:
            self.app.notify("This feed is gone.", markup=False)
            return
        folders = ", ".join(plain(tag) for tag in row.tags) or "no folder"
        self.app.notify(f"{plain(row.title)} · {folders}", markup=False)
        keep = self.headlines.highlighted.id if self.headlines.highlighted else None
        self.reload_headlines(keep)  # the rows show the feed's new name


    # -- sync accounts (issue 14) ---------------------------------------------------------

    _sync_status: SyncStatus | None = None  # accounts and queued marks, read in a worker
    _sync_finished: messages.SyncFinished | None = None  # this flight's sync results

    def action_sync_now(self) -> None:
        """S: sync every account now (a running refresh syncs too: it is joined)."""
        self.sync_now()

    @work(exclusive=True, group="sync-now")
    @unless_closing
    async def sync_now(self) -> None:
        accounts = await self.core.accounts()
        if not accounts:
            self.app.notify(
                "There is no sync account yet. Add one on the command line: reader account "
                "add greader|ttrss URL --user NAME; then S syncs it (and R and the "
                "schedule do too).", markup=False, timeout=10)
            return
        outcome = self.core.sync_now()
        if outcome == "started":
            self.update_status(f"Syncing {count_of(len(accounts), 'account')}…")
        elif outcome == "joined":
            self.app.notify("Refreshing already; the running refresh syncs the accounts too.",
                            markup=False)
        else:
            self.app.notify("Refreshing already; the sync follows when it ends.",
                            markup=False)

    @on(messages.RefreshStarted)
    def sync_flight_started(self) -> None:
        self._sync_finished = None

    @on(messages.SyncFinished)
    def sync_finished(self, event: messages.SyncFinished) -> None:
        """Remember the lines for the flight's end; marks the server changed on items
        already listed are read again (new items come by ItemsAdded)."""
        self._sync_finished = event
        if event.marks_changed:
            keep = self.headlines.highlighted.id if self.headlines.highlighted else None
            self.reload_headlines(keep)

    def sync_result_shown(self, event: messages.RefreshFinished) -> bool:
        """The end of a flight that synced accounts: one toast with the refresh's line (when
        it fetched local feeds) and one line per account. False: no account was synced,
        the plain refresh toast applies."""
        from reader.wording import refresh_line

        synced, self._sync_finished = self._sync_finished, None
        if synced is None:
            return False
        self.query_one(RefreshMeter).clear()
        self.update_status()
        summary = event.summary
        # The other steps' errors (retention): the accounts' failures are in `synced`.
        error = event.error
        if synced.failed and error:
            error = error.replace(f"sync: {'; '.join(synced.failed)}".splitlines()[0], "")
            error = error.strip("; ") or None
        failed = bool(synced.failed or error or summary.failures)
        if event.reason != "manual":  # automatic: what is new, and what failed
            if event.announcement:
                self.app.notify(event.announcement, markup=False)
            problems = [*synced.failed, *([error] if error else [])]
            if problems:
                self.app.notify("\n".join(problems), markup=False, severity="warning")
            return True
        lines = []
        if summary.feeds:
            line = refresh_line(summary, event.feed_titles)
            if event.announcement and summary.feeds > 1:
                line += f" ({event.announcement})"
            lines.append(line)
        lines += [*synced.lines, *synced.failed, *([error] if error else [])]
        self.app.notify("\n".join(lines) or "Synced.", markup=False,
                        severity="warning" if failed else "information")
        return True

    @on(messages.FeedsChanged)
    def sync_status_changed(self) -> None:
        self.reload_sync_status()

    @work(exclusive=True, group="sync-status")
    @unless_closing
    async def reload_sync_status(self) -> None:
        status = await self.core.sync_status()
        if status != self._sync_status:
            self._sync_status = status
            if not self.refreshing:  # a refresh's progress line stays until it ends
                self.update_status()

    def sync_note(self) -> str:
        """The status bar's word on sync: the account of the feed shown, and the marks
        still queued for a server (none said when there is nothing to say)."""
        note = ""
        if self.view.feed_id is not None:
            feed = next((f for f in self._feed_rows if f.id == self.view.feed_id), None)
            if feed is not None and feed.account:
                note += f" · synced with {feed.account}"
        status = self._sync_status
        if status is not None and status.queued:
            note += f" · {count_of(status.queued, 'mark')} waiting to sync (S sends them)"
        if status is not None and status.errors:
            name, error = next(iter(status.errors.items()))
            note += f" · ! {name}: {error}"
        return note
