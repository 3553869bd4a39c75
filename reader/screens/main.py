"""The reader's one main screen: feeds, headlines, the article and its timeline.

Store reads that can take longer than a frame run in thread workers; fetching runs in async
workers; the article is rendered once per open, never on a cursor move.
"""

from __future__ import annotations

import asyncio
import webbrowser
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import get_current_worker

from reader.rows import FeedRow, Headline
from reader.screens.dialogs import AddFeedDialog, ConfirmDialog, LinksDialog, SearchDialog
from reader.store import Item, Store, StoreError, View
from reader.widgets.article_view import ArticleMeta, ArticleView
from reader.widgets.feed_panel import FeedPanel, view_key
from reader.widgets.headline_list import HeadlineList
from reader.widgets.timeline_pane import TimelinePane
from reader.wording import count_of

if TYPE_CHECKING:
    from reader.app import ReaderApp

PREVIEW_DELAY = 0.25  # seconds the cursor rests before the highlighted item is previewed
FIRST_PAGE = 300  # rows loaded before the first paint; the rest follow in a worker
WIDE = 120  # at this width and more, list, article and timeline show together
OUTSIDE_CHECK = 2.0  # seconds between looks for commits by other processes (reader mark, cron)


def _binding(key: str, action: str, description: str, binding_id: str, tooltip: str,
             show: bool = True, key_display: str | None = None) -> Binding:
    return Binding(key, action, description, id=binding_id, tooltip=tooltip, show=show,
                   key_display=key_display)


def empty_message(view: View) -> str:
    """What an empty headline list says, for the view it shows."""
    if view.kind == "search":
        return "Nothing matches this search. Esc leaves it."
    if view.kind == "starred":
        return "No starred items. s stars the open item."
    if view.kind == "unread" or view.unread_only:
        return "No unread items."
    if view.kind in ("feed", "tag"):
        return "No items here yet. r refreshes."
    return "No items here. Press a to add a feed, R to refresh."


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
        _binding("q", "quit_or_back", "Quit", "quit",
                 "Quit the reader (from an open article: back to the list first)"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.view = View()
        self.unread_only = False
        self.search_query: str | None = None
        self.open_item: Item | None = None
        self.refreshing = False
        self._feed_rows: list[FeedRow] = []
        self._narrow: bool | None = None
        self._preview_timer: Timer | None = None
        self._shown_id: int | None = None  # the item opened or previewed last

    @property
    def reader_app(self) -> ReaderApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield FeedPanel(id="feeds")
            with Vertical(id="center"):
                yield HeadlineList(id="headlines", empty_message=empty_message(View()))
                yield ArticleView(id="article")
            yield TimelinePane(id="timeline")
        with Horizontal(id="status-bar"):
            yield Static("", id="status")
            yield ProgressBar(id="progress", show_eta=False)
        yield Footer(compact=True)

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

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        self.article.clear("Select a headline and press Enter to read it.")
        self.timeline.set_entries([], "")
        self.apply_layout(self.app.size.width)
        first = self.store.headlines(self._effective_view(), limit=FIRST_PAGE)
        self.headlines.set_rows(first)
        self.headlines.focus()
        self.reload_feeds()
        if len(first) >= FIRST_PAGE:
            self.reload_headlines()
        else:
            self.update_status()
        self._data_version: int | None = None
        self.set_interval(OUTSIDE_CHECK, self.check_outside_changes)

    @work(thread=True, exclusive=True, group="outside")
    def check_outside_changes(self) -> None:
        """Another process (`reader mark`, a refresh from cron, a second reader) committed:
        show its marks and items too. SQLite's data_version moves only for other
        connections' commits, so the app's own writes cost nothing here."""
        try:
            version = self.store.data_version()
        except StoreError:
            return  # the next look will tell; a refresh reports database trouble itself
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        if changed and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._outside_changed)

    def _outside_changed(self) -> None:
        self.reload_feeds()
        self.reload_headlines()

    def on_resize(self) -> None:
        self.apply_layout(self.app.size.width)

    def apply_layout(self, width: int) -> None:
        """Wide: everything at once. Narrow: panes toggle, reading hides the list."""
        narrow = width < WIDE
        if narrow != self._narrow:
            self._narrow = narrow
            self.set_class(narrow, "narrow")
            self.set_class(not narrow, "show-timeline")
            self.set_class(not narrow, "show-feeds")
            # Narrow, "? Help" and "q Quit" matter more than the palette's hint (Ctrl+P works).
            self.query_one(Footer).show_command_palette = not narrow

    # -- loading ------------------------------------------------------------------------

    def _effective_view(self) -> View:
        return replace(self.view, unread_only=self.unread_only)

    @work(thread=True, exclusive=True, group="headlines")
    def reload_headlines(self, keep_id: int | None = None, new_view: bool = False) -> None:
        rows = self.store.headlines(self._effective_view())
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show_rows, rows, keep_id, new_view)

    def _show_rows(self, rows: list[Headline], keep_id: int | None,
                   new_view: bool = False) -> None:
        self.headlines.empty_message = empty_message(self._effective_view())
        self.headlines.set_rows(rows, keep_id=keep_id)
        if new_view and not rows:  # nothing here: an article from elsewhere would mislead
            self.clear_article()
        self.update_status()

    @work(thread=True, exclusive=True, group="feeds")
    def reload_feeds(self) -> None:
        feeds = self.store.feeds()
        totals = self.store.counts()
        self.app.call_from_thread(self._show_feeds, feeds, totals)

    def _show_feeds(self, feeds: list[FeedRow], totals: dict[str, int]) -> None:
        self._feed_rows = feeds
        self.feed_panel.set_feeds(feeds, totals, search=self.search_query)
        self.update_status()

    def update_status(self, message: str | None = None) -> None:
        if message is None:
            name = {"all": "All", "unread": "Unread", "starred": "Starred"}.get(self.view.kind)
            if self.view.kind == "feed":
                feed = next((f for f in self._feed_rows if f.id == self.view.feed_id), None)
                name = feed.title if feed else "Feed"
                if feed and feed.last_error:
                    name += f"  ! last refresh failed: {feed.last_error}"
            elif self.view.kind == "tag":
                name = f"Folder {self.view.tag}"
            elif self.view.kind == "search":
                name = f"Search: {self.view.query}"
            count = len(self.headlines.rows)
            message = (f"{name} · {count_of(count, 'item')}"
                       + (" · unread only" if self.unread_only else ""))
        self.query_one("#status", Static).update(Text(message, no_wrap=True,
                                                      overflow="ellipsis"))

    # -- choosing a view ----------------------------------------------------------------

    @on(FeedPanel.ViewChosen)
    def view_chosen(self, event: FeedPanel.ViewChosen) -> None:
        self.set_view(event.view)
        self.headlines.focus()

    def set_view(self, view: View) -> None:
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
        def chosen(url: str | None) -> None:
            if url:
                self.open_url(url)

        self.app.push_screen(LinksDialog(event.links), chosen)

    def open_article(self, item_id: int, *, focus: bool = True) -> None:
        self.add_class("reading")
        if focus:
            self.article.focus()
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._shown_id = item_id
        self.load_article(item_id)

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
        self.remove_class("reading")

    def preview_article(self, item_id: int) -> None:
        # Never for the item being opened: the preview would cancel its page fetch.
        if item_id != self._shown_id:
            self._shown_id = item_id
            self.load_article(item_id, preview=True)

    @work(exclusive=True, group="article")
    async def load_article(self, item_id: int, preview: bool = False) -> None:
        """Show an item: opening marks it read and fetches its page when the feed gave only
        a summary; a preview does neither."""
        from reader.story import load_article, needs_page, stored_article

        item = await asyncio.to_thread(self.store.item, item_id)
        if item is None:
            self.article.clear("This item is gone.")
            return
        self.open_item = item
        meta = ArticleMeta(item_id=item.id, title=item.title, feed_title=item.feed_title,
                           author=item.author, published=item.published, link=item.link)
        if not preview and not item.read:
            self.set_read([item.id], True)
        note = None
        if not needs_page(item):
            article = await asyncio.to_thread(stored_article, item)
        elif preview:
            article = await asyncio.to_thread(stored_article, item)
            note = "This is the feed's summary: press Enter to load the whole article."
        else:
            self.article.show_loading(meta)
            self.timeline.show_loading()
            article = await load_article(self.store, item,
                                         limits=self.reader_app.fetch_limits)
        if self.open_item is None or self.open_item.id != item_id:
            return
        self.article.show(meta, article.text, article.links)
        if note or article.note:
            self.article.show_note(note or article.note or "")
        self.load_story(item, article.text)

    @work(thread=True, exclusive=True, group="story")
    def load_story(self, item: Item, text: str) -> None:
        from reader.story import story_for

        story = story_for(self.store, item, text)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self.timeline.set_entries, story.entries(), story.header)

    # -- read state ---------------------------------------------------------------------

    def set_read(self, item_ids: list[int], read: bool) -> None:
        """Committed to the database at once, then every count on screen follows."""
        changed = self.store.mark_read(item_ids, read)
        if not changed:
            return
        for item_id in item_ids:
            row = self.store.headline(item_id)
            if row is not None:
                self.headlines.update_row(row)
        self.reload_feeds()

    def _current(self) -> Headline | None:
        if self.article.has_focus and self.open_item is not None:
            return self.store.headline(self.open_item.id)
        return self.headlines.highlighted

    def action_toggle_read(self) -> None:
        row = self._current()
        if row is not None:
            self.set_read([row.id], not row.read)

    def action_toggle_star(self) -> None:
        row = self._current()
        if row is None:
            return
        self.store.set_starred([row.id], not row.starred)
        updated = self.store.headline(row.id)
        if updated is not None:
            self.headlines.update_row(updated)
        self.reload_feeds()

    def action_mark_view_read(self) -> None:
        rows = self.headlines.rows
        unread = sum(1 for row in rows if not row.read)
        if not unread:
            self.app.notify("Nothing unread here.", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                changed = self.store.mark_view_read(self._effective_view())
                self.app.notify(f"Marked {count_of(changed, 'item')} read.", markup=False)
                self.reload_headlines()
                self.reload_feeds()

        if unread > self.headlines.size.height:
            self.app.push_screen(ConfirmDialog(f"Mark {count_of(unread, 'item')} read?"),
                                 answered)
        else:
            answered(True)

    def action_next_unread(self, backwards: bool = False) -> None:
        current = self._current()
        after = current.id if current else None
        found = self.store.next_unread(after, self._effective_view(), backwards=backwards)
        if found is None and self.view.kind != "all":
            found = self.store.next_unread(after, View(), backwards=backwards)
            if found is not None:
                self.view = View()
                self.feed_panel.select_key("all")
                self.headlines.set_rows(self.store.headlines(self._effective_view()),
                                        keep_id=found)
        if found is None:
            self.app.notify("No more unread items.", markup=False)
            return
        if not self.headlines.move_to(found):
            self.headlines.set_rows(self.store.headlines(self._effective_view()), keep_id=found)
        self.open_article(found, focus=self.article.has_focus)

    def action_page_or_next(self) -> None:
        if self.open_item is not None and self.has_class("reading"):
            if self.article.page_down_or_end():
                return
        self.action_next_unread()

    # -- navigation ---------------------------------------------------------------------

    def action_back(self) -> None:
        if self.feed_panel.has_focus:
            if self._narrow:  # the panel was opened over the list with f: close it again
                self.remove_class("show-feeds")
            self.headlines.focus()
        elif self.article.has_focus or self.timeline.has_focus_within:
            self.remove_class("reading")
            self.headlines.focus()
        elif self.view.kind == "search":
            self.search_query = None
            self.feed_panel.set_search(None)
            self.set_view(View())
        elif self.has_class("reading"):
            self.remove_class("reading")

    def action_quit_or_back(self) -> None:
        if self.article.has_focus or self.timeline.has_focus_within:
            self.action_back()
        else:
            self.app.exit()

    def action_toggle_timeline(self) -> None:
        self.toggle_class("show-timeline")

    def action_toggle_feeds(self) -> None:
        self.toggle_class("show-feeds")
        if self.has_class("show-feeds"):
            self.feed_panel.focus()

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        keep = self.headlines.highlighted.id if self.headlines.highlighted else None
        self.reload_headlines(keep)

    # -- links --------------------------------------------------------------------------

    def _link(self) -> str | None:
        from feeds.text import safe_url

        row = self._current()
        return safe_url(row.link) if row and row.link else None

    def action_open_link(self) -> None:
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
        """In a thread: some browsers block until they exit. Says so when none is found."""
        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        if not opened:
            self.app.call_from_thread(
                self.app.notify, "No web browser was found to open the link; y copies it.",
                markup=False, severity="warning")

    def action_copy_link(self) -> None:
        link = self._link()
        if link is None:
            self.app.notify("This item has no web link.", markup=False, severity="warning")
            return
        self.app.copy_to_clipboard(link)
        self.app.notify(f"Copied {link}", markup=False)

    # -- feeds --------------------------------------------------------------------------

    def _selected_feed_id(self) -> int | None:
        if self.feed_panel.has_focus and self.feed_panel.current_feed is not None:
            return self.feed_panel.current_feed.id
        if self.view.kind == "feed":
            return self.view.feed_id
        row = self._current()
        return row.feed_id if row else None

    def action_add_feed(self) -> None:
        def added(feed_id: int | None) -> None:
            if feed_id is None:
                return
            feed = self.store.feed(feed_id)
            self.app.notify(f"Added {feed.title if feed else 'the feed'} "
                            f"({count_of(feed.total if feed else 0, 'item')})", markup=False)
            self.view = View(kind="feed", feed_id=feed_id)
            self.reload_feeds()
            self.feed_panel.select_key(view_key(self.view))
            self.set_view(self.view)

        self.app.push_screen(AddFeedDialog(self.store, self.reader_app.fetch_limits), added)

    def action_remove_feed(self) -> None:
        feed_id = self._selected_feed_id()
        feed = self.store.feed(feed_id) if feed_id is not None else None
        if feed is None:
            self.app.notify("Select a feed first.", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.store.remove_feed(feed.id)
            self.app.notify(f"Removed {feed.title}", markup=False)
            if self.open_item is not None and self.open_item.feed_id == feed.id:
                self.clear_article()
            if self.view.kind == "feed" and self.view.feed_id == feed.id:
                self.view = View()
            self.reload_feeds()
            self.reload_headlines()

        self.app.push_screen(
            ConfirmDialog(f"Remove {feed.title} and its {count_of(feed.total, 'item')}?"),
            answered)

    def action_search(self) -> None:
        def searched(query: str | None) -> None:
            if not query:
                return
            self.search_query = query
            self.feed_panel.set_search(query)
            self.set_view(View(kind="search", query=query))
            self.headlines.focus()

        self.app.push_screen(SearchDialog(self.search_query or ""), searched)

    # -- refresh ------------------------------------------------------------------------

    def action_refresh_feed(self) -> None:
        feed_id = self._selected_feed_id()
        if feed_id is None:
            self.action_refresh_all()
            return
        self.run_refresh([feed_id])

    def action_refresh_all(self) -> None:
        self.run_refresh(None)

    def run_refresh(self, feed_ids: list[int] | None) -> None:
        if self.refreshing:
            self.app.notify("A refresh is already running.", markup=False)
            return
        self.refreshing = True
        self.refresh_worker(feed_ids)

    @work(exclusive=True, group="refresh")
    async def refresh_worker(self, feed_ids: list[int] | None) -> None:
        from reader.refresh import (
            FeedDone,
            FeedFailed,
            RefreshStarted,
            RefreshSummary,
            refresh,
        )

        progress = self.query_one("#progress", ProgressBar)
        summary = RefreshSummary()
        loop = asyncio.get_running_loop()
        last_reload = 0.0
        try:
            async for event in refresh(self.store, feed_ids, force=feed_ids is not None,
                                       limits=self.reader_app.fetch_limits):
                summary.add(event)
                if isinstance(event, RefreshStarted):
                    progress.update(total=max(1, event.total), progress=0)
                    progress.display = True
                    self.update_status(f"Refreshing {event.total} feeds…")
                elif isinstance(event, FeedDone | FeedFailed):
                    progress.advance(1)
                    if isinstance(event, FeedDone) and event.new and \
                            loop.time() - last_reload > 0.5:
                        last_reload = loop.time()
                        self.reload_headlines()
                        self.reload_feeds()
        finally:
            self.refreshing = False
            progress.display = False
        message = summary.line()
        if summary.failures:
            message += "\n" + "\n".join(f"{failure.url}: {failure.error}"
                                        for failure in summary.failures[:5])
        self.app.notify(message, markup=False,
                        severity="warning" if summary.failures else "information")
        self.reload_headlines()
        self.reload_feeds()
