"""P/R/F1 of `feeds.timeline.events` on the labelled sentences, per split.

    python -m tests.eval.timeline_score            # dev, held-outs, ../shared/temporal
    python -m tests.eval.timeline_score --errors   # and every wrong or missed date in dev
    python -m tests.eval.timeline_score --rules-from b5718b1   # the rules of another commit

A prediction is a true positive when it is compatible with a gold value not matched yet (same
granularity; the same day, Monday-Sunday week, month, year or decade; `a|b` is either); every
other prediction is a false positive, every gold value left a false negative.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from feeds import timeline
from tests.eval.sources import shared_dir

HERE = Path(__file__).resolve().parent
# dev: tuned on. heldout: the first held-out split (Scrapinghub pages and corpus items; seen).
# readability: the fresh held-out set (mozilla/readability pages), never tuned on.
SPLITS = {"dev": HERE / "temporal_dev.json", "heldout": HERE / "temporal_heldout.json",
          "readability": HERE / "temporal_readability.json"}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

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

    def line(self, name: str, sentences: int) -> str:
        return (f"{name:<18} sentences {sentences:>3}  gold {self.tp + self.fn:>3}  "
                f"P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn})")


def _parse(value: str) -> date:
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def compatible(predicted: date, granularity: str, gold: tuple[str, str]) -> bool:
    values, gold_granularity = gold
    if granularity in ("season", "quarter") and gold_granularity == "month":
        # a season or a quarter is labelled as its months: its first month must be one
        return any((_parse(value).year, _parse(value).month) == (predicted.year, predicted.month)
                   for value in values.split("|"))
    if granularity == "weekend" and gold_granularity == "week":
        granularity = "week"  # a weekend is labelled as the week that holds it
    if granularity != gold_granularity:
        return False
    for value in values.split("|"):
        wanted = _parse(value)
        if granularity == "day" and predicted == wanted:
            return True
        if granularity == "week" and _monday(predicted) == _monday(wanted):
            return True
        if granularity == "month" and (predicted.year, predicted.month) == (
                wanted.year, wanted.month):
            return True
        if granularity == "year" and predicted.year == wanted.year:
            return True
        if granularity == "decade" and predicted.year // 10 == wanted.year // 10:
            return True
    return False


def rules_from(commit: str) -> None:
    """Score feeds/timeline.py as it was at `commit` (for the figures before a change)."""
    global timeline, _ACCEPTS_LANGUAGE
    source = subprocess.run(["git", "-C", str(HERE), "show", f"{commit}:feeds/timeline.py"],
                            check=True, capture_output=True).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "timeline_at_commit.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("timeline_at_commit", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    timeline = module  # type: ignore[assignment]
    _ACCEPTS_LANGUAGE = "language" in inspect.signature(module.events).parameters


_ACCEPTS_LANGUAGE = "language" in inspect.signature(timeline.events).parameters


def predict(row: dict) -> list[tuple[date, str]]:
    """The events of the row's sentence, read after its context (for the year and anchors)."""
    context = row.get("context") or ""
    text = f"{context}\n{row['text']}" if context else row["text"]
    offset = len(context) + 1 if context else 0
    ref = date.fromisoformat(row["ref"])
    if _ACCEPTS_LANGUAGE:
        found = timeline.events(text, ref, language=row.get("lang"))
    else:
        found = timeline.events(text, ref)
    return [(event.date, event.granularity) for event in found if event.position >= offset]


def score(rows: list[dict]) -> Score:
    total = Score()
    for row in rows:
        gold = [(value, granularity) for value, granularity in row["gold"]]
        matched = [False] * len(gold)
        for day, granularity in predict(row):
            for index, wanted in enumerate(gold):
                if not matched[index] and compatible(day, granularity, wanted):
                    matched[index] = True
                    total.tp += 1
                    break
            else:
                total.fp += 1
                total.errors.append(f"FP {row['id']} ref {row['ref']}: {day} {granularity}"
                                    f" | {row['text'][:150]}")
        for index, wanted in enumerate(gold):
            if not matched[index]:
                total.fn += 1
                total.errors.append(f"FN {row['id']} ref {row['ref']}: {wanted[0]} {wanted[1]}"
                                    f" | {row['text'][:150]}")
    return total


def load(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def shared_rows() -> list[dict] | None:
    root = shared_dir()
    path = root / "temporal" / "dev_sentences.json" if root else None
    return load(path) if path and path.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list dev errors")
    parser.add_argument("--rules-from", metavar="COMMIT", help="score that commit's rules")
    args = parser.parse_args()
    if args.rules_from:
        rules_from(args.rules_from)
    sets = {name: load(path) for name, path in SPLITS.items()}
    shared = shared_rows()
    if shared is not None:
        sets["shared/temporal"] = shared
    for name, rows in sets.items():
        result = score(rows)
        print(result.line(name, len(rows)))
        if args.errors and name == "dev":
            print("\n".join("    " + line for line in result.errors))


if __name__ == "__main__":
    main()
