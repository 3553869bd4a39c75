"""Text -> syntax tree: a hand-written lexer and recursive-descent parser.

Grammar (keywords and attribute names ignore case):

    expr    := and ("or" and)*
    and     := unary (["and"] unary)*          two terms side by side mean "and"
    unary   := ("not" | "!") unary | primary
    primary := "(" expr ")" | STRING ["*"] | FLAG | ATTR ":" value | ATTR OP value | WORD
    OP      := "=" | "!=" | "~" | "!~" | "<" | "<=" | ">" | ">="
    value   := STRING | a run of characters up to a space or a parenthesis

A syntax error is one line naming the column; `FilterSyntaxError.caret()` adds the text and a
caret under that column for the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from reader.filters.nodes import (
    FULL_TEXT_COLUMNS,
    ORDERINGS,
    Age,
    And,
    Expr,
    Flag,
    Match,
    Not,
    Or,
    Published,
    Search,
)

MAX_LENGTH = 10_000
MAX_DEPTH = 64
MAX_SECONDS = 200 * 365 * 86_400

ALIASES = {
    "title": "title", "text": "text", "content": "text", "body": "text",
    "author": "author", "link": "link", "url": "link",
    "feed": "feed", "feedtitle": "feedtitle", "feedurl": "feedurl",
    "folder": "folder", "tag": "folder", "tags": "folder",
    "unread": "unread", "starred": "starred",
    "has-enclosure": "has-enclosure", "enclosure": "has-enclosure",
    "age": "age", "published": "published", "date": "published",
}
FLAG_NAMES = {"unread", "starred", "has-enclosure"}
KEYWORDS = {"and", "or", "not"}
OPERATORS = ("!=", "!~", "<=", ">=", "=", "~", "<", ">")
_WORD = re.compile(r'[^\s()"=<>~!]+(?:!(?![=~])[^\s()"=<>~!]*)*')
_VALUE = re.compile(r'[^\s()"]+')
_DURATION = re.compile(r"(?:(\d{1,9})([smhdw]))+", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d{1,9})([smhdw])", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
_TRUE = {"yes", "true", "1", "on"}
_FALSE = {"no", "false", "0", "off"}
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b",
            "f": "\f"}


class FilterSyntaxError(ValueError):
    """A filter that cannot be read: `str()` is one line, `position` the 0-based offset."""

    def __init__(self, message: str, position: int, text: str) -> None:
        self.message = message
        self.position = position
        self.text = text
        super().__init__(f"{message} (column {position + 1})")

    def caret(self) -> str:
        """Three lines for a terminal: the message, the filter, a caret under the column."""
        shown = "".join(ch if ch.isprintable() else " " for ch in self.text)
        return f"{self}\n  {shown}\n  {' ' * self.position}^"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "op", "string", "word", "not", "and", "or", "field", "end"
    value: str
    start: int
    end: int
    star: bool = False  # a string directly followed by "*"


def parse_filter(text: str) -> Expr:
    """Parse a filter; raises FilterSyntaxError with the column of the problem."""
    if len(text) > MAX_LENGTH:
        raise FilterSyntaxError(f"the filter is longer than {MAX_LENGTH} characters",
                                MAX_LENGTH, text[:80])
    for index, char in enumerate(text):
        if "\ud800" <= char <= "\udfff":
            raise FilterSyntaxError("this is not valid text (a lone surrogate)", index, text)
        if char == "\x00":
            raise FilterSyntaxError("a filter cannot hold a NUL character", index, text)
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0
        self._peeked: _Token | None = None

    # -- lexing ---------------------------------------------------------------------------

    def error(self, message: str, position: int | None = None) -> FilterSyntaxError:
        return FilterSyntaxError(message, self.pos if position is None else position, self.text)

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> _Token:
        if self._peeked is None:
            self._peeked = self._lex()
        return self._peeked

    def take(self) -> _Token:
        token = self.peek()
        self._peeked = None
        return token

    def _lex(self) -> _Token:
        self._skip_space()
        start = self.pos
        text = self.text
        if start >= len(text):
            return _Token("end", "", start, start)
        char = text[start]
        if char in "()":
            self.pos += 1
            return _Token(char, char, start, self.pos)
        if char == '"':
            value = self._string()
            star = self.pos < len(text) and text[self.pos] == "*"
            if star:
                self.pos += 1
            return _Token("string", value, start, self.pos, star)
        for op in OPERATORS:
            if text.startswith(op, start):
                self.pos += len(op)
                return _Token("op", op, start, self.pos)
        if char == "!":
            self.pos += 1
            return _Token("not", "!", start, self.pos)
        match = _WORD.match(text, start)
        if not match:  # cannot happen: every other character starts a word
            raise self.error(f"unexpected {char!r}")
        word = match.group()
        head, colon, _rest = word.partition(":")
        if colon and head.lower() in ALIASES:
            self.pos = start + len(head) + 1
            return _Token("field", ALIASES[head.lower()], start, self.pos)
        self.pos = match.end()
        lowered = word.lower()
        if lowered in KEYWORDS:
            return _Token(lowered, word, start, self.pos)
        return _Token("word", word, start, self.pos)

    def _string(self) -> str:
        """A double-quoted string from self.pos, with backslash escapes."""
        text = self.text
        start = self.pos
        index = start + 1
        out: list[str] = []
        while index < len(text):
            char = text[index]
            if char == '"':
                self.pos = index + 1
                return "".join(out)
            if char == "\\" and index + 1 < len(text):
                code = text[index + 1]
                if code == "u":
                    digits = text[index + 2:index + 6]
                    if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF"
                                                   for c in digits):
                        raise self.error("\\u needs four hex digits", index)
                    value = chr(int(digits, 16))
                    if "\ud800" <= value <= "\udfff" or value == "\x00":
                        raise self.error("\\u names a surrogate or NUL, not a character",
                                         index)
                    out.append(value)
                    index += 6
                    continue
                out.append(_ESCAPES.get(code, code))
                index += 2
                continue
            out.append(char)
            index += 1
        raise self.error("this quote is never closed", start)

    def _value(self) -> _Token:
        """The operand after an operator or a colon: a string or a bare run."""
        self._peeked = None
        self._skip_space()
        start = self.pos
        if start < len(self.text) and self.text[start] == '"':
            value = self._string()
            star = self.pos < len(self.text) and self.text[self.pos] == "*"
            if star:
                self.pos += 1
            return _Token("string", value, start, self.pos, star)
        match = _VALUE.match(self.text, start)
        if not match:
            raise self.error("a value is missing here")
        self.pos = match.end()
        return _Token("word", match.group(), start, self.pos)

    # -- parsing --------------------------------------------------------------------------

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise self.error("the filter is empty", 0)
        expr = self.expr()
        token = self.peek()
        if token.kind == ")":
            raise self.error("this ')' closes nothing", token.start)
        if token.kind != "end":  # pragma: no cover - and() consumes every term
            raise self.error(f"unexpected {token.value!r}", token.start)
        return expr

    def expr(self) -> Expr:
        self.depth += 1
        parts = [self.conjunction()]
        while self.peek().kind == "or":
            self.take()
            parts.append(self.conjunction())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else Or(tuple(_flatten(Or, parts)))

    def conjunction(self) -> Expr:
        parts = [self.unary()]
        while True:
            token = self.peek()
            if token.kind == "and":
                self.take()
            elif token.kind in ("end", "or", ")"):
                break
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(_flatten(And, parts)))

    def unary(self) -> Expr:
        token = self.peek()
        if token.kind == "not":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"the filter nests deeper than {MAX_DEPTH} levels",
                                 token.start)
            if self.peek().kind == "end":
                raise self.error(f"{token.value!r} needs a term after it", token.start)
            part = self.unary()
            self.depth -= 1
            return Not(part)
        return self.primary()

    def primary(self) -> Expr:
        token = self.take()
        kind = token.kind
        if kind == "(":
            if self.depth >= MAX_DEPTH:
                raise self.error(f"the filter nests deeper than {MAX_DEPTH} levels",
                                 token.start)
            if self.peek().kind == ")":
                raise self.error("empty parentheses", token.start)
            inner = self.expr()
            close = self.take()
            if close.kind != ")":
                raise self.error("this '(' is never closed", token.start)
            return inner
        if kind == "string":
            return self.search(token.value, None, token.star, token.start)
        if kind == "field":
            value = self._value()
            return self.comparison(token.value, ":", value, token.start)
        if kind == "word":
            name = ALIASES.get(token.value.lower())
            if name is not None and self.peek().kind == "op":
                op = self.take()
                return self.comparison(name, op.value, self._value(), op.start)
            if name in FLAG_NAMES:
                return Flag(name)
            if token.value.lower() == "read":
                return Not(Flag("unread"))
            word = token.value
            prefix = word.endswith("*")
            return self.search(word.rstrip("*"), None, prefix, token.start)
        if kind == "end":
            raise self.error("a term is missing at the end", token.start)
        if kind == ")":
            raise self.error("a term is missing before ')'", token.start)
        if kind == "op":
            raise self.error(f"{token.value!r} needs an attribute before it "
                             "(title, author, feed, folder, age, ...)", token.start)
        raise self.error(f"{token.value!r} needs a term before it", token.start)

    def search(self, text: str, column: str | None, prefix: bool, start: int) -> Search:
        if not text.strip():
            what = "a prefix" if prefix else "a search term"
            raise self.error(f"{what} needs at least one word", start)
        return Search(text, column, prefix)

    def comparison(self, attr: str, op: str, value: _Token, start: int) -> Expr:
        if attr in FLAG_NAMES:
            return self.flag_comparison(attr, op, value)
        if attr in ("age", "published"):
            return self.time_comparison(attr, op, value, start)
        if op in ORDERINGS:
            raise self.error(f"{attr} compares with =, !=, ~, !~ or ':', not {op}", start)
        if op == ":" and attr in FULL_TEXT_COLUMNS:
            text = value.value
            prefix = value.star
            if value.kind == "word" and text.endswith("*"):
                text, prefix = text.rstrip("*"), True
            return self.search(text, attr, prefix, value.start)
        if op == ":":
            op = "=" if attr == "folder" else "~"
        if value.kind == "word" and value.value.endswith("*") and op in ("~", "!~"):
            value = _Token(value.kind, value.value.rstrip("*") or value.value, value.start,
                           value.end)
        if op.startswith("!"):
            return Not(Match(attr, op[1:], value.value))
        return Match(attr, op, value.value)

    def flag_comparison(self, attr: str, op: str, value: _Token) -> Expr:
        if op not in ("=", "!=", ":"):
            raise self.error(f"{attr} compares with = yes or = no, not {op}", value.start)
        word = value.value.lower()
        if word not in _TRUE | _FALSE:
            raise self.error(f"{attr} is yes or no, not {value.value!r}", value.start)
        truth = (word in _TRUE) != (op == "!=")
        return Flag(attr) if truth else Not(Flag(attr))

    def time_comparison(self, attr: str, op: str, value: _Token, start: int) -> Expr:
        if op not in ORDERINGS:
            example = "age < 7d" if attr == "age" else "published > 2024-05-01"
            raise self.error(f"{attr} compares with <, <=, > or >= (as in `{example}`)", start)
        if attr == "age":
            return Age(op, self.duration(value))
        return Published(op, self.date(value))

    def duration(self, value: _Token) -> int:
        text = value.value.strip()
        if not _DURATION.fullmatch(text):
            raise self.error(f"age needs a duration such as 30m, 12h, 7d or 2w, not "
                             f"{value.value!r}", value.start)
        seconds = sum(int(n) * _UNIT[u.lower()] for n, u in _DURATION_PART.findall(text))
        if seconds > MAX_SECONDS:
            raise self.error("this duration is longer than 200 years", value.start)
        return seconds

    def date(self, value: _Token) -> float:
        text = value.value.strip()
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:\d{2})?",
                                text):
                raise ValueError
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.error(f"published needs a date such as 2024-05-01 or "
                             f"2024-05-01T18:30, not {value.value!r}", value.start) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()


def _flatten(kind: type, parts: list[Expr]) -> list[Expr]:
    out: list[Expr] = []
    for part in parts:
        if isinstance(part, kind):
            out.extend(part.parts)  # type: ignore[attr-defined]
        else:
            out.append(part)
    return out
