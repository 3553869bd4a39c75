"""The footer: the keys that work now, on one line, with "q Quit" and "? Help" first.

Textual's Footer is a widget per key and rebuilds them all whenever the bindings change,
which they do at every focus change (Enter opens an article, Escape goes back). Each rebuild
mounted ~20 widgets and laid the whole screen out again: ~50 ms of the UI thread per Enter
or Escape on a 2-core machine during a refresh, the largest part of a key's latency. This
footer is one widget that draws one line of text, and redraws only when what it shows
changed. It looks and answers clicks as Textual's compact footer does.

Textual lists the focused widget's keys first, so at 80 columns an open article's own keys
pushed Quit and Help off the edge. What matters most to someone lost comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

FIRST_ACTIONS = ("quit_or_back", "app.quit", "help", "app.help")
GAP = "  "  # between two keys
_DIM = Style(dim=True)  # a key that does nothing now
_PLAIN = Style()


class FooterEntry(NamedTuple):
    key: str  # what a click presses
    display: str  # how the key is shown ("q", "^p")
    description: str
    action: str
    enabled: bool


class ReaderFooter(Widget):
    """One line of the keys the focused widget and the screen answer to."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}
    DEFAULT_CSS = """
    ReaderFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: clip;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, show_command_palette: bool = True,
                 id: str | None = None) -> None:  # noqa: A002 - Textual's own keyword
        super().__init__(id=id)
        self._show_command_palette = show_command_palette
        self.entries: tuple[FooterEntry, ...] = ()
        self._spans: list[tuple[int, int, FooterEntry]] = []  # cells each entry covers
        self._styles: tuple[Style, Style] | None = None  # key, description

    @property
    def show_command_palette(self) -> bool:
        return self._show_command_palette

    @show_command_palette.setter
    def show_command_palette(self, show: bool) -> None:
        if show != self._show_command_palette:
            self._show_command_palette = show
            self.bindings_changed(self.screen)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Redraw (never lay out: the line's size is fixed) when the keys shown change."""
        if not self.is_attached or screen is not self.screen:
            return
        entries = self._current_entries()
        if entries != self.entries:
            self.entries = entries
            self.refresh()

    def _current_entries(self) -> tuple[FooterEntry, ...]:
        """The shown bindings, one per action (its first key), Quit and Help first, and the
        command palette's key last when there is room for it."""
        app = self.app
        active = self.screen.active_bindings
        # A screen may name a key by what it does now ("q" goes back from an open article).
        describe = getattr(self.screen, "footer_description", None)
        by_action: dict[str, FooterEntry] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in by_action:
                description = (describe(binding.action, binding.description)
                               if describe is not None else binding.description)
                by_action[binding.action] = FooterEntry(
                    binding.key, app.get_key_display(binding), description,
                    binding.action, enabled)

        def rank(entry: FooterEntry) -> int:
            if entry.action in FIRST_ACTIONS:
                return FIRST_ACTIONS.index(entry.action) // 2
            return 2

        entries = sorted(by_action.values(), key=rank)
        if self._show_command_palette and app.ENABLE_COMMAND_PALETTE:
            palette = active.get(app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _node, binding, enabled, _tooltip = palette
                entries.append(FooterEntry(binding.key, app.get_key_display(binding),
                                           binding.description, binding.action, enabled))
        return tuple(entries)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def render(self) -> Text:
        if self._styles is None:  # Textual walks every ancestor for each: once per theme
            self._styles = (self.get_component_rich_style("footer-key--key"),
                            self.get_component_rich_style("footer-key--description"))
        key_style, description_style = self._styles
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, FooterEntry]] = []
        palette = self.app.COMMAND_PALETTE_BINDING
        width = self.size.width
        for entry in self.entries:
            if entry.action == "command_palette" or entry.key == palette:
                continue
            start = line.cell_len + (len(GAP) if spans else 1)
            line.append(GAP if spans else " ")
            dim = _DIM if not entry.enabled else _PLAIN
            line.append(entry.display, key_style + dim)
            if entry.description:
                line.append(" " + entry.description, description_style + dim)
            spans.append((start, line.cell_len, entry))
        for entry in self.entries:  # the palette's key at the right edge
            if entry.action == "command_palette" or entry.key == palette:
                label = f"{entry.display} {entry.description}".rstrip()
                room = width - line.cell_len - len(label) - 1
                if room >= len(GAP):
                    start = width - len(label) - 1
                    line.append(" " * room)
                    line.append(entry.display, key_style)
                    line.append(" " + entry.description, description_style)
                    spans.append((start, start + len(label), entry))
        self._spans = spans
        return line

    def shown_actions(self) -> list[str]:
        """The actions whose keys fit on the line, left to right (what the user sees)."""
        width = self.size.width
        return [entry.action for start, end, entry in self._spans if end <= width]

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it, as on Textual's footer."""
        for start, end, entry in self._spans:
            if start <= event.x < end:
                if entry.enabled:
                    self.app.simulate_key(entry.key)
                else:
                    self.app.bell()
                return

