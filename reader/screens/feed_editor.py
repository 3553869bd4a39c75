"""The feed editor (`e`): rename a feed and set its folders, from the app.

The dialog only edits text and hands back a `FeedEdit`; the main screen stores it through the
app core (the user's title and folders, which no refresh touches). Feed-derived strings are
shown as Text, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from feeds.text import clean_line
from reader.widgets.headline_list import plain

if TYPE_CHECKING:
    from reader.core.app_core import FeedNames

MAX_NAME = 200  # characters of a title or a folder name


@dataclass(frozen=True, slots=True)
class FeedEdit:
    """What the user set: a title (None: the feed's own) and its folders, in order."""

    title: str | None
    folders: tuple[str, ...]


def parse_folders(text: str) -> tuple[str, ...]:
    """A comma list of folder names: cleaned as feed text is (no control characters,
    escape sequences or bidi overrides), trimmed, empty ones dropped, each once."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        name = clean_line(part)[:MAX_NAME].strip()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


def parse_title(text: str) -> str | None:
    return clean_line(text)[:MAX_NAME].strip() or None


class FeedEditor(ModalScreen[FeedEdit | None]):
    """Two fields, the name and the folders; Enter saves, Escape leaves it as it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="feed-editor.cancel",
                tooltip="Close without changing the feed"),
    ]

    def __init__(self, feed: FeedNames) -> None:
        super().__init__()
        self.feed = feed

    def compose(self) -> ComposeResult:
        feed = self.feed
        own = plain(feed.own_title).strip() or feed.url
        with Vertical(id="dialog"):
            yield Static("Edit feed", classes="dialog-title")
            yield Static(Text(plain(feed.url), no_wrap=True, overflow="ellipsis"),
                         classes="dialog-help")
            yield Static(Text(f"Name (empty: the feed's own, {own})"), classes="dialog-help")
            yield Input(value=plain(feed.user_title or ""), placeholder=own, id="feed-title")
            yield Static("Folders, separated by commas (empty: none)", classes="dialog-help")
            yield Input(value=", ".join(plain(tag) for tag in feed.folders),
                        placeholder="News, Tech", id="feed-folders")
            yield Static("Enter saves · Tab moves · Escape cancels", classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#feed-title", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        title = self.query_one("#feed-title", Input).value
        folders = self.query_one("#feed-folders", Input).value
        self.dismiss(FeedEdit(parse_title(title), parse_folders(folders)))

    def action_cancel(self) -> None:
        self.dismiss(None)
