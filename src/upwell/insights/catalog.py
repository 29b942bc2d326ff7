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

import re
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
    ``detail``). ``who`` is the other person of a message (its sender, or whom the member wrote
    to) and ``day`` its day in the member's own zone ("Tue 11 Dec"); both are filled in by
    :func:`upwell.insights.weekly.weekly_cards`, which knows the member's view and zone."""

    message_id: str
    sent_at: datetime
    subject: str
    detail: str = ""
    kind: str = "message"
    quote: bool = False  # ``detail`` is a phrase kept from the message itself
    who: str = ""
    day: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Evidence:
        return cls(d["message_id"], datetime.fromisoformat(d["sent_at"]), d["subject"],
                   d.get("phrase", ""), d.get("kind", "message"), bool(d.get("quote", False)),
                   d.get("who", ""), d.get("day", ""))

    def to_json(self) -> dict[str, Any]:
        """The stored shape: ``sent_at`` as ISO text, ``detail`` as ``phrase``."""
        return {"message_id": self.message_id, "sent_at": self.sent_at.isoformat(),
                "subject": self.subject, "phrase": self.detail, "kind": self.kind,
                "quote": self.quote, "who": self.who, "day": self.day}

    @property
    def when(self) -> str:
        """The day to show: the member's local day when known, else the stored date."""
        return self.day or f"{self.sent_at:%a %d %b %Y}"

    @property
    def excerpt(self) -> str:
        """What to show of it: the phrase that counted (or what was counted), else the
        subject."""
        return self.detail or self.subject

    def brief(self) -> str:
        """Who and which day, without any words of the message (the dashboard's list: the
        words stay on the member's evidence view)."""
        if self.kind == "person":
            return self.subject
        what = "a meeting" if self.kind == "event" else "a message"
        return f"{self.when}, {self.who}" if self.who else f"{self.when}, {what}"

    def line(self) -> str:
        """One plain line for the member's own views: who, which day, a short excerpt."""
        if self.kind == "person":
            return f"{self.subject}: {self.detail}" if self.detail else self.subject
        head = f"{self.when}, {self.who}" if self.who else self.when
        if self.kind == "event":
            title = f"meeting \u201c{self.subject or '(no title)'}\u201d"
            return f"{head}: {title}" + (f" ({self.detail})" if self.detail else "")
        subject = f"\u201c{self.subject or '(no subject)'}\u201d"
        if self.quote and self.detail:
            return f"{head}: \u201c{self.detail}\u201d"
        if self.detail:
            return f"{head}, {subject}: {self.detail}"
        return f"{head}: {subject}"


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
    caveat: str = ""  # what would make the card wrong (its type's ``caveat``)
    positive: bool = False  # what went well, not something to change

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Card:
        spec = _CATALOG.get(d["insight"])  # a board stored before caveats: its type's own
        return cls(d["insight"], d["title"], d["summary"], d["action"], d["priority"],
                   d["evidence_count"], tuple(Evidence.from_json(e) for e in d.get("evidence", [])),
                   dict(d.get("metrics", {})), d.get("weight"), d.get("ranked"),
                   d.get("caveat") or (spec.caveat if spec else ""),
                   bool(d.get("positive", spec.positive if spec else False)))

    def to_json(self, *, evidence: bool = True) -> dict[str, Any]:
        """The stored (and API) shape; without ``evidence`` for lists that link to it."""
        out: dict[str, Any] = {"insight": self.insight, "title": self.title,
                               "summary": self.summary, "action": self.action,
                               "priority": self.priority, "evidence_count": self.evidence_count,
                               "metrics": dict(self.metrics), "caveat": self.caveat,
                               "positive": self.positive}
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
    caveat: str = ""
    positive: bool = False


_CATALOG: dict[str, InsightDef] = {}


def insight(id: str, *, title: str, definition: str, threshold: str, action: str, basis: str,
            impact: float, caveat: str = "", positive: bool = False
            ) -> Callable[[InsightFn], InsightFn]:
    """Register an insight type. ``caveat`` says what would make a card of it wrong (shown on
    the card; every type needs one, a test checks); ``positive`` marks what went well."""

    def register(fn: InsightFn) -> InsightFn:
        if id in _CATALOG:
            raise ValueError(f"insight {id!r} registered twice")
        _CATALOG[id] = InsightDef(id, title, definition, threshold, action, basis, impact, fn,
                                  caveat, positive)
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
        metrics=metrics or {}, caveat=spec.caveat, positive=spec.positive,
    )


def plural(n: int, noun: str, many: str = "") -> str:
    """``n`` with its noun agreed: "1 ask", "2 asks", "3 replies" (``many`` for irregulars)."""
    if n == 1:
        return f"1 {noun}"
    if not many:
        many = noun[:-1] + "ies" if re.search(r"[^aeiou]y$", noun) else \
            noun + "es" if re.search(r"(s|x|z|ch|sh)$", noun) else noun + "s"
    return f"{n} {many}"


def natural_name(name: str) -> str:
    """A name in its natural reading order: directory forms "Ellis, Laurie" and "Pereira,
    Susan W." become "Laurie Ellis" and "Susan W. Pereira", and so does an export's "Denton
    Rhonda L." (ending in a middle initial); anything else is kept as written ("Ellis Laurie"
    cannot be told from a given name and a surname)."""
    last, sep, first = (part.strip() for part in name.partition(","))
    if not sep:
        # "Denton Rhonda L.": a middle initial never ends a name written in natural order
        words = name.split()
        if len(words) == 3 and _INITIAL.fullmatch(words[2]) and all(
                w.isalpha() and len(w) > 1 for w in words[:2]):
            return f"{words[1]} {words[2]} {words[0]}"
        return name.strip()
    if not last or not first or "," in first or "@" in name \
            or len(last.split()) > 2 or len(first.split()) > 3:
        return name.strip()
    return f"{first} {last}"


_INITIAL = re.compile(r"[A-Z]\.?")


def person_name(view: MemberView, person: str) -> str:
    """The person's name for the member's own views, in natural reading order."""
    return natural_name(view.name(person))


def markdown() -> str:
    """The catalog as the page ``docs/insights.md`` (``upwell insights --markdown``)."""
    out = ["# Insights", "",
           "What Upwell can tell a member about their own week, always against their own earlier",
           "weeks (up to eight), never against other people. Cards are ranked by impact x change",
           "x confidence and capped at five a week; every card carries the counts behind it and,",
           "for the member alone, the messages behind it (who, which day, the phrase that counted",
           "or the subject) and what would make it wrong. Types marked *(what went well)* are",
           "positive cards. A card does not come back in the next three weeks about the same",
           "messages or meetings: it returns only with new evidence. Generated by",
           "`upwell insights --markdown`; a test keeps this page in step with the code.", ""]
    for s in _CATALOG.values():
        mark = " *(what went well)*" if s.positive else ""
        out += [f"## `{s.id}` — {s.title}{mark}", "", f"- **What it measures:** {s.definition}",
                f"- **Trigger:** {s.threshold}", f"- **Suggested action:** {s.action}",
                f"- **Basis:** {s.basis}", f"- **When to ignore it:** {s.caveat}", ""]
    return "\n".join(out)
