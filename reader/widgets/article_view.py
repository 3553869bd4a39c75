"""The article pane: title, meta line, link, body and numbered links, drawn with the Line API.

The article is turned into styled `Text` once, wrapped once per width, and each visible line is
rendered to a Strip only when drawn, so a 5,000-word article appears in a few tens of ms
(Textual's Markdown widget took 0.7 s). Feed text is appended as plain text, never markup.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer

from feeds.model import Enclosure
from reader.enclosures import describe, media_kind
from reader.rows import ArticleLink
from reader.widgets.headline_list import foreground, plain
from reader.widgets.scrolling import FixedRegion, set_virtual_height
from reader.wording import UNTITLED

WORDS_PER_MINUTE = 230
HIGHLIGHT_SECONDS = 1.5
LOADING_MESSAGE = "Loading the full article…"
_REFERENCE = re.compile(r"\[\d+\]")
_HEADING = re.compile(r"#{1,6} ")
_CONTEXT_BREAK = re.compile(r"\[\d+\]|[.!?:;](?:\s|$)")
CONTEXT_WORDS = 6
NO_LINKS_MESSAGE = "This article has no links."
ENCLOSURE_KEYS = "v plays it (commands.player) · D downloads it"


@dataclass(frozen=True)
class ArticleMeta:
    """What the pane shows above the body."""

    item_id: int
    title: str
    feed_title: str
    author: str
    published: datetime | None
    link: str | None
    enclosures: tuple[Enclosure, ...] = ()  # podcast audio, video, files (http(s) only)


def safe_link(link: str | None) -> str | None:
    """The link when it is http(s), else None: nothing else is shown or opened."""
    if link and link.lower().startswith(("http://", "https://")):
        return plain(link).strip() or None
    return None


def paragraph_starts(text: str) -> list[int]:
    """Offsets in `text` where each paragraph (a run of non-blank lines) starts."""
    starts: list[int] = []
    offset = 0
    in_paragraph = False
    for line in text.split("\n"):
        blank = not plain(line).strip()  # the same test as _add_body's
        if not blank and not in_paragraph:
            starts.append(offset)
        in_paragraph = not blank
        offset += len(line) + 1
    return starts


def link_context(text: str, number: int, words: int = CONTEXT_WORDS) -> str:
    """The words just before a link's first "[number]" in the article text, back to the
    previous link or the start of the sentence: its text, or close to it, when the article
    came without link texts (a page cached before they were kept)."""
    at = text.find(f" [{number}]")
    if at < 0:
        return ""
    before = text[text.rfind("\n", 0, at) + 1:at]
    before = _CONTEXT_BREAK.split(before)[-1].lstrip("#>•*-–—,;:)]} ")
    parts = plain(before).split()
    return ("…" if len(parts) > words else "") + " ".join(parts[-words:])


def reading_time(text: str) -> str:
    minutes = max(1, round(len(text.split()) / WORDS_PER_MINUTE))
    return f"{minutes} min read"


@dataclass
class _Block:
    """One source line of the article, styled."""

    text: Text
    paragraph: int | None = None  # index of the body paragraph it belongs to
    url: str | None = None  # clicking it opens this link


class ArticleView(ScrollView, FixedRegion, can_focus=True):
    """Shows one article; posts `OpenLink` when its link (or a numbered link) is chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Down", id="article-view.scroll-down",
                tooltip="Scroll the article down one line", show=False),
        Binding("k,up", "scroll_up", "Up", id="article-view.scroll-up",
                tooltip="Scroll the article up one line", show=False),
        Binding("g,home", "scroll_home", "Top", id="article-view.top",
                tooltip="Go to the top of the article", show=False),
        Binding("G,end", "scroll_end", "Bottom", id="article-view.bottom",
                tooltip="Go to the end of the article", show=False),
        Binding("o", "open_link", "Open link", id="article-view.open-link",
                tooltip="Open the article's link in the browser"),
        Binding("l", "choose_link", "Links", id="article-view.links",
                tooltip="Pick one of the article's numbered links to open"),
    ]

    HELP = """
    ## Article
    The open item: title, feed, author, date, reading time, its link, the text and a
    numbered list of the links it mentions. Press o (or click a link) to open it.
    Drag with the mouse to select text.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-view--title",
        "article-view--meta",
        "article-view--link",
        "article-view--heading",
        "article-view--quote",
        "article-view--reference",
        "article-view--note",
        "article-view--highlight",
    }

    DEFAULT_CSS = """
    ArticleView {
        overflow-x: hidden;
        /* Always shown: a scrollbar that comes and goes with the article's length lays the
           whole screen out again at each Enter. */
        overflow-y: scroll;
        padding: 0 1;
        background: $surface;
        color: $foreground;
        & > .article-view--title { text-style: bold; color: $text-primary; }
        & > .article-view--meta { color: $text-muted; }
        & > .article-view--link { color: $text-accent; text-style: underline; }
        & > .article-view--heading { text-style: bold; color: $text-secondary; }
        & > .article-view--quote { text-style: italic; color: $text-muted; }
        & > .article-view--reference { color: $text-muted; }
        & > .article-view--note { color: $text-muted; text-style: italic; }
        & > .article-view--highlight { background: $accent 30%; }
    }
    """

    class ChooseLink(Message):
        """The user wants to pick one of the body's numbered links (all http or https),
        each with its number and text; `links` is empty when the article has none."""

        def __init__(self, links: tuple[ArticleLink, ...]) -> None:
            super().__init__()
            self.links = links

    class OpenLink(Message):
        """The user wants to open a link (always http or https)."""

        def __init__(self, url: str) -> None:
            super().__init__()
            self.url = url

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own keyword
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.meta: ArticleMeta | None = None
        self.text = ""
        self.links: tuple[str, ...] = ()
        self.link_texts: tuple[str, ...] = ()  # each link's own text, when the article has it
        self.note = ""
        self.loading_article = False
        self.message = ""
        self._blocks: list[_Block] = []
        self._lines: list[Text] = []  # wrapped lines at `_width`
        self._line_blocks: list[int] = []  # block index of each wrapped line
        self._block_first_line: list[int] = []
        self._paragraph_starts: list[int] = []  # body offsets where paragraphs start
        self._paragraph_blocks: list[int] = []  # first block of each paragraph
        self._width = -1
        self._stale = False
        self._baked_styles: tuple[Style, ...] = ()
        self._strips: LRUCache[tuple[int, bool], Strip] = LRUCache(512)
        self._own_style: Style | None = None
        self._highlight: int | None = None  # paragraph index
        self._pending_paragraph: int | None = None
        self._highlight_timer: Timer | None = None

    # -- public API -------------------------------------------------------------------

    def show(self, meta: ArticleMeta, text: str, links: Sequence[str],
             link_texts: Sequence[str] = ()) -> None:
        """Show an article; the body format is feeds.text.html_to_text's. `link_texts`
        (`Article.link_texts`) names the links in the picker; without them the words before
        each [n] do."""
        self.meta, self.text, self.links = meta, text, tuple(links)
        self.link_texts = tuple(link_texts)
        self.note, self.loading_article, self.message = "", False, ""
        self._rebuild(scroll_home=True)

    def show_loading(self, meta: ArticleMeta) -> None:
        """The header at once, and a visible "loading" line while the body is fetched."""
        self.meta, self.text, self.links, self.link_texts = meta, "", (), ()
        self.note, self.loading_article, self.message = "", True, ""
        self._rebuild(scroll_home=True)

    def show_note(self, note: str) -> None:
        """A one-line dim note under the header, e.g. why the full article is missing."""
        self.note = note
        self.loading_article = False
        self._rebuild(scroll_home=False)

    def clear(self, message: str = "") -> None:
        self.meta, self.text, self.links, self.link_texts = None, "", (), ()
        self.note, self.loading_article, self.message = "", False, message
        self._rebuild(scroll_home=True)

    @property
    def link(self) -> str | None:
        return safe_link(self.meta.link) if self.meta else None

    def page_down_or_end(self) -> bool:
        """Scroll one page down; False when the end was already on screen."""
        if round(self.scroll_y) >= self.max_scroll_y:
            return False
        page = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=min(self.max_scroll_y, self.scroll_y + page), animate=False)
        return True

    def scroll_to_position(self, char_offset: int) -> None:
        """Put the body paragraph holding `char_offset` at the top and highlight it briefly."""
        if not self._paragraph_starts:
            return
        paragraph = max(0, bisect.bisect_right(self._paragraph_starts, char_offset) - 1)
        self._set_highlight(paragraph)
        if self._width > 0:
            self._scroll_to_paragraph(paragraph)
        else:  # not laid out yet: scroll once it is
            self._pending_paragraph = paragraph
        if self._highlight_timer is not None:
            self._highlight_timer.stop()
        self._highlight_timer = self.set_timer(
            HIGHLIGHT_SECONDS, lambda: self._set_highlight(None)
        )

    def line_text(self, line: int) -> str:
        """Plain text of one wrapped line (for tests and copy)."""
        return self._lines[line].plain if 0 <= line < len(self._lines) else ""

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def action_open_link(self) -> None:
        if self.link is not None:
            self.post_message(self.OpenLink(self.link))

    @property
    def numbered_links(self) -> tuple[ArticleLink, ...]:
        """The body's links as the picker lists them: number, URL and text."""
        found = []
        for number, url in enumerate(self.links, 1):
            safe = safe_link(url)
            if safe is None:
                continue
            text = self.link_texts[number - 1] if number <= len(self.link_texts) else ""
            text = plain(text).strip() or link_context(self.text, number)
            found.append(ArticleLink(number, safe, text))
        return tuple(found)

    def action_choose_link(self) -> None:
        if self.meta is None:
            self.notify("No article is open.", markup=False)
            return
        links = self.numbered_links
        if not links:  # said here, at once: a picker with nothing to pick is no answer
            self.notify(NO_LINKS_MESSAGE, markup=False)
            return
        self.post_message(self.ChooseLink(links))

    # -- building -----------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        style = self.get_component_rich_style(name)
        return style if name == "article-view--highlight" else foreground(style)

    def _rebuild(self, scroll_home: bool) -> None:
        self._highlight = None
        self._pending_paragraph = None
        self._paragraph_starts = paragraph_starts(self.text) if self.text else []
        self._width = -1
        self._stale = True
        if scroll_home:
            self.scroll_to(y=0, animate=False, force=True)
        self._layout()

    def _build_blocks(self) -> list[_Block]:
        blocks: list[_Block] = []
        add = blocks.append
        if self.meta is None:
            if self.message:
                add(_Block(Text(plain(self.message), style=self._style("article-view--note"))))
            return blocks
        meta = self.meta
        add(_Block(Text(plain(meta.title) or UNTITLED,
                        style=self._style("article-view--title"))))
        details = [plain(part) for part in (meta.feed_title, meta.author) if part.strip()]
        if meta.published is not None:
            details.append(meta.published.astimezone().strftime("%d %b %Y %H:%M"))
        if self.text:
            details.append(reading_time(self.text))
        add(_Block(Text(" · ".join(details), style=self._style("article-view--meta"))))
        if self.link is not None:
            add(_Block(Text(self.link, style=self._style("article-view--link")), url=self.link))
        if meta.enclosures:
            self._add_enclosures(blocks, meta.enclosures)
        if self.note:
            add(_Block(Text(plain(self.note), style=self._style("article-view--note"))))
        add(_Block(Text("")))
        if self.loading_article:
            add(_Block(Text(LOADING_MESSAGE, style=self._style("article-view--note"))))
            return blocks
        if self.text:
            self._add_body(blocks)
        safe = [(number, safe_link(url)) for number, url in enumerate(self.links, 1)]
        safe = [(number, url) for number, url in safe if url]
        if safe:
            add(_Block(Text("")))
            add(_Block(Text("Links", style=self._style("article-view--heading"))))
            reference = self._style("article-view--reference")
            link_style = self._style("article-view--link")
            for number, url in safe:
                line = Text(f"[{number}] ", style=reference)
                line.append(url, style=link_style)
                add(_Block(line, url=url))
        return blocks

    def _add_enclosures(self, blocks: list[_Block], enclosures: Sequence[Enclosure]) -> None:
        """One line per enclosure: a mark, type · size · duration, and its URL (feed text,
        appended as plain text); then what the keys do with them."""
        meta = self._style("article-view--meta")
        link_style = self._style("article-view--link")
        for enclosure in enclosures:
            url = safe_link(enclosure.url)
            if url is None:
                continue
            kind = media_kind(enclosure.type, url)
            line = Text("♪ " if kind == "audio" else "▶ " if kind == "video" else "⎙ ",
                        style=meta)
            line.append(plain(describe(enclosure)), style=meta)
            line.append("  ")
            line.append(url, style=link_style)
            blocks.append(_Block(line))
        blocks.append(_Block(Text(ENCLOSURE_KEYS, style=self._style("article-view--note"))))

    def _add_body(self, blocks: list[_Block]) -> None:
        heading = self._style("article-view--heading")
        quote = self._style("article-view--quote")
        reference = self._style("article-view--reference")
        self._paragraph_blocks = []
        in_paragraph = False
        for source in self.text.split("\n"):
            line = plain(source)
            if not line.strip():
                blocks.append(_Block(Text("")))
                in_paragraph = False
            else:
                if not in_paragraph:
                    self._paragraph_blocks.append(len(blocks))
                    in_paragraph = True
                if _HEADING.match(line):
                    text = Text(line.lstrip("#").strip(), style=heading)
                elif line.startswith(">"):
                    text = Text(line, style=quote)
                else:
                    text = Text(line)
                if "[" in line:
                    text.highlight_regex(_REFERENCE, reference)
                blocks.append(_Block(text, paragraph=len(self._paragraph_blocks) - 1))

    def _layout(self) -> None:
        """Wrap every block at the current width (once per width)."""
        width = self.scrollable_content_region.width
        if not self.is_mounted or width <= 0 or width == self._width:
            self.refresh()
            return
        if self._stale:  # styles are only known once mounted, so blocks are built here
            self._blocks = self._build_blocks()
            self._stale = False
        self._width = width
        console = self.app.console
        lines: list[Text] = []
        line_blocks: list[int] = []
        first_lines: list[int] = []
        for index, block in enumerate(self._blocks):
            first_lines.append(len(lines))
            if not block.text:
                lines.append(block.text)
                line_blocks.append(index)
                continue
            wrapped = block.text.wrap(console, width, overflow="fold")
            lines.extend(wrapped)
            line_blocks.extend([index] * len(wrapped))
        self._lines, self._line_blocks, self._block_first_line = lines, line_blocks, first_lines
        self._strips.clear()
        set_virtual_height(self, len(lines))
        if self._pending_paragraph is not None:
            self._scroll_to_paragraph(self._pending_paragraph)
            self._pending_paragraph = None
        self.refresh()

    def _scroll_to_paragraph(self, paragraph: int) -> None:
        line = self._block_first_line[self._paragraph_blocks[paragraph]]
        self.scroll_to(y=line, animate=False, force=True)

    def _set_highlight(self, paragraph: int | None) -> None:
        self._highlight = paragraph
        self._strips.clear()
        self.refresh()

    # -- drawing ------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._layout()

    def _base_style(self) -> Style:
        """The widget's own style, worked out once per style change: Textual walks every
        ancestor for it, ~0.3 ms, and each line drawn asked for it again."""
        if self._own_style is None:
            self._own_style = self.rich_style
        return self._own_style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        before = self._own_style
        self._own_style = None
        if not self.is_mounted:
            self._strips.clear()
            return
        # Component styles are baked into the wrapped Text: rebuild only when they changed
        # (a theme switch), not on every focus or hover change. The lines drawn are kept
        # when nothing they use changed (Enter and Escape move the focus: redrawing a
        # screenful of article for it cost ~10 ms a key).
        styles = tuple(self._style(name) for name in sorted(self.COMPONENT_CLASSES))
        if styles != self._baked_styles or before is None or \
                self._base_style() != before:
            self._strips.clear()
        if styles != self._baked_styles:
            self._baked_styles = styles
            if self._blocks:
                self._stale = True
                self._width = -1
                self._layout()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = round(self.scroll_y) + y
        if width != self._width:
            return Strip.blank(width, self._base_style())
        if line >= len(self._lines):
            return Strip.blank(width, self._base_style())
        block = self._blocks[self._line_blocks[line]]
        highlighted = self._highlight is not None and block.paragraph == self._highlight
        selection = self.text_selection
        key = (line, highlighted)
        strip = self._strips.get(key) if selection is None else None
        if strip is None:
            style = self._base_style()
            if highlighted:
                style += self._style("article-view--highlight")
            text = self._lines[line]
            if selection is not None and (span := selection.get_span(line)) is not None:
                start, end = span
                text = text.copy()
                text.stylize(self.screen.get_component_rich_style("screen--selection"),
                             start, len(text) if end == -1 else end)
            console = self.app.console
            # Text.render leaves out the Text's own style (console.render adds it): add it here
            base = style + console.get_style(text.style or "none", default=Style.null())
            strip = Strip(text.render(console), cell_len(text.plain)).apply_style(base)
            # offsets let the screen map the mouse to (character, line) for selecting text
            strip = strip.crop_extend(0, width, style).apply_offsets(0, line)
            if selection is None:
                self._strips[key] = strip
        return strip

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected article text, for copying."""
        return selection.extract("\n".join(text.plain for text in self._lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        self.refresh()

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and self._width > 0:
            line = round(self.scroll_y) + offset.y
            if 0 <= line < len(self._lines):
                url = self._blocks[self._line_blocks[line]].url
                if url is not None:
                    event.stop()
                    self.post_message(self.OpenLink(url))
        await super()._on_click(event)
