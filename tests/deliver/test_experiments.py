"""Before/after intervals from the member's own days: they contain a planted change and
exclude no change when the change is clear; they include no change when nothing changed."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from upwell.analyze.stream import WorkProfile
from upwell.insights.board import Period, change
from upwell.insights.experiments import bootstrap_difference
from upwell.store.member_view import MemberView, MessageView

START = date(2024, 3, 1)


def _view(per_day_before: float, per_day_during: float, seed: int) -> MemberView:
    """A member who sends about ``per_day_before`` messages a day for eight weeks, then about
    ``per_day_during`` a day for three weeks (uniform counts around the mean)."""
    rng = random.Random(seed)
    msgs = []
    day = START - timedelta(days=56)
    while day < START + timedelta(days=21):
        mean = per_day_before if day < START else per_day_during
        for i in range(rng.randint(round(mean) - 2, round(mean) + 2)):
            t = datetime(day.year, day.month, day.day, 10, tzinfo=UTC) + timedelta(minutes=i)
            msgs.append(MessageView(f"{day}-{i}", t, 0, "email", "me", ("you",), (), None, "",
                                    {}))
        day += timedelta(days=1)
    return MemberView(me={"me"}, names={}, messages=msgs, events=[])


def test_a_clear_planted_change_is_inside_an_interval_that_excludes_zero() -> None:
    view = _view(6, 2, seed=3)
    profile = WorkProfile(ZoneInfo("UTC"))
    got = change(view, profile, Period("experiment-1", "sent", START,
                                       START + timedelta(days=20)))
    assert got is not None
    true_change = (2 - 6) * 7  # messages a week
    assert got["per_week"] is True
    assert got["low"] <= true_change <= got["high"], got
    assert got["high"] < 0
    assert got["clear"] is True
    assert got["n_before"] == 56
    assert 15 <= got["n_after"] <= 21  # up to the member's latest day with data
    assert abs(got["difference"] - true_change) < 4


def test_no_change_gives_an_interval_around_zero() -> None:
    view = _view(5, 5, seed=4)
    got = change(view, WorkProfile(ZoneInfo("UTC")),
                 Period("goal-1", "sent", START, date(9999, 12, 31)))
    assert got is not None
    assert got["low"] <= 0 <= got["high"]
    assert got["clear"] is False


def test_interval_edges() -> None:
    few = bootstrap_difference([1.0, 2.0], [3.0])
    assert (few.low, few.high, few.clear) == (None, None, False)
    assert few.difference == 1.5
    same = bootstrap_difference([1.0] * 10, [1.0] * 10)
    assert (same.low, same.high) == (0.0, 0.0)
    view = _view(5, 5, seed=1)
    profile = WorkProfile(ZoneInfo("UTC"))
    later = START + timedelta(days=400)
    assert change(view, profile, Period("x", "sent", later, later)) is None  # not begun
    assert change(view, profile, Period("x", "no_such_metric", START, START)) is None
    rate = change(view, profile, Period("x", "after_hours_pct", START, START + timedelta(days=9)))
    assert rate is not None
    assert rate["per_week"] is False
    assert rate["unit"] == "%"
