"""newsboat's filter language, translated into ours; and its filters brought in from its
`config` (ignore-article, ignore-mode, define-filter, highlight-article, highlight) and its
`urls` file (query: lines).

What maps: `=`, `!=`, `=~` / `!~` with a regular expression that is plain text (our `~` is a
case-insensitive "contains"), `<`, `>`, `<=`, `>=` and `between` on `age` (days), `#` / `!#`
on `tags`, `and` / `or` and parentheses. Every line that does not translate is reported with
the reason; nothing is half-translated.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

from reader.filters.nodes import Age, And, Expr, Flag, Match, Not, Or, to_source
from reader.filters.rules import HighlightRule, KillRule, SavedView


class Untranslatable(ValueError):
    """Why a newsboat filter has no equivalent here (one line)."""


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<range>\d+:\d+)
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>!=|=~|!~|<=|>=|!\#|=|<|>|\#)
    | (?P<paren>[()])
    | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    )""", re.VERBOSE)

_TEXT_ATTRIBUTES = {"title": "title", "author": "author", "link": "link", "content": "text",
                    "description": "text", "feedtitle": "feedtitle", "feedurl": "feedurl",
                    "rssurl": "feedurl"}
_NO_EQUIVALENT = {
    "date": "newsboat compares dates as text; use age (days) instead",
    "guid": "entry ids are not filterable here",
    "flags": "newsboat's flag letters have no equivalent; use starred",
    "articleindex": "list positions are not filterable here",
    "feedindex": "list positions are not filterable here",
    "feeddate": "feed dates are not filterable here",
    "enclosure_type": "enclosure types are not filterable here",
}
_REGEX_SPECIAL = set(".^$*+?()[]{}|\\")


def translate(text: str) -> Expr:
    """A newsboat filter expression as ours; raises Untranslatable with the reason."""
    tokens = _tokens(text)
    parser = _Parser(tokens)
    expr = parser.expr()
    if parser.index != len(tokens):
        raise Untranslatable(f"unexpected {tokens[parser.index][1]!r}")
    return expr


def translate_text(text: str) -> str:
    return to_source(translate(text))


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise Untranslatable(f"cannot read newsboat filter at {text[position:][:20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.index += 1
        return token

    def expr(self) -> Expr:
        parts = [self.conjunction()]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Expr:
        parts = [self.term()]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def term(self) -> Expr:
        kind, value = self.take()
        if (kind, value) == ("paren", "("):
            inner = self.expr()
            if self.take() != ("paren", ")"):
                raise Untranslatable("a '(' is never closed")
            return inner
        if kind != "word":
            raise Untranslatable(f"expected an attribute, found {value or 'the end'!r}")
        attribute = value
        kind, op = self.take()
        if (kind, op) == ("word", "between"):
            op = "between"
        elif kind != "op":
            raise Untranslatable(f"expected an operator after {attribute!r}")
        operand_kind, operand = self.take()
        if operand_kind not in ("string", "number", "range"):
            raise Untranslatable(f"expected a value after {attribute} {op}")
        if operand_kind == "string":
            operand = re.sub(r"\\(.)", r"\1", operand[1:-1])
        return _comparison(attribute, op, operand)


def _comparison(attribute: str, op: str, value: str) -> Expr:
    if attribute in _NO_EQUIVALENT:
        raise Untranslatable(f"{attribute}: {_NO_EQUIVALENT[attribute]}")
    if attribute == "unread":
        if op not in ("=", "!=") or value not in ("yes", "no"):
            raise Untranslatable('unread compares with = "yes" or = "no"')
        truth = (value == "yes") == (op == "=")
        return Flag("unread") if truth else Not(Flag("unread"))
    if attribute == "age":
        return _age(op, value)
    if attribute == "tags":
        if op in ("#", "!#", "=~", "!~"):
            match = Match("folder", "=" if "#" in op else "~",
                          value if "#" in op else _literal(value))
            return Not(match) if op.startswith("!") else match
        raise Untranslatable(f"tags compares with # or !#, not {op}")
    if attribute == "enclosure_url":
        if op in ("=", "!=") and value == "":
            return Flag("has-enclosure") if op == "!=" else Not(Flag("has-enclosure"))
        raise Untranslatable('enclosure_url translates only as != "" (has-enclosure)')
    if attribute not in _TEXT_ATTRIBUTES:
        raise Untranslatable(f"unknown attribute {attribute!r}")
    ours = _TEXT_ATTRIBUTES[attribute]
    if op in ("=", "!="):
        match = Match(ours, "=", value)
    elif op in ("=~", "!~"):
        match = Match(ours, "~", _literal(value))
    else:
        raise Untranslatable(f"{attribute} compares with =, !=, =~ or !~ here, not {op}")
    return Not(match) if op.startswith("!") else match


def _literal(pattern: str) -> str:
    """A regular expression that is plain text (an optional `.*` at either end; escaped
    punctuation) as that text; anything else cannot become `~`."""
    core = pattern
    core = core.removeprefix(".*").removesuffix(".*")
    out, index = [], 0
    while index < len(core):
        char = core[index]
        if char == "\\" and index + 1 < len(core) and not core[index + 1].isalnum():
            out.append(core[index + 1])
            index += 2
            continue
        if char in _REGEX_SPECIAL:
            raise Untranslatable(f"the regular expression {pattern!r} is more than plain text "
                                 "(ours is a case-insensitive 'contains')")
        out.append(char)
        index += 1
    if not out:
        raise Untranslatable(f"the regular expression {pattern!r} matches everything")
    return "".join(out)


def _age(op: str, value: str) -> Expr:
    if op == "between":
        low, _, high = value.partition(":")
        if not (low.isdigit() and high.isdigit()):
            raise Untranslatable("age between needs two whole numbers of days, as 1:7")
        return And((Age(">=", int(low) * 86_400), Age("<=", int(high) * 86_400)))
    if not value.isdigit():
        raise Untranslatable("age compares with a whole number of days")
    seconds = int(value) * 86_400
    if op in ("<", "<=", ">", ">="):
        return Age(op, seconds)
    if op == "=":
        return And((Age(">=", seconds), Age("<", seconds + 86_400)))
    raise Untranslatable(f"age compares with <, >, <=, >=, = or between, not {op}")


# -- files ------------------------------------------------------------------------------


@dataclass
class Imported:
    """What a newsboat config or urls file gave, and every line that did not translate."""

    views: list[SavedView] = field(default_factory=list)
    kill: list[KillRule] = field(default_factory=list)
    highlights: list[HighlightRule] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "line 12: why"

    def to_toml(self) -> str:
        """The views and rules as config.toml text to paste ([views], [[kill]], [[highlight]]);
        strings are JSON-escaped, which TOML reads as basic strings."""
        out: list[str] = []
        if self.views:
            out.append("[views]")
            out += [f"{json.dumps(v.name, ensure_ascii=False)} = "
                    f"{json.dumps(v.source, ensure_ascii=False)}" for v in self.views]
        for rule in self.kill:
            out += ["", "[[kill]]", f"expr = {json.dumps(rule.source, ensure_ascii=False)}",
                    f'mode = "{rule.mode}"']
            if rule.feed:
                out.append(f"feed = {json.dumps(rule.feed, ensure_ascii=False)}")
        for highlight in self.highlights:
            out += ["", "[[highlight]]",
                    f"expr = {json.dumps(highlight.source, ensure_ascii=False)}",
                    f"style = {json.dumps(highlight.style)}"]
        return "\n".join(out).strip() + "\n" if out else ""


_COLOURS = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"}
_ATTRIBUTES = {"bold": "bold", "underline": "underline", "standout": "reverse",
               "reverse": "reverse", "blink": "blink", "dim": "dim", "italic": "italic"}


def _colour(name: str) -> str | None:
    name = name.lower()
    if name in _COLOURS:
        return name
    if re.fullmatch(r"color\d{1,3}", name) and int(name[5:]) < 256:
        return f"color({name[5:]})"
    return None


def _style(arguments: list[str]) -> str:
    """newsboat's `fg bg attr...` as a style ("bold red on black")."""
    if not arguments:
        raise Untranslatable("a colour is missing")
    parts: list[str] = []
    for attribute in arguments[2:]:
        if attribute.lower() not in _ATTRIBUTES:
            raise Untranslatable(f"unknown attribute {attribute!r}")
        parts.append(_ATTRIBUTES[attribute.lower()])
    foreground = arguments[0]
    if foreground != "default":
        colour = _colour(foreground)
        if colour is None:
            raise Untranslatable(f"unknown colour {foreground!r}")
        parts.append(colour)
    if len(arguments) > 1 and arguments[1] != "default":
        colour = _colour(arguments[1])
        if colour is None:
            raise Untranslatable(f"unknown colour {arguments[1]!r}")
        parts.append(f"on {colour}")
    return " ".join(parts) or "default"


def import_config(text: str) -> Imported:
    """The filter lines of a newsboat `config`; other settings are not ours and are passed
    over silently."""
    result = Imported()
    drop = True  # ignore-mode "download" (the default) never stores; "display" hides
    ignores: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            if line.strip().split(" ", 1)[0] in ("ignore-article", "define-filter",
                                                 "highlight", "highlight-article"):
                result.skipped.append(f"line {number}: cannot read it ({error})")
            continue
        if not words:
            continue
        command, arguments = words[0], words[1:]
        try:
            if command == "ignore-mode":
                if arguments[:1] not in (["download"], ["display"]):
                    raise Untranslatable('ignore-mode is "download" or "display"')
                drop = arguments[0] == "download"
            elif command == "ignore-article":
                if len(arguments) != 2:
                    raise Untranslatable("ignore-article takes a feed URL (or *) and a filter")
                ignores.append((number, arguments))
            elif command == "define-filter":
                if len(arguments) != 2:
                    raise Untranslatable("define-filter takes a name and a filter")
                result.views.append(_view(arguments[0], arguments[1]))
            elif command == "highlight-article":
                if len(arguments) < 2:
                    raise Untranslatable("highlight-article takes a filter and colours")
                expr = translate(arguments[0])
                result.highlights.append(HighlightRule(expr, to_source(expr),
                                                       _style(arguments[1:])))
            elif command == "highlight":
                result.highlights.append(_highlight(arguments))
        except Untranslatable as error:
            result.skipped.append(f"line {number}: {command}: {error}")
    for number, (feed, expression) in ignores:
        try:
            expr = translate(expression)
        except Untranslatable as error:
            result.skipped.append(f"line {number}: ignore-article: {error}")
            continue
        if feed != "*" and not re.match(r"(?i)https?://", feed):
            result.skipped.append(f"line {number}: ignore-article: {feed!r} is not a feed "
                                  "URL (query: and exec: feeds are not ours)")
            continue
        result.kill.append(KillRule(expr, to_source(expr), "drop" if drop else "hide",
                                    None if feed == "*" else feed))
    result.skipped.sort(key=lambda line: int(line.split(":", 1)[0].removeprefix("line ")))
    return result


def _view(name: str, expression: str) -> SavedView:
    if not name.strip():
        raise Untranslatable("a view needs a name")
    expr = translate(expression)
    return SavedView(name, to_source(expr), expr)


def _highlight(arguments: list[str]) -> HighlightRule:
    """`highlight articlelist|all "regex" fg [bg [attr...]]`: a plain-text regex becomes a
    rule colouring headlines whose title contains it (newsboat colours the words only)."""
    if len(arguments) < 3:
        raise Untranslatable("highlight takes a place, a regular expression and colours")
    place, pattern = arguments[0], arguments[1]
    if place not in ("articlelist", "all"):
        raise Untranslatable(f"highlight {place} colours text inside {place}; only headlines "
                             "are coloured here")
    expr = Match("title", "~", _literal(pattern))
    return HighlightRule(expr, to_source(expr), _style(arguments[2:]))


def import_urls(text: str) -> Imported:
    """The `query:` lines of a newsboat urls file as views (`"query:Name:filter" tags`)."""
    result = Imported()
    for number, line in enumerate(text.splitlines(), start=1):
        if "query:" not in line:
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            result.skipped.append(f"line {number}: cannot read it ({error})")
            continue
        if not words or not words[0].startswith("query:"):
            continue
        name, colon, expression = words[0][len("query:"):].partition(":")
        try:
            if not colon:
                raise Untranslatable("a query: line is query:NAME:FILTER")
            result.views.append(_view(name, expression))
        except Untranslatable as error:
            result.skipped.append(f"line {number}: query {name!r}: {error}")
    return result
