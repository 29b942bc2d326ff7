"""The registry of per-member measures: each one defined once, under a versioned name.

A measure is a function of the member's own view, their work profile and a window
``[start, end)`` that returns one number (or ``None`` without data), registered with
:func:`measure` the way analyzers are (:mod:`upwell.analyze.registry`): a versioned name
(``meeting_hours.v1``), what it reads (the stored analyzers it needs, and ``"messages"`` /
``"events"``), and whether it adds up over days. The dashboard's trends, goals and experiments,
the cards' figures and the group contributions (:mod:`upwell.aggregate.metrics`) all call the
same registered function; the dashboard keeps only its labels and the aggregate only its clip
bounds. See docs/insights.md.

Reads: a member's own view. Writes nothing.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from upwell.analyze.names import GRATITUDE, HARSH, TONE, feature
from upwell.analyze.stream import (
    WorkProfile,
    after_hours,
    attended,
    everything,
    harsh,
    in_window,
    meeting_load,
    mine,
    one_on_ones_per_report,
    reply_latencies,
    thanks,
)
from upwell.registry import Registry, Versioned, versioned
from upwell.store.member_view import EventView, MemberView, MessageView

MeasureFn = Callable[[MemberView, WorkProfile, datetime, datetime], float | None]

#: What a measure may read besides stored analyzer features.
STREAMS = ("messages", "events")


@dataclass(frozen=True, slots=True)
class Measure(Versioned):
    """A registered measure: ``name`` is ``base.vN``; consumers look it up by ``base``."""

    name: str
    reads: tuple[str, ...]
    additive: bool
    fn: MeasureFn

    def __call__(self, view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                 ) -> float | None:
        return self.fn(view, profile, start, end)


_MEASURES: Registry[Measure] = Registry("measure")


def measure(name: str, *, reads: tuple[str, ...], additive: bool
            ) -> Callable[[MeasureFn], MeasureFn]:
    """Register ``fn`` as the per-member measure ``name`` (``base.vN``); ``additive`` when it
    adds up over days (a count or hours: shown per week), not a rate or a median."""
    base, _version = versioned(name, "measure")
    if not set(reads) & set(STREAMS):
        raise ValueError(f"measure {name!r} must read {' or '.join(STREAMS)}")
    return _MEASURES.register(base, lambda fn: Measure(name, reads, additive, fn), name=name)


def measures() -> dict[str, Measure]:
    """Every registered measure, by its base name (``"meeting_hours"``)."""
    return _MEASURES.all()


def get(base: str) -> Measure:
    """The registered measure ``base`` (raises ``KeyError`` for an unknown one)."""
    return _MEASURES[base]


def markdown() -> str:
    """The registry as the closing section of ``docs/insights.md`` (``upwell insights
    --markdown``)."""
    out = ["## Per-member measures", "",
           "Every number a card, the dashboard's trends, a goal, an experiment or a group",
           "contribution shows about a member is one of these registered measures",
           "(`upwell.insights.measures`), defined once under a versioned name, with what it",
           "reads (stored analyzer features by their versioned names, and the member's messages",
           "or events). The dashboard keeps only their labels and the group insights only their",
           "clip bounds; registering a name twice raises.", "",
           "| measure | reads | adds up per week | what it counts |", "|---|---|---|---|"]
    for spec in _MEASURES.all().values():
        doc = (spec.fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        doc = " ".join(doc.split())
        out.append(f"| `{spec.name}` | {', '.join(f'`{r}`' for r in spec.reads)} | "
                   f"{'yes' if spec.additive else 'no'} | {doc} |")
    return "\n".join(out)


def _sent(view: MemberView, start: datetime, end: datetime) -> list[MessageView]:
    return [m for m in in_window(view.messages, start, end) if mine(view, m)]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@measure("recognition.v1", reads=("messages", GRATITUDE), additive=True)
def recognition(view: MemberView, _p: WorkProfile, start: datetime, end: datetime) -> float:
    """Messages the member sent that thanked or recognized someone."""
    return float(sum(1 for m in _sent(view, start, end) if thanks(m)))


@measure("harsh.v1", reads=("messages", HARSH), additive=True)
def harsh_messages(view: MemberView, _p: WorkProfile, start: datetime, end: datetime) -> float:
    """Messages the member sent that read as harsh."""
    return float(sum(1 for m in _sent(view, start, end) if harsh(m)))


@measure("after_hours.v1", reads=("messages",), additive=False)
def after_hours_share(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                      ) -> float | None:
    """Share (%) of the member's sent messages that went out after their working hours."""
    late = after_hours(view, profile, start, end)
    return 100 * len(late.after_hours) / late.sent if late.sent else None


@measure("reply_hours.v1", reads=("messages",), additive=False)
def reply_hours(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                ) -> float | None:
    """The member's median reply time, in their working hours (a Monday-morning reply to a
    Friday-evening message is not slow), as the slow-replies card counts it."""
    return _median(reply_latencies(view, start, end, by_member=True, profile=profile))


@measure("meeting_hours.v1", reads=("events",), additive=True)
def meeting_hours(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                  ) -> float:
    """Hours in meetings the member did not decline, as the meeting cards count them."""
    return meeting_load(attended(view), profile, start, end).hours


@measure("focus_blocks.v1", reads=("events",), additive=True)
def focus_blocks(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                 ) -> float:
    """Free blocks of two hours or more inside the member's working hours."""
    return float(meeting_load(attended(view), profile, start, end).focus_blocks)


def _focus_hours(events: list[EventView], profile: WorkProfile, start: datetime,
                 end: datetime) -> float:
    timed = sorted((e for e in events if not e.all_day and not e.cancelled
                    and start <= e.start < end and e.end > e.start), key=lambda e: e.start)
    total = 0.0
    day = start.astimezone(profile.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end.astimezone(profile.tz):
        if day.weekday() in profile.workdays:
            cursor = day.replace(hour=profile.start_hour)
            close = day.replace(hour=min(profile.end_hour, 23))
            for e in timed:
                s, t = e.start.astimezone(profile.tz), e.end.astimezone(profile.tz)
                if t <= cursor or s >= close:
                    continue
                if s - cursor >= timedelta(hours=2):
                    total += (s - cursor).total_seconds() / 3600
                cursor = max(cursor, t)
            if close - cursor >= timedelta(hours=2):
                total += (close - cursor).total_seconds() / 3600
        day += timedelta(days=1)
    return total


@measure("focus_hours.v1", reads=("events",), additive=True)
def focus_hours(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                ) -> float:
    """Working hours in free stretches of two hours or more between timed meetings."""
    return _focus_hours(view.events, profile, start, end)


@measure("tone.v1", reads=("messages", TONE), additive=False)
def tone(view: MemberView, _p: WorkProfile, start: datetime, end: datetime) -> float | None:
    """Mean valence of the messages the member sent."""
    vals = [float(v) for m in _sent(view, start, end)
            if (v := feature(m.features, TONE, "valence")) is not None]
    return statistics.fmean(vals) if vals else None


@measure("one_on_ones.v1", reads=("events",), additive=True)
def one_on_ones(view: MemberView, _p: WorkProfile, start: datetime, end: datetime
                ) -> float | None:
    """One-to-ones per direct report (nothing for a member without declared reports)."""
    return one_on_ones_per_report(view, start, end)


@measure("sent.v1", reads=("messages",), additive=True)
def sent(view: MemberView, _p: WorkProfile, start: datetime, end: datetime) -> float:
    """Messages the member sent, coached or not (personal, automated and broadcast mail
    included)."""
    return float(sum(1 for m in in_window(everything(view), start, end) if mine(view, m)))


@measure("received.v1", reads=("messages",), additive=True)
def received(view: MemberView, _p: WorkProfile, start: datetime, end: datetime) -> float:
    """Messages the member received, coached or not (personal, automated and broadcast mail
    included)."""
    return float(sum(1 for m in in_window(everything(view), start, end) if not mine(view, m)))
