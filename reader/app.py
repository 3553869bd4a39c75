"""The Textual app: bindings, keymap from config, the command palette, one main screen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from reader.screens.dialogs import HelpScreen
from reader.screens.main import MainScreen
from reader.store import Store


class ReaderApp(App[None]):
    """A terminal news reader that shows a story's timeline next to the article."""

    TITLE = "reader"
    CSS_PATH = "reader.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="Show every key",
                key_display="?"),
    ]

    def __init__(self, store: Store, *, config: dict[str, Any] | None = None,
                 fetch_limits: object | None = None) -> None:
        super().__init__()
        self.store = store
        self.config = config or {}
        self.fetch_limits = fetch_limits
        keys = self.config.get("keys")
        if isinstance(keys, dict):
            self.set_keymap({str(k): str(v) for k, v in keys.items()})

    def on_mount(self) -> None:
        problems = self.keymap_problems()
        if problems:
            self.notify("config.toml [keys]: " + "; ".join(problems) + ". ? lists the keys.",
                        markup=False, severity="warning", timeout=12)

    def unknown_binding_ids(self) -> list[str]:
        """Ids in [keys] that match no binding (a typo would otherwise change nothing)."""
        keys = self.config.get("keys")
        if not isinstance(keys, dict):
            return []
        known = {binding.id for _, section in self.binding_sections() for binding in section}
        known |= {b.id for b in HelpScreen.BINDINGS if isinstance(b, Binding)}
        return sorted(str(name) for name in keys if str(name) not in known)

    def keymap_problems(self) -> list[str]:
        """What in [keys] cannot work as meant: an unknown id, an empty key, or a key that
        another binding active at the same time already has (the focused widget's wins)."""
        keys = self.config.get("keys")
        if not isinstance(keys, dict):
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

    def get_default_screen(self) -> Screen:
        """The main screen is the default one, so its first frame is the first one drawn."""
        return MainScreen(self.store)

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
