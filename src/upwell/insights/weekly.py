"""Weekly cards: every insight run on the coached week, prioritized and capped.

Reads: a member's own view and profile. Writes: a list of :class:`Card`. The coached week is the
member's latest week with data (archives are often old), measured against up to eight weeks
before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from upwell.analyze.stream import WorkProfile
from upwell.insights.catalog import Card, InsightInput, Week, catalog
from upwell.store.member_view import MemberView

BASELINE_WEEKS = 8
MAX_CARDS = 5


#: An archive's coached week is its latest week with at least this many messages and events.
ACTIVE_WEEK_ITEMS = 3


def _latest_active(view: MemberView, profile: WorkProfile) -> datetime:
    stamps = sorted([m.sent_at for m in view.messages] + [e.start for e in view.events])
    weeks: dict[tuple[int, int], int] = {}
    for t in stamps:
        key = t.astimezone(profile.tz).isocalendar()[:2]
        weeks[key] = weeks.get(key, 0) + 1
    for t in reversed(stamps):
        if weeks[t.astimezone(profile.tz).isocalendar()[:2]] >= ACTIVE_WEEK_ITEMS:
            return t
    return stamps[-1]


def coached_week(view: MemberView, profile: WorkProfile, at: datetime | None = None) -> Week:
    """The week (Monday 00:00 in the member's zone) holding ``at``, else the archive's latest
    active week (stray late items, such as an export's placeholder dates, do not count)."""
    latest = at or _latest_active(view, profile)
    local = latest.astimezone(profile.tz)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                                microsecond=0)
    first = min([m.sent_at for m in view.messages] + [e.start for e in view.events])
    baseline_start = max(monday - timedelta(weeks=BASELINE_WEEKS), first)
    weeks = max(0, round((monday - baseline_start) / timedelta(weeks=1)))
    return Week(monday, monday + timedelta(weeks=1), baseline_start, weeks)


def week_start(when: datetime, profile: WorkProfile) -> datetime:
    """Monday 00:00, in the member's zone, of the week holding ``when``."""
    local = when.astimezone(profile.tz)
    return (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)


def active_weeks(view: MemberView, profile: WorkProfile) -> list[datetime]:
    """The Mondays (00:00 in the member's zone) of every week with at least one message or
    dated event, oldest first."""
    stamps = [m.sent_at for m in view.messages] + [e.start for e in view.events]
    return sorted({week_start(t, profile) for t in stamps})


def weekly_cards(view: MemberView, profile: WorkProfile, *, at: datetime | None = None,
                 cap: int = MAX_CARDS) -> list[Card]:
    """The week's cards, highest priority first, at most ``cap``."""
    if not view.messages and not view.events:
        return []
    ctx = InsightInput(view, profile, coached_week(view, profile, at))
    cards = [c for spec in catalog().values() if (c := spec.fn(ctx)) is not None]
    return sorted(cards, key=lambda c: (-c.priority, c.insight))[:cap]


def _ranked(priority: float, weight: float) -> float:
    return round(priority * weight, 4)


def reranked(cards: list[dict[str, Any]], weights: Mapping[str, float]) -> list[dict[str, Any]]:
    """Stored cards ordered by priority x the member's own feedback weight for each type (see
    :func:`upwell.store.feedback.weight`), highest first; each copy carries ``weight``."""
    out = [dict(c, weight=weights.get(c["insight"], 1.0),
                ranked=_ranked(c["priority"], weights.get(c["insight"], 1.0))) for c in cards]
    return sorted(out, key=lambda c: (-c["ranked"], c["insight"]))


def rerank(cards: Iterable[Card], weights: Mapping[str, float]) -> list[Card]:
    """:func:`reranked` on typed cards: each copy carries ``weight`` and ``ranked``."""
    out = [replace(c, weight=weights.get(c.insight, 1.0),
                   ranked=_ranked(c.priority, weights.get(c.insight, 1.0))) for c in cards]
    return sorted(out, key=lambda c: (-(c.ranked or 0.0), c.insight))
