"""The metrics a member may contribute to group insights, and their one value per period.

Each metric is a registered per-member measure (:mod:`upwell.insights.measures`) with the
clip bounds and consent sources of group insights; nothing is measured here.

Reads: a member's own view (decrypted by their own key for this job alone, minus what they
excluded and minus every source they did not consent to share), their work profile, the period
window. Writes: at most one number per metric, clipped to the metric's bounds. Nothing here is
stored: the guard turns these numbers into noisy group releases in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from upwell.analyze.stream import WorkProfile, in_window, mine
from upwell.insights import catalog
from upwell.insights.measures import measures
from upwell.store.member_view import MemberView


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric: what it measures, its unit, the bounds every value is clipped to, and the
    consent sources it reads (a member shares it only with aggregate consent for one of them)."""

    id: str
    label: str
    unit: str
    low: float
    high: float
    sources: tuple[str, ...]
    managers_only: bool = False
    #: Counted per four weeks of the period (1:1 rhythm), not per week with data.
    per_4_weeks: bool = False


METRICS: dict[str, MetricSpec] = {m.id: m for m in (
    MetricSpec("recognition", "Recognition given per week", "messages", 0, 20, ("mail", "chat")),
    MetricSpec("after_hours", "Share of messages sent after hours", "%", 0, 100,
               ("mail", "chat")),
    MetricSpec("meeting_hours", "Meeting hours per week", "h", 0, 40, ("calendar",)),
    MetricSpec("focus_hours", "Focus hours per week (free stretches of 2 h or more)", "h", 0, 40,
               ("calendar",)),
    MetricSpec("reply_hours", "Median reply latency", "h", 0, 72, ("mail", "chat")),
    MetricSpec("tone", "Tone climate (mean valence of messages sent)", "", -1, 1,
               ("mail", "chat")),
    MetricSpec("one_on_ones", "1:1s per report per 4 weeks (managers)", "", 0, 8,
               ("calendar",), managers_only=True, per_4_weeks=True),
)}
#: The culture metrics: what a policy releases unless it names others.
DEFAULT_METRICS: tuple[str, ...] = tuple(METRICS)
#: How useful members found each insight type: the share of their feedback on its cards and
#: nudges (helpful / not helpful / wrong) that said helpful, in the period. Released only when
#: a policy names them (``useful_<insight type>``), and only through the guard like every other
#: metric: the organization never sees one person's feedback.
USEFULNESS_PREFIX = "useful_"
ANY_SOURCE = ("mail", "chat", "calendar")


def _usefulness_metrics() -> dict[str, MetricSpec]:
    return {USEFULNESS_PREFIX + i.id: MetricSpec(
        USEFULNESS_PREFIX + i.id, f"Found helpful: {i.title}", "%", 0, 100, ANY_SOURCE)
        for i in catalog().values()}


METRICS.update(_usefulness_metrics())


#: The message channel each consent source covers (calendar covers events).
CHANNELS = {"mail": "email", "chat": "chat"}


def clip(spec: MetricSpec, value: float) -> float:
    return min(spec.high, max(spec.low, value))


def shared_view(view: MemberView, shared: set[str]) -> MemberView:
    """The member's view restricted to the sources they agreed to share with group insights."""
    channels = {CHANNELS[s] for s in shared if s in CHANNELS}
    msgs = [m for m in view.messages if m.channel in channels]
    evts = view.events if "calendar" in shared else []
    return replace(view, messages=msgs, events=evts, derived={})


def usefulness(feedback: list[tuple[str, str, datetime]], start: datetime, end: datetime,
               metrics: list[str]) -> dict[str, float]:
    """Per ``useful_<type>`` metric asked for: the share (%) of the member's feedback on that
    insight type in ``[start, end)`` that said helpful; types without feedback give nothing."""
    out: dict[str, float] = {}
    for metric in metrics:
        if not metric.startswith(USEFULNESS_PREFIX):
            continue
        kind = metric[len(USEFULNESS_PREFIX):]
        verdicts = [v for k, v, at in feedback if k == kind and start <= at < end]
        if verdicts:
            out[metric] = clip(METRICS[metric], 100 * verdicts.count("helpful") / len(verdicts))
    return out


def contributions(view: MemberView, profile: WorkProfile, start: datetime, end: datetime,
                  *, metrics: list[str], shared: set[str],
                  feedback: Sequence[tuple[str, str, datetime]] = ()) -> dict[str, float]:
    """One clipped value per metric for the period ``[start, end)``, computed from the
    member's own data in the sources they share (and their own feedback, for the usefulness
    metrics); a metric without data for the period gives nothing. Weekly metrics are averaged
    over the weeks in which the member has data."""
    useful = usefulness(list(feedback), start, end, metrics) if shared else {}
    return {**_culture(view, profile, start, end, metrics=metrics, shared=shared), **useful}


def _culture(view: MemberView, profile: WorkProfile, start: datetime, end: datetime,
             *, metrics: list[str], shared: set[str]) -> dict[str, float]:
    view = shared_view(view, shared)
    stamps = [m.sent_at for m in view.messages] + [e.start for e in view.events]
    if not stamps:
        return {}
    lo, hi = max(start, min(stamps)), min(end, max(stamps) + timedelta(days=1))
    if hi <= lo:
        return {}
    weeks = float(max(1, len({t.isocalendar()[:2] for t in stamps if lo <= t < hi})))
    has = {"messages": any(mine(view, m) for m in in_window(view.messages, lo, hi)),
           "events": any(lo <= e.start < hi for e in view.events)}
    out: dict[str, float] = {}
    for metric in metrics:
        spec = METRICS[metric]
        found = measures().get(metric)
        if found is None or not set(spec.sources) & shared:
            continue
        if not all(has[r] for r in found.reads if r in has):
            continue
        value = found(view, profile, lo, hi)
        if value is None:
            continue
        if spec.per_4_weeks:
            value /= max(1.0, (hi - lo) / timedelta(weeks=4))
        elif found.additive:
            value /= weeks
        out[metric] = clip(spec, value)
    return out
