"""Before and after: how a behaviour changed over a goal or a personal experiment, with a
confidence interval from the member's own days.

Reads: a member's own view (through a per-day metric function) and profile. Writes nothing.
Each day in the member's time zone gives one value of the metric (days without a value, such as
a reply time on a day with no replies, are left out); the change is the difference of the mean
daily value during the period and in the eight weeks before it, with a 95 % percentile
bootstrap interval (plain Python, a fixed seed: the same data gives the same interval). For
metrics that add up over a week (counts, hours) the change is shown per week (x 7).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from upwell.analyze.stream import WorkProfile

BEFORE_DAYS = 56
RESAMPLES = 2000
LEVEL = 0.95
SEED = 20240101
#: Fewer days than this on either side: no interval, only the means.
MIN_DAYS = 5

DayValue = Callable[[datetime, datetime], float | None]


@dataclass(frozen=True, slots=True)
class Change:
    """The change in a metric: after minus before, with its interval (per week when additive)."""

    before: float
    after: float
    difference: float
    low: float | None
    high: float | None
    n_before: int
    n_after: int

    @property
    def clear(self) -> bool:
        """The interval excludes no change."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    def as_dict(self) -> dict[str, float | int | bool | None]:
        return {"before": self.before, "after": self.after, "difference": self.difference,
                "low": self.low, "high": self.high, "n_before": self.n_before,
                "n_after": self.n_after, "clear": self.clear}


def bootstrap_difference(before: list[float], after: list[float], *, scale: float = 1.0,
                         resamples: int = RESAMPLES, level: float = LEVEL, seed: int = SEED
                         ) -> Change:
    """Mean(after) - mean(before), scaled, with a percentile bootstrap interval."""
    b = statistics.fmean(before) if before else 0.0
    a = statistics.fmean(after) if after else 0.0
    low = high = None
    if len(before) >= MIN_DAYS and len(after) >= MIN_DAYS:
        rng = random.Random(seed)  # noqa: S311 - resampling for an interval, not secrecy
        diffs = sorted(
            statistics.fmean(rng.choices(after, k=len(after)))
            - statistics.fmean(rng.choices(before, k=len(before)))
            for _ in range(resamples))
        tail = (1 - level) / 2
        low = round(diffs[int(tail * (resamples - 1))] * scale, 2)
        high = round(diffs[int((1 - tail) * (resamples - 1))] * scale, 2)
    return Change(round(b * scale, 2), round(a * scale, 2), round((a - b) * scale, 2), low, high,
                  len(before), len(after))


def daily(profile: WorkProfile, first: date, last: date, value: DayValue) -> list[float]:
    """The metric's value for each local day from ``first`` to ``last`` inclusive."""
    out = []
    day = first
    while day <= last:
        start = datetime(day.year, day.month, day.day, tzinfo=profile.tz)
        nxt = day + timedelta(days=1)
        v = value(start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=profile.tz))
        if v is not None:
            out.append(float(v))
        day = nxt
    return out


def before_days(profile: WorkProfile, start_on: date, value: DayValue) -> list[float]:
    """The daily values of the :data:`BEFORE_DAYS` before ``start_on``."""
    return daily(profile, start_on - timedelta(days=BEFORE_DAYS), start_on - timedelta(days=1),
                 value)


def level_before(profile: WorkProfile, start_on: date, value: DayValue, *, additive: bool
                 ) -> float | None:
    """The "before" of :func:`before_after` alone: the mean daily value over the
    :data:`BEFORE_DAYS` before ``start_on`` (per week when additive). The dashboard's "your
    usual" is this, so a goal or experiment starting with the coached week shows the same
    number as its "before"."""
    days = before_days(profile, start_on, value)
    return bootstrap_difference(days, [], scale=7.0 if additive else 1.0).before if days \
        else None


def before_after(profile: WorkProfile, start_on: date, end_on: date, last_day: date,
                 value: DayValue, *, additive: bool) -> Change | None:
    """The change over ``start_on``..``end_on`` (up to ``last_day``, the member's latest data)
    against the :data:`BEFORE_DAYS` before it; ``None`` before the period has begun."""
    end = min(end_on, last_day)
    if end < start_on:
        return None
    before = before_days(profile, start_on, value)
    after = daily(profile, start_on, end, value)
    return bootstrap_difference(before, after, scale=7.0 if additive else 1.0)
