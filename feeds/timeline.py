"""Dated events in an article's text, resolved against its publication date.

Our own rules, standard library only. General date parsers read "we" as Wednesday and "may" as
a month; these rules look only for the shapes newspapers use ("on Sunday", "last week",
"6 January", "in 2020", "two days later") and check the words around each one before they
believe it.

Speed matters (this runs on every article the reader opens): every pattern is compiled at
import and starts with a literal (a month name, a weekday, a digit), so the regular-expression
engine can skip ahead; word boundaries and the words before a match are checked in Python.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from feeds.model import Event

__all__ = ["events", "sentence_spans"]

SNIPPET_LIMIT = 120
GRANULARITIES = ("day", "weekend", "week", "month", "season", "quarter", "year", "decade")

# ---------------------------------------------------------------------------------------------
# Vocabulary

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
WEEKDAY_ABBREVIATIONS = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6,
}
SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
ORDINAL_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2,
                    "3rd": 3, "4th": 4}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2,
}

# Words before a full stop that do not end a sentence ("Mr. Tokayev", "Gen. Serdyukov").
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sen rep gov gen col lt sgt capt maj cmdr adm rev st mt jr sr inc co corp "
    "ltd bros dept univ ave blvd rd approx est fig vs al e.g i.e cf ft pres "
    "mon tue tues wed thu thur thurs fri".split()  # "on Wed. Nov. 5"
)
# These end a sentence unless a number follows ("Jan. 6", "No. 10", "p. 4").
ABBREVIATIONS_BEFORE_NUMBER = frozenset([*MONTH_ABBREVIATIONS, "no", "nos", "p", "pp"])
# Initialisms that often end a sentence ("at 5 p.m. The next day").
SENTENCE_FINAL_INITIALISMS = frozenset(["a.m", "p.m"])

# Month names are matched capitalised only: "may" and "march" are verbs.
_MONTH_NAMES = "|".join(name for name in calendar.month_name if name)
_MONTH = rf"(?:{_MONTH_NAMES}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# Abbreviated weekdays only with their full stop ("Wed."): "Sat" and "Sun" are words too.
_WEEKDAY_SHORT = r"(?:Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\."
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_YEAR_END = r"(?![\w%]|[.,:]\d)"  # not "2020.1", "2020%", "2020,5"
_RANGE = r"\s*(?:-|–|—|to|and|or|through|until)\s*"
_NUMBER = (r"(?:\d{1,3}|a\s+couple\s+of|an?|one|two|three|four|five|six|seven|eight|nine|ten"
           r"|eleven|twelve)")

MONTH_ANCHOR = re.compile(rf"(?P<month>{_MONTH})(?P<dot>\.)?(?![A-Za-z])")
MONTH_DAY_TAIL = re.compile(
    rf"\s+(?P<day>{_DAY})(?:{_RANGE}(?P<day2>{_DAY}))?(?![\d:%]|[.,]\d)"
    rf"(?:,?\s+(?P<year>{_YEAR}){_YEAR_END})?(?![\w:%]|[.,]\d)"
)
MONTH_YEAR_TAIL = re.compile(rf",?\s+(?P<year>{_YEAR}){_YEAR_END}")
MONTH_PAIR_TAIL = re.compile(
    rf"\s+(?:and|or|to|through|until)\s+(?P<month2>{_MONTH_NAMES})(?![A-Za-z])"
)
DAY_BEFORE_MONTH = re.compile(rf"(?P<day>{_DAY})(?:{_RANGE}(?P<day2>{_DAY}))?\s+(?:of\s+)?$")
YEAR_AFTER_DAY_MONTH = re.compile(rf",?\s+(?P<year>{_YEAR}){_YEAR_END}")
WEEKDAY_BEFORE_DATE = re.compile(
    rf"(?:(?i:on)\s+)?(?P<weekday>{_WEEKDAY}|{_WEEKDAY_SHORT}),?\s+(?:the\s+)?$")

WEEKDAY_ANCHOR = re.compile(rf"(?P<weekday>{_WEEKDAY}(?![\w-])|{_WEEKDAY_SHORT})")
WEEKDAY_MODIFIER = re.compile(
    r"(?P<mod>last|next|this\s+coming|this|on|until|by|since|from|before|after)\s+$"
)

# "06/01/2022", "31.01.2021": which number is the month is settled by a number over 12 or the
# feed's language; otherwise no date (never a wrong one).
NUMERIC_DATE = re.compile(
    r"(?P<a>0?[1-9]|[12]\d|3[01])(?P<sep>[/.])(?P<b>0?[1-9]|[12]\d|3[01])(?P=sep)"
    r"(?P<year>(?:19|20)\d\d)(?![\w/]|[.,]\d)"
)
ISO_DATE = re.compile(
    r"(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])(?![\w-])"
)

# These run on the lower-cased text.
RELATIVE = re.compile(
    r"(?:the\s+day\s+after\s+tomorrow|the\s+day\s+before\s+yesterday"
    r"|yesterday|today|tonight|tomorrow|last\s+night"
    r"|this\s+(?P<this>morning|afternoon|evening|week|month|year)"
    r"|(?P<step>last|next)\s+(?P<unit>week|month|year))(?!\w)"
)
UNITS_AWAY = re.compile(
    r"(?P<unit>day|week|fortnight|month|year)s?\s+"
    r"(?P<dir>ago|later|earlier|afterwards?|after\s+that|before\s+that)(?!\w)"
)
NUMBER_BEFORE = re.compile(rf"(?P<n>{_NUMBER})\s+$")
SEQUEL = re.compile(
    r"(?:the\s+(?P<which>next|following|previous|preceding)\s+"
    r"(?P<unit>day|morning|afternoon|evening|night|week|month|year)"
    r"|the\s+day\s+(?P<dir>before|after)(?!\s+(?:the|a|an|his|her|their|its|our|my|that)\b)"
    r"|(?:the|that)\s+(?:very\s+)?same\s+day|later\s+that\s+day|that\s+day)(?!\w)"
)

# Periods: weekends, seasons, quarters, the end of a month or year, "in two weeks".
WEEKEND = re.compile(
    r"(?:(?P<mod>this\s+past|this\s+coming|the\s+past|the\s+coming|last|next|this|the)\s+)"
    r"weekend(?P<possessive>['’]s)?(?![\w-])"
)
SEASON = re.compile(
    r"(?:(?P<mod>this\s+past|last|next|this|the|early|late|mid-?)\s+)?"
    r"(?P<season>spring|summer|autumn|fall|winter)(?P<possessive>['’]s)?"
    rf"(?:\s+(?:of\s+)?(?P<year>{_YEAR}){_YEAR_END})?(?![\w-])"
)
QUARTER = re.compile(
    r"(?:(?P<ordinal>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter"
    r"|(?P<month>march|june|september|december)\s+quarter"
    r"|q(?P<number>[1-4]))(?![\w-])"
    rf"(?:\s+(?:of\s+)?(?:fiscal\s+)?(?P<year>{_YEAR}){_YEAR_END})?"
)
QUARTER_CONTEXT = re.compile(
    r"(?i:results|earnings|revenues?|sales|profits?|loss(?:es)?|growth|gdp|economy|economic"
    r"|fiscal|quarterly|per-share|forecast|guidance|shipments|output|inflation|deliveries)"
)
SPORTS_CONTEXT = re.compile(
    r"(?i:\b(?:points|halftime|touchdowns?|game|scored|scoring|goals?|score|lead|led|trailed)\b)")
PERIOD_END = re.compile(
    r"end\s+of\s+(?P<which>the|this|next|last)\s+(?P<unit>month|year)(?!\w)")
IN_UNITS = re.compile(
    rf"in\s+(?P<n>{_NUMBER})\s+(?P<unit>day|week|month|year)s?['’]?(?:\s+time)?(?!\w)")
ORDINAL_DAY = re.compile(r"on\s+the\s+(?P<day>[12]?\d|3[01])(?:st|nd|rd|th)(?![\w-])")
ORDINAL_FOLLOWERS = frozenset(
    "at and or when after before in as but from to by with for while".split())
WEEK_OF_BEFORE = re.compile(r"(?i:week\s+of\s+(?:the\s+)?)$")
BYLINE = re.compile(
    r"(?:By\s+[A-Z]|(?i:published|updated|posted|last\s+updated|first\s+published)\b)")
TODAY_EVENT_NOUNS = frozenset(
    "announcement meeting vote report game match decision hearing statement session event "
    "sale sales deal deals launch release ruling verdict speech talks episode show briefing "
    "match race final election poll strike protest march".split()
)
TODAY_NOT_A_DAY_BEFORE = frozenset("still even of until till everyday world industry".split())
VAGUE_BEFORE_AGO = re.compile(r"(?:less|more|fewer)\s+than\s+$")
PRODUCT_AFTER_YEAR = frozenset(
    "budget bond bonds notes note model models edition version lineup vintage".split())
PRODUCT_BEFORE_YEAR = frozenset("windows server office studio edition".split())

DECADE = re.compile(r"\d0['’]?s(?!\w)")
DECADE_ARTICLE_BEFORE = re.compile(r"(?i:the\s+(?:early\s+|late\s+|mid-?\s*)?)$")
YEAR_ANCHOR = re.compile(rf"(?P<year>{_YEAR})(?:[-–/](?P<year2>\d\d\d\d|\d\d))?")
YEAR_AFTER = re.compile(r"(?![\w%]|[.,:]\d|-\d|['’]?s\b)")

YEAR_PREFIX_BEFORE = re.compile(r"(?<![A-Za-z])(?i:mid|pre|post)-$")
DESIGNATION_AFTER_YEAR = re.compile(r" [A-Z]{1,2}\d+\b")
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)[^A-Za-z\d]{0,3}$")
_NEXT_WORD = re.compile(r"[\s,]*([A-Za-z]+)")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")

# ---------------------------------------------------------------------------------------------
# Context words for the false-positive traps.

MONTH_PREPOSITIONS = frozenset(
    "in since until till by from during through throughout before after early late mid last "
    "next this of to around between into".split()
)
STRONG_YEAR_PREPOSITIONS = frozenset(
    "in since during until till by before after through from of between circa fiscal year"
    .split()
)
QUANTITY_BEFORE = frozenset(
    "about around some nearly almost over under than least only just exactly roughly "
    "approximately estimated total additional another extra all number no nos page pages room "
    "flight route bus model version v release build code article section rule resolution "
    "chapter paragraph item id pin score scored tally at cost costs costing paid pay worth "
    "price priced sold bought rose fell reached hit top topped dropped climbed".split()
)
QUANTITY_AFTER = frozenset(
    "people persons troops soldiers votes points km kilometres kilometers miles metres meters "
    "feet foot tonnes tons kg kilograms dollars euros pounds rubles roubles tenge yuan units "
    "cases deaths jobs workers employees residents households homes cars vehicles barrels "
    "hectares acres calories words pages users members copies shares times hours minutes "
    "seconds days weeks months years million billion thousand percent per gmt utc hrs "
    "local degrees signatures visitors fans spectators passengers students children patients "
    "protesters tickets items steps rounds".split()
)
EVENT_NOUNS_PLURAL = frozenset(
    "elections olympics games protests midterms riots talks floods fires polls primaries "
    "playoffs finals championships sanctions accords negotiations hearings attacks wildfires "
    "bushfires results figures accounts rules reforms budgets estimates demonstrations strikes "
    "clashes earthquakes".split()
)
VERBS_AFTER_YEAR = frozenset("was has is saw marks as its this were had brought".split())
WEEKDAY_NAMES_BEFORE = frozenset(
    "bloody black good easter palm ash cyber super holy maundy shrove giving whit low "
    "mothering blue every each first second third fourth fifth".split()  # "first Friday of"
)
WEEKDAY_NAMES_AFTER = frozenset(
    "times telegraph mirror express post herald mail independent sport people star tribune "
    "magazine review night club school service league best roast paper newspaper edition "
    "supplement trading schools services papers".split()
)
DEADLINE_PREPOSITIONS = frozenset("to until till for".split())
DEFERRAL_VERBS = re.compile(
    r"(?i:\b(?:extended|postponed|delayed|deferred|adjourned|moved|pushed\s+back|put\s+off"
    r"|rescheduled|brought\s+forward|set|fixed)\b)"
)
DURATION_BEFORE = frozenset("over within during for in throughout".split())
TEMPERATURE_WORDS = re.compile(r"(?i:temperature|degree|°|fahrenheit|heat|thermometer|mercury)")

# Tense: the nearest cue to a date decides "the next Sunday" or "the last Sunday".
FUTURE_WORDS = frozenset(
    "will shall won't won’t scheduled slated expected due upcoming next begins starts opens "
    "resumes reopens returns runs ends closes expires lasts continues premieres launches "
    "departs arrives leaves lands meets plays hosts faces visits travels holds".split()
)
SCHEDULE_VERBS = frozenset("resume begin start open reopen convene go".split())  # "talks resume"
SCHEDULE_PHRASES = frozenset(
    [("take", "effect"), ("takes", "effect"), ("take", "place"), ("kick", "off"),
     ("kicks", "off")]
)
PAST_WORDS = frozenset(
    "was were had did said told ago yesterday last earlier previously already took came went "
    "fell rose hit met held made gave won lost left began saw sent spoke wrote ran got brought "
    "thought found became kept led paid sold spent fought threw drew chose broke froze flew "
    "grew knew shook stood struck taught caught bought sought fled shot hid heard meant felt "
    "built dealt swept sat rode drove ate withdrew arose sank stole tore wore woke slid spun "
    "quit".split()
)
LINKING_BEFORE_SCHEDULE = frozenset(
    "to would could may might should must did didn't didn’t not cannot can stay stays stayed "
    "remain remains remained keep keeps kept was were be been being".split()
)
NOT_PAST_ED = frozenset("hundred indeed naked wicked sacred kindred rugged ragged red bed".split())
BASE_FORM_BEFORE = frozenset(
    "will would to may might can could should must shall be been being not didn't didn’t "
    "did cannot is are am".split()  # "is expected", "are scheduled": not the past
)
MODALS = frozenset("may might can should must".split())  # "flights may resume on Friday"

# ---------------------------------------------------------------------------------------------
# Sentences

_SENTENCE_END = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s)|\n")
_WORD_BEFORE_DOT = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_SENTENCE_OPENERS = "\"“‘'([–—-•*"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, not cut at abbreviations ("Jan. 6", "U.S.", "Mr.")."""
    spans: list[tuple[int, int]] = []
    start = 0
    length = len(text)
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        following = end
        while following < length and text[following].isspace():
            following += 1
        if following >= length:
            break
        next_char = text[following]
        if match.group() == "\n":
            if next_char.islower():  # a hard-wrapped line, not a new paragraph
                continue
        else:
            if not (next_char.isupper() or next_char.isdigit() or next_char in _SENTENCE_OPENERS):
                continue
            if match.group()[0] == "." and _is_abbreviation(text, match.start(), next_char):
                continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, length, spans)
    return spans


def _is_abbreviation(text: str, dot: int, next_char: str) -> bool:
    found = _WORD_BEFORE_DOT.search(text, max(0, dot - 16), dot)
    if not found:
        return False
    word = found.group(1)
    if word in ("Sat", "Sun"):  # "on Sat. Nov. 9"
        return True
    bare = word.lower().rstrip(".")
    if bare in SENTENCE_FINAL_INITIALISMS:
        return False
    if bare in ABBREVIATIONS:
        return True
    if bare in ABBREVIATIONS_BEFORE_NUMBER:
        return next_char.isdigit()
    return _INITIALISM.fullmatch(word) is not None and len(word.replace(".", "")) <= 3


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


# ---------------------------------------------------------------------------------------------
# Mentions: where a date might be, before we decide whether it is one.


@dataclass(slots=True)
class _Mention:
    kind: str
    start: int
    end: int
    fields: dict[str, str | None] = field(default_factory=dict)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _starts_word(text: str, position: int) -> bool:
    return position == 0 or not _is_word_char(text[position - 1])


def _word_before(text: str, position: int) -> str:
    found = _PREVIOUS_WORD.search(text, max(0, position - 24), position)
    return found.group(1) if found else ""


def _word_after(text: str, position: int) -> str:
    found = _NEXT_WORD.match(text, position)
    return found.group(1) if found else ""


def _month_mentions(text: str) -> Iterator[_Mention]:
    for anchor in MONTH_ANCHOR.finditer(text):
        start = anchor.start()
        if start and text[start - 1].isalpha():
            continue
        month = anchor["month"]
        abbreviated = month.lower() in MONTH_ABBREVIATIONS  # "Jan", "Sept", not "May"
        after_name = anchor.end()
        base: dict[str, str | None] = {"month": month}
        weekday = WEEKDAY_BEFORE_DATE.search(text, max(0, start - 20), start)

        tail = MONTH_DAY_TAIL.match(text, after_name)
        if tail:
            first = weekday.start() if weekday else start
            fields = base | tail.groupdict() | {"weekday": weekday and weekday["weekday"]}
            yield _Mention("month_day", first, tail.end(), fields)
        tail = MONTH_YEAR_TAIL.match(text, after_name)
        if tail:
            yield _Mention("month_year", start, tail.end(), base | {"year": tail["year"]})

        day = _day_before(text, start)
        if day:
            end = anchor.end()
            fields = base | day.groupdict() | {"year": None}
            year = YEAR_AFTER_DAY_MONTH.match(text, end)
            if year:
                end = year.end()
                fields["year"] = year["year"]
            weekday = WEEKDAY_BEFORE_DATE.search(text, max(0, day.start() - 20), day.start())
            fields["weekday"] = weekday and weekday["weekday"]
            yield _Mention("day_month", weekday.start() if weekday else day.start(), end, fields)

        prep = _word_before(text, start).lower()
        if prep not in MONTH_PREPOSITIONS:
            continue
        if abbreviated and prep not in ("in", "since", "until", "by", "from"):
            continue
        if text.startswith(("'", "’"), anchor.end()) or text.startswith("-", anchor.end()):
            continue  # "March's", "May-born": not a bare month
        fields = base | {"prep": prep}
        pair = MONTH_PAIR_TAIL.match(text, anchor.end())
        if pair:
            yield _Mention("month_pair", start, pair.end(), fields | {"month2": pair["month2"]})
        yield _Mention("month_alone", start, anchor.end(), fields)


def _day_before(text: str, month_start: int) -> re.Match[str] | None:
    """ "6 " or "13 to 19 " or "6th of " right before a month name, as a whole number."""
    low = max(0, month_start - 24)
    while low < month_start:
        found = DAY_BEFORE_MONTH.search(text, low, month_start)
        if not found:
            return None
        first = found.start()
        if first == 0 or text[first - 1] not in "0123456789.,$£€:/-" and not text[
                first - 1].isalpha():
            return found
        low = first + 1
    return None


def _weekday_mentions(text: str, lowered: str) -> Iterator[_Mention]:
    for anchor in WEEKDAY_ANCHOR.finditer(text):
        start = anchor.start()
        if start and (_is_word_char(text[start - 1]) or text[start - 1] == "-"):
            continue
        modifier = WEEKDAY_MODIFIER.search(lowered, max(0, start - 16), start)
        if modifier and not _starts_word(lowered, modifier.start()):
            modifier = None
        first = modifier.start() if modifier else start
        fields = {"weekday": anchor["weekday"], "mod": modifier and modifier["mod"]}
        yield _Mention("weekday", first, anchor.end(), fields)


def _lowered_mentions(lowered: str) -> Iterator[_Mention]:
    for found in RELATIVE.finditer(lowered):
        if _starts_word(lowered, found.start()):
            yield _Mention("relative", found.start(), found.end(),
                           found.groupdict() | {"phrase": found.group()})
    for found in UNITS_AWAY.finditer(lowered):
        start = found.start()
        number = NUMBER_BEFORE.search(lowered, max(0, start - 16), start)
        if not number or not _starts_word(lowered, number.start()):
            continue
        if VAGUE_BEFORE_AGO.search(lowered, max(0, number.start() - 16), number.start()):
            continue  # "less than 10 years ago": no date to show
        kind = "ago" if found["dir"] == "ago" else "later"
        yield _Mention(kind, number.start(), found.end(), found.groupdict() | {"n": number["n"]})
    for found in SEQUEL.finditer(lowered):
        if _starts_word(lowered, found.start()):
            yield _Mention("sequel", found.start(), found.end(),
                           found.groupdict() | {"phrase": found.group()})
    for kind, pattern in (("weekend", WEEKEND), ("season", SEASON), ("quarter", QUARTER),
                          ("period_end", PERIOD_END), ("in_units", IN_UNITS),
                          ("ordinal_day", ORDINAL_DAY)):
        for found in pattern.finditer(lowered):
            if _starts_word(lowered, found.start()):
                yield _Mention(kind, found.start(), found.end(), found.groupdict())


def _number_mentions(text: str) -> Iterator[_Mention]:
    for found in NUMERIC_DATE.finditer(text):
        start = found.start()
        if start == 0 or not (_is_word_char(text[start - 1]) or text[start - 1] in "./-"):
            yield _Mention("numeric", start, found.end(), found.groupdict())
    for found in ISO_DATE.finditer(text):
        start = found.start()
        if start == 0 or not (_is_word_char(text[start - 1]) or text[start - 1] in ".-"):
            yield _Mention("iso", start, found.end(), found.groupdict())
    for found in DECADE.finditer(text):
        start = found.start()
        digits = found.group()[:2]
        fields: dict[str, str | None] = {}
        if start >= 2 and text[start - 2:start].isdigit() and (
                start == 2 or not _is_word_char(text[start - 3])):
            start -= 2
            fields["full"] = text[start:start + 4]
        elif start and _is_word_char(text[start - 1]):
            continue
        elif start and text[start - 1] in "'’‘":
            start -= 1
            fields["short"] = digits
        elif DECADE_ARTICLE_BEFORE.search(text, max(0, start - 16), start):
            fields["bare"] = digits
        else:
            continue
        yield _Mention("decade", start, found.end(), fields)
    for found in YEAR_ANCHOR.finditer(text):
        start = found.start()
        if start and (_is_word_char(text[start - 1]) or text[start - 1] in "$£€#.,/:'’-"):
            if not YEAR_PREFIX_BEFORE.search(text, max(0, start - 6), start):
                continue  # but "mid-2019", "pre-2020" are years
        if not YEAR_AFTER.match(text, found.end()):
            continue
        yield _Mention("year", start, found.end(), found.groupdict())


PRIORITY = {kind: rank for rank, kind in enumerate(
    ["iso", "numeric", "month_day", "day_month", "month_year", "month_pair", "month_alone",
     "quarter", "season", "period_end", "weekend", "weekday", "relative", "ago", "later",
     "in_units", "sequel", "ordinal_day", "decade", "year"])}


def _mentions(text: str) -> list[_Mention]:
    """All mentions, longest first, that do not overlap one already kept; in text order."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters grow when lower-cased ("İ")
        lowered = "".join(char.lower() if char.isascii() else char for char in text)
    found = [
        *_month_mentions(text),
        *_weekday_mentions(text, lowered),
        *_lowered_mentions(lowered),
        *_number_mentions(text),
    ]
    found.sort(key=lambda m: (m.start - m.end, PRIORITY[m.kind], m.start))
    kept_starts: list[int] = []
    kept_ends: list[int] = []
    kept: list[_Mention] = []
    for mention in found:
        index = bisect.bisect_right(kept_starts, mention.start)
        if index > 0 and kept_ends[index - 1] > mention.start:
            continue
        if index < len(kept_starts) and kept_starts[index] < mention.end:
            continue
        kept_starts.insert(index, mention.start)
        kept_ends.insert(index, mention.end)
        kept.insert(index, mention)
    return kept


# ---------------------------------------------------------------------------------------------
# Calendar arithmetic


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return MONTHS.get(name) or MONTH_ABBREVIATIONS[name]


def _weekday_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return WEEKDAYS[name] if name in WEEKDAYS else WEEKDAY_ABBREVIATIONS[name]


def _day_number(token: str) -> int:
    return int(token.rstrip("stndrh"))


def _count(token: str) -> int | None:
    token = " ".join(token.split())
    if token.isdigit():
        value = int(token)
        return value if 0 < value <= 100 else None
    return NUMBER_WORDS.get(token)


def _infer_day(month: int, day: int, ref: date, future: bool | None) -> date | None:
    """The nearest such day not after `ref` (past), not before it (future), or either way
    when the sentence gives no tense ("the window runs until 14 February")."""
    if future is None:
        before = _infer_day(month, day, ref, False)
        after = _infer_day(month, day, ref, True)
        if before is None or after is None:
            return before or after
        return after if (after - ref) < (ref - before) else before
    step = 1 if future else -1
    for offset in range(9):  # 9 years always reach a 29 February
        candidate = _safe_date(ref.year + step * offset, month, day)
        if candidate and ((candidate >= ref) if future else (candidate <= ref)):
            return candidate
    return None


def _year_by_weekday(month: int, day: int, weekday: int, ref: date) -> date | None:
    """ "Sunday, March 6": the year next to `ref` in which that day is that weekday."""
    for offset in (0, -1, 1):
        candidate = _safe_date(ref.year + offset, month, day)
        if candidate and candidate.weekday() == weekday:
            return candidate
    return None


def _infer_month(month: int, ref: date, future: bool | None, strict: bool = False) -> date:
    """The nearest such month not after `ref` (past), not before it (future), or either way
    when the sentence gives no tense."""
    if future is None:
        before = _infer_month(month, ref, False, strict)
        after = _infer_month(month, ref, True, strict)
        ref_month = date(ref.year, ref.month, 1)
        return after if (after - ref_month) < (ref_month - before) else before
    year = ref.year
    if future and (month < ref.month or (month == ref.month and strict)):
        year += 1
    if not future and (month > ref.month or (month == ref.month and strict)):
        year -= 1
    return date(year, month, 1)


def _weekday_date(weekday: int, ref: date, future: bool) -> date:
    if future:
        return ref + timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1)
    return ref - timedelta(days=(ref.weekday() - weekday - 1) % 7 + 1)


def _shift(ref: date, unit: str, count: int) -> tuple[date, str]:
    if unit == "day":
        return ref + timedelta(days=count), "day"
    if unit == "week":
        return _monday(ref + timedelta(weeks=count)), "week"
    if unit == "month":
        return _add_months(ref, count), "month"
    return date(ref.year + count, 1, 1), "year"


def _shift_anchor(anchor: tuple[date, str], unit: str, count: int) -> tuple[date, str] | None:
    """Move from the event before by whole units, if that event is precise enough."""
    day, granularity = anchor
    if GRANULARITIES.index(granularity) > GRANULARITIES.index(unit):
        return None  # "in 2019 ... two days later": no day to count from
    return _shift(day, unit, count)


# ---------------------------------------------------------------------------------------------
# Resolution


class _Document:
    """The text, its sentences and the tense cues of each sentence (found when first asked)."""

    def __init__(self, text: str, language: str | None = None) -> None:
        self.text = text
        self.language = language
        self.spans = sentence_spans(text) or [(0, len(text))]
        self.starts = [start for start, _ in self.spans]
        self._cues: dict[int, list[tuple[int, int, bool]]] = {}

    def sentence_of(self, position: int) -> int:
        return max(0, bisect.bisect_right(self.starts, position) - 1)

    def sentence_text(self, sentence: int) -> str:
        start, end = self.spans[sentence]
        return self.text[start:end]

    def cues(self, sentence: int) -> list[tuple[int, int, bool]]:
        """(start, end, points_forward) of each tense cue word in the sentence."""
        if sentence not in self._cues:
            self._cues[sentence] = list(_tense_cues(self.text, *self.spans[sentence]))
        return self._cues[sentence]

    def is_future(self, mention: _Mention, sentence: int) -> bool | None:
        """Whether the tense cue nearest to the mention points forward; None without cues,
        and None for a new deadline ("was extended to May 31" may still lie ahead)."""
        if _word_before(self.text, mention.start).lower() in DEADLINE_PREPOSITIONS:
            start, end = self.spans[sentence]
            deferral = DEFERRAL_VERBS.search(self.text, start, end)
            if deferral and not (deferral.group().lower() in ("set", "fixed") and _word_before(
                    self.text, deferral.start()).lower() in ("is", "are", "be", "now")):
                return None  # "are set for Nov. 5" is ahead; "was extended to May 31" unsaid
        best: tuple[int, bool] | None = None
        for position, word_end, future in self.cues(sentence):
            if mention.start <= position < mention.end:
                continue
            if position < mention.start:
                distance = mention.start - word_end
            else:
                distance = position - mention.end + 1  # a tie goes to the verb before
            if best is None or distance < best[0]:
                best = (distance, future)
        return None if best is None else best[1]


def _tense_cues(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    found_words = list(_WORD.finditer(text, start, end))
    words = [(found.start(), found.group().lower()) for found in found_words]
    count = len(words)
    for index, (position, word) in enumerate(words):
        if word in MODALS and found_words[index].group()[0].islower():  # not "May"
            following = words[index + 1][1] if index + 1 < count else ""
            cue: bool | None = following != "have"  # "may resume", not "may have left"
        else:
            cue = _tense_of(words, index, count)
            if cue is False and index and found_words[index].group()[0].isupper() and (
                    word not in PAST_WORDS):
                cue = None  # "Westfield United" is a name, not a verb
            if cue is False and position > start and text[position - 1] in "-‐":
                cue = None  # "white-coated pups", "state-owned firm": adjectives
        if cue is not None:
            yield position, position + len(word), cue


def _tense_of(words: list[tuple[int, str]], index: int, count: int) -> bool | None:
    """True when the word points forward, False when back, None when it says neither."""
    word = words[index][1]
    previous = words[index - 1][1] if index else ""
    following = words[index + 1][1] if index + 1 < count else ""
    after_next = words[index + 2][1] if index + 2 < count else ""
    if word in FUTURE_WORDS or word.endswith(("'ll", "’ll")):
        return True
    if word in ("is", "are", "am") and (
        following in ("to", "due", "expected", "on", "scheduled", "slated")
        or (following in ("going", "set") and after_next == "to")
    ):
        return True
    if word in ("plan", "plans", "planning", "intend", "intends") and following == "to":
        return True
    if word == "set" and following == "for" and previous in ("is", "are", "be", "now", "'s"):
        return True  # "the talks are set for Nov. 5"
    if (word, following) in SCHEDULE_PHRASES and previous not in LINKING_BEFORE_SCHEDULE:
        return True
    if word in ("comes", "come") and following == "into" and after_next == "force":
        return True
    if word == "to" and following == "be" and after_next == "held":
        return True
    if word in SCHEDULE_VERBS and previous not in LINKING_BEFORE_SCHEDULE and not _is_past(
            previous):
        return True  # "talks resume", not "stayed open" or "forced to close"
    if _is_past(word) and previous not in BASE_FORM_BEFORE:
        return False
    return None


def _is_past(word: str) -> bool:
    return word in PAST_WORDS or (
        len(word) >= 4 and word.endswith("ed") and not word.endswith("eed")
        and word not in NOT_PAST_ED)


@dataclass(slots=True)
class _Story:
    """What the text has said so far: the event before, and the last one with a year in it."""

    anchor: tuple[date, str] | None = None
    dated: tuple[date, str] | None = None
    dated_sentence: int = -2

    def narrative(self, sentence: int) -> tuple[date, str] | None:
        """An explicit date in this sentence or the one before: "in August 2020 ... in
        September" is September 2020, not the last September before publication."""
        if self.dated is None:
            return None
        if self.dated[1] in ("year", "decade"):
            # "In 2012 he fled ... He was evicted in April": April before publication
            return self.dated if sentence == self.dated_sentence else None
        return self.dated if sentence - self.dated_sentence <= 1 else None


EXPLICIT_YEAR_KINDS = frozenset(["iso", "month_year", "year"])


def _resolve(
    mention: _Mention, doc: _Document, sentence: int, ref: date, story: _Story
) -> Iterator[tuple[date, str]]:
    """The (date, granularity) pairs a mention stands for; nothing when it is a trap."""
    anchor = story.anchor
    kind = mention.kind
    f = mention.fields
    if kind == "iso":
        found = _safe_date(int(f["year"] or 0), int(f["month"] or 0), int(f["day"] or 0))
        if found:
            yield found, "day"
    elif kind in ("month_day", "day_month"):
        yield from _resolve_day_of_month(mention, doc, sentence, ref, story.narrative(sentence))
    elif kind == "month_year":
        yield date(int(f["year"] or 0), _month_number(f["month"] or ""), 1), "month"
    elif kind in ("month_alone", "month_pair"):
        yield from _resolve_month(mention, doc, sentence, ref, story.narrative(sentence))
    elif kind == "weekday":
        yield from _resolve_weekday(mention, doc, sentence, ref)
    elif kind == "relative":
        yield from _resolve_relative(mention, doc.text, ref)
    elif kind in ("ago", "later"):
        count = _count(f["n"] or "")
        unit = f["unit"] or "day"
        if count is None:
            return
        if unit == "fortnight":
            unit, count = "week", 2 * count
        if kind == "ago":
            yield _shift(ref, unit, -count)
        elif anchor is not None:
            backwards = (f["dir"] or "").startswith(("earlier", "before"))
            shifted = _shift_anchor(anchor, unit, -count if backwards else count)
            if shifted:
                yield shifted
    elif kind == "sequel":
        yield from _resolve_sequel(mention, doc.text, anchor)
    elif kind == "decade":
        yield from _resolve_decade(mention, ref, doc.sentence_text(sentence))
    elif kind == "year":
        yield from _resolve_year(mention, doc.text)
    elif kind == "numeric":
        yield from _resolve_numeric(mention, ref, doc.language)
    elif kind in PERIOD_RESOLVERS:
        yield from PERIOD_RESOLVERS[kind](mention, doc, sentence, ref)


def _resolve_day_of_month(
    mention: _Mention, doc: _Document, sentence: int, ref: date,
    narrative: tuple[date, str] | None,
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    month = _month_number(f["month"] or "")
    days = [_day_number(f["day"] or "")] + ([_day_number(f["day2"])] if f["day2"] else [])
    if days != sorted(days):
        days = days[:1]  # "6 and 2 January" is not a range
    if not f["year"] and mention.kind == "month_day":
        after = _word_after(doc.text, mention.end)
        if after in QUANTITY_AFTER:
            return  # "March 3 people" is not a date
    future = doc.is_future(mention, sentence)
    weekday = _weekday_number(f["weekday"]) if f["weekday"] else None
    first: date | None = None
    for day in days:
        if f["year"]:
            found = _safe_date(int(f["year"]), month, day)
        elif first is not None:
            found = _safe_date(first.year, month, day)  # "13 to 19 January": one year
        elif weekday is not None:
            found = _year_by_weekday(month, day, weekday, ref) or _infer_day(
                month, day, ref, future)
        elif narrative is not None and narrative[0].year != ref.year and not (
                future and narrative[0] < ref):
            found = _after_narrative(narrative, month, day)
        else:
            found = _infer_day(month, day, ref, future)
        if found:
            first = first or found
            yield found, "day"


def _after_narrative(narrative: tuple[date, str], month: int, day: int = 1) -> date | None:
    """The first such date in the narrative's year (a year) or from its date on (a day or
    month)."""
    start, granularity = narrative
    if granularity == "year":
        return _safe_date(start.year, month, day)
    found = _safe_date(start.year, month, day)
    if found and found < start.replace(day=1):
        found = _safe_date(start.year + 1, month, day)
    return found


def _resolve_month(
    mention: _Mention, doc: _Document, sentence: int, ref: date,
    narrative: tuple[date, str] | None,
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    prep = f["prep"]
    months = [_month_number(f["month"] or "")]
    if f.get("month2"):
        months.append(_month_number(f["month2"] or ""))
    future = doc.is_future(mention, sentence)
    for month in months:
        if prep == "last":
            yield _infer_month(month, ref, future=False, strict=True), "month"
        elif prep == "next":
            yield _infer_month(month, ref, future=True, strict=True), "month"
        elif prep == "this":
            yield date(ref.year, month, 1), "month"
        elif narrative is not None and narrative[0].year != ref.year and not (
                future and narrative[0] < ref):
            # "bought in 2009 ... will stop in June": the future tense speaks from publication
            found = _after_narrative(narrative, month)
            if found:
                yield found, "month"
        else:
            yield _infer_month(month, ref, future), "month"


def _resolve_weekday(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    name = f["weekday"] or ""
    name_start = mention.end - len(name)
    before = _word_before(doc.text, name_start).lower()
    after = _word_after(doc.text, mention.end)
    mod = " ".join((f["mod"] or "").split())
    if not mod and before in WEEKDAY_NAMES_BEFORE:
        return  # "Bloody Sunday", "every Monday"
    if after.lower() in WEEKDAY_NAMES_AFTER and after[:1].isupper():
        return  # "the Sunday Times"
    weekday = _weekday_number(name)
    if name.endswith(".") and not mod and not after[:1].isdigit() and after.lower() not in (
            MONTHS.keys() | MONTH_ABBREVIATIONS.keys()):
        return  # "Sun." alone may be a newspaper's name cut short: only "on Sun.", "Sun. 5"
    if mod == "last":
        future = False
    elif mod in ("next", "this coming"):
        future = True
    elif weekday == ref.weekday():
        yield ref, "day"  # "out Monday" in a Monday article: that day, in news style
        return
    elif mod == "this":
        future = doc.is_future(mention, sentence) is not False
    else:
        future = doc.is_future(mention, sentence) is True
    yield _weekday_date(weekday, ref, future), "day"


def _resolve_relative(mention: _Mention, text: str, ref: date) -> Iterator[tuple[date, str]]:
    f = mention.fields
    phrase = " ".join((f["phrase"] or "").split())
    before = _word_before(text, mention.start).lower()
    if phrase in ("today", "tonight") and before in ("usa", "the"):
        return  # "USA Today", "the Today programme"
    if phrase == "today" and _today_means_nowadays(text, mention, before):
        return
    if phrase == "the day after tomorrow":
        yield ref + timedelta(days=2), "day"
    elif phrase == "the day before yesterday":
        yield ref - timedelta(days=2), "day"
    elif phrase in ("yesterday", "last night"):
        yield ref - timedelta(days=1), "day"
    elif phrase in ("today", "tonight") or f["this"] in ("morning", "afternoon", "evening"):
        yield ref, "day"
    elif phrase == "tomorrow":
        yield ref + timedelta(days=1), "day"
    elif f["this"]:
        yield _shift(ref, f["this"], 0)
    elif f["step"] and f["unit"]:
        if before in ("the", "over", "within", "past") or before.endswith("s") and before in (
                "its", "his", "hers", "theirs"):
            return  # "the last week of June", "over the next year": spans, not dates
        yield _shift(ref, f["unit"], -1 if f["step"] == "last" else 1)


_STILL = re.compile(r"(?i:\b(?:still|continues?|continuing|remains?|nowadays)\b)")


def _today_means_nowadays(text: str, mention: _Mention, before: str) -> bool:
    """ "still angry today", "today's origami", "the industry today": now, not a day."""
    if text.startswith(("'s", "’s"), mention.end):
        return _word_after(text, mention.end + 2).lower() not in TODAY_EVENT_NOUNS
    if before in TODAY_NOT_A_DAY_BEFORE:
        return True
    start = text.rfind("\n", 0, mention.start) + 1
    return _STILL.search(text, max(start, mention.start - 80), mention.start) is not None


def _resolve_sequel(
    mention: _Mention, text: str, anchor: tuple[date, str] | None
) -> Iterator[tuple[date, str]]:
    if anchor is None:
        return
    f = mention.fields
    if f["which"]:
        unit = f["unit"] or "day"
        if unit in ("morning", "afternoon", "evening", "night"):
            unit = "day"
        if unit != "day" and _word_before(text, mention.start).lower() in DURATION_BEFORE:
            return  # "over the next week" is a span from now
        step = -1 if f["which"] in ("previous", "preceding") else 1
        shifted = _shift_anchor(anchor, unit, step)
    elif f["dir"]:
        shifted = _shift_anchor(anchor, "day", 1 if f["dir"] == "after" else -1)
    else:
        shifted = anchor if anchor[1] == "day" else None  # "that same day"
    if shifted:
        yield shifted


def _resolve_decade(mention: _Mention, ref: date, sentence: str) -> Iterator[tuple[date, str]]:
    f = mention.fields
    if f.get("full"):
        yield date(int(f["full"] or 0), 1, 1), "decade"
        return
    if f.get("bare") and TEMPERATURE_WORDS.search(sentence):
        return  # "temperatures in the 90s"
    year = 2000 + int(f.get("short") or f.get("bare") or 0)
    if year + 9 > ref.year:  # a decade not over yet: "the '20s" are the 1920s
        year -= 100
    yield date(year, 1, 1), "decade"


def _resolve_year(mention: _Mention, text: str) -> Iterator[tuple[date, str]]:
    f = mention.fields
    year = int(f["year"] or 0)
    before = _word_before(text, mention.start).lower()
    after = _word_after(text, mention.end)
    after_lower = after.lower()
    strong = before in STRONG_YEAR_PREPOSITIONS
    if any(symbol in text[max(0, mention.start - 2):mention.start] for symbol in "$£€"):
        return
    if before in QUANTITY_BEFORE and not strong:
        return  # "about 2020", "version 2020", "at 1930"
    if year < 1900 and not strong:
        return
    if DESIGNATION_AFTER_YEAR.match(text, mention.end):
        return  # "2003 EH1" names an asteroid
    if text[mention.start - 1:mention.start] == "(" and text[mention.end:mention.end + 1] == ")":
        return  # "(2018)": a citation or a film's year, not the story's
    if after_lower in PRODUCT_AFTER_YEAR or before in PRODUCT_BEFORE_YEAR:
        return  # "WeWork's 2025 bond", "Windows Server 2019"
    lower_case_next = after == after_lower and text[mention.end:mention.end + 1] == " "
    if lower_case_next and after_lower in QUANTITY_AFTER:
        if not strong or before == "of" or after_lower in ("million", "billion", "percent"):
            return  # "2020 people", "a crowd of 2020 people"
    elif (lower_case_next and after.endswith("s") and not after.endswith(("ss", "us", "is"))
          and after_lower not in EVENT_NOUNS_PLURAL and after_lower not in VERBS_AFTER_YEAR
          and not strong):
        return  # "2020 workers"
    yield date(year, 1, 1), "year"
    second = f["year2"]
    if second and len(second) == 4 and int(second) > year:
        yield date(int(second), 1, 1), "year"


# ---------------------------------------------------------------------------------------------
# Numeric dates and periods (weekends, seasons, quarters, ends, "in two weeks", "on the 3rd")

# Languages (and English regions) that write the day first; en-US and en-PH write the month
# first. A numeric date whose order neither a number over 12 nor the language settles is left
# out: two readings are a guess.
MONTH_FIRST_REGIONS = ("en-us", "en_us", "en-ph", "en_ph", "us")


def _month_first(language: str | None) -> bool | None:
    if not language:
        return None
    code = language.strip().lower()
    if code.startswith(MONTH_FIRST_REGIONS):
        return True
    if code in ("en", "en-"):
        return None  # English of no stated region: either order
    return False


def _resolve_numeric(
    mention: _Mention, ref: date, language: str | None
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    first, second, year = int(f["a"] or 0), int(f["b"] or 0), int(f["year"] or 0)
    if f["sep"] == ".":
        readings = [(second, first)]  # "31.01.2021" is day first everywhere it is written
    elif first > 12:
        readings = [(second, first)]
    elif second > 12:
        readings = [(first, second)]
    elif first == second:
        readings = [(first, second)]
    else:
        month_first = _month_first(language)
        if month_first is None:
            return
        readings = [(first, second) if month_first else (second, first)]
    for month, day in readings:
        found = _safe_date(year, month, day)
        if found and abs(found.year - ref.year) <= 100:
            yield found, "day"


def _saturday(ref: date) -> date:
    return _monday(ref) + timedelta(days=5)


WEEKEND_PREPOSITIONS = frozenset(
    "over at during by on until till since for through throughout all before after".split())


def _resolve_weekend(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    mod = " ".join((mention.fields["mod"] or "").split())
    before = _word_before(doc.text, mention.start).lower()
    if mod == "the":
        if (before not in WEEKEND_PREPOSITIONS and not _is_past(before)) or doc.text.startswith(
                " of", mention.end):
            return  # "the last weekend of the festival", "the weekend of 5 June"
    elif mod in ("last", "next") and before in ("the", "every", "each"):
        return  # "the last weekend of"
    this = _saturday(ref)
    at_weekend = ref.weekday() >= 5
    if mod in ("last", "this past", "the past"):
        day = this - timedelta(days=7)
    elif mod in ("next", "this coming", "the coming"):
        day = this + timedelta(days=7) if at_weekend and mod == "next" else this
    elif at_weekend:
        day = this
    else:
        day = this if doc.is_future(mention, sentence) is True else this - timedelta(days=7)
    yield day, "weekend"


def _season_start(season: str, year: int) -> date:
    return date(year, SEASON_MONTHS[season], 1)


def _season_instance(season: str, ref: date, mode: str) -> date:
    """The season's start: `past` the latest one over by `ref`, `started` the latest begun by
    it, `coming` the first not over by it, `next` the first that begins after it."""
    starts = [_season_start(season, year) for year in range(ref.year - 2, ref.year + 2)]
    if mode == "past":
        return max(start for start in starts if _add_months(start, 3) <= ref)
    if mode == "started":
        return max(start for start in starts if start <= ref)
    if mode == "coming":
        return min(start for start in starts if _add_months(start, 3) > ref)
    return min(start for start in starts if start > ref)


SEASON_PREPOSITIONS = frozenset(
    "in during over by until till since through throughout before after into for".split())


def _resolve_season(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    season = f["season"] or ""
    mod = " ".join((f["mod"] or "").split())
    original = doc.text[mention.start:mention.end]
    word_at = original.lower().find(season)
    capital = original[word_at:word_at + 1].isupper()
    following = _word_after(doc.text, mention.end)
    if capital and following[:1].isupper() and not f["year"]:
        return  # "Winter Games", "Autumn Calabrese"
    if f["year"]:
        if season == "winter":
            return  # "winter 2020": December 2019 or 2020? No guess.
        yield _season_start(season, int(f["year"])), "season"
        return
    before = _word_before(doc.text, mention.start).lower()
    if mod in ("", "the", "early", "late", "mid", "mid-"):
        if before not in SEASON_PREPOSITIONS:
            return  # "spring for the wheels", "that summer", "Spring is here"
    future = doc.is_future(mention, sentence)
    if mod in ("last", "this past"):
        yield _season_instance(season, ref, "past"), "season"
    elif mod == "next":
        yield _season_instance(season, ref, "next"), "season"
    elif mod == "this":
        yield _season_instance(season, ref, "started" if future is False else "coming"), (
            "season")
    elif future is True:
        yield _season_instance(season, ref, "coming"), "season"
    else:
        yield _season_instance(season, ref, "started"), "season"


def _resolve_quarter(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    start, end = doc.spans[sentence]
    if f["number"] and not doc.text[mention.start:mention.start + 1] == "Q":
        return
    if f["month"]:
        number = MONTHS[f["month"]] // 3
    else:
        number = int(f["number"]) if f["number"] else ORDINAL_QUARTERS[f["ordinal"] or ""]
    if not f["year"]:
        if not QUARTER_CONTEXT.search(doc.text, start, end) or SPORTS_CONTEXT.search(
                doc.text, start, end):
            return  # "24 points in the third quarter" is a game's
    first_month = 3 * (number - 1) + 1
    if f["year"]:
        yield date(int(f["year"]), first_month, 1), "quarter"
        return
    starts = [date(year, first_month, 1) for year in range(ref.year - 1, ref.year + 2)]
    if doc.is_future(mention, sentence) is True:
        yield min(s for s in starts if _add_months(s, 3) > ref), "quarter"
    else:
        yield max(s for s in starts if s <= ref), "quarter"


def _resolve_period_end(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    step = {"next": 1, "last": -1}.get(f["which"] or "", 0)
    if step == 0 and doc.is_future(mention, sentence) is False and not (
            f["unit"] == "year" and ref.month == 12):
        return  # "sales fell by the end of the year": which year's end is not said
    if f["unit"] == "year":
        yield date(ref.year + step, 12, 1), "month"
    else:
        yield _add_months(date(ref.year, ref.month, 1), step), "month"


def _resolve_in_units(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    f = mention.fields
    count = _count(f["n"] or "")
    if count is None or doc.is_future(mention, sentence) is not True:
        return  # "sold out in two weeks" is a duration
    yield _shift(ref, f["unit"] or "day", count)


def _resolve_ordinal_day(
    mention: _Mention, doc: _Document, sentence: int, ref: date
) -> Iterator[tuple[date, str]]:
    after = doc.text[mention.end:mention.end + 1]
    if after and after.isalnum():
        return
    following = _word_after(doc.text, mention.end)
    if after == " " and following and following.lower() not in ORDINAL_FOLLOWERS:
        return  # "on the 3rd floor", "on the 19th of January" (read as a date elsewhere)
    day = int(mention.fields["day"] or 0)
    if doc.is_future(mention, sentence) is True:
        month = date(ref.year, ref.month, 1) if day >= ref.day else _add_months(ref, 1)
    else:
        month = date(ref.year, ref.month, 1) if day <= ref.day else _add_months(ref, -1)
    found = _safe_date(month.year, month.month, day)
    if found:
        yield found, "day"


PERIOD_RESOLVERS = {
    "weekend": _resolve_weekend,
    "season": _resolve_season,
    "quarter": _resolve_quarter,
    "period_end": _resolve_period_end,
    "in_units": _resolve_in_units,
    "ordinal_day": _resolve_ordinal_day,
}


# ---------------------------------------------------------------------------------------------
# Public


def _snippet(sentence: str) -> str:
    """The sentence on one line, cut at a word boundary near SNIPPET_LIMIT characters."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= SNIPPET_LIMIT:
        return sentence
    cut = sentence.rfind(" ", 0, SNIPPET_LIMIT)
    if cut < SNIPPET_LIMIT // 2:
        cut = SNIPPET_LIMIT
    return sentence[:cut].rstrip(" ,;:-–—") + "…"


_OPENING_BRACKET = re.compile(r"\s*\(\s*")


def _glossed(text: str, mention: _Mention, following: _Mention | None) -> bool:
    """A relative day or weekday glossed by a date in brackets right after it."""
    if following is None or mention.kind not in ("relative", "weekday"):
        return False
    gap = _OPENING_BRACKET.fullmatch(text, mention.end, following.start)
    return gap is not None and following.kind in ("month_day", "day_month", "iso")


ABSOLUTE_KINDS = frozenset(["iso", "numeric", "month_year", "year", "decade"])


def _needs_reference(mention: _Mention) -> bool:
    """Whether the mention means nothing without a publication date ("on Sunday")."""
    if mention.kind in ABSOLUTE_KINDS:
        return mention.kind == "decade" and not mention.fields.get("full")
    return not mention.fields.get("year")


def events(
    text: str, published: datetime | date | None, *, language: str | None = None
) -> list[Event]:
    """Every dated event that `text` mentions, resolved against the publication date.

    Relative mentions ("two days later", "the next day") count from the event before them;
    weekdays and month names without a year look back from `published` unless the sentence
    speaks of the future. With no `published` date only what carries its own year is dated:
    the day an item was fetched is no anchor. `language` (the feed's, "en-US", "de") settles
    numeric dates such as 06/01/2022. Sorted by position; several events may share a sentence.
    """
    if not text or not text.strip():
        return []
    anchored = published is not None
    if published is None:
        ref = date(2000, 1, 1)  # never used: mentions that need it are skipped
    else:
        ref = published.date() if isinstance(published, datetime) else published
    doc = _Document(text, language)
    result: list[Event] = []
    story = _Story()
    seen: set[tuple[int, date, str]] = set()
    snippets: dict[int, str] = {}
    mentions = _mentions(text)
    for index, mention in enumerate(mentions):
        sentence = doc.sentence_of(mention.start)
        start, end = doc.spans[sentence]
        if mention.end > end:
            continue  # a match across a sentence break is not one mention
        if _glossed(text, mention, mentions[index + 1] if index + 1 < len(mentions) else None):
            continue  # "today (Nov. 18)": the date in brackets says which day; one event
        if not anchored and _needs_reference(mention):
            continue
        if end - start < 120 and BYLINE.match(text, start):
            continue  # "By Ruben Schade in Sydney, 2023-01-10": the page's own date
        explicit = mention.kind in EXPLICIT_YEAR_KINDS or bool(mention.fields.get("year"))
        try:
            resolved = list(_resolve(mention, doc, sentence, ref, story))
        except (OverflowError, ValueError):
            continue  # "tomorrow" on 31 December 9999: no such date
        if resolved and mention.kind in ("month_day", "day_month", "iso", "numeric") and (
                WEEK_OF_BEFORE.search(text, max(0, mention.start - 16), mention.start)):
            resolved = [(_monday(resolved[0][0]), "week")]  # "the week of 18 Nov": one week
        for day, granularity in resolved:
            story.anchor = (day, granularity)
            if explicit:
                story.dated, story.dated_sentence = (day, granularity), sentence
            if (sentence, day, granularity) in seen:
                continue
            seen.add((sentence, day, granularity))
            if sentence not in snippets:
                snippets[sentence] = _snippet(text[start:end])
            result.append(Event(day, granularity, snippets[sentence], start))
    return result
