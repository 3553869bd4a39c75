"""The `reader` command line. Imports Textual only to launch the app.

Exit status: 0 done; 1 a failure the user must know about (one line on stderr starting with
"reader: "); 2 a usage error. Feed text is printed as plain text, never as Rich markup.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from feeds.model import FetchLimits
from reader import cli_media, locations
from reader.core.config import Config, ConfigError
from reader.core.query import ALL, Query
from reader.rows import FeedRow, Headline
from reader.store import Store, StoreError
from reader.wording import UNTITLED, count_of

if TYPE_CHECKING:
    import argparse  # at run time only when a command is parsed (not for the app)


class Failure(Exception):
    """A failure to report in one line with exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from reader.sync import cli as sync_cli

    parser = argparse.ArgumentParser(
        prog="reader",
        description="A terminal news reader that shows a story's timeline next to the article.",
    )
    parser.add_argument("--data-dir", metavar="DIR",
                        help="keep the database in DIR (default: the platform's data folder)")
    parser.add_argument("--version", action="version", version=f"reader {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("demo", help="subscribe to the bundled offline demo story")
    add = commands.add_parser("add", help="subscribe to feeds (a page: its feed is found)")
    add.add_argument("urls", nargs="+", metavar="URL")
    add.add_argument("--tag", action="append", default=[], metavar="FOLDER",
                     help="put the feed in a folder (repeat for more)")
    add.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                     help="give up after this long (default 30)")
    remove = commands.add_parser("remove", help="unsubscribe (its items go too)")
    remove.add_argument("url", metavar="URL")
    feeds = commands.add_parser("feeds", help="subscriptions with unread/total and last error")
    feeds.add_argument("--json", action="store_true")
    refresh = commands.add_parser("refresh", help="fetch all feeds, or the ones named")
    refresh.add_argument("urls", nargs="*", metavar="URL")
    refresh.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                         help="give up on a feed after this long (default 30)")
    refresh.add_argument("--all", action="store_true",
                         help="fetch every feed now, even those not due yet")
    listing = commands.add_parser("list", help="headlines, newest first")
    listing.add_argument("--unread", action="store_true")
    listing.add_argument("--starred", action="store_true")
    listing.add_argument("--feed", metavar="URL")
    listing.add_argument("--limit", type=_positive, default=None, metavar="N")
    listing.add_argument("--filter", metavar="EXPR",
                         help="only items matching a filter (README: Filters); a mistake "
                         "exits 2")
    listing.add_argument("--json", action="store_true")
    show = commands.add_parser("show", help="an article, its related items and its timeline")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true")
    mark = commands.add_parser("mark", help="mark items read, unread, starred or not")
    mark.add_argument("ids", type=int, nargs="+", metavar="ID")
    how = mark.add_mutually_exclusive_group(required=True)
    for flag in ("--read", "--unread", "--star", "--unstar"):
        how.add_argument(flag, dest="how", action="store_const", const=flag[2:])
    search = commands.add_parser("search", help="search with the filter language "
                                 "(`Slow OR Armcrest`, `title:rust*`)")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--limit", type=_positive, default=50, metavar="N")
    search.add_argument("--json", action="store_true")
    importer = commands.add_parser("import", help="subscribe to an OPML or newsboat urls file; "
                                   "a newsboat config's filters print as config.toml text")
    importer.add_argument("file", metavar="FILE")
    exporter = commands.add_parser("export", help="write subscriptions as OPML 2.0")
    exporter.add_argument("file", nargs="?", metavar="FILE")
    cli_media.add_parsers(commands)
    sync_cli.add_parsers(commands)  # account, sync, add --account (issue 14)
    return parser


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _seconds(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600 seconds")
    return value


def _config(args: argparse.Namespace) -> Config:
    """config.toml, validated, with `--timeout` applied."""
    from reader.core.config import load

    return load().with_timeout(getattr(args, "timeout", None))


def _limits(args: argparse.Namespace) -> FetchLimits:
    return _config(args).fetch


def _version() -> str:
    from feeds import __version__

    return __version__


def app_only(argv: Sequence[str]) -> tuple[bool, str | None]:
    """`reader` or `reader --data-dir DIR`: the app, and its data folder, read without
    building the parser of every command (~10 ms of the start, with the sync commands'
    module). Anything else (a command, --help, a mistake) goes through argparse."""
    words = list(argv)
    if not words:
        return True, None
    if len(words) == 2 and words[0] == "--data-dir" and not words[1].startswith("-"):
        return True, words[1]
    if len(words) == 1 and words[0].startswith("--data-dir=") and words[0] != "--data-dir=":
        return True, words[0].removeprefix("--data-dir=")
    return False, None


def _command(name: str) -> Any:
    if name in COMMANDS:
        return COMMANDS[name]
    from reader.sync import cli as sync_cli

    return sync_cli.COMMANDS[name]


def main(argv: Sequence[str] | None = None) -> int:
    launch, data_dir = app_only(sys.argv[1:] if argv is None else argv)
    args = None
    if not launch:
        gc.enable()  # off while `python -m reader` loaded (reader.__main__): a command runs
        args = build_parser().parse_args(argv)
        launch, data_dir = args.command is None, args.data_dir
    try:
        if launch:
            return launch_app(data_dir)
        assert args is not None
        store = Store(locations.database_path(data_dir))
        try:
            return _command(args.command)(store, args)
        finally:
            store.close()
    except (Failure, StoreError, ConfigError) as error:
        print(f"reader: {_one_line(str(error))}", file=sys.stderr)
        return 1
    except sqlite3.Error as error:
        from reader.store import describe_error

        path = locations.database_path(data_dir)
        print(f"reader: {_one_line(describe_error(error, path))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("reader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into a command that stopped reading (`reader list | head`).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug: still no traceback for the user
        if os.environ.get("READER_DEBUG"):
            raise
        print(f"reader: internal error: {type(error).__name__}: {_one_line(str(error))} "
              "(set READER_DEBUG=1 for details)", file=sys.stderr)
        return 1


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown error"


def launch_app(data_dir: str | None) -> int:
    # The start allocates a few hundred thousand objects (modules, classes, styles) that
    # live as long as the program: the cycle collector walked them ~150 times before the
    # first frame (~40 ms, one full collection of ~20 ms in the first frame itself). It is
    # off until the first frame, which then freezes what exists and turns it back on
    # (ReaderApp.first_frame_drawn); on any way out before that, it is turned on here.
    gc.disable()
    try:
        return _launch_app(data_dir)
    finally:
        gc.enable()


def _launch_app(data_dir: str | None) -> int:
    from reader.core.config import load
    from reader.terminal_input import shorten_escape_delay

    shorten_escape_delay()  # before Textual is imported: its constants read ESCDELAY once

    config = load()  # a bad config is one line before the screen changes
    store = Store(locations.database_path(data_dir))
    try:
        offer_demo(store)
        first_page = read_first_page(store.path, config)
        from reader.app import ReaderApp  # Textual is paid for only here

        app = ReaderApp(store, config=config, theme=store.settings_get("theme"),
                        auto_refresh=True, first_page=first_page)
        app.run()
    finally:
        store.close()
    if app.crash_line is not None:
        print(app.crash_line, file=sys.stderr)
        return 1
    return app.return_code or 0


class FirstPage(NamedTuple):
    """The first screen's rows: the newest item id, then the first `limit` headlines of
    every item (the killfile applied), as the main screen would read them at mount."""

    newest_id: int
    rows: list[Headline]
    limit: int


FIRST_PAGE_ROWS = 300  # as many as the main screen's first page (it checks the limit)


def read_first_page(path: Path, config: Config) -> Future[FirstPage]:
    """Read the first screen's rows on a thread of their own, with a connection of their
    own, while Python imports Textual and the screens (~150 ms in which SQLite, which lets
    the GIL go, has the other core): the screen then has its rows at mount, not after a
    read it starts only then."""
    future: Future[FirstPage] = Future()

    def read() -> None:
        try:
            query = ALL
            if config.kill:
                from reader.filters.condition import Killfile

                query = ALL.but(exclude=Killfile.of(config.kill))
            reader = Store(path, index_on_read=False)
            try:
                newest = reader.max_item_id()
                rows = reader.headlines(query, limit=FIRST_PAGE_ROWS)
            finally:
                reader.close()
            future.set_result(FirstPage(newest, rows, FIRST_PAGE_ROWS))
        except BaseException as error:  # noqa: BLE001 - the screen reads again itself
            future.set_exception(error)

    threading.Thread(target=read, name="reader-first-page", daemon=True).start()
    return future


def offer_demo(store: Store) -> None:
    """The demo story on the app's first launch, so an offline first run is a full reader;
    never again once given (by this or `reader demo`) or once the user had feeds."""
    if store.feed_count() == 0 and store.settings_get("demo_offered") is None:
        _add_demo(store, quiet=True)
    store.settings_set("demo_offered", "1")


# -- commands ---------------------------------------------------------------------------


def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    _add_demo(store, quiet=False)
    return 0


def _add_demo(store: Store, *, quiet: bool) -> None:
    """Subscribe to the bundled demo feeds and read them from disk (no network)."""
    from feeds.demo import demo_urls
    from reader.refresh import FeedFailed, refresh

    urls = demo_urls()
    had_it = all(store.feed_id(url) is not None for url in urls)
    ids = [store.add_feed(url, tags=("Demo",)) for url in urls]
    # Once given, never again unasked: removing the demo feeds must keep them removed.
    store.settings_set("demo_offered", "1")
    events = _run(_collect(refresh(store, ids, force=True)))
    failed = [event for event in events if isinstance(event, FeedFailed)]
    for event in failed:
        print(f"reader: demo feed {event.url}: {event.error}", file=sys.stderr)
    if not quiet:
        total = sum(store.count(Query(feed_id=feed_id)) for feed_id in ids)
        said = "the demo story was already there" if had_it else "added the demo story"
        print(f"{said}: {count_of(len(ids), 'feed')}, {count_of(total, 'item')}")


async def _collect(events: Any) -> list:
    return [event async for event in events]


def _run(coroutine: Any) -> Any:
    # asyncio (~25 ms to import) loads here, not with the module: `reader refresh` starts
    # its parsing workers' forkserver (start_parsers_early) before it.
    import asyncio

    return asyncio.run(coroutine)


def cmd_add(store: Store, args: argparse.Namespace) -> int:
    from reader.refresh import AddError, subscribe

    if args.account:  # subscribe on a sync account's server
        from reader.sync import cli as sync_cli

        return sync_cli.cmd_add_remote(store, args)
    status = 0
    for url in args.urls:
        try:
            feed_id, stats, found = _run(subscribe(store, url, tags=args.tag,
                                                   limits=_limits(args)))
        except AddError as error:
            print(f"reader: {url}: {_one_line(str(error))}", file=sys.stderr)
            status = 1
            continue
        row = store.feed(feed_id)
        title = row.title if row else found.url
        if found.scheme_note:
            print(found.scheme_note)
        if found.discovered:
            print(f"found the feed {found.url} on the page {url}")
        print(f"added {title} ({count_of(stats.new, 'item')})")
        if row and row.last_warning:  # read in part (a broken document): say so now
            print(f"reader: {found.url}: {row.last_warning}", file=sys.stderr)
    return status


def cmd_remove(store: Store, args: argparse.Namespace) -> int:
    from reader.sync import cli as sync_cli

    feed_id = _feed_by_url(store, args.url)
    if sync_cli.remove_remote(store, feed_id, args.url):  # unsubscribed on its server
        return 0
    store.remove_feed(feed_id)
    print(f"removed {args.url}")
    return 0


def _feed_by_url(store: Store, url: str) -> int:
    from reader.refresh import normalize_url, without_scheme

    # typed without a scheme: `reader add` may have fallen back to http
    fallback = ("http://" + url.strip(),) if without_scheme(url) else ()
    for candidate in (url, normalize_url(url), *fallback):
        feed_id = store.feed_id(candidate)
        if feed_id is not None:
            return feed_id
    raise Failure(f"not subscribed to {url}")


def cmd_feeds(store: Store, args: argparse.Namespace) -> int:
    rows = store.feeds()
    if args.json:
        _print_json([feed_json(row) for row in rows])
        return 0
    if not rows:
        print("no subscriptions yet: `reader add URL`, `reader import FILE` or `reader demo`")
    for row in rows:
        mark = "!" if row.last_error else " "
        folders = f"  [{', '.join(row.tags)}]" if row.tags else ""
        print(f"{mark} {row.unread:>5}/{row.total:<5} {row.title}  <{row.url}>{folders}")
        if row.last_error:
            print(f"        last error: {row.last_error}")
        if row.last_warning:  # the refresh worked: a note, not a failure
            print(f"        warning: {row.last_warning}")
    return 0


def cmd_refresh(store: Store, args: argparse.Namespace) -> int:
    from reader.parse_workers import start_parsers_early

    ids = [_feed_by_url(store, url) for url in args.urls] if args.urls else None
    due_only = not (args.all or ids)
    start_parsers_early(store, ids, due_only=due_only)  # before asyncio and aiohttp load
    import reader.refresh  # noqa: F401 - loaded before the freeze below

    # What is loaded by now lives as long as the command: out of the collector's way, and
    # collections rarer, so the refresh's short-lived objects (results, records, events) are
    # not walked with every 700 allocations (issue 13).
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    try:
        return _refresh_command(store, args, ids, due_only)
    finally:  # as it was (main() runs in-process in tests)
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _refresh_command(store: Store, args: argparse.Namespace, ids: list[int] | None,
                     due_only: bool) -> int:
    from reader.refresh import FeedDone, FeedFailed, RefreshStarted, RefreshSummary, refresh

    summary = RefreshSummary()
    limits = _limits(args)
    show_progress = sys.stderr.isatty()
    from reader.schedule import adopt_interval, next_due_time

    config = _config(args)
    adopt_interval(store, config.refresh)  # a changed [refresh] interval counts at once
    plan = cli_media.refresh_plan(store)  # due times unless --all or URLs are named
    drop = None  # the killfile's drop rules; the filter language loads only for them
    if config.kill:
        from reader.filters.rules import Dropper

        drop = Dropper(config.kill) or None

    async def run() -> None:
        progress = task = None
        if show_progress:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            progress = Progress(TextColumn("refreshing"), BarColumn(), MofNCompleteColumn(),
                                console=Console(stderr=True), transient=True)
            progress.start()
        try:
            async for event in refresh(store, ids, limits=limits, plan=plan, drop=drop,
                                       due_only=due_only):
                summary.add(event)
                if progress is None:
                    continue
                if isinstance(event, RefreshStarted):
                    task = progress.add_task("refresh", total=event.total)
                elif isinstance(event, FeedDone | FeedFailed) and task is not None:
                    progress.advance(task)
        finally:
            if progress is not None:
                progress.stop()

    _run(run())
    line = summary.line()
    if due_only and summary.feeds == 0 and store.feed_count():
        upcoming = next_due_time(store)
        if upcoming is not None:
            when = datetime.fromtimestamp(upcoming).strftime("%H:%M")
            line += f" (none is due yet; the next at {when}; --all fetches every feed)"
    print(line)
    for failure in summary.failures:
        print(f"reader: {failure.url}: {failure.error}", file=sys.stderr)
    for problem in plan.problems:
        print(f"reader: {problem}", file=sys.stderr)
    return 0


def cmd_list(store: Store, args: argparse.Namespace) -> int:
    condition = None
    if args.filter is not None:
        condition = _filter_or_none(args.filter, "--filter")
        if condition is None:
            return 2
    query = Query(unread=args.unread, starred=args.starred,
                  feed_id=_feed_by_url(store, args.feed) if args.feed else None,
                  filter=condition, exclude=_killfile(args))
    return _print_headlines(store, store.headlines(query, limit=args.limit), args.json)


def _filter_or_none(text: str, option: str) -> Any:
    """The filter as a Query condition, or None after printing the mistake (one line and
    a caret under the column) for an exit 2."""
    from reader.filters.commands import error_lines
    from reader.filters.condition import FilterCondition
    from reader.filters.parser import FilterSyntaxError

    try:
        return FilterCondition.parse(text)
    except FilterSyntaxError as error:
        print(error_lines(error, option), file=sys.stderr)
        return None


def _killfile(args: argparse.Namespace) -> Any:
    """What config.toml's [[kill]] rules keep out of every view (the app's, and these)."""
    from reader.filters.condition import Killfile

    return Killfile.of(_config(args).kill)


def _print_headlines(store: Store, rows: list[Headline], as_json: bool) -> int:
    if as_json:
        urls = store.feed_urls()
        _print_json([item_json(row, urls.get(row.feed_id, "")) for row in rows])
        return 0
    media = cli_media.media_marks(store, [row.id for row in rows])
    for row in rows:
        mark = ("N" if not row.read else " ") + ("*" if row.starred else " ")
        when = row.published.strftime("%Y-%m-%d") if row.published else "          "
        print(f"{row.id:>7} {mark} {when}  {row.feed_title[:20]:<20}  {row.title or UNTITLED}"
              + media.get(row.id, ""))
    return 0


def cmd_show(store: Store, args: argparse.Namespace) -> int:
    from reader.story import load_article, story_for

    item = store.item(args.id)
    if item is None:
        raise Failure(f"no item with id {args.id}")
    article = _run(load_article(store, item, limits=_limits(args),  # [fetch] holds here too
                                fetch_page=cli_media.fetches_page(store, item.feed_url)))
    story = story_for(store, item, article.text)
    headline = store.headline(item.id)
    if args.json:
        document = item_json(headline, item.feed_url) if headline else {}
        document["body"] = article.text
        document["links"] = list(article.links)
        document["note"] = article.note  # why the body is only a summary, else null
        document["related"] = [
            {**item_json(related.headline, related.feed_url), "score": round(related.score, 3),
             "duplicate": related.duplicate_of is not None}
            for related in story.related
        ]
        document["events"] = [
            {"date": event.date.isoformat(), "granularity": event.granularity,
             "text": event.text}
            for event in story.events
        ] + [{"date": None, "granularity": "undated", "text": event.text}
             for event in story.undated]  # an undated item's "on Wednesday" (issue 17)
        document["enclosures"] = cli_media.enclosures_json(store, item.id)
        _print_json(document)
        return 0
    print(item.title)
    meta = [item.feed_title, item.author,
            item.published.strftime("%Y-%m-%d %H:%M UTC") if item.published else ""]
    print(" · ".join(part for part in meta if part))
    if item.link:
        print(item.link)
    print()
    if article.note:
        print(f"({article.note})\n")
    print(article.text)
    if article.links:
        print("\nLinks:")
        for number, link in enumerate(article.links, 1):
            print(f"[{number}] {link}")
    cli_media.print_enclosures(store, item.id)
    print("\nTimeline:")
    for line in story.lines():
        print(line)
    return 0


def cmd_mark(store: Store, args: argparse.Namespace) -> int:
    missing = [item_id for item_id in args.ids if store.headline(item_id) is None]
    if missing:
        raise Failure("no item with id " + ", ".join(str(item_id) for item_id in missing))
    if args.how in ("read", "unread"):
        changed = store.mark_read(args.ids, read=args.how == "read")
    else:
        changed = store.set_starred(args.ids, starred=args.how == "star")
    noun = "item" if changed == 1 else "items"
    print(f"marked {changed} {noun} {args.how}" + ("red" if args.how.endswith("star") else ""))
    return 0


def cmd_search(store: Store, args: argparse.Namespace) -> int:
    """The filter language, as `/` in the app: plain words must all match."""
    condition = _filter_or_none(args.query, "search")
    if condition is None:
        return 2
    query = Query(filter=condition, exclude=_killfile(args))
    return _print_headlines(store, store.headlines(query, limit=args.limit), args.json)


def cmd_import(store: Store, args: argparse.Namespace) -> int:
    from feeds.opml import read_subscriptions

    try:
        data = Path(args.file).expanduser().read_bytes()
    except OSError as error:
        raise Failure(f"cannot read {args.file}: {error.strerror or error}") from None
    result = read_subscriptions(data)
    filters = _newsboat_filters(data)
    if filters is not None:  # query: lines are views now; say so once, with the others
        result = replace(result, skipped=tuple(
            message for message in result.skipped if "query: feeds" not in message))
        if not result.subscriptions:  # a newsboat config: its filters, nothing to subscribe
            return _print_filters(args.file, filters)
    if not result.subscriptions:  # one line says it all (the contract: one line, exit 1)
        if len(result.skipped) == 1:
            raise Failure(f"{args.file}: {result.skipped[0]}")
        if result.skipped:
            raise Failure(f"{args.file}: nothing imported ({len(result.skipped)} skipped, "
                          f"the first: {result.skipped[0]})")
        raise Failure(f"{args.file} holds no feeds (not an OPML or newsboat urls file?)")
    for message in result.skipped:
        print(f"reader: {args.file}: {message}", file=sys.stderr)
    added = known = 0
    for subscription in result.subscriptions:
        if store.feed_id(subscription.url) is not None:
            known += 1
            continue
        # The name in the user's list is theirs: kept over the feed's own title.
        store.add_feed(subscription.url, tags=subscription.tags,
                       user_title=subscription.title or None)
        added += 1
    print(f"imported {count_of(added, 'feed')}"
          + (f" ({known} already subscribed)" if known else "")
          + (f", skipped {len(result.skipped)}" if result.skipped else "")
          + "; run `reader refresh` to fetch them")
    if filters is not None:
        _print_filters(args.file, filters, required=False)
    return 0


def _newsboat_filters(data: bytes) -> Any:
    """The filters of a newsboat `config` (ignore-article, define-filter, highlight...) and
    the `query:` lines of a urls file, translated; None when the file has none (or is
    OPML)."""
    from reader.filters.newsboat import Imported, import_config, import_urls

    head = data[:4096].lstrip()
    if head.startswith(b"<") or b"\x00" in head:
        return None
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    found = Imported()
    for part in (import_urls(text), import_config(text)):
        found.views += part.views
        found.kill += part.kill
        found.highlights += part.highlights
        found.skipped += part.skipped
    if not (found.views or found.kill or found.highlights or found.skipped):
        return None
    found.skipped.sort(key=lambda line: int(line.split(":", 1)[0].removeprefix("line ")))
    return found


def _print_filters(name: str, found: Any, *, required: bool = True) -> int:
    """What translated, as config.toml text to paste (stdout); each line that did not, and
    why (stderr). Nothing is written to config.toml: it is the user's file. `required`: a
    file that is only filters fails when none translated."""
    from reader.locations import config_path

    for message in found.skipped:
        print(f"reader: {name}: {message}", file=sys.stderr)
    toml = found.to_toml()
    if not toml:
        if not required:
            return 0
        raise Failure(f"{name}: no newsboat filter translated "
                      f"({count_of(len(found.skipped), 'line')} skipped)")
    parts = [count_of(len(found.views), "view"), count_of(len(found.kill), "kill rule"),
             count_of(len(found.highlights), "highlight rule")]
    print(f"# newsboat filters from {name}: {', '.join(parts)}"
          + (f", {len(found.skipped)} skipped" if found.skipped else "") + ".")
    print(f"# Paste into {config_path()}:")
    sys.stdout.write(toml)
    return 0


def cmd_export(store: Store, args: argparse.Namespace) -> int:
    from feeds.model import Subscription
    from feeds.opml import export_opml

    # A feed never fetched has no title but its URL: export none rather than pin the URL
    # (the outline's required text is then the URL, which an import does not take as a name).
    text = export_opml(Subscription(row.url, row.title if row.title != row.url else "",
                                    row.tags, row.site_link)
                       for row in store.feeds())
    if args.file:
        try:
            Path(args.file).expanduser().write_text(text, encoding="utf-8")
        except OSError as error:
            raise Failure(f"cannot write {args.file}: {error.strerror or error}") from None
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "add": cmd_add,
    "remove": cmd_remove,
    "feeds": cmd_feeds,
    "refresh": cmd_refresh,
    "list": cmd_list,
    "show": cmd_show,
    "mark": cmd_mark,
    "search": cmd_search,
    "import": cmd_import,
    "export": cmd_export,
    "download": cli_media.cmd_download,
}  # and the sync commands (reader.sync.cli.COMMANDS), imported when one is run


# -- JSON shapes (a contract: DESIGN.md) ------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def item_json(row: Headline, feed_url: str) -> dict[str, Any]:
    published = iso(row.published) if row.dated else None  # null: the feed gave no date
    return {"id": row.id, "feed_url": feed_url, "feed_title": row.feed_title,
            "title": row.title, "link": row.link, "published": published,
            "read": row.read, "starred": row.starred}


def feed_json(row: FeedRow) -> dict[str, Any]:
    return {"url": row.url, "title": row.title, "unread": row.unread, "total": row.total,
            "last_error": row.last_error, "last_warning": row.last_warning,
            "last_fetched": iso(row.last_fetched), "tags": list(row.tags)}


def _print_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
