"""One result row per figure, and the table they print as."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Row:
    """A figure's outcome. `ours`/`baseline` are already formatted; `passed` None = not judged."""

    figure: str
    ours: str
    baseline: str
    ratio: str
    target: str
    passed: bool | None
    notes: list[str] = field(default_factory=list)
    key: str = ""  # the figure's --only name, for the table's order

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "FAIL", None: "n/a"}[self.passed]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def seconds(value: float) -> str:
    """A duration as a person reads it: ms below a second."""
    if value < 0.001:
        return f"{value * 1e6:.0f} us"
    if value < 1:
        return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def spread(values: Sequence[float]) -> str:
    """Median with the range, e.g. "1.20 s (1.10-1.41 s, n=3)"."""
    if len(values) == 1:
        return seconds(values[0])
    return (f"{seconds(median(values))} ({seconds(min(values))}-{seconds(max(values))}, "
            f"n={len(values)})")


def ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}x" if baseline > 0 else "-"


def table(rows: Sequence[Row]) -> str:
    header = ("figure", "ours", "baseline", "ratio", "target", "result")
    cells = [header] + [(r.figure, r.ours, r.baseline, r.ratio, r.target, r.verdict)
                        for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(values) for values in cells[1:]]
    notes = [(row.figure, note) for row in rows for note in row.notes]
    if notes:
        out.append("")
        out += [f"- {figure}: {note}" for figure, note in notes]
    return "\n".join(out)
