"""Feedback on cards and nudges (helpful / not helpful / wrong), kept per member, sealed.

Reads/writes: ``feedback``. Each row seals ``{insight, verdict, surface}`` with the member's key;
only the member's own jobs read it back. The rule that turns it into a priority weight for the
member's own cards is :func:`weight` (documented in docs/delivery.md, tested). Organization-level
usefulness per insight type may leave only through the privacy guard (``aggregate/``):
:func:`contribution` is the per-member input such a step reads, one count per insight type and
verdict; nothing here aggregates across members.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from upwell.store.db import Member, Store
from upwell.store.schema import feedback

VERDICTS = ("helpful", "not_helpful", "wrong")
SURFACES = ("dashboard", "digest", "nudge", "api")
#: Feedback older than this no longer moves priorities (people and their weeks change).
WINDOW_DAYS = 180
#: Weight bounds: feedback can halve... or double a type's priority, never hide or force it.
MIN_WEIGHT, MAX_WEIGHT = 0.25, 2.0


@dataclass(frozen=True, slots=True)
class Item:
    insight: str
    verdict: str
    surface: str
    at: datetime


def record(store: Store, member: Member, insight: str, verdict: str, surface: str, *,
           at: datetime | None = None) -> int:
    if verdict not in VERDICTS:
        raise ValueError(f"feedback is one of {VERDICTS}")
    if surface not in SURFACES:
        raise ValueError(f"surface is one of {SURFACES}")
    at = at or datetime.now(UTC)
    with store.engine.begin() as conn:
        pk = conn.execute(insert(feedback).values(member_id=member.id, created_at=at,
                                                  item_enc=b"")).inserted_primary_key
        assert pk is not None
        fid = int(pk[0])
        sealed = member.cipher.seal("feedback", str(fid), "item", json.dumps(
            {"insight": insight, "verdict": verdict, "surface": surface}))
        conn.execute(feedback.update().where(feedback.c.id == fid).values(item_enc=sealed))
    return fid


def items(store: Store, member: Member) -> list[Item]:
    """The member's feedback, oldest first (decrypted for their own views and jobs)."""
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(select(feedback).where(feedback.c.member_id == member.id)
                              .order_by(feedback.c.id)):
            d = json.loads(member.cipher.open("feedback", str(r.id), "item", r.item_enc))
            out.append(Item(d["insight"], d["verdict"], d["surface"], r.created_at))
    return out


def weight(counts: Counter[str]) -> float:
    """The priority weight of one insight type from the member's verdicts on it:
    ``1 + 0.25 x helpful - 0.25 x not helpful - 0.5 x wrong``, kept within [0.25, 2]."""
    raw = 1 + 0.25 * counts["helpful"] - 0.25 * counts["not_helpful"] - 0.5 * counts["wrong"]
    return max(MIN_WEIGHT, min(MAX_WEIGHT, raw))


def tallies(store: Store, member: Member, now: datetime | None = None
            ) -> dict[str, Counter[str]]:
    """insight -> verdict counts over the last :data:`WINDOW_DAYS`."""
    since = (now or datetime.now(UTC)) - timedelta(days=WINDOW_DAYS)
    out: dict[str, Counter[str]] = {}
    for it in items(store, member):
        if it.at >= since:
            out.setdefault(it.insight, Counter())[it.verdict] += 1
    return out


def weights(store: Store, member: Member, now: datetime | None = None) -> dict[str, float]:
    """insight -> priority weight (types without feedback are absent: weight 1)."""
    return {k: weight(v) for k, v in tallies(store, member, now).items()}


def contribution(store: Store, member: Member, now: datetime | None = None
                 ) -> dict[str, dict[str, int]]:
    """The member's usefulness counts per insight type, for the privacy guard's contribution
    step (``aggregate/``) to clip, threshold and noise. Never released as it is."""
    return {k: {v: c[v] for v in VERDICTS} for k, c in tallies(store, member, now).items()}
