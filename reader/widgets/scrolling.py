"""Scrolled panes whose content grows or changes without laying the whole screen out again.

`virtual_size` is a layout reactive in Textual: every change of a pane's content size lays
out every widget on the screen and composes it again, ~50 ms of the UI thread on a 2-core
machine during a refresh, at each Enter (a new article, a new timeline) and at each feed a
refresh stores (new rows in the list). The panes here get their region from their container
(`1fr`), so their content's size never moves them: a repaint and the scrollbar's update are
all that is needed. The scrollbar appearing or going still lays the screen out, because
`show_vertical_scrollbar` is a layout reactive of its own.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget


class FixedRegion(Widget):
    """Mixin, as the second base (Textual takes CSS and component classes from the first
    base's line): a change of the content's size repaints this widget and its scrollbar
    only."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


def set_virtual_height(widget: Widget, height: int) -> None:
    """Set a FixedRegion's scrollable height and bring its scrollbar up to date."""
    new = Size(widget.virtual_size.width, height)
    if new != widget.virtual_size:
        widget.virtual_size = new
        widget._scroll_update(new)  # noqa: SLF001 - what Textual's layout would call
