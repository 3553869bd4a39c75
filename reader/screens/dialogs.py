"""Modal dialogs: add a feed, confirm, search, and the help screen.

Every feed-derived string is shown through Text/Content, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, LoadingIndicator, OptionList, Select, Static
from textual.widgets.option_list import Option

from reader.rows import ArticleLink, FeedRow
from reader.widgets.article_view import NO_LINKS_MESSAGE
from reader.widgets.headline_list import plain
from reader.widgets.help_pane import HelpContent, HelpPane, HelpRow, HelpSection

if TYPE_CHECKING:
    from reader.core.app_core import AppCore
    from reader.refresh import Probe


HERE = "here"  # the add dialog's "this computer"; an account is "account:" + its name


class AddFeedDialog(ModalScreen[FeedRow | None]):
    """Ask for a URL, fetch it in the background, and subscribe through the app core's one
    subscribe flow; dismisses with the new feed. With sync accounts, the feed can go to one
    of them instead (subscribed on its server, which fetches it); this computer stays the
    default."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="add-feed.cancel",
                tooltip="Stop fetching and close the dialog"),
    ]

    def __init__(self, core: AppCore) -> None:
        super().__init__()
        self.core = core
        self.page: Probe | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Add a feed", classes="dialog-title")
            yield Static("A feed URL, or a web page that links one.", classes="dialog-help")
            yield Input(placeholder="https://example.org/feed.xml", id="url")
            with Horizontal(id="where-row"):
                yield Static("Subscribe on", id="where-label")
                yield Select([("this computer", HERE)], value=HERE, allow_blank=False,
                             id="where")
            yield LoadingIndicator(id="spinner")
            yield Static("", id="reason")
            yield OptionList(id="choices")

    def on_mount(self) -> None:
        if self.app.return_code is not None:
            return  # q then a, typed together: the app is exiting and composes nothing
        self.query_one("#spinner").display = False
        self.query_one("#choices").display = False
        self.query_one("#where-row").display = False
        self.load_accounts()

    @work(group="add-feed-accounts")
    async def load_accounts(self) -> None:
        """Offer the sync accounts as places to subscribe (none: the row stays hidden)."""
        names = await self.core.accounts()
        if not names:
            return
        where = self.query_one("#where", Select)
        where.set_options([("this computer", HERE),  # names as plain text, never markup
                           *((Text(f"{name} (sync account)"), f"account:{name}")
                             for name in names)])
        where.value = HERE
        self.query_one("#where-row").display = True
        self.query_one(".dialog-help", Static).update(
            "A feed URL, or a web page that links one. Tab: choose where to subscribe.")

    @on(Select.Changed, "#where")
    def where_chosen(self) -> None:
        """Back to the URL field: Enter there subscribes where was chosen."""
        self.query_one("#url", Input).focus()

    @property
    def account(self) -> str | None:
        """The sync account chosen, or None for this computer."""
        value = self.query_one("#where", Select).value
        if isinstance(value, str) and value.startswith("account:"):
            return value[len("account:"):]
        return None

    @on(Input.Submitted, "#url")
    def submitted(self, event: Input.Submitted) -> None:
        url = event.value.strip()
        if not url:
            self.say("Type a URL first.")
            return
        self.start(url)

    def start(self, url: str) -> None:
        self.say("")
        self.query_one("#choices").display = False
        self.query_one("#spinner").display = True
        self.subscribe(url)

    def say(self, message: str) -> None:
        self.query_one("#reason", Static).update(Text(message))

    @work(exclusive=True, group="add-feed")
    async def subscribe(self, url: str) -> None:
        account = self.account
        if account is not None and "://" not in url:
            url = f"https://{url}"  # the server fetches it: give it a whole URL
        outcome = await self.core.subscribe(url, account=account)
        if outcome.note and account is None:
            self.app.notify(outcome.note, markup=False)
        if outcome.error is not None:
            self.query_one("#spinner").display = False
            self.say(outcome.error)
            return
        if outcome.page is not None:
            self.offer(outcome.page)
            return
        self.dismiss(outcome.feed)

    def offer(self, page: Probe) -> None:
        """A page with several feeds: let the user pick one."""
        self.page = page
        self.query_one("#spinner").display = False
        self.say("This page links these feeds; pick one:")
        choices = self.query_one("#choices", OptionList)
        choices.clear_options()
        for index, feed in enumerate(page.discovered):
            label = Text(feed.title or feed.url)
            label.append(f"  {feed.url}", style="dim")
            choices.add_option(Option(label, id=str(index)))
        choices.display = True
        choices.highlighted = 0
        choices.focus()

    @on(OptionList.OptionSelected, "#choices")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.page is None:
            return
        feed = self.page.discovered[int(event.option.id or 0)]
        self.query_one("#url", Input).value = feed.url
        self.start(feed.url)

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "add-feed")
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; Enter or y says yes, Escape or n says no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Confirm"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question), classes="dialog-title")
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class SearchDialog(ModalScreen[str | None]):
    """Full-text search: the words typed become a view of matching items."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="search.cancel", tooltip="Close the search"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.query_text = query

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Search all items", classes="dialog-title")
            yield Input(value=self.query_text, placeholder="words to find", id="query")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every key, generated from the bindings themselves (never a second hand-written list),
    with the binding id that config.toml remaps it by. Scrolls with the usual keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close",
                tooltip="Close the help"),
        Binding("j", "scroll('down')", "Down", show=False),
        Binding("k", "scroll('up')", "Up", show=False),
        Binding("g", "scroll('home')", "Top", show=False),
        Binding("G", "scroll('end')", "Bottom", show=False),
        Binding("space", "scroll('page_down')", "Page down", show=False),
    ]

    def __init__(self, sections: Iterable[tuple[str, Iterable[Binding]]],
                 config_path: Path | None = None) -> None:
        super().__init__()
        self.sections = [(title, list(bindings)) for title, bindings in sections]
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        yield HelpPane(self.help_content(), id="help")

    def help_content(self) -> HelpContent:
        """What the help shows, as data: laid out once per width and kept between openings."""
        where = str(self.config_path) if self.config_path else "config.toml"
        sections = tuple(
            HelpSection(title, tuple(
                HelpRow(", ".join(_key_label(key) for key in binding.key.split(",")),
                        binding.tooltip or binding.description, binding.id or "")
                for binding in bindings))
            for title, bindings in self.sections)
        return HelpContent("Keys", sections, (
            f"Keys can be remapped in {where} under [keys] by binding id, e.g. "
            'next-unread = "n,N"; preset = "newsboat" adds newsboat\'s keys.',
            "In the feeds panel, ! marks a feed whose last refresh failed and ~ one that "
            "worked with a warning (reader feeds says which).",
            "⇅ marks a feed of a sync account: its server fetches it, S syncs (the status "
            "bar names the account when it is shown)."))

    def on_mount(self) -> None:
        self.query_one("#help").focus()

    def on_screen_resume(self) -> None:
        self.query_one("#help", HelpPane).scroll_home(animate=False)  # each opening: the top

    def action_scroll(self, where: str) -> None:
        """j/k/g/G/Space in the help, like in the article."""
        container = self.query_one("#help", HelpPane)
        getattr(container, f"scroll_{where}")(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


KEY_NAMES = {"question_mark": "?", "slash": "/", "space": "Space", "enter": "Enter",
             "escape": "Esc", "pageup": "PgUp", "pagedown": "PgDn", "tab": "Tab",
             "shift+tab": "Shift+Tab", "f1": "F1", "up": "↑", "down": "↓", "home": "Home",
             "end": "End", "ctrl+p": "Ctrl+P", "ctrl+r": "Ctrl+R", "ctrl+n": "Ctrl+N",
             "colon": ":", "vertical_line": "|"}


def _key_label(key: str) -> str:
    key = key.strip()
    return KEY_NAMES.get(key, key)


class LinksDialog(ModalScreen[str | None]):
    """The article's numbered links, each with its text above its URL: j/k (or the arrows)
    move, Enter or a digit 1-9 opens one, Escape closes. Dismisses with the chosen URL."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="links.cancel", tooltip="Close the list"),
        Binding("j", "move(1)", "Down", id="links.cursor-down", show=False,
                tooltip="Next link"),
        Binding("k", "move(-1)", "Up", id="links.cursor-up", show=False,
                tooltip="Previous link"),
    ]

    def __init__(self, links: Sequence[ArticleLink | str]) -> None:
        super().__init__()
        # plain URLs (an older caller) are numbered in order
        self.links = tuple(link if isinstance(link, ArticleLink) else ArticleLink(number, link)
                           for number, link in enumerate(links, 1))

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Open a link", classes="dialog-title")
            if not self.links:
                yield Static(Text(NO_LINKS_MESSAGE), id="no-links")
                return
            yield Static("j/k move · Enter or 1-9 opens · Esc closes", classes="dialog-help")
            yield OptionList(*(Option(link_prompt(link), id=str(index))
                               for index, link in enumerate(self.links)), id="links")

    def on_mount(self) -> None:
        if self.links:
            options = self.query_one("#links", OptionList)
            options.highlighted = 0
            options.focus()

    def on_key(self, event: events.Key) -> None:
        """A digit opens the link of that number at once (newsboat's habit)."""
        if event.character and event.character in "123456789":
            event.stop()
            wanted = int(event.character)
            link = next((link for link in self.links if link.number == wanted), None)
            if link is not None:
                self.dismiss(link.url)
            else:
                self.notify(f"There is no link [{wanted}].", markup=False)

    def action_move(self, step: int) -> None:
        if not self.links:
            return
        options = self.query_one("#links", OptionList)
        current = options.highlighted if options.highlighted is not None else -step
        options.highlighted = max(0, min(len(self.links) - 1, current + step))

    @on(OptionList.OptionSelected, "#links")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.links[int(event.option.id or 0)].url)

    def action_cancel(self) -> None:
        self.dismiss(None)


def link_prompt(link: ArticleLink) -> Text:
    """"[3] the link's text" over its URL (dim); feed text stays plain text, never markup."""
    prompt = Text()
    prompt.append(f"[{link.number}] ", style="bold")
    if link.text:
        prompt.append(plain(link.text))
        prompt.append("\n    ")
    prompt.append(plain(link.url), style="dim")
    return prompt
