"""The filter bar (`F`): a filter expression that narrows the current view.

Enter applies it (a syntax error is one line naming the column, and the bar stays open),
Up/Down walk the filters typed before (kept in the database by the core), Esc clears the
filter, Ctrl+S asks a name and saves the expression as a view for the feeds panel. The bar
reaches the database only through the core's coroutines, in workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reader.filters.condition import FilterCondition
from reader.filters.parser import FilterSyntaxError
from reader.widgets.headline_list import plain

if TYPE_CHECKING:
    from reader.core.app_core import AppCore

PROMPT = "Filter this view · Enter applies · Esc clears · ↑↓ history · Ctrl+S saves"
NAME_PROMPT = "Save as a view: its name · Enter saves · Esc goes back to the filter"


@dataclass(frozen=True, slots=True)
class FilterChoice:
    """What the bar was closed with: a filter to apply, or None to clear the view's."""

    condition: FilterCondition | None
    saved_as: str | None = None  # the name it was saved under, when Ctrl+S saved it


class FilterBar(ModalScreen[FilterChoice]):
    """A one-line bar at the bottom of the screen over the headline list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "escape", "Clear", id="filter-bar.clear",
                tooltip="Clear the filter (when naming a view: back to the filter)"),
        Binding("up", "history(1)", "Earlier", id="filter-bar.earlier", priority=True,
                tooltip="The filter typed before this one"),
        Binding("down", "history(-1)", "Later", id="filter-bar.later", priority=True,
                tooltip="The filter typed after this one"),
        Binding("ctrl+s", "save_view", "Save as view", id="filter-bar.save-view",
                priority=True, tooltip="Save the filter as a view in the feeds panel"),
    ]

    DEFAULT_CSS = """
    FilterBar {
        align: left bottom;
        background: $background 30%;
    }
    FilterBar > #filter-bar {
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $panel;
        border-top: hkey $primary;
    }
    FilterBar #filter-prompt { color: $text-muted; }
    FilterBar #filter-error { color: $text-error; height: auto; }
    FilterBar #filter-input { border: none; height: 1; padding: 0; }
    """

    def __init__(self, core: AppCore, text: str = "") -> None:
        super().__init__()
        self.core = core
        self.initial = text
        self.history: list[str] = []
        self.history_index = -1  # -1: what the user is typing, 0: the newest filter, ...
        self.draft = text
        self.naming: FilterCondition | None = None  # the filter being saved, while naming
        self.error: str | None = None  # the one line on show, for tests and the eye

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-bar"):
            yield Static(PROMPT, id="filter-prompt", markup=False)
            yield Input(value=self.initial, placeholder='e.g. unread and title ~ rust',
                        id="filter-input")
            yield Static("", id="filter-error", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    def on_mount(self) -> None:
        self.query_one("#filter-error").display = False
        self.input.focus()
        self.load_history()

    @work(group="filter-history")
    async def load_history(self) -> None:
        self.history = await self.core.filter_history()

    def show_error(self, text: str | None) -> None:
        self.error = text
        label = self.query_one("#filter-error", Static)
        label.update(Text(plain(text or ""), no_wrap=True, overflow="ellipsis"))
        label.display = text is not None

    # -- the expression ---------------------------------------------------------------

    def parsed(self) -> FilterCondition | None:
        """The typed filter, or None with the error shown."""
        try:
            return FilterCondition.typed(self.input.value)
        except FilterSyntaxError as error:
            self.show_error(str(error))
            return None

    @on(Input.Submitted, "#filter-input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.naming is not None:
            self.save(self.naming, event.value)
            return
        text = event.value.strip()
        if not text:
            self.dismiss(FilterChoice(None))
            return
        condition = self.parsed()
        if condition is None:
            return
        self.core.spawn(self.core.remember_filter(text), group="filter-history")
        self.dismiss(FilterChoice(condition))

    @on(Input.Changed, "#filter-input")
    def changed(self, event: Input.Changed) -> None:
        if self.error is not None and self.naming is None:
            self.show_error(None)  # the mistake is being fixed

    def action_history(self, step: int) -> None:
        """Up: an earlier filter; Down: a later one, then back to what was typed."""
        if self.naming is not None or not self.history:
            return
        index = max(-1, min(self.history_index + step, len(self.history) - 1))
        if index == self.history_index:
            return
        if self.history_index == -1:
            self.draft = self.input.value
        self.history_index = index
        self.input.value = self.draft if index == -1 else self.history[index]
        self.input.cursor_position = len(self.input.value)

    def action_escape(self) -> None:
        if self.naming is not None:  # back to the filter being saved
            self.input.value = self.naming.source
            self.input.placeholder = "e.g. unread and title ~ rust"
            self.naming = None
            self.query_one("#filter-prompt", Static).update(PROMPT)
            self.show_error(None)
            return
        self.dismiss(FilterChoice(None))

    # -- save as a view -----------------------------------------------------------------

    def action_save_view(self) -> None:
        if self.naming is not None:
            self.save(self.naming, self.input.value)
            return
        if not self.input.value.strip():
            self.show_error("Type a filter first; Ctrl+S saves it as a view.")
            return
        condition = self.parsed()
        if condition is None:
            return
        self.naming = condition
        self.show_error(None)
        self.query_one("#filter-prompt", Static).update(NAME_PROMPT)
        self.input.value = ""
        self.input.placeholder = "a name for the feeds panel"

    @work(exclusive=True, group="filter-save")
    async def save(self, condition: FilterCondition, name: str) -> None:
        problem = await self.core.save_view(name, condition.source)
        if problem is not None:
            self.show_error(problem)
            return
        self.core.spawn(self.core.remember_filter(condition.source), group="filter-history")
        self.dismiss(FilterChoice(condition, saved_as=" ".join(name.split())))
