"""The Textual app: bindings, keymap from config, the command palette, one main screen."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from feeds.model import FetchLimits
from reader.core.app_core import AppCore
from reader.core.config import Config
from reader.screens.dialogs import HelpScreen
from reader.screens.main import MainScreen
from reader.store import Store

log = logging.getLogger("reader.app")


class ReaderApp(App[None]):
    """A terminal news reader that shows a story's timeline next to the article."""

    TITLE = "reader"
    CSS_PATH = "reader.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="Show every key",
                key_display="?"),
    ]

    def __init__(self, store: Store, *, config: Config | dict[str, Any] | None = None,
                 fetch_limits: FetchLimits | None = None) -> None:
        super().__init__()
        if not isinstance(config, Config):
            config = Config.from_toml(config or {})
        if fetch_limits is not None:
            from dataclasses import replace

            config = replace(config, fetch=fetch_limits)
        self.config = config
        self.core = AppCore(self, store, config)
        self.crash_line: str | None = None
        self.set_keymap(dict(config.keys.remaps))

    def on_mount(self) -> None:
        self.core.start()
        problems = self.keymap_problems()
        if problems:
            self.notify("config.toml [keys]: " + "; ".join(problems) + ". ? lists the keys.",
                        markup=False, severity="warning", timeout=12)

    def unknown_binding_ids(self) -> list[str]:
        """Ids in [keys] that match no binding (a typo would otherwise change nothing)."""
        keys = self.config.keys.remaps
        known = {binding.id for _, section in self.binding_sections() for binding in section}
        known |= {b.id for b in HelpScreen.BINDINGS if isinstance(b, Binding)}
        return sorted(str(name) for name in keys if str(name) not in known)

    def keymap_problems(self) -> list[str]:
        """What in [keys] cannot work as meant: an unknown id, an empty key, or a key that
        another binding active at the same time already has (the focused widget's wins)."""
        keys = self.config.keys.remaps
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

    def get_default_screen(self) -> Screen:
        """The main screen is the default one, so its first frame is the first one drawn."""
        return MainScreen(self.core)

    async def on_unmount(self) -> None:
        """Marks in flight are committed before the app ends."""
        self.core.close()

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

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.binding_sections()))

    def binding_sections(self) -> list[tuple[str, list[Binding]]]:
        """Every key in one place, read from the bindings themselves."""
        from reader.widgets.article_view import ArticleView
        from reader.widgets.headline_list import HeadlineList
        from reader.widgets.timeline_pane import TimelinePane

        def bindings(owner: type) -> list[Binding]:
            found = [b for b in owner.BINDINGS if isinstance(b, Binding)]
            return [self._remapped(b) for b in found]

        return [
            ("Headline list", bindings(HeadlineList)),
            ("Reading", bindings(MainScreen)),
            ("Article", bindings(ArticleView)),
            ("Timeline", bindings(TimelinePane)),
            ("Anywhere", bindings(ReaderApp)),
        ]

    def _remapped(self, binding: Binding) -> Binding:
        keymap = getattr(self, "_keymap", {}) or {}
        if binding.id and binding.id in keymap:
            return Binding(keymap[binding.id], binding.action, binding.description,
                           id=binding.id, tooltip=binding.tooltip)
        return binding

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every key's action too, so nothing needs memorising."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if binding.id in seen or not binding.description or binding.system:
                continue
            seen.add(binding.id or binding.action)
            namespace = active.node

            def run(node: Any = namespace, action: str = binding.action) -> None:
                self.call_later(self.run_action, action, node)

            yield SystemCommand(binding.description, binding.tooltip or binding.description,
                                run)
