"""The insight catalog: what Upwell can tell a member, each with its evidence and basis.

Every insight is registered with :func:`insight` and declares an id, a title, a plain-language
definition, its trigger threshold, the suggested action and the research or practice it rests
on (``docs/insights.md`` is checked against this catalog by a test). Its function looks at one
week of the member's own data against their own earlier weeks and returns a :class:`Card` or
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from upwell.analyze.stream import WorkProfile
from upwell.store.member_view import MemberView, MessageView


@dataclass(frozen=True, slots=True)
class Evidence:
    """One message behind a card, for the member's eyes only."""

    message_id: str
    sent_at: datetime
    subject: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    insight: str
    title: str
    summary: str
    action: str
    priority: float
    evidence_count: int
    evidence: tuple[Evidence, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Week:
    """The week being coached and the member's own baseline weeks before it."""

    start: datetime
    end: datetime
    baseline_start: datetime
    baseline_weeks: int


@dataclass(frozen=True, slots=True)
class Context:
    view: MemberView
    profile: WorkProfile
    week: Week


InsightFn = Callable[[Context], Card | None]


@dataclass(frozen=True, slots=True)
class InsightDef:
    id: str
    title: str
    definition: str
    threshold: str
    action: str
    basis: str
    impact: float
    fn: InsightFn


_CATALOG: dict[str, InsightDef] = {}


def insight(id: str, *, title: str, definition: str, threshold: str, action: str, basis: str,
            impact: float) -> Callable[[InsightFn], InsightFn]:
    """Register an insight type."""

    def register(fn: InsightFn) -> InsightFn:
        if id in _CATALOG:
            raise ValueError(f"insight {id!r} registered twice")
        _CATALOG[id] = InsightDef(id, title, definition, threshold, action, basis, impact, fn)
        return fn

    return register


def catalog() -> dict[str, InsightDef]:
    """Every insight type (importing :mod:`upwell.insights` registers the built-ins)."""
    return dict(_CATALOG)


def evidence(msgs: list[MessageView], detail: str = "", limit: int = 10) -> tuple[Evidence, ...]:
    return tuple(Evidence(m.id, m.sent_at, m.subject, detail) for m in msgs[:limit])


def card(id: str, summary: str, *, severity: float, n: int,
         msgs: list[MessageView] | None = None, metrics: dict[str, float] | None = None,
         detail: str = "") -> Card:
    """A card for insight ``id``: priority = impact x severity x confidence (more evidence,
    more confidence), severity capped at 3."""
    spec = _CATALOG[id]
    confidence = n / (n + 3)
    return Card(
        insight=id, title=spec.title, summary=summary, action=spec.action,
        priority=round(spec.impact * min(severity, 3.0) * confidence, 4), evidence_count=n,
        evidence=evidence(msgs or [], detail), metrics=metrics or {},
    )
