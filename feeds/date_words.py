"""The words and shapes of dates in English news text, and the words around them that tell a
date from a trap ("May" the verb, "the Sunday Times", "2020 workers").

Compiled once at import; every pattern starts with a literal so the engine can skip ahead.
`feeds.timeline` finds and resolves mentions with them.
"""

from __future__ import annotations

import calendar
import re

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
PREVIOUS_WORD = re.compile(r"([A-Za-z]+)[^A-Za-z\d]{0,3}$")
NEXT_WORD = re.compile(r"[\s,]*([A-Za-z]+)")
WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")

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
# "the 2020 Sentra", "the 2016 MacBook Pro keyboard": a model year before a name, unless one of
# the words after the year names an event ("the 2019 Auto Show", "the 2017 NFL Draft").
YEAR_EVENT_WORDS = EVENT_NOUNS_PLURAL | frozenset(
    "show expo fair festival olympics paralympics games cup championship election primary "
    "caucus caucuses convention conference summit award awards oscars emmys grammys draft "
    "season tour race marathon open prix final playoffs bowl series derby war crisis attack "
    "earthquake flood fire protest riot uprising revolution coup referendum census campaign "
    "debate recession crash collapse pandemic outbreak epidemic hurricane storm tsunami strike "
    "shutdown meeting session week congress assembly exhibition biennale treaty accord "
    "agreement deal act law ruling vote midterm midterms budget report survey study".split())
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

