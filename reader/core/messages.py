"""What the app core tells the screens. Dataclass messages; floods merge (`can_replace`).

The core posts them to the screen that listens (`AppCore.listen`); screens render them and
never ask the database themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from reader.refresh import RefreshSummary



@dataclass
class RefreshStarted(Message):
    """A refresh (local feeds, then any sync steps) began."""

    total: int
    reason: str = "manual"  # "manual", "schedule", "start"


@dataclass
class RefreshProgress(Message):
    """`done` of `total` feeds are stored; only the newest one matters."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgress)


@dataclass
class ItemsAdded(Message):
    """New items were stored (ids above every earlier one): views take them in."""

    feed_ids: frozenset[int] = field(default_factory=frozenset)

    def can_replace(self, message: Message) -> bool:
        # Textual asks the older message whether the newer one, queued behind it, may
        # stand for both: it may, once it carries the older one's feeds too.
        if isinstance(message, ItemsAdded):
            message.feed_ids = message.feed_ids | self.feed_ids
            return True
        return False


@dataclass
class FeedsChanged(Message):
    """Counts, titles, errors or the feed list changed: the panel reads them again."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedsChanged)


@dataclass
class OutsideChange(Message):
    """Another process committed (`reader mark`, a cron refresh, a second reader)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OutsideChange)


@dataclass
class RefreshFinished(Message):
    """The refresh ended; `summary` says what it did, `error` why it stopped early."""

    summary: RefreshSummary
    feed_titles: dict[int, str] = field(default_factory=dict)
    error: str | None = None
    reason: str = "manual"  # "manual", "schedule", "start"
    announcement: str | None = None  # "N new items in K feeds", once per refresh


@dataclass
class SyncProgress(Message):
    """A sync account's stage ("pushing", "subscriptions", "state", "items", "done")."""

    account: str
    stage: str
    done: int = 0
    total: int = 0

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SyncProgress) and message.account == self.account


@dataclass
class CoreError(Message):
    """A background job failed in a way the user must hear about (one line)."""

    text: str


@dataclass
class DownloadProgress(Message):
    """An enclosure download of `item_id` has `done` bytes of `total` (None: unknown);
    only the newest one of a download matters."""

    item_id: int
    done: int
    total: int | None = None
    title: str = ""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DownloadProgress) and message.item_id == self.item_id


@dataclass
class SyncFinished(Message):
    """Every account was synced once: one line per account that worked ("sent 2 changes,
    3 new items") and per account that failed (its one-line reason)."""

    lines: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    marks_changed: bool = False  # the servers' read/starred state changed items held here
