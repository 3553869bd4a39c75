"""feeds.timeline: dated events in article text.

Scored the way /work/shared/temporal/README.txt scores: a prediction is a true positive when its
resolved date is compatible with a gold value not yet matched, gold values taken most specific
granularity first; every other prediction is a false positive. Granularities must agree; a
"week" gold accepts any date in the Monday-Sunday week containing its value; "a|b" accepts
either.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.model import Event
from feeds.text import language_tag
from feeds.timeline import events, sentence_spans, undated_events
from tests.conftest import shared_path

GRANULARITY_ORDER = ("day", "week", "month", "year", "decade")

# Our own labelled sentences, written for this file (not from the dev set or any article).
# (reference date, text, gold [(value, granularity), ...])
OWN_SENTENCES: list[tuple[str, str, list[tuple[str, str]]]] = [
    # Thursday 15 June 2023
    ("2023-06-15", "The mayor opened the new library on Tuesday, officials said.",
     [("2023-06-13", "day")]),
    ("2023-06-15", "The council will vote on the plan on Monday.", [("2023-06-19", "day")]),
    ("2023-06-15", "Flooding closed the main road last Friday.", [("2023-06-09", "day")]),
    ("2023-06-15", "Rail workers plan to strike next Wednesday.", [("2023-06-21", "day")]),
    ("2023-06-15", "The exhibition closed yesterday after a record run.",
     [("2023-06-14", "day")]),
    ("2023-06-15", "The minister is to visit the region tomorrow.", [("2023-06-16", "day")]),
    ("2023-06-15", "A smaller protest was held in the capital today.", [("2023-06-15", "day")]),
    ("2023-06-15", "The price of bread doubled last month.", [("2023-05", "month")]),
    ("2023-06-15", "Exports have grown steadily this year.", [("2023", "year")]),
    ("2023-06-15", "The company expects to hire more staff next year.", [("2024", "year")]),
    ("2023-06-15", "Parliament approved the measure three days ago.", [("2023-06-12", "day")]),
    ("2023-06-15", "Talks broke down a month ago.", [("2023-05", "month")]),
    ("2023-06-15", "The treaty was first signed in 1997 and renewed in 2017.",
     [("1997", "year"), ("2017", "year")]),
    ("2023-06-15", "The band was formed in the late 1970s.", [("1970", "decade")]),
    ("2023-06-15", "Fashion from the '80s is back in the shops.", [("1980", "decade")]),
    ("2023-06-15", "The ferry sank on 14 April 1912.", [("1912-04-14", "day")]),
    ("2023-06-15", "Elections are due on October 8.", [("2023-10-08", "day")]),
    ("2023-06-15", "The reactor was shut down in March.", [("2023-03", "month")]),
    ("2023-06-15", "Crops failed last September.", [("2022-09", "month")]),
    ("2023-06-15", "Ticket sales open in August 2023.", [("2023-08", "month")]),
    ("2023-06-15", "The ship left port on Monday and docked two days later.",
     [("2023-06-12", "day"), ("2023-06-14", "day")]),
    ("2023-06-15", "The vaccine was approved on Jan. 9, 2021, and reached clinics the "
     "following week.", [("2021-01-09", "day"), ("2021-01-11", "week")]),
    ("2023-06-15", "Residents may return home once the water recedes.", []),
    ("2023-06-15", "Thousands joined the march on the capital.", []),
    ("2023-06-15", "We will know more soon, the spokeswoman said.", []),
    ("2023-06-15", "The plant employs 2019 workers on three shifts.", []),
    ("2023-06-15", "The bill came to $2,040 after tax.", []),
    ("2023-06-15", "The last train leaves at 23:15 each night.", []),
    ("2023-06-15", "Users should upgrade to version 2022.4 immediately.", []),
    ("2023-06-15", "The Sun said the singer had cancelled the tour.", []),
    ("2023-06-15", "May is usually the driest month here.", []),
    ("2023-06-15", "The festival returns in May.", [("2024-05", "month")]),
    ("2023-06-15", "The match on Saturday ended in a draw.", [("2023-06-10", "day")]),
    ("2023-06-15", "Inflation peaked earlier this year and has eased since.", [("2023", "year")]),
    ("2023-06-15", "The survey was carried out between March and May.",
     [("2023-03", "month"), ("2023-05", "month")]),
    ("2023-06-15", "Several shops stayed open through the night of 4 June.",
     [("2023-06-04", "day")]),
    ("2023-06-15", "The hearing has been set for June 30.", [("2023-06-30", "day")]),
    ("2023-06-15", "Doctors said the patient recovered the next day.", []),
    ("2023-06-15", "The factory burned down on 2 May; the following day, workers gathered "
     "outside.", [("2023-05-02", "day"), ("2023-05-03", "day")]),
    # Wednesday 3 November 2021
    ("2021-11-03", "The summit ended on Sunday without a deal.", [("2021-10-31", "day")]),
    ("2021-11-03", "Leaders will meet again on Friday.", [("2021-11-05", "day")]),
    ("2021-11-03", "Two weeks ago the governor called an early election.",
     [("2021-10-18", "week")]),
    ("2021-11-03", "Voting starts this week and ends next week.",
     [("2021-11-01", "week"), ("2021-11-08", "week")]),
    ("2021-11-03", "Share prices slumped 4.2% on Monday.", [("2021-11-01", "day")]),
    ("2021-11-03", "The stadium, built for the 2014 World Cup, is now empty.", [("2014", "year")]),
    ("2021-11-03", "His first novel appeared in the 1960s.", [("1960", "decade")]),
    ("2021-11-03", "The strike began on October 25 and ended eight days later.",
     [("2021-10-25", "day"), ("2021-11-02", "day")]),
    ("2021-11-03", "On Saturday, October 30, crowds filled the streets.", [("2021-10-30", "day")]),
    ("2021-11-03", "The talks are scheduled to resume on 15 November.", [("2021-11-15", "day")]),
    ("2021-11-03", "Most shops close on Sundays.", []),
    ("2021-11-03", "The Sunday Telegraph first reported the story.", []),
    ("2021-11-03", "USA Today ran the photo on its front page.", []),
    ("2021-11-03", "Last night, storms knocked out power to 3000 homes.", [("2021-11-02", "day")]),
    ("2021-11-03", "The law was passed in 2020 and took effect a year later.",
     [("2020", "year"), ("2021", "year")]),
    ("2021-11-03", "By 2030, the city wants half of its buses to be electric.", [("2030", "year")]),
    ("2021-11-03", "Some 1998 passengers were stranded at the airport.", []),
    ("2021-11-03", "The gallery reopened on 3 November after a two-year refit.",
     [("2021-11-03", "day")]),
    ("2021-11-03", "The president's term ends in January 2025.", [("2025-01", "month")]),
    ("2021-11-03", "The deal was announced on Jan. 6.", [("2021-01-06", "day")]),
]


# A second batch, written and labelled after the rules above passed, then scored once before
# any rule was touched: F1 0.938 on that first run ("may resume on Friday", "are expected to
# continue on Thursday" read as past). Both misses led to rule fixes; it stays as a check.
BLIND_SENTENCES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("2022-03-02", "The airline suspended flights to the region on Monday.",
     [("2022-02-28", "day")]),
    ("2022-03-02", "Peace talks are expected to continue on Thursday.", [("2022-03-03", "day")]),
    ("2022-03-02", "The bank's governor stepped down late last month.", [("2022-02", "month")]),
    ("2022-03-02", "Wheat prices hit a record high earlier this week.", [("2022-02-28", "week")]),
    ("2022-03-02", "The embassy was evacuated on 24 February.", [("2022-02-24", "day")]),
    ("2022-03-02", "A convoy stretching 40 miles was spotted yesterday north of the city.",
     [("2022-03-01", "day")]),
    ("2022-03-02", "The ceasefire agreed in 2015 never fully held.", [("2015", "year")]),
    ("2022-03-02", "The team last won the cup in the 1980s.", [("1980", "decade")]),
    ("2022-03-02", "Officials said 1,200 homes lost power.", []),
    ("2022-03-02", "The referendum will take place in April.", [("2022-04", "month")]),
    ("2022-03-02", "Schools reopened on March 1 after a six-week closure.",
     [("2022-03-01", "day")]),
    ("2022-03-02", "Four days later, the bridge was destroyed.", []),
    ("2022-03-02", "The museum first opened its doors on 3 May 1985.", [("1985-05-03", "day")]),
    ("2022-03-02", "The regulator fined the firm in November and again in January.",
     [("2021-11", "month"), ("2022-01", "month")]),
    ("2022-03-02", "Flights may resume on Friday if the weather improves.",
     [("2022-03-04", "day")]),
    ("2022-03-02", "The company reported record profits for 2021.", [("2021", "year")]),
    ("2022-03-02", "Mr. Novak, who was elected in 2019, resigned on Tuesday.",
     [("2019", "year"), ("2022-03-01", "day")]),
    ("2022-03-02", "The storm is forecast to arrive tonight.", [("2022-03-02", "day")]),
    ("2022-03-02", "A year ago, the plant produced 2500 cars a month.", [("2021", "year")]),
    ("2022-03-02", "The curfew, imposed on Saturday, will be lifted next Tuesday.",
     [("2022-02-26", "day"), ("2022-03-08", "day")]),
    ("2020-08-20", "Rescue teams worked through the night on Tuesday.", [("2020-08-18", "day")]),
    ("2020-08-20", "The wildfire, which started on August 16, has burned 10,000 acres.",
     [("2020-08-16", "day")]),
    ("2020-08-20", "The trial is set to begin on 1 September.", [("2020-09-01", "day")]),
    ("2020-08-20", "The party will hold its congress next month.", [("2020-09", "month")]),
    ("2020-08-20", "Sales of the 2019 model slumped.", [("2019", "year")]),
    ("2020-08-20", "The dam was completed in the 1960s and repaired in 1994.",
     [("1960", "decade"), ("1994", "year")]),
    ("2020-08-20", "The virus was first detected in December.", [("2019-12", "month")]),
    ("2020-08-20", "March organisers expect 5,000 people.", []),
    ("2020-08-20", "On Friday, August 14, the agency released its report.",
     [("2020-08-14", "day")]),
    ("2020-08-20", "Police arrested two men on Wednesday and a third man the following day.",
     [("2020-08-19", "day"), ("2020-08-20", "day")]),
]

# A third batch, in a different style, written and scored once after the second batch passed:
# F1 0.906 on its first run (no "mid-2019", no "fortnight", "departs ... on Friday" and "was
# extended to May 31" read as past). The rules were then fixed for those four.
THIRD_BATCH: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("2022-05-18", "In early 2020, the virus reached Europe.", [("2020", "year")]),
    ("2022-05-18", "Sales picked up in late 2021.", [("2021", "year")]),
    ("2022-05-18", "The tower was built in mid-2019.", [("2019", "year")]),
    ("2022-05-18", "During the summer of 2018, the lake dried up.", [("2018", "year")]),
    ("2022-05-18", "On Tuesday night, gunmen attacked a checkpoint.", [("2022-05-17", "day")]),
    ("2022-05-18", "Thursday's meeting will decide the budget.", [("2022-05-19", "day")]),
    ("2022-05-18", "The deadline was extended to May 31.", [("2022-05-31", "day")]),
    ("2022-05-18", "Two weeks later, a second quake struck.", []),
    ("2022-05-18", "Authorities lifted the curfew a fortnight ago.", [("2022-05-04", "week")]),
    ("2022-05-18", "The 1,000 delegates voted on Monday.", [("2022-05-16", "day")]),
    ("2022-05-18", "Officials expect 20,000 visitors in June.", [("2022-06", "month")]),
    ("2022-05-18", "The record was set in 1968 and stood for decades.", [("1968", "year")]),
    ("2022-05-18", "A 2019 report warned of the risk.", [("2019", "year")]),
    ("2022-05-18", "He served two terms, from 2009 to 2017.", [("2009", "year"), ("2017", "year")]),
    ("2022-05-18", "The flight departs at 0930 on Friday.", [("2022-05-20", "day")]),
    ("2022-05-18", "The company lost $1.2 billion in the first quarter.", []),
    ("2022-05-18", "The ban takes effect on July 1.", [("2022-07-01", "day")]),
    ("2022-05-18", "Voters rejected the proposal on Sunday by a wide margin.",
     [("2022-05-15", "day")]),
    ("2022-05-18", "The river burst its banks this morning.", [("2022-05-18", "day")]),
    ("2022-05-18", "Construction is expected to finish by 2025.", [("2025", "year")]),
    ("2019-11-29", "Shoppers queued overnight for Black Friday deals.", []),
    ("2019-11-29", "The store opened at 5 a.m. on Thursday.", [("2019-11-28", "day")]),
    ("2019-11-29", "The ceasefire collapsed in October.", [("2019-10", "month")]),
    ("2019-11-29", "Parliament was dissolved on 6 November.", [("2019-11-06", "day")]),
    ("2019-11-29", "Elections are scheduled for December 12.", [("2019-12-12", "day")]),
    ("2019-11-29", "The minister resigned last Tuesday.", [("2019-11-26", "day")]),
    ("2019-11-29", "The '70s were a decade of strikes.", [("1970", "decade")]),
    ("2019-11-29", "The rally on 16 November drew 3,000 people.", [("2019-11-16", "day")]),
    ("2019-11-29", "The trial ended a week ago and the verdict is due next month.",
     [("2019-11-18", "week"), ("2019-12", "month")]),
    ("2019-11-29", "More than 1,500 people attended the funeral on Saturday.",
     [("2019-11-23", "day")]),
    ("2019-11-29", "The station closed in 1999, reopened in 2004 and will close again in 2021.",
     [("1999", "year"), ("2004", "year"), ("2021", "year")]),
    ("2019-11-29", "He was born in Moscow in the 1950s.", [("1950", "decade")]),
]

@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return (f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
                f"(tp={self.tp} fp={self.fp} fn={self.fn})")


def _parse_value(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.split("-"))


def compatible(event: Event, value: str, granularity: str) -> bool:
    """Whether a prediction matches one gold value ("a|b" = either)."""
    if event.granularity != granularity:
        return False
    for option in value.split("|"):
        parts = _parse_value(option)
        day = event.date
        if granularity == "day" and day == date(*parts):
            return True
        if granularity == "week":
            monday = date(*parts) - timedelta(days=date(*parts).weekday())
            if monday <= day <= monday + timedelta(days=6):
                return True
        if granularity == "month" and (day.year, day.month) == parts[:2]:
            return True
        if granularity == "year" and day.year == parts[0]:
            return True
        if granularity == "decade" and day.year // 10 == parts[0] // 10:
            return True
    return False


def score_one(predicted: list[Event], gold: list[tuple[str, str]]) -> Score:
    ordered = sorted(gold, key=lambda g: GRANULARITY_ORDER.index(g[1]))
    matched = [False] * len(ordered)
    tp = 0
    for event in predicted:
        for index, (value, granularity) in enumerate(ordered):
            if not matched[index] and compatible(event, value, granularity):
                matched[index] = True
                tp += 1
                break
    return Score(tp, len(predicted) - tp, len(ordered) - tp)


def score_all(items: list[tuple[str, str, list[tuple[str, str]]]]) -> tuple[Score, list[str]]:
    total = Score()
    misses: list[str] = []
    for ref, text, gold in items:
        predicted = events(text, date.fromisoformat(ref))
        one = score_one(predicted, gold)
        total.tp += one.tp
        total.fp += one.fp
        total.fn += one.fn
        if one.fp or one.fn:
            got = [(str(e.date), e.granularity) for e in predicted]
            misses.append(f"{text!r}: got {got}, gold {gold}")
    return total, misses


# ---------------------------------------------------------------------------------------------
# Scores


def test_scorer_counts_false_positives_and_misses() -> None:
    """The scorer itself: a wrong date is one FP and one FN; a week matches any day in it."""
    wrong = [Event(date(2022, 1, 7), "day", "", 0)]
    assert (score_one(wrong, [("2022-01-06", "day")]).fp,
            score_one(wrong, [("2022-01-06", "day")]).fn) == (1, 1)
    week = [Event(date(2022, 1, 3), "week", "", 0)]
    assert score_one(week, [("2022-01-09", "week")]).tp == 1
    assert score_one(week, [("2022-01-10", "week")]).tp == 0
    either = [Event(date(2021, 1, 1), "year", "", 0)]
    assert score_one(either, [("2020|2021", "year")]).tp == 1


def test_dev_sentences_f1() -> None:
    path = shared_path("temporal", "dev_sentences.json")
    items = [(item["ref"], item["text"], [tuple(g) for g in item["gold"]])
             for item in json.loads(path.read_text(encoding="utf-8"))]
    score, misses = score_all(items)
    print(f"\ndev_sentences.json ({len(items)} sentences): {score}")
    assert score.f1 >= 0.90, "\n".join(misses)


def test_own_sentences_f1() -> None:
    assert len(OWN_SENTENCES) >= 30
    score, misses = score_all(OWN_SENTENCES)
    print(f"\nown sentences ({len(OWN_SENTENCES)}): {score}")
    for miss in misses:
        print("  miss:", miss)
    assert score.f1 >= 0.90, "\n".join(misses)


@pytest.mark.parametrize(
    ("name", "batch"), [("second batch", BLIND_SENTENCES), ("third batch", THIRD_BATCH)])
def test_later_batches_f1(name: str, batch: list[tuple[str, str, list[tuple[str, str]]]]) -> None:
    score, misses = score_all(batch)
    print(f"\n{name} ({len(batch)}): {score}")
    assert len(batch) >= 30
    assert score.f1 >= 0.90, "\n".join(misses)


# ---------------------------------------------------------------------------------------------
# One rule at a time (reference: Monday 10 January 2022)

REF = date(2022, 1, 10)


def found(text: str, ref: date = REF) -> list[tuple[str, str]]:
    return [(e.date.isoformat(), e.granularity) for e in events(text, ref)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On Sunday, the ministry published new figures.", [("2022-01-09", "day")]),
        ("Officials met on Friday.", [("2022-01-07", "day")]),
        # issue 17: a weekday equal to the publication's is that day in news style
        ("On Monday the court sat again.", [("2022-01-10", "day")]),
        ("Last Monday the court sat again.", [("2022-01-03", "day")]),
        ("The panel will report on Thursday.", [("2022-01-13", "day")]),
        ("The board is scheduled to decide on Friday.", [("2022-01-14", "day")]),
        ("The union plans to walk out on Tuesday.", [("2022-01-11", "day")]),
        ("Fans are to gather on Saturday.", [("2022-01-15", "day")]),
        ("Next Monday the schools reopen.", [("2022-01-17", "day")]),
        ("Last Tuesday the schools closed.", [("2022-01-04", "day")]),
        ("On Sunday, the agency announced that the minister will attend.",
         [("2022-01-09", "day")]),
        ("Sunday's vote was close.", [("2022-01-09", "day")]),
    ],
)
def test_weekdays(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The office said so yesterday.", [("2022-01-09", "day")]),
        ("Today the office is shut.", [("2022-01-10", "day")]),
        ("The result comes tomorrow.", [("2022-01-11", "day")]),
        ("Last week was busy.", [("2022-01-03", "week")]),
        ("They will decide this week.", [("2022-01-10", "week")]),
        ("They will decide next week.", [("2022-01-17", "week")]),
        ("Sales fell last month.", [("2021-12-01", "month")]),
        ("Sales rose this month.", [("2022-01-01", "month")]),
        ("Sales may rise next month.", [("2022-02-01", "month")]),
        ("Over the last year, prices doubled.", []),
        ("Profits fell last year.", [("2021-01-01", "year")]),
        ("Profits rose this year.", [("2022-01-01", "year")]),
        ("Earlier this year the firm moved.", [("2022-01-01", "year")]),
        ("The firm will move next year.", [("2023-01-01", "year")]),
        ("Two days ago the road opened.", [("2022-01-08", "day")]),
        ("A week ago the road opened.", [("2022-01-03", "week")]),
        ("Three years ago the road opened.", [("2019-01-01", "year")]),
    ],
)
def test_relative_to_publication(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The deal was struck on January 6.", [("2022-01-06", "day")]),
        ("The deal was struck on 6 January.", [("2022-01-06", "day")]),
        ("The deal was struck on Jan. 6 in the capital.", [("2022-01-06", "day")]),
        ("The deal was struck on January 6, 2021.", [("2021-01-06", "day")]),
        ("The deal was struck on the 6th of January 2021.", [("2021-01-06", "day")]),
        ("The deal was struck in January.", [("2022-01-01", "month")]),
        ("The deal was struck in January 2021.", [("2021-01-01", "month")]),
        ("The deal was struck last January.", [("2021-01-01", "month")]),
        ("The deal was struck in March.", [("2021-03-01", "month")]),  # past: not after
        ("The deal will be signed in March.", [("2022-03-01", "month")]),  # future: after
        ("The deal was struck on 20 December.", [("2021-12-20", "day")]),
        ("The deal will be signed on 20 December.", [("2022-12-20", "day")]),
        ("Voting takes place on Sunday, March 6.", [("2022-03-06", "day")]),
        ("Troops will stay from 13 to 19 January.",
         [("2022-01-13", "day"), ("2022-01-19", "day")]),
        ("Troops stayed from 20 to 24 December.",
         [("2021-12-20", "day"), ("2021-12-24", "day")]),
        ("The window runs until mid-February.", [("2022-02-01", "month")]),
        ("The archive was opened on 2021-05-04.", [("2021-05-04", "day")]),
        ("Results are expected in March.", [("2022-03-01", "month")]),
        ("The reserve will play Westfield United on 22 January.", [("2022-01-22", "day")]),
        # A hyphenated "-ed" word is an adjective, not a past tense that sends February back.
        ("Seals give birth from late January into February, and the white-coated pups can "
         "swim after weeks.", [("2022-01-01", "month"), ("2022-02-01", "month")]),
        # The future tense speaks from publication, not from the year the sentence began with.
        ("The system was bought in 2009, and its supplier will stop updating it in June.",
         [("2009-01-01", "year"), ("2022-06-01", "month")]),
        ("The system was bought in 2009, and its supplier will stop on 3 June.",
         [("2009-01-01", "year"), ("2022-06-03", "day")]),
        ("In August 2020 the council said it would finish in September.",
         [("2020-08-01", "month"), ("2020-09-01", "month")]),
    ],
)
def test_month_names(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The vote was in 2020.", [("2020-01-01", "year")]),
        ("Memories of the 2020 election linger.", [("2020-01-01", "year")]),
        ("The pact, signed in 2015, expires in 2030.",
         [("2015-01-01", "year"), ("2030-01-01", "year")]),
        ("It ran between 2014 and 2016.", [("2014-01-01", "year"), ("2016-01-01", "year")]),
        ("Music of the 1990s filled the hall.", [("1990-01-01", "decade")]),
        ("Music of the '90s filled the hall.", [("1990-01-01", "decade")]),
        ("Music of the ’60s filled the hall.", [("1960-01-01", "decade")]),
        ("It happened in the early 2000s.", [("2000-01-01", "decade")]),
    ],
)
def test_years_and_decades(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The fire began on Tuesday; two days later it was out.",
         [("2022-01-04", "day"), ("2022-01-06", "day")]),
        ("The fire began on Tuesday. A day later it was out.",
         [("2022-01-04", "day"), ("2022-01-05", "day")]),
        ("Talks opened on 3 January and ended three weeks later.",
         [("2022-01-03", "day"), ("2022-01-24", "week")]),
        ("The storm hit on Wednesday and the next day the river rose.",
         [("2022-01-05", "day"), ("2022-01-06", "day")]),
        ("The storm hit on Wednesday. The following day the river rose.",
         [("2022-01-05", "day"), ("2022-01-06", "day")]),
        ("Two days later the river rose.", []),  # nothing before it to count from
        ("The law passed in 2019; two days later it was challenged.", [("2019-01-01", "year")]),
    ],
)
def test_relative_to_the_event_before(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Prices may rise again, the bank warned.",
        "We think the plan is sound.",
        "The march on the square was peaceful.",
        "Protesters may march on parliament.",
        "The Sun published the letter.",
        "The Sunday Times published the letter.",
        "Crowds gather on Sundays.",
        "Easter Sunday traditions vary.",
        "The hall holds 2020 people.",
        "Police counted 2020 protesters.",
        "The repair cost $2,000.",
        "The repair cost $2020.",
        "The shuttle leaves at 10:30.",
        "The shuttle leaves at 20:20.",
        "Install version 2020 of the tool.",
        "Install release 2021.2 of the tool.",
        "Profits rose 2020% in a decade.",
        "Over the next year the plan will be reviewed.",
        "The rally was covered by USA Today.",
        "Temperatures climbed into the 90s.",
        "Nearly 1990 ballots were spoiled.",
        "She quoted Article 2019 of the code.",
        "The club meets on the first Friday of every month.",
        "The dust comes from an object called 2003 EH1.",
    ],
)
def test_false_positive_traps(text: str) -> None:
    assert found(text) == []


def test_a_month_without_a_year_follows_the_story_year() -> None:
    """"In August 2020 ... in September" is September 2020, even read in January 2022."""
    text = "The vote was held in August 2020. A large loan followed in September."
    assert found(text) == [("2020-08-01", "month"), ("2020-09-01", "month")]
    later = "The vote was held in August 2020. Nothing changed. Talks resumed in September."
    assert found(later)[-1] == ("2021-09-01", "month")  # two sentences on: the story moved


# ---------------------------------------------------------------------------------------------
# Sentences, snippets, positions


def test_sentences_do_not_split_at_abbreviations() -> None:
    text = ("Mr. Lee met U.S. envoys on Jan. 6 in Geneva. Dr. Ruiz left at 5 p.m. "
            "The next day, Gen. Ortiz arrived.\nA new paragraph starts here.")
    pieces = [text[start:end] for start, end in sentence_spans(text)]
    assert pieces == [
        "Mr. Lee met U.S. envoys on Jan. 6 in Geneva.",
        "Dr. Ruiz left at 5 p.m.",
        "The next day, Gen. Ortiz arrived.",
        "A new paragraph starts here.",
    ]


def test_events_carry_sentence_position_and_short_text() -> None:
    first = "The plan was drafted in 2019."
    second = ("On Sunday, " + "a very long clause about the many details of the plan " * 4
              + "was published.")
    text = first + " " + second
    result = events(text, REF)
    assert [(e.date, e.granularity) for e in result] == [
        (date(2019, 1, 1), "year"), (date(2022, 1, 9), "day")]
    assert result[0].position == 0 and result[0].text == first
    assert result[1].position == len(first) + 1
    assert result[1].text.endswith("…") and len(result[1].text) <= 121
    assert second.startswith(result[1].text[:-1])
    assert [e.position for e in result] == sorted(e.position for e in result)


def test_several_events_in_one_sentence_and_datetime_reference() -> None:
    published = datetime(2022, 1, 10, 18, 30, tzinfo=timezone.utc)
    text = "The pact signed on December 12, 2015 was renewed on Friday and expires in 2030."
    assert [(e.date.isoformat(), e.granularity) for e in events(text, published)] == [
        ("2015-12-12", "day"), ("2022-01-07", "day"), ("2030-01-01", "year")]


def test_empty_and_dateless_text() -> None:
    assert events("", REF) == []
    assert events("   \n\n ", REF) == []
    assert events("Nothing here has a date in it at all.", REF) == []


def test_hostile_text_does_not_raise() -> None:
    nasty = "\x00\u202e" + "Jan. " * 500 + "31 February 2021 and 2020-02-30 " + "1" * 5000
    events(nasty, REF)
    assert events("On 31 February 2021 nothing happened.", REF) == []


WORDS = st.sampled_from(
    "on in last next this the a two days weeks ago later Monday Sunday May may March January "
    "Jan. 6 2020 1990s '90s yesterday tomorrow week month year . , ; \n 31 29 February "
    "will was said $ % : - mid- following day same that".split()
)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(WORDS | st.text(max_size=8), max_size=40),
    published=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
)
def test_any_text_and_date_give_sorted_events_without_raising(
    words: list[str], published: date
) -> None:
    text = " ".join(words)
    result = events(text, published)
    assert [e.position for e in result] == sorted(e.position for e in result)
    for event in result:
        assert 0 <= event.position < len(text)
        assert event.granularity in GRANULARITY_ORDER
        assert len(event.text) <= 121


# ---------------------------------------------------------------------------------------------
# Speed


def _long_article(words: int = 5000) -> str:
    paragraphs = [text for _, text, _ in OWN_SENTENCES]
    filler = ("The committee discussed the report at length, and several members raised "
              "questions about the cost of the programme and the delays in its delivery.")
    out: list[str] = []
    count = 0
    index = 0
    while count < words:
        paragraph = f"{paragraphs[index % len(paragraphs)]} {filler}"
        out.append(paragraph)
        count += len(paragraph.split())
        index += 1
    return "\n\n".join(out)


def test_five_thousand_words_under_twenty_ms() -> None:
    text = _long_article()
    assert len(text.split()) >= 5000
    events(text, REF)  # warm up
    best = min(_timed(text) for _ in range(5))
    print(f"\nevents() on {len(text.split())} words ({len(text)} chars): {best * 1000:.2f} ms")
    assert best < 0.020


def _timed(text: str) -> float:
    # The CPU this process spent, not the wall clock: on a machine shared with other work
    # the wall clock measured the neighbours (30-37 ms for ~11 ms of CPU).
    start = time.process_time()
    events(text, REF)
    return time.process_time() - start


def test_a_day_glossed_by_a_date_in_brackets_is_one_event() -> None:
    ref = date(2019, 11, 21)
    assert found("The study was published online today (Nov. 18) in a journal.", ref) == [
        ("2019-11-18", "day")]
    assert found("It rained today. Nov. 18 was dry.", ref) == [
        ("2019-11-21", "day"), ("2019-11-18", "day")]


# ---------------------------------------------------------------------------------------------
# Issue 17: the forms text written by others uses (reference: Monday 10 January 2022)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("The law takes effect on 06/01/2022.", "en-US", [("2022-06-01", "day")]),
        ("The ruling was published on 06/01/2022.", "en-GB", [("2022-01-06", "day")]),
        ("The ruling was published on 06/01/2022.", "de", [("2022-01-06", "day")]),
        ("The ruling was published on 06/01/2022.", "fr-FR", [("2022-01-06", "day")]),
        # Plausibility: what was published on 10 January 2022 was not published in June.
        ("The ruling was published on 06/01/2022.", "en-US", []),
        ("The ruling was published on 06/01/2022.", None, [("2022-01-06", "day")]),
        ("The ruling was published on 06/01/2022.", "en", [("2022-01-06", "day")]),
        ("The ruling was published on 06/01/2022.", "en-CA", [("2022-01-06", "day")]),
        ("The law takes effect on 06/01/2022.", None, [("2022-06-01", "day")]),
        ("The law took effect on 01/03/2021.", None, []),  # both readings are in the past
        ("Deadline: 06/01/2022.", None, []),  # no tense: two readings, no guess
        ("Deadline: 06/01/2022.", "en-GB", [("2022-01-06", "day")]),
        ("The deadline passed on 31/01/2021.", None, [("2021-01-31", "day")]),
        ("The film opens 10/21/2023 nationwide.", None, [("2023-10-21", "day")]),
        ("The deadline passed on 31.01.2021.", None, [("2021-01-31", "day")]),
        ("Version 1/2/2022 of the file.", None, []),
    ],
)
def test_numeric_dates_by_language_plausibility_or_none(
    text: str, language: str | None, expected: list[tuple[str, str]]
) -> None:
    assert [(e.date.isoformat(), e.granularity)
            for e in events(text, REF, language=language)] == expected


def test_numeric_dates_without_a_publication_date() -> None:
    """No anchor, no plausibility: only an order the numbers or the language settle."""
    text = "The ruling was published on 06/01/2022."
    assert [e.date.isoformat() for e in events(text, None, language="en-GB")] == ["2022-01-06"]
    assert events(text, None) == []
    assert [e.date.isoformat() for e in events("It ended on 31/01/2021.", None)] == [
        "2021-01-31"]


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("en-us", "en-US"), ("en_GB", "en-GB"), (" EN ", "en"), ("de", "de"),
     ("zh-Hant-TW", "zh-Hant-TW"), ("", None), (None, None), ("english", None),
     ("en-US; DROP TABLE", None), ("e", None), (42, None), ("en-\u202eUS", None)],
)
def test_language_tag_normalises_what_feeds_declare(raw: object, tag: str | None) -> None:
    assert language_tag(raw) == tag


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The vote took place on Wed., officials said.", [("2022-01-05", "day")]),
        ("Police were called on Sat. Jan. 8 at noon.", [("2022-01-08", "day")]),
        ("The Sun. The Times.", []),
        ("The payment arrived on the 3rd.", [("2022-01-03", "day")]),
        ("The payment is due on the 20th.", [("2022-01-20", "day")]),
        ("She sat on the 3rd floor.", []),
        ("Talks broke down over the weekend.", [("2022-01-08", "weekend")]),
        ("Talks broke down this past weekend.", [("2022-01-08", "weekend")]),
        ("A deal is expected by the weekend.", [("2022-01-15", "weekend")]),
        ("Prizes go to the artists in the last weekend of the festival.", []),
        ("Prices rose last summer.", [("2021-06-01", "season")]),
        ("The plant will reopen this winter.", [("2021-12-01", "season")]),
        ("No one had seen them since the summer of 2007.", [("2007-06-01", "season")]),
        ("The car goes on sale in summer 2023.", [("2023-06-01", "season")]),
        ("Autumn Calabrese wrote the plan.", []),
        ("The Winter Games open soon.", []),
        ("Even if you spring for the wheels, it is heavy.", []),
        ("Sales rose 4% in the third quarter, the company said in its results.",
         [("2021-07-01", "quarter")]),
        ("He scored 20 points in the third quarter.", []),
        ("The board will decide in two weeks.", [("2022-01-24", "week")]),
        ("The shop sold 500 copies in two weeks.", []),  # a duration
        ("The court sits again the day after tomorrow.", [("2022-01-12", "day")]),
        ("The fund will be spent by the end of the month.", [("2022-01-01", "month")]),
        ("The fund will be spent by the end of the year.", [("2022-12-01", "month")]),
        ("The festival runs between 21 and 25 June.",
         [("2022-06-21", "day"), ("2022-06-25", "day")]),
        ("The album is out Monday.", [("2022-01-10", "day")]),
        ("The summit is set for the week of 18 Jan.", [("2022-01-17", "week")]),
        ("The talks are set for Jan. 5.", [("2023-01-05", "day")]),
        ("When Apple announced it less than 10 years ago, few cared.", []),
    ],
)
def test_issue_17_forms(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_a_weekday_equal_to_publication_weekday_is_that_day() -> None:
    assert found("Lawmakers prepared for Thursday's vote.", date(2022, 1, 13)) == [
        ("2022-01-13", "day")]
    assert found("The report came out last Thursday.", date(2022, 1, 13)) == [
        ("2022-01-06", "day")]


def test_year_anchoring_past_month_belongs_to_publication_not_to_an_old_year() -> None:
    text = ("In 2012 he took refuge in the embassy. The 48-year-old was evicted in April and "
            "jailed.")
    assert found(text, date(2019, 11, 19)) == [("2012-01-01", "year"), ("2019-04-01", "month")]
    text = "He saw his doctor in November 2016. But by December he was worse."
    assert found(text, date(2019, 11, 18)) == [("2016-11-01", "month"), ("2016-12-01", "month")]


def test_no_publication_date_no_relative_dates() -> None:
    """An undated item is never resolved against the day it was fetched."""
    text = ("On Wednesday the minister resigned. Two days later the cabinet met. "
            "The treaty was signed on 12 March 2015; it was renewed in 2019.")
    assert [(e.date.isoformat(), e.granularity) for e in events(text, None)] == [
        ("2015-03-12", "day"), ("2019-01-01", "year")]


@pytest.mark.parametrize(
    "text",
    [
        "By Ruben Schade in Sydney, 2023-01-10",
        "Updated: 18 November 2019",
        "WeWork's 2025 bond fell to 60 cents.",
        "Windows Server 2019 is installed.",
        "More information: G. Petit et al. Hibernation and Torpor (2018).",
        "It still leaves her angry today.",
        "Most of today's origami is modern.",
    ],
)
def test_issue_17_noise_is_not_an_event(text: str) -> None:
    assert found(text) == []


def test_today_for_a_day_still_counts() -> None:
    assert found("Shop the rest of today's sale right here.") == [("2022-01-10", "day")]
    assert found("The decision by prosecutors today ends the case.") == [("2022-01-10", "day")]


# ---------------------------------------------------------------------------------------------
# Issue 17: text written by others (tests/eval), with floors on the held-out split

HELDOUT_F1_FLOOR = 0.88
HELDOUT_PRECISION_FLOOR = 0.86
DEV_F1_FLOOR = 0.93
# The fresh held-out set (mozilla/readability pages, labelled before any run): 0.889 / 0.847
# when it was first scored.
READABILITY_F1_FLOOR = 0.86
READABILITY_PRECISION_FLOOR = 0.82


def test_labelled_sentences_of_others_per_split() -> None:
    from tests.eval.timeline_score import SPLITS, load, score

    results = {name: score(load(path)) for name, path in SPLITS.items()}
    for name, result in results.items():
        print(f"\n{result.line(name, len(load(SPLITS[name])))}")
    heldout = results["heldout"]
    assert heldout.tp + heldout.fn >= 80 and results["dev"].tp + results["dev"].fn >= 120
    assert heldout.f1 >= HELDOUT_F1_FLOOR, "\n".join(heldout.errors)
    assert heldout.precision >= HELDOUT_PRECISION_FLOOR, "\n".join(heldout.errors)
    assert results["dev"].f1 >= DEV_F1_FLOOR, "\n".join(results["dev"].errors)
    fresh = results["readability"]
    assert fresh.tp + fresh.fn >= 70
    assert fresh.f1 >= READABILITY_F1_FLOOR
    assert fresh.precision >= READABILITY_PRECISION_FLOOR


def test_an_undated_text_lists_what_only_its_date_could_date() -> None:
    """Issue 17: no date, no anchor. "on Wednesday" is undated (one row per sentence), what
    carries its year is dated as before, and traps stay traps without a date too."""
    text = ("On Wednesday the minister resigned, a week after the vote last month. "
            "The treaty was signed on 12 March 2015, on a Thursday. "
            "You may want to read it. "
            "By Jo Bloggs, 2023-01-10.")
    assert [(e.date.isoformat(), e.granularity) for e in events(text, None)] == [
        ("2015-03-12", "day")]
    undated = undated_events(text)
    assert [e.text for e in undated] == [
        "On Wednesday the minister resigned, a week after the vote last month."]
    assert undated[0].position == 0
    assert undated_events("") == [] and undated_events("Nothing dated here.") == []
    # With a date, nothing is undated: events() dates it all.
    assert events(text, REF)[0].date == date(2022, 1, 5)


def test_a_model_year_before_a_name_is_no_event() -> None:
    """ "the 2020 Sentra" is a car; "the 2019 Auto Show" an event (issue 17, tests/eval dev)."""
    assert found("Safety features are standard on the 2020 Sentra.") == []
    assert found("We get that the 2016 MacBook Pro keyboard is polarizing.") == []
    assert found("It was shown at the 2019 Auto Show in Los Angeles.") == [("2019-01-01", "year")]
    assert found("He was drafted in the 2017 NFL Draft.") == [("2017-01-01", "year")]
    assert found("Prices fell in 2016 after the crash.") == [("2016-01-01", "year")]


def test_years_ago_today_is_one_day() -> None:
    assert found("Ten years ago today, the first post went up (the announcement 2 days "
                 "later).") == [("2012-01-10", "day"), ("2012-01-12", "day")]


def test_a_weekday_gives_the_bracketed_date_its_year() -> None:
    """ "Monday night (Nov. 18)" in a piece of 19 Nov 2019: that Monday, not Nov. 18, 2020."""
    text = "Simmons teased the tour during the band's set Monday night (Nov. 18) in Nashville."
    assert [(e.date.isoformat(), e.granularity) for e in events(text, date(2019, 11, 19))] == [
        ("2019-11-18", "day")]
