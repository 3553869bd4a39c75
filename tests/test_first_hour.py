"""Issue 12, a newsboat user's first hour: the items fixed in the app and its screens.

Each test failed on the code before the fix (b5718b1); the item number is in its name.
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path

import pytest

from feeds.fetch import FetchLimits
from reader.app import ReaderApp
from reader.core.query import Query
from reader.screens.dialogs import ConfirmDialog, HelpScreen
from reader.screens.main import MainScreen
from reader.store import Store
from reader.widgets.help_pane import HelpPane
from tests.feedgen import rss
from tests.httpserver import LocalServer, Reply
from tests.test_app import fill

SIZES = [(120, 40), (80, 24)]


def make_app(store: Store, **config: object) -> ReaderApp:
    return ReaderApp(store, config=dict(config),
                     fetch_limits=FetchLimits(connect_timeout=2, total_timeout=3))


def notices(app: ReaderApp) -> list[str]:
    return [notification.message for notification in app._notifications]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reader.db")
    fill(store, "http://one.example/feed", rss("Alpha", 30, body="Alpha text about {title}."))
    fill(store, "http://two.example/feed", rss("Beta", 5, body="Beta words on {title}."))
    return store


def screen_of(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


@pytest.mark.parametrize("size", SIZES)
async def test_01_r_and_x_on_a_feeds_second_folder_copy(store: Store,
                                                        size: tuple[int, int]) -> None:
    beta = store.feed_id("http://two.example/feed")
    store.set_tags(beta, ("blogs", "tech"))
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = screen_of(app)
        main.feed_panel.focus()
        main.feed_panel.select_key(f"feed:{beta}:tech")  # the second copy of the feed
        assert main.feed_panel.current_feed is not None
        assert main.feed_panel.current_feed.id == beta
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert app.is_running


async def test_01_an_unexpected_error_exits_1_with_one_line_and_a_log(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: MainScreen) -> None:
        raise RuntimeError("something broke\nsecond line")

    monkeypatch.setattr(MainScreen, "action_toggle_star", broken)
    app = make_app(store)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()
    assert app.return_code == 1
    assert app.crash_line is not None and "\n" not in app.crash_line
    assert app.crash_line.startswith("reader: the app failed: RuntimeError: something broke")
    assert str(app.log_file) in app.crash_line
    assert "Traceback" in app.log_file.read_text()


@pytest.mark.slow
def test_01_the_real_program_restores_the_terminal_and_exits_1(tmp_path: Path) -> None:
    """The whole `reader` process: a bug in a key's action ends it with status 1, one line
    on stderr naming the log, and no traceback (run in a pseudo-terminal, as a person)."""
    pytest.importorskip("pty")
    import pty

    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent("""
        import sys
        from reader.screens.main import MainScreen
        def broken(self):
            raise RuntimeError("planted failure")
        MainScreen.action_toggle_star = broken
        from reader.cli import main
        sys.exit(main(["--data-dir", sys.argv[1]]))
    """))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the reader in a terminal
        os.execve(sys.executable, [sys.executable, str(script), str(tmp_path / "data")], env)
    output = b""

    async def drive() -> None:
        nonlocal output
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        sent = False
        while loop.time() < deadline:
            try:
                chunk = await asyncio.wait_for(loop.run_in_executor(None, os.read, fd, 65536),
                                               timeout=1.0)
            except (TimeoutError, OSError):
                chunk = b""
            output += chunk
            if not sent and b"Kazakhstan" in output:
                os.write(fd, b"s")
                sent = True
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                drive.status = status  # type: ignore[attr-defined]
                return

    asyncio.run(drive())
    status = getattr(drive, "status", None)
    assert status is not None, "the reader did not exit after the failure"
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            output += chunk
    except OSError:
        pass
    assert os.waitstatus_to_exitcode(status) == 1
    text = output.decode("utf-8", "replace")
    assert "reader: the app failed: RuntimeError: planted failure" in text
    assert "Traceback" not in text
    assert "\x1b[?1049l" in text  # the alternate screen was left: the terminal is back


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_09_f_twice_leaves_the_list_focused(store: Store, size: tuple[int, int]) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("f")
        await pilot.pause()
        assert main.feed_panel.has_focus
        await pilot.press("f")
        await pilot.pause()
        assert main.headlines.has_focus
        before = main.headlines.cursor_row
        await pilot.press("j")
        assert main.headlines.cursor_row == before + 1


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_10_the_footer_always_shows_quit_and_help(store: Store,
                                                        size: tuple[int, int]) -> None:
    from reader.widgets.footer import ReaderFooter

    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        footer = app.screen.query_one(ReaderFooter)
        assert footer.region.right <= size[0]
        shown = footer.shown_actions()
        assert shown[:2] == ["quit_or_back", "help"]
        assert len(shown) > 2  # the open article's own keys follow


async def test_10b_the_footer_says_what_q_does_now(store: Store) -> None:
    """q goes back from an open article and quits from the list: the footer says "q Back"
    there and "q Quit" here (it said Quit in both, and a first q in an article only went
    back)."""
    from reader.widgets.footer import ReaderFooter

    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(ReaderFooter)

        def q_says() -> str:
            return next(entry.description for entry in footer.entries
                        if entry.action == "quit_or_back")

        assert q_says() == "Quit"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen_of(app).article.has_focus
        assert q_says() == "Back"
        assert "q Back" in footer.render().plain
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and screen_of(app).headlines.has_focus
        assert q_says() == "Quit"
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_12_a_summary_shows_at_once_and_a_failed_page_is_remembered(
        tmp_path: Path, http_server: LocalServer) -> None:
    page = http_server.route("/article.html", Reply(200, b"<p>late</p>", delay=1.5))
    store = Store(tmp_path / "r.db")
    document = rss("Teasers", 1, body="The teaser sentence.", full=False,
                   link=page.rsplit("/", 1)[0] + "/")
    fill(store, "http://teasers.example/feed", document)
    item = store.headlines()[0]
    store.conn.execute("UPDATE items SET link = ? WHERE id = ?", (page, item.id))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert "The teaser sentence." in main.article.text  # before the page arrives
        await app.workers.wait_for_complete()
    http_server.route("/article.html", Reply(500, b"no"))
    store.conn.execute("UPDATE items SET article = NULL WHERE id = ?", (item.id,))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert main.core.failed_page(item.id) is not None
        requests = len(http_server.requests_for("/article.html"))
        await pilot.press("escape", "enter")  # open again: no second wait on the site
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(http_server.requests_for("/article.html")) == requests
        assert "w tries again" in main.article.note


async def test_12_fetch_pages_false_never_contacts_the_site_unless_asked(
        tmp_path: Path, http_server: LocalServer) -> None:
    page = http_server.route("/private.html", Reply(200, b"<p>x</p>"))
    store = Store(tmp_path / "r.db")
    fill(store, "http://teasers.example/feed", rss("T", 1, body="Only a teaser.", full=False))
    item = store.headlines()[0]
    store.conn.execute("UPDATE items SET link = ? WHERE id = ?", (page, item.id))
    app = make_app(store, article={"fetch_pages": False})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(http_server.requests_for("/private.html")) == 0
        assert "w fetches the whole article" in main.article.note
        await pilot.press("w")
        await app.workers.wait_for_complete()
        assert len(http_server.requests_for("/private.html")) == 1


async def test_14_empty_states_say_what_to_do_in_the_pane(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.db")
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = screen_of(app)
        pane = "\n".join(main.headlines.render_line(y).text
                         for y in range(main.headlines.size.height))
        assert "Press a to add one" in pane
    fill(store, "http://one.example/feed", rss("Alpha", 2))
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        main.set_view(Query(starred=True))
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = "\n".join(main.headlines.render_line(y).text
                         for y in range(main.headlines.size.height))
        assert "s stars" in pane


async def test_15_the_palette_lists_the_readers_commands_once(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles))
        for internal in ("Copy selected text", "Focus Next", "Scroll Left", "Screenshot",
                         "Keys", "Maximize"):
            assert internal not in titles
        assert "Theme" in titles and "Mark all read" in titles and "Next unread" in titles


async def test_15_a_theme_chosen_is_remembered(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.theme = "nord"
        await pilot.pause()
        await app.workers.wait_for_complete()
    assert store.settings_get("theme") == "nord"
    again = ReaderApp(store, theme=store.settings_get("theme"))
    assert again.theme == "nord"


async def test_17_help_lists_every_key_and_the_config_path(store: Store,
                                                           tmp_path: Path) -> None:
    app = ReaderApp(store, config=None)
    app.config = app.config.__class__(path=tmp_path / "config.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        titles = [title for title, _ in help_screen.sections]
        assert "Feeds panel" in titles and "Timeline" in titles
        keys = {(title, binding.key) for title, bindings in help_screen.sections
                for binding in bindings}
        for expected in [("Anywhere", "tab"), ("Anywhere", "shift+tab"),
                         ("Anywhere", "ctrl+p"), ("Timeline", "enter"),
                         ("Feeds panel", "enter"), ("Feeds panel", "j")]:
            assert expected in keys
        text = "".join(help_screen.query_one(HelpPane).text.split())  # wrapped: join it
        assert "".join(str(tmp_path / "config.toml").split()) in text


async def test_18_newsboat_keys_give_a_hint_and_the_preset_maps_them(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("N")
        await pilot.pause()
        assert any(text.startswith("N: m toggles read") for text in notices(app))
        assert not main.headlines.rows[0].read
        await pilot.press("J")  # next feed: a newsboat habit that works everywhere
        await app.workers.wait_for_complete()
        assert main.view.feed_id is not None
    app = make_app(store, keys={"preset": "newsboat"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        await pilot.press("N")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.headlines.rows[0].read


async def test_11_the_title_gets_the_room_at_120_columns(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = screen_of(app)
        width = main.headlines.scrollable_content_region.width
        feed = main.headlines.feed_width(width)
        assert width - 2 - 10 - feed - 3 >= 33  # was 28: "Kazakhstan's crisis shows ho…"
        main.set_view(Query(feed_id=store.feed_id("http://one.example/feed")))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.headlines.show_feed is False  # one feed: its name is not repeated
        line = main.headlines.render_line(0).text
        assert "Alpha item" in line and line.count("Alpha") == 1


async def test_17_a_folder_collapses_and_expands(store: Store) -> None:
    beta = store.feed_id("http://two.example/feed")
    store.set_tags(beta, ("Tech",))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        main = screen_of(app)
        panel = main.feed_panel
        panel.focus()
        panel.select_key("tag:Tech")
        keys = [option.id for option in panel.options]
        assert f"feed:{beta}" in keys
        await pilot.press("left")
        keys = [option.id for option in panel.options]
        assert f"feed:{beta}" not in keys and "tag:Tech" in keys
        assert "▸ Tech" in str(panel.get_option("tag:Tech").prompt.render(30))
        await pilot.press("right")
        assert f"feed:{beta}" in [option.id for option in panel.options]
        await pilot.press("space")
        assert f"feed:{beta}" not in [option.id for option in panel.options]
        assert panel.current_key == "tag:Tech"
