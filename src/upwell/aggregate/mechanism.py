"""The noise: a bounded mean released as an OpenDP noisy sum and noisy count.

Reads: one clipped value per contributing member. Writes: nothing (returns the noisy numbers).
Each member gives at most one value, so a member joining or leaving changes the input by one
row (symmetric distance 1). Values are clipped to the metric's ``[low, high]`` (inside the
OpenDP chain too, after shifting to ``[0, high - low]`` in fixed point), summed with discrete
Laplace noise; the number of contributors gets its own discrete Laplace noise; half of the
release's epsilon goes to each. The privacy map of the composed measurement is checked against
the epsilon charged before anything is drawn. The mean is the noisy sum over the noisy count,
and its 95 % interval follows from the two noise scales alone (post-processing: free).
See docs/privacy-aggregates.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from typing import Any

import opendp.prelude as dp

dp.enable_features("contrib")

#: Fixed point: values are released in hundredths of the metric's unit.
RESOLUTION = 100
#: The interval shown beside a released value holds the true mean with this probability.
CONFIDENCE = 0.95


def _opendp_version() -> str:
    try:
        return version("opendp")
    except Exception:  # pragma: no cover - metadata is always there for an installed wheel
        return "?"


MECHANISM = f"discrete Laplace sum + count (OpenDP {_opendp_version()})"


class PrivacyMapError(RuntimeError):
    """The measurement's privacy map exceeds the epsilon charged: nothing may be released."""


@dataclass(frozen=True, slots=True)
class MeanMechanism:
    """The measurement for one release: its epsilon, its two noise scales (fixed-point units)
    and the OpenDP measurement itself (input: a list of shifted fixed-point values)."""

    span: float
    epsilon: float
    scale_sum: float
    scale_count: float
    measurement: Any

    def privacy_loss(self) -> float:
        """The OpenDP privacy map at one member added or removed."""
        return float(self.measurement.map(1))


def _space() -> Any:
    return dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance()


def _sum_measurement(width: int, scale: float) -> Any:
    summed = dp.t.then_sum()  # type: ignore[no-untyped-call]  # OpenDP leaves it untyped
    return _space() >> dp.t.then_clamp((0, width)) >> summed >> dp.m.then_laplace(scale=scale)


def _count_measurement(scale: float) -> Any:
    return dp.t.make_count(*_space()) >> dp.m.then_laplace(scale=scale)


def _calibrate(make: Any, sensitivity: float, epsilon: float) -> tuple[float, Any]:
    """The smallest scale (from ``sensitivity / epsilon`` up, float step by float step) whose
    measurement's privacy map is at most ``epsilon``."""
    scale = sensitivity / epsilon
    meas = make(scale)
    for _ in range(64):
        if meas.map(1) <= epsilon:
            return scale, meas
        scale = math.nextafter(scale, math.inf)
        meas = make(scale)
    raise PrivacyMapError("E501 no noise scale meets the epsilon: check the policy")


@lru_cache(maxsize=256)
def mean_mechanism(low: float, high: float, epsilon: float) -> MeanMechanism:
    """The measurement for a mean of values in ``[low, high]`` at ``epsilon`` (half to the
    noisy sum, half to the noisy count), checked against its own privacy map."""
    if not (high > low and epsilon > 0):
        raise ValueError("a mean needs high > low and epsilon > 0")
    width = round((high - low) * RESOLUTION)
    half = epsilon / 2
    scale_sum, m_sum = _calibrate(lambda s: _sum_measurement(width, s), width, half)
    scale_count, m_count = _calibrate(_count_measurement, 1, half)
    meas = dp.c.make_composition([m_sum, m_count])
    mech = MeanMechanism(high - low, epsilon, scale_sum, scale_count, meas)
    if mech.privacy_loss() > epsilon:
        raise PrivacyMapError("E501 the composed measurement exceeds its epsilon")
    return mech


def fixed_point(values: list[float], low: float, high: float) -> list[int]:
    """Each member's value clipped to ``[low, high]``, shifted to start at 0, in fixed point."""
    width = round((high - low) * RESOLUTION)
    return [min(width, max(0, round((v - low) * RESOLUTION))) for v in values]


@dataclass(frozen=True, slots=True)
class NoisyMean:
    value: float
    half_width: float
    noisy_count: int


def accuracy(scale: float, alpha: float) -> float:
    """Half-width that discrete Laplace noise at ``scale`` stays within with prob. 1 - alpha."""
    return float(dp.discrete_laplacian_scale_to_accuracy(scale, alpha))


def interval(mech: MeanMechanism, low: float, noisy_sum: float, noisy_count: float
             ) -> tuple[float, float]:
    """The released mean and the half-width of its 95 % interval: with probability at least
    0.95 both noises are inside their accuracy (0.025 each), so the true mean lies between
    (sum - a_s) / (count + a_c) and (sum + a_s) / (count - a_c); the half-width is the larger
    side, capped at the metric's range (the whole range when the interval covers it)."""
    alpha = (1 - CONFIDENCE) / 2
    a_s = accuracy(mech.scale_sum, alpha)
    a_c = accuracy(mech.scale_count, alpha)
    span = mech.span
    width = span * RESOLUTION
    mean = min(span, max(0.0, noisy_sum / max(noisy_count, 1.0) / RESOLUTION))
    if noisy_count - a_c <= 0:
        return low + mean, span
    lo = max(0.0, noisy_sum - a_s) / (noisy_count + a_c)
    hi = min((noisy_sum + a_s) / (noisy_count - a_c), width)
    if lo <= 0 and hi >= width:  # the interval is the whole range: say so
        return low + mean, span
    # Never narrower than the sum's noise alone at the most favourable count: a draw far below
    # zero would otherwise pinch the interval to nothing.
    floor = a_s / (noisy_count + a_c) / RESOLUTION
    half = max(mean - lo / RESOLUTION, hi / RESOLUTION - mean, floor)
    return low + mean, min(span, half)


def release_mean(values: list[float], low: float, high: float, epsilon: float) -> NoisyMean:
    """Draw one release: the noisy mean of ``values`` (one per member) and its interval."""
    mech = mean_mechanism(low, high, epsilon)
    noisy_sum, noisy_count = mech.measurement(fixed_point(values, low, high))
    value, half = interval(mech, low, float(noisy_sum), float(noisy_count))
    return NoisyMean(value, half, int(noisy_count))


def expected_half_width(n: int, low: float, high: float, epsilon: float) -> float:
    """The 95 % half-width a group of ``n`` contributors can expect (noise at zero, mean in
    the middle of the range): the trade-off table of docs/privacy-aggregates.md."""
    mech = mean_mechanism(low, high, epsilon)
    mid = n * (high - low) / 2 * RESOLUTION
    return interval(mech, low, mid, float(n))[1]
