"""The member's dashboard page: labels, charts and the opened copy of their stored board.

Reads: the member's sealed ``dashboards`` row, computed by :mod:`upwell.insights.board` (the
one home of coaching: cards, trends, goals and experiments from the member's coaching view).
Writes: deletes that row when the member removed something it showed. A page view reads the
row's stamp and renders the member's opened copy from :mod:`upwell.web.board_cache`
(decrypting the row and drawing its charts only when the stamp changed), so the dashboard costs
a few small queries however large the member's archive is. See docs/web.md.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select

# the labels of each trend, and the library calls its routes make, live with the coaching
from upwell.insights.board import METRICS, goal_progress, on_change, refresh, triggers
from upwell.insights.catalog import Card
from upwell.store.db import Member, Store
from upwell.store.schema import dashboards
from upwell.web.board_cache import Board, boards
from upwell.web.charts import trend_chart

__all__ = ["METRICS", "board", "charts_of", "discard", "evict", "evidence_noun", "goal_progress",
           "load", "refresh", "triggers"]


def _drop_opened(store: Store, member_id: int) -> None:
    boards(store).drop(member_id)


on_change(_drop_opened)


def discard(store: Store, member_id: int) -> None:
    """Delete the member's stored dashboard (it showed something they have since removed and
    cannot be recomputed now, e.g. while paused); the next view computes it afresh."""
    with store.engine.begin() as conn:
        conn.execute(delete(dashboards).where(dashboards.c.member_id == member_id))
    boards(store).drop(member_id)


def evict(store: Store, member_id: int) -> None:
    """Drop the member's opened copy from this process (the stored row stays)."""
    boards(store).drop(member_id)


def evidence_noun(card: Card) -> str:
    """What a card's evidence is made of: "messages", "meetings", "people" or "items"."""
    return card.evidence_noun


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


