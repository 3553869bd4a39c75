"""Accounts, remote ids and the journal of unsent marks, in the reader's database.

The journal is filled by triggers (reader/store.py, SCHEMA_SYNC), so every write path lands
in it. What a sync applies from the server runs with `sync_guard.applying = 1` inside its own
transaction, so it is never journaled back; and it never overrides a field of an item that
still has a change queued (the local change is newer: NetNewsWire #1519).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.store import Store, StoreError
from reader.sync.protocol import RemoteFeed, RemoteItem

KINDS = ("greader", "ttrss")
TOKENS_FILE = "sync-tokens.json"
STATE_CHUNK = 2000  # items per transaction when applying the unread/starred sets


@dataclass
class Account:
    id: int
    name: str
    kind: str
    url: str
    username: str
    password_command: list[str] | None = None
    cursor: dict[str, Any] = field(default_factory=dict)
    last_sync: float | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    ids: tuple[int, ...]  # journal rows this entry stands for (the last value wins)
    item_id: int
    remote_id: str
    feed_remote_id: str | None
    field: str
    value: bool
    stamp: float


class AccountError(Exception):
    """A problem with the accounts the user asked about; the message is one line."""


# -- accounts -------------------------------------------------------------------------------


def _account(row: Sequence) -> Account:
    return Account(id=row[0], name=row[1], kind=row[2], url=row[3], username=row[4],
                   password_command=json.loads(row[5]) if row[5] else None,
                   cursor=json.loads(row[6] or "{}"), last_sync=row[7], last_error=row[8])


_ACCOUNT_COLUMNS = ("id, name, kind, url, username, password_command, cursor, last_sync, "
                    "last_error")


def accounts(store: Store) -> list[Account]:
    return [_account(row) for row in store._query(
        f"SELECT {_ACCOUNT_COLUMNS} FROM sync_accounts ORDER BY name")]


def account(store: Store, name: str) -> Account:
    rows = store._query(f"SELECT {_ACCOUNT_COLUMNS} FROM sync_accounts WHERE name = ?",
                        (name,))
    if not rows:
        known = ", ".join(a.name for a in accounts(store)) or "none yet"
        raise AccountError(f"no account named {name!r} (accounts: {known})")
    return _account(rows[0])


def add_account(store: Store, name: str, kind: str, url: str, username: str,
                password_command: list[str] | None) -> Account:
    if kind not in KINDS:
        raise AccountError(f"unknown account kind {kind!r}: greader or ttrss")
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM sync_accounts WHERE name = ?", (name,)).fetchone():
            raise AccountError(f"an account named {name!r} exists; remove it first")
        conn.execute(
            "INSERT INTO sync_accounts (name, kind, url, username, password_command, added) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, kind, url, username,
             json.dumps(password_command) if password_command else None, time.time()))
    return account(store, name)


def remove_account(store: Store, name: str) -> int:
    """Forget an account, its feeds, items and unsent marks; returns how many feeds went."""
    found = account(store, name)
    with store.transaction() as conn:
        feeds = [row[0] for row in conn.execute(
            "SELECT feed_id FROM sync_feeds WHERE account_id = ?", (found.id,))]
        conn.executemany("DELETE FROM feeds WHERE id = ?", [(f,) for f in feeds])
        conn.execute("DELETE FROM sync_journal WHERE account_id = ?", (found.id,))
        conn.execute("DELETE FROM sync_accounts WHERE id = ?", (found.id,))
    forget_token(store, name)
    return len(feeds)


def record_result(store: Store, account_id: int, *, error: str | None,
                  cursor: dict[str, Any] | None = None) -> None:
    with store.transaction() as conn:
        if error is None:
            now = time.time()
            conn.execute("UPDATE sync_accounts SET last_sync = ?, last_error = NULL, "
                         "cursor = coalesce(?, cursor) WHERE id = ?",
                         (now, json.dumps(cursor) if cursor is not None else None,
                          account_id))
            # `reader feeds` and the feeds panel show when the account's feeds were synced
            conn.execute("UPDATE feeds SET last_fetched = ?, last_error = NULL WHERE id IN "
                         "(SELECT feed_id FROM sync_feeds WHERE account_id = ?)",
                         (now, account_id))
        else:
            conn.execute("UPDATE sync_accounts SET last_error = ? WHERE id = ?",
                         (error, account_id))


def account_for_feed(store: Store, feed_id: int) -> tuple[Account, str] | None:
    """The account a feed belongs to and the feed's remote id, or None for a local feed."""
    rows = store._query(
        f"SELECT {', '.join('a.' + c.strip() for c in _ACCOUNT_COLUMNS.split(','))}, "
        "f.remote_id FROM sync_feeds AS f JOIN sync_accounts AS a ON a.id = f.account_id "
        "WHERE f.feed_id = ?", (feed_id,))
    if not rows:
        return None
    return _account(rows[0][:9]), rows[0][9]


def remote_feed_ids(store: Store) -> set[int]:
    """Feeds that belong to an account (the reader's own refresh leaves them alone)."""
    return {row[0] for row in store._query("SELECT feed_id FROM sync_feeds")}


def feed_accounts(store: Store) -> dict[int, str]:
    """Feed id -> the name of the account it belongs to (the feeds panel marks them)."""
    return dict(store._query(
        "SELECT f.feed_id, a.name FROM sync_feeds AS f "
        "JOIN sync_accounts AS a ON a.id = f.account_id"))


def account_stats(store: Store, account_id: int) -> dict[str, int]:
    row = store._query(
        "SELECT (SELECT count(*) FROM sync_feeds WHERE account_id = ?1), "
        "(SELECT count(*) FROM sync_items WHERE account_id = ?1), "
        "(SELECT count(*) FROM sync_journal WHERE account_id = ?1)", (account_id,))[0]
    return {"feeds": row[0], "items": row[1], "queued": row[2]}


# -- the secrets file (tokens, never passwords) ------------------------------------------------


def tokens_path(store: Store) -> Path:
    return store.path.parent / TOKENS_FILE


def _read_tokens(path: Path) -> dict[str, str]:
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # unreadable: log in again, which rewrites it
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def load_token(store: Store, name: str) -> str | None:
    return _read_tokens(tokens_path(store)).get(name)


def save_token(store: Store, name: str, token: str | None) -> None:
    """Written whole to a new 0600 file, then renamed over the old one."""
    path = tokens_path(store)
    tokens = _read_tokens(path)
    if token is None:
        if name not in tokens:
            return
        tokens.pop(name)
    elif tokens.get(name) == token:
        return
    else:
        tokens[name] = token
    temporary = path.with_name(f".{TOKENS_FILE}.{os.getpid()}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(tokens, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as error:
        raise StoreError(f"cannot write {path}: {error.strerror or error}") from None


def forget_token(store: Store, name: str) -> None:
    save_token(store, name, None)


# -- the journal ------------------------------------------------------------------------------


def pending(store: Store, account_id: int, limit: int = 5000) -> list[JournalEntry]:
    """The oldest unsent changes, one entry per (item, field) with its last value."""
    rows = store._query(
        "SELECT id, item_id, remote_id, feed_remote_id, field, value, stamp FROM sync_journal "
        "WHERE account_id = ? ORDER BY id LIMIT ?", (account_id, limit))
    merged: dict[tuple[int, str], list] = {}
    for row_id, item_id, remote_id, feed_remote_id, name, value, stamp in rows:
        key = (item_id, name)
        ids = merged[key][0] + (row_id,) if key in merged else (row_id,)
        merged[key] = [ids, item_id, remote_id, feed_remote_id, name, bool(value), stamp]
    return [JournalEntry(*values) for values in merged.values()]


def queued_count(store: Store, account_id: int | None = None) -> int:
    if account_id is None:
        return store._query("SELECT count(*) FROM sync_journal")[0][0]
    return store._query("SELECT count(*) FROM sync_journal WHERE account_id = ?",
                        (account_id,))[0][0]


def sent(store: Store, entries: Iterable[JournalEntry]) -> None:
    """Drop journal rows the server has acknowledged (later rows for the same item stay)."""
    ids = [(row_id,) for entry in entries for row_id in entry.ids]
    with store.transaction() as conn:
        conn.executemany("DELETE FROM sync_journal WHERE id = ?", ids)


def mark_all_boundary(store: Store, account_id: int, entries: Sequence[JournalEntry]
                      ) -> int | None:
    """The newest arrival time (server microseconds) among items marked read together, when
    a server-side mark-all up to it marks exactly them: every item of the feed that arrived
    by then is read here too. None when that does not hold (then the ids are sent)."""
    feed = entries[0].feed_remote_id
    marks = ",".join("?" * len(entries))
    row = store._query(
        f"SELECT count(crawled_usec), count(*), max(crawled_usec) FROM sync_items "
        f"WHERE item_id IN ({marks})", [entry.item_id for entry in entries])[0]
    if row[0] != row[1] or row[0] != len(entries) or row[2] is None:
        return None
    boundary = int(row[2])
    unread = store._query(
        "SELECT count(*) FROM sync_items AS s JOIN items ON items.id = s.item_id "
        "JOIN sync_feeds AS f ON f.feed_id = items.feed_id "
        "WHERE s.account_id = ? AND f.remote_id = ? AND items.read = 0 "
        "AND s.crawled_usec <= ?", (account_id, feed, boundary))[0][0]
    return boundary if unread == 0 else None


# -- applying what the server says ---------------------------------------------------------------


@contextmanager
def applying(store: Store) -> Iterator[sqlite3.Connection]:
    """One transaction whose changes to read/starred are the server's, not journaled."""
    with store.transaction() as conn:
        conn.execute("UPDATE sync_guard SET applying = 1")
        yield conn
        conn.execute("UPDATE sync_guard SET applying = 0")


def _local_url(conn: sqlite3.Connection, account: Account, remote: RemoteFeed) -> str:
    """The feed's URL when no other subscription has it; else one marked with the account.
    A URL that is not http(s) (the server's word is hostile too) is replaced."""
    from feeds.text import safe_url

    url = safe_url(remote.url) or f"{account.url.rstrip('/')}#feed={remote.id}"
    if conn.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone():
        url = f"{url}#reader-account={account.name}"
        serial = 1
        while conn.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone():
            serial += 1
            url = f"{url.split('#reader-account=')[0]}#reader-account={account.name}-{serial}"
    return url


def apply_subscriptions(store: Store, account: Account, remote: Sequence[RemoteFeed]
                        ) -> tuple[dict[str, int], int, int]:
    """Make the account's local feeds follow the server's list (folders become tags), in one
    transaction. Returns (remote id -> feed id, added, removed)."""
    from feeds.text import clean_line, safe_url

    added = removed = 0
    with store.transaction() as conn:
        mapping = dict(conn.execute(
            "SELECT remote_id, feed_id FROM sync_feeds WHERE account_id = ?", (account.id,)))
        wanted = {feed.id: feed for feed in remote}
        for remote_id, feed_id in list(mapping.items()):
            if remote_id not in wanted:
                conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
                del mapping[remote_id]
                removed += 1
        for feed in remote:
            title = clean_line(feed.title)
            tags = json.dumps([clean_line(folder) for folder in feed.folders
                               if clean_line(folder)])
            site = safe_url(feed.site_url) if feed.site_url else None
            if feed.id in mapping:
                conn.execute("UPDATE feeds SET title = ?, tags = ?, "
                             "site_link = coalesce(?, site_link) WHERE id = ?",
                             (title, tags, site, mapping[feed.id]))
                continue
            cursor = conn.execute(
                "INSERT INTO feeds (url, title, tags, site_link, added) VALUES (?, ?, ?, ?, ?)",
                (_local_url(conn, account, feed), title, tags, site, time.time()))
            mapping[feed.id] = int(cursor.lastrowid)
            conn.execute("INSERT INTO sync_feeds (feed_id, account_id, remote_id) "
                         "VALUES (?, ?, ?)", (mapping[feed.id], account.id, feed.id))
            added += 1
    return mapping, added, removed


def known_refs(store: Store, account_id: int, refs: Iterable[str]) -> set[str]:
    found: set[str] = set()
    values = list(refs)
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in store._query(
            f"SELECT ref FROM sync_items WHERE account_id = ? AND ref IN ({marks})",
            (account_id, *chunk)))
    return found


def apply_items(store: Store, account: Account, items: Sequence[RemoteItem],
                feeds: dict[str, int]) -> list[str]:
    """Store one batch of new items (one transaction); returns the refs stored.

    Everything from the server is cleaned as a feed's text is (feeds.text): it is hostile."""
    from feeds.text import safe_url, sanitize_html, search_text, strip_tags

    now = time.time()
    stored: list[str] = []
    with applying(store) as conn:
        for item in items:
            feed_id = feeds.get(item.feed_id)
            if feed_id is None:
                continue  # a feed the subscription list did not hold (yet)
            if conn.execute("SELECT 1 FROM sync_items WHERE account_id = ? AND ref = ?",
                            (account.id, item.ref)).fetchone():
                continue
            link = safe_url(item.link) if item.link else None
            content = sanitize_html(item.content, link)
            sort_time = item.published or item.updated or now
            cursor = conn.execute(
                """INSERT OR IGNORE INTO items (feed_id, entry_id, title, link, author,
                       published, updated, sort_time, summary, content, text, first_seen,
                       read, starred)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)""",
                (feed_id, item.id, strip_tags(item.title), link, strip_tags(item.author),
                 item.published, item.updated, sort_time, content, search_text(content),
                 now, int(item.read), int(item.starred)))
            if not cursor.rowcount:
                continue
            conn.execute(
                "INSERT INTO sync_items (item_id, account_id, remote_id, ref, crawled_usec) "
                "VALUES (?, ?, ?, ?, ?)",
                (cursor.lastrowid, account.id, item.id, item.ref, item.crawled_usec))
            stored.append(item.ref)
    return stored


def apply_states(store: Store, account: Account, unread: set[str], starred: set[str],
                 skip: set[str]) -> tuple[int, int]:
    """Read = known - unread, starred = in the starred set, for every item held before this
    sync (`skip`: those just stored, whose state came with them), except fields with a change
    still queued. One transaction per chunk. Returns (read changes, star changes)."""
    queued = {(row[0], row[1]) for row in store._query(
        "SELECT item_id, field FROM sync_journal WHERE account_id = ?", (account.id,))}
    read_changes = star_changes = 0
    last = 0
    while True:
        rows = store._query(
            "SELECT s.item_id, s.ref, items.read, items.starred FROM sync_items AS s "
            "JOIN items ON items.id = s.item_id WHERE s.account_id = ? AND s.item_id > ? "
            "ORDER BY s.item_id LIMIT ?", (account.id, last, STATE_CHUNK))
        if not rows:
            return read_changes, star_changes
        last = rows[-1][0]
        reads, stars = [], []
        for item_id, ref, read, star in rows:
            if ref in skip:
                continue
            want_read = ref not in unread
            if bool(read) != want_read and (item_id, "read") not in queued:
                reads.append((int(want_read), item_id))
            want_star = ref in starred
            if bool(star) != want_star and (item_id, "starred") not in queued:
                stars.append((int(want_star), item_id))
        if reads or stars:
            with applying(store) as conn:
                # A mark made while this sync ran is in the journal now: it still wins.
                fresh = {(row[0], row[1]) for row in conn.execute(
                    "SELECT item_id, field FROM sync_journal WHERE account_id = ?",
                    (account.id,))}
                reads = [r for r in reads if (r[1], "read") not in fresh]
                stars = [s for s in stars if (s[1], "starred") not in fresh]
                conn.executemany("UPDATE items SET read = ? WHERE id = ?", reads)
                conn.executemany("UPDATE items SET starred = ? WHERE id = ?", stars)
                if reads or stars:
                    store.note_marks_changed(conn)
            read_changes += len(reads)
            star_changes += len(stars)
