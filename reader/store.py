"""The one SQLite database: feeds, items, read state and the full-text index.

Every user action is one committed transaction at once, so a crash a moment later loses
nothing; WAL and a busy timeout let two copies of the reader run together. A refresh
upserts items by (feed, entry id) and never touches `read` or `starred`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from feeds.model import Enclosure
from reader.core.query import ALL, Query
from reader.rows import FeedRow, Headline

BUSY_TIMEOUT_MS = 30_000
REFRESH_CACHE_KIB = 8_192  # the page cache while a refresh writes (Store.refresh_cache)
RELATED_MAX_POSTINGS = 4_000
MAX_HINT = 86400.0  # a feed's own refresh hint delays it by a day at most (reader.schedule)
PRUNED_MEMORY = 180 * 86400  # how long a deleted entry id is kept from coming back


class StoreError(Exception):
    """A problem with the database file that the user must fix; the message says what to do."""


@dataclass(slots=True)
class ItemRecord:
    """An entry ready to store: the feed layer's Entry plus its display text.

    A value: nothing changes a record once made. It is not declared frozen because a refresh's
    parsing workers send thousands of them, and a frozen dataclass builds each one with an
    `object.__setattr__` call per field: unpickling 12,108 records took 18 ms of the reader's
    own process against 6 ms now (issue 13)."""

    entry_id: str
    title: str
    link: str | None
    author: str
    published: float | None  # epoch seconds UTC
    updated: float | None
    summary: str
    content: str
    text: str  # plain display text of content (or summary): searched and compared
    related_links: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()  # http(s) only (issue 15)

    def __reduce__(self) -> tuple:
        """Pickled as its values, rebuilt by the constructor (the default for a dataclass
        with slots sets each field from a Python `__setstate__`: twice as slow)."""
        return (ItemRecord, (self.entry_id, self.title, self.link, self.author,
                             self.published, self.updated, self.summary, self.content,
                             self.text, self.related_links, self.enclosures))


# A record as it crosses from a parsing worker (`Records.rows`): entry id, title, link,
# author, published, updated, then summary, content and text as UTF-8 bytes, the related
# links, and the enclosures as (url, type, length, duration) rows, http(s) only.
WireRow = tuple[str, str, "str | None", str, "float | None", "float | None", bytes, bytes,
                bytes, tuple[str, ...], tuple[tuple[str, str, "int | None", "int | None"], ...]]


class Records(Sequence[ItemRecord]):
    """A parsed feed's records in the form a parsing worker sends them: rows of values with
    the three long texts (summary, content, text: 97% of the characters) as UTF-8 bytes.

    Those bytes are what SQLite stores, so `Store.apply` binds them as they are: the
    reader's process neither decodes them from the worker's pickle nor encodes them again
    for SQLite (a cold refresh of the corpus: ~14 MB each way, 15 ms of its CPU), and makes
    no ItemRecord. Whoever reads the records (a killfile's drop rules) gets ItemRecords,
    made on first use."""

    __slots__ = ("_records", "rows")

    def __init__(self, rows: tuple[WireRow, ...]) -> None:
        self.rows = rows
        self._records: tuple[ItemRecord, ...] | None = None

    @staticmethod
    def row(entry_id: str, title: str, link: str | None, author: str,
            published: float | None, updated: float | None, summary: str, content: str,
            text: str, related_links: tuple[str, ...] = (),
            enclosures: Iterable[Enclosure] = ()) -> WireRow:
        """One record's row (strict UTF-8: a lone surrogate, which SQLite could not store
        either, fails this feed where it was parsed)."""
        summary_utf8 = summary.encode()
        content_utf8 = content.encode() if content != summary else summary_utf8
        # A plain-text item's text is often its summary itself: sent once (the pickle's memo)
        text_utf8 = (summary_utf8 if text == summary else content_utf8 if text == content
                     else text.encode())
        return (entry_id, title, link, author, published, updated, summary_utf8,
                content_utf8, text_utf8, tuple(related_links),
                tuple([(e.url, e.type, _int64(e.length), _int64(e.duration))
                       for e in enclosures
                       if e.url.lower().startswith(("http://", "https://"))]))

    @classmethod
    def of(cls, records: Iterable[ItemRecord]) -> Records:
        if isinstance(records, Records):
            return records
        return cls(tuple([cls.row(r.entry_id, r.title, r.link, r.author, r.published,
                                  r.updated, r.summary, r.content, r.text, r.related_links,
                                  r.enclosures) for r in records]))

    def records(self) -> tuple[ItemRecord, ...]:
        made = self._records
        if made is None:
            made = self._records = tuple([
                ItemRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6].decode(),
                           row[7].decode(), row[8].decode(), row[9],
                           tuple([Enclosure(*values) for values in row[10]]))
                for row in self.rows])
        return made

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):  # type: ignore[no-untyped-def,override]
        return self.records()[index]

    def __iter__(self) -> Iterator[ItemRecord]:
        return iter(self.records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Records):
            return self.rows == other.rows
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return self.records() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Records({len(self.rows)} rows)"

    def __reduce__(self) -> tuple:
        return (Records, (self.rows,))


@dataclass(frozen=True, slots=True)
class Item:
    """One item in full, for the article pane and `reader show`."""

    id: int
    feed_id: int
    feed_url: str
    feed_title: str
    entry_id: str
    title: str
    link: str | None
    author: str
    published: datetime | None
    updated: datetime | None
    summary: str
    content: str
    text: str
    related_links: tuple[str, ...]
    article: str | None  # cached full article text (extracted from the page)
    article_links: tuple[str, ...]
    article_source: str | None
    article_note: str | None
    first_seen: datetime
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class ApplyStats:
    new: int = 0
    updated: int = 0


SCHEMA_V1 = """
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    user_title TEXT,
    site_link TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    etag TEXT,
    last_modified TEXT,
    last_fetched REAL,
    last_error TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    not_before REAL,
    gone INTEGER NOT NULL DEFAULT 0,
    added REAL NOT NULL
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    link TEXT,
    author TEXT NOT NULL DEFAULT '',
    published REAL,
    updated REAL,
    sort_time REAL NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    related_links TEXT NOT NULL DEFAULT '[]',
    article TEXT,
    article_links TEXT,
    article_source TEXT,
    article_note TEXT,
    first_seen REAL NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_id, entry_id)
);
CREATE INDEX items_by_time ON items (sort_time DESC, id DESC);
CREATE INDEX items_by_feed_time ON items (feed_id, sort_time DESC, id DESC);
CREATE INDEX items_unread ON items (sort_time DESC, id DESC) WHERE read = 0;
CREATE INDEX items_unread_by_feed ON items (feed_id) WHERE read = 0;
CREATE INDEX items_starred ON items (sort_time DESC, id DESC) WHERE starred = 1;
CREATE INDEX items_by_link ON items (link);
-- detail='column': searches match words (all of them, the last as a prefix), never phrases,
-- so token positions are not kept; that makes indexing about 40% cheaper.
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, text, content='items', content_rowid='id', detail='column',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE items_vocab USING fts5vocab (items_fts, 'row');
CREATE TABLE fts_progress (upto INTEGER NOT NULL);
INSERT INTO fts_progress (upto) VALUES (0);
CREATE TRIGGER items_fts_delete AFTER DELETE ON items
WHEN old.id <= (SELECT upto FROM fts_progress) BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text ON items
WHEN old.id <= (SELECT upto FROM fts_progress) BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO items_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# A successful refresh's warning (items skipped, document repaired) apart from a failure's error;
# a warning that version 1 kept in last_error (a success leaves error_count at 0) moves over.
SCHEMA_V2 = """
ALTER TABLE feeds ADD COLUMN last_warning TEXT;
UPDATE feeds SET last_warning = last_error, last_error = NULL
WHERE error_count = 0 AND last_error IS NOT NULL;
"""

# Issue 15: enclosures (podcasts), a feed's own refresh hint and next due time, and the
# entries retention deleted (so the next refresh does not bring them back as new).
SCHEMA_V2_ENCLOSURES_SCHEDULE = """
CREATE TABLE enclosures (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    type TEXT NOT NULL DEFAULT '',
    length INTEGER,
    duration INTEGER,
    PRIMARY KEY (item_id, position)
) WITHOUT ROWID;
ALTER TABLE feeds ADD COLUMN ttl_seconds INTEGER;
ALTER TABLE feeds ADD COLUMN next_due REAL;
CREATE TABLE pruned (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_id TEXT NOT NULL,
    pruned_at REAL NOT NULL,
    PRIMARY KEY (feed_id, entry_id)
) WITHOUT ROWID;
"""


# Sync accounts (issue 14): remote ids per account as opaque strings, and a journal of unsent
# read/star changes filled by triggers, so the app, `reader mark` and mark-all all land in it.
# While a sync applies the server's state it sets sync_guard.applying = 1 inside its own
# transaction (other connections never see it), so those marks are never journaled back.
# `stamp` is julianday('now'), the same for every row one statement changes: a mark-all.
SCHEMA_SYNC = """
CREATE TABLE sync_accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    username TEXT NOT NULL,
    password_command TEXT,
    cursor TEXT NOT NULL DEFAULT '{}',
    last_sync REAL,
    last_error TEXT,
    added REAL NOT NULL
);
CREATE TABLE sync_feeds (
    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES sync_accounts(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL,
    UNIQUE (account_id, remote_id)
);
CREATE INDEX sync_feeds_by_account ON sync_feeds (account_id);
CREATE TABLE sync_items (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES sync_accounts(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL,
    ref TEXT NOT NULL,
    crawled_usec INTEGER,
    UNIQUE (account_id, ref)
);
CREATE TABLE sync_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES sync_accounts(id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL,
    remote_id TEXT NOT NULL,
    feed_remote_id TEXT,
    field TEXT NOT NULL,
    value INTEGER NOT NULL,
    stamp REAL NOT NULL
);
CREATE INDEX sync_journal_by_account ON sync_journal (account_id, id);
CREATE TABLE sync_guard (applying INTEGER NOT NULL);
INSERT INTO sync_guard (applying) VALUES (0);
CREATE TRIGGER sync_journal_read AFTER UPDATE OF read ON items
WHEN new.read != old.read AND (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT INTO sync_journal (account_id, item_id, remote_id, feed_remote_id, field, value, stamp)
    SELECT s.account_id, s.item_id, s.remote_id,
           (SELECT remote_id FROM sync_feeds WHERE feed_id = new.feed_id),
           'read', new.read, julianday('now')
    FROM sync_items AS s WHERE s.item_id = new.id;
END;
CREATE TRIGGER sync_journal_starred AFTER UPDATE OF starred ON items
WHEN new.starred != old.starred AND (SELECT applying FROM sync_guard) = 0 BEGIN
    INSERT INTO sync_journal (account_id, item_id, remote_id, feed_remote_id, field, value, stamp)
    SELECT s.account_id, s.item_id, s.remote_id,
           (SELECT remote_id FROM sync_feeds WHERE feed_id = new.feed_id),
           'starred', new.starred, julianday('now')
    FROM sync_items AS s WHERE s.item_id = new.id;
END;
"""

# Issue 16: the two time indexes cover the columns a filter and a saved view's count read
# (same names and leading columns, so every query using them still does), so counting and
# filtering skip the large rows (tests/benchmarks/filter_figures.py measures both).
SCHEMA_COVERING_TIME = """
DROP INDEX items_unread;
CREATE INDEX items_unread ON items (sort_time DESC, id DESC, feed_id, starred, title)
WHERE read = 0;
DROP INDEX items_by_time;
CREATE INDEX items_by_time ON items (sort_time DESC, id DESC, feed_id, read, starred, title);
"""

# Issue 17: the feed's declared language settles numeric dates (06/01/2022); a page's own
# date anchors "on Wednesday" in an item the feed gave no date.
SCHEMA_LANGUAGE_PAGE_DATE = """
ALTER TABLE feeds ADD COLUMN language TEXT;
ALTER TABLE items ADD COLUMN article_published REAL;
"""

# Issue 13: the full-text index gathers 8 MiB of new terms (FTS5's default: 1 MiB) before it
# writes them out as a segment, so a refresh's batch of 2,000 items makes one segment, not
# three or four, and the index merges less: indexing a cold refresh of 500 feeds took ~8%
# less CPU. Only how new rows are written changes, not what the index holds.
SCHEMA_FTS_HASHSIZE = """
INSERT INTO items_fts (items_fts, rank) VALUES ('hashsize', 8388608);
"""

# Each entry upgrades the schema by one version; never edit a released one, append.
MIGRATIONS: tuple[str, ...] = (SCHEMA_V1, SCHEMA_V2, SCHEMA_V2_ENCLOSURES_SCHEDULE,
                                SCHEMA_SYNC, SCHEMA_COVERING_TIME, SCHEMA_LANGUAGE_PAGE_DATE,
                                SCHEMA_FTS_HASHSIZE)
SCHEMA_VERSION = len(MIGRATIONS)

HEADLINE_COLUMNS = """
    items.id, items.feed_id, coalesce(feeds.user_title, nullif(feeds.title, ''), feeds.url),
    items.title, items.link, items.sort_time, items.read, items.starred,
    items.published IS NOT NULL OR items.updated IS NOT NULL
"""


def to_datetime(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _day_stamp(day: date | None) -> float | None:
    """A calendar day as epoch seconds (its midnight UTC), as the other times are stored."""
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def to_epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _headline(row: Sequence) -> Headline:
    return Headline(
        id=row[0],
        feed_id=row[1],
        feed_title=row[2],
        title=row[3],
        link=row[4],
        published=datetime.fromtimestamp(row[5], UTC),
        read=bool(row[6]),
        starred=bool(row[7]),
        dated=bool(row[8]),
    )


def describe_error(error: sqlite3.Error, path: Path) -> str:
    message = str(error)
    damaged = ("not a database", "malformed", "vtable constructor failed", "Could not decode")
    if any(sign in message for sign in damaged) or (
            isinstance(error, sqlite3.DatabaseError)
            and not isinstance(error, sqlite3.OperationalError)
            and "full" not in message):
        return (
            f"the database {path} is damaged ({message}); move it aside "
            "(it is left untouched) and run reader again to start a new one"
        )
    if "readonly" in message or "read-only" in message:
        return f"cannot write to {path}: the file or its folder is read-only"
    if "disk is full" in message or "full" in message:
        return f"cannot write to {path}: the disk is full; free some space and try again"
    if "unable to open" in message:
        if path.parent.is_dir() and not os.access(path.parent, os.W_OK):
            return f"cannot write to {path}: the data folder {path.parent} is read-only"
        return f"cannot open {path}: check that its folder exists and is writable"
    if "locked" in message:
        return f"the database {path} stayed locked by another program; try again"
    return f"database error in {path}: {message}"


class Store:
    """The reader's database. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: Path | str, *, readonly: bool = False,
                 index_on_read: bool = True) -> None:
        self.path = Path(path)
        # False for the app's reader connections: they never write, so their reads never
        # look like another process's commit (the writer indexes before a search).
        self.index_on_read = index_on_read
        self._lock = threading.RLock()
        # Word -> items holding it; counts drift a little as items arrive, which ranking
        # tolerates, so the cache is only dropped when it grows large.
        self._doc_freq_cache: dict[str, int] = {}
        self._own_marks: set[int] = set()  # marks counter values this connection wrote
        self._refreshes = 0  # refreshes writing now (Store.refresh_cache)
        self._cache_size = -2000  # SQLite's default; read from the connection below
        if self.path.parent.exists() and not self.path.parent.is_dir():
            raise StoreError(f"the data folder {self.path.parent} is a file, not a folder; "
                             "choose another --data-dir")
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the data folder {self.path.parent}: "
                             f"{error.strerror or error}") from None
        try:
            self.conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                check_same_thread=False,
            )
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if not readonly:
                mode = self._switch_to_wal()
                if mode.lower() != "wal":
                    raise StoreError(f"cannot use write-ahead logging on {self.path}")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the database {self.path} was written by a newer reader "
                    f"(schema {version} > {SCHEMA_VERSION}); upgrade reader"
                )
            if version < SCHEMA_VERSION:
                self._migrate(version)
            self._cache_size = int(self.conn.execute("PRAGMA cache_size").fetchone()[0])
        except sqlite3.Error as error:
            raise StoreError(describe_error(error, self.path)) from None

    # -- plumbing ---------------------------------------------------------------------

    def _switch_to_wal(self) -> str:
        """Turn on WAL, retrying: SQLite answers "locked" at once, without its busy handler,
        when another process switches a new database at the same moment."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.005
        while True:
            try:
                return self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)

    def _migrate(self, version: int) -> None:
        with self.transaction():
            current = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for index in range(current, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[index]):
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: taken at once, so concurrent writers wait, not fail."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StoreError(describe_error(error, self.path)) from None
            try:
                yield self.conn
            except BaseException as error:
                # On a full disk or an I/O error SQLite has already rolled back by itself.
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise StoreError(describe_error(error, self.path)) from None
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(describe_error(error, self.path)) from None

    def _query(self, sql: str, params: Sequence | dict = ()) -> list:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise StoreError(describe_error(error, self.path)) from None

    def data_version(self) -> int:
        """A number that changes when another connection commits (PRAGMA data_version)."""
        return int(self._query("PRAGMA data_version")[0][0])

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def refresh_cache(self, on: bool) -> None:
        """A larger page cache while a refresh writes (`on`), SQLite's own again after it,
        which frees those pages. A refresh's rows land all over the time and link indexes,
        and with the default 2 MiB their pages were read back from the file again and again:
        storing a cold refresh of 500 feeds took ~5% less CPU with 8 MiB."""
        with self._lock:
            self._refreshes += 1 if on else -1
            size = -REFRESH_CACHE_KIB if self._refreshes > 0 else self._cache_size
            try:
                self.conn.execute(f"PRAGMA cache_size = {size}")
            except sqlite3.Error:
                pass  # only a speed: a closed store has nothing to cache

    def integrity_ok(self) -> bool:
        return self._query("PRAGMA integrity_check")[0][0] == "ok"

    # -- feeds --------------------------------------------------------------------------

    def add_feed(self, url: str, title: str = "", tags: Iterable[str] = (),
                 user_title: str | None = None) -> int:
        """Subscribe; returns the feed id. Adding a URL twice returns the existing id.

        `title` is the feed's own (a refresh replaces it); `user_title` is the user's name
        for it (an imported "~Title" or OPML title), which no refresh touches."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row:
                return row[0]
            cursor = conn.execute(
                "INSERT INTO feeds (url, title, user_title, tags, added) VALUES (?, ?, ?, ?, ?)",
                (url, title, user_title or None, json.dumps(list(tags)), time.time()),
            )
            return int(cursor.lastrowid or 0)

    def feed_id(self, url: str) -> int | None:
        rows = self._query("SELECT id FROM feeds WHERE url = ?", (url,))
        return rows[0][0] if rows else None

    def remove_feed(self, feed_id: int) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))

    def rename_feed(self, feed_id: int, title: str | None) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE feeds SET user_title = ? WHERE id = ?", (title, feed_id))

    def set_tags(self, feed_id: int, tags: Iterable[str]) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE feeds SET tags = ? WHERE id = ?",
                         (json.dumps(list(tags)), feed_id))

    def feeds(self, feed_id: int | None = None) -> list[FeedRow]:
        """Every feed (or one) with its unread and total counts, in title order."""
        where, params = ("WHERE feeds.id = ?", (feed_id,)) if feed_id is not None else ("", ())
        rows = self._query(
            f"""
            SELECT feeds.id, feeds.url,
                   coalesce(feeds.user_title, nullif(feeds.title, ''), feeds.url),
                   feeds.tags,
                   (SELECT count(*) FROM items WHERE items.feed_id = feeds.id AND read = 0),
                   (SELECT count(*) FROM items WHERE items.feed_id = feeds.id),
                   feeds.last_error, feeds.last_fetched, feeds.gone, feeds.site_link,
                   feeds.last_warning
            FROM feeds {where} ORDER BY 3 COLLATE NOCASE, feeds.id
            """, params
        )
        return [
            FeedRow(
                id=row[0], url=row[1], title=row[2], tags=tuple(json.loads(row[3] or "[]")),
                unread=row[4], total=row[5], last_error=row[6],
                last_fetched=to_datetime(row[7]), gone=bool(row[8]), site_link=row[9],
                last_warning=row[10],
            )
            for row in rows
        ]

    def feed(self, feed_id: int) -> FeedRow | None:
        """One feed with its counts (reads only that feed's rows)."""
        found = self.feeds(feed_id)
        return found[0] if found else None

    def feed_count(self) -> int:
        return self._query("SELECT count(*) FROM feeds")[0][0]

    def fetch_state(self, feed_id: int) -> dict:
        """What refresh needs: URL, validators, not-before and gone."""
        row = self._query(
            "SELECT url, etag, last_modified, not_before, gone FROM feeds WHERE id = ?",
            (feed_id,),
        )
        if not row:
            raise KeyError(feed_id)
        url, etag, last_modified, not_before, gone = row[0]
        return {"url": url, "etag": etag, "last_modified": last_modified,
                "not_before": not_before, "gone": bool(gone)}

    def feeds_due(self, now: float | None = None, feed_ids: Iterable[int] | None = None,
                  *, include_held: bool = False, due_only: bool = False
                  ) -> list[tuple[int, str, str | None, str | None]]:
        """(id, url, etag, last_modified) of feeds to fetch: not gone, not held back by a
        Retry-After (unless `include_held`: the user asked for these feeds by name), and with
        `due_only` not before their next due time (reader.schedule sets it after each fetch)."""
        now = time.time() if now is None else now
        if include_held:
            now = float("inf")
        # A sync account's feeds are fetched by its server, never by this refresh.
        rows = self._query(
            "SELECT id, url, etag, last_modified FROM feeds "
            "WHERE (gone = 0 OR ?) AND (not_before IS NULL OR not_before <= ?) "
            "AND (NOT ? OR next_due IS NULL OR next_due <= ?) "
            "AND id NOT IN (SELECT feed_id FROM sync_feeds) ORDER BY id",
            (int(include_held), now, int(due_only), now),
        )
        if feed_ids is not None:
            wanted = set(feed_ids)
            rows = [row for row in rows if row[0] in wanted]
        return [tuple(row) for row in rows]

    def schedule_feeds(self, due: Sequence[tuple[int, float, float]]) -> None:
        """Set feeds' next due times after a refresh, in one transaction: for each
        (feed id, fetched at, delay), the fetch time + the larger of the delay and the
        feed's own hint (`ttl_seconds`, stored by `apply`, capped at MAX_HINT)."""
        if not due:
            return
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE feeds SET next_due = ?2 + max(?3, min(coalesce(ttl_seconds, 0), ?4)) "
                "WHERE id = ?1", [(*entry, MAX_HINT) for entry in due])

    def next_due(self, feed_id: int) -> float | None:
        rows = self._query("SELECT next_due FROM feeds WHERE id = ?", (feed_id,))
        return rows[0][0] if rows else None

    def feed_tags(self) -> dict[int, tuple[str, ...]]:
        """Each feed's folders, without the counts `feeds()` pays for."""
        return {row[0]: tuple(json.loads(row[1] or "[]"))
                for row in self._query("SELECT id, tags FROM feeds")}

    # -- enclosures (podcasts) ------------------------------------------------------------

    def enclosures(self, item_id: int) -> list[Enclosure]:
        return [Enclosure(row[0], row[1], row[2], row[3]) for row in self._query(
            "SELECT url, type, length, duration FROM enclosures WHERE item_id = ? "
            "ORDER BY position", (item_id,))]

    def enclosure_types(self, item_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
        """(type, url) of each listed item's enclosures, for marking audio and video."""
        found: dict[int, list[tuple[str, str]]] = {}
        for chunk in _chunks(list(item_ids), 500):
            marks = ",".join("?" * len(chunk))
            for item_id, kind, url in self._query(
                    f"SELECT item_id, type, url FROM enclosures WHERE item_id IN ({marks}) "
                    "ORDER BY item_id, position", chunk):
                found.setdefault(item_id, []).append((kind, url))
        return found

    # -- retention ------------------------------------------------------------------------

    def prune(self, feed_id: int, *, older_than: float | None = None,
              max_items: int | None = None, delete_unread: bool = False,
              now: float | None = None) -> int:
        """Delete a feed's items first seen before `older_than` (epoch) and those past its
        newest `max_items`; never starred ones, nor unread ones unless `delete_unread`.
        Their entry ids are remembered so the next refresh does not bring them back."""
        now = time.time() if now is None else now
        spare = "starred = 0" + ("" if delete_unread else " AND read = 1")
        with self.transaction() as conn:
            doomed: set[int] = set()
            if older_than is not None:
                doomed.update(row[0] for row in conn.execute(
                    f"SELECT id FROM items WHERE feed_id = ? AND {spare} "
                    "AND max(sort_time, first_seen) < ?", (feed_id, older_than)))
            if max_items is not None:
                doomed.update(row[0] for row in conn.execute(
                    f"SELECT id FROM items WHERE feed_id = ? AND {spare} AND id NOT IN "
                    "(SELECT id FROM items WHERE feed_id = ? "
                    "ORDER BY sort_time DESC, id DESC LIMIT ?)", (feed_id, feed_id, max_items)))
            ids = sorted(doomed)
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                conn.execute(
                    "INSERT OR REPLACE INTO pruned (feed_id, entry_id, pruned_at) "
                    f"SELECT feed_id, entry_id, ? FROM items WHERE id IN ({marks})",
                    (now, *chunk))
                conn.execute(f"DELETE FROM items WHERE id IN ({marks})", chunk)
            # A feed carries an entry for weeks, not half a year: old tombstones go.
            conn.execute("DELETE FROM pruned WHERE feed_id = ? AND pruned_at < ?",
                         (feed_id, now - PRUNED_MEMORY))
        return len(ids)

    # -- applying a refresh -------------------------------------------------------------

    def apply(
        self,
        feed_id: int,
        records: Sequence[ItemRecord],
        *,
        title: str = "",
        site_link: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        new_url: str | None = None,
        warning: str | None = None,
        ttl_seconds: int | None = None,
        language: str | None = None,
    ) -> ApplyStats:
        """Store one feed's fetch in ONE transaction; read/starred of known items stay.

        `warning` (items skipped, document repaired) is kept apart from errors: the fetch
        worked, so `last_error` is cleared. `language`: the feed's declared one (None keeps
        what is stored: a feed that stops declaring it has not changed language)."""
        with self.transaction() as conn:
            stats, fetched = self._apply(
                conn, feed_id, records, title=title, site_link=site_link, etag=etag,
                last_modified=last_modified, new_url=new_url, warning=warning,
                ttl_seconds=ttl_seconds, language=language)
            conn.execute(_FEED_FETCHED, fetched)
            return stats

    def apply_many(self, batch: Sequence[tuple[int, Sequence[ItemRecord], dict[str, Any]]]
                   ) -> list[ApplyStats]:
        """`apply` for several feeds (feed id, records, apply's keyword arguments) in one
        transaction: a refresh stores the feeds that arrived together with one commit, so
        the pages every feed touches (the indexes' upper levels, the feeds table) go to the
        write-ahead log once per batch, not once per feed (issue 13)."""
        if not batch:
            return []
        with self.transaction() as conn:
            done = [self._apply(conn, feed_id, records, **fields)
                    for feed_id, records, fields in batch]
            conn.executemany(_FEED_FETCHED, [fetched for _, fetched in done])
            return [stats for stats, _ in done]

    def _apply(self, conn: sqlite3.Connection, feed_id: int, records: Sequence[ItemRecord], *,
               title: str = "", site_link: str | None = None, etag: str | None = None,
               last_modified: str | None = None, new_url: str | None = None,
               warning: str | None = None, ttl_seconds: int | None = None,
               language: str | None = None) -> tuple[ApplyStats, tuple]:
        """Store one feed's items; returns their counts and the parameters of the feed's own
        row's update (`_FEED_FETCHED`), which a batch makes in one statement."""
        now = time.time()
        new = updated = 0
        # The feed's stored entries (with their ids) and the ones retention deleted (no id),
        # in one statement: a feed's first refresh finds neither.
        known: dict[str, int] = {}
        seen: set[str] = set()  # pruned ones, then each entry as it comes (the first wins)
        for entry_id, item_id in conn.execute(
                "SELECT entry_id, id FROM items WHERE feed_id = ?1 "
                "UNION ALL SELECT entry_id, NULL FROM pruned WHERE feed_id = ?1", (feed_id,)):
            if item_id is None:
                seen.add(entry_id)
            else:
                known[entry_id] = item_id
        # Rows with the long texts as the worker's UTF-8 bytes, or (records made here: a
        # killfile's kept ones, a subscription's first fetch) as str: SQLite takes either,
        # the statements cast both to TEXT.
        rows: Sequence[tuple] = records.rows if isinstance(records, Records) else [
            (r.entry_id, r.title, r.link, r.author, r.published, r.updated, r.summary,
             r.content, r.text, r.related_links,
             tuple([(e.url, e.type, _int64(e.length), _int64(e.duration))
                    for e in r.enclosures
                    if e.url.lower().startswith(("http://", "https://"))]))
            for r in records]
        inserts = []
        fresh: list[tuple] = []  # the new rows, in the order they are inserted
        changes = []
        kept: list[tuple] = []
        for row in rows:
            entry_id = row[0]
            if entry_id in seen:
                continue
            seen.add(entry_id)
            kept.append(row)
            published, updated_at = row[4], row[5]
            related = json.dumps(list(row[9])) if row[9] else "[]"
            item_id = known.get(entry_id)
            if item_id is None:
                inserts.append((feed_id, entry_id, row[1], row[2], row[3], published,
                                updated_at, published or updated_at or now, row[6], row[7],
                                row[8], related, now))
                fresh.append(row)
            else:
                changes.append((row[1], row[2], row[3], published, updated_at,
                                published or updated_at or now, row[6], row[7], row[8],
                                related, item_id))
        new_ids: dict[str, int] = {}
        if inserts:
            conn.executemany(
                """INSERT INTO items (feed_id, entry_id, title, link, author, published,
                   updated, sort_time, summary, content, text, related_links, first_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT),
                           CAST(? AS TEXT), ?, ?)""",
                inserts,
            )
            new = len(inserts)
            if any(row[10] for row in fresh):
                # AUTOINCREMENT numbers one statement's rows one after another (nothing else
                # inserts into items meanwhile, and a row that failed would have raised), so
                # the new ids end at the last one: no query for them by entry id.
                last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
                first = last - len(fresh) + 1
                new_ids = {row[0]: first + index
                           for index, row in enumerate(fresh) if row[10]}
        if changes:
            # Only rows whose text really changed are written (and lose the cached
            # article); the sort time of a known item never moves.
            cursor = conn.executemany(
                """UPDATE items SET title = ?1, link = ?2, author = ?3, published = ?4,
                       updated = ?5, summary = CAST(?7 AS TEXT), content = CAST(?8 AS TEXT),
                       text = CASE WHEN article IS NOT NULL AND content IS CAST(?8 AS TEXT)
                                   AND summary IS CAST(?7 AS TEXT)
                                   THEN text ELSE CAST(?9 AS TEXT) END,
                       related_links = ?10,
                       article = CASE WHEN content IS CAST(?8 AS TEXT)
                                      AND summary IS CAST(?7 AS TEXT)
                                      THEN article ELSE NULL END
                   WHERE id = ?11 AND (title IS NOT ?1 OR link IS NOT ?2 OR author IS NOT ?3
                       OR summary IS NOT CAST(?7 AS TEXT) OR content IS NOT CAST(?8 AS TEXT)
                       OR updated IS NOT ?5)""",
                changes,
            )
            updated = cursor.rowcount
        if known or new_ids:
            updated += _store_enclosures(conn, feed_id, kept, known, new_ids)
        return ApplyStats(new=new, updated=updated), (
            title, site_link, etag, last_modified, now, warning, new_url,
            _int64(ttl_seconds), language, feed_id)

    def record_not_modified(self, feed_id: int, etag: str | None, last_modified: str | None,
                            new_url: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                """UPDATE feeds SET etag = coalesce(?, etag),
                       last_modified = coalesce(?, last_modified), last_fetched = ?,
                       last_error = NULL, error_count = 0, not_before = NULL,
                       url = coalesce(?, url)
                   WHERE id = ?""",
                (etag, last_modified, time.time(), new_url, feed_id),
            )

    def record_not_modified_many(self, answers: Sequence[tuple[int, str | None, str | None]]
                                 ) -> None:
        """`record_not_modified` for many feeds (feed id, etag, last modified) in one
        transaction: a refresh where hundreds of servers answer 304 writes them in a few
        batches instead of a transaction (and a thread hop) each."""
        if not answers:
            return
        now = time.time()
        with self.transaction() as conn:
            conn.executemany(
                """UPDATE feeds SET etag = coalesce(?2, etag),
                       last_modified = coalesce(?3, last_modified), last_fetched = ?4,
                       last_error = NULL, error_count = 0, not_before = NULL
                   WHERE id = ?1""",
                [(feed_id, etag, last_modified, now) for feed_id, etag, last_modified
                 in answers],
            )

    def record_error(self, feed_id: int, message: str, *, not_before: float | None = None,
                     gone: bool = False) -> None:
        """A failed fetch: the error is kept and nothing else changes (DESIGN.md): items,
        read marks, validators, and `last_fetched`, which stays the last fetch that worked."""
        with self.transaction() as conn:
            conn.execute(
                """UPDATE feeds SET last_error = ?, error_count = error_count + 1,
                       not_before = ?, gone = max(gone, ?)
                   WHERE id = ?""",
                (message, not_before, int(gone), feed_id),
            )

    def move_feed(self, feed_id: int, new_url: str) -> bool:
        """A permanent redirect: the feed keeps its items under its new URL.

        Returns False (and changes nothing) when another subscription already has that URL.
        """
        with self.transaction() as conn:
            clash = conn.execute("SELECT id FROM feeds WHERE url = ? AND id != ?",
                                 (new_url, feed_id)).fetchone()
            if clash:
                return False
            conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (new_url, feed_id))
            return True

    # -- reading ------------------------------------------------------------------------

    def _where(self, query: Query) -> tuple[str, list]:
        if query.needs_index:
            self._ensure_indexed()
        condition, params = query.where()
        return f" WHERE {condition}", params

    def headlines(self, query: Query = ALL, *, limit: int | None = None,
                  offset: int = 0, after_id: int | None = None) -> list[Headline]:
        """Light rows (no bodies), newest first, with paging. `after_id`: only items stored
        after that one (ids only grow), which is how a view takes in a refresh's new rows
        without reading itself again."""
        where, params = self._where(query)
        if after_id is not None:
            where += " AND items.id > ?"
            params.append(after_id)
        sql = (f"SELECT {HEADLINE_COLUMNS} FROM items JOIN feeds ON feeds.id = items.feed_id"
               f"{where} ORDER BY items.sort_time DESC, items.id DESC")
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_headline(row) for row in self._query(sql, params)]

    def headlines_by_id(self, item_ids: Iterable[int]) -> list[Headline]:
        """The current rows of some items (after a mark), in no particular order."""
        ids = list(item_ids)
        found: list[Headline] = []
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            found += [_headline(row) for row in self._query(
                f"SELECT {HEADLINE_COLUMNS} FROM items JOIN feeds ON feeds.id = items.feed_id "
                f"WHERE items.id IN ({marks})", chunk)]
        return found

    def max_item_id(self) -> int:
        return int(self._query("SELECT coalesce(max(id), 0) FROM items")[0][0])

    def headline(self, item_id: int) -> Headline | None:
        rows = self._query(
            f"SELECT {HEADLINE_COLUMNS} FROM items JOIN feeds ON feeds.id = items.feed_id "
            "WHERE items.id = ?", (item_id,))
        return _headline(rows[0]) if rows else None

    def count(self, query: Query = ALL) -> int:
        where, params = self._where(query)
        return self._query(f"SELECT count(*) FROM items{where}", params)[0][0]

    def counts(self) -> dict[str, int]:
        """Totals for the side panel; each count reads an index, not the table."""
        row = self._query(
            "SELECT (SELECT count(*) FROM items), "
            "(SELECT count(*) FROM items INDEXED BY items_unread WHERE read = 0), "
            "(SELECT count(*) FROM items INDEXED BY items_starred WHERE starred = 1)")[0]
        return {"total": row[0], "unread": row[1], "starred": row[2]}

    def feed_urls(self) -> dict[int, str]:
        return dict(self._query("SELECT id, url FROM feeds"))

    def item(self, item_id: int) -> Item | None:
        rows = self._query(
            """SELECT items.id, items.feed_id, feeds.url,
                      coalesce(feeds.user_title, nullif(feeds.title, ''), feeds.url),
                      entry_id, items.title, link, author, published, updated, summary,
                      content, text, related_links, article, article_links, article_source,
                      article_note, first_seen, read, starred
               FROM items JOIN feeds ON feeds.id = items.feed_id WHERE items.id = ?""",
            (item_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return Item(
            id=row[0], feed_id=row[1], feed_url=row[2], feed_title=row[3], entry_id=row[4],
            title=row[5], link=row[6], author=row[7], published=to_datetime(row[8]),
            updated=to_datetime(row[9]), summary=row[10], content=row[11], text=row[12],
            related_links=tuple(json.loads(row[13] or "[]")), article=row[14],
            article_links=tuple(json.loads(row[15] or "[]")), article_source=row[16],
            article_note=row[17], first_seen=to_datetime(row[18]) or datetime.now(UTC),
            read=bool(row[19]), starred=bool(row[20]),
        )

    def cache_article(self, item_id: int, text: str, links: Sequence[str], source: str,
                      note: str | None, published: date | None = None) -> None:
        """Keep an extracted article so it is fetched once; its text is searchable too.
        `published`: the page's own date, if it gave one."""
        with self.transaction() as conn:
            conn.execute(
                """UPDATE items SET article = ?, article_links = ?, article_source = ?,
                       article_note = ?, text = CASE WHEN ? = 'page' THEN ? ELSE text END,
                       article_published = ?
                   WHERE id = ?""",
                (text, json.dumps(list(links)), source, note, source, text,
                 _day_stamp(published), item_id),
            )

    def page_date(self, item_id: int) -> date | None:
        """The cached page's own date (None when no page is cached or it gave no date)."""
        rows = self._query("SELECT article_published FROM items WHERE id = ? "
                           "AND article IS NOT NULL", (item_id,))
        stamp = rows[0][0] if rows else None
        return datetime.fromtimestamp(stamp, UTC).date() if stamp is not None else None

    def feed_language(self, feed_id: int) -> str | None:
        """The language the feed declares ("en-US"), when it declared one."""
        rows = self._query("SELECT language FROM feeds WHERE id = ?", (feed_id,))
        return rows[0][0] if rows else None

    # -- read state ---------------------------------------------------------------------

    def mark_read(self, item_ids: Iterable[int], read: bool = True) -> int:
        """Committed at once. Returns how many items changed."""
        return self._set_flag("read", item_ids, read)

    def _set_flag(self, column: str, item_ids: Iterable[int], value: bool) -> int:
        """Set `read` or `starred` on many items in one transaction."""
        assert column in ("read", "starred")
        ids = list(item_ids)
        with self.transaction() as conn:
            changed = 0
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                changed += conn.execute(
                    f"UPDATE items SET {column} = ? WHERE {column} != ? AND id IN ({marks})",
                    (int(value), int(value), *chunk),
                ).rowcount
            if changed:
                self.note_marks_changed(conn)
            return changed

    # -- who changed marks ----------------------------------------------------------------
    #
    # A counter in `settings`, moved in the same transaction as every change of read or
    # starred, by whichever process makes it. The app's refresh process commits all the time,
    # so "another connection committed" (data_version) no longer tells a mark made by
    # `reader mark` or a second reader apart from new items: this counter does. Each Store
    # remembers the values it wrote itself.

    def note_marks_changed(self, conn: sqlite3.Connection) -> None:
        """Move the marks counter (call inside the transaction that changed marks)."""
        row = conn.execute(
            "INSERT INTO settings (key, value) VALUES ('marks_version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 "
            "RETURNING value").fetchone()
        self._own_marks.add(int(row[0]))

    def marks_changed_elsewhere(self, since: int | None) -> tuple[int, bool]:
        """The marks counter now, and whether another connection moved it after `since`."""
        rows = self._query("SELECT value FROM settings WHERE key = 'marks_version'")
        now = int(rows[0][0]) if rows else 0
        elsewhere = since is not None and any(
            version not in self._own_marks for version in range(since + 1, now + 1))
        self._own_marks = {version for version in self._own_marks if version > now}
        return now, elsewhere

    def mark_query_read(self, query: Query, *, upto_id: int | None = None) -> list[int]:
        """Mark every unread item of a view read; returns the ids it changed.

        `upto_id` is the newest item the user could see: items stored after it (a refresh
        running meanwhile) stay unread, so "mark all read" never marks what was never shown.
        """
        where, params = self._where(query.but(unread=True))
        if upto_id is not None:
            where += " AND items.id <= ?"
            params.append(upto_id)
        with self.transaction() as conn:
            ids = [row[0] for row in conn.execute(f"SELECT items.id FROM items{where}", params)]
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"UPDATE items SET read = 1 WHERE read = 0 AND id IN ({marks})",
                             chunk)
            if ids:
                self.note_marks_changed(conn)
            return ids

    def mark_feed_read(self, feed_id: int) -> int:
        return len(self.mark_query_read(Query(feed_id=feed_id)))

    def set_starred(self, item_ids: Iterable[int], starred: bool = True) -> int:
        """Committed at once. Returns how many items changed."""
        return self._set_flag("starred", item_ids, starred)

    def next_unread(self, after_item: int | None, query: Query = ALL, *,
                    backwards: bool = False, wrap: bool = False) -> int | None:
        """The next (older) or previous (newer) unread item in `query` order; with `wrap`,
        past the end it starts again from the other end (newsboat's habit)."""
        where, params = self._where(query.but(unread=True))
        order = "ASC" if backwards else "DESC"
        base = where
        if after_item is not None:
            anchor = self._query("SELECT sort_time, id FROM items WHERE id = ?", (after_item,))
            if anchor:
                sort_time, item_id = anchor[0]
                op = ">" if backwards else "<"
                where += (f" AND (items.sort_time {op} ? OR "
                          f"(items.sort_time = ? AND items.id {op} ?))")
                params = params + [sort_time, sort_time, item_id]
        rows = self._query(
            f"SELECT items.id FROM items{where} ORDER BY items.sort_time {order}, "
            f"items.id {order} LIMIT 1", params)
        if rows:
            return rows[0][0]
        if wrap and after_item is not None:
            _, params = self._where(query.but(unread=True))
            rows = self._query(
                f"SELECT items.id FROM items{base} AND items.id != ? ORDER BY "
                f"items.sort_time {order}, items.id {order} LIMIT 1", [*params, after_item])
            return rows[0][0] if rows else None
        return None

    # -- search and related -------------------------------------------------------------

    def search(self, words: str, *, limit: int = 50) -> list[Headline]:
        return self.headlines(Query(search=words), limit=limit)

    # -- the full-text index ----------------------------------------------------------------
    #
    # New items are indexed in batches (after a refresh, or before the next search), not row by
    # row as they are stored: one batch costs about half as much, and it keeps the per-feed
    # transactions of a refresh short. Items with ids up to `fts_progress.upto` are indexed;
    # ids never go back (AUTOINCREMENT), and the triggers touch the index only for those rows.

    def index_pending(self) -> int:
        """Index every item stored since the last batch; returns how many."""
        with self.transaction() as conn:
            upto = conn.execute("SELECT upto FROM fts_progress").fetchone()[0]
            last = conn.execute("SELECT max(id) FROM items").fetchone()[0] or 0
            if last <= upto:
                return 0
            conn.execute("INSERT INTO items_fts (rowid, title, text) SELECT id, title, text "
                         "FROM items WHERE id > ? AND id <= ?", (upto, last))
            conn.execute("UPDATE fts_progress SET upto = ?", (last,))
            self._doc_freq_cache.clear()
            return last - upto

    def _ensure_indexed(self) -> None:
        if not self.index_on_read:
            return
        row = self._query("SELECT (SELECT upto FROM fts_progress), (SELECT max(id) FROM items)")
        if (row[0][1] or 0) > row[0][0]:
            self.index_pending()

    def _item_count(self) -> int:
        """How many items the store holds, counted again only after a write (this connection's
        or another's): the count was ~1 ms of every related-items lookup in a 100k store."""
        version = (self._query("PRAGMA data_version")[0][0], self.conn.total_changes)
        cached = getattr(self, "_counted", None)
        if cached is None or cached[0] != version:
            cached = self._counted = (version, self._query("SELECT count(*) FROM items")[0][0])
        return int(cached[1])

    def doc_freq(self, words: list[str]) -> dict[str, int]:
        """How many items hold each word (from the full-text index's vocabulary)."""
        found: dict[str, int] = {}
        missing = []
        for word in dict.fromkeys(words):
            cached = self._doc_freq_cache.get(word)
            if cached is None:
                missing.append(word)
            elif cached:
                found[word] = cached
        for start in range(0, len(missing), 200):
            chunk = missing[start:start + 200]
            marks = ",".join("?" * len(chunk))
            answer = dict(self._query(
                f"SELECT term, doc FROM items_vocab WHERE term IN ({marks})", chunk))
            for word in chunk:
                self._doc_freq_cache[word] = answer.get(word, 0)
                if word in answer:
                    found[word] = answer[word]
        if len(self._doc_freq_cache) > 50_000:
            self._doc_freq_cache.clear()
        return found

    def related(self, item_id: int, *, window_days: int = 30, limit: int = 200
                ) -> list[tuple[Headline, str, float, int | None, bool]]:
        """Items on the same story from every feed: (headline, feed URL, score,
        duplicate_of, declared by the feed), best first.

        Candidates come from the full-text index (the article's most distinctive terms,
        within `window_days` of its date) and are re-scored by `feeds.related.rank`.
        """
        from feeds import related as scoring

        self._ensure_indexed()
        rows = self._query(
            "SELECT feed_id, title, text, sort_time, related_links FROM items WHERE id = ?",
            (item_id,))
        if not rows:
            return []
        feed_id, title, text, sort_time, declared_json = rows[0]
        doc_count = self._item_count()
        # Postings capped at 4,000: the OR query's cost follows them (27 ms at 8,000, 17 ms at
        # 4,000 in a 100,000-item store), and rarer words find the same story just as well.
        terms = scoring.distinctive_terms(title, text, self.doc_freq, doc_count,
                                          max_postings=RELATED_MAX_POSTINGS)
        window = window_days * 86400
        candidates = self._query(
            """SELECT items.id, items.feed_id, items.title, items.text, items.sort_time
               FROM items_fts JOIN items ON items.id = items_fts.rowid
               WHERE items_fts MATCH ? AND items.sort_time BETWEEN ? AND ?
                 AND items.id != ?
               ORDER BY bm25(items_fts, 4.0, 1.0) LIMIT ?""",
            (scoring.fts_query(terms), sort_time - window, sort_time + window, item_id, limit),
        ) if terms else []
        target = scoring.Doc(item_id, feed_id, title, text, to_datetime(sort_time))
        docs = [scoring.Doc(r[0], r[1], r[2], r[3], to_datetime(r[4])) for r in candidates]
        # The store's document frequencies for every term make the score symmetric (A lists B
        # iff B lists A) and weigh a word by how rare it is in the whole store (issue 17).
        matches = scoring.rank(target, docs, doc_freq=self.doc_freq, doc_count=doc_count)
        scored = {m.id: m for m in matches}
        declared_links = [link for link in json.loads(declared_json or "[]") if link]
        declared: set[int] = set()
        if declared_links:
            marks = ",".join("?" * len(declared_links))
            declared = {r[0] for r in self._query(
                f"SELECT id FROM items WHERE link IN ({marks}) AND id != ?",
                (*declared_links, item_id))}
        ids = [m.id for m in matches] + [i for i in sorted(declared) if i not in scored]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        heads = {r[0]: (_headline(r), r[9]) for r in self._query(
            f"SELECT {HEADLINE_COLUMNS}, feeds.url FROM items "
            f"JOIN feeds ON feeds.id = items.feed_id WHERE items.id IN ({marks})", ids)}
        result = []
        for item in ids:
            if item not in heads:
                continue
            headline, url = heads[item]
            match = scored.get(item)
            result.append((headline, url, match.score if match else 1.0,
                           match.duplicate_of if match else None, item in declared))
        return result

    def settings_get(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def settings_set(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def _statements(script: str) -> list[str]:
    """Split a schema script into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        joined = "\n".join(current).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    return statements


# A fetch that worked, on the feed's own row (after its items: `Store._apply`).
_FEED_FETCHED = """UPDATE feeds SET title = coalesce(nullif(?, ''), title),
    site_link = coalesce(?, site_link), etag = ?, last_modified = ?, last_fetched = ?,
    last_error = NULL, last_warning = ?, error_count = 0, not_before = NULL,
    url = coalesce(?, url), ttl_seconds = ?, language = coalesce(?, language)
WHERE id = ?"""


def _store_enclosures(conn: sqlite3.Connection, feed_id: int, rows: Sequence[tuple],
                      known: dict[str, int], new_ids: dict[str, int]) -> int:
    """Make each stored item's enclosures those of its row (`known`: the items stored
    before, `new_ids`: the new ones that have enclosures); returns how many items that were
    already stored had theirs changed (a changed enclosure updates the item)."""
    stored: dict[int, list[tuple]] = {}
    # A feed that had no items before this fetch has no enclosures stored either (a feed's
    # first refresh: every feed of a cold one).
    for item_id, *values in conn.execute(
            "SELECT enclosures.item_id, url, type, length, duration FROM enclosures "
            "JOIN items ON items.id = enclosures.item_id WHERE items.feed_id = ? "
            "ORDER BY enclosures.item_id, position", (feed_id,)) if known else ():
        stored.setdefault(item_id, []).append(tuple(values))
    if not stored and not new_ids and not any(row[10] for row in rows):
        return 0
    changed = 0
    gone: list[tuple[int]] = []
    inserts: list[tuple] = []
    for row in rows:
        entry_id = row[0]
        item_id = known.get(entry_id) or new_ids.get(entry_id)
        if item_id is None:
            continue
        wanted = list(row[10])
        if wanted == stored.get(item_id, []):
            continue
        changed += entry_id in known
        if item_id in stored:
            gone.append((item_id,))
        inserts += [(item_id, position, *values) for position, values in enumerate(wanted)]
    if gone:
        conn.executemany("DELETE FROM enclosures WHERE item_id = ?", gone)
    if inserts:
        conn.executemany("INSERT INTO enclosures (item_id, position, url, type, length, "
                         "duration) VALUES (?, ?, ?, ?, ?, ?)", inserts)
    return changed


def _int64(value: int | None) -> int | None:
    """A count SQLite can hold; a feed's absurd number is dropped, not an overflow."""
    return value if isinstance(value, int) and 0 <= value < 1 << 63 else None


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
