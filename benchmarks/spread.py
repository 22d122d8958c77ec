"""Figures over rounds: the median and the min-max, and verdicts that hold in every round or say so.

A shared machine makes every wall-clock figure bimodal; keeping the best round (as ``timeit`` does)
turns that into a verdict that flips from run to run. So a figure is reported as its median with
the range of the rounds beside it, and a target is judged round by round: "pass" when every round
meets it, "FAIL" when none does, "inconclusive" when the rounds disagree (the spread straddles it).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    rounds: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread | None:
        found = [float(value) for value in values]
        if not found:
            return None
        return cls(statistics.median(found), min(found), max(found), len(found))

    def format(self, digits: int = 1) -> str:
        middle = f"{self.median:.{digits}f}"
        if self.rounds < 2 or f"{self.low:.{digits}f}" == f"{self.high:.{digits}f}":
            return middle
        return f"{middle} ({self.low:.{digits}f}-{self.high:.{digits}f})"

    def as_dict(self) -> dict[str, float | int]:
        return {"median": self.median, "min": self.low, "max": self.high, "rounds": self.rounds}


def verdict(per_round: Iterable[bool | None]) -> str:
    """ "pass", "FAIL", "inconclusive" (rounds disagree) or "n/a" (no round could be judged)."""
    judged = [outcome for outcome in per_round if outcome is not None]
    if not judged:
        return "n/a"
    if all(judged):
        return "pass"
    if not any(judged):
        return "FAIL"
    return "inconclusive"
