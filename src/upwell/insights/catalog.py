"""The insight catalog: what Upwell can tell a member, each with its evidence and basis.

Every insight is registered with :func:`insight` and declares an id, a title, a plain-language
definition, its trigger threshold, the suggested action and the research or practice it rests
on (``docs/insights.md`` is checked against this catalog by a test). Its function looks at one
week of the member's own data against their own earlier weeks and returns a :class:`Card` or
nothing.

A card is one record from the insight function to every reader: the board stores
``Card.to_json`` (sealed JSON, see :mod:`upwell.insights.board`; the JSON API's shape too) and
the dashboard, the evidence pages, the API and the digest read it back with :func:`cards_of`, so
a card's fields are named here and nowhere else. A card reranked by the member's own feedback
(:func:`upwell.insights.weekly.rerank`) carries ``weight`` and ``ranked``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from upwell.analyze.stream import WorkProfile
from upwell.store.member_view import EventView, MemberView, MessageView


@dataclass(frozen=True, slots=True)
class Evidence:
    """One item behind a card, for the member's eyes only: a message (``kind`` "message"), a
    calendar event ("event": its id, start and title) or a person ("person": their name as
    ``subject``, the end of the window looked at as ``sent_at``, what was counted as
    ``detail``)."""

    message_id: str
    sent_at: datetime
    subject: str
    detail: str = ""
    kind: str = "message"
    quote: bool = False  # ``detail`` is a phrase kept from the message itself

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Evidence:
        return cls(d["message_id"], datetime.fromisoformat(d["sent_at"]), d["subject"],
                   d.get("phrase", ""), d.get("kind", "message"), bool(d.get("quote", False)))

    def to_json(self) -> dict[str, Any]:
        """The stored shape: ``sent_at`` as ISO text, ``detail`` as ``phrase``."""
        return {"message_id": self.message_id, "sent_at": self.sent_at.isoformat(),
                "subject": self.subject, "phrase": self.detail, "kind": self.kind,
                "quote": self.quote}


@dataclass(frozen=True, slots=True)
class Card:
    """One card (the member's eyes only: evidence holds subjects)."""

    insight: str
    title: str
    summary: str
    action: str
    priority: float
    evidence_count: int
    evidence: tuple[Evidence, ...] = ()
    metrics: Mapping[str, float] = field(default_factory=dict)
    weight: float | None = None  # set by reranking: the member's feedback weight for the type
    ranked: float | None = None  # priority x weight

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Card:
        return cls(d["insight"], d["title"], d["summary"], d["action"], d["priority"],
                   d["evidence_count"], tuple(Evidence.from_json(e) for e in d.get("evidence", [])),
                   dict(d.get("metrics", {})), d.get("weight"), d.get("ranked"))

    def to_json(self, *, evidence: bool = True) -> dict[str, Any]:
        """The stored (and API) shape; without ``evidence`` for lists that link to it."""
        out: dict[str, Any] = {"insight": self.insight, "title": self.title,
                               "summary": self.summary, "action": self.action,
                               "priority": self.priority, "evidence_count": self.evidence_count,
                               "metrics": dict(self.metrics)}
        if evidence:
            out["evidence"] = [e.to_json() for e in self.evidence]
        if self.weight is not None:
            out["weight"] = self.weight
        if self.ranked is not None:
            out["ranked"] = self.ranked
        return out

    @property
    def evidence_noun(self) -> str:
        """What the evidence is made of: "messages", "meetings", "people" or "items"."""
        kinds = {e.kind for e in self.evidence}
        if len(kinds) != 1:
            return "items"
        return {"message": "messages", "event": "meetings", "person": "people"}[kinds.pop()]


def cards_of(payload: Mapping[str, Any] | None) -> list[Card]:
    """The cards of a stored board payload, typed (none for no payload)."""
    return [Card.from_json(c) for c in (payload or {}).get("cards", [])]


@dataclass(frozen=True, slots=True)
class Week:
    """The week being coached and the member's own baseline weeks before it."""

    start: datetime
    end: datetime
    baseline_start: datetime
    baseline_weeks: int


@dataclass(frozen=True, slots=True)
class InsightInput:
    """What an insight function judges: the member's coaching view, their work profile and the
    week being coached (with its baseline window)."""

    view: MemberView
    profile: WorkProfile
    week: Week


InsightFn = Callable[[InsightInput], Card | None]


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


def evidence(msgs: list[MessageView], detail: str = "", limit: int = 10,
             snippets: dict[str, dict[str, str]] | None = None, kind: str = ""
             ) -> tuple[Evidence, ...]:
    """Evidence rows; ``kind`` picks the kept phrase of each message, when there is one."""
    kept = snippets or {}
    out = []
    for m in msgs[:limit]:
        phrase = kept.get(m.id, {}).get(kind, "")
        out.append(Evidence(m.id, m.sent_at, m.subject, phrase or detail, quote=bool(phrase)))
    return tuple(out)


def event_evidence(events: list[EventView], detail: str = "", limit: int = 10
                   ) -> tuple[Evidence, ...]:
    """Evidence rows for calendar events (their dates and titles)."""
    return tuple(Evidence(e.id, e.start, e.title, detail or _duration(e), kind="event")
                 for e in events[:limit])


def _duration(e: EventView) -> str:
    hours = (e.end - e.start).total_seconds() / 3600
    return f"{hours:g} h" if hours > 0 else ""


def card(id: str, summary: str, *, severity: float, n: int,
         msgs: list[MessageView] | None = None, metrics: dict[str, float] | None = None,
         detail: str = "", ctx: InsightInput | None = None, phrase: str = "",
         rows: tuple[Evidence, ...] = ()) -> Card:
    """A card for insight ``id``: priority = impact x severity x confidence (more evidence,
    more confidence), severity capped at 3. What is behind it: ``msgs`` (with their kept
    phrase of kind ``phrase``, else ``detail``), then ready-made ``rows`` (events, people)."""
    spec = _CATALOG[id]
    confidence = n / (n + 3)
    return Card(
        insight=id, title=spec.title, summary=summary, action=spec.action,
        priority=round(spec.impact * min(severity, 3.0) * confidence, 4), evidence_count=n,
        evidence=evidence(msgs or [], detail, snippets=ctx.view.snippets if ctx else None,
                          kind=phrase) + rows,
        metrics=metrics or {},
    )


def markdown() -> str:
    """The catalog as the page ``docs/insights.md`` (``upwell insights --markdown``)."""
    out = ["# Insights", "",
           "What Upwell can tell a member about their own week, always against their own earlier",
           "weeks (up to eight), never against other people. Cards are ranked by impact x change",
           "x confidence and capped at five a week; every card carries the counts behind it and,",
           "for the member alone, the messages. Generated by `upwell insights --markdown`; a test",
           "keeps this page in step with the code.", ""]
    for s in _CATALOG.values():
        out += [f"## `{s.id}` — {s.title}", "", f"- **What it measures:** {s.definition}",
                f"- **Trigger:** {s.threshold}", f"- **Suggested action:** {s.action}",
                f"- **Basis:** {s.basis}", ""]
    return "\n".join(out)
