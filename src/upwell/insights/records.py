"""The board's cards as typed records: what travels from the stored board to the dashboard,
the evidence pages, the JSON API and the digest.

Reads/writes: nothing. :class:`BoardCard` is a card as the board stores it (sealed JSON, see
:mod:`upwell.insights.board`), with its :class:`BoardEvidence`; ``to_json`` writes exactly the
stored shape (the JSON API's shape too) and ``from_json`` reads it back, so a card's fields are
named in one place instead of in every consumer's ``dict`` lookups. A card reranked by the
member's own feedback (:func:`upwell.insights.weekly.reranked`) carries ``weight`` and
``ranked``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from upwell.insights.catalog import Card, Evidence

__all__ = ["BoardCard", "BoardEvidence", "cards_of"]


@dataclass(frozen=True, slots=True)
class BoardEvidence:
    """One item behind a stored card: a message, a meeting (``kind`` "event") or a person;
    ``sent_at`` is ISO text, ``phrase`` what was counted or quoted (``quote``)."""

    message_id: str
    sent_at: str
    subject: str
    phrase: str = ""
    kind: str = "message"
    quote: bool = False

    @classmethod
    def from_evidence(cls, e: Evidence) -> BoardEvidence:
        return cls(e.message_id, e.sent_at.isoformat(), e.subject, e.detail, e.kind, e.quote)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> BoardEvidence:
        return cls(d["message_id"], d["sent_at"], d["subject"], d.get("phrase", ""),
                   d.get("kind", "message"), bool(d.get("quote", False)))

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "sent_at": self.sent_at,
                "subject": self.subject, "phrase": self.phrase, "kind": self.kind,
                "quote": self.quote}


@dataclass(frozen=True, slots=True)
class BoardCard:
    """One card of the member's board (the member's eyes only: evidence holds subjects)."""

    insight: str
    title: str
    summary: str
    action: str
    priority: float
    evidence_count: int
    metrics: Mapping[str, float]
    evidence: tuple[BoardEvidence, ...] = ()
    weight: float | None = None  # set by reranking: the member's feedback weight for the type
    ranked: float | None = None  # priority x weight

    @classmethod
    def from_card(cls, c: Card) -> BoardCard:
        return cls(c.insight, c.title, c.summary, c.action, c.priority, c.evidence_count,
                   dict(c.metrics), tuple(BoardEvidence.from_evidence(e) for e in c.evidence))

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> BoardCard:
        return cls(d["insight"], d["title"], d["summary"], d["action"], d["priority"],
                   d["evidence_count"], dict(d.get("metrics", {})),
                   tuple(BoardEvidence.from_json(e) for e in d.get("evidence", [])),
                   d.get("weight"), d.get("ranked"))

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


def cards_of(payload: Mapping[str, Any] | None) -> list[BoardCard]:
    """The cards of a stored board payload, typed (none for no payload)."""
    return [BoardCard.from_json(c) for c in (payload or {}).get("cards", [])]
