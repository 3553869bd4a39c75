"""`reader account ...`, `reader sync` and `reader add --account`, hooked into reader.cli.

The password comes from READER_PASSWORD, the output of `--password-command` (split into an
argv, run without a shell) or a prompt; it is never an argument and never stored: only the
server's token is kept (sync-tokens.json in the data folder, mode 0600).
"""

from __future__ import annotations

import argparse
import getpass
import json
import shlex
import sys
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from reader.store import Store


def _run(coroutine: Any) -> Any:
    """asyncio loads here, not when the command line is built: `reader refresh` starts its
    parsing workers before asyncio loads (reader.parse_workers)."""
    import asyncio

    return asyncio.run(coroutine)


NO_ACCOUNTS = "no sync accounts yet: `reader account add greader|ttrss URL --user NAME`"


def add_parsers(commands: Any) -> None:
    """Add `account` and `sync` to the reader's subcommands, and --account to `add`."""
    account = commands.add_parser("account", help="sync accounts (Google Reader API, TT-RSS)")
    actions = account.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an account (logs in once to check)")
    add.add_argument("kind", choices=("greader", "ttrss"))
    add.add_argument("url", metavar="URL",
                     help="the API address (FreshRSS: https://host/api/greader.php)")
    add.add_argument("--user", required=True, metavar="NAME")
    add.add_argument("--password-command", metavar="CMD",
                     help="a command printing the password (run without a shell)")
    add.add_argument("--name", metavar="NAME", help="the account's name (default USER@HOST)")
    listing = actions.add_parser("list", help="accounts, their feeds and queued changes")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="forget an account and its feeds here")
    remove.add_argument("name", metavar="NAME")
    sync = commands.add_parser("sync", help="send queued marks, fetch feeds, items and state")
    sync.add_argument("names", nargs="*", metavar="ACCOUNT")
    sync.add_argument("--json", action="store_true")
    commands.choices["add"].add_argument(
        "--account", metavar="NAME", help="subscribe on this sync account's server")


def _failure(message: str) -> Exception:
    from reader.cli import Failure

    return Failure(message)


def _password(command: list[str] | None) -> str:
    from reader.sync.engine import password_from
    from reader.sync.protocol import SyncError
    from reader.sync.state import Account

    probe = Account(0, "", "", "", "", command)
    try:
        found = password_from(probe)
    except SyncError as error:
        raise _failure(str(error)) from None
    if found:
        return found
    if command:
        raise _failure(f"the password command {command[0]!r} printed nothing")
    if not sys.stdin.isatty():
        raise _failure("no password: set READER_PASSWORD, use --password-command CMD, "
                       "or run on a terminal to be asked")
    return getpass.getpass("password: ")


def cmd_account(store: Store, args: argparse.Namespace) -> int:
    return {"add": _account_add, "list": _account_list,
            "remove": _account_remove}[args.account_command](store, args)


def _account_add(store: Store, args: argparse.Namespace) -> int:
    from reader.sync import state
    from reader.sync.engine import check_login
    from reader.sync.protocol import SyncError

    split = urlsplit(args.url)
    if split.scheme not in ("http", "https") or not split.netloc:
        raise _failure(f"not an http(s) URL: {args.url}")
    command = None
    if args.password_command:
        try:
            command = shlex.split(args.password_command)
        except ValueError as error:
            raise _failure(f"--password-command: {error}") from None
        if not command:
            raise _failure("--password-command is empty")
    name = args.name or f"{args.user}@{split.netloc}"
    if any(found.name == name for found in state.accounts(store)):
        raise _failure(f"an account named {name!r} exists; remove it first or use --name")
    password = _password(command)
    probe = state.Account(0, name, args.kind, args.url, args.user, command)
    try:
        token = _run(check_login(probe, password))
    except SyncError as error:
        raise _failure(str(error)) from None
    try:
        added = state.add_account(store, name, args.kind, args.url, args.user, command)
    except state.AccountError as error:
        raise _failure(str(error)) from None
    state.save_token(store, added.name, token)
    print(f"added the account {name}; `reader sync` fetches its feeds")
    return 0


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _account_list(store: Store, args: argparse.Namespace) -> int:
    from reader.sync import state

    rows = []
    for found in state.accounts(store):
        stats = state.account_stats(store, found.id)
        rows.append({"name": found.name, "kind": found.kind, "url": found.url,
                     "user": found.username, **stats, "last_sync": _iso(found.last_sync),
                     "last_error": found.last_error})
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(NO_ACCOUNTS)
    for row in rows:
        print(f"{row['name']}  {row['kind']}  {row['url']}  {row['feeds']} feeds, "
              f"{row['items']} items, {row['queued']} queued, "
              f"last sync {row['last_sync'] or 'never'}")
        if row["last_error"]:
            print(f"    last error: {row['last_error']}")
    return 0


def _account_remove(store: Store, args: argparse.Namespace) -> int:
    from reader.sync import state

    try:
        feeds = state.remove_account(store, args.name)
    except state.AccountError as error:
        raise _failure(str(error)) from None
    print(f"removed the account {args.name} and its {feeds} feed{'s' * (feeds != 1)} here "
          "(the server keeps them)")
    return 0


def cmd_sync(store: Store, args: argparse.Namespace) -> int:
    from reader.sync import state
    from reader.sync.engine import SyncProgress, SyncResult, sync
    from reader.sync.protocol import SyncError

    everyone = state.accounts(store)
    if not everyone:
        raise _failure(NO_ACCOUNTS)
    chosen = everyone
    if args.names:
        try:
            chosen = [state.account(store, name) for name in args.names]
        except state.AccountError as error:
            raise _failure(str(error)) from None
    show_progress = sys.stderr.isatty() and not args.json
    results: list[SyncResult] = []

    async def run() -> None:
        progress = task = None
        if show_progress:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn

            progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                console=Console(stderr=True), transient=True)
            progress.start()
            task = progress.add_task("syncing")

        def tell(event: SyncProgress) -> None:
            if progress is not None and task is not None:
                counted = f" ({event.done}/{event.total})" if event.total else (
                    f" ({event.done})" if event.done else "")
                progress.update(task, description=f"syncing {event.account}: "
                                f"{event.stage}{counted}")

        try:
            for found in chosen:
                try:
                    results.append(await sync(store, found, tell))
                except SyncError as error:
                    results.append(SyncResult(found.name, error=str(error)))
        finally:
            if progress is not None:
                progress.stop()

    _run(run())
    failed = [result for result in results if result.error]
    if args.json:
        json.dump([{"account": r.account, "sent": r.pushed, "new_items": r.new_items,
                    "feeds_added": r.feeds_added, "feeds_removed": r.feeds_removed,
                    "read_changed": r.read_changed, "starred_changed": r.starred_changed,
                    "requests": r.requests, "error": r.error} for r in results],
                  sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for result in results:
            if not result.error:
                print(result.line())
    for result in failed:
        print(f"reader: {result.line()}", file=sys.stderr)
    return 1 if failed else 0


def cmd_add_remote(store: Store, args: argparse.Namespace) -> int:
    """`reader add URL --account NAME`: subscribe on the server, then follow its list."""
    from reader.sync import state
    from reader.sync.engine import subscribe
    from reader.sync.protocol import SyncError

    try:
        found = state.account(store, args.account)
    except state.AccountError as error:
        raise _failure(str(error)) from None
    status = 0
    for url in args.urls:
        try:
            feed_id = _run(subscribe(store, found, url, args.tag[0] if args.tag else None))
        except SyncError as error:
            print(f"reader: {url}: {' '.join(str(error).split())}", file=sys.stderr)
            status = 1
            continue
        row = store.feed(feed_id)
        print(f"added {row.title if row else url} on {found.name}; "
              "`reader sync` fetches its items")
    return status


def remove_remote(store: Store, feed_id: int, url: str) -> bool:
    """`reader remove` of an account's feed: unsubscribe on the server first. False for a
    local feed (the caller removes it as before)."""
    from reader.sync import state
    from reader.sync.engine import unsubscribe
    from reader.sync.protocol import SyncError

    owner = state.account_for_feed(store, feed_id)
    if owner is None:
        return False
    try:
        _run(unsubscribe(store, feed_id))
    except SyncError as error:
        raise _failure(f"{url}: not removed: {error}") from None
    print(f"removed {url} (unsubscribed on {owner[0].name})")
    return True


COMMANDS = {"account": cmd_account, "sync": cmd_sync}
