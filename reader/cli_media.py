"""Command-line parts of issue 15: `reader download`, enclosures in `reader show`, audio and
video marks in `reader list`, and the refresh plan (`[refresh]`, `[[feed]]`) for `reader
refresh`. `reader.cli` calls these with a line or two each.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reader import locations
from reader.store import Store


def add_parsers(commands: Any) -> None:
    download = commands.add_parser("download", help="download an item's enclosure (podcast)")
    download.add_argument("id", type=int, metavar="ID")
    download.add_argument("--dir", metavar="DIR",
                          help="save into DIR (default: [download] folder, else the "
                               "platform's download folder)")
    download.add_argument("--index", type=int, default=1, metavar="N",
                          help="which enclosure when the item has several (default 1)")


def refresh_plan(store: Store) -> Any:
    """The `[refresh]` and `[[feed]]` settings for one `reader refresh`."""
    from reader import feed_settings, schedule

    config = locations.load_config()
    table = feed_settings.load(config)
    if any(rule.title is not None or rule.folders is not None for rule in table.rules):
        feed_settings.apply_to_store(store, table)
    return feed_settings.RefreshPlan.build(store, schedule.refresh_settings(config), table)


def fetches_page(store: Store, feed_url: str) -> bool:
    """False when the feed's `[[feed]]` settings say never to fetch the article's page."""
    from reader import feed_settings

    table = feed_settings.load(locations.load_config())
    if not table.rules:
        return True
    feed_id = store.feed_id(feed_url)
    tags = store.feed_tags().get(feed_id, ()) if feed_id is not None else ()
    return table.for_feed(feed_url, tags).fetch_article is not False


def cmd_download(store: Store, args: argparse.Namespace) -> int:
    import asyncio

    from reader.cli import Failure
    from reader.enclosures import DownloadError, NoEnclosure, download_item, download_settings

    settings = download_settings(locations.load_config())
    progress_bar = task = None
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        progress_bar = Progress(TextColumn("downloading"), BarColumn(), DownloadColumn(),
                                TransferSpeedColumn(), console=Console(stderr=True),
                                transient=True)
        task = progress_bar.add_task("download", total=None)

    def progress(done: int, total: int | None) -> None:
        if progress_bar is not None and task is not None:
            progress_bar.update(task, completed=done, total=total)

    if progress_bar is not None:
        progress_bar.start()
    try:
        result = asyncio.run(download_item(store, args.id, settings, folder=args.dir,
                                           index=args.index - 1, progress=progress))
    except (DownloadError, NoEnclosure) as error:
        raise Failure(str(error)) from None
    finally:
        if progress_bar is not None:
            progress_bar.stop()
    from reader.enclosures import human_size

    print(f"saved {result.path} ({human_size(result.size) or '0 bytes'})"
          + (", resumed" if result.resumed else ""))
    return 0


def enclosures_json(store: Store, item_id: int) -> list[dict[str, Any]]:
    from reader.enclosures import as_json

    return [as_json(enclosure) for enclosure in store.enclosures(item_id)]


def print_enclosures(store: Store, item_id: int) -> None:
    from reader.enclosures import describe

    found = store.enclosures(item_id)
    if not found:
        return
    print("\nEnclosures:")
    for number, enclosure in enumerate(found, 1):
        print(f"[{number}] {describe(enclosure)}  {enclosure.url}")


def media_marks(store: Store, item_ids: list[int]) -> dict[int, str]:
    """" [audio]" / " [video]" after a listed title, by item id."""
    from reader.enclosures import media_kinds

    return {item_id: f" [{kind}]" for item_id, kind in media_kinds(store, item_ids).items()}
