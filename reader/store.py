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
from datetime import UTC, datetime
from pathlib import Path

from reader.rows import FeedRow, Headline

BUSY_TIMEOUT_MS = 30_000
RELATED_MAX_POSTINGS = 4_000


class StoreError(Exception):
    """A problem with the database file that the user must fix; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """An entry ready to store: the feed layer's Entry plus its display text."""

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
class View:
    """Which headlines to show: all, unread, starred, a feed, a folder (tag) or a search."""

    kind: str = "all"  # "all", "unread", "starred", "feed", "tag", "search"
    feed_id: int | None = None
    tag: str | None = None
    query: str | None = None
    unread_only: bool = False


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

# Each entry upgrades the schema by one version; never edit a released one, append.
MIGRATIONS: tuple[str, ...] = (SCHEMA_V1,)
SCHEMA_VERSION = len(MIGRATIONS)

HEADLINE_COLUMNS = """
    items.id, items.feed_id, coalesce(feeds.user_title, nullif(feeds.title, ''), feeds.url),
    items.title, items.link, items.sort_time, items.read, items.starred,
    items.published IS NOT NULL OR items.updated IS NOT NULL
"""


def to_datetime(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


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

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        # Word -> items holding it; counts drift a little as items arrive, which ranking
        # tolerates, so the cache is only dropped when it grows large.
        self._doc_freq_cache: dict[str, int] = {}
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
            return int(cursor.lastrowid)

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

    def feeds(self) -> list[FeedRow]:
        """Every feed with its unread and total counts, in title order."""
        rows = self._query(
            """
            SELECT feeds.id, feeds.url,
                   coalesce(feeds.user_title, nullif(feeds.title, ''), feeds.url),
                   feeds.tags,
                   (SELECT count(*) FROM items WHERE items.feed_id = feeds.id AND read = 0),
                   (SELECT count(*) FROM items WHERE items.feed_id = feeds.id),
                   feeds.last_error, feeds.last_fetched, feeds.gone, feeds.site_link
            FROM feeds ORDER BY 3 COLLATE NOCASE, feeds.id
            """
        )
        return [
            FeedRow(
                id=row[0], url=row[1], title=row[2], tags=tuple(json.loads(row[3] or "[]")),
                unread=row[4], total=row[5], last_error=row[6],
                last_fetched=to_datetime(row[7]), gone=bool(row[8]), site_link=row[9],
            )
            for row in rows
        ]

    def feed(self, feed_id: int) -> FeedRow | None:
        return next((row for row in self.feeds() if row.id == feed_id), None)

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
                  *, include_held: bool = False
                  ) -> list[tuple[int, str, str | None, str | None]]:
        """(id, url, etag, last_modified) of feeds to fetch: not gone, not held back by a
        Retry-After (unless `include_held`: the user asked for these feeds by name)."""
        now = time.time() if now is None else now
        if include_held:
            now = float("inf")
        rows = self._query(
            "SELECT id, url, etag, last_modified FROM feeds "
            "WHERE (gone = 0 OR ?) AND (not_before IS NULL OR not_before <= ?) ORDER BY id",
            (int(include_held), now),
        )
        if feed_ids is not None:
            wanted = set(feed_ids)
            rows = [row for row in rows if row[0] in wanted]
        return [tuple(row) for row in rows]

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
    ) -> ApplyStats:
        """Store one feed's fetch in ONE transaction; read/starred of known items stay."""
        now = time.time()
        new = updated = 0
        with self.transaction() as conn:
            known = dict(
                conn.execute(
                    "SELECT entry_id, id FROM items WHERE feed_id = ?", (feed_id,)
                ).fetchall()
            )
            inserts = []
            changes = []
            seen: set[str] = set()
            for record in records:
                if record.entry_id in seen:
                    continue
                seen.add(record.entry_id)
                sort_time = record.published or record.updated or now
                values = (
                    record.title, record.link, record.author, record.published,
                    record.updated, sort_time, record.summary, record.content, record.text,
                    json.dumps(list(record.related_links)),
                )
                if record.entry_id in known:
                    changes.append((*values, known[record.entry_id]))
                else:
                    inserts.append((feed_id, record.entry_id, *values, now))
            if inserts:
                conn.executemany(
                    """INSERT INTO items (feed_id, entry_id, title, link, author, published,
                       updated, sort_time, summary, content, text, related_links, first_seen)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    inserts,
                )
                new = len(inserts)
            if changes:
                # Only rows whose text really changed are written (and lose the cached
                # article); the sort time of a known item never moves.
                cursor = conn.executemany(
                    """UPDATE items SET title = ?1, link = ?2, author = ?3, published = ?4,
                           updated = ?5, summary = ?7, content = ?8,
                           text = CASE WHEN article IS NOT NULL AND content IS ?8
                                       AND summary IS ?7 THEN text ELSE ?9 END,
                           related_links = ?10,
                           article = CASE WHEN content IS ?8 AND summary IS ?7
                                          THEN article ELSE NULL END
                       WHERE id = ?11 AND (title IS NOT ?1 OR link IS NOT ?2 OR author IS NOT ?3
                           OR summary IS NOT ?7 OR content IS NOT ?8 OR updated IS NOT ?5)""",
                    changes,
                )
                updated = cursor.rowcount
            conn.execute(
                """UPDATE feeds SET title = coalesce(nullif(?, ''), title),
                       site_link = coalesce(?, site_link), etag = ?, last_modified = ?,
                       last_fetched = ?, last_error = ?, error_count = 0, not_before = NULL,
                       url = coalesce(?, url)
                   WHERE id = ?""",
                (title, site_link, etag, last_modified, now, warning, new_url, feed_id),
            )
        return ApplyStats(new=new, updated=updated)

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

    def _view_filter(self, view: View) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if view.kind == "unread" or view.unread_only:
            clauses.append("items.read = 0")
        if view.kind == "starred":
            clauses.append("items.starred = 1")
        if view.kind == "feed":
            clauses.append("items.feed_id = ?")
            params.append(view.feed_id)
        if view.kind == "tag":
            clauses.append(
                "items.feed_id IN (SELECT feeds.id FROM feeds, json_each(feeds.tags) "
                "WHERE json_each.value = ?)"
            )
            params.append(view.tag)
        if view.kind == "search":
            self._ensure_indexed()
            clauses.append("items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(search_expression(view.query or ""))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def headlines(self, view: View = View(), *, limit: int | None = None,
                  offset: int = 0) -> list[Headline]:
        """Light rows (no bodies), newest first, with paging."""
        where, params = self._view_filter(view)
        sql = (f"SELECT {HEADLINE_COLUMNS} FROM items JOIN feeds ON feeds.id = items.feed_id"
               f"{where} ORDER BY items.sort_time DESC, items.id DESC")
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_headline(row) for row in self._query(sql, params)]

    def headline(self, item_id: int) -> Headline | None:
        rows = self._query(
            f"SELECT {HEADLINE_COLUMNS} FROM items JOIN feeds ON feeds.id = items.feed_id "
            "WHERE items.id = ?", (item_id,))
        return _headline(rows[0]) if rows else None

    def count(self, view: View = View()) -> int:
        where, params = self._view_filter(view)
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
                      note: str | None) -> None:
        """Keep an extracted article so it is fetched once; its text is searchable too."""
        with self.transaction() as conn:
            conn.execute(
                """UPDATE items SET article = ?, article_links = ?, article_source = ?,
                       article_note = ?, text = CASE WHEN ? = 'page' THEN ? ELSE text END
                   WHERE id = ?""",
                (text, json.dumps(list(links)), source, note, source, text, item_id),
            )

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
            return changed

    def mark_view_read(self, view: View) -> int:
        where, params = self._view_filter(view)
        where = where + (" AND " if where else " WHERE ") + "items.read = 0"
        with self.transaction() as conn:
            return conn.execute(f"UPDATE items SET read = 1{where}", params).rowcount

    def mark_feed_read(self, feed_id: int) -> int:
        return self.mark_view_read(View(kind="feed", feed_id=feed_id))

    def set_starred(self, item_ids: Iterable[int], starred: bool = True) -> int:
        """Committed at once. Returns how many items changed."""
        return self._set_flag("starred", item_ids, starred)

    def next_unread(self, after_item: int | None, view: View = View(), *,
                    backwards: bool = False) -> int | None:
        """The next (older) or previous (newer) unread item in `view` order."""
        where, params = self._view_filter(view)
        where = where + (" AND " if where else " WHERE ") + "items.read = 0"
        if after_item is not None:
            anchor = self._query("SELECT sort_time, id FROM items WHERE id = ?", (after_item,))
            if anchor:
                sort_time, item_id = anchor[0]
                op = ">" if backwards else "<"
                where += (f" AND (items.sort_time {op} ? OR "
                          f"(items.sort_time = ? AND items.id {op} ?))")
                params += [sort_time, sort_time, item_id]
        order = "ASC" if backwards else "DESC"
        rows = self._query(
            f"SELECT items.id FROM items{where} ORDER BY items.sort_time {order}, "
            f"items.id {order} LIMIT 1", params)
        return rows[0][0] if rows else None

    # -- search and related -------------------------------------------------------------

    def search(self, query: str, *, limit: int = 50) -> list[Headline]:
        return self.headlines(View(kind="search", query=query), limit=limit)

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
        row = self._query("SELECT (SELECT upto FROM fts_progress), (SELECT max(id) FROM items)")
        if (row[0][1] or 0) > row[0][0]:
            self.index_pending()

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
        doc_count = self._query("SELECT count(*) FROM items")[0][0]
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


def search_expression(query: str) -> str:
    """A user's search words as a safe FTS5 expression: every word must match, as a prefix
    for the last one; quotes, operators and punctuation are never FTS syntax."""
    words = [word for word in _words(query) if word]
    if not words:
        return '""'
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def _words(query: str) -> list[str]:
    import re

    return re.findall(r"\w+", query, flags=re.UNICODE)


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


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
