"""The member's dashboard: cards with evidence, trends against their own baseline,
relationships, meetings and focus time, goals. Computed after each change, sealed, read fast.

Reads: the member's own view (decrypted for this member only, minus what they excluded) and
settings. Writes: one sealed row in ``dashboards``. A page view reads that row's stamp and
renders the member's opened copy from :mod:`upwell.web.board_cache` (decrypting the row and
drawing its charts only when the stamp changed), so the dashboard costs a few small queries
however large the member's archive is. See docs/web.md.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from upwell.analyze.stream import (
    WorkProfile,
    after_hours,
    attended,
    in_window,
    meeting_load,
    mine,
    one_on_ones,
    one_on_ones_per_report,
    relationships,
    reply_latencies,
)
from upwell.insights import catalog, coached_week, weekly_cards
from upwell.insights.experiments import before_after, level_before
from upwell.store.db import Member, Store
from upwell.store.member_rules import filter_view
from upwell.store.member_settings import MemberPrefs
from upwell.store.member_view import MemberView, load_member
from upwell.store.schema import dashboards
from upwell.web.board_cache import Board, boards
from upwell.web.charts import trend_chart

WEEKS = 12
BASELINE_WEEKS = 8
FORMAT = "upwell-dashboard/1"


@dataclass(frozen=True, slots=True)
class Metric:
    id: str
    label: str
    unit: str
    better: str  # "lower", "higher" or "" (no direction: context only)
    goal: str


METRICS: dict[str, Metric] = {m.id: m for m in (
    Metric("after_hours_pct", "Your messages sent after hours", "%", "lower",
           "Send less after hours"),
    Metric("reply_hours", "Your median reply time, in working hours", " h", "lower",
           "Reply sooner to the people who wait on you"),
    Metric("recognition", "Messages where you thanked or recognized someone", "", "higher",
           "Recognize people more often"),
    Metric("harsh", "Messages with harsh phrasing", "", "lower", "Write fewer harsh messages"),
    Metric("meeting_hours", "Hours in meetings", " h", "lower", "Spend fewer hours in meetings"),
    Metric("focus_blocks", "Free blocks of two hours or more", "", "higher",
           "Protect more focus time"),
    Metric("one_on_ones", "One-to-ones per direct report", "", "higher",
           "Hold regular one-to-ones with your direct reports"),
    Metric("sent", "Messages you sent", "", "", ""),
    Metric("received", "Messages you received", "", "", ""),
)}


def profile_of(prefs: MemberPrefs) -> WorkProfile:
    return WorkProfile(ZoneInfo(prefs.tz), prefs.start_hour, prefs.end_hour)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _sent_with(view: MemberView, start: datetime, end: datetime, analyzer: str, name: str
               ) -> float:
    return float(sum(1 for m in in_window(view.messages, start, end)
                     if mine(view, m) and m.features.get(analyzer, {}).get(name)))


def _after_hours_pct(view: MemberView, profile: WorkProfile, start: datetime, end: datetime
                     ) -> float | None:
    late = after_hours(view, profile, start, end)
    return round(100 * len(late.after_hours) / late.sent, 1) if late.sent else None


MetricFn = Callable[[MemberView, WorkProfile, datetime, datetime], float | None]

#: One function per metric, so a goal or an experiment computes only its own.
METRIC_FNS: dict[str, MetricFn] = {
    "after_hours_pct": _after_hours_pct,
    # in the member's working hours, as the slow-replies card counts them (a reply on Monday
    # morning to a Friday-evening message is not slow)
    "reply_hours": lambda v, p, s, e: _median(reply_latencies(v, s, e, by_member=True,
                                                              profile=p)),
    "recognition": lambda v, _p, s, e: _sent_with(v, s, e, "gratitude.v1", "gratitude"),
    "harsh": lambda v, _p, s, e: _sent_with(v, s, e, "harsh.v1", "harsh"),
    # meetings the member did not decline, as the meeting cards count them
    "meeting_hours": lambda v, p, s, e: meeting_load(attended(v), p, s, e).hours,
    "focus_blocks": lambda v, p, s, e: float(meeting_load(attended(v), p, s, e).focus_blocks),
    "sent": lambda v, _p, s, e: float(sum(1 for m in in_window(v.messages, s, e) if mine(v, m))),
    "received": lambda v, _p, s, e: float(sum(1 for m in in_window(v.messages, s, e)
                                              if not mine(v, m))),
    "one_on_ones": lambda v, _p, s, e: one_on_ones_per_report(v, s, e),
}
#: Metrics that add up over days (a change is shown per week); the others are rates or medians.
ADDITIVE = frozenset({"recognition", "harsh", "meeting_hours", "focus_blocks", "sent",
                      "received", "one_on_ones"})
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
    out["cards"] = [
        {"insight": c.insight, "title": c.title, "summary": c.summary, "action": c.action,
         "priority": c.priority, "evidence_count": c.evidence_count, "metrics": c.metrics,
         "evidence": [{"message_id": e.message_id, "sent_at": e.sent_at.isoformat(),
                       "subject": e.subject, "phrase": e.detail, "kind": e.kind,
                       "quote": e.quote}
                      for e in c.evidence]}
        for c in weekly_cards(view, profile)]
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
    from upwell.store.experiments import list_experiments
    from upwell.store.goals import list_goals

    far = date(9999, 12, 31)
    return (*(Period(f"goal-{g.id}", g.metric, g.created_at.date(), far)
              for g in list_goals(store, member_id)),
            *(Period(f"experiment-{x.id}", x.metric, x.start_on, x.end_on)
              for x in list_experiments(store, member_id)))


def _seal(member: Member, payload: dict[str, Any]) -> bytes:
    return member.cipher.seal("dashboards", str(member.id), "payload",
                              json.dumps(payload, ensure_ascii=False))


def refresh(store: Store, member: Member, prefs: MemberPrefs) -> dict[str, Any]:
    """Recompute and store the member's dashboard (not while they have paused)."""
    view = filter_view(store, member, load_member(store, member))
    payload = compute(view, profile_of(prefs), periods_of(store, member.id))
    with store.engine.begin() as conn:
        conn.execute(delete(dashboards).where(dashboards.c.member_id == member.id))
        conn.execute(insert(dashboards).values(member_id=member.id,
                                               computed_at=datetime.now(UTC),
                                               payload_enc=_seal(member, payload)))
    boards(store).drop(member.id)
    return payload


def discard(store: Store, member_id: int) -> None:
    """Delete the member's stored dashboard (it showed something they have since removed and
    cannot be recomputed now, e.g. while paused); the next view computes it afresh."""
    with store.engine.begin() as conn:
        conn.execute(delete(dashboards).where(dashboards.c.member_id == member_id))
    boards(store).drop(member_id)


def evict(store: Store, member_id: int) -> None:
    """Drop the member's opened copy from this process (the stored row stays)."""
    boards(store).drop(member_id)


def triggers() -> dict[str, str]:
    """Each insight type's trigger in plain words (from the catalog): why a card is shown."""
    return {d.id: d.threshold for d in catalog().values()}


def evidence_noun(card: dict[str, Any]) -> str:
    """What a card's evidence is made of: "messages", "meetings", "people" or "items"."""
    kinds = {e.get("kind", "message") for e in card.get("evidence", [])}
    if len(kinds) != 1:
        return "items"
    return {"message": "messages", "event": "meetings", "person": "people"}[kinds.pop()]


def charts_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The trend charts (inline SVG) of a dashboard payload, one per metric with data."""
    out = []
    for key, spec in METRICS.items():
        t = data.get("trends", {}).get(key)
        if not t or all(v is None for v in t["values"]):
            continue
        out.append({"id": key, "label": spec.label, "current": t["current"],
                    "baseline": t["baseline"], "unit": spec.unit,
                    "svg": trend_chart(spec.label, t["labels"], t["values"], t["baseline"],
                                       spec.unit)})
    return out


def board(store: Store, member: Member) -> Board | None:
    """The member's opened dashboard, ``None`` before the first computation. One query for
    the stored row's stamp; the row is decrypted and its charts drawn only when it changed."""
    cache = boards(store)
    with store.engine.connect() as conn:
        stamp = conn.scalar(select(dashboards.c.computed_at)
                            .where(dashboards.c.member_id == member.id))
        if stamp is None:
            cache.drop(member.id)
            return None
        hit = cache.get(member.id, stamp)
        if hit is not None:
            return hit
        row = conn.execute(select(dashboards.c.computed_at, dashboards.c.payload_enc)
                           .where(dashboards.c.member_id == member.id)).first()
    if row is None:
        cache.drop(member.id)
        return None
    data: dict[str, Any] = json.loads(member.cipher.open("dashboards", str(member.id),
                                                         "payload", row.payload_enc))
    opened = Board(row.computed_at, data, charts_of(data))
    cache.put(member.id, opened)
    return opened


def load(store: Store, member: Member) -> dict[str, Any] | None:
    """The stored dashboard, or ``None`` before the first computation (read-only: it is the
    member's cached copy)."""
    found = board(store, member)
    return None if found is None else found.data


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
