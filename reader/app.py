"""The Textual app: bindings, keymap from config, the command palette, one main screen."""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from feeds.model import FetchLimits
from reader.core.app_core import AppCore
from reader.core.config import Config
from reader.keys import preset_keymap
from reader.screens.main import MainScreen
from reader.store import Store

if TYPE_CHECKING:
    from textual.driver import Driver

    from reader.cli import FirstPage

log = logging.getLogger("reader.app")

UI_SWITCH_INTERVAL = 0.001  # seconds a background thread may hold the interpreter
FIRST_FRAME_LATEST = 10.0  # seconds after which the first frame's waiters start anyway
WORKER_STOP_WAIT = 2.0  # seconds a stopped refresh (or schedule) may take to end at exit


HELP_SCREEN = "help"  # installed once, so closing it does not remove (and lay out) widgets


class ReaderApp(App[None]):
    """A terminal news reader that shows a story's timeline next to the article."""

    TITLE = "reader"
    CSS_PATH = "reader.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="Show every key",
                key_display="?"),
        Binding("ctrl+p", "command_palette", "Commands", id="command-palette", show=False,
                tooltip="The command palette: every action by name, and the theme"),
        Binding("tab", "focus_next", "Next pane", id="focus-next", show=False,
                tooltip="Move to the next pane (feeds, headlines, article, timeline)"),
        Binding("shift+tab", "focus_previous", "Previous pane", id="focus-previous",
                show=False, tooltip="Move to the previous pane"),
    ]

    def __init__(self, store: Store, *, config: Config | dict[str, Any] | None = None,
                 fetch_limits: FetchLimits | None = None, theme: str | None = None,
                 auto_refresh: bool = False,
                 first_page: Future[FirstPage] | None = None) -> None:
        super().__init__()
        self._first_page = first_page  # read while Textual was imported (reader.cli)
        if not isinstance(config, Config):
            config = Config.from_toml(config or {})
        if fetch_limits is not None:
            from dataclasses import replace

            config = replace(config, fetch=fetch_limits)
        self.config = config
        self.core = AppCore(self, store, config)
        self.crash_line: str | None = None
        self.schedule_refresh = auto_refresh  # [refresh]'s schedule (the real program: on)
        self._services_started = False
        self.set_keymap(preset_keymap(config.keys.preset, dict(config.keys.remaps)))
        chosen = theme or config.theme
        if chosen and chosen in self.available_themes:
            self.theme = chosen

    def on_mount(self) -> None:
        # A refresh runs in a worker thread of this process: hand the interpreter back to
        # the UI thread every millisecond, not every 5, so a key never waits behind it.
        sys.setswitchinterval(UI_SWITCH_INTERVAL)
        # The main screen says when its first frame is out; should it never (it is slow,
        # or failed), what waits for it still begins, and the collector comes back on.
        self.set_timer(FIRST_FRAME_LATEST, self.first_frame_drawn)
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        problems = self.keymap_problems()
        if problems:
            self.notify("config.toml [keys]: " + "; ".join(problems) + ". ? lists the keys.",
                        markup=False, severity="warning", timeout=12)

    def take_first_page(self) -> Future[FirstPage] | None:
        """The first screen's rows read before the app started, once (None after, and
        when the app was made without them, as in the tests)."""
        page, self._first_page = self._first_page, None
        return page

    def first_frame_drawn(self) -> None:
        """The main screen's first frame is out (the main screen calls this; a timer too,
        in case): what waited for it starts now, once."""
        if not gc.isenabled():  # paused for the start by reader.cli.launch_app
            # What the start made lives as long as the program: later full collections
            # need not walk it (reader.memory thaws and collects it at its next settle).
            gc.freeze()
            gc.enable()
        self.start_services()

    def start_services(self) -> None:
        """The core's services (the look for other processes' commits, the schedule, whose
        start-up refresh starts a process): begun once the first screen is drawn, so the
        first frame does not share the CPU with them. Idempotent."""
        if self._services_started:
            return
        self._services_started = True
        self.core.start()
        if self.schedule_refresh:
            self.core.start_schedule()

    def unknown_binding_ids(self) -> list[str]:
        """Ids in [keys] that match no binding (a typo would otherwise change nothing)."""
        from reader.screens.dialogs import HelpScreen

        keys = self.config.keys.remaps
        known = {binding.id for _, section in self.binding_sections() for binding in section}
        known |= {b.id for b in HelpScreen.BINDINGS if isinstance(b, Binding)}
        return sorted(str(name) for name in keys if str(name) not in known)

    def keymap_problems(self) -> list[str]:
        """What in [keys] cannot work as meant: an unknown id, an empty key, or a key that
        another binding active at the same time already has (the focused widget's wins)."""
        keys = self.config.keys.remaps
        if not keys:  # nothing remapped: nothing can be unknown or clash (the usual case)
            return []
        problems = [f"no key has the id {name}" for name in self.unknown_binding_ids()]
        problems += [f"{name} has no key" for name, value in keys.items()
                     if not [key for key in str(value).split(",") if key.strip()]]
        sections = dict(self.binding_sections())
        shared = sections["Reading"] + sections["Anywhere"]
        clashes: set[tuple[str, str, str]] = set()
        for widget in ("Headline list", "Article", "Timeline"):
            owners: dict[str, str] = {}
            for binding in sections[widget] + shared:
                for key in (part.strip() for part in binding.key.split(",")):
                    other = owners.setdefault(key, binding.id or binding.action)
                    if other != (binding.id or binding.action) and (
                            other in keys or binding.id in keys):
                        clashes.add((key, *sorted((other, binding.id or binding.action))))
        problems += [f'"{key}" is both {first} and {second}'
                     for key, first, second in sorted(clashes)]
        return problems

    def _remember_theme(self, theme: Any) -> None:
        """A theme chosen in the palette is kept for the next start (in the database)."""
        name = getattr(theme, "name", str(theme))
        self.core.spawn(self.core.db.write(lambda store: store.settings_set("theme", name)),
                        group="settings")

    def get_default_screen(self) -> Screen:
        """The main screen is the default one, so its first frame is the first one drawn."""
        return MainScreen(self.core)

    async def on_unmount(self) -> None:
        """Marks in flight are committed before the app ends. The schedule's start and a
        refresh under way (the start-up one begins after the first frame, so a quick exit
        can meet either) are stopped first and given their last write (a cancelled
        refresh still records what its process committed); only then does the core close
        the database, so none of them starts or writes after it."""
        await self._stop_workers("core-schedule")  # else it could start a refresh next
        self.core.refresher.stop()
        await self._stop_workers("core-refresh")
        self.core.close()

    async def _stop_workers(self, group: str) -> None:
        """Cancel the group's workers and wait (bounded) until their tasks have ended:
        cancelled is not ended, a task may still be in its last write."""
        import asyncio

        running = [worker for worker in self.workers
                   if worker.group == group and worker.state is not WorkerState.PENDING]
        if not running:
            return

        async def ended(worker: Worker[Any]) -> None:
            worker.cancel()
            with contextlib.suppress(Exception):  # cancelled is what it was told
                await worker.wait()

        await asyncio.wait([asyncio.ensure_future(ended(worker)) for worker in running],
                           timeout=WORKER_STOP_WAIT)

    def _handle_exception(self, error: Exception) -> None:
        """A bug: the traceback goes to the log, the user gets one line and exit status 1
        (after Textual has restored the terminal), never a traceback."""
        from reader.locations import log_path

        path = log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8")
            log.addHandler(handler)
            log.error("the app failed", exc_info=error)
            log.removeHandler(handler)
            handler.close()
            where = f"details in {path}"
        except OSError:
            where = "no log could be written"
        self.crash_line = (f"reader: the app failed: {type(error).__name__}: "
                           f"{' '.join(str(error).split())[:200]} ({where})")
        self._return_code = 1
        if self._exception is None:  # Pilot re-raises it in tests
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()

    @property
    def log_file(self) -> Path:
        from reader.locations import log_path

        return log_path()

    def get_driver_class(self) -> type[Driver]:
        """Textual's own driver, but on Linux/macOS one whose Escape arrives in tens of
        milliseconds (reader.terminal_input)."""
        driver = super().get_driver_class()
        if driver.__name__ == "LinuxDriver" and driver.__module__.startswith("textual."):
            from reader.terminal_input import prompt_driver_class

            return prompt_driver_class() or driver
        return driver

    def action_help(self) -> None:
        from reader.screens.dialogs import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        screen = HelpScreen(self.binding_sections(), self.config.path)
        kept = self._installed_screens.get(HELP_SCREEN)
        if isinstance(kept, HelpScreen) and kept.help_content() == screen.help_content():
            screen = kept  # kept between openings: no compose, and no layout when it closes
        else:
            if kept is not None:
                self.uninstall_screen(HELP_SCREEN)
            self.install_screen(screen, HELP_SCREEN)
        self.push_screen(HELP_SCREEN)

    def binding_sections(self) -> list[tuple[str, list[Binding]]]:
        """Every key in one place, read from the bindings themselves."""
        from reader.widgets.article_view import ArticleView
        from reader.widgets.feed_panel import FeedPanel
        from reader.widgets.headline_list import HeadlineList
        from reader.widgets.timeline_pane import TimelinePane

        def bindings(owner: type, *extra: Binding) -> list[Binding]:
            found = [b for b in owner.BINDINGS if isinstance(b, Binding)]
            return [self._remapped(b) for b in found] + list(extra)

        return [
            ("Headline list", bindings(HeadlineList)),
            ("Reading", bindings(MainScreen)),
            ("Article", bindings(ArticleView)),
            ("Timeline", bindings(TimelinePane, Binding(
                "enter", "select", "Open", tooltip="Open the item, or jump to the event in "
                "the article"))),
            ("Feeds panel", bindings(FeedPanel, Binding(
                "enter", "select", "Show", tooltip="Show the highlighted feed, folder or view "
                "in the headline list"))),
            ("Anywhere", bindings(ReaderApp)),
        ]

    def _remapped(self, binding: Binding) -> Binding:
        keymap = getattr(self, "_keymap", {}) or {}
        if binding.id and binding.id in keymap and keymap[binding.id].strip():
            return Binding(keymap[binding.id], binding.action, binding.description,
                           id=binding.id, tooltip=binding.tooltip)
        return binding

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers the reader's own actions, once each, and the theme (Textual's
        internals such as "Copy selected text" or "Focus Next" are left out)."""
        for command in super().get_system_commands(screen):
            if command.title == "Theme":
                yield command
        ours = {binding.id for _, section in self.binding_sections() for binding in section
                if binding.id}
        ours -= {"command-palette", "focus-next", "focus-previous"}
        seen: set[str] = set()
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if (binding.id not in ours or binding.id in seen or not binding.description
                    or binding.description in seen):
                continue
            seen |= {binding.id, binding.description}
            namespace = active.node

            def run(node: Any = namespace, action: str = binding.action) -> None:
                self.call_later(self.run_action, action, node)

            yield SystemCommand(binding.description, binding.tooltip or binding.description,
                                run)
