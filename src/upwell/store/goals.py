"""A member's goals: one or two behaviours they chose to watch, with the level they started at.

Reads/writes: ``goals``. The metric names are the dashboard's weekly trend metrics
(:data:`upwell.insights.board.METRICS`); progress is read from the member's own weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select

from upwell.store.db import Store
from upwell.store.schema import goals

MAX_GOALS = 2


@dataclass(frozen=True, slots=True)
class Goal:
    id: int
    metric: str
    baseline: float | None
    created_at: datetime


def list_goals(store: Store, member_id: int) -> list[Goal]:
    with store.engine.connect() as conn:
        return [Goal(r.id, r.metric, r.baseline,
                     r.created_at)
                for r in conn.execute(select(goals).where(goals.c.member_id == member_id)
                                      .order_by(goals.c.id))]


def add_goal(store: Store, member_id: int, metric: str, baseline: float | None) -> int:
    """A new goal; at most :data:`MAX_GOALS` at once, one per metric."""
    with store.engine.begin() as conn:
        rows = conn.execute(select(goals.c.metric).where(goals.c.member_id == member_id))
        chosen = [r.metric for r in rows]
        if metric in chosen:
            raise ValueError("you already watch this behaviour")
        if len(chosen) >= MAX_GOALS:
            raise ValueError(f"pick at most {MAX_GOALS} goals: remove one first")
        pk = conn.execute(insert(goals).values(member_id=member_id, metric=metric,
                                               baseline=baseline, created_at=datetime.now(UTC))
                          ).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def remove_goal(store: Store, member_id: int, goal_id: int) -> bool:
    with store.engine.begin() as conn:
        res = conn.execute(delete(goals).where(goals.c.id == goal_id,
                                               goals.c.member_id == member_id))
    return bool(res.rowcount)


def count_goals(store: Store, member_id: int) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(goals)
                               .where(goals.c.member_id == member_id)) or 0)
