"""The member's coaching board: the weekly cards with their evidence, trends of every measure
against the member's own baseline, relationships, meetings and focus time, goals and
experiments. Computed after each change and sealed for the member alone.

Reads: the member's coaching view (:func:`upwell.insights.view.coaching_view`: their own data
with every rule they set), their goals and experiments. Writes: one sealed row in
``dashboards``. Each trend is a registered measure (:mod:`upwell.insights.measures`); the web
app renders the row (:mod:`upwell.web.dashboard`), the digest summarizes it. See docs/web.md.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from upwell.analyze.stream import (
    WorkProfile,
    attended,
    in_window,
    meeting_load,
    one_on_ones,
    relationships,
)
from upwell.insights import measures
from upwell.insights.catalog import catalog
from upwell.insights.experiments import before_after, level_before
from upwell.insights.view import coaching_view
from upwell.insights.weekly import coached_week, own_mail, weekly_cards
from upwell.store.db import Member, Store
from upwell.store.experiments import list_experiments
from upwell.store.goals import list_goals
from upwell.store.member_settings import MemberPrefs
from upwell.store.member_view import MemberView
from upwell.store.schema import dashboards

WEEKS = 12
BASELINE_WEEKS = 8
FORMAT = "upwell-dashboard/1"


@dataclass(frozen=True, slots=True)
class Metric:
    id: str
    label: str
    unit: str = ""
    better: str = ""  # "lower", "higher" or "" (no direction: context only)
    goal: str = ""  # the goal's wording, for a metric with a direction


METRICS: dict[str, Metric] = {m.id: m for m in (
    Metric("after_hours_pct", "Your messages sent after hours", unit="%", better="lower",
           goal="Send less after hours"),
    Metric("reply_hours", "Your median reply time, in working hours", unit=" h",
           better="lower", goal="Reply sooner to the people who wait on you"),
    Metric("recognition", "Messages where you thanked or recognized someone", better="higher",
           goal="Recognize people more often"),
    Metric("harsh", "Messages with harsh phrasing", better="lower",
           goal="Write fewer harsh messages"),
    Metric("meeting_hours", "Hours in meetings", unit=" h", better="lower",
           goal="Spend fewer hours in meetings"),
    Metric("focus_blocks", "Free blocks of two hours or more", better="higher",
           goal="Protect more focus time"),
    Metric("one_on_ones", "One-to-ones per direct report", better="higher",
           goal="Hold regular one-to-ones with your direct reports"),
    Metric("sent", "Messages you sent"),  # context only: no direction, no goal
    Metric("received", "Messages you received"),
)}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


MetricFn = Callable[[MemberView, WorkProfile, datetime, datetime], float | None]


def _rounded(base: str, digits: int, scale: float = 1.0) -> MetricFn:
    fn = measures.get(base)

    def shown(v: MemberView, p: WorkProfile, s: datetime, e: datetime) -> float | None:
        value = fn(v, p, s, e)
        return None if value is None else round(value * scale, digits)

    return shown


#: The registered measure behind each trend (the dashboard's own keys, which goals and
#: experiments store, kept as they were).
MEASURE_OF: dict[str, str] = {
    "after_hours_pct": "after_hours", "reply_hours": "reply_hours", "recognition": "recognition",
    "harsh": "harsh", "meeting_hours": "meeting_hours", "focus_blocks": "focus_blocks",
    "one_on_ones": "one_on_ones", "sent": "sent", "received": "received",
}
#: One function per metric, so a goal or an experiment computes only its own: the registered
#: measure, rounded for display where it is a rate or a median.
METRIC_FNS: dict[str, MetricFn] = {
    key: (_rounded("after_hours", 1) if key == "after_hours_pct"
          else _rounded("reply_hours", 2) if key == "reply_hours"
          else measures.get(base).fn)
    for key, base in MEASURE_OF.items()}
#: Metrics that add up over days (a change is shown per week); the others are rates or medians.
ADDITIVE = frozenset(k for k, base in MEASURE_OF.items() if measures.get(base).additive)
#: Metrics that are counts: shown as whole numbers.
COUNTS = frozenset({"recognition", "harsh", "focus_blocks", "sent", "received", "meetings",
                    "back_to_back"})


def _week_values(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                 ) -> dict[str, float | None]:
    """One week of every metric, each by its one function in :data:`METRIC_FNS`."""
    load = meeting_load(attended(view), profile, start, end)
    out = {key: fn(view, profile, start, end) for key, fn in METRIC_FNS.items()}
    out["meetings"] = float(load.meetings)
    out["back_to_back"] = float(load.back_to_back)
    return out


def usual(view: MemberView, profile: WorkProfile, metric: str, start_on: date) -> float | None:
    """The member's usual level of ``metric`` before ``start_on``: the same measure and window
    as an experiment's "before" (:func:`upwell.insights.experiments.level_before`), per week
    for the metrics that add up."""
    fn = METRIC_FNS[metric]
    return level_before(profile, start_on, lambda s, e: fn(view, profile, s, e),
                        additive=metric in ADDITIVE)


@dataclass(frozen=True, slots=True)
class Period:
    """A goal (from the day it was set) or an experiment (its own dates) to compare against
    the weeks before it."""

    key: str
    metric: str
    start_on: date
    end_on: date


def change(view: MemberView, profile: WorkProfile, period: Period) -> dict[str, Any] | None:
    """Before/after of one period with its interval, from the member's own days."""
    fn = METRIC_FNS.get(period.metric)
    stamps = [m.sent_at for m in view.messages] + [e.start for e in view.events]
    if fn is None or not stamps:
        return None
    last_day = max(stamps).astimezone(profile.tz).date()
    found = before_after(profile, period.start_on, period.end_on, last_day,
                         lambda s, e: fn(view, profile, s, e), additive=period.metric in ADDITIVE)
    if found is None:
        return None
    spec = METRICS[period.metric]
    return dict(found.as_dict(), metric=period.metric, label=spec.label, unit=spec.unit,
                better=spec.better, per_week=period.metric in ADDITIVE,
                start_on=period.start_on.isoformat(), end_on=period.end_on.isoformat())


def compute(view: MemberView, profile: WorkProfile, periods: tuple[Period, ...] = ()
            ) -> dict[str, Any]:
    """The dashboard as JSON-ready data (the member's eyes only: it holds names and subjects)."""
    out: dict[str, Any] = {"format": FORMAT, "computed_at": datetime.now(UTC).isoformat(),
                           "messages": len(view.messages), "events": len(view.events),
                           "week_messages": 0, "week_events": 0, "week": None, "cards": [],
                           "trends": {}, "relationships": [], "meetings": {}, "changes": {}}
    if not view.messages and not view.events:
        return out
    week = coached_week(view, profile)
    out["week"] = week.start.date().isoformat()
    out["baseline_weeks"] = week.baseline_weeks
    out["week_messages"] = len(in_window(view.messages, week.start, week.end))
    out["week_events"] = sum(1 for e in view.events if week.start <= e.start < week.end)
    out["cards"] = [c.to_json() for c in weekly_cards(view, profile)]
    out["own_mail"] = own_mail(view).as_dict()
    starts = [week.start - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    rows = [_week_values(view, profile, s, s + timedelta(weeks=1)) for s in starts]
    labels = [s.strftime("%d %b") for s in starts]
    week_start_on = week.start.astimezone(profile.tz).date()
    for key in (*METRICS, "meetings", "back_to_back"):
        values = [r[key] for r in rows]
        if key in METRIC_FNS:
            baseline = usual(view, profile, key, week_start_on)
        else:
            baseline = _median([v for v in values[-1 - BASELINE_WEEKS:-1] if v is not None])
        out["trends"][key] = {"labels": labels, "values": values, "baseline": baseline,
                              "current": values[-1]}
    before = {r.person: r.tone for r in relationships(view, week.baseline_start, week.start)}
    now = {r.person: r.tone for r in relationships(view, week.start, week.end, limit=50)}
    ties = []
    for r in relationships(view, week.baseline_start, week.end):
        meetings = [t for t in one_on_ones(view, r.person) if t < week.end]
        b, n = before.get(r.person), now.get(r.person)
        ties.append({"person": r.person, "name": view.name(r.person), "sent": r.sent,
                     "received": r.received, "reciprocity": r.reciprocity, "tone": r.tone,
                     "tone_trend": round(n - b, 3) if n is not None and b is not None else None,
                     "reply_hours_mine": r.reply_hours_mine,
                     "reply_hours_theirs": r.reply_hours_theirs,
                     "last_one_on_one": meetings[-1].date().isoformat() if meetings else None})
    out["relationships"] = ties
    cur = rows[-1]
    out["meetings"] = {k: cur[k] for k in ("meeting_hours", "meetings", "back_to_back",
                                            "focus_blocks")}
    out["changes"] = {p.key: c for p in periods if (c := change(view, profile, p)) is not None}
    return out


def periods_of(store: Store, member_id: int) -> tuple[Period, ...]:
    """The member's goals (from the day each was set, open-ended) and experiments."""
    far = date(9999, 12, 31)
    return (*(Period(f"goal-{g.id}", g.metric, g.created_at.date(), far)
              for g in list_goals(store, member_id)),
            *(Period(f"experiment-{x.id}", x.metric, x.start_on, x.end_on)
              for x in list_experiments(store, member_id)))


#: Called with (store, member id) after a member's stored board changed: the web app drops its
#: opened copy (:mod:`upwell.web.board_cache`) so a page never shows the old one.
_ON_CHANGE: list[Callable[[Store, int], None]] = []


def on_change(fn: Callable[[Store, int], None]) -> None:
    """Call ``fn(store, member_id)`` whenever a member's stored board changes."""
    if fn not in _ON_CHANGE:
        _ON_CHANGE.append(fn)


def changed(store: Store, member_id: int) -> None:
    """Tell every listener that the member's stored board changed."""
    for fn in _ON_CHANGE:
        fn(store, member_id)


def _seal(member: Member, payload: dict[str, Any]) -> bytes:
    return member.cipher.seal("dashboards", str(member.id), "payload",
                              json.dumps(payload, ensure_ascii=False))


def refresh(store: Store, member: Member, prefs: MemberPrefs) -> dict[str, Any]:
    """Recompute and store the member's dashboard (callers skip it while they have paused)."""
    opened = coaching_view(store, member, prefs=prefs, paused_ok=True)
    assert opened is not None  # paused_ok and no consent asked: always opened
    payload = compute(opened.view, opened.profile, periods_of(store, member.id))
    with store.engine.begin() as conn:
        conn.execute(delete(dashboards).where(dashboards.c.member_id == member.id))
        conn.execute(insert(dashboards).values(member_id=member.id,
                                               computed_at=datetime.now(UTC),
                                               payload_enc=_seal(member, payload)))
    changed(store, member.id)
    return payload


def stored(store: Store, member: Member) -> dict[str, Any] | None:
    """The member's stored board, ``None`` before the first computation (read-only)."""
    with store.engine.connect() as conn:
        row = conn.scalar(select(dashboards.c.payload_enc)
                          .where(dashboards.c.member_id == member.id))
    if row is None:
        return None
    data: dict[str, Any] = json.loads(member.cipher.open("dashboards", str(member.id),
                                                         "payload", row))
    return data


def triggers() -> dict[str, str]:
    """Each insight type's trigger in plain words (from the catalog): why a card is shown."""
    return {d.id: d.threshold for d in catalog().values()}


def goal_progress(payload: dict[str, Any], metric: str, baseline: float | None
                  ) -> dict[str, Any]:
    """Where a goal stands: the latest week against the level when it was set."""
    spec = METRICS[metric]
    trend = payload.get("trends", {}).get(metric, {})
    current = trend.get("current")
    start = baseline if baseline is not None else trend.get("baseline")
    status = "no data yet"
    if current is not None and start is not None:
        better = current < start if spec.better == "lower" else current > start
        status = "improving" if better else ("holding" if current == start else "not yet")
    return {"metric": metric, "label": spec.goal, "unit": spec.unit, "start": start,
            "current": current, "status": status, "trend": trend}
