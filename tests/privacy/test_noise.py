"""The noise matches the epsilon charged (OpenDP's privacy map, and the draws themselves), and
a reconstruction attack over a simulated year of releases learns no more than epsilon allows."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from tests.privacy.helpers import P1, Known, guard, install, people, tree

import upwell.aggregate.mechanism as m
from upwell.aggregate.guard import release_epsilon
from upwell.aggregate.mechanism import (
    RESOLUTION,
    PrivacyMapError,
    _calibrate,
    _count_measurement,
    expected_half_width,
    fixed_point,
    interval,
    mean_mechanism,
    release_mean,
)
from upwell.aggregate.metrics import DEFAULT_METRICS, METRICS
from upwell.aggregate.policy import Policy
from upwell.aggregate.tree import Node as TreeNode
from upwell.aggregate.tree import PeriodTree
from upwell.store.db import Store

DEFAULT_RELEASE_EPS = 1.0 / (len(DEFAULT_METRICS) * 3)  # default policy, org -> department -> team


@pytest.mark.parametrize("eps", [DEFAULT_RELEASE_EPS, 0.25, 1.0, 3.0])
@pytest.mark.parametrize("metric", [*sorted(DEFAULT_METRICS), "useful_unanswered_asks"])
def test_privacy_map_equals_the_charged_epsilon(metric: str, eps: float) -> None:
    spec = METRICS[metric]
    mech = mean_mechanism(spec.low, spec.high, eps)
    loss = mech.measurement.map(1)  # one member added or removed
    assert loss <= eps
    # Tight: the same noise checked against 0.9999 x epsilon fails the check.
    assert not loss <= 0.9999 * eps
    # Any less noise (a scale calibrated for epsilon / 0.9999) would exceed the charge.
    scale, looser = _calibrate(_count_measurement, 1, eps / 2 / 0.9999)
    assert scale < mech.scale_count
    assert looser.map(1) > eps / 2


def test_a_measurement_over_its_epsilon_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    mean_mechanism.cache_clear()
    real = m._calibrate
    monkeypatch.setattr(m, "_calibrate", lambda make, sens, eps: real(make, sens, eps * 1.01))
    with pytest.raises(PrivacyMapError):
        mean_mechanism(0, 100, 0.5)
    mean_mechanism.cache_clear()


def test_draws_follow_the_scale() -> None:
    """The noise really drawn has the spread its scale promises (mean |noise| ~ scale)."""
    mech = mean_mechanism(0, 10, 0.5)
    data = fixed_point([3.0] * 20, 0, 10)
    draws = [mech.measurement(data) for _ in range(3000)]
    sum_dev = statistics.fmean(abs(s - sum(data)) for s, _c in draws)
    count_dev = statistics.fmean(abs(c - 20) for _s, c in draws)
    assert sum_dev == pytest.approx(mech.scale_sum, rel=0.1)
    assert count_dev == pytest.approx(mech.scale_count, rel=0.1)


def test_interval_shrinks_with_group_size() -> None:
    spec = METRICS["after_hours"]
    small = expected_half_width(10, spec.low, spec.high, 1.0)
    large = expected_half_width(50, spec.low, spec.high, 1.0)
    huge = expected_half_width(1000, spec.low, spec.high, 1.0)
    assert huge < large < small <= spec.high - spec.low
    # A 95 % interval misses the truth one draw in twenty: judge its coverage over 400 draws
    # (below 90 % by chance: under one in a hundred thousand), not one draw.
    draws = [release_mean([50.0] * 1000, spec.low, spec.high, 1.0) for _ in range(400)]
    covered = sum(abs(d.value - 50.0) <= d.half_width for d in draws) / len(draws)
    assert covered >= 0.9, covered


def test_interval_is_never_empty() -> None:
    """A draw far below zero (or above the range) still gets an honest interval."""
    mech = mean_mechanism(0, 100, 1.0)
    for noisy_sum in (-10_000_000.0, -1.0, 0.0, 10_000_000.0):
        value, half = interval(mech, 0, noisy_sum, 500.0)
        assert 0 <= value <= 100
        assert half > 0


def _year_release_epsilon(store: Store) -> float:
    """A year (13 periods of 28 days) for a ten-person team under the default policy, through
    the guard: the epsilon of each release as the ledger charges it."""
    org, acc = people(store, "year", 10)
    install(store, org, P1, tree([("org", None, "org"), ("dept", "org", "department"),
                                  ("team", "dept", "team")], dict.fromkeys(acc, "team")))
    g = guard(store, org, Known({a: dict.fromkeys(METRICS, 1.0) for a in acc.values()}),
              metrics=DEFAULT_METRICS, k=10)
    assert g.release(P1, "org", "after_hours").released
    charged = g.charges(P1)["org"]
    assert charged == pytest.approx(DEFAULT_RELEASE_EPS)
    return charged


def _attack(eps: float, trials: int, rng: random.Random) -> float:
    """The attacker knows the other nine members' values in every period and whether the
    target is one of two people: one who never works after hours (0 %) or one who always
    does (100 %). From the year's thirteen released means, they guess by likelihood. Returns
    the share of correct guesses."""
    spec = METRICS["after_hours"]
    right = 0
    for _ in range(trials):
        target_high = rng.random() < 0.5
        score = 0.0
        for _period in range(13):
            others = [rng.uniform(0, 60) for _ in range(9)]
            target = spec.high if target_high else spec.low
            released = release_mean([*others, target], spec.low, spec.high, eps).value
            low_mean = (sum(others) + spec.low) / 10
            high_mean = (sum(others) + spec.high) / 10
            score += abs(released - low_mean) - abs(released - high_mean)
        right += (score > 0) == target_high
    return right / trials


def test_reconstruction_attack_over_a_year_is_bounded_by_epsilon(store: Store) -> None:
    eps = _year_release_epsilon(store)
    year_eps = 13 * eps  # the target's loss for this metric and group over the year
    bound = math.exp(year_eps) / (1 + math.exp(year_eps))  # best possible guessing accuracy
    rng = random.Random(20260112)
    trials = 600
    accuracy = _attack(eps, trials, rng)
    slack = 4 * math.sqrt(bound * (1 - bound) / trials)
    assert accuracy <= bound + slack, (accuracy, bound)
    # The attack is real: with (almost) no noise it recovers the target every time.
    assert _attack(50.0, 60, rng) >= 0.95


def test_release_epsilon_fits_every_path() -> None:
    nodes = {"o": TreeNode("o", None, "O", "org"), "d": TreeNode("d", "o", "D", "department"),
             "t": TreeNode("t", "d", "T", "team")}
    t = PeriodTree(nodes, {})
    p = Policy(DEFAULT_METRICS, 10, 1.0, 28)
    assert release_epsilon(p, t) * len(DEFAULT_METRICS) * 3 == pytest.approx(1.0)
    assert RESOLUTION == 100
